"""Leaderboards, composite score, contests, awards and the rewards/penalties ledger."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sales_analytics.errors import ConfigError, DataError
from sales_analytics.incentives import (
    RANK_METHOD,
    awards,
    composite_score,
    contest_results,
    leaderboard,
    leaderboards,
    ledger_totals,
    parse_incentive_plan,
    ranking,
)
from sales_analytics.incentives.plan import AwardRules, Contest, LeaderboardRules

# ------------------------------------------------------------------ leaderboards
METRICS = pd.DataFrame(
    {
        "period": ["2026-02"] * 4 + ["2026-03"] * 4,
        "rep_id": ["a", "b", "c", "d"] * 2,
        "revenue": [100.0, 300.0, 200.0, 50.0, 400.0, 250.0, 250.0, np.nan],
        "target_amount": [100.0, 200.0, 400.0, 100.0, 200.0, 250.0, 500.0, 100.0],
        "activities": [10.0, 20.0, 30.0, 40.0, 5.0, 10.0, 15.0, 20.0],
    }
)


def test_competition_ranking_with_ties_and_rank_change():
    board = ranking(METRICS, "revenue").query("period == '2026-03'").set_index("rep_id")
    # March: a 400 (1), b 250 and c 250 tie (2, 2), d has no value → unranked
    assert board["rank"].tolist()[:3] == [1, 2, 2]
    assert board.loc[["b", "c"], "tied"].tolist() == [True, True]
    assert pd.isna(board.loc["d", "rank"])
    # February ranks: b 1, c 2, a 3, d 4 → change = previous − current
    assert board.loc["a", "rank_change"] == 3 - 1
    assert board.loc["b", "rank_change"] == 1 - 2
    assert board.loc["c", "rank_change"] == 0
    assert board["n_ranked"].iloc[0] == 3
    assert (board["rank_method"] == RANK_METHOD).all() and "1, 2, 2, 4" in RANK_METHOD


def test_first_period_has_no_rank_change_and_input_is_unchanged():
    before = METRICS.copy()
    board = ranking(METRICS, "activities")
    pd.testing.assert_frame_equal(METRICS, before)
    assert board.loc[board["period"] == "2026-02", "rank_change"].isna().all()


def test_duplicate_rows_are_a_data_error():
    with pytest.raises(DataError, match="more than one row per period and rep_id"):
        ranking(pd.concat([METRICS, METRICS.iloc[:1]]), "revenue")


def test_composite_score_formulas_example():
    m = pd.DataFrame(
        {
            "period": ["2026-03"] * 2,
            "rep_id": ["A", "B"],
            "revenue": [110.0, 90.0],
            "revenue_target": [100.0, 100.0],
            "visits": [8.0, 13.0],
            "visit_target": [10.0, 10.0],
        }
    )
    out = composite_score(
        m,
        [
            {"metric": "revenue", "weight": 0.6, "target": "revenue_target", "cap": 1.5},
            {"metric": "visits", "weight": 0.4, "target": "visit_target", "cap": 1.5},
        ],
    )
    # A: 0.6 × 1.1 + 0.4 × 0.8 = 0.98; B: 0.6 × 0.9 + 0.4 × 1.3 = 1.06
    assert out["composite_score"].tolist() == [0.98, 1.06]


def test_composite_without_target_uses_share_of_the_leader_and_caps():
    out = composite_score(
        METRICS,
        [
            {"metric": "activities", "weight": 0.5},
            {"metric": "revenue", "weight": 0.5, "target": "target_amount", "cap": 1.5},
        ],
    )
    feb = out.loc[out["period"] == "2026-02"].set_index("rep_id")
    # a: 0.5 × 10/40 + 0.5 × min(100/100, 1.5) = 0.125 + 0.5
    assert feb.loc["a", "composite_score"] == pytest.approx(0.625)
    # b: 0.5 × 20/40 + 0.5 × min(300/200 = 1.5, 1.5) = 0.25 + 0.75
    assert feb.loc["b", "composite_score"] == pytest.approx(1.0)
    mar = out.loc[out["period"] == "2026-03"].set_index("rep_id")
    assert mar.loc["a", "revenue_norm"] == 1.5  # 400/200 = 2.0 capped at 1.5
    assert mar.loc["d", "revenue_norm"] == 0.0  # missing counts as 0


def test_composite_weights_must_sum_to_one():
    with pytest.raises(ConfigError, match="sum to 1"):
        composite_score(METRICS, [{"metric": "revenue", "weight": 0.5}])


def test_leaderboards_long_table_with_ledger_next_to_it():
    rules = LeaderboardRules(
        metrics=["revenue", "activities", "orders"],
        composite=[{"metric": "revenue", "weight": 1.0, "target": "target_amount"}],
    )
    extra = pd.DataFrame({"period": ["2026-03"], "rep_id": ["a"], "net_points": [3.0]})
    out = leaderboards(METRICS, rules, extra=extra)
    # orders is not a column → skipped; composite added
    assert sorted(out["board"].unique()) == ["activities", "composite_score", "revenue"]
    assert out.loc[(out["period"] == "2026-03") & (out["rep_id"] == "a"), "net_points"].tolist() == [3.0] * 3


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=12))
def test_competition_rank_is_one_plus_the_number_strictly_better(values):
    m = pd.DataFrame(
        {
            "period": "2026-01",
            "rep_id": [f"r{i}" for i in range(len(values))],
            "x": [float(v) for v in values],
        }
    )
    board = ranking(m, "x").set_index("rep_id")
    for i, v in enumerate(values):
        assert board.loc[f"r{i}", "rank"] == 1 + sum(w > v for w in values)


# ---------------------------------------------------------------------- contests
REPS = pd.DataFrame(
    {
        "rep_id": ["a", "b", "c", "d"],
        "rep_name": ["Ann", "Bo", "Cy", "Di"],
        "team": ["T1", "T1", "T2", "T2"],
        "active": [True, True, True, False],
    }
)
ORDERS = pd.DataFrame(
    {
        "order_id": ["1", "2", "3", "4", "5", "5-R", "6"],
        "order_date": pd.to_datetime(
            ["2026-01-05", "2026-02-10", "2026-03-31", "2026-02-01", "2026-03-02", "2026-03-20", "2026-04-01"]
        ),
        "rep_id": ["a", "a", "b", "c", "b", "b", "a"],
        "customer_id": ["k1", "k2", "k3", "k1", "k4", "k4", "k5"],
        "amount": [100.0, 200.0, 250.0, 300.0, 80.0, -30.0, 999.0],
        "status": ["paid"] * 5 + ["refunded", "paid"],
    }
)


def contest(**kw) -> Contest:
    base = {
        "id": "c",
        "name": "一季度冲刺",
        "name_en": "Q1 sprint",
        "metric": "revenue",
        "start": "2026-01-01",
        "end": "2026-03-31",
        "prizes": [{"rank": 1, "prize": "trip", "amount": 0}, {"rank": 2, "prize": "cash", "amount": 500}],
    }
    base.update(kw)
    return Contest(**base)


def test_contest_window_spans_months_and_refunds_net():
    out = contest_results(ORDERS, REPS, [contest()], period="2026-03").set_index("entity")
    # a: 100 + 200 = 300; b: 250 + 80 − 30 = 300; c: 300; April's order 6 is outside; d is inactive
    assert out["value"].to_dict() == {"a": 300.0, "b": 300.0, "c": 300.0}
    assert out["rank"].tolist() == [1, 1, 1] and out["tied"].all()
    assert out["winner"].all() and (out["prize"] == "trip").all()  # a three-way tie shares the first prize
    assert (out["status"] == "final").all() and out["entity_name"].tolist() == ["Ann", "Bo", "Cy"]


def test_contest_minimum_qualifying_value_and_prizes_by_rank_among_qualifiers():
    c = contest(metric="orders", min_value=2)
    out = contest_results(ORDERS, REPS, [c], period="2026-03").set_index("entity")
    # orders (paid, distinct): a 2, b 2, c 1 → a, b qualify and share rank 1; c ranks 3, no prize
    assert out["value"].to_dict() == {"a": 2.0, "b": 2.0, "c": 1.0}
    assert out["qualifies"].to_dict() == {"a": True, "b": True, "c": False}
    assert out["prize"].to_dict() == {"a": "trip", "b": "trip", "c": ""}


def test_contest_in_progress_has_no_winner_and_eligible_list_limits_entities():
    c = contest(end="2026-04-30", eligible=["a", "c"])
    out = contest_results(ORDERS, REPS, [c], period="2026-03")
    assert out["entity"].tolist() == ["a", "c"]
    assert (out["status"] == "in_progress").all() and not out["winner"].any()
    assert (out["as_of"] == pd.Timestamp("2026-03-31")).all()
    assert contest_results(ORDERS, REPS, [c], period="2025-12").empty  # window does not overlap


def test_team_attainment_contest_and_recurring_month():
    targets = pd.DataFrame(
        {
            "period": ["2026-01", "2026-02", "2026-03", "2026-02"],
            "team": ["T1", "T1", "T1", "T2"],
            "rep_id": [None] * 4,
            "target_amount": [200.0, 200.0, 200.0, 600.0],
        }
    )
    c = contest(metric="attainment", level="team", min_value=1.0)
    out = contest_results(ORDERS, REPS, [c], period="2026-03", targets=targets).set_index("entity")
    # T1: (100 + 200 + 250 + 80 − 30) / 600 = 1.0; T2: 300 / 600 = 0.5
    assert out["value"].to_dict() == {"T1": 1.0, "T2": 0.5}
    assert out["winner"].to_dict() == {"T1": True, "T2": False}
    monthly = contest(recurrence="month", start=None, end=None, metric="customers")
    out = contest_results(ORDERS, REPS, [monthly], period="2026-02").set_index("entity")
    # February: a → k2, c → k1
    assert out["value"].to_dict() == {"a": 1.0, "b": 0.0, "c": 1.0}
    assert out["window_start"].iloc[0] == pd.Timestamp("2026-02-01")


def test_new_customers_contest_counts_first_ever_orders():
    c = contest(metric="new_customers", start="2026-02-01", end="2026-03-31")
    out = contest_results(ORDERS, REPS, [c], period="2026-03").set_index("entity")
    # k1 first bought in January → not new for c; k2 (a), k3 and k4 (b) are new
    assert out["value"].to_dict() == {"a": 1.0, "b": 2.0, "c": 0.0}


def test_activity_contest():
    acts = pd.DataFrame(
        {
            "rep_id": ["a", "a", "b"],
            "activity_type": ["visit", "call", "visit"],
            "activity_at": pd.to_datetime(["2026-03-01", "2026-03-02", "2026-01-01"]),
        }
    )
    out = contest_results(ORDERS, REPS, [contest(metric="visits")], period="2026-03", activities=acts)
    assert out.set_index("entity")["value"].to_dict() == {"a": 1.0, "b": 1.0, "c": 0.0}


# ------------------------------------------------------------------------ awards
HIST = pd.DataFrame(
    {
        "period": ["2026-01"] * 3 + ["2026-02"] * 3 + ["2026-03"] * 3,
        "rep_id": ["a", "b", "c"] * 3,
        "revenue": [100.0, 500.0, 0.0, 200.0, 500.0, 0.0, 600.0, 600.0, 300.0],
        "activities": [5.0, 9.0, 9.0, 5.0, 5.0, 5.0, 12.0, 30.0, 30.0],
    }
)
AREPS = pd.DataFrame(
    {
        "rep_id": ["a", "b", "c"],
        "rep_name": ["Ann", "Bo", "Cy"],
        "team": ["T", "T", "T"],
        "hire_date": pd.to_datetime(["2020-01-01", "2021-06-01", "2026-01-15"]),
    }
)


def test_awards_with_rules_ready_to_read_out():
    sat = pd.DataFrame(
        {
            "period": ["2026-03"] * 3,
            "rep_id": ["a", "b", "c"],
            "csat": [4.5, 4.8, 4.9],
            "responses": [10, 12, 2],
        }
    )
    out = awards(HIST, AREPS, period="2026-03", rules=AwardRules(min_baseline=100), satisfaction=sat)
    got = {(r.award, r.rep_id) for r in out.itertuples()}
    # top seller: a and b tie at 600; most improved: a 600 vs mean(100, 200) = 150 → +300% (b: +20%; c baseline 0);
    # csat: c has only 2 answers → b (4.8); rookie: c (hired 2026-01-15); activity: b and c tie at 30
    assert got == {
        ("top_seller", "a"),
        ("top_seller", "b"),
        ("most_improved", "a"),
        ("best_satisfaction", "b"),
        ("rookie", "c"),
        ("activity_leader", "b"),
        ("activity_leader", "c"),
    }
    improved = out.loc[out["award"] == "most_improved"].iloc[0]
    assert improved["value"] == 3.0 and improved["baseline"] == 150.0
    assert improved["rule_en"] == (
        "Most improved: Ann grew revenue +300.0% against the average of the previous "
        "3 months (150.00 → 600.00)."
    )
    assert improved["rule_zh"].startswith("进步之星：Ann 的营收较前 3 个月平均增长 +300.0%")
    assert out["awarded"].all()


def test_awards_not_given_say_why():
    out = awards(HIST.drop(columns="activities"), AREPS.drop(columns="hire_date"), period="2026-01")
    reasons = out.loc[~out["awarded"]].set_index("award")["rule_en"].to_dict()
    assert set(reasons) == {"most_improved", "best_satisfaction", "rookie", "activity_leader"}
    assert "no customer survey scores" in reasons["best_satisfaction"]
    assert "no activity data" in reasons["activity_leader"]


# ------------------------------------------------------------------------ ledger
def test_ledger_totals_use_kind_for_the_sign():
    led = pd.DataFrame(
        {
            "event_id": ["e1", "e2", "e3", "e4"],
            "rep_id": ["r1", "r1", "r1", "r2"],
            "date": ["2026-03-01", "2026-03-05", "2026-04-01", "2026-03-09"],
            "kind": ["reward", "penalty", "reward", "penalty"],
            "amount": [300.0, -50.0, 10.0, 20.0],
            "points": [3.0, -1.0, 1.0, 2.0],
        }
    )
    out = ledger_totals(led, period="2026-03").set_index("rep_id")
    # r1: 300 − 50 = 250, 3 − 1 = 2; r2: −20, −2 (penalty written positive, still subtracted)
    assert out["net_amount"].to_dict() == {"r1": 250.0, "r2": -20.0}
    assert out["net_points"].to_dict() == {"r1": 2.0, "r2": -2.0}
    assert out.loc["r1", ["rewards", "penalties"]].tolist() == [1, 1]


def test_ledger_bad_kind_is_a_data_error():
    led = pd.DataFrame({"rep_id": ["r1", "r2"], "date": ["2026-03-01"] * 2, "kind": ["reward", "bonus"]})
    with pytest.raises(DataError, match=r"column 'kind': unknown kind \(row 2\)"):
        ledger_totals(led)


def test_plan_sections_drive_the_functions():
    plan = parse_incentive_plan({"contests": [contest().model_dump()], "awards": {"enabled": ["top_seller"]}})
    assert len(contest_results(ORDERS, REPS, plan, period="2026-03")) == 3
    assert awards(HIST, AREPS, period="2026-03", rules=plan)["award"].unique().tolist() == ["top_seller"]


# --------------------------------------------- issue 15.5: survey scores need enough answers
def test_best_satisfaction_needs_ten_answers_and_states_n_and_interval():
    # b: CSAT 100 on 4 answers (the case of the issue) is not considered; a: 90 on 20 answers wins
    sat = pd.DataFrame(
        {
            "period": ["2026-03"] * 2,
            "rep_id": ["a", "b"],
            "csat": [90.0, 100.0],
            "responses": [20, 4],
            "csat_ci_low": [69.9, 51.0],
            "csat_ci_high": [97.2, 100.0],
        }
    )
    out = awards(HIST, AREPS, period="2026-03", satisfaction=sat)  # default rules: min_responses 10
    best = out.loc[out["award"] == "best_satisfaction"]
    assert best["rep_id"].tolist() == ["a"]
    assert best["rule_en"].iloc[0] == (
        "Best customer satisfaction: Ann had the highest CSAT in Mar 2026: 90.0 (n = 20, 95% CI 69.9–97.2). "
        "1 rep(s) with fewer than 10 answers were not considered (not enough responses)."
    )
    assert "回复不足" in best["rule_zh"].iloc[0] and "n = 20" in best["rule_zh"].iloc[0]


def test_best_satisfaction_not_awarded_when_nobody_has_enough_answers():
    sat = pd.DataFrame({"period": ["2026-03"], "rep_id": ["b"], "csat": [100.0], "responses": [5]})
    out = awards(HIST, AREPS, period="2026-03", satisfaction=sat)
    best = out.loc[out["award"] == "best_satisfaction"].iloc[0]
    assert not best["awarded"] and "not enough responses" in best["rule_en"]


def test_survey_board_lists_reps_below_the_minimum_without_ranking_them():
    metrics = pd.DataFrame(
        {
            "period": ["2026-03"] * 3,
            "rep_id": ["a", "b", "c"],
            "csat": [90.0, 100.0, 80.0],
            "responses": [20, 4, 12],
            "csat_ci_low": [69.9, 51.0, 55.0],
            "csat_ci_high": [97.2, 100.0, 93.0],
            "nps": [40.0, 75.0, 10.0],
            "nps_moe": [30.0, 60.0, 40.0],
        }
    )
    board = leaderboards(metrics, LeaderboardRules(metrics=["csat", "nps"], composite=[]), min_responses=10)
    csat = board[board["board"] == "csat"].set_index("rep_id")
    # a (90, n 20) first, c (80, n 12) second; b (100 on 4 answers) shown, not ranked
    assert csat.loc["a", "rank"] == 1 and csat.loc["c", "rank"] == 2 and pd.isna(csat.loc["b", "rank"])
    assert csat.loc["b", "status"] == "not enough responses" and csat.loc["b", "value"] == 100.0
    assert (csat["n_ranked"] == 2).all()
    assert csat.loc["a", ["responses", "ci_low", "ci_high"]].tolist() == [20, 69.9, 97.2]
    nps = board[board["board"] == "nps"].set_index("rep_id")
    # NPS interval: 40 ± 30 → 10 … 70
    assert nps.loc["a", ["ci_low", "ci_high"]].tolist() == [10.0, 70.0]


def test_leaderboard_is_a_deprecated_name_of_ranking():
    with pytest.warns(DeprecationWarning, match=r"sa.leaderboard is deprecated: use sa.ranking"):
        old = leaderboard(METRICS, "revenue")
    pd.testing.assert_frame_equal(old, ranking(METRICS, "revenue"))
