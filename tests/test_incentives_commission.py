"""Golden statements of the commission engine: small plans with hand-computed payouts."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sales_analytics.errors import DataError
from sales_analytics.incentives import (
    CommissionPlan,
    commission_lines,
    compute_commissions,
    order_credits,
    parse_incentive_plan,
    team_commission_summary,
)

TIERS_41 = [  # docs/formulas.md §4.1
    {"from": 0, "to": 100000, "rate": 0.05},
    {"from": 100000, "to": 200000, "rate": 0.06},
    {"from": 200000, "rate": 0.08},
]
REPS = pd.DataFrame({"rep_id": ["r1", "r2"], "rep_name": ["Li Na", "Wang Wei"], "team": ["East", "East"]})


def plan_of(**plan) -> object:
    """An incentive plan with one default commission plan (plus extra commission keys)."""
    extra = plan.pop("_commission", {})
    base = {"id": "p", "method": "marginal", "tiers": [{"from": 0, "rate": 0.1}]}
    base.update(plan)
    return parse_incentive_plan({"commission": {"plans": [base], **extra}})


def orders_of(*rows) -> pd.DataFrame:
    """rows: (order_id, date, rep_id, amount[, status[, product_category]])."""
    recs = []
    for r in rows:
        rec = {
            "order_id": r[0],
            "order_date": pd.Timestamp(r[1]),
            "rep_id": r[2],
            "amount": float(r[3]),
            "status": r[4] if len(r) > 4 else "paid",
            "product_category": r[5] if len(r) > 5 else "general",
            "product_id": "P1",
            "quantity": 1,
        }
        recs.append(rec)
    return pd.DataFrame(recs)


def summary_of(result, rep="r1") -> pd.DataFrame:
    return result.summary.loc[result.summary["rep_id"] == rep].set_index("period")


def lines_of(result, period, rep="r1") -> pd.DataFrame:
    s = result.statements
    return s.loc[(s["period"] == period) & (s["rep_id"] == rep)]


# ---------------------------------------------------------------- golden 1: §4.1
@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("retroactive", 17600.0),  # 8% × 220,000 = 17,600
        ("marginal", 12600.0),  # 5% × 100,000 + 6% × 100,000 + 8% × 20,000 = 5,000 + 6,000 + 1,600
    ],
)
def test_retroactive_vs_marginal_on_the_same_sales(method, expected):
    plan = plan_of(method=method, tiers=TIERS_41)
    res = compute_commissions(orders_of(("O1", "2026-03-10", "r1", 220000)), REPS[:1], plan, period="2026-03")
    assert summary_of(res).loc["2026-03", "payout"] == expected
    lines = lines_of(res, "2026-03")
    assert lines["amount"].sum() == expected
    assert (lines["source_order_ids"] == "O1").all()


def test_marginal_lines_show_each_slice_with_its_rate_and_tier():
    lines = commission_lines(CommissionPlan(id="m", method="marginal", tiers=TIERS_41), 220000)
    assert lines["base_amount"].tolist() == [100000.0, 100000.0, 20000.0]
    assert lines["rate"].tolist() == [0.05, 0.06, 0.08]
    assert lines["tier"].tolist() == ["1: 0 – 100,000", "2: 100,000 – 200,000", "3: 200,000 – ∞"]


@pytest.mark.parametrize(
    ("sales", "retro", "marginal"),
    [
        (99999.99, 4999.9995, 4999.9995),  # just below the boundary: tier 1 (5%)
        (100000, 6000.0, 5000.0),  # on the boundary: tier 2 by [from, to); marginal slice 2 is empty
        (200000, 16000.0, 11000.0),  # 8% × 200,000; 5,000 + 6,000
    ],
)
def test_tier_boundaries_belong_to_the_upper_tier(sales, retro, marginal):
    r = commission_lines(CommissionPlan(id="r", method="retroactive", tiers=TIERS_41), sales)
    m = commission_lines(CommissionPlan(id="m", method="marginal", tiers=TIERS_41), sales)
    assert r["amount"].sum() == pytest.approx(retro, abs=1e-9)
    assert m["amount"].sum() == pytest.approx(marginal, abs=1e-9)


# ---------------------------------------------------------------- golden 2: caps
def test_max_payout_caps_the_commission_with_an_adjustment_line():
    plan = plan_of(max_payout=6000)
    res = compute_commissions(orders_of(("O1", "2026-01-05", "r1", 100000)), REPS[:1], plan, period="2026-01")
    lines = lines_of(res, "2026-01")
    # 10% × 100,000 = 10,000, capped at 6,000 → cap line −4,000
    assert lines["line_type"].tolist() == ["commission", "cap"]
    assert lines["amount"].tolist() == [10000.0, -4000.0]
    assert summary_of(res).loc["2026-01", "payout"] == 6000.0


def test_sales_cap_stops_the_base():
    plan = plan_of(tiers=[{"from": 0, "rate": 0.05}], cap=150000)
    res = compute_commissions(orders_of(("O1", "2026-01-05", "r1", 200000)), REPS[:1], plan, period="2026-01")
    # 5% × min(200,000, 150,000) = 7,500
    assert summary_of(res).loc["2026-01", "payout"] == 7500.0
    assert "capped at 150,000.00" in lines_of(res, "2026-01")["adjustment"].iloc[0]


# ------------------------------------------------- golden 3: threshold exactly hit
@pytest.mark.parametrize(
    ("sales", "payout"),
    [
        (50000, 2500.0),  # at the threshold: paid, 5% × 50,000
        (49999.99, 0.0),  # one cent below: nothing
        (80000, 4000.0),  # above: 5% from the first yuan (the threshold is a gate, not a deduction)
    ],
)
def test_threshold_exactly_hit_is_paid(sales, payout):
    plan = plan_of(tiers=[{"from": 0, "rate": 0.05}], threshold=50000)
    res = compute_commissions(orders_of(("O1", "2026-02-01", "r1", sales)), REPS[:1], plan, period="2026-02")
    assert summary_of(res).loc["2026-02", "payout"] == payout


# ---------------------------------------------------------------- golden 4: zero sales
def test_zero_sales_gives_a_zero_statement_and_the_draw_still_applies():
    orders = orders_of(("O1", "2026-02-01", "r2", 1000))
    res = compute_commissions(orders, REPS, plan_of(), period="2026-02")
    lines = lines_of(res, "2026-02", "r1")
    assert lines["line_type"].tolist() == ["commission"]
    assert lines["amount"].tolist() == [0.0]
    assert summary_of(res).loc["2026-02", "payout"] == 0.0
    res = compute_commissions(orders, REPS, plan_of(draw={"amount": 3000}), period="2026-02")
    # earned 0, guarantee 3,000 → top-up 3,000, carried as a recoverable balance
    assert lines_of(res, "2026-02", "r1")["line_type"].tolist() == ["commission", "draw_topup"]
    assert summary_of(res).loc["2026-02", ["payout", "balance_end"]].tolist() == [3000.0, 3000.0]


# --------------------------------------------------------- golden 5: draws (§4.4)
def test_recoverable_draw_formulas_example():
    # G = 3,000: month 1 earned 2,000 → paid 3,000, B = 1,000; month 2 earned 5,000 → paid 4,000, B = 0
    plan = plan_of(draw={"amount": 3000, "recoverable": True})
    orders = orders_of(("O1", "2026-01-10", "r1", 20000), ("O2", "2026-02-10", "r1", 50000))
    s = summary_of(compute_commissions(orders, REPS[:1], plan, period="2026-02"))
    assert s["earned"].tolist() == [2000.0, 5000.0]
    assert s["payout"].tolist() == [3000.0, 4000.0]
    assert s["balance_end"].tolist() == [1000.0, 0.0]


def test_draw_recovered_over_two_months():
    # m1 earned 0 → paid 3,000, B 3,000; m2 earned 4,500 → 4,500 − 3,000 = 1,500 < G → paid 3,000, B 1,500;
    # m3 earned 6,000 → 6,000 − 1,500 = 4,500 ≥ G → paid 4,500, B 0
    plan = plan_of(draw={"amount": 3000})
    orders = orders_of(("O2", "2026-02-10", "r1", 45000), ("O3", "2026-03-10", "r1", 60000))
    res = compute_commissions(
        orders,
        REPS[:1],
        plan.model_copy(update={"commission": plan.commission.model_copy(update={"start": "2026-01"})}),
        period="2026-03",
    )
    s = summary_of(res)
    assert s["payout"].tolist() == [3000.0, 3000.0, 4500.0]
    assert s["balance_end"].tolist() == [3000.0, 1500.0, 0.0]
    feb = lines_of(res, "2026-02")
    assert feb["line_type"].tolist() == ["commission", "balance_recovery", "draw_topup"]
    assert feb["amount"].tolist() == [4500.0, -3000.0, 1500.0]


def test_non_recoverable_draw_is_forgiven():
    plan = plan_of(draw={"amount": 3000, "recoverable": False})
    orders = orders_of(("O1", "2026-01-10", "r1", 20000), ("O2", "2026-02-10", "r1", 50000))
    s = summary_of(compute_commissions(orders, REPS[:1], plan, period="2026-02"))
    # max(2,000, 3,000) = 3,000; max(5,000, 3,000) = 5,000; nothing carried
    assert s["payout"].tolist() == [3000.0, 5000.0]
    assert s["balance_end"].tolist() == [0.0, 0.0]


# ------------------------------------------------------ golden 6: clawbacks (§4.5)
def test_clawback_across_periods_recovers_the_paid_portion():
    # 100,000 at 10% in January → 10,000 paid; refunded in March; 50% clawback → −5,000
    plan = plan_of(clawback={"rate": 0.5})
    orders = orders_of(
        ("O1", "2026-01-10", "r1", 100000),
        ("O9", "2026-03-02", "r1", 30000),
        ("O1-R", "2026-03-15", "r1", -100000, "refunded"),
    )
    res = compute_commissions(orders, REPS[:1], plan, period="2026-03")
    mar = lines_of(res, "2026-03")
    claw = mar.loc[mar["line_type"] == "clawback"]
    assert claw["amount"].tolist() == [-5000.0]
    assert claw["source_order_ids"].tolist() == ["O1-R"]
    # March: 10% × 30,000 = 3,000 commission − 5,000 clawback = −2,000 → paid 0, 2,000 carried
    s = summary_of(res)
    assert s.loc["2026-01", "payout"] == 10000.0
    assert s.loc["2026-03", ["clawbacks", "payout", "balance_end"]].tolist() == [-5000.0, 0.0, 2000.0]


def test_clawback_of_a_capped_order_recovers_only_what_was_paid():
    # 10,000 earned but only 6,000 paid (max_payout); 50% clawback → −3,000
    plan = plan_of(clawback={"rate": 0.5}, max_payout=6000)
    orders = orders_of(("O1", "2026-01-10", "r1", 100000), ("O1-R", "2026-02-03", "r1", -100000, "refunded"))
    res = compute_commissions(orders, REPS[:1], plan, period="2026-02")
    feb = lines_of(res, "2026-02")
    assert feb.loc[feb["line_type"] == "clawback", "amount"].tolist() == [-3000.0]


def test_partial_refund_same_period_nets_and_outside_window_is_not_clawed():
    plan = plan_of(clawback={"rate": 1.0, "window_months": 2})
    orders = orders_of(
        ("O1", "2026-01-10", "r1", 10000),
        ("O1-R", "2026-01-20", "r1", -4000, "refunded"),
        ("O2", "2026-01-11", "r1", 5000),
        ("O2-R", "2026-04-01", "r1", -5000, "refunded"),
    )
    res = compute_commissions(orders, REPS[:1], plan, period="2026-04")
    # January: 10% × (10,000 − 4,000 + 5,000) = 1,100; April refund is 3 months later > 2-month window → 0
    assert summary_of(res).loc["2026-01", "payout"] == 1100.0
    apr = lines_of(res, "2026-04")
    claw = apr.loc[apr["line_type"] == "clawback"]
    assert claw["amount"].tolist() == [0.0]
    assert "outside the 2-month clawback window" in claw["description"].iloc[0]


def test_cancelled_orders_are_ignored():
    orders = orders_of(("O1", "2026-01-10", "r1", 10000), ("O2", "2026-01-11", "r1", 5000, "cancelled"))
    res = compute_commissions(orders, REPS[:1], plan_of(), period="2026-01")
    assert summary_of(res).loc["2026-01", "payout"] == 1000.0


# ------------------------------------------------------------- golden 7: splits
def test_split_credits_each_rep_and_the_refund_follows_the_split():
    plan = plan_of(
        tiers=[{"from": 0, "rate": 0.05}],
        _commission={
            "splits": [
                {"order_id": "O1", "shares": [{"rep_id": "r1", "share": 0.6}, {"rep_id": "r2", "share": 0.4}]}
            ]
        },
    )
    orders = orders_of(("O1", "2026-01-10", "r1", 10000), ("O1-R", "2026-02-10", "r1", -10000, "refunded"))
    res = compute_commissions(orders, REPS, plan, period="2026-02")
    jan = res.summary.loc[res.summary["period"] == "2026-01"].set_index("rep_id")
    # 5% × 6,000 = 300 and 5% × 4,000 = 200
    assert jan["payout"].to_dict() == {"r1": 300.0, "r2": 200.0}
    feb = res.summary.loc[res.summary["period"] == "2026-02"].set_index("rep_id")
    assert feb["clawbacks"].to_dict() == {"r1": -300.0, "r2": -200.0}


def test_split_table_must_sum_to_one():
    orders = orders_of(("O1", "2026-01-10", "r1", 10000))
    splits = pd.DataFrame({"order_id": ["O1", "O1"], "rep_id": ["r1", "r2"], "share": [0.5, 0.4]})
    with pytest.raises(DataError, match="do not sum to 1"):
        order_credits(orders, splits=splits)


# ------------------------------------------------------------- golden 8: SPIFF window
def test_spiff_window_edges_are_inclusive():
    plan = plan_of(
        _commission={
            "spiffs": [
                {
                    "id": "s",
                    "name": "new product",
                    "product_id": "NEW",
                    "amount": 500,
                    "start": "2026-03-01",
                    "end": "2026-03-31",
                }
            ]
        }
    )
    orders = orders_of(
        ("O1", "2026-02-28 18:00", "r1", 100),
        ("O2", "2026-03-01 00:00", "r1", 100),
        ("O3", "2026-03-31 23:30", "r1", 100),
        ("O4", "2026-04-01 00:00", "r1", 100),
    )
    orders = orders.assign(product_id="NEW")
    res = compute_commissions(orders, REPS[:1], plan, period="2026-04")
    s = summary_of(res)
    # only O2 and O3 are inside 1–31 March: 2 × 500
    assert s["spiffs"].tolist() == [0.0, 1000.0, 0.0]
    mar = lines_of(res, "2026-03")
    assert mar.loc[mar["line_type"] == "spiff", "source_order_ids"].tolist() == ["O2, O3"]


def test_activity_spiff_and_eligible_reps():
    plan = plan_of(
        _commission={
            "spiffs": [
                {
                    "id": "v",
                    "name": "visits",
                    "activity_type": "visit",
                    "per": "activity",
                    "amount": 50,
                    "start": "2026-03-01",
                    "end": "2026-03-31",
                    "reps": ["r2"],
                }
            ]
        }
    )
    acts = pd.DataFrame(
        {
            "activity_id": ["A1", "A2", "A3"],
            "rep_id": ["r1", "r2", "r2"],
            "activity_type": ["visit", "visit", "call"],
            "activity_at": pd.to_datetime(["2026-03-02", "2026-03-03", "2026-03-04"]),
        }
    )
    res = compute_commissions(
        orders_of(("O1", "2026-03-10", "r1", 100)), REPS, plan, period="2026-03", activities=acts
    )
    # r1 is not eligible; r2 has one visit (A2) → 50
    assert res.summary.set_index("rep_id")["spiffs"].to_dict() == {"r1": 0.0, "r2": 50.0}


# ---------------------------------------------------------- golden 9: curve (§4.2)
CURVE = {
    "method": "curve",
    "tiers": [],
    "curve": {"target_incentive": 10000, "threshold": 0.5, "accelerator": 2, "cap": 1.5},
}


@pytest.mark.parametrize(
    ("sales", "payout"),
    [
        (200000, 0.0),  # a = 0.4 < t
        (250000, 0.0),  # a = t → curve(0.5) = 0
        (400000, 6000.0),  # a = 0.8 → 10,000 × 0.3/0.5
        (500000, 10000.0),  # a = 1.0
        (600000, 18000.0),  # a = 1.2 → 10,000 × (1 + 2 × 0.2/0.5)
        (800000, 30000.0),  # a = 1.6 → flat from the cap 1.5
    ],
)
def test_payout_curve_example(sales, payout):
    plan = plan_of(**CURVE)
    targets = pd.DataFrame({"period": ["2026-05"], "rep_id": ["r1"], "target_amount": [500000.0]})
    res = compute_commissions(
        orders_of(("O1", "2026-05-10", "r1", sales)), REPS[:1], plan, period="2026-05", targets=targets
    )
    assert summary_of(res).loc["2026-05", "payout"] == payout


def test_curve_lines_split_commission_and_accelerator():
    lines = commission_lines(plan_of(**CURVE).commission.plans[0], 600000, quota=500000)
    # linear zone 250,000 × 4% = 10,000; above 100%: 100,000 × 8% = 8,000
    assert lines["line_type"].tolist() == ["commission", "accelerator"]
    assert lines["amount"].tolist() == [10000.0, 8000.0]
    assert lines["rate"].tolist() == [0.04, 0.08]


def test_curve_with_decelerator():
    curve = {**CURVE["curve"], "cap": 2.0, "decelerator": {"from": 1.4, "multiple": 0.5}}
    lines = commission_lines(
        plan_of(method="curve", tiers=[], curve=curve).commission.plans[0], 800000, quota=500000
    )
    # a = 1.6: 10,000 + 8% × 200,000 (1.0–1.4) + 2% × 100,000 (1.4–1.6) = 10,000 + 16,000 + 2,000
    assert lines["line_type"].tolist() == ["commission", "accelerator", "decelerator"]
    assert lines["amount"].tolist() == [10000.0, 16000.0, 2000.0]


def test_attainment_tiers_without_target_pay_nothing_and_say_why():
    plan = plan_of(basis="attainment", tiers=[{"from": 0, "to": 1, "rate": 0.03}, {"from": 1, "rate": 0.06}])
    res = compute_commissions(orders_of(("O1", "2026-05-10", "r1", 1000)), REPS[:1], plan, period="2026-05")
    line = lines_of(res, "2026-05").iloc[0]
    assert line["amount"] == 0.0 and "no target" in line["description"]


def test_attainment_tiers_classify_accelerator_lines():
    plan = plan_of(basis="attainment", tiers=[{"from": 0, "to": 1, "rate": 0.03}, {"from": 1, "rate": 0.06}])
    targets = pd.DataFrame({"period": ["2026-05"], "rep_id": ["r1"], "target_amount": [100000.0]})
    res = compute_commissions(
        orders_of(("O1", "2026-05-10", "r1", 120000)), REPS[:1], plan, period="2026-05", targets=targets
    )
    lines = lines_of(res, "2026-05")
    # 3% × 100,000 + 6% × 20,000 = 3,000 + 1,200
    assert lines["line_type"].tolist() == ["commission", "accelerator"]
    assert lines["amount"].tolist() == [3000.0, 1200.0]
    assert summary_of(res).loc["2026-05", ["commission", "accelerator", "attainment"]].tolist() == [
        3000.0,
        1200.0,
        1.2,
    ]


# ------------------------------------------------------ category rates, rounding
def test_category_rate_is_paid_outside_the_tiers():
    plan = plan_of(
        tiers=[{"from": 0, "to": 10000, "rate": 0.05}, {"from": 10000, "rate": 0.1}],
        category_rates={"consumables": 0.01},
    )
    orders = orders_of(
        ("O1", "2026-01-10", "r1", 8000), ("O2", "2026-01-11", "r1", 50000, "paid", "consumables")
    )
    res = compute_commissions(orders, REPS[:1], plan, period="2026-01")
    lines = lines_of(res, "2026-01")
    # tiers see 8,000 only: 5% × 8,000 = 400; consumables 1% × 50,000 = 500
    assert lines["line_type"].tolist() == ["commission", "category_rate"]
    assert lines["amount"].tolist() == [400.0, 500.0]
    assert summary_of(res).loc["2026-01", "credited_sales"] == 58000.0


def test_payout_is_rounded_once_by_the_plan_rule():
    plan = plan_of(
        tiers=[{"from": 0, "rate": 0.035}], _commission={"rounding": {"quantum": "1", "mode": "half_up"}}
    )
    res = compute_commissions(
        orders_of(("O1", "2026-01-10", "r1", 12345.7)), REPS[:1], plan, period="2026-01"
    )
    lines = lines_of(res, "2026-01")
    # 3.5% × 12,345.70 = 432.0995 → shown 432.10; payout rounded to 1 yuan half-up = 432 → rounding line −0.10
    assert lines["amount"].tolist() == [432.10, -0.10]
    assert lines["line_type"].tolist() == ["commission", "rounding"]
    assert lines["amount_exact"].iloc[0] == "432.0995"
    assert summary_of(res).loc["2026-01", "payout"] == 432.0


def test_team_summary_and_inputs_unchanged():
    orders = orders_of(("O1", "2026-01-10", "r1", 1000), ("O2", "2026-01-10", "r2", 3000))
    before = orders.copy()
    res = compute_commissions(orders, REPS, plan_of(), period="2026-01")
    pd.testing.assert_frame_equal(orders, before)
    team = team_commission_summary(res.summary)
    assert team[["team", "reps", "credited_sales", "payout"]].to_dict("records") == [
        {"team": "East", "reps": 2, "credited_sales": 4000.0, "payout": 400.0}
    ]  # 10% × 4,000


def test_missing_columns_are_a_data_error():
    with pytest.raises(DataError, match="column 'amount'"):
        compute_commissions(
            pd.DataFrame({"order_id": ["1"], "order_date": ["2026-01-01"], "rep_id": ["r1"]}),
            REPS,
            plan_of(),
            period="2026-01",
        )


# ------------------------------------------------------------------- properties
tier_rates = st.lists(st.sampled_from([0.0, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1]), min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(
    rates=tier_rates,
    width=st.integers(1000, 100000),
    s1=st.integers(0, 10**6),
    s2=st.integers(0, 10**6),
    threshold=st.sampled_from([0, 5000, 50000]),
)
def test_marginal_payout_is_monotone_in_sales(rates, width, s1, s2, threshold):
    tiers = [
        {"from": i * width, "to": (i + 1) * width if i < len(rates) - 1 else None, "rate": r}
        for i, r in enumerate(rates)
    ]
    plan = CommissionPlan(id="m", method="marginal", tiers=tiers, threshold=threshold)
    lo, hi = sorted((s1 / 100, s2 / 100))
    assert commission_lines(plan, lo)["amount"].sum() <= commission_lines(plan, hi)["amount"].sum()


amounts = st.integers(1, 10**7).map(lambda c: c / 100)  # whole cents


@settings(max_examples=20, deadline=None)
@given(sales=st.lists(amounts, min_size=1, max_size=6), share_bp=st.integers(1, 9999))
def test_a_split_pays_out_exactly_the_unsplit_total(sales, share_bp):
    orders = orders_of(*[(f"O{i}", "2026-01-10", "r1", a) for i, a in enumerate(sales)])
    plan = plan_of(tiers=[{"from": 0, "rate": 0.07}])
    unsplit = compute_commissions(orders, REPS, plan, period="2026-01").statements
    splits = pd.DataFrame(
        {
            "order_id": [o for o in orders["order_id"] for _ in range(2)],
            "rep_id": ["r1", "r2"] * len(orders),
            "share": [share_bp / 10000, 1 - share_bp / 10000] * len(orders),
        }
    )
    split = compute_commissions(orders, REPS, plan, period="2026-01", splits=splits).statements

    def exact(s: pd.DataFrame) -> Decimal:
        return sum((Decimal(x) for x in s.loc[s["line_type"] != "rounding", "amount_exact"]), Decimal(0))

    assert exact(split) == exact(unsplit)
    credits = order_credits(orders, splits=splits)
    assert credits["credit_micro"].sum() == round(orders["amount"].sum() * 100) * 10000


@settings(max_examples=30, deadline=None)
@given(
    amounts_=st.lists(st.tuples(st.integers(0, 3), amounts, st.booleans()), min_size=0, max_size=8),
    method=st.sampled_from(["retroactive", "marginal"]),
    draw=st.sampled_from([None, {"amount": 1234.56}, {"amount": 500, "recoverable": False}]),
    max_payout=st.sampled_from([None, 777.77]),
    quantum=st.sampled_from(["0.01", "1", "10"]),
)
def test_statement_lines_add_up_to_the_payout(amounts_, method, draw, max_payout, quantum):
    rows = []
    for i, (m, amount, refunded) in enumerate(amounts_):
        rows.append((f"O{i}", f"2026-0{m + 1}-05", "r1", amount))
        if refunded:
            rows.append((f"O{i}-R", f"2026-0{min(m + 1, 4)}-25", "r1", -amount, "refunded"))
    orders = orders_of(*rows) if rows else orders_of(("X", "2026-01-01", "r2", 1))
    plan = plan_of(
        method=method,
        tiers=TIERS_41[:2] + [{"from": 200000, "rate": 0.033}],
        draw=draw,
        max_payout=max_payout,
        _commission={"rounding": {"quantum": quantum}, "start": "2026-01"},
    )
    res = compute_commissions(orders, REPS, plan, period="2026-04")
    per = res.statements.groupby(["period", "rep_id"])["amount_cents"].sum()
    pay = res.summary.set_index(["period", "rep_id"])["payout_cents"]
    pd.testing.assert_series_equal(per.sort_index(), pay.sort_index(), check_names=False)
    assert (res.summary["payout"] >= 0).all()
