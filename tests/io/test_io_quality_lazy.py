"""The data-quality tables of a run's lazy snapshot read no whole table (issue 24: 01 read all 17)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import sales_analytics as sa
from sales_analytics.io import Dataset
from sales_analytics.io.dataset import SourceInfo
from sales_analytics.io.snapshot import read_snapshot, write_snapshot

ORDERS = pd.DataFrame(
    {
        "order_id": ["o1", "o2", "o3"],
        "order_date": pd.to_datetime(["2026-01-05", "2026-02-06", "2026-02-07"]),
        "customer_id": ["c1", "c2", "c2"],
        "rep_id": ["r1", "r2", "r2"],
        "amount": [100.0, 50.0, 20.0],
        "status": ["paid", "paid", "paid"],
    }
)
REPS = pd.DataFrame({"rep_id": ["r1", "r2"], "team": ["East", "West"]})


def test_dq_tables_and_rows_by_month_read_one_column(
    tmp_path: Path, parquet_reads: list[tuple[str, tuple[str, ...] | None]]
) -> None:
    folder = tmp_path / "inputs"
    sources = {
        name: SourceInfo(name, f"data/{name}.csv", "canonical", "ab12", len(frame))
        for name, frame in (("orders", ORDERS), ("reps", REPS))
    }
    write_snapshot(Dataset(tables={"orders": ORDERS, "reps": REPS}, sources=sources), folder)
    eager = read_snapshot(folder)
    reads = parquet_reads
    reads.clear()  # from here on: the lazy snapshot's reads
    lazy = read_snapshot(folder, lazy=True)
    pd.testing.assert_frame_equal(sa.dq_tables(lazy, "2026-02"), sa.dq_tables(eager, "2026-02"))
    assert reads == []  # the row counts come from the snapshot's sources
    months = sa.dq_rows_by_month(lazy)
    pd.testing.assert_frame_equal(months, sa.dq_rows_by_month(eager))
    # 2026-01: o1; 2026-02: o2, o3 (reps has no date column and is not read at all)
    assert months.to_dict("list") == {
        "table": ["orders", "orders"],
        "month": ["2026-01", "2026-02"],
        "rows": [1, 2],
    }
    assert reads == [("orders", ("order_date",))]
    assert not lazy.tables.is_read("orders") and not lazy.tables.is_read("reps")


def test_dq_tables_counts_a_table_without_a_source() -> None:
    ds = Dataset(tables={"reps": REPS})  # built in memory: no source listed, its frame is counted
    assert sa.dq_tables(ds, "2026-02")[["table", "rows", "source"]].to_dict("records") == [
        {"table": "reps", "rows": 2, "source": ""}
    ]


def test_surveys_of_a_lazy_snapshot_read_the_survey_tables_only(
    tmp_path: Path, parquet_reads: list[tuple[str, tuple[str, ...] | None]]
) -> None:
    folder = tmp_path / "inputs"
    pulse = pd.DataFrame({"respondent_id": ["x1", "x2"], "q1": [4, 5]})
    invitations = pd.DataFrame({"instrument": ["team_pulse"], "invited": [3]})
    tables = {"orders": ORDERS, "reps": REPS, "survey_team_pulse": pulse, "survey_invitations": invitations}
    write_snapshot(Dataset(tables=tables), folder)
    reads = parquet_reads
    surveys = read_snapshot(folder, lazy=True).surveys()
    assert list(surveys) == ["team_pulse"] and reads == [
        ("survey_team_pulse", None)
    ]  # not the orders (05 read all)
    pd.testing.assert_frame_equal(surveys["team_pulse"], pulse)
