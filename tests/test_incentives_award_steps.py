"""The named steps of ``incentives.awards``: inputs, baseline growth, rookies, satisfaction scores."""

from __future__ import annotations

import pandas as pd
import pytest

from sales_analytics.errors import DataError
from sales_analytics.incentives.awards import (
    AWARD_STEPS,
    award_inputs,
    awards,
    improvement,
    rookie_hire_dates,
    satisfaction_scores,
)
from sales_analytics.incentives.plan import AwardRules
from sales_analytics.periods import parse_period

HIST = pd.DataFrame(
    {
        "period": ["2025-12", "2026-01", "2026-02", "2026-03"] * 2,
        "rep_id": ["a"] * 4 + [7] * 4,  # an integer id is read as text
        "revenue": [900.0, 100.0, 200.0, 600.0, 50.0, 40.0, 30.0, 40.0],
    }
)
REPS = pd.DataFrame(
    {
        "rep_id": ["a", "7"],
        "rep_name": ["Ann", None],
        "hire_date": pd.to_datetime(["2025-09-30", "2025-10-01"]),
    }
)


def test_every_enabled_award_has_a_step():
    enabled = AwardRules().enabled
    assert list(AWARD_STEPS) == enabled


def test_award_inputs_index_the_reps_and_take_the_month():
    a = award_inputs(HIST, REPS, period="2026-03")
    assert a.current["rep_id"].tolist() == ["a", "7"] and a.current["revenue"].tolist() == [600.0, 40.0]
    assert a.rules == AwardRules()
    # a rep with no name is shown by id; no team column: empty text
    assert a.who("7") == {"rep_id": "7", "rep_name": "7", "name_en": "7", "team": ""}
    assert a.who("zz")["rep_name"] == "zz"  # a rep of the metrics missing from reps
    with pytest.raises(DataError, match="revenue"):
        award_inputs(HIST.drop(columns="revenue"), REPS, period="2026-03")


def test_improvement_averages_the_previous_months_only():
    a = award_inputs(HIST, REPS, period="2026-03", rules=AwardRules(improvement_months=2, min_baseline=40))
    g = improvement(a).set_index("rep_id")
    # a: mean(Jan 100, Feb 200) = 150 (December is outside the 2 months); (600 − 150) / 150 = 3.0
    # 7: mean(40, 30) = 35 ≤ min_baseline 40 → not taking part
    assert g.index.tolist() == ["a"]
    assert g.loc["a", "baseline"] == 150.0 and g.loc["a", "revenue_growth"] == 3.0


def test_rookies_are_hired_within_the_months_before_the_month_end():
    # March 2026 ends 2026-03-31; 6 months earlier is 2025-09-30: hired after it counts
    a = award_inputs(HIST, REPS, period="2026-03", rules=AwardRules(rookie_months=6))
    assert rookie_hire_dates(a).index.tolist() == ["7"]
    out = awards(HIST, REPS, period="2026-03", rules=AwardRules(enabled=["rookie"], rookie_months=6))
    assert out["rep_id"].tolist() == ["7"] and out["value"].tolist() == [40.0]
    assert "hired 2025-10-01 (within 6 months)" in out.loc[0, "rule_en"]


def test_satisfaction_scores_keep_the_month_with_enough_answers():
    sat = pd.DataFrame(
        {
            "period": ["2026-03", "2026-03", "2026-03", "2026-02"],
            "rep_id": ["a", "b", "c", "d"],
            "nps": [40.0, 90.0, None, 99.0],
            "n": [12, 3, 50, 99],
        }
    )
    s = satisfaction_scores(sat, parse_period("2026-03"), min_responses=10)
    # c has no score (not counted as too few); b has 3 < 10 answers; d is February
    assert (s.score, s.count, s.too_few) == ("nps", "n", 1)
    assert s.scores["rep_id"].tolist() == ["a"]
    none = satisfaction_scores(sat.drop(columns="n"), parse_period("2026-03"), min_responses=10)
    assert none.count is None and none.scores.empty
