"""Anonymity: no table of the team survey lets a group under the threshold be recovered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sales_analytics as sa

TP = sa.load_instruments()["team_pulse"]
LIKERT = [it.id for it in TP.items_of("likert")]
SUGGESTIONS = ["提成规则看不懂", "希望多一些实战培训", "主管很支持大家", "抢单问题没人管", "群规可以简化"]


def pulse(sizes: list[int], seed: int, periods: tuple[str, ...] = ("2026-03",)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for period in periods:
        for t, size in enumerate(sizes):
            for i in range(size):
                row = {
                    "response_id": f"{period}-{t}-{i}",
                    "submitted_at": pd.Timestamp(f"{period}-25 10:00"),
                    "team": f"T{t}",
                    "enps": float(rng.integers(0, 11)),
                    "suggestion": SUGGESTIONS[int(rng.integers(0, 5))] if rng.random() < 0.7 else None,
                }
                row.update({c: float(rng.integers(1, 6)) for c in LIKERT})
                rows.append(row)
    return pd.DataFrame(rows)


def check_partition(part: pd.DataFrame, true_n: dict[str, int], threshold: int) -> None:
    """The invariants that make subtraction useless, on one partition (one period and metric).

    ``true_n`` holds every team that answered; a hidden team has no row at all.
    """
    assert not part["suppressed"].astype(bool).any()  # hidden cuts leave no row
    kids = part[part["group"] != "all"]
    total = part[part["group"] == "all"]
    shown = set(kids["group"])
    hidden = {g for g, n in true_n.items() if n > 0} - shown
    # 1. no shown group is under the threshold
    assert all(true_n[g] >= threshold for g in shown)
    # 2. with the total shown, the hidden groups together (total minus the shown ones) are a
    #    group of at least the threshold, made of two or more groups
    if len(total) and hidden:
        assert len(hidden) >= 2
        recovered = total["n"].iloc[0] - kids["n"].sum()
        assert recovered == sum(true_n[g] for g in hidden) >= threshold
    if sum(true_n.values()) < threshold:
        assert total.empty


def true_counts(r: pd.DataFrame, column: str) -> dict[str, int]:
    return r[r[column].notna()].groupby("team").size().to_dict()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(1, 9), min_size=1, max_size=6), st.integers(3, 7), st.integers(0, 1000))
def test_no_group_under_threshold_recoverable(sizes, threshold, seed):
    r = pulse(sizes, seed)
    params = sa.SurveyParams(anonymity_threshold=threshold, comment_threshold=threshold)
    inst = TP.model_copy(update={"anonymity_threshold": None, "comment_threshold": None})
    scores = sa.survey_scores(r, inst, params)
    for _, part in scores.groupby(["period", "metric"]):
        check_partition(part, true_counts(r, "enps"), threshold)
    dims = sa.survey_dimensions(r, inst, params)
    for _, part in dims.groupby(["period", "dimension"]):
        check_partition(part, true_counts(r, LIKERT[0]), threshold)
    themes = sa.survey_themes(r, inst, params)
    per_group = themes.drop_duplicates(["group"])
    comments = true_counts(r, "suggestion")
    check_partition(per_group, comments, threshold)
    # a shown team also had the threshold of respondents (its comments could be anyone's of them)
    people = r.groupby("team").size()
    assert all(people[g] >= threshold for g in per_group["group"] if g != "all")
    assert themes["term"].notna().all()
    quotes = sa.representative_comments(r, inst, params)
    assert set(quotes["group"]) <= set(per_group["group"])
    assert quotes["comment"].notna().all()


def test_team_of_four_is_hidden_with_a_partner():
    r = pulse([8, 6, 4], seed=1)  # T2 has 4 respondents
    s = sa.survey_scores(r, TP)
    assert set(s["group"]) == {"all", "T0"}  # T1 (6, the smallest other) is hidden with T2: no rows
    s = s.set_index("group")
    # the total minus T0 reveals only T1 + T2 together: 10 respondents
    assert s.loc["all", "n"] - s.loc["T0", "n"] == 10


def test_pooled_comments_need_enough_people_per_wave():
    # 4 people answering in three waves write 12 comments but are still 4 people
    r = pulse([4, 9, 9], seed=2, periods=("2026-03", "2026-06", "2026-09"))
    r["suggestion"] = "希望多一些实战培训"
    t = sa.survey_themes(r, TP, sa.SurveyParams(window_months=12), period="2026-09")
    # T0 has no published block; T1 (the smaller of the others) is hidden with it, so that
    # all − T2 covers two teams
    assert set(t["group"]) == {"all", "T2"}


def test_customer_survey_is_not_suppressed():
    r = pd.DataFrame(
        {
            "response_id": ["a", "b"],
            "submitted_at": "2026-03-05",
            "customer_id": ["c1", "c2"],
            "rep_id": ["R1", "R2"],
            "team": ["A", "B"],
            "nps": [10, 3],
        }
    )
    s = sa.survey_scores(r, sa.load_instruments()["customer_satisfaction"])
    assert not s.loc[s["metric"] == "nps", "suppressed"].any()  # one respondent per team is shown


@pytest.mark.parametrize(
    ("ns", "hidden"),
    [
        ([20, 10, 6, 4], {"B", "C"}),  # C under 5; B (smallest shown) joins it: 6 + 4 >= 5
        ([20, 10, 2, 2], {"A", "B", "C"}),  # B + C = 4 < 5: A joins
        ([6, 3, 3], {"A", "B"}),  # both under 5 but together 6: the total stays
        ([4, 2, 2], {"all", "A", "B"}),  # the total itself is under 5
        ([9, 4, 5], {"A", "B"}),  # two children, one under 5: both go
    ],
)
def test_suppress_small_groups_cases(ns, hidden):
    groups = ["all", "A", "B", "C"][: len(ns)]
    t = pd.DataFrame(
        {
            "metric": "m",
            "group_by": ["all"] + ["team"] * (len(ns) - 1),
            "group": groups,
            "n": ns,
            "value": 1.0,
        }
    )
    out = sa.suppress_small_groups(
        t, anonymity_threshold=5, by=["metric"], values=["value"], keep_hidden=True
    )
    assert set(out.loc[out["suppressed"], "group"]) == hidden
    assert out.loc[out["suppressed"], ["n", "value"]].isna().all().all()
    published = sa.suppress_small_groups(t, anonymity_threshold=5, by=["metric"], values=["value"])
    assert set(published["group"]) == set(groups) - hidden  # hidden groups leave no row
    assert not published["suppressed"].any()


def test_other_levers_pool_only_published_blocks():
    # training needs average the pulse per team over every wave: a team of 4 answering three
    # waves is 12 responses but 4 people, and one late response must not move a team's mean
    r = pulse([4, 9, 6], seed=3, periods=("2026-03", "2026-06", "2026-09"))
    late = r[r["team"] == "T1"].head(1).assign(response_id="late", submitted_at=pd.Timestamp("2026-10-02"))
    r = pd.concat([r, late], ignore_index=True)
    kept = sa.published_group_responses(r, TP, sa.SurveyParams(), by="team", period="2026-10")
    # T0 (4 a wave) never has a block, and each wave hides T2 (6, the smaller other team) with it
    # so that the published total minus T1 covers two teams; T1 keeps its 3 × 9, not the late one
    assert kept.groupby("team").size().to_dict() == {"T1": 27}
    assert "late" not in set(kept["response_id"])
    # named instruments are not filtered
    cs = sa.load_instruments()["customer_satisfaction"]
    named = pd.DataFrame(
        {"response_id": ["a"], "submitted_at": "2026-03-05", "customer_id": ["c1"], "rep_id": ["R1"]}
    ).assign(team="A", nps=9.0)
    assert len(sa.published_group_responses(named, cs, sa.SurveyParams(), by="team")) == 1
