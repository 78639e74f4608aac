"""Notebook 04 reads the orders columns its functions use, once, and computes the owners once (issue 24)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pandas.testing import assert_frame_equal

import sales_analytics as sa
from sales_analytics.customers import (
    churn_risk,
    clv_summary,
    customer_quality,
    load_segment_map,
    owner_reps,
    rfm_segments,
)
from sales_analytics.customers._orders import CUSTOMER_ORDER_COLUMNS
from sales_analytics.io import Dataset
from sales_analytics.io.snapshot import read_snapshot, write_snapshot

# Three customers over Jan-Mar 2026 with a refund, a cancelled row and the columns no customer function
# reads (product, category, quantity, channel): results must not depend on the latter.
ORDERS = pd.DataFrame(
    {
        "order_id": ["o1", "o2", "o3", "o4", "o4-R", "o5", "o6", "o7", "o8"],
        "order_date": pd.to_datetime(
            [
                "2026-01-03",
                "2026-01-20",
                "2026-02-02",
                "2026-02-10",
                "2026-02-12",
                "2026-02-15",
                "2026-03-01",
                "2026-03-05",
                "2026-03-20",
            ]
        ),
        "customer_id": ["a", "a", "a", "b", "b", "b", "c", "c", "a"],
        "rep_id": ["r1", "r1", "r2", "r2", "r2", "r2", "r1", "r1", "r2"],
        "amount": [100.0, 80.0, 120.0, 50.0, -50.0, 70.0, 300.0, 20.0, 90.0],
        "status": ["paid", "paid", "paid", "paid", "refunded", "paid", "paid", "cancelled", "paid"],
        "product_id": ["p1", "p2", "p1", "p3", "p3", "p2", "p1", "p1", "p2"],
        "product_category": ["x", "y", "x", "z", "z", "y", "x", "x", "y"],
        "quantity": [1, 2, 1, 1, 1, 3, 4, 1, 1],
        "channel": ["web", "shop", "web", "web", "web", "shop", "web", "web", "shop"],
    }
)
REPS = pd.DataFrame({"rep_id": ["r1", "r2"], "rep_name": ["Li", "Wang"]})


def test_customer_functions_need_only_the_declared_columns() -> None:
    subset = ORDERS[[c for c in CUSTOMER_ORDER_COLUMNS if c in ORDERS.columns]]
    smap = load_segment_map("rfm_squeezely")
    assert "product_id" not in subset.columns and "refunded_at" not in subset.columns
    full_rfm = rfm_segments(ORDERS, period="2026-03", segment_map=smap)
    assert_frame_equal(rfm_segments(subset, period="2026-03", segment_map=smap), full_rfm)
    assert_frame_equal(
        customer_quality(subset, full_rfm, period="2026-03"),
        customer_quality(ORDERS, full_rfm, period="2026-03"),
    )
    assert_frame_equal(clv_summary(subset, period="2026-03"), clv_summary(ORDERS, period="2026-03"))
    assert_frame_equal(owner_reps(subset, reps=REPS), owner_reps(ORDERS, reps=REPS))
    kw = {"period": "2026-03", "reps": REPS, "min_days": 0, "churn_threshold": 1.01, "top_n": None}
    assert_frame_equal(churn_risk(subset, full_rfm, **kw), churn_risk(ORDERS, full_rfm, **kw))


def test_churn_risk_uses_the_owners_it_is_given() -> None:
    rfm = rfm_segments(ORDERS, period="2026-03", segment_map=load_segment_map("rfm_squeezely"))
    kw = {"period": "2026-03", "reps": REPS, "min_days": 0, "churn_threshold": 1.01, "top_n": None}
    computed = churn_risk(ORDERS, rfm, **kw)
    owners = owner_reps(ORDERS, reps=REPS)
    # a's last paid order (o8, 2026-03-20) is r2's; b's (o5) r2's; c's (o6; o7 is cancelled) r1's
    assert owners[["customer_id", "rep_id"]].values.tolist() == [["a", "r2"], ["b", "r2"], ["c", "r1"]]
    assert_frame_equal(churn_risk(ORDERS, rfm, owners=owners, **kw), computed)
    moved = owners.assign(
        rep_id="r9", rep_name="Zhao", owner_source="owner"
    )  # the given table is the one used
    given = churn_risk(ORDERS, rfm, owners=moved, **kw)
    assert len(given) == len(computed) > 0
    assert set(given["rep_id"]) == {"r9"} and set(given["rep_name"]) == {"Zhao"}


def test_customer_orders_reads_those_columns_of_a_snapshot(
    tmp_path: Path, parquet_reads: list[tuple[str, tuple[str, ...] | None]]
) -> None:
    folder = tmp_path / "inputs"
    write_snapshot(Dataset(tables={"orders": ORDERS, "reps": REPS}), folder)
    reads = parquet_reads
    ds = read_snapshot(folder, lazy=True)
    ctx = sa.open_notebook(period="2026-03", dataset=ds, output_dir=str(tmp_path / "tables"))
    orders = sa.sections.customer_orders(ctx)
    # refunded_at is declared but this table has none: the six it has, the whole table never read
    assert list(orders.columns) == ["order_id", "order_date", "customer_id", "rep_id", "amount", "status"]
    assert reads[-1] == ("orders", tuple(orders.columns)) and not ds.tables.is_read("orders")
    assert_frame_equal(orders, ORDERS[list(orders.columns)])
    owners = sa.sections.customer_owners(ctx, orders)
    assert_frame_equal(owners, owner_reps(ORDERS, None, REPS))
