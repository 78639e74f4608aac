"""The snapshot's codes of the orders' string columns (issue 24: no notebook hashes 10M order ids again).

What levers receive must not change: the same string columns, and ``encode`` codes in order of first
appearance. These tests build tiny orders by hand, write them as a run does, and read them back both
ways (from the codes, and plainly from Parquet).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal, assert_index_equal

import sales_analytics as sa
from sales_analytics.errors import DataError
from sales_analytics.io import Dataset
from sales_analytics.io.snapshot import (
    read_snapshot,
    read_snapshot_table,
    snapshot_hashes,
    write_snapshot,
)
from sales_analytics.kpis._core import _ENCODED, _arrow_codes, encode

STR = pd.StringDtype(na_value=np.nan)
ORDERS = pd.DataFrame(
    {
        "order_id": pd.array(["o2", "o1", "o2", "o3", "o1"], dtype=STR),
        "order_date": pd.to_datetime(["2026-03-01", "2026-03-02", "2026-03-02", "2026-03-05", "2026-03-09"]),
        "customer_id": pd.array(["c9", "c9", "c9", "c1", "c9"], dtype=STR),
        "rep_id": pd.array(["r1", "r2", "r1", "r1", "r2"], dtype=STR),
        "amount": [10.0, 20.0, 5.0, 7.5, -20.0],
        "status": pd.array(["paid", None, "paid", "refunded", "refunded"], dtype=STR),
    }
)
REPS = pd.DataFrame({"rep_id": pd.array(["r1", "r2"], dtype=STR), "name": pd.array(["A", "B"], dtype=STR)})
CODED = ["order_id", "customer_id", "rep_id", "status"]


def cached(series: pd.Series) -> bool:
    arr = series.array._pa_array
    entry = _ENCODED.get(id(arr))
    return entry is not None and entry[0]() is arr


def write(folder: Path, orders: pd.DataFrame = ORDERS) -> Path:
    write_snapshot(Dataset(tables={"orders": orders, "reps": REPS}), folder)
    return folder


def test_codes_file_holds_the_codes_in_order_of_first_appearance(tmp_path: Path) -> None:
    folder = write(tmp_path / "inputs")
    marker = json.loads((folder / "_snapshot.json").read_text(encoding="utf-8"))
    assert marker["tables"]["orders"]["codes"]["columns"] == CODED
    assert "codes" not in marker["tables"]["reps"]  # only the orders carry codes
    with pa.memory_map(str(folder / "_codes_orders.arrow")) as src:
        table = pa.ipc.open_file(src).read_all()
    order_id = table.column("order_id").chunk(0)
    # o2 o1 o2 o3 o1: o2 first (0), o1 second (1), o3 third (2)
    assert order_id.dictionary.to_pylist() == ["o2", "o1", "o3"]
    assert order_id.indices.to_pylist() == [0, 1, 0, 2, 1]
    assert order_id.indices.type == pa.int8()  # three values need one byte a row
    status = table.column("status").chunk(0)
    # paid, (empty), paid, refunded, refunded: the empty value has no code
    assert status.dictionary.to_pylist() == ["paid", "refunded"]
    assert status.indices.to_pylist() == [0, None, 0, 1, 1]
    # the run records the codes file's hash with the tables' files
    assert set(snapshot_hashes({"orders": folder / "orders.parquet", "reps": folder / "reps.parquet"})) == {
        "inputs/orders.parquet",
        "inputs/reps.parquet",
        "inputs/_codes_orders.arrow",
        "inputs/_snapshot.json",
    }


def test_trusted_read_gives_the_same_frame_and_encode_finds_the_codes(tmp_path: Path) -> None:
    folder = write(tmp_path / "inputs")
    plain = read_snapshot(folder).orders  # not trusted: every column from Parquet, nothing cached
    assert not any(cached(plain[c]) for c in CODED)
    coded = read_snapshot(folder, lazy=True, trusted=True).orders
    assert_frame_equal(coded, plain, check_exact=True)
    assert_frame_equal(coded, ORDERS, check_exact=True)
    assert all(cached(coded[c]) for c in CODED)  # before any encode() call
    got = encode(coded["order_id"])
    assert got.codes.tolist() == [0, 1, 0, 2, 1] and got.codes.dtype == np.int32
    assert not got.codes.flags.writeable
    assert_index_equal(got.uniques, pd.Index(pd.array(["o2", "o1", "o3"], dtype=STR)), exact=True)
    status = encode(coded["status"])
    assert status.codes.tolist() == [0, -1, 0, 1, 1]
    # the same as hashing the decoded column afresh
    for c in CODED:
        fresh = _arrow_codes(plain[c].array._pa_array, plain[c].dtype)
        assert np.array_equal(encode(coded[c]).codes, fresh.codes)
        assert_index_equal(encode(coded[c]).uniques, fresh.uniques, exact=True)


def test_a_kpi_table_is_the_same_either_way(tmp_path: Path) -> None:
    folder = write(tmp_path / "inputs")
    plain = sa.sales_kpis(read_snapshot(folder).orders, grain="month")
    coded = sa.sales_kpis(read_snapshot(folder, trusted=True).orders, grain="month")
    assert_frame_equal(coded, plain, check_exact=True)


def test_an_edited_frame_does_not_meet_the_snapshot_codes(tmp_path: Path) -> None:
    folder = write(tmp_path / "inputs")
    orders = read_snapshot(folder, trusted=True).orders
    edited = orders.copy()
    edited.loc[0, "order_id"] = "o3"  # o3 o1 o2 o3 o1
    assert not cached(edited["order_id"])
    got = encode(edited["order_id"])
    assert got.codes.tolist() == [0, 1, 2, 0, 1]
    assert got.uniques.tolist() == ["o3", "o1", "o2"]
    assert encode(orders["order_id"]).codes.tolist() == [0, 1, 0, 2, 1]  # the read frame is unchanged


def test_old_snapshot_without_codes_reads_as_before(tmp_path: Path) -> None:
    folder = write(tmp_path / "inputs")
    (folder / "_codes_orders.arrow").unlink()
    marker = json.loads((folder / "_snapshot.json").read_text(encoding="utf-8"))
    del marker["tables"]["orders"]["codes"]
    (folder / "_snapshot.json").write_text(json.dumps(marker), encoding="utf-8")
    orders = read_snapshot(folder, lazy=True, trusted=True).orders
    assert_frame_equal(orders, ORDERS, check_exact=True)
    assert not any(cached(orders[c]) for c in CODED)
    assert encode(orders["customer_id"]).codes.tolist() == [0, 0, 0, 1, 0]  # c9 c9 c9 c1 c9
    assert sa.read_orders(folder)["order_id"].cat.categories.tolist() == ["o2", "o1", "o3"]


def _replace_codes(folder: Path, column: str, array: pa.Array) -> None:
    path = folder / "_codes_orders.arrow"
    with pa.memory_map(str(path)) as src:
        table = pa.ipc.open_file(src).read_all()
    table = table.slice(0, len(array))  # a shorter column: the whole file one row short
    table = table.set_column(table.schema.get_field_index(column), column, array)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


@pytest.mark.parametrize(
    ("array", "why"),
    [
        # o2 o1 o2 o3 o1 with the dictionary in another order: codes not in order of first appearance
        (
            pa.DictionaryArray.from_arrays(pa.array([1, 0, 1, 2, 0], pa.int8()), ["o1", "o2", "o3"]),
            "first appearance",
        ),
        # a dictionary value no row uses
        (
            pa.DictionaryArray.from_arrays(pa.array([0, 1, 0, 2, 1], pa.int8()), ["o2", "o1", "o3", "o4"]),
            "first appearance",
        ),
        # one row short
        (pa.DictionaryArray.from_arrays(pa.array([0, 1, 0, 2], pa.int8()), ["o2", "o1", "o3"]), "of 5 rows"),
        # not a dictionary at all
        (pa.array(["o2", "o1", "o2", "o3", "o1"]), "is not a dictionary"),
    ],
)
def test_a_bad_codes_file_is_not_used(tmp_path: Path, caplog, array: pa.Array, why: str) -> None:
    folder = write(tmp_path / "inputs")
    _replace_codes(folder, "order_id", array)
    with caplog.at_level(logging.WARNING, logger="sales_analytics.io.snapshot"):
        orders = read_snapshot(folder, trusted=True).orders
    assert_frame_equal(orders, ORDERS, check_exact=True)  # read from orders.parquet instead
    assert not any(cached(orders[c]) for c in CODED)
    assert "its codes are not used" in caplog.text and why in caplog.text
    assert encode(orders["order_id"]).codes.tolist() == [0, 1, 0, 2, 1]


def test_an_edited_codes_file_fails_verification(tmp_path: Path) -> None:
    folder = write(tmp_path / "inputs")
    # a consistent but different snapshot: o2 o1 o2 o4 o1 (o3 renamed o4)
    _replace_codes(
        folder,
        "order_id",
        pa.DictionaryArray.from_arrays(pa.array([0, 1, 0, 2, 1], pa.int8()), ["o2", "o1", "o4"]),
    )
    with pytest.raises(DataError, match=r"_codes_orders\.arrow.*changed since the snapshot was written"):
        read_snapshot(folder, verify=True)
    with pytest.raises(DataError, match=r"_codes_orders\.arrow.*changed since the snapshot was written"):
        read_snapshot_table(folder, "orders")
    with pytest.raises(DataError, match=r"_codes_orders\.arrow.*changed since the snapshot was written"):
        sa.read_orders(folder)
    # without trust the codes file is not read at all: the values are orders.parquet's
    assert read_snapshot(folder).orders["order_id"].tolist() == ["o2", "o1", "o2", "o3", "o1"]


def test_read_orders_of_a_snapshot_folder_uses_its_codes(tmp_path: Path) -> None:
    folder = write(tmp_path / "inputs")
    got = sa.read_orders(folder)
    assert_frame_equal(got, sa.read_orders(folder / "orders.parquet"), check_exact=True)
    assert_frame_equal(got, sa.prepare_orders(ORDERS), check_exact=True)
    few = sa.read_orders(folder, columns=["order_id", "order_date", "customer_id", "rep_id", "amount"])
    assert list(few.columns) == ["order_id", "order_date", "customer_id", "rep_id", "amount"]
    assert few["customer_id"].cat.codes.tolist() == [0, 0, 0, 1, 0]
    with pytest.raises(DataError, match="amount"):
        sa.read_orders(folder, columns=["order_id", "order_date", "customer_id", "rep_id"])


def test_peek_of_coded_columns(tmp_path: Path) -> None:
    folder = write(tmp_path / "inputs")
    ds = read_snapshot(folder, lazy=True, trusted=True)
    few = ds.peek("orders", ["rep_id", "amount"])
    assert_frame_equal(few, ORDERS[["rep_id", "amount"]], check_exact=True)
    assert encode(few["rep_id"]).codes.tolist() == [0, 1, 0, 0, 1] and cached(few["rep_id"])
    assert not ds.tables.is_read("orders")


ids = st.lists(
    st.one_of(st.none(), st.sampled_from(["a", "b", "", "甲", "a ", "B"]), st.text(max_size=4)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order_ids=ids, customer_ids=ids)
def test_codes_from_the_snapshot_equal_encode_of_the_decoded_column(
    tmp_path_factory: pytest.TempPathFactory, order_ids: list, customer_ids: list
) -> None:
    n = min(len(order_ids), len(customer_ids))
    orders = pd.DataFrame(
        {
            "order_id": pd.array(order_ids[:n], dtype=STR),
            "order_date": pd.to_datetime(["2026-03-01"] * n),
            "customer_id": pd.array(customer_ids[:n], dtype=STR),
            "rep_id": pd.array(["r1"] * n, dtype=STR),
            "amount": np.arange(n, dtype=float),
        }
    )
    folder = write(tmp_path_factory.mktemp("snap") / "inputs", orders)
    coded = read_snapshot(folder, trusted=True).orders
    plain = read_snapshot(folder).orders
    assert_frame_equal(coded, plain, check_exact=True)
    for c in ("order_id", "customer_id"):
        assert cached(coded[c])
        got = encode(coded[c])
        # what hashing the decoded column gives, and pandas' own factorize
        enc = pc.dictionary_encode(pa.array(coded[c].array._pa_array.combine_chunks()))
        assert got.codes.tolist() == pc.fill_null(enc.indices, -1).to_pylist()
        codes, uniques = pd.factorize(plain[c].astype(object), use_na_sentinel=True)
        assert got.codes.tolist() == codes.tolist()
        assert got.uniques.tolist() == list(uniques)


def test_codes_of_a_python_string_column(tmp_path: Path) -> None:
    orders = ORDERS.assign(order_id=ORDERS["order_id"].astype(pd.StringDtype("python", na_value=np.nan)))
    folder = write(tmp_path / "inputs", orders)
    with pa.memory_map(str(folder / "_codes_orders.arrow")) as src:
        order_id = pa.ipc.open_file(src).read_all().column("order_id").chunk(0)
    assert order_id.dictionary.to_pylist() == ["o2", "o1", "o3"]
    assert order_id.indices.to_pylist() == [0, 1, 0, 2, 1]
    coded = read_snapshot(folder, trusted=True).orders
    assert_frame_equal(coded, read_snapshot(folder).orders, check_exact=True)
    assert encode(coded["order_id"]).codes.tolist() == [0, 1, 0, 2, 1]


@pytest.mark.slow
def test_a_run_s_notebooks_read_the_orders_with_their_codes(tmp_path: Path, monkeypatch) -> None:
    from sales_analytics.run import monthly
    from tests.test_run import _run, fake_execute, make_data, make_notebooks

    project = {
        "data": make_data(tmp_path / "data"),
        "notebooks": make_notebooks(tmp_path / "notebooks", "publish"),
        "outputs": tmp_path / "outputs",
    }
    monkeypatch.setattr(monthly, "execute_notebooks", fake_execute())
    result = _run(project)
    monkeypatch.setenv("SALES_ANALYTICS_OUTPUTS", str(project["outputs"]))
    inputs = result.bundle / "inputs"
    orders = sa.load_dataset(inputs).orders  # what a notebook's kernel does: trusted, read lazily
    assert (inputs / "_codes_orders.arrow").is_file()
    assert all(cached(orders[c]) for c in ("order_id", "customer_id", "rep_id"))
    assert_frame_equal(orders, read_snapshot(inputs).orders, check_exact=True)
