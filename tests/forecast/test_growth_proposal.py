"""The monthly run's target proposal on the edges of a valid run: less than a year of data, or no
rep to split the goal over, give an empty proposal and the reason (one line in notebook 08)."""

from __future__ import annotations

import pandas as pd
import pytest

import sales_analytics as sa
from sales_analytics.forecast.targets import PROPOSAL_COLUMNS, NothingToSplit
from tests.forecast.test_targets_and_backtest import fake_forecast


def _roster(n: int) -> pd.DataFrame:
    return pd.DataFrame({"rep_id": [f"r{i}" for i in range(n)], "team": ["t"] * n})


def test_a_year_of_revenue_gives_the_same_proposal_as_the_command() -> None:
    # 2026-01 revenue 1000 × (1 + 0.1) = 1100 for 2027-01, split 1:3 over r0, r1 → 275, 825
    revenue = pd.DataFrame({"month": ["2026-01", "2026-12"], "revenue": [1000.0, 50.0]})
    fc = fake_forecast([100.0, 300.0], ["t", "t"])
    proposal, why = sa.growth_proposal(revenue, fc, _roster(2), period="2027-01", growth=0.1)
    assert why is None
    reps = proposal[proposal["level"] == "rep"].set_index("rep_id")["target_amount"]
    assert reps.to_dict() == {"r0": 275.0, "r1": 825.0}
    expected = sa.propose_targets(fc, _roster(2), period="2027-01", goal=1100.0)
    pd.testing.assert_frame_equal(proposal, expected)


@pytest.mark.parametrize(
    "revenue",
    [
        pd.DataFrame({"month": ["2026-11", "2026-12"], "revenue": [10.0, 20.0]}),  # less than a year
        pd.DataFrame({"month": ["2026-01", "2026-12"], "revenue": [0.0, 20.0]}),  # nothing sold then
        pd.DataFrame({"month": pd.Series([], dtype=object), "revenue": pd.Series([], dtype=float)}),
    ],
)
def test_no_revenue_a_year_before_gives_no_proposal_and_says_why(revenue: pd.DataFrame) -> None:
    fc = fake_forecast([100.0], ["t"])
    proposal, why = sa.growth_proposal(revenue, fc, _roster(1), period="2027-01", growth=0.1)
    assert why == "goals_no_growth_base"
    assert proposal.empty and tuple(proposal.columns) == PROPOSAL_COLUMNS


def test_the_command_keeps_its_error_without_a_base_month() -> None:
    # propose-targets: there the user can give the goal as an amount instead; a SalesAnalyticsError
    # is what the command line shows as one line (exit 2) rather than a traceback
    revenue = pd.DataFrame({"month": ["2026-12"], "revenue": [20.0]})
    with pytest.raises(sa.SalesAnalyticsError, match=r"no revenue recorded for 2026-01.*--goal"):
        sa.goal_from_growth(revenue, period="2027-01", growth=0.1)


def test_no_rep_with_a_forecast_gives_no_proposal_and_says_why() -> None:
    revenue = pd.DataFrame({"month": ["2026-01"], "revenue": [1000.0]})
    fc = fake_forecast([0.0, 0.0], ["t", "t"])  # both reps quiet: nothing to split over
    with pytest.raises(NothingToSplit, match="nothing to split the goal over"):
        sa.propose_targets(fc, _roster(2), period="2027-01", goal=1100.0)
    proposal, why = sa.growth_proposal(revenue, fc, _roster(2), period="2027-01", growth=0.1)
    assert why == "goals_no_split" and proposal.empty


def test_both_reasons_have_a_label_in_both_languages() -> None:
    for key in ("goals_no_growth_base", "goals_no_split"):
        for lang in ("zh", "en"):
            text = sa.label(key, lang).format(month="2027-01", base_month="2026-01")
            assert "2027-01" in text
