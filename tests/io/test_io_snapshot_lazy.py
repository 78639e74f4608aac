"""A run's snapshot read lazily: a notebook reads the tables (and columns) it uses, no more (issue 24)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import sales_analytics as sa
from sales_analytics.io import Dataset
from sales_analytics.io.snapshot import LazyTables, read_snapshot, snapshot_hashes, write_snapshot

ORDERS = pd.DataFrame(
    {
        "order_id": ["o1", "o2", "o2-R"],
        "order_date": pd.to_datetime(["2026-01-05", "2026-02-06", "2026-02-07"]),
        "customer_id": ["c1", "c2", "c2"],
        "rep_id": ["r1", "r2", "r2"],
        "amount": [100.0, 50.0, -50.0],
        "status": ["paid", "paid", "refunded"],
    }
)
REPS = pd.DataFrame({"rep_id": ["r1", "r2"], "team": ["East", "West"]})


def _snapshot(tmp_path: Path) -> Path:
    folder = tmp_path / "inputs"
    write_snapshot(Dataset(tables={"orders": ORDERS, "reps": REPS}), folder)
    return folder


def test_lazy_tables_read_on_first_use_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _snapshot(tmp_path)
    reads: list[tuple[str, tuple[str, ...] | None]] = []
    real = pq.read_table

    def counting(path, columns=None, **kw):
        if Path(path).stem != "_quality":  # the data-quality notes are small and read at once
            reads.append((Path(path).stem, tuple(columns) if columns is not None else None))
        return real(path, columns=columns, **kw)

    monkeypatch.setattr(pq, "read_table", counting)
    ds = read_snapshot(folder, lazy=True)
    assert isinstance(ds.tables, LazyTables) and reads == []
    assert repr(ds) == "Dataset(orders=(not read yet), reps=(not read yet))" and reads == []
    # membership, length and names read nothing
    assert (
        ds.has("orders")
        and not ds.has("deals")
        and len(ds.tables) == 2
        and list(ds.tables) == ["orders", "reps"]
    )
    assert ds.deals is None and reads == []
    # one column of one table: that column alone, and the table is still not read
    dates = ds.peek("orders", ["order_date", "no_such_column"])
    assert list(dates.columns) == ["order_date"] and len(dates) == 3
    assert reads == [("orders", ("order_date",))] and not ds.tables.is_read("orders")
    pd.testing.assert_frame_equal(ds.reps, REPS)
    assert reads[-1] == ("reps", None) and ds.tables.is_read("reps") and not ds.tables.is_read("orders")
    ds.reps  # noqa: B018 - a second use reads nothing again
    assert len(reads) == 2
    # dict(), items() and values() hand out frames, never the placeholder
    plain = dict(ds.tables)
    pd.testing.assert_frame_equal(plain["orders"], ORDERS)
    assert all(isinstance(v, pd.DataFrame) for v in ds.tables.values())
    assert [k for k, _ in ds.tables.items()] == ["orders", "reps"] and len(reads) == 3
    # once read, peek slices the frame in memory
    assert ds.peek("orders", ["amount"])["amount"].tolist() == [100.0, 50.0, -50.0] and len(reads) == 3


def test_lazy_read_equals_eager_read(tmp_path: Path) -> None:
    folder = _snapshot(tmp_path)
    eager, lazy = read_snapshot(folder), read_snapshot(folder, lazy=True)
    assert set(eager.tables) == set(lazy.tables)
    for name in eager.tables:
        pd.testing.assert_frame_equal(lazy.tables[name], eager.tables[name])
    pd.testing.assert_frame_equal(lazy.quality, eager.quality)


def test_a_changed_table_fails_when_it_is_read(tmp_path: Path) -> None:
    folder = _snapshot(tmp_path)
    # reps replaced by a file of other columns: the lazy read notices at first use, naming the file
    pq.write_table(pa.Table.from_pandas(ORDERS, preserve_index=False), folder / "reps.parquet")
    ds = read_snapshot(folder, lazy=True)
    assert len(ds.orders) == 3
    with pytest.raises(
        sa.DataError, match=r"reps\.parquet: columns or dtypes differ from the snapshot marker"
    ):
        ds.reps  # noqa: B018


def test_load_dataset_reads_a_trusted_snapshot_lazily(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = tmp_path / "outputs"
    monkeypatch.setenv("SALES_ANALYTICS_OUTPUTS", str(outputs))
    inputs = outputs / "2026-02" / "inputs"
    written = write_snapshot(Dataset(tables={"orders": ORDERS, "reps": REPS}), inputs)
    (inputs.parent / "manifest.json").write_text(
        json.dumps({"snapshot": snapshot_hashes(written)}), encoding="utf-8"
    )
    ds = sa.load_dataset(inputs)
    assert isinstance(ds.tables, LazyTables) and not ds.tables.is_read("orders")
    pd.testing.assert_frame_equal(ds.orders, ORDERS)


def test_peek_of_an_in_memory_dataset() -> None:
    ds = Dataset(tables={"orders": ORDERS})
    assert list(ds.peek("orders", ["order_date", "missing"]).columns) == ["order_date"]
    assert ds.peek("reps", ["rep_id"]) is None
