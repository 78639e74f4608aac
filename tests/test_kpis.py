"""Hand-computed expectations for every KPI on tiny frames, plus property tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import sales_analytics as sa
from sales_analytics.errors import DataError


def orders_frame(rows: list[tuple]) -> pd.DataFrame:
    """rows: (order_id, date, customer_id, rep_id, amount, status, category, channel)."""
    cols = [
        "order_id",
        "order_date",
        "customer_id",
        "rep_id",
        "amount",
        "status",
        "product_category",
        "channel",
    ]
    o = pd.DataFrame(rows, columns=cols)
    o["order_date"] = pd.to_datetime(o["order_date"])
    return o


@pytest.fixture
def orders() -> pd.DataFrame:
    return orders_frame(
        [
            ("o1", "2026-01-05", "c1", "r1", 100.0, "paid", "A", "web"),
            ("o1", "2026-01-05", "c1", "r1", 50.0, "paid", "B", "web"),  # second line of o1
            ("o2", "2026-01-20", "c2", "r2", 200.0, "paid", "A", "phone"),
            ("o3", "2026-01-25", "c3", "r2", 80.0, "cancelled", "A", "phone"),
            ("o1-R", "2026-03-02", "c1", "r1", -30.0, "refunded", "A", "web"),
            ("o4", "2026-03-10", "c1", "r1", 60.0, "paid", "B", "web"),
            ("o5", "2026-03-11", "c4", "r3", 40.0, "paid", "A", "web"),
        ]
    )


@pytest.fixture
def reps() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rep_id": ["r1", "r2", "r3", "r4"],
            "rep_name": ["Li", "Wang", "Zhao", "Sun"],
            "team": ["T1", "T1", "T2", "T2"],
            "region": ["East", "East", "North", "North"],
            "hire_date": pd.to_datetime(["2020-01-01", "2020-01-01", "2026-03-09", "2025-06-01"]),
            "active": [True, True, True, False],
        }
    )


# ------------------------------------------------------------------ sales
def test_company_monthly_with_refunds_cancelled_and_empty_month(orders):
    k = sa.sales_kpis(orders)
    assert k["period"].tolist() == ["2026-01", "2026-02", "2026-03"]
    # Jan: 100 + 50 + 200 (cancelled 80 excluded) = 350; Mar: -30 + 60 + 40 = 70
    assert k["revenue"].tolist() == [350.0, 0.0, 70.0]
    # Jan orders o1, o2 (o1 has two lines, o3 cancelled); Mar o4, o5 (refund row is not an order)
    assert k["orders"].tolist() == [2, 0, 2]
    assert k["aov"].iloc[0] == 175.0 and np.isnan(k["aov"].iloc[1]) and k["aov"].iloc[2] == 35.0
    # Jan: c1, c2 new; Mar: c1 returning, c4 new
    assert k["customers"].tolist() == [2, 0, 2]
    assert k["new_customers"].tolist() == [2, 0, 1]
    assert k["returning_customers"].tolist() == [0, 0, 1]
    # working days: Jan 2026 = 21 (1 Jan holiday; 4 Jan Sunday is a 调休 working day)
    assert k["workdays"].iloc[0] == sa.workdays_in_month("2026-01")
    assert k["revenue_per_workday"].iloc[0] == pytest.approx(350.0 / sa.workdays_in_month("2026-01"))


def test_by_rep_fills_active_reps_from_hire_month(orders, reps):
    k = sa.sales_kpis(orders, by=["rep_id"], reps=reps)
    got = {(p, r): v for p, r, v in zip(k["period"], k["rep_id"], k["revenue"])}
    # r3 hired 2026-03-09: no rows before March; r4 inactive: never filled
    assert ("2026-01", "r3") not in got and ("2026-03", "r3") in got
    assert not any(r == "r4" for _, r in got)
    # r1 and r2 active all along: February appears with zeros
    assert got[("2026-02", "r1")] == 0.0 and got[("2026-02", "r2")] == 0.0
    assert got[("2026-03", "r1")] == 30.0  # -30 + 60
    assert got[("2026-01", "r2")] == 200.0


def test_by_team_via_reps_and_by_order_columns(orders, reps):
    team = sa.sales_kpis(orders, by=["team"], reps=reps)
    jan = team[team["period"] == "2026-01"].set_index("team")
    assert jan.loc["T1", "revenue"] == 350.0 and jan.loc["T1", "orders"] == 2
    cat = sa.sales_kpis(orders, by=["product_category"])
    jan = cat[cat["period"] == "2026-01"].set_index("product_category")
    # o1 has lines in A and B: it is one order in each category
    assert jan.loc["A", "orders"] == 2 and jan.loc["B", "orders"] == 1
    assert jan.loc["A", "revenue"] == 300.0 and jan.loc["B", "revenue"] == 50.0


def test_quarter_and_fiscal_year(orders):
    q = sa.sales_kpis(orders, grain="quarter")
    assert q["period"].tolist() == ["2026-Q1"] and q["revenue"].tolist() == [420.0]
    assert "revenue_per_workday" not in q.columns
    # fiscal year starting in February: January 2026 is in FY2025, March in FY2026
    y = sa.sales_kpis(orders, grain="year", fiscal_year_start=2)
    assert y["period"].tolist() == ["FY2025", "FY2026"] and y["revenue"].tolist() == [350.0, 70.0]
    # c1 first bought in FY2025: returning in FY2026
    assert y["new_customers"].tolist() == [2, 1]


def test_periods_argument_keeps_full_history_for_new_customers(orders):
    k = sa.sales_kpis(orders, periods=["2026-03"])
    assert k["period"].tolist() == ["2026-03"]
    assert k["new_customers"].tolist() == [1]  # c1 is not new in March


def test_categorical_input_gives_same_result(orders, reps):
    a = sa.sales_kpis(orders, by=["rep_id", "channel"])
    b = sa.sales_kpis(sa.prepare_orders(orders), by=["rep_id", "channel"])
    assert_frame_equal(a, b, check_dtype=False, check_categorical=False)


def test_inputs_not_mutated(orders, reps):
    before_o, before_r = orders.copy(), reps.copy()
    sa.sales_kpis(orders, by=["team"], reps=reps)
    sa.attainment(
        orders, pd.DataFrame({"period": ["2026-01"], "rep_id": ["r1"], "target_amount": [1.0]}), reps=reps
    )
    assert_frame_equal(orders, before_o)
    assert_frame_equal(reps, before_r)


def test_bad_input_errors(orders):
    with pytest.raises(DataError, match="required column 'amount' is missing"):
        sa.sales_kpis(orders.drop(columns="amount"))
    bad = orders.assign(status=["paid", "paid", "paid", "paid", "refund", "paid", "paid"])
    with pytest.raises(DataError, match=r"column 'status': 1 row have an unknown status \(row 5\)"):
        sa.sales_kpis(bad)
    with pytest.raises(DataError, match="cannot group by 'team'"):
        sa.sales_kpis(orders, by=["team"])
    with pytest.raises(ValueError, match="`grain` must be one of"):
        sa.sales_kpis(orders, grain="week")
    text = orders.assign(order_date=orders["order_date"].astype(str))
    text.loc[2, "order_date"] = "2026/13/45"
    with pytest.raises(DataError, match=r"column 'order_date': 1 row are not dates \(row 3\)"):
        sa.sales_kpis(text)


def test_purchase_summary(orders):
    s = sa.purchase_summary(orders, as_of="2026-03-10").set_index("customer_id")
    # c1: orders o1 (Jan 5), o4 (Mar 10) -> frequency 2; monetary 150 - 30 + 60 = 180; recency 0
    assert s.loc["c1", ["frequency", "monetary", "recency_days"]].tolist() == [2, 180.0, 0]
    # c3 only cancelled, c4 buys after as_of: absent
    assert "c3" not in s.index and "c4" not in s.index
    assert s.loc["c2", "recency_days"] == (pd.Timestamp("2026-03-10") - pd.Timestamp("2026-01-20")).days


# ------------------------------------------------------------------ growth
def test_growth_formulas_zero_and_negative_bases():
    t = pd.DataFrame(
        {
            "period": ["2025-03", "2026-01", "2026-02", "2026-03", "2026-04"],
            "revenue": [150.0, 0.0, 100.0, 120.0, 60.0],
        }
    )
    g = growth = sa.growth(t, value="revenue").set_index("period")
    # March: 120 vs Feb 100 -> +20%; vs March 2025 150 -> -20%
    assert g.loc["2026-03", "pct_vs_previous"] == pytest.approx(0.2)
    assert g.loc["2026-03", "pct_vs_last_year"] == pytest.approx(-0.2)
    # February vs January 0: no percentage (NaN, never inf) but the absolute change
    assert np.isnan(g.loc["2026-02", "pct_vs_previous"]) and g.loc["2026-02", "change_vs_previous"] == 100.0
    # no 2025-02 row: comparison unknown
    assert np.isnan(growth.loc["2026-02", "same_period_last_year"])
    neg = sa.growth(
        pd.DataFrame({"period": ["2026-01", "2026-02"], "revenue": [-10.0, 5.0]}), value="revenue"
    )
    assert np.isnan(neg["pct_vs_previous"].iloc[1]) and neg["change_vs_previous"].iloc[1] == 15.0


def test_growth_by_group_and_quarters():
    t = pd.DataFrame(
        {
            "period": ["2025-Q4", "2026-Q1", "2025-Q4", "2026-Q1"],
            "team": ["A", "A", "B", "B"],
            "revenue": [100.0, 150.0, 50.0, 25.0],
        }
    )
    g = sa.growth(t, value="revenue", by=["team"], grain="quarter")
    assert g["pct_vs_previous"].tolist()[1] == pytest.approx(0.5)
    assert g["pct_vs_previous"].tolist()[3] == pytest.approx(-0.5)
    with pytest.raises(DataError, match="are not quarters"):
        sa.growth(t.assign(period="2026-01"), value="revenue", by=["team"], grain="quarter")
    with pytest.raises(DataError, match="repeat a period"):
        sa.growth(t, value="revenue", grain="quarter")


def test_partial_period_compared_like_for_like():
    o = orders_frame(
        [
            ("a", "2026-02-03", "c1", "r1", 100.0, "paid", "A", "web"),
            ("b", "2026-02-20", "c1", "r1", 900.0, "paid", "A", "web"),
            ("c", "2025-03-05", "c1", "r1", 300.0, "paid", "A", "web"),
            ("d", "2025-03-25", "c1", "r1", 700.0, "paid", "A", "web"),
            ("e", "2026-03-04", "c1", "r1", 150.0, "paid", "A", "web"),
            ("f", "2026-03-28", "c1", "r1", 999.0, "paid", "A", "web"),  # after as_of: ignored
        ]
    )
    g = sa.sales_growth(o, as_of="2026-03-10").set_index("period")
    row = g.loc["2026-03"]
    # first 10 days: Feb 100, March 2025 300 -> +50% and -50%
    assert bool(row["partial"]) and row["elapsed_days"] == 10
    assert row["revenue"] == 150.0 and row["previous"] == 100.0 and row["same_period_last_year"] == 300.0
    assert row["pct_vs_previous"] == pytest.approx(0.5) and row["pct_vs_last_year"] == pytest.approx(-0.5)
    assert not bool(g.loc["2026-02", "partial"])


# ------------------------------------------------------------------ targets
def test_attainment_rep_missing_target_and_zero_target(orders, reps):
    targets = pd.DataFrame(
        {
            "period": ["2026-01", "2026-01", "2026-03"],
            "rep_id": ["r1", "r2", "r1"],
            "team": [None, None, None],
            "target_amount": [300.0, 0.0, 60.0],
        }
    )
    a = sa.attainment(orders, targets, reps=reps)
    got = a.set_index(["period", "rep_id"])
    assert got.loc[("2026-01", "r1"), "attainment"] == pytest.approx(0.5)  # 150 / 300
    assert np.isnan(got.loc[("2026-01", "r2"), "attainment"])  # target 0 -> NaN, not inf
    assert got.loc[("2026-03", "r1"), "attainment"] == pytest.approx(0.5)  # 30 / 60
    assert np.isnan(got.loc[("2026-03", "r3"), "target_amount"])  # no target
    assert np.isnan(got.loc[("2026-03", "r3"), "attainment"])
    assert not np.isinf(a["attainment"]).any()
    q = sa.attainment(orders, targets, reps=reps, grain="quarter").set_index("rep_id")
    assert q.loc["r1", "target_amount"] == 360.0 and q.loc["r1", "attainment"] == pytest.approx(180 / 360)


def test_attainment_team_uses_team_targets_else_rep_sum(orders, reps):
    targets = pd.DataFrame(
        {
            "period": ["2026-01", "2026-01", "2026-03", "2026-03"],
            "rep_id": [None, "r1", "r1", "r3"],
            "team": ["T1", None, None, None],
            "target_amount": [700.0, 300.0, 60.0, 40.0],
        }
    )
    a = sa.attainment(orders, targets, reps=reps, by="team").set_index(["period", "team"])
    assert a.loc[("2026-01", "T1"), "target_amount"] == 700.0  # the team's own target wins
    assert a.loc[("2026-01", "T1"), "attainment"] == pytest.approx(350 / 700)
    assert a.loc[("2026-03", "T2"), "target_amount"] == 40.0  # sum of r3's target
    assert a.loc[("2026-03", "T2"), "attainment"] == pytest.approx(1.0)
    with pytest.raises(DataError, match="reps: is required for team attainment"):
        sa.attainment(orders, targets, by="team")
    with pytest.raises(DataError, match="column 'period': 1 row are not months"):
        sa.attainment(orders, targets.assign(period=["2026-01", "2026-01", "2026-Q1", "2026-03"]))


@pytest.mark.parametrize(
    ("actual", "relative", "points"),
    [
        (185_000.0, "On-Track", "On-Track"),
        (170_000.0, "Cautioned", "Cautioned"),
        (160_000.0, "Off-Track", "Cautioned"),
        (120_000.0, "Off-Track", "Off-Track"),  # 40% vs 60%: 20 points behind
    ],
)
def test_pacing_formulas_md_example(actual, relative, points):
    # docs/formulas.md §1.2: target 300,000, 30-day month, day 18 -> expected 180,000
    o = orders_frame(
        [
            ("o1", "2026-04-03", "c1", "r1", actual, "paid", "A", "web"),
            ("o2", "2026-04-25", "c1", "r1", 1e9, "paid", "A", "web"),
        ]
    )  # after as_of
    t = pd.DataFrame({"period": ["2026-04"], "rep_id": ["r1"], "target_amount": [300_000.0]})
    p = sa.pacing(o, t, as_of="2026-04-18")
    assert p["expected"].iloc[0] == pytest.approx(180_000.0)
    assert p["status"].iloc[0] == relative
    assert sa.pacing(o, t, as_of="2026-04-18", rule="points")["status"].iloc[0] == points
    # run-rate forecast: actual / 18 x 30
    assert p["forecast_revenue"].iloc[0] == pytest.approx(actual / 18 * 30)
    assert p["forecast_attainment"].iloc[0] == pytest.approx(actual / 18 * 30 / 300_000)


def test_pacing_rep_without_target_and_without_sales():
    o = orders_frame([("o1", "2026-04-03", "c1", "r1", 10.0, "paid", "A", "web")])
    t = pd.DataFrame({"period": ["2026-04"], "rep_id": ["r2"], "target_amount": [100.0]})
    p = sa.pacing(o, t, as_of="2026-04-15").set_index("rep_id")
    assert pd.isna(p.loc["r1", "status"]) and np.isnan(p.loc["r1", "attainment"])
    assert p.loc["r2", "revenue"] == 0.0 and p.loc["r2", "status"] == "Off-Track"
    with pytest.raises(ValueError, match="`rule` must be one of"):
        sa.pacing(o, t, as_of="2026-04-15", rule="percent")


def test_working_day_kpis_honour_the_teams_extra_holidays():
    from datetime import date

    from sales_analytics.rules.model import CalendarRules

    # March 2026 has 22 weekdays and no statutory holiday; the team also closes on Tue 10 March
    team = CalendarRules(extra_holidays=[date(2026, 3, 10)])
    o = orders_frame([("o1", "2026-03-02", "c1", "r1", 4_200.0, "paid", "A", "web")])
    plain = sa.sales_kpis(o, by=["rep_id"])
    own = sa.sales_kpis(o, by=["rep_id"], workday_calendar=team)
    assert plain["workdays"].tolist() == [22.0] and own["workdays"].tolist() == [21.0]
    assert own["revenue_per_workday"].tolist() == [200.0]  # 4,200 / 21
    monthly = sa.sales_growth(o, workday_calendar=team)
    assert monthly["workdays"].tolist() == [21.0]

    t = pd.DataFrame({"period": ["2026-03"], "rep_id": ["r1"], "target_amount": [2_100.0]})
    # working days 2-10 March: 7 statutory, 6 without the 10th; of 22 and 21 in the month
    p = sa.pacing(o, t, as_of="2026-03-10", calendar="workdays")
    q = sa.pacing(o, t, as_of="2026-03-10", calendar="workdays", workday_calendar=team)
    assert p["expected"].iloc[0] == pytest.approx(2_100 * 7 / 22)
    assert q["expected"].iloc[0] == pytest.approx(600.0)  # 2,100 x 6 / 21


# ------------------------------------------------------------------ pipeline
@pytest.fixture
def deals() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "deal_id": ["d1", "d2", "d3", "d4", "d5", "d6"],
            "rep_id": ["r1", "r1", "r2", "r2", "r1", "r2"],
            "stage": ["Proposal", "Negotiation", "Closed Won", "Closed Lost", "Closed Won", "Qualification"],
            "status": ["open", "open", "won", "lost", "won", "open"],
            "amount": [100_000.0, 50_000.0, 80_000.0, 9_000.0, 40_000.0, 30_000.0],
            "probability": [20.0, 60.0, 100.0, 0.0, 100.0, np.nan],
            "created_date": pd.to_datetime(
                ["2026-01-05", "2026-02-01", "2026-01-10", "2026-02-11", "2026-02-01", "2026-03-05"]
            ),
            "close_date": pd.to_datetime(
                ["2026-04-30", "2026-04-15", "2026-03-12", "2026-03-20", "2026-04-02", "2026-05-01"]
            ),
        }
    )


def test_pipeline_kpis_hand_computed(deals):
    k = sa.pipeline_kpis(deals, period="2026-03", stage_probabilities={"Qualification": 0.1})
    row = k.iloc[0]
    # open at 31 March: d1, d2, d6, and d5 (won in April) -> 4 deals, 100k + 50k + 30k + 40k
    assert row["open_deals"] == 4 and row["open_pipeline"] == 220_000.0
    # weighted: 100k x .2 + 50k x .6 + 30k x .1 (stage mapping) + 40k x 1.0 = 93,000
    assert row["weighted_pipeline"] == pytest.approx(93_000.0)
    # closed in March: d3 won, d4 lost -> win rate 1/2; cycle d3 = 61 days
    assert (row["won_deals"], row["lost_deals"], row["win_rate"]) == (1, 1, 0.5)
    assert row["avg_cycle_days"] == 61.0 and row["avg_deal_size"] == 80_000.0
    # velocity = 4 x 80,000 x 0.5 / 61
    assert row["velocity"] == pytest.approx(4 * 80_000 * 0.5 / 61)
    assert np.isnan(row["slipped_deals"])  # no stage history


def test_pipeline_no_closed_deals_gives_nan_not_inf(deals):
    k = sa.pipeline_kpis(deals, period="2026-01", by=["rep_id"])
    assert k["win_rate"].isna().all() and k["velocity"].isna().all()


def test_slipped_deals_and_stage_conversion_with_skips(deals):
    history = pd.DataFrame(
        {
            "deal_id": ["d1", "d1", "d1", "d3", "d3", "d4"],
            "stage": [
                "Qualification",
                "Qualification",
                "Proposal",
                "Qualification",
                "Closed Won",
                "Qualification",
            ],
            "changed_at": pd.to_datetime(
                ["2026-01-05", "2026-03-10", "2026-03-20", "2026-01-10", "2026-03-12", "2026-02-11"]
            ),
            "close_date": pd.to_datetime(
                ["2026-03-25", "2026-03-28", "2026-04-30", "2026-03-30", "2026-03-12", "2026-03-20"]
            ),
        }
    )
    k = sa.pipeline_kpis(deals, stage_history=history, period="2026-03")
    # d1: 25 -> 28 March (push inside March), 28 March -> 30 April (push past the end: slipped)
    assert k["close_date_pushes"].iloc[0] == 2 and k["slipped_deals"].iloc[0] == 1
    stages = ["Qualification", "Proposal", "Negotiation", "Closed Won"]
    c = sa.stage_conversion(deals, history, stages)
    # furthest stage: d1 Proposal(1), d2 Negotiation(2), d3 won(3), d4 Qualification(0), d5 won(3),
    # d6 Qualification(0); d3 skipped Proposal and Negotiation but counts as reaching them
    assert c["deals_reached"].tolist() == [6, 4, 3, 2]
    assert c["conversion_from_previous"].tolist()[1:] == pytest.approx([4 / 6, 3 / 4, 2 / 3])
    assert c["conversion_from_first"].iloc[-1] == pytest.approx(2 / 6)
    cohort = sa.stage_conversion(deals, history, stages, period="2026-02")
    assert cohort["period"].iloc[0] == "2026-02" and cohort["deals_reached"].tolist() == [3, 2, 2, 1]


# ------------------------------------------------------------------ activities
def test_activity_kpis_and_outcomes(orders, reps, deals):
    acts = pd.DataFrame(
        {
            "rep_id": ["r1", "r1", "r1", "r2", "r2"],
            "customer_id": ["c1", "c1", "c9", "c2", None],
            "activity_type": ["call", "visit", "meeting", "call", "fax"],
            "activity_at": pd.to_datetime(
                ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]
            ),
        }
    )
    k = sa.activity_kpis(acts, reps=reps).set_index(["period", "rep_id"])
    assert k.loc[("2026-03", "r1"), ["calls", "visits", "meetings", "activities"]].tolist() == [1, 1, 1, 3]
    assert k.loc[("2026-03", "r2"), ["calls", "activities"]].tolist() == [1, 2]  # 'fax' counts in total only
    assert k.loc[("2026-03", "r3"), "activities"] == 0  # active rep, hired in March
    out = sa.activity_outcomes(acts, orders=orders, deals=deals).set_index(["period", "rep_id"])
    # r1 in March: active customer c1 (o4), followed up by r1 -> 1/1; no won deal in March -> NaN
    assert out.loc[("2026-03", "r1"), "followup_share"] == 1.0
    assert np.isnan(out.loc[("2026-03", "r1"), "activities_per_won_deal"])
    # r2 in March: 2 activities, d3 won 12 March -> 2 per won deal; no active customers -> share NaN
    assert out.loc[("2026-03", "r2"), "activities_per_won_deal"] == 2.0
    assert np.isnan(out.loc[("2026-03", "r2"), "followup_share"])


def test_rep_scorecard_joins_and_satisfaction(orders, reps, deals):
    targets = pd.DataFrame({"period": ["2026-03"], "rep_id": ["r1"], "target_amount": [60.0]})
    sat = pd.DataFrame(
        {"rep_id": ["r1", "r2"], "period": ["2026-03", "2026-02"], "csat": [0.9, 0.5], "nps": [40.0, 10.0]}
    )
    s = sa.rep_scorecard(orders, reps=reps, period="2026-03", targets=targets, deals=deals, satisfaction=sat)
    assert list(s.columns) == list(sa.SCORECARD_COLUMNS)
    s = s.set_index("rep_id")
    assert s.loc["r1", "attainment"] == pytest.approx(0.5) and s.loc["r1", "csat"] == 0.9
    assert np.isnan(s.loc["r2", "csat"])  # satisfaction of another period only
    assert s.loc["r3", "revenue_rank"] == 1 and s.loc["r3", "rep_name"] == "Zhao"
    assert s.loc["r2", "win_rate"] == 0.5


def test_rep_scorecard_reuses_the_attainment_and_outcomes_it_is_given(orders, reps, deals):
    targets = pd.DataFrame({"period": ["2026-03"], "rep_id": ["r1"], "target_amount": [60.0]})
    acts = pd.DataFrame(
        {
            "rep_id": ["r1", "r1", "r2"],
            "activity_type": ["call", "visit", "call"],
            "customer_id": ["c1", "c9", "c3"],
            "activity_at": pd.to_datetime(["2026-03-02", "2026-03-04", "2026-03-06"]),
        }
    )
    kw = {"reps": reps, "period": "2026-03", "targets": targets, "deals": deals, "activities": acts}
    computed = sa.rep_scorecard(orders, **kw)
    given_tables = sa.rep_scorecard(
        orders,
        **kw,
        rep_attainment=sa.attainment(orders, targets, reps=reps),
        outcomes=sa.activity_outcomes(acts, orders=orders, deals=deals),
    )
    assert_frame_equal(given_tables, computed)
    # what is given is what is used: r1 sold 30 in March against 60 (0.5, as above); an attainment
    # table of a 120 target gives 30 / 120 = 0.25
    doubled = sa.attainment(orders, targets.assign(target_amount=120.0), reps=reps)
    with_doubled = sa.rep_scorecard(orders, **kw, rep_attainment=doubled).set_index("rep_id")
    assert computed.set_index("rep_id").loc["r1", "attainment"] == pytest.approx(0.5)
    assert with_doubled.loc["r1", "attainment"] == pytest.approx(0.25)


# ------------------------------------------------------------------ properties
@st.composite
def random_orders(draw):
    n = draw(st.integers(1, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    days = pd.Timestamp("2025-11-01") + pd.to_timedelta(rng.integers(0, 200, n), unit="D")
    status = rng.choice(["paid", "paid", "paid", "refunded", "cancelled"], n)
    amount = np.round(rng.uniform(1, 1000, n), 2)
    amount = np.where(status == "refunded", -amount / 2, amount)
    return pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in rng.integers(0, max(1, n // 2) + 1, n)],
            "order_date": days,
            "customer_id": [f"c{i}" for i in rng.integers(0, 6, n)],
            "rep_id": [f"r{i}" for i in rng.integers(0, 4, n)],
            "amount": amount,
            "status": status,
            "product_category": rng.choice(["A", "B", "C"], n),
            "channel": rng.choice(["web", "phone"], n),
        }
    )


REPS = pd.DataFrame(
    {
        "rep_id": ["r0", "r1", "r2", "r3"],
        "rep_name": list("abcd"),
        "team": ["X", "X", "Y", "Y"],
        "region": ["N", "S", "S", "S"],
    }
)


@settings(max_examples=40, deadline=None)
@given(random_orders())
def test_revenue_total_equal_across_dimensions_and_team_sums_reps(o):
    total = o.loc[o["status"] != "cancelled", "amount"].sum()
    for by in ([], ["rep_id"], ["team"], ["region"], ["product_category"], ["channel"], ["team", "channel"]):
        k = sa.sales_kpis(o, by=by, reps=REPS)
        assert k["revenue"].sum() == pytest.approx(total, abs=1e-6)
    reps_k = sa.sales_kpis(o, by=["rep_id"], reps=REPS)
    team_k = sa.sales_kpis(o, by=["team"], reps=REPS)
    reps_k["team"] = reps_k["rep_id"].map(REPS.set_index("rep_id")["team"])
    summed = reps_k.groupby(["period", "team"])[["revenue", "orders"]].sum()
    mine = team_k.set_index(["period", "team"])[["revenue", "orders"]]
    # a team's orders are distinct orders: equal to the sum over its reps when an order has one rep
    assert np.allclose(summed.loc[mine.index, "revenue"], mine["revenue"])
    one_rep = o.groupby("order_id")["rep_id"].nunique().max() <= 1
    if one_rep:
        assert (summed.loc[mine.index, "orders"] == mine["orders"]).all()
    assert (team_k["new_customers"] + team_k["returning_customers"] == team_k["customers"]).all()


@settings(max_examples=30, deadline=None)
@given(
    st.floats(-1e6, 1e6, allow_nan=False), st.integers(2, 30), st.sampled_from(["month", "quarter", "year"])
)
def test_growth_of_constant_series_is_zero(value, n, grain):
    labels = {
        "month": [str(sa.Period.month(2024, 1).shift(i)) for i in range(n)],
        "quarter": [str(sa.Period("quarter", 2024, 1).shift(i)) for i in range(n)],
        "year": [str(2000 + i) for i in range(n)],
    }[grain]
    g = sa.growth(pd.DataFrame({"period": labels, "v": value}), value="v", grain=grain)
    assert (g["change_vs_previous"].iloc[1:] == 0).all()
    if value > 0:
        assert (g["pct_vs_previous"].iloc[1:] == 0).all()
    else:
        assert g["pct_vs_previous"].isna().all()
    assert not np.isinf(g[["pct_vs_previous", "pct_vs_last_year"]].to_numpy()).any()


def test_rep_scorecard_states_the_n_and_interval_of_survey_scores(orders, reps):
    sat = pd.DataFrame(
        {
            "rep_id": ["r1"],
            "period": ["2026-03"],
            "csat": [100.0],
            "nps": [50.0],
            "responses": [4],
            "csat_ci_low": [51.0],
            "csat_ci_high": [100.0],
        }
    )
    s = sa.rep_scorecard(orders, reps=reps, period="2026-03", satisfaction=sat).set_index("rep_id")
    # r1's 100% rests on 4 answers, 95% CI 51–100%
    assert s.loc["r1", ["csat", "survey_responses", "csat_ci_low", "csat_ci_high"]].tolist() == [
        100.0,
        4,
        51.0,
        100.0,
    ]
