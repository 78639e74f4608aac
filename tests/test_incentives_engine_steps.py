"""The named steps of the commission engine, each on a hand-built frame with hand-computed values."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from sales_analytics.incentives.commission import (
    Ledger,
    cap_line,
    clawbacks,
    credits_through,
    engine_inputs,
    quotas_of,
    rep_month,
    settle,
    statement_reps,
    summary_row,
)
from sales_analytics.incentives.credits import credit_rows, order_credits
from sales_analytics.incentives.plan import CommissionPlan, Rounding, parse_incentive_plan
from sales_analytics.incentives.tiers import Line


def _orders(*rows: tuple) -> pd.DataFrame:
    """rows: (order_id, date, rep_id, amount[, status])."""
    return pd.DataFrame(
        {
            "order_id": [r[0] for r in rows],
            "order_date": pd.to_datetime([r[1] for r in rows]),
            "rep_id": [r[2] for r in rows],
            "amount": [float(r[3]) for r in rows],
            "status": [r[4] if len(r) > 4 else "paid" for r in rows],
        }
    )


def _commission(**extra):
    plan = {"id": "p", "method": "marginal", "tiers": [{"from": 0, "rate": 0.1}]}
    plan.update(extra.pop("plan", {}))
    return parse_incentive_plan({"commission": {"plans": [plan], **extra}}).commission


ORDERS = _orders(
    ("O1", "2026-01-10", "r1", 1000),
    ("O2", "2026-02-03", "r1", 500),
    ("O2-R", "2026-02-20", "r1", -500, "refunded"),  # same month as O2: nets
    ("O1-R", "2026-03-05", "r1", -400, "refunded"),  # O1 was credited in January: a clawback
    ("O9", "2026-04-01", "r1", 700),  # after the report month
)
REPS = pd.DataFrame(
    {"rep_id": ["r1", "r2"], "team": ["A", "A"], "hire_date": pd.to_datetime(["2025-01-01", "2026-03-15"])}
)


def test_credits_through_drops_later_months_and_starts_at_the_plan_start():
    credits, months = credits_through(ORDERS, _commission(), "2026-03")
    assert sorted(credits["order_id"]) == ["O1", "O1-R", "O2", "O2-R"]  # O9 is April
    assert months == ["2026-01", "2026-02", "2026-03"]
    _, months = credits_through(ORDERS, _commission(start="2026-02"), "2026-03")
    assert months == ["2026-02", "2026-03"]
    # no order at all: the report month alone
    assert credits_through(ORDERS.iloc[0:0], _commission(), "2026-03")[1] == ["2026-03"]


def test_clawbacks_are_refunds_of_an_earlier_month_only():
    credits = credit_rows(ORDERS.iloc[:4])
    codes = np.zeros(len(credits), dtype=np.int64)
    mask, rows = clawbacks(credits, codes, ["tiered"])
    assert credits.frame().loc[mask, "order_id"].tolist() == ["O1-R"]
    row = rows.iloc[0]
    # −400 as micro-units of the currency (1e-6)
    assert (row["period"], row["orig_period"], row["group"], row["credit_micro"]) == (
        "2026-03",
        "2026-01",
        "tiered",
        -400_000_000,
    )
    # a refund of an order the credits do not know is a clawback with no original month
    lone = credit_rows(_orders(("X-R", "2026-03-01", "r1", -50, "refunded")))
    mask, rows = clawbacks(lone, np.zeros(1, dtype=np.int64), ["tiered"])
    assert mask.tolist() == [True] and pd.isna(rows["orig_period"].iloc[0])


def test_quotas_are_per_rep_and_month_and_skip_team_targets():
    targets = pd.DataFrame(
        {
            "period": ["2026-03", "2026-03", "2026-03"],
            "rep_id": ["r1", None, "r2"],
            "team": [None, "A", None],
            "target_amount": [1000.0, 5000.0, None],
        }
    )
    assert quotas_of(targets) == {("2026-03", "r1"): Decimal("1000")}
    assert quotas_of(None) == {} and quotas_of(targets.drop(columns="rep_id")) == {}


def test_statement_reps_are_the_reps_with_credits_and_the_roster_hired_by_the_month_end():
    inp = engine_inputs(ORDERS, REPS, _commission(), period="2026-03")
    # r2 is hired 2026-03-15: on the roster from March; r1 has credits (and is on the roster)
    assert [statement_reps(inp, m) for m in inp.months] == [["r1"], ["r1"], ["r1", "r2"]]
    inactive = REPS.assign(active=[True, False])
    inp = engine_inputs(ORDERS, inactive, _commission(), period="2026-03")
    assert statement_reps(inp, "2026-03") == ["r1"]


def test_cap_line_scales_the_effective_rates():
    plan = CommissionPlan.model_validate(
        {"id": "p", "method": "marginal", "tiers": [{"from": 0, "rate": 0.1}], "max_payout": 300}
    )
    lines = [Line("commission", "", Decimal("400")), Line("product_rate", "", Decimal("200"))]
    capped, eff = cap_line(plan, lines, {"tiered": Decimal("0.1"), "product:P1": Decimal("0.05")})
    # 600 > 300: the cap line is 300 − 600 = −300; every rate × 300 / 600
    assert [(c.line_type, c.amount, c.base) for c in capped] == [("cap", Decimal("-300"), Decimal("600"))]
    assert eff == {"tiered": Decimal("0.05"), "product:P1": Decimal("0.025")}
    # 300 exactly is not above the cap: no line, the rates unchanged
    under = [Line("commission", "", Decimal("300"))]
    assert cap_line(plan, under, {"tiered": Decimal("0.1")}) == ([], {"tiered": Decimal("0.1")})


def test_settle_rounds_once_and_reconciles_the_cents():
    lines = [Line("commission", "", Decimal("0.004")), Line("commission", "", Decimal("0.004"))]
    out, shown, payout = settle(lines, Rounding())
    # exact 0.008 → payout 0.01; each line shows 0.00, so a rounding line of 0.01 reconciles
    assert payout == Decimal("0.01") and shown == [Decimal("0.00"), Decimal("0.00"), Decimal("0.01")]
    assert out[-1].line_type == "rounding" and out[-1].adjustment == "0.008 → 0.01"
    assert len(lines) == 2  # the argument is not changed
    out, shown, payout = settle(lines[:1], Rounding(quantum="1", mode="up"))
    # 0.004 rounded up to a whole unit: 1.00
    # 0.004 rounded up to a whole unit: 1.00, reconciled by a rounding line of 1.00 − 0.00
    assert payout == Decimal("1.00") and shown == [Decimal("0.00"), Decimal("1.00")]


def test_summary_row_sums_the_shown_amounts_by_line_type():
    lines = [
        Line("commission", "", Decimal("100")),
        Line("accelerator", "", Decimal("20")),
        Line("spiff", "", Decimal("30")),
        Line("clawback", "", Decimal("-10")),
        Line("draw_topup", "", Decimal("60")),
    ]
    shown = [ln.amount for ln in lines]
    row = summary_row(
        {"period": "2026-03", "rep_id": "r1"},
        lines,
        shown,
        credited=Decimal("1000"),
        quota=Decimal("800"),
        payout=Decimal("200"),
        balance=Decimal("-60"),
    )
    # earned = 100 + 20 + 30 − 10 = 140 (the draw top-up is paid, not earned); attainment 1000 / 800
    assert (row["commission"], row["accelerator"], row["spiffs"], row["clawbacks"]) == (
        100.0,
        20.0,
        30.0,
        -10.0,
    )
    assert (row["earned"], row["draw_topup"], row["payout_cents"]) == (140.0, 60.0, 20000)
    assert (row["attainment"], row["balance_end"]) == (1.25, -60.0)


def test_rep_month_claws_back_at_the_rate_paid_and_carries_the_ledger():
    com = _commission()
    inp = engine_inputs(ORDERS, REPS, com, period="2026-03")
    ledger = Ledger()
    plan = inp.plan_of["r1"]
    for month in inp.months:
        rows, summ = rep_month(inp, ledger, month, "r1", plan)
    # March: no sales; O1-R claws back 400 × 10% (the rate paid in January) = −40; a negative
    # payout is not paid: it carries forward (negative_carry +40, balance 40 to recover)
    assert (summ["clawbacks"], summ["earned"], summ["payout"], summ["balance_end"]) == (
        -40.0,
        -40.0,
        0.0,
        40.0,
    )
    assert [(r["line_type"], r["amount"]) for r in rows] == [
        ("commission", 0.0),
        ("clawback", -40.0),
        ("negative_carry", 40.0),
    ]
    assert ledger.balances == {"r1": Decimal("40")}
    assert ledger.effs[("2026-01", "r1")] == {"tiered": Decimal("0.1")}


def test_credit_rows_build_the_frame_of_order_credits_for_any_rows():
    orders = pd.concat(
        [
            ORDERS,
            _orders(("O5", "2026-03-09", "r2", 80, "cancelled"), ("O6", "2026-03-10", "r2", 120.5)),
        ],
        ignore_index=True,
    ).assign(product_category=["a", "b", "b", "a", "a", "b", "a"])
    whole = order_credits(orders)
    rows = credit_rows(orders)
    pd.testing.assert_frame_equal(rows.frame(), whole)  # the cancelled O5 is in neither
    picked = np.array([5, 0, 3])
    pd.testing.assert_frame_equal(rows.frame(picked), whole.take(picked).reset_index(drop=True))
    assert rows.order_ids(picked) == ["O6", "O1", "O1-R"]
    # months as year * 12 + month - 1: January 2026 is 2026 * 12 + 0
    assert rows.month.tolist() == [24312, 24313, 24313, 24314, 24315, 24314]
    # O1-R and O2-R point at the codes of O1 and O2; every other row at its own order
    assert (rows.base[[2, 3]] == rows.order[[1, 0]]).all()
    codes, uniques = rows.codes("product_category")
    assert [uniques[c] for c in codes] == whole["product_category"].tolist()
    # with a split the frame is built whole and the arrays read from it
    split = credit_rows(
        orders, splits=pd.DataFrame({"order_id": ["O6"] * 2, "rep_id": ["r1", "r2"], "share": [0.5, 0.5]})
    )
    assert split.frame()["rep_id"].tolist() == ["r1", "r1", "r1", "r1", "r1", "r1", "r2"]
    # 120.50 split in halves: 60.25 each, in micro-units (1e-6)
    assert split.credit_micro[-2:].tolist() == [60_250_000, 60_250_000]


def test_a_month_of_the_result_builds_only_that_months_credits():
    from sales_analytics.incentives.commission import compute_commissions

    plan = parse_incentive_plan(
        {"commission": {"plans": [{"id": "p", "method": "marginal", "tiers": [{"from": 0, "rate": 0.1}]}]}}
    )
    result = compute_commissions(ORDERS, REPS, plan, period="2026-03")
    whole = result.credits
    march = result.for_period("2026-03")
    pd.testing.assert_frame_equal(
        march.credits, whole.loc[whole["period"] == "2026-03"].reset_index(drop=True)
    )
    assert march.credits["order_id"].tolist() == ["O1-R"] and "share_bp" not in whole.columns


def test_a_month_of_the_result_builds_only_that_months_statements_equal_to_the_whole():
    from sales_analytics.incentives.commission import compute_commissions

    res = compute_commissions(ORDERS, REPS, _commission(), period="2026-03")
    whole = res.statements  # built from every month's lines when first read
    for month in ("2026-01", "2026-02", "2026-03"):
        fresh = compute_commissions(ORDERS, REPS, _commission(), period="2026-03").for_period(month)
        expected = whole.loc[whole["period"] == month].reset_index(drop=True)
        pd.testing.assert_frame_equal(fresh.statements, expected, check_exact=True)
    # March: r1's clawback of O1-R (400 × 10% = −40) with its text, and r2 (hired 15 March) at 0
    march = (
        compute_commissions(ORDERS, REPS, _commission(), period="2026-03").for_period("2026-03").statements
    )
    claw = march.loc[march["line_type"] == "clawback"].iloc[0]
    assert (claw["rep_id"], claw["amount"], claw["source_order_ids"]) == ("r1", -40.0, "O1-R")
    # the rate paid is January's commission / sales = 100.0 / 1000 (Decimal digits as computed)
    assert claw["adjustment"] == "rate paid 10.00% × clawback 100%"
    assert sorted(march["rep_id"].unique()) == ["r1", "r2"]


def test_a_month_without_statements_has_the_whole_frames_columns_and_types():
    from sales_analytics.incentives.commission import compute_commissions

    res = compute_commissions(ORDERS, REPS, _commission(start="2026-02"), period="2026-03")
    whole = res.statements
    empty = compute_commissions(ORDERS, REPS, _commission(start="2026-02"), period="2026-03").for_period(
        "2025-12"
    )
    assert len(empty.statements) == 0
    pd.testing.assert_series_equal(empty.statements.dtypes, whole.dtypes)


def test_clawback_text_keeps_the_digits_of_the_rate_paid():
    from sales_analytics.incentives.adjustments import clawback_line

    com = _commission(plan={"clawback": {"rate": 0.5}})
    plan = com.plans[0]
    row = pd.Series(
        {
            "order_id": "O1-R",
            "base_order_id": "O1",
            "credit_micro": -400_000_000,
            "orig_period": "2026-01",
            "group": "tiered",
        }
    )
    # equal rates paid written with other digits: each keeps its own text and exact amount
    # (−400 × 0.050 × 0.5 = −10.0000 and −400 × 0.05 × 0.5 = −10.000; 5.000% and 5.00%)
    first = clawback_line(row, "2026-03", "r1", plan, {("2026-01", "r1"): {"tiered": Decimal("0.050")}})
    second = clawback_line(row, "2026-03", "r1", plan, {("2026-01", "r1"): {"tiered": Decimal("0.05")}})
    assert first.amount == second.amount == Decimal("-10")
    assert (f"{first.amount:f}", f"{second.amount:f}") == ("-10.0000", "-10.000")
    assert (first.rate, second.rate) == (Decimal("0.025"), Decimal("0.025"))
    assert f"{first.rate:f}" == "0.0250" and f"{second.rate:f}" == "0.025"
    assert first.adjustment == "rate paid 5.000% × clawback 50%"
    assert second.adjustment == "rate paid 5.00% × clawback 50%"
    assert first.description.endswith(": 50% of the commission paid on it")
