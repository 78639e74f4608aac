"""kpis.read_orders: Parquet straight into the categorical ids prepare_orders gives (issue 24)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sales_analytics as sa
from sales_analytics.errors import DataError

ORDERS = pd.DataFrame(
    {
        "order_id": ["o2", "o1", "o1", "o2-R", "o3"],
        "order_date": pd.to_datetime(["2026-01-05", "2026-01-06", "2026-01-06", "2026-01-09", "2026-02-01"]),
        "customer_id": ["c2", "c1", "c1", "c2", None],
        "rep_id": ["r1", "r2", "r2", "r1", "r1"],
        "amount": [100.0, 30.0, 20.0, -100.0, 5.0],
        "status": ["paid", "paid", "paid", "refunded", "cancelled"],
        "quantity": [1, 2, 1, -1, 1],
    }
)


def test_read_orders_equals_prepare_orders(tmp_path: Path) -> None:
    path = tmp_path / "orders.parquet"
    ORDERS.to_parquet(path, index=False)
    got = sa.read_orders(path)
    pd.testing.assert_frame_equal(got, sa.prepare_orders(pd.read_parquet(path)))
    # ids in order of first appearance, the empty customer id an empty value (code -1), not a category
    assert list(got["order_id"].cat.categories) == ["o2", "o1", "o2-R", "o3"]
    assert got["customer_id"].cat.codes.tolist() == [0, 1, 1, 0, -1]
    assert got["quantity"].dtype == np.int64 and got["order_date"].dtype == ORDERS["order_date"].dtype
    # the KPIs agree whichever way the orders came in (the cancelled row without a customer left out):
    # January revenue 100 + 30 + 20 - 100 = 50; o2 is refunded in full, so one order (o1) and one customer
    complete = tmp_path / "complete.parquet"
    ORDERS.iloc[:4].to_parquet(complete, index=False)
    kpis = sa.sales_kpis(sa.read_orders(complete))
    assert kpis[["revenue", "orders", "customers"]].values.tolist() == [[50.0, 1, 1]]
    pd.testing.assert_frame_equal(kpis, sa.sales_kpis(ORDERS.iloc[:4]))


def test_read_orders_columns_and_arrow_tables(tmp_path: Path) -> None:
    path = tmp_path / "orders.parquet"
    ORDERS.to_parquet(path, index=False)
    few = sa.read_orders(path, columns=["order_id", "order_date", "customer_id", "rep_id", "amount"])
    assert list(few.columns) == ["order_id", "order_date", "customer_id", "rep_id", "amount"]
    table = pa.Table.from_pandas(ORDERS, preserve_index=False)
    pd.testing.assert_frame_equal(sa.read_orders(table), sa.read_orders(path))
    with pytest.raises(DataError, match="orders.*amount"):
        sa.read_orders(path, columns=["order_id", "order_date", "customer_id", "rep_id"])


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["o1", "o2", "o3", "o1-R", None]),
            st.sampled_from(["c1", "c2", "客户", None]),
            st.sampled_from(["paid", "refunded", "cancelled", None]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_read_orders_matches_prepare_orders_on_any_ids(rows: list[tuple]) -> None:
    frame = pd.DataFrame(rows, columns=["order_id", "customer_id", "status"]).astype("str")
    frame = frame.where(pd.DataFrame(rows, columns=frame.columns).notna())
    frame["order_date"] = pd.Timestamp("2026-03-01")
    frame["rep_id"] = "r1"
    frame["amount"] = 1.0
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pd.testing.assert_frame_equal(sa.read_orders(table), sa.prepare_orders(table.to_pandas()))


def test_read_orders_of_row_groups_whose_dictionaries_differ(tmp_path: Path) -> None:
    # Each Parquet row group stores its own dictionary of a string column; read as dictionaries they are
    # unified into one categorical in order of first appearance, whatever order a writer stored them in:
    # rep_id's dictionary is written as given ("z", an unused "m", then "a"; a file without Arrow's
    # schema, as other writers make), in row groups of two rows, and the order ids fall back to plain
    # pages (a dictionary limit of 8 bytes).
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(ORDERS, preserve_index=False)
    reps = pa.DictionaryArray.from_arrays(pa.array([2, 0, 0, 2, 0], pa.int32()), pa.array(["z", "m", "a"]))
    table = table.set_column(table.schema.get_field_index("rep_id"), "rep_id", reps)
    path = tmp_path / "orders.parquet"
    pq.write_table(table, path, row_group_size=2, dictionary_pagesize_limit=8, store_schema=False)
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    assert pq.read_schema(path).field("rep_id").type == pa.string()
    got = sa.read_orders(path)
    pd.testing.assert_frame_equal(got, sa.prepare_orders(pd.read_parquet(path)))
    assert list(got["rep_id"].cat.categories) == ["a", "z"]
    assert got["rep_id"].cat.codes.tolist() == [0, 1, 1, 0, 1]
    assert list(got["order_id"].cat.categories) == ["o2", "o1", "o2-R", "o3"]
    assert got["customer_id"].cat.codes.tolist() == [0, 1, 1, 0, -1]
