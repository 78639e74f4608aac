"""Inputs that would publish wrong data: a table supplied twice, negative quantities, a planted snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import sales_analytics as sa
from sales_analytics.io.snapshot import SNAPSHOT_MARKER, snapshot_distrust, snapshot_hashes

REPS = "rep_id,rep_name,team\nr1,Li Lei,East\nr2,Han Mei,West\n"
ORDERS = (
    "order_id,order_date,customer_id,rep_id,amount,status,quantity\n"
    "o1,2026-01-05,c1,r1,100,paid,2\n"
    "o2,2026-01-06,c2,r2,80,paid,-3\n"  # a sign error: paid with a negative quantity (file row 3)
    "o2-R,2026-01-07,c2,r2,-50,refunded,-1\n"  # a return: negative quantity on a refund is fine
    "o3,2026-02-01,c1,r1,30,paid,\n"
)


def folder(tmp_path: Path, files: dict[str, str] | None = None) -> Path:
    out = tmp_path / "data"
    out.mkdir()
    (out / "reps.csv").write_text(REPS, encoding="utf-8")
    for name, text in (files or {"orders.csv": ORDERS}).items():
        (out / name).write_text(text, encoding="utf-8")
    return out


def test_csv_and_parquet_of_one_table_is_an_error(tmp_path):
    data = folder(tmp_path)
    pd.read_csv(data / "orders.csv").to_parquet(data / "orders.parquet")
    with pytest.raises(
        sa.DataError,
        match=r"the orders table is supplied 2 times: orders\.csv, orders\.parquet .*counted twice",
    ):
        sa.load_dataset(data)


def test_whole_table_beside_a_part_is_an_error(tmp_path):
    part = ORDERS.splitlines()[0] + "\no9,2026-03-01,c1,r1,5,paid,1\n"
    data = folder(tmp_path, {"orders.csv": ORDERS, "orders_2026-03.csv": part})
    with pytest.raises(
        sa.DataError, match=r"orders\.csv: is the whole orders table, but orders_2026-03\.csv"
    ):
        sa.load_dataset(data)


def test_identical_files_are_an_error(tmp_path):
    data = folder(tmp_path, {"orders_a.csv": ORDERS, "orders_b.csv": ORDERS})
    with pytest.raises(sa.DataError, match=r"orders_b\.csv: has the same bytes as orders_a\.csv"):
        sa.load_dataset(data)


def test_parts_by_name_are_concatenated(tmp_path):
    head, *rows = ORDERS.splitlines()
    data = folder(
        tmp_path,
        {
            "orders_2026-01.csv": "\n".join([head, *rows[:3]]) + "\n",
            "orders_2026-02.csv": "\n".join([head, rows[3]]) + "\n",
        },
    )
    ds = sa.load_dataset(data)
    # 100 + 80 − 50 + 30 = 160, each row once
    assert ds.orders["amount"].sum() == 160 and len(ds.orders) == 4


def test_parts_declared_in_the_parameters(tmp_path):
    data = folder(tmp_path)
    pd.read_csv(data / "orders.csv").iloc[:2].to_parquet(data / "orders.parquet")
    (data / "orders.csv").write_text(
        "\n".join(ORDERS.splitlines()[:1] + ORDERS.splitlines()[3:]) + "\n", encoding="utf-8"
    )
    params = sa.load_parameters(
        overrides={"data": {"tables": {"orders": {"path": ["orders.csv", "orders.parquet"]}}}}
    )
    ds = sa.load_dataset(data, params=params)
    assert sorted(ds.orders["order_id"]) == ["o1", "o2", "o2-R", "o3"]  # declared parts: once each


def test_negative_quantity_on_a_paid_row_is_a_finding(tmp_path):
    ds = sa.load_dataset(folder(tmp_path))
    found = ds.quality[ds.quality["kind"] == "negative_quantity"]
    assert len(found) == 1
    row = found.iloc[0]
    assert (row["column"], row["rows"], row["count"], row["severity"]) == ("quantity", "3", 1, "warning")
    assert (
        "1 paid row has a negative quantity" in row["message"]
        or "paid rows have a negative quantity" in row["message"]
    )


def test_planted_snapshot_is_not_trusted(tmp_path, monkeypatch):
    monkeypatch.setenv("SALES_ANALYTICS_OUTPUTS", str(tmp_path / "outputs"))
    data = folder(tmp_path)
    # junk that a trusted snapshot would publish unchecked: an order by an unknown rep, a made-up source
    junk = pd.DataFrame(
        {
            "order_id": ["x"],
            "order_date": pd.to_datetime(["2026-01-01"]),
            "customer_id": ["c"],
            "rep_id": ["nobody"],
            "amount": [1e9],
        }
    )
    junk.to_parquet(data / "orders.parquet")
    (data / "orders.csv").unlink()
    marker = {
        "format": 1,
        "tables": {"orders": {"file": "orders.parquet", "rows": 1, "sha256": "0" * 64, "dtypes": {}}},
        "sources": [
            {
                "table": "orders",
                "path": "/crm/orders_real.csv",
                "profile": "canonical",
                "sha256": "0" * 64,
                "rows": 1,
            }
        ],
    }
    (data / SNAPSHOT_MARKER).write_text(json.dumps(marker), encoding="utf-8")
    assert snapshot_distrust(data).startswith("it is not the inputs/ folder of a run")
    with pytest.raises(sa.DataError, match=r"orders\.parquet.*rep_id"):
        sa.load_dataset(data)  # validated: the unknown rep is caught


def test_snapshot_is_trusted_only_against_its_runs_record(tmp_path, monkeypatch):
    monkeypatch.setenv("SALES_ANALYTICS_OUTPUTS", str(tmp_path / "outputs"))
    ds = sa.load_dataset(folder(tmp_path))
    inputs = tmp_path / "outputs" / ".staging" / "run1" / "inputs"
    written = sa.write_snapshot(ds, inputs)
    assert snapshot_distrust(inputs) == "its run recorded no snapshot hashes in manifest.json"
    (inputs.parent / "manifest.json").write_text(
        json.dumps({"snapshot": snapshot_hashes(written)}), encoding="utf-8"
    )
    assert snapshot_distrust(inputs) is None
    assert sa.check_data(inputs).sources == list(ds.sources.values())  # read as the run's snapshot
    # a rewritten marker (e.g. to point at other files) no longer matches the record
    text = (inputs / SNAPSHOT_MARKER).read_text(encoding="utf-8")
    (inputs / SNAPSHOT_MARKER).write_text(text + " ", encoding="utf-8")
    assert snapshot_distrust(inputs) == f"inputs/{SNAPSHOT_MARKER} does not match the hash its run recorded"
    checked = sa.check_data(inputs)
    assert "snapshot_untrusted" in set(checked.quality["kind"])


def test_a_runs_staging_snapshot_is_trusted_under_any_outputs_folder(tmp_path, monkeypatch):
    """`run --outputs DIR`: the notebooks' kernels see another $SALES_ANALYTICS_OUTPUTS than DIR."""
    monkeypatch.setenv("SALES_ANALYTICS_OUTPUTS", str(tmp_path / "elsewhere"))
    ds = sa.load_dataset(folder(tmp_path))
    inputs = tmp_path / "given" / ".staging" / "run1" / "inputs"
    written = sa.write_snapshot(ds, inputs)
    (inputs.parent / "manifest.json").write_text(
        json.dumps({"snapshot": snapshot_hashes(written)}), encoding="utf-8"
    )
    assert snapshot_distrust(inputs) is None
    # a published bundle outside the outputs folder is still not trusted
    bundle = tmp_path / "given" / "2026-01" / "inputs"
    bundle.parent.mkdir(parents=True)
    inputs.rename(bundle)
    (inputs.parent / "manifest.json").rename(bundle.parent / "manifest.json")
    assert snapshot_distrust(bundle).startswith("it is not the inputs/ folder of a run")
