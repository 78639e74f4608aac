"""The prepared order facts (``kpis.order_facts``): hand-computed facts, the KPI functions equal on the
facts and on the frame, immutability, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sales_analytics.errors import DataError
from sales_analytics.kpis import (
    OrderFacts,
    activity_outcomes,
    attainment,
    order_facts,
    pacing,
    purchase_summary,
    rep_scorecard,
    sales_growth,
    sales_kpis,
)

STR = pd.StringDtype(na_value=np.nan)


def _orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": ["o1", "o1", "o2", "o3", "o3-R", "o4", "o5"],
            "order_date": pd.to_datetime(
                [
                    "2026-01-05",
                    "2026-01-05",
                    "2026-01-20",
                    "2026-02-03",
                    "2026-02-10",
                    "2026-02-11",
                    "2026-03-01",
                ]
            ),
            "customer_id": ["c1", "c1", "c2", "c2", "c2", "c3", "c1"],
            "rep_id": ["r1", "r1", "r2", "r1", "r1", "r2", "r2"],
            "amount": [60.0, 40.0, 30.0, 80.0, -80.0, 20.0, 10.0],
            "status": ["paid", "paid", "paid", "paid", "refunded", "cancelled", "paid"],
            "product_category": ["A", "B", "A", "A", "A", "B", "B"],
            "channel": ["web", "web", "shop", "web", "web", "shop", "web"],
        }
    )


def test_facts_by_hand() -> None:
    f = order_facts(_orders())
    assert isinstance(f, OrderFacts) and len(f) == 7
    # month index = year * 12 + month - 1: 2026 * 12 = 24312 -> Jan 24312, Feb 24313, Mar 24314
    assert f.months.tolist() == [24312, 24312, 24312, 24313, 24313, 24313, 24314]
    assert f.paid.tolist() == [True, True, True, True, False, False, True]
    assert f.counts_revenue.tolist() == [True, True, True, True, True, False, True]
    # o3 (80) is cancelled in full by o3-R (-80) in February: no order
    assert f.is_order.tolist() == [True, True, True, False, False, False, True]
    # customers in order of appearance c1, c2, c3: c1 first bought in Jan, c2 in Jan (o2), c3 never (cancelled)
    assert list(f.customer.uniques) == ["c1", "c2", "c3"]
    assert f.first_month.tolist() == [24312, 24312, -1]
    assert f.last_order_date == pd.Timestamp("2026-03-01")
    assert list(f.columns) == ["order_id", "customer_id", "rep_id", "status", "product_category", "channel"]


def test_sales_kpis_on_facts_by_hand() -> None:
    got = sales_kpis(order_facts(_orders()), by=["rep_id"])
    # 2026-01 r1: o1 60 + 40 = 100, 1 order, 1 new customer (c1); r2: o2 30, 1 order, c2 new
    # 2026-02 r1: o3 80 - 80 = 0, no order (refunded in full); o4 is cancelled: r2 has no row
    # 2026-03 r2: o5 10, 1 order, c1 returning
    assert got[["period", "rep_id"]].values.tolist() == [
        ["2026-01", "r1"],
        ["2026-01", "r2"],
        ["2026-02", "r1"],
        ["2026-03", "r2"],
    ]
    assert got["revenue"].tolist() == [100.0, 30.0, 0.0, 10.0]
    assert got["orders"].tolist() == [1, 1, 0, 1]
    assert got["new_customers"].tolist() == [1, 1, 0, 0]
    assert got["returning_customers"].tolist() == [0, 0, 0, 1]


def test_purchase_summary_on_facts_by_hand() -> None:
    got = purchase_summary(order_facts(_orders()), as_of="2026-03-31")
    # c1: orders o1 (Jan 5) and o5 (Mar 1): frequency 2, monetary 100 + 10, recency Mar 31 - Mar 1 = 30
    # c2: o2 only (o3 refunded in full): frequency 1, monetary 30 + 80 - 80 = 30, recency 31 + 28 + 31 - 20 = 70
    assert got["customer_id"].tolist() == ["c1", "c2"]
    assert got["frequency"].tolist() == [2, 1]
    assert got["monetary"].tolist() == [110.0, 30.0]
    assert got["recency_days"].tolist() == [30, 70]


def test_arrays_are_read_only_and_owned() -> None:
    orders = _orders()
    f = order_facts(orders)
    before = sales_kpis(f)
    for a in (f.days, f.row_days, f.months, f.amount, f.paid, f.counts_revenue, f.is_order, f.first_month):
        assert not a.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            a[0] = a[0]
    for c in f.columns.values():
        assert not c.codes.flags.writeable
    with pytest.raises(TypeError):
        f.columns["x"] = f.order  # type: ignore[index]
    with pytest.raises(AttributeError):
        f.amount = np.zeros(7)  # type: ignore[misc]
    # edits of the frame afterwards leave the facts as they were
    orders.loc[0, "amount"] = 1_000_000.0
    orders.loc[1, "order_date"] = pd.Timestamp("2020-01-01")
    orders["rep_id"] = "r9"
    pd.testing.assert_frame_equal(sales_kpis(f), before, check_exact=True)
    assert f.amount[0] == 60.0


def test_arrow_and_categorical_columns_give_equal_facts() -> None:
    plain = _orders()
    arrow = plain.astype({c: STR for c in ("order_id", "customer_id", "rep_id", "status", "channel")})
    cat = plain.astype({c: "category" for c in ("order_id", "customer_id", "rep_id", "status", "channel")})
    want = sales_kpis(plain, by=["channel"])
    for frame in (arrow, cat):
        pd.testing.assert_frame_equal(sales_kpis(order_facts(frame), by=["channel"]), want, check_exact=True)


def test_where_and_up_to_equal_the_filtered_frame() -> None:
    orders = _orders()
    f = order_facts(orders)
    assert f.where(np.ones(7, dtype=bool)) is f
    cut = f.up_to("2026-02-05")  # o3-R (Feb 10) is left out: o3 is an order again
    assert cut.is_order.tolist() == [True, True, True, True]
    want = sales_kpis(orders.loc[orders["order_date"] <= "2026-02-05"], by=["rep_id"])
    pd.testing.assert_frame_equal(sales_kpis(cut, by=["rep_id"]), want, check_exact=True)
    with pytest.raises(ValueError, match="3 values for 7 rows"):
        f.where(np.ones(3, dtype=bool))


def test_refunded_later_row_days_are_the_input_rows() -> None:
    """A positive refunded row refunded in a later month becomes a paid row and a refund line dated
    ``refunded_at``; an ``as_of`` filter selects input rows, so the line goes with its order."""
    orders = pd.DataFrame(
        {
            "order_id": ["o1", "o2"],
            "order_date": pd.to_datetime(["2026-01-10", "2026-01-12"]),
            "customer_id": ["c1", "c2"],
            "rep_id": "r1",
            "amount": [50.0, 70.0],
            "status": ["paid", "refunded"],
            "refunded_at": pd.to_datetime([None, "2026-03-02"]),
        }
    )
    f = order_facts(orders)
    # rows: o1, o2 (now paid), o2-R (-70, dated Mar 2, from the Jan 12 input row)
    assert f.amount.tolist() == [50.0, 70.0, -70.0]
    assert f.days[2] == np.datetime64("2026-03-02")
    assert f.row_days[2] == np.datetime64("2026-01-12")
    for fn in (
        lambda o: sales_growth(o, as_of="2026-01-31"),
        lambda o: sales_growth(o),
        lambda o: sales_kpis(o),
    ):
        pd.testing.assert_frame_equal(fn(f), fn(orders), check_exact=True)


# ------------------------------------------------------------------ property: facts == frame
_REPS = pd.DataFrame(
    {
        "rep_id": ["r1", "r2", "r3"],
        "rep_name": ["Li", "Wang", "Zhao"],
        "team": ["A", "A", "B"],
        "hire_date": pd.to_datetime(["2025-01-01", "2025-06-01", "2026-02-01"]),
    }
)
_TARGETS = pd.DataFrame(
    {
        "period": ["2026-01", "2026-02", "2026-03", "2026-02"],
        "rep_id": ["r1", "r1", "r2", None],
        "team": [None, None, None, "B"],
        "target_amount": [100.0, 120.0, 50.0, 300.0],
    }
)


@st.composite
def _order_tables(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = draw(st.integers(1, 30))
    rows = []
    for _ in range(n):
        oid = draw(st.sampled_from(["o1", "o2", "o3", "o4", "o5"]))
        status = draw(st.sampled_from(["paid", "paid", "paid", "refunded", "cancelled", None]))
        refund_line = status == "refunded" and draw(st.booleans())
        amount = draw(st.sampled_from([10.0, 25.5, 40.0, 0.0]))
        rows.append(
            {
                "order_id": oid + ("-R" if refund_line else ""),
                "order_date": pd.Timestamp("2025-11-20") + pd.Timedelta(days=draw(st.integers(0, 150))),
                "customer_id": draw(st.sampled_from(["c1", "c2", "c3"])),
                "rep_id": draw(st.sampled_from(["r1", "r2", "r3", "r4"])),
                "amount": -amount if refund_line else amount,
                "status": status,
                "product_category": draw(st.sampled_from(["A", "B", None])),
                "channel": draw(st.sampled_from(["web", "shop"])),
                "refunded_at": (
                    pd.Timestamp("2026-01-01") + pd.Timedelta(days=draw(st.integers(0, 90)))
                    if status == "refunded" and not refund_line
                    else pd.NaT
                ),
            }
        )
    orders = pd.DataFrame(rows).astype({"order_date": "datetime64[ns]", "refunded_at": "datetime64[ns]"})
    dtype = draw(st.sampled_from([object, STR, "category"]))
    orders = orders.astype({c: dtype for c in ("order_id", "customer_id", "rep_id", "status", "channel")})
    acts = pd.DataFrame(
        {
            "rep_id": draw(st.lists(st.sampled_from(["r1", "r2", "r3"]), min_size=3, max_size=3)),
            "customer_id": draw(st.lists(st.sampled_from(["c1", "c2", "c9"]), min_size=3, max_size=3)),
            "activity_type": "call",
            "activity_at": pd.to_datetime(["2026-01-03", "2026-02-14", "2026-03-09"]),
        }
    )
    return orders, acts


_CALLS = {
    "company": lambda o, a: sales_kpis(o),
    "rep": lambda o, a: sales_kpis(o, by=["rep_id"], reps=_REPS),
    "team": lambda o, a: sales_kpis(o, by=["team"], reps=_REPS),
    "category_quarter": lambda o, a: sales_kpis(
        o, by=["product_category"], grain="quarter", fiscal_year_start=4
    ),
    "channel_month": lambda o, a: sales_kpis(o, by=["channel"], periods=["2026-02"]),
    "attainment": lambda o, a: attainment(o, _TARGETS),
    "attainment_team": lambda o, a: attainment(o, _TARGETS, reps=_REPS, by="team"),
    "rfm": lambda o, a: purchase_summary(o, as_of="2026-02-28"),
    "growth": lambda o, a: sales_growth(o, as_of="2026-02-17"),
    "growth_rep": lambda o, a: sales_growth(o, by=["rep_id"], as_of="2026-03-05"),
    "pacing": lambda o, a: pacing(o, _TARGETS, as_of="2026-02-11", reps=_REPS),
    "outcomes": lambda o, a: activity_outcomes(a, orders=o),
    "scorecard": lambda o, a: rep_scorecard(o, reps=_REPS, period="2026-02", targets=_TARGETS, activities=a),
}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables=_order_tables())
def test_every_kpi_function_equal_on_facts_and_frame(tables: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    orders, acts = tables
    facts = order_facts(orders)
    for name, call in _CALLS.items():
        try:
            want = call(orders, acts)
        except DataError as exc:  # e.g. no sales at all: the facts path must fail alike
            with pytest.raises(DataError, match=str(exc.problems[0].column or "")):
                call(facts, acts)
            continue
        got = call(facts, acts)
        pd.testing.assert_frame_equal(got, want, check_exact=True, obj=name)


# ---------------------------------------------------------------------------------- bad input
def test_bad_dates_and_amounts_name_column_and_rows() -> None:
    orders = _orders().astype({"order_date": object, "amount": object})
    orders.loc[2, "order_date"] = "not a date"
    with pytest.raises(DataError, match=r"orders.*order_date.*1 row are not dates.*row 3"):
        order_facts(orders)
    orders = _orders()
    orders.loc[[1, 4], "amount"] = np.nan
    with pytest.raises(DataError, match=r"orders.*amount.*2 rows have no amount.*rows 2, 5"):
        order_facts(orders)


def test_unknown_status_and_empty_ids() -> None:
    orders = _orders()
    orders.loc[3, "status"] = "shipped"
    with pytest.raises(DataError, match=r"status.*1 row have an unknown status.*row 4.*shipped"):
        order_facts(orders)
    orders = _orders()
    orders.loc[5, "customer_id"] = None
    with pytest.raises(DataError, match=r"customer_id.*1 row have no value.*row 6"):
        order_facts(orders)
    with pytest.raises(DataError, match=r"orders.*customer_id"):
        order_facts(_orders().drop(columns=["customer_id"]))


def test_by_a_column_not_coded_and_team_without_reps() -> None:
    orders = _orders().assign(region=["n"] * 7)
    f = order_facts(orders)
    with pytest.raises(DataError, match=r"'region' is not among the prepared order facts' columns"):
        sales_kpis(f, by=["region"])
    # coded on request, it groups as the frame does
    g = order_facts(orders, columns=["region"])
    pd.testing.assert_frame_equal(
        sales_kpis(g, by=["region"]), sales_kpis(orders, by=["region"]), check_exact=True
    )
    with pytest.raises(DataError, match=r"cannot group by 'team'.*pass `reps`"):
        sales_kpis(f, by=["team"])


def test_team_grouping_with_an_empty_rep_id() -> None:
    orders = _orders()
    orders.loc[6, "rep_id"] = None
    f = order_facts(orders)  # an empty rep_id is allowed: such a row forms no rep's sales
    with pytest.raises(DataError, match=r"rep_id.*1 row have no value.*row 7"):
        sales_kpis(f, by=["team"], reps=_REPS)
    with pytest.raises(DataError, match=r"rep_id.*1 row have no value.*row 7"):
        sales_kpis(orders, by=["team"], reps=_REPS)


def test_empty_orders() -> None:
    orders = _orders().iloc[:0]
    f = order_facts(orders)
    assert len(f) == 0 and f.first_month.tolist() == [] and pd.isna(f.last_order_date)
    for call in (
        lambda o: sales_kpis(o, by=["rep_id"]),
        lambda o: purchase_summary(o, as_of="2026-01-31"),
        lambda o: sales_growth(o),
    ):
        pd.testing.assert_frame_equal(call(f), call(orders), check_exact=True)
