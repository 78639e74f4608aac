"""Training evaluation: coverage, levels 1-3, hand-checked formulas (docs/formulas.md §9)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal
from scipy import stats

import sales_analytics as sa
from sales_analytics.errors import DataError
from sales_analytics.training import (
    behaviour_change,
    gain_band,
    kirkpatrick_levels,
    learning_by_session,
    normalized_gain,
    paired_test,
    reaction_scores,
    skill_dimension_scores,
    training_coverage,
    training_needs,
    untrained_reps,
)

SESSIONS = pd.DataFrame(
    {
        "session_id": ["s1", "s2", "s3", "old"],
        "topic": ["产品A", "谈判", "投诉处理", "旧课"],
        "category": ["product", "sales_skills", "customer_service", "product"],
        "session_date": pd.to_datetime(["2025-08-05", "2025-09-10", "2025-10-02", "2024-01-10"]),
        "cost": [1000.0, 2000.0, 500.0, 100.0],
        "hours": [2.0, 3.0, 1.5, 1.0],
    }
)
ATTENDANCE = pd.DataFrame(
    {
        "session_id": ["s1", "s1", "s1", "s2", "s2", "s3", "old"],
        "rep_id": ["r1", "r2", "r3", "r1", "r2", "r1", "r4"],
        "attended": [True, True, False, True, False, True, True],
        "pre_score": [40.0, 50.0, np.nan, 60.0, np.nan, 70.0, 50.0],
        "post_score": [70.0, 75.0, np.nan, 80.0, np.nan, np.nan, 60.0],
    }
)
REPS = pd.DataFrame(
    {
        "rep_id": ["r1", "r2", "r3", "r4"],
        "rep_name": ["甲", "乙", "丙", "丁"],
        "team": ["A", "A", "B", "B"],
        "active": [True, True, True, True],
    }
)


def test_normalized_gain_example() -> None:
    # docs/formulas.md §9.3: pretest 40, posttest 70 -> (70-40)/(100-40) = 30/60 = 0.50, medium
    assert normalized_gain(40, 70) == 0.5
    assert gain_band(0.5) == "medium"
    assert normalized_gain(8, 14, max_score=20) == 0.5  # scored out of 20: 6/12


def test_paired_test_example_matches_formula_and_scipy() -> None:
    # docs/formulas.md §9.4: differences 8,5,4,5,8,4 -> d̄ = 34/6 = 5.667; s_d = 1.862; t = 5.667/(1.862/√6) = 7.45
    pre = [50, 60, 70, 55, 62, 66]
    post = [58, 65, 74, 60, 70, 70]
    r = paired_test(pre, post)
    d = np.array(post) - np.array(pre)
    sd = math.sqrt(sum((x - d.mean()) ** 2 for x in d) / 5)
    assert (round(r["mean_diff"], 2), round(r["sd_diff"], 2), round(r["t"], 2), round(r["d_z"], 2)) == (
        5.67,
        1.86,
        7.45,
        3.04,
    )
    assert r["t"] == pytest.approx(d.mean() / (sd / math.sqrt(6)))
    assert r["d_z"] == pytest.approx(r["t"] / math.sqrt(6))
    half = stats.t.ppf(0.975, 5) * sd / math.sqrt(6)  # 2.5706 × 0.7601 = 1.954
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((d.mean() - half, d.mean() + half))
    assert round(r["ci_low"], 2) == 3.71 and round(r["ci_high"], 2) == 7.62
    assert r["p_value"] == pytest.approx(stats.ttest_rel(post, pre).pvalue)
    assert r["df"] == 5


def test_paired_test_degenerate_inputs() -> None:
    assert math.isnan(paired_test([1], [2])["t"])
    r = paired_test([1, 2, np.nan], [2, 3, 5])  # the NaN pair is dropped; no variation -> no t
    assert r["n"] == 2 and r["mean_diff"] == 1 and math.isnan(r["t"])


def test_coverage_hand_computed() -> None:
    out = training_coverage(SESSIONS, ATTENDANCE, REPS, period="2025-10", months=12)
    by = out.set_index(["level", "key"])
    # r1: invited s1, s2, s3 (all attended) -> 3/3, hours 2 + 3 + 1.5 = 6.5
    assert by.loc[("rep", "r1"), ["invited", "attended", "hours"]].tolist() == [3, 3, 6.5]
    # r2: invited s1 (yes), s2 (no) -> 1/2
    assert by.loc[("rep", "r2"), "attendance_rate"] == 0.5
    # r4 only attended the 2024 session: outside the 12-month window -> nothing
    assert by.loc[("rep", "r4"), ["invited", "hours"]].tolist() == [0, 0.0]
    assert math.isnan(by.loc[("rep", "r4"), "attendance_rate"])
    # team A (r1, r2): invited 5, attended 4, both trained; team B (r3, r4): invited 1, attended 0
    assert by.loc[("team", "A"), ["invited", "attended", "reps", "reps_trained"]].tolist() == [5, 4, 2, 2]
    assert by.loc[("team", "B"), ["invited", "attended", "trained_share"]].tolist() == [1, 0, 0.0]
    # category product: s1 only in window: invited 3, attended 2, hours 2 × 2 = 4
    assert by.loc[("category", "product"), ["sessions", "invited", "attended", "hours"]].tolist() == [
        1,
        3,
        2,
        4.0,
    ]
    # all: s1 (3 invited, 2 attended) + s2 (2, 1) + s3 (1, 1) = 6 invited, 4 attended
    assert by.loc[("all", "all"), ["sessions", "invited", "attended", "reps_trained"]].tolist() == [
        3,
        6,
        4,
        2,
    ]
    assert (out["period"] == "2025-10").all()


def test_untrained_reps() -> None:
    out = untrained_reps(SESSIONS, ATTENDANCE, REPS, period="2025-10", months=6)
    # r3 never attended; r4's last session was 2024-01-10 (21.7 months before 2025-10-31)
    assert out["rep_id"].tolist() == ["r3", "r4"]
    assert out["never_trained"].tolist() == [True, False]
    assert out.iloc[1]["months_since"] == round(
        (pd.Timestamp("2025-10-31") - pd.Timestamp("2024-01-10")).days / 30.44, 1
    )
    # with a 1-month threshold r2 (last 2025-08-05) is untrained too; r1 (2025-10-02) is not
    assert set(untrained_reps(SESSIONS, ATTENDANCE, REPS, period="2025-10", months=1)["rep_id"]) == {
        "r2",
        "r3",
        "r4",
    }


def test_learning_by_session_hand_computed() -> None:
    out = learning_by_session(SESSIONS, ATTENDANCE, period="2025-10").set_index("session_id")
    # s1: r1 40 -> 70, r2 50 -> 75. Class means 45 -> 72.5: <g> = 27.5 / 55 = 0.5
    # individual gains 30/60 = 0.5 and 25/50 = 0.5 -> mean 0.5
    assert out.loc["s1", "class_gain"] == 0.5 and out.loc["s1", "mean_individual_gain"] == 0.5
    assert out.loc["s1", ["attended", "n_paired", "dropped"]].tolist() == [2, 2, 0]
    # s3: r1 has no posttest -> dropped, nothing to compute
    assert out.loc["s3", ["n_paired", "dropped"]].tolist() == [0, 1]
    assert math.isnan(out.loc["s3", "class_gain"])
    assert "old" not in out.index  # outside the 12-month window


def test_reaction_scores_reverse_items_and_window() -> None:
    resp = pd.DataFrame(
        {
            "submitted_at": pd.to_datetime(["2025-10-02", "2025-10-03", "2025-10-04", "2023-01-01"]),
            "re_trainer": [4, 5, 3, 1],
            "re_boring": [2, 1, 3, 5],
        }
    )
    out = reaction_scores(resp, items=["re_trainer", "re_boring"], reverse=["re_boring"], period="2025-10")
    by = out.set_index("measure")
    # re_boring reversed on 1-5: 2,1,3 -> 4,5,3 -> mean 4; the 2023 answer is outside the window
    assert by.loc["re_boring", "value"] == 4 and by.loc["re_boring", "n"] == 3
    # t interval of 4,5,3: 4 ± 4.303 × 1/√3
    half = stats.t.ppf(0.975, 2) / math.sqrt(3)
    assert (by.loc["re_trainer", "ci_low"], by.loc["re_trainer", "ci_high"]) == pytest.approx(
        (4 - half, 4 + half)
    )
    assert by.loc["all_items", "value"] == 4
    # an instrument's own item called `overall` keeps its row: the mean of the items does not take its name
    named = resp.rename(columns={"re_trainer": "overall"})
    rows = reaction_scores(named, items=["overall", "re_boring"], reverse=["re_boring"], period="2025-10")
    assert rows["measure"].tolist() == ["overall", "re_boring", "all_items"]
    with pytest.raises(DataError, match="column 'rl_job'"):
        reaction_scores(resp, items=["rl_job"], period="2025-10")


def test_behaviour_change_hand_computed() -> None:
    sessions = pd.DataFrame(
        {
            "session_id": ["s"],
            "topic": ["t"],
            "category": ["sales_skills"],
            "session_date": pd.to_datetime(["2025-09-15"]),
        }
    )
    att = pd.DataFrame({"session_id": "s", "rep_id": ["a", "b"], "attended": True})
    acts = pd.DataFrame(
        {
            "rep_id": ["a"] * 5 + ["b"] * 3,
            "activity_type": ["visit", "call", "visit", "visit", "visit", "visit", "visit", "call"],
            # a: before (1-14 Sep) 1 visit, 1 call; after (16-29 Sep) 3 visits. b: before 1 visit; after 1 visit, 1 call
            "activity_at": pd.to_datetime(
                [
                    "2025-09-02",
                    "2025-09-03",
                    "2025-09-16",
                    "2025-09-20",
                    "2025-09-29",
                    "2025-09-10",
                    "2025-09-18",
                    "2025-09-19",
                ]
            ),
        }
    )
    out = behaviour_change(sessions, att, acts, period="2025-10", weeks=2).set_index("activity_type")
    # visits per week: a 0.5 -> 1.5, b 0.5 -> 0.5 => means 0.5 -> 1.0, paired change (1.0 + 0) / 2 = 0.5
    assert out.loc["visit", ["before_per_week", "after_per_week", "change"]].tolist() == [0.5, 1.0, 0.5]
    # mix: before 2 visits of 3 activities, after 4 of 5
    assert out.loc["visit", "share_before"] == pytest.approx(2 / 3)
    assert out.loc["visit", "share_after"] == pytest.approx(4 / 5)
    # a session whose after-window ends after the period end is not used
    assert behaviour_change(sessions, att, acts, period="2025-09", weeks=4).empty


def test_kirkpatrick_levels_level2_pooled() -> None:
    k = kirkpatrick_levels(period="2025-10", sessions=SESSIONS, attendance=ATTENDANCE)
    by = k.set_index("measure")
    # pooled pairs in the window: (40,70), (50,75), (60,80): means 50 -> 75, <g> = 25 / 50 = 0.5
    assert by.loc["class_gain", "value"] == 0.5 and by.loc["class_gain", "level"] == "L2"
    assert by.loc["score_change", "value"] == 25 and by.loc["score_change", "n"] == 3
    assert set(k["level"]) == {"L2"}


def test_training_needs_rules_and_reasons() -> None:
    reps = pd.DataFrame({"rep_id": ["a", "b", "c", "d", "e"], "rep_name": list("ABCDE"), "team": "T"})
    outcomes = pd.DataFrame(
        {
            "rep_id": list("abcde"),
            "month": "2025-10",
            "revenue": 0.0,
            "win_rate": [0.10, 0.30, 0.35, 0.40, 0.50],
            "satisfaction": [4.5, 4.4, 3.0, 4.2, 4.6],
        }
    )
    orders = pd.DataFrame(
        {
            "order_date": pd.to_datetime("2025-10-05"),
            "rep_id": list("abcde"),
            "amount": [500.0, 400, 300, 450, 0.1],
            "product_category": "软件",
        }
    )
    dims = pd.DataFrame(
        {
            "level": ["rep", "team", "team"],
            "key": ["b", "T", "T"],
            "dimension": ["expertise", "attitude", "manager_support"],
            "score": [2.5, 3.5, 1.0],
            "n": [6, 9, 9],
            "source": "survey",
        }
    )
    out = training_needs(reps, outcomes, period="2025-10", orders=orders, dimensions=dims)
    got = set(zip(out["rep_id"], out["category"], out["reason"]))
    # win rate quartile: 0.30 -> only a (0.10) is below; satisfaction quartile 4.2 -> c (3.0);
    # product revenue quartile 300 -> e (0.1); b's expertise 2.5 < 3 -> product;
    # team attitude 3.5 is not low; manager_support is not mapped to a category
    assert got == {
        ("a", "sales_skills", "low_win_rate"),
        ("c", "customer_service", "low_satisfaction"),
        ("e", "product", "low_product_revenue"),
        ("b", "product", "low_dimension"),
    }
    row = out.set_index("rep_id").loc["a"]
    assert row["reason_en"] == "win rate 10% below the team's 25th percentile (30%)"
    assert row["reason_zh"].startswith("赢单率 10%")
    # a survey reason names the survey and the dimension as the instrument does, never by id
    # (surveys/customer_satisfaction.yaml: expertise is 专业能力 / Expertise)
    survey = training_needs(
        reps, outcomes, period="2025-10", dimensions=dims.assign(source="customer_satisfaction")
    )
    b = survey.set_index("rep_id").loc["b"]
    assert b["reason_zh"] == "客户满意度调查：维度「专业能力」得分 2.50 低于 3"
    assert b["reason_en"] == "Customer satisfaction survey: dimension 'Expertise' scored 2.50, below 3"
    # team-level scores apply to every rep of the team
    low_team = dims.assign(score=[4.0, 2.0, 1.0])
    t = training_needs(
        reps, outcomes.assign(win_rate=np.nan, satisfaction=np.nan), period="2025-10", dimensions=low_team
    )
    assert sorted(t["rep_id"]) == list("abcde") and set(t["category"]) == {"customer_service"}


def test_dimension_scores_reverse() -> None:
    r = pd.DataFrame({"team": ["T", "T", "U"], "a": [4, 2, 5], "b_rev": [2, 4, 1]})
    out = skill_dimension_scores(r, {"dim": ["a", "b_rev"]}, by="team", reverse=("b_rev",))
    # T: (4 + 4)/2 = 4 and (2 + 2)/2 = 2 -> 3.0; U: (5 + 5)/2 = 5
    assert out.set_index("key")["score"].to_dict() == {"T": 3.0, "U": 5.0}
    assert set(out["level"]) == {"team"}


def test_bad_inputs_give_clear_errors() -> None:
    with pytest.raises(DataError, match="column 'attended'"):
        training_coverage(SESSIONS, ATTENDANCE.drop(columns="attended"), REPS, period="2025-10")
    with pytest.raises(DataError, match="column 'attended'.*yes/no.*'maybe'"):
        training_coverage(
            SESSIONS, ATTENDANCE.assign(attended=["maybe"] + [True] * 6), REPS, period="2025-10"
        )
    with pytest.raises(DataError, match="column 'session_id'.*not in training_sessions.*row 1"):
        training_coverage(SESSIONS, ATTENDANCE.assign(session_id=["zz"] + ["s1"] * 6), REPS, period="2025-10")


def test_text_attendance_flags_are_accepted() -> None:
    text = ATTENDANCE.assign(attended=["是", "yes", "否", "1", "false", "TRUE", "true"])
    a = training_coverage(SESSIONS, text, REPS, period="2025-10")
    b = training_coverage(SESSIONS, ATTENDANCE, REPS, period="2025-10")
    assert_frame_equal(a, b)


def test_inputs_are_not_mutated() -> None:
    s, a, r = SESSIONS.copy(), ATTENDANCE.copy(), REPS.copy()
    training_coverage(SESSIONS, ATTENDANCE, REPS, period="2025-10")
    untrained_reps(SESSIONS, ATTENDANCE, REPS, period="2025-10")
    learning_by_session(SESSIONS, ATTENDANCE, period="2025-10")
    assert_frame_equal(SESSIONS, s)
    assert_frame_equal(ATTENDANCE, a)
    assert_frame_equal(REPS, r)


def test_public_names_are_exported() -> None:
    for name in (
        "training_coverage",
        "did_by_cohort",
        "event_study",
        "phillips_roi",
        "TrainingParams",
        "kirkpatrick_levels",
        "training_needs",
        "plot_event_study",
    ):
        assert hasattr(sa, name), name


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 99), st.floats(0, 100)), min_size=2, max_size=30))
def test_gain_and_paired_test_invariants(pairs: list[tuple[float, float]]) -> None:
    pre = [a for a, _ in pairs]
    post = [b for _, b in pairs]
    g = normalized_gain(float(np.mean(pre)), float(np.mean(post)))
    assert g <= 1 + 1e-9  # nobody can pass the maximum
    r = paired_test(pre, post)
    if not math.isnan(r["t"]):
        assert r["d_z"] == pytest.approx(r["t"] / math.sqrt(r["n"]), rel=1e-6)
        assert r["ci_low"] <= r["mean_diff"] <= r["ci_high"]


def test_reps_who_left_do_not_inflate_the_trained_share() -> None:
    reps = REPS.assign(active=[True, True, True, False])  # r4 left
    att = pd.concat([ATTENDANCE, pd.DataFrame({"session_id": ["s1"], "rep_id": ["r4"], "attended": [True]})])
    out = training_coverage(SESSIONS, att, reps, period="2025-10").set_index(["level", "key"])
    # active reps r1, r2, r3; r1 and r2 trained -> 2 / 3 even though r4 attended s1 too
    assert out.loc[("all", "all"), ["reps", "reps_trained", "invited"]].tolist() == [3, 2, 7]
    assert out.loc[("all", "all"), "trained_share"] == pytest.approx(2 / 3)


def test_dimension_scores_suppress_small_groups() -> None:
    r = pd.DataFrame({"team": ["T"] * 5 + ["U"] * 4, "a": [3] * 9})
    out = skill_dimension_scores(r, {"dim": ["a"]}, by="team", anonymity_threshold=5)
    assert out["key"].tolist() == ["T"]  # U has 4 respondents, below the threshold of 5


def test_instrument_scoring_reads_the_committed_instrument() -> None:
    inst = sa.survey_instrument("training_feedback")
    if inst is None:
        pytest.skip("surveys/training_feedback.yaml is not in this checkout")
    spec = sa.instrument_scoring(inst)
    assert "re_boring" in spec["reverse"] and "pace" not in spec["items"] and spec["scale"] == (1, 5)
    assert sa.survey_instrument("no_such_instrument") is None


def test_kirkpatrick_intervals_are_computed_or_explained() -> None:
    k = kirkpatrick_levels(period="2025-10", sessions=SESSIONS, attendance=ATTENDANCE).set_index("measure")
    # individual gains (70-40)/60, (75-50)/50, (80-60)/40 are all 0.5: SD 0 → interval [0.5, 0.5]
    assert k.loc["mean_individual_gain", ["value", "ci_low", "ci_high"]].tolist() == [0.5, 0.5, 0.5]
    # differences 30, 25, 20: mean 25, SD 5 → d_z = 5; SE = √(1/3 + 25/6) = √4.5 = 2.1213;
    # 95%: 5 ± 1.95996 × 2.1213 = 5 ± 4.1577
    assert k.loc["effect_size_dz", "ci_low"] == pytest.approx(0.8423, abs=1e-4)
    assert k.loc["effect_size_dz", "ci_high"] == pytest.approx(9.1577, abs=1e-4)
    # the class gain is a ratio of two means: no interval, and the note says why
    assert pd.isna(k.loc["class_gain", "ci_low"]) and "no interval" in k.loc["class_gain", "note"]
