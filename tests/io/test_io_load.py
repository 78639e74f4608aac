"""load_dataset from folders and parameters, cross-table checks, data quality, snapshots, the CLI."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import sales_analytics as sa
from sales_analytics.cli import main
from sales_analytics.io.snapshot import SNAPSHOT_MARKER, snapshot_hashes

PROFILES = Path(__file__).resolve().parents[1] / "data" / "profiles"

REPS = "rep_id,rep_name,team,hire_date\nr1,Li Lei,East,2025-01-01\nr2,Han Mei,West,2026-01-10\n"
ORDERS = (
    "order_id,order_date,customer_id,rep_id,amount,status\n"
    "o1,2026-01-05,c1,r1,100,paid\n"
    "o2,2026-01-06,c2,r2,0,paid\n"  # zero amount; r2 hired 2026-01-10: before employment
    "o2-R,2026-01-07,c2,r2,-50,refunded\n"
    "o3,2026-02-01,,r1,30,paid\n"  # no customer id: kept and reported
    "o3,2026-02-01,,r1,30,paid\n"  # exact duplicate of the row above
    "o4,2099-01-01,c1,r1,10,paid\n"  # a future date
)


def _folder(tmp_path: Path, orders: str = ORDERS, reps: str = REPS) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "orders.csv").write_text(orders, encoding="utf-8")
    (folder / "reps.csv").write_text(reps, encoding="utf-8")
    return folder


def test_folder_load_dtypes_sources_and_quality(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    ds = sa.load_dataset(folder)
    orders = ds.orders
    assert str(orders["order_date"].dtype) == "datetime64[ns]" and orders["amount"].dtype == "float64"
    assert orders["order_id"].dtype == "str" and ds.reps["active"].tolist() == [True, True]
    src = ds.sources["orders"]
    assert src.profile == "canonical" and src.rows == 6
    assert src.sha256 == hashlib.sha256((folder / "orders.csv").read_bytes()).hexdigest()
    found = {(r.kind, r.column): r for r in ds.quality.itertuples()}
    # file rows: header is line 1, so o2 is row 3, the blank-customer rows are 5 and 6, o4 is row 7
    assert found[("zero_amount", "amount")].rows == "3"
    assert found[("outside_employment", "order_date")].rows == "3, 4"
    assert found[("missing_value", "customer_id")].count == 2
    assert found[("duplicate_row", "")].rows == "6"
    assert found[("future_date", "order_date")].rows == "7"
    assert set(ds.quality["severity"]) == {"warning"}


def test_referential_errors_name_rows(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        orders="order_id,order_date,customer_id,rep_id,amount\no1,2026-01-05,c1,r1,1\n"
        "o2,2026-01-05,c1,r7,1\no3,2026-01-05,c1,r8,1\n",
    )
    with pytest.raises(
        sa.DataError,
        match=r"orders.csv, column 'rep_id': 2 rows have a rep_id that is not in reps "
        r"\(rows 3, 4\)",
    ) as info:
        sa.load_dataset(folder)
    assert info.value.problems[0].found == "r7"


def test_all_files_errors_together_and_required_tables(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "reps.csv").write_text("rep_id,rep_name,team\nr1,Li,East\nr1,Han,West\n", encoding="utf-8")
    (folder / "deals.csv").write_text(
        "deal_id,rep_id,stage,created_date\nd1,r1,won,2026-13-01\n", encoding="utf-8"
    )
    with pytest.raises(sa.DataError) as info:
        sa.load_dataset(folder)
    text = str(info.value)
    assert "reps.csv, column 'rep_id': 2 rows share a rep_id" in text
    assert "deals.csv, column 'created_date': 1 row is not a valid date (row 2)" in text
    assert "required table 'orders' not found" in text


def test_profiles_and_unknown_files_in_one_folder(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    shutil.copy(PROFILES / "Deals_2025_09_10_bom.csv", folder)
    (folder / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = sa.check_data(folder)
    # the Zoho deals name owners 9001/9002, which are not reps: an error naming the file
    assert not result.ok
    assert any("Deals_2025_09_10_bom.csv" in p.file and p.column == "rep_id" for p in result.problems)
    skipped = result.quality[result.quality["kind"] == "file_skipped"]
    assert skipped["message"].str.contains("notes.csv").all() and len(skipped) == 1


def test_parameters_file_with_explicit_tables(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "Calls.csv").write_bytes((PROFILES / "Calls_2025_09_10.csv").read_bytes())
    (folder / "reps.csv").write_text(
        REPS + "9001,Zhao,East,2024-01-01\n9002,Qian,East,2024-01-01\n", encoding="utf-8"
    )
    params = tmp_path / "params.yaml"
    params.write_text(
        f"data:\n  dir: {folder}\n  tables:\n    activities: {{path: Calls.csv, profile: zoho_calls}}\n",
        encoding="utf-8",
    )
    ds = sa.load_dataset(params)
    assert ds.activities["activity_type"].tolist() == ["call", "call"]
    assert ds.sources["activities"].profile == "zoho_calls"
    loaded = sa.load_parameters(params)
    assert sa.load_dataset(loaded).has("activities")


def test_data_params_reject_unknown_keys_and_tables(tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    params.write_text("data:\n  tables:\n    sales: {path: x.csv}\n", encoding="utf-8")
    with pytest.raises(sa.ConfigError, match="key 'data.tables'"):
        sa.load_parameters(params)
    params.write_text("data:\n  folder: x\n", encoding="utf-8")
    with pytest.raises(sa.ConfigError, match="key 'data.folder': is not a known key"):
        sa.load_parameters(params)


def test_loading_never_touches_the_users_files(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    sa.load_dataset(folder)
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()} == before


def test_snapshot_round_trip_skips_validation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ds = sa.load_dataset(_folder(tmp_path))
    monkeypatch.setenv("SALES_ANALYTICS_OUTPUTS", str(tmp_path / "outputs"))
    inputs = tmp_path / "outputs" / "2026-02" / "inputs"
    written = sa.write_snapshot(ds, inputs)
    assert set(written) == {"orders", "reps"} and (inputs / SNAPSHOT_MARKER).is_file()
    # what a run records in its manifest before any notebook reads the snapshot
    record = snapshot_hashes(written)
    (inputs.parent / "manifest.json").write_text(json.dumps({"snapshot": record}), encoding="utf-8")
    back = sa.load_dataset(inputs)
    pd.testing.assert_frame_equal(back.orders, ds.orders)
    pd.testing.assert_frame_equal(back.reps, ds.reps)
    assert back.sources["orders"] == ds.sources["orders"]  # the original file, for the manifest
    pd.testing.assert_frame_equal(back.quality, ds.quality)
    # a snapshot is trusted: a row that would fail validation is not re-checked …
    # … but a changed file is caught when asked to verify
    (inputs / "reps.parquet").write_bytes((inputs / "orders.parquet").read_bytes())
    with pytest.raises(sa.DataError, match="reps.parquet: changed since the snapshot was written"):
        sa.read_snapshot(inputs, verify=True)
    with pytest.raises(sa.DataError, match="dtypes differ from the snapshot marker"):
        sa.read_snapshot(inputs)


def test_tz_aware_chat_survives_the_snapshot(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    shutil.copy(PROFILES / "wecom_messages.jsonl", folder)
    ds = sa.load_dataset(folder)
    sa.write_snapshot(ds, tmp_path / "snap")
    back = sa.read_snapshot(tmp_path / "snap")
    assert str(back.chat_messages["sent_at"].dtype) == "datetime64[ns, UTC]"


def test_validate_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _folder(tmp_path)
    assert main(["validate", "--data", str(good)]) == 0
    out = capsys.readouterr().out
    assert "orders" in out and "zero_amount" in out and "OK: the data can be used." in out
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "orders.csv").write_text("order_id,order_date\no1,2026-01-01\n", encoding="utf-8")
    assert main(["validate", "--data", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "required column 'amount' is missing" in out and "FAILED" in out
    assert main(["validate", "--profiles"]) == 0
    assert "zoho_deals" in capsys.readouterr().out


def test_dq_tables_for_the_notebook(tmp_path: Path) -> None:
    ds = sa.load_dataset(_folder(tmp_path))
    tables = sa.dq_tables(ds, "2026-01")
    assert tables[["table", "rows", "profile"]].values.tolist() == [
        ["orders", 6, "canonical"],
        ["reps", 2, "canonical"],
    ]
    problems = sa.dq_problems(ds, "2026-01")
    assert (problems["period"] == "2026-01").all() and len(problems) == len(ds.quality)
    months = sa.dq_rows_by_month(ds)
    # orders: Jan 3 rows, Feb 2 rows, 2099-01 1 row
    assert months[months["table"] == "orders"][["month", "rows"]].values.tolist() == [
        ["2026-01", 3],
        ["2026-02", 2],
        ["2099-01", 1],
    ]
