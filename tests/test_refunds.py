"""Refunds written two ways (issue 15.1): a negative refund line, or the order itself marked refunded.

A ``refunded`` row with a positive amount is the order refunded in full: no
revenue, no order, no customer, no credit; refunded in a later month
(``refunded_at``) it claws back the commission paid on it. Both forms of the same
business event give the same totals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sales_analytics.customers import rfm_table
from sales_analytics.incentives import compute_commissions, order_credits, parse_incentive_plan
from sales_analytics.kpis import sales_kpis
from sales_analytics.refunds import normalize_refunds

REPS = pd.DataFrame({"rep_id": ["r1", "r2"], "rep_name": ["Li Na", "Wang Wei"], "team": ["East", "East"]})


def orders_of(*rows) -> pd.DataFrame:
    """rows: (order_id, date, customer_id, rep_id, amount[, status[, refunded_at]])."""
    return pd.DataFrame(
        {
            "order_id": [r[0] for r in rows],
            "order_date": pd.to_datetime([r[1] for r in rows]),
            "customer_id": [r[2] for r in rows],
            "rep_id": [r[3] for r in rows],
            "amount": [float(r[4]) for r in rows],
            "status": [r[5] if len(r) > 5 else "paid" for r in rows],
            "refunded_at": pd.to_datetime([r[6] if len(r) > 6 else None for r in rows]),
        }
    )


def plan(clawback: float = 1.0):
    return parse_incentive_plan(
        {
            "commission": {
                "start": "2026-01",
                "plans": [
                    {
                        "id": "p",
                        "method": "retroactive",
                        "tiers": [
                            {"from": 0, "to": 1000, "rate": 0.05},
                            {"from": 1000, "rate": 0.10},
                        ],
                        "clawback": {"rate": clawback},
                    }
                ],
            }
        }
    )


# ------------------------------------------------------------------ KPIs
def test_positive_refunded_row_adds_no_revenue_order_or_customer():
    orders = orders_of(
        ("o1", "2026-03-02", "c1", "r1", 100),
        ("o2", "2026-03-05", "c2", "r1", 40, "refunded"),  # the order itself marked refunded
    )
    k = sales_kpis(orders).set_index("period")
    # revenue 100 (o2 counts nowhere, was 140 before the fix); orders 1; customers 1 (c2 bought nothing)
    assert k.loc["2026-03", ["revenue", "orders", "customers", "new_customers"]].tolist() == [100.0, 1, 1, 1]
    assert k.loc["2026-03", "aov"] == 100.0


def test_refund_line_cancelling_its_order_in_the_same_month_leaves_no_order():
    orders = orders_of(
        ("o1", "2026-03-02", "c1", "r1", 100),
        ("o2", "2026-03-05", "c2", "r1", 40),
        ("o2-R", "2026-03-20", "c2", "r1", -40, "refunded"),  # o2 refunded in full in March
        ("o3", "2026-03-06", "c1", "r1", 80),
        ("o3-R", "2026-03-21", "c1", "r1", -30, "refunded"),  # partial: o3 stays an order
    )
    k = sales_kpis(orders).set_index("period")
    # revenue 100 + 40 − 40 + 80 − 30 = 150; orders o1, o3 = 2 (o2 is gone); customers c1 = 1
    assert k.loc["2026-03", ["revenue", "orders", "customers"]].tolist() == [150.0, 2, 1]


def test_refund_in_a_later_month_keeps_the_order_in_its_month():
    orders = orders_of(
        ("o1", "2026-03-02", "c1", "r1", 100),
        ("o1-R", "2026-04-03", "c1", "r1", -100, "refunded"),
    )
    k = sales_kpis(orders).set_index("period")
    # March: 100, 1 order; April: −100, no order
    assert k["revenue"].tolist() == [100.0, -100.0]
    assert k["orders"].tolist() == [1, 0]


def test_refunded_row_with_a_refund_suffix_and_positive_amount_is_a_refund_line():
    orders = orders_of(
        ("o1", "2026-03-02", "c1", "r1", 100),
        ("o1-R", "2026-03-09", "c1", "r1", 30, "refunded"),  # sign written the wrong way
    )
    out = normalize_refunds(orders)
    assert out["amount"].tolist() == [100.0, -30.0]
    # revenue 100 − 30 = 70 (was 130)
    assert sales_kpis(orders)["revenue"].tolist() == [70.0]


def test_normalize_does_not_touch_its_argument_and_keeps_clean_tables_as_they_are():
    orders = orders_of(
        ("o1", "2026-03-02", "c1", "r1", 100), ("o2", "2026-03-05", "c2", "r1", 40, "refunded")
    )
    before = orders.copy()
    normalize_refunds(orders)
    pd.testing.assert_frame_equal(orders, before)
    clean = orders_of(("o1", "2026-03-02", "c1", "r1", 100))
    assert normalize_refunds(clean) is clean


# ------------------------------------------------------------ commission
def test_positive_refunded_row_is_credited_nothing():
    orders = orders_of(
        ("O1", "2026-01-10", "c1", "r1", 800),
        ("O2", "2026-01-12", "c2", "r1", 600, "refunded"),
    )
    res = compute_commissions(orders, REPS[:1], plan(), period="2026-01")
    s = res.summary.set_index("period")
    # credited 800 (not 1,400): below the 1,000 tier → 5% × 800 = 40
    assert s.loc["2026-01", ["credited_sales", "payout"]].tolist() == [800.0, 40.0]
    assert res.credits["order_id"].tolist() == ["O1"]


def test_order_refunded_in_a_later_month_claws_back_what_was_paid():
    orders = orders_of(
        ("O1", "2026-01-10", "c1", "r1", 1200, "refunded", "2026-03-05"),
        ("O2", "2026-03-02", "c2", "r1", 500),
    )
    res = compute_commissions(orders, REPS[:1], plan(clawback=0.5), period="2026-03")
    s = res.summary.set_index("period")
    # January: 1,200 credited ≥ 1,000 → 10% × 1,200 = 120 paid.
    # March: 5% × 500 = 25; clawback −1,200 × 10% × 50% = −60 → −35: paid 0, 35 carried
    assert s.loc["2026-01", "payout"] == 120.0
    assert s.loc["2026-03", ["commission", "clawbacks", "payout", "balance_end"]].tolist() == [
        25.0,
        -60.0,
        0.0,
        35.0,
    ]
    # before the fix the refunded row was credited in January and March had no clawback


def test_refunded_order_without_a_date_has_no_clawback():
    orders = orders_of(("O1", "2026-01-10", "c1", "r1", 1200, "refunded"))
    res = compute_commissions(orders, REPS[:1], plan(), period="2026-02")
    assert res.summary["payout"].tolist() == [0.0, 0.0]
    assert (res.statements["line_type"] != "clawback").all()


# ------------------------------------------------------------------ RFM
def test_rfm_ignores_an_order_refunded_in_full():
    orders = orders_of(
        ("o1", "2026-03-02", "c1", "r1", 100),
        ("o2", "2026-03-05", "c1", "r1", 40, "refunded"),
    )
    r = rfm_table(orders, period="2026-03").set_index("customer_id")
    # c1: one order of 100 (o2 refunded in full)
    assert r.loc["c1", ["frequency", "monetary"]].tolist() == [1, 100.0]


# ----------------------------------------------- property: both forms agree
events = st.lists(
    st.tuples(
        st.integers(0, 2),  # order month (Jan–Mar 2026)
        st.integers(1, 27),  # day
        st.sampled_from(["c1", "c2", "c3"]),
        st.sampled_from(["r1", "r2"]),
        st.integers(1, 200_000).map(lambda c: c / 100),  # amount, in cents
        st.one_of(st.none(), st.integers(0, 2)),  # refunded n months later (None: not refunded)
        st.booleans(),  # same-month refunds: the refunded row states its date or not
    ),
    min_size=1,
    max_size=12,
)


def _two_forms(evs) -> tuple[pd.DataFrame, pd.DataFrame]:
    anchor = ("A0", "2026-01-02", "c9", "r1", 1.0)  # one order never refunded: no table is empty
    lines, marked = [anchor], [anchor]
    for i, (m, day, cust, rep, amount, later, dated) in enumerate(evs):
        date = f"2026-{m + 1:02d}-{day:02d}"
        oid = f"O{i}"
        if later is None:
            lines.append((oid, date, cust, rep, amount))
            marked.append((oid, date, cust, rep, amount))
            continue
        refund_month = min(m + later, 2)
        refund_date = f"2026-{refund_month + 1:02d}-28"
        lines += [(oid, date, cust, rep, amount), (oid + "-R", refund_date, cust, rep, -amount, "refunded")]
        stated = refund_date if (refund_month > m or dated) else None
        marked.append((oid, date, cust, rep, amount, "refunded", stated))
    return orders_of(*lines), orders_of(*marked)


@settings(max_examples=60, deadline=None)
@given(evs=events)
def test_refund_lines_and_refunded_orders_give_the_same_totals(evs):
    as_lines, as_marked = _two_forms(evs)
    periods = ["2026-01", "2026-02", "2026-03"]
    cols = ["revenue", "orders", "customers", "new_customers"]
    a = sales_kpis(as_lines, periods=periods)[["period", *cols]]
    b = sales_kpis(as_marked, periods=periods)[["period", *cols]]
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
    ka = sales_kpis(as_lines, by=["rep_id"], reps=REPS, periods=periods)[["period", "rep_id", *cols]]
    kb = sales_kpis(as_marked, by=["rep_id"], reps=REPS, periods=periods)[["period", "rep_id", *cols]]
    pd.testing.assert_frame_equal(ka, kb, check_exact=False, rtol=1e-12)
    ca = compute_commissions(as_lines, REPS, plan(0.5), period="2026-03").summary
    cb = compute_commissions(as_marked, REPS, plan(0.5), period="2026-03").summary
    money = ["period", "rep_id", "credited_sales", "commission", "clawbacks", "payout", "balance_end"]
    pd.testing.assert_frame_equal(ca[money], cb[money])
    # credits net to the same total per rep
    credit = lambda o: order_credits(o).groupby("rep_id")["credit_micro"].sum()  # noqa: E731
    pd.testing.assert_series_equal(
        credit(as_lines), credit(as_marked).reindex(credit(as_lines).index, fill_value=0)
    )


@pytest.mark.parametrize("amount", [np.float64(0.0)])
def test_zero_amount_refunded_row_is_left_alone(amount):
    orders = orders_of(("o1", "2026-03-02", "c1", "r1", amount, "refunded"))
    assert normalize_refunds(orders) is orders


def test_training_outcomes_do_not_count_an_order_refunded_in_full():
    from sales_analytics.training import rep_month_outcomes

    orders = orders_of(
        ("o1", "2026-03-02", "c1", "r1", 100),
        ("o2", "2026-03-05", "c2", "r1", 40, "refunded"),
    )
    # March revenue of r1: 100 (o2 refunded in full adds nothing; was 140)
    out = rep_month_outcomes(orders, REPS[:1])
    assert out.loc[out["month"] == "2026-03", "revenue"].tolist() == [100.0]


def test_fully_refunded_keeps_the_refund_lookup_while_the_ids_live():
    import gc

    from sales_analytics import refunds

    ids = pd.Index(["o1", "o1-R", "o2", "o2-R", "o3"])
    codes = np.array([0, 1, 2, 3, 4])
    month = np.zeros(5, dtype=np.int64)
    is_order = np.array([True, False, True, False, True])
    is_refund = ~is_order
    # o1 50 - 50 = 0: refunded in full; o2 80 - 30: partly; o3 has no refund line
    amount = np.array([50.0, -50.0, 80.0, -30.0, 10.0])
    first = refunds.fully_refunded(codes, ids, month, amount, is_order, is_refund)
    assert first.tolist() == [True, False, False, False, False]
    assert any(key[0] == id(ids) for key in refunds._REFUNDED_IDS)
    # the same ids again (another KPI of the same orders): the kept lookup gives the same answer
    again = refunds.fully_refunded(
        codes, ids, month, np.array([50.0, -50.0, 80.0, -80.0, 10.0]), is_order, is_refund
    )
    assert again.tolist() == [True, False, True, False, False]  # o2 now refunded in full too
    key = next(key for key in refunds._REFUNDED_IDS if key[0] == id(ids))
    del ids
    gc.collect()
    assert key not in refunds._REFUNDED_IDS  # freed with its Index
