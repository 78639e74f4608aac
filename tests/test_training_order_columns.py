"""Notebooks 06 and 07 read the orders columns their functions use, not the whole table (issue 24)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pandas.testing import assert_frame_equal

import sales_analytics as sa
from sales_analytics.feedback import FOLLOWUP_ORDER_COLUMNS, customer_followup
from sales_analytics.io import Dataset
from sales_analytics.io.snapshot import read_snapshot, write_snapshot
from sales_analytics.training import rep_month_outcomes, training_needs
from sales_analytics.training._common import TRAINING_ORDER_COLUMNS

ORDERS = pd.DataFrame(
    {
        "order_id": ["o1", "o2", "o3", "o3-R", "o4", "o5", "o6"],
        "order_date": pd.to_datetime(
            ["2025-09-03", "2025-09-20", "2025-10-02", "2025-10-04", "2025-10-10", "2025-10-15", "2025-10-20"]
        ),
        "customer_id": ["c1", "c2", "c1", "c1", "c3", "c2", "c4"],
        "rep_id": ["r1", "r2", "r1", "r1", "r2", "r3", "r4"],
        "amount": [100.0, 80.0, 120.0, -120.0, 50.0, 70.0, 30.0],
        "status": ["paid", "paid", "paid", "refunded", "cancelled", "paid", "paid"],
        "product_id": ["p1", "p2", "p1", "p1", "p3", "p2", "p2"],
        "product_category": ["x", "y", "x", "x", "x", "y", "y"],
        "quantity": [1, 2, 1, 1, 1, 3, 1],
        "channel": ["web", "shop", "web", "web", "web", "shop", "web"],
    }
)
REPS = pd.DataFrame({"rep_id": ["r1", "r2", "r3", "r4"], "team": "East"})


def test_rep_month_outcomes_and_needs_need_only_the_declared_columns() -> None:
    subset = ORDERS[[c for c in TRAINING_ORDER_COLUMNS if c in ORDERS.columns]]
    outcomes = rep_month_outcomes(ORDERS, REPS)
    assert_frame_equal(rep_month_outcomes(subset, REPS), outcomes)
    # r1: 100 in 2025-09; 120 - 120 = 0 in 2025-10. r2: 80 in 2025-09; o4 (50) is cancelled: 0 in 2025-10
    r = outcomes.set_index(["rep_id", "month"])["revenue"]
    assert r[("r1", "2025-09")] == 100.0 and r[("r1", "2025-10")] == 0.0 and r[("r2", "2025-10")] == 0.0
    kw = {"period": "2025-10", "months": 2, "low_quantile": 0.5}
    assert_frame_equal(
        training_needs(REPS, outcomes, orders=subset, **kw),
        training_needs(REPS, outcomes, orders=ORDERS, **kw),
    )
    acts = pd.DataFrame(
        {"rep_id": "r1", "customer_id": ["c1", "c2"], "activity_type": "call",
         "activity_at": pd.to_datetime(["2025-10-05 10:00", "2025-10-18 10:00"])}
    )  # fmt: skip
    followup = ORDERS[list(FOLLOWUP_ORDER_COLUMNS)]
    assert_frame_equal(
        customer_followup(followup, acts, period="2025-10"), customer_followup(ORDERS, acts, period="2025-10")
    )


def test_sections_read_those_columns_of_a_snapshot(
    tmp_path: Path, parquet_reads: list[tuple[str, tuple[str, ...] | None]]
) -> None:
    folder = tmp_path / "inputs"
    acts = pd.DataFrame(
        {"activity_id": ["a1"], "rep_id": ["r1"], "customer_id": ["c1"], "activity_type": ["call"],
         "activity_at": pd.to_datetime(["2025-10-05 10:00"])}
    )  # fmt: skip
    write_snapshot(Dataset(tables={"orders": ORDERS, "reps": REPS, "activities": acts}), folder)
    reads = parquet_reads
    ds = read_snapshot(folder, lazy=True)
    ctx = sa.open_notebook(period="2025-10", dataset=ds, output_dir=str(tmp_path / "tables"))
    orders = sa.sections.training_orders(ctx)
    wanted = (
        "order_id",
        "order_date",
        "rep_id",
        "amount",
        "status",
        "product_category",
    )  # no refunded_at here
    assert tuple(orders.columns) == wanted and reads[-1] == ("orders", wanted)
    assert_frame_equal(sa.sections.training_outcomes(ctx, orders), rep_month_outcomes(ORDERS, REPS))
    followup = sa.sections.feedback_customer_followup(ctx)
    assert followup is not None and ("orders", FOLLOWUP_ORDER_COLUMNS) in reads
    assert not any(name == "orders" and cols is None for name, cols in reads)  # never the whole table
    assert not ds.tables.is_read("orders")
