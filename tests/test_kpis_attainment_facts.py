"""Attainment by rep on prepared order facts (one bincount per (period, rep) cell): hand-computed
results, rows without a rep, and equality with the frame path."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sales_analytics.kpis import attainment, order_facts


def _orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o3-R", "o4", "o5", "o6"],
            "order_date": pd.to_datetime(
                [
                    "2026-01-05",
                    "2026-01-20",
                    "2026-02-03",
                    "2026-02-10",
                    "2026-02-11",
                    "2026-04-01",
                    "2026-04-02",
                ]
            ),
            "customer_id": ["c1", "c2", "c2", "c2", "c3", "c1", "c3"],
            "rep_id": ["r2", "r1", "r1", "r1", "r2", "r2", "r1"],
            "amount": [60.0, 30.0, 80.0, -80.0, 20.0, 10.0, 5.0],
            "status": ["paid", "paid", "paid", "refunded", "cancelled", "paid", "cancelled"],
        }
    )


_TARGETS = pd.DataFrame(
    {
        "period": ["2026-01", "2026-01", "2026-02", "2025-12", "2026-05"],
        "rep_id": ["r1", "r3", "r2", "r1", "r1"],
        "target_amount": [60.0, 10.0, 0.0, 40.0, 99.0],
    }
)


def test_attainment_by_rep_on_facts_by_hand() -> None:
    got = attainment(order_facts(_orders()), _TARGETS)
    # 2025-12 r1: no sales, target 40 -> revenue 0, attainment 0/40 = 0, gap 40
    # 2026-01 r1: 30 against 60 -> 0.5, gap 30; r2: 60, no target; r3: no sales, target 10
    # 2026-02 r1: 80 - 80 = 0 (refund line counts, the refunded order too); r2: cancelled 20 counts nowhere,
    #   target 0 -> attainment NaN (target <= 0), gap 0 - 0 = 0
    # 2026-04 r2: 10 (r1's 5 is cancelled); 2026-05 r1's target: after the last sale, left out
    want = pd.DataFrame(
        {
            "period": pd.Series(
                ["2025-12", "2026-01", "2026-01", "2026-01", "2026-02", "2026-02", "2026-04"]
            ),
            "rep_id": ["r1", "r1", "r2", "r3", "r1", "r2", "r2"],
            "revenue": [0.0, 30.0, 60.0, 0.0, 0.0, 0.0, 10.0],
            "target_amount": [40.0, 60.0, np.nan, 10.0, np.nan, 0.0, np.nan],
            "attainment": [0.0, 0.5, np.nan, 0.0, np.nan, np.nan, np.nan],
            "gap": [40.0, 30.0, np.nan, 10.0, np.nan, 0.0, np.nan],
        }
    )
    want["period"] = want["period"].astype("str")
    want["rep_id"] = want["rep_id"].astype(got["rep_id"].dtype)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    pd.testing.assert_frame_equal(attainment(_orders(), _TARGETS), want, check_exact=True)


def test_quarter_grain_on_facts_equals_the_frame() -> None:
    # 2026-Q1: r1 30 + 80 - 80 = 30 against 60 (2026-01); r2 60 against 0 -> NaN; r3 0 against 10
    got = attainment(order_facts(_orders()), _TARGETS, grain="quarter")
    q1 = got[got["period"] == "2026-Q1"].set_index("rep_id")
    assert q1.loc["r1", "revenue"] == 30.0 and q1.loc["r1", "attainment"] == 0.5
    assert np.isnan(q1.loc["r2", "attainment"]) and q1.loc["r3", "revenue"] == 0.0
    want = attainment(_orders(), _TARGETS, grain="quarter")
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_rows_without_a_rep_form_a_last_group() -> None:
    orders = _orders()
    orders.loc[1, "rep_id"] = None  # o2's 30 in 2026-01 has no rep: a NaN group after r1..r3
    got = attainment(order_facts(orders), _TARGETS)
    jan = got[got["period"] == "2026-01"]
    assert jan["rep_id"].iloc[:3].tolist() == ["r1", "r2", "r3"] and pd.isna(jan["rep_id"].iloc[3])
    assert jan["revenue"].tolist() == [0.0, 60.0, 0.0, 30.0]
    pd.testing.assert_frame_equal(got, attainment(orders, _TARGETS), check_exact=True)


@st.composite
def _tables(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = draw(st.integers(1, 25))
    orders = pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(n)],
            "order_date": [
                pd.Timestamp("2025-10-15") + pd.Timedelta(days=draw(st.integers(0, 200))) for _ in range(n)
            ],
            "customer_id": [draw(st.sampled_from(["c1", "c2"])) for _ in range(n)],
            "rep_id": [draw(st.sampled_from(["r1", "r2", "r3", None])) for _ in range(n)],
            "amount": [draw(st.sampled_from([0.1, 0.2, 0.7, 10.0, 1e15])) for _ in range(n)],
            "status": [draw(st.sampled_from(["paid", "cancelled", None])) for _ in range(n)],
        }
    )
    m = draw(st.integers(0, 8))
    targets = pd.DataFrame(
        {
            "period": [
                f"{draw(st.sampled_from([2025, 2026]))}-{draw(st.integers(1, 12)):02d}" for _ in range(m)
            ],
            "rep_id": [draw(st.sampled_from(["r1", "r2", "r4"])) for _ in range(m)],
            "target_amount": [draw(st.sampled_from([-1.0, 0.0, 0.3, 50.0])) for _ in range(m)],
        },
        dtype=object,
    ).astype({"target_amount": float})
    return orders, targets


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables=_tables(), grain=st.sampled_from(["month", "quarter", "year"]), start=st.sampled_from([1, 4]))
def test_facts_equal_frame(tables: tuple[pd.DataFrame, pd.DataFrame], grain: str, start: int) -> None:
    orders, targets = tables
    want = attainment(orders, targets, grain=grain, fiscal_year_start=start)
    got = attainment(order_facts(orders), targets, grain=grain, fiscal_year_start=start)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_cancelled_rows_outside_the_sales_months_add_no_period() -> None:
    orders = pd.concat(
        [
            _orders(),
            pd.DataFrame(
                {
                    "order_id": ["o7", "o8"],
                    "order_date": pd.to_datetime(["2025-06-01", "2026-09-30"]),
                    "customer_id": ["c1", "c1"],
                    "rep_id": ["r9", "r1"],
                    "amount": [7.0, 8.0],
                    "status": ["cancelled", "cancelled"],
                }
            ),
        ],
        ignore_index=True,
    )
    # the 2025-06 and 2026-09 rows count nowhere: the periods stay 2025-12 (a target) .. 2026-04 (last sale)
    for grain in ("month", "quarter"):
        got = attainment(order_facts(orders), _TARGETS, grain=grain)
        pd.testing.assert_frame_equal(got, attainment(_orders(), _TARGETS, grain=grain), check_exact=True)
    assert "r9" not in set(attainment(order_facts(orders), _TARGETS)["rep_id"])
