"""Property tests: whatever the bytes or frames, readers give a table or a DataError, nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import sales_analytics as sa
from sales_analytics.errors import DataError

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SUFFIXES = [".csv", ".json", ".jsonl", ".xlsx", ".parquet", ".tsv"]


@SETTINGS
@given(
    data=st.binary(max_size=3000),
    suffix=st.sampled_from(SUFFIXES),
    table=st.sampled_from([None, "orders", "reps", "chat_messages"]),
)
@example(data=b'{"":[]}', suffix=".jsonl", table=None)  # a list cell once broke the duplicate-row check
def test_random_bytes(data: bytes, suffix: str, table: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"orders{suffix}"
        path.write_bytes(data)
        try:
            frame = sa.read_table(path, table=table)
        except DataError as exc:
            assert str(path) in str(exc)
        else:
            assert len(frame) > 0


@SETTINGS
@given(data=st.binary(min_size=1, max_size=400))
def test_random_bytes_after_a_good_header(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.csv"
        path.write_bytes(b"order_id,order_date,customer_id,rep_id,amount\n" + data)
        try:
            sa.read_table(path)
        except DataError as exc:
            assert exc.problems and all(p.file == str(path) for p in exc.problems)


cells = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.integers(-(10**12), 10**13),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        ["2026-01-05", "2026/1/5", "2026年1月5日", "paid", "refunded", "¥1,200", "=1+1", "NA", ""]
    ),
)
COLUMNS = ["order_id", "order_date", "customer_id", "rep_id", "amount", "status", "quantity"]


@SETTINGS
@given(
    rows=st.lists(st.lists(cells, min_size=len(COLUMNS), max_size=len(COLUMNS)), min_size=1, max_size=12),
    drop=st.sets(st.sampled_from(COLUMNS), max_size=2),
    fmt=st.sampled_from(["csv", "parquet", "json"]),
)
def test_random_frames(rows: list[list[object]], drop: set[str], fmt: str) -> None:
    frame = pd.DataFrame(rows, columns=COLUMNS).drop(columns=sorted(drop))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"orders.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False)
        elif fmt == "parquet":
            frame.astype(str).to_parquet(path)
        else:
            frame.astype(object).where(frame.notna(), None).to_json(path, orient="records", force_ascii=False)
        try:
            out = sa.read_table(path)
        except DataError as exc:
            assert str(path) in str(exc)
            return
    # a success is a canonical table with every input row
    assert len(out) == len(frame)
    assert str(out["order_date"].dtype) == "datetime64[ns]" and out["amount"].dtype == "float64"
    assert out["status"].isin(["paid", "refunded", "cancelled"]).all()
    assert out["order_id"].notna().all() and out["rep_id"].notna().all()


@SETTINGS
@given(
    values=st.lists(st.one_of(st.none(), st.text(max_size=20), st.integers(-(10**14), 10**14)), max_size=30)
)
def test_parsers_never_raise_and_keep_length(values: list[object]) -> None:
    series = pd.Series(values, dtype=object)
    numbers, bad_n = sa.parse_numbers(series)
    dates = sa.parse_datetimes(series)
    assert len(numbers) == len(bad_n) == len(dates.values) == len(series)
    # a cell is either converted, reported bad, or was empty
    assert not (numbers.notna() & bad_n).any()
    assert not (dates.values.notna() & dates.bad).any()
