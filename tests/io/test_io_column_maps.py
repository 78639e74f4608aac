"""Column-map features real files need: date format / day order per column, value maps, derived
columns (join, from_json, constant, if_negative), the opt-in invalid_rows policy; validate's listing
of skipped files; readers that stay total on random headers and cells."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sales_analytics as sa
from sales_analytics.cli import main
from sales_analytics.errors import ConfigError, DataError
from sales_analytics.io.columns import ColumnMap, load_column_map
from sales_analytics.io.profiles import PROFILES

REPS = "rep_id,rep_name,team\nr1,Li Lei,East\n"


def _map(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _csv(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


ORDERS_MAP = """
table: orders
columns:
  order_id: Receipt
  order_date: {column: Date, dayfirst: true}
  customer_id: Customer
  rep_id: {value: r1}
  amount: Net
"""


def test_dayfirst_per_column(tmp_path: Path) -> None:
    data = _csv(tmp_path, "sales.csv", "Receipt,Date,Customer,Net\n1,3/4/2026,c1,10\n2,31/12/2025,c2,20\n")
    out = sa.read_table(data, column_map=_map(tmp_path, ORDERS_MAP))
    # day first: 3/4/2026 is 3 April, 31/12/2025 is 31 December
    assert out["order_date"].tolist() == [pd.Timestamp("2026-04-03"), pd.Timestamp("2025-12-31")]
    month_first = _map(tmp_path, ORDERS_MAP.replace("dayfirst: true", "dayfirst: false"))
    with pytest.raises(DataError, match=r"column 'Date': 1 row is not a valid date \(row 3\)"):
        sa.read_table(data, column_map=month_first)  # 31/12 cannot be month 31


def test_undeclared_day_order_is_an_error_with_the_yaml(tmp_path: Path) -> None:
    data = _csv(tmp_path, "sales.csv", "Receipt,Date,Customer,Net\n1,3/4/2026,c1,10\n")
    plain = _map(tmp_path, ORDERS_MAP.replace("{column: Date, dayfirst: true}", "Date"))
    with pytest.raises(DataError) as err:
        sa.read_table(data, column_map=plain)
    text = str(err.value)
    assert "column 'Date': 1 row is dates like D/M/YYYY or M/D/YYYY whose day order is not declared" in text
    assert "columns: {order_date: {column: <the file's column>, dayfirst: false}}" in text
    assert "(row 2)" in text and "found '3/4/2026'" in text


def test_format_per_column(tmp_path: Path) -> None:
    data = _csv(tmp_path, "sales.csv", "Receipt,Date,Customer,Net\n1,05.03.2026,c1,10\n2,2026-03-05,c1,10\n")
    cmap = _map(tmp_path, ORDERS_MAP.replace("dayfirst: true", "format: '%d.%m.%Y'"))
    with pytest.raises(DataError, match=r"column 'Date': 1 row is not a valid date \(row 3\)"):
        sa.read_table(data, column_map=cmap)  # the ISO cell does not fit the declared format
    ok = _csv(tmp_path, "ok.csv", "Receipt,Date,Customer,Net\n1,05.03.2026,c1,10\n")
    assert sa.read_table(ok, column_map=cmap)["order_date"].tolist() == [pd.Timestamp("2026-03-05")]


def test_value_map_join_json_constant_and_if_negative(tmp_path: Path) -> None:
    cmap = _map(
        tmp_path,
        """
table: orders
columns:
  order_id: {join: [Shop, Ticket], sep: "-"}
  order_date: Date
  customer_id: {column: Buyer, from_json: id}
  rep_id: {value: r1}
  amount: Net
  status: {column: Net, if_negative: refunded, map: {X: cancelled}, default: paid}
  channel: {column: Kind, map: {线上: online, 门店: store}}
""",
    )
    data = _csv(
        tmp_path,
        "sales.csv",
        "Shop,Ticket,Date,Buyer,Net,Kind\n"
        'S1,001,2026-03-01,"{""id"": ""c9"", ""name"": ""王""}",100,线上\n'
        'S1,002,2026-03-02,"{""id"": ""c9""}",-40,门店\n'
        "S2,,2026-03-03,,5,其他\n",
    )
    out = sa.read_table(data, column_map=cmap)
    assert out["order_id"].tolist() == ["S1-001", "S1-002", "S2"]  # an empty part is skipped
    assert out["customer_id"].tolist()[:2] == ["c9", "c9"] and pd.isna(out["customer_id"].iloc[2])
    assert out["status"].tolist() == ["paid", "refunded", "paid"]  # -40 < 0
    assert out["channel"].tolist() == ["online", "store", "其他"]  # unmapped kept as found
    bad = _csv(tmp_path, "bad.csv", "Shop,Ticket,Date,Buyer,Net,Kind\nS1,1,2026-03-01,not json,1,线上\n")
    with pytest.raises(
        DataError, match=r"column 'Buyer': 1 row is not JSON objects with the key 'id' \(row 2\)"
    ):
        sa.read_table(bad, column_map=cmap)


def test_rule_with_two_sources_is_a_config_error(tmp_path: Path) -> None:
    cmap = _map(tmp_path, "table: orders\ncolumns:\n  order_id: {column: a, join: [b, c]}\n")
    with pytest.raises(ConfigError, match="give one of column / value / product / minutes_between / join"):
        load_column_map(cmap)


def test_invalid_rows_drop_lists_every_row_with_file_row_numbers(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "reps.csv").write_text(REPS, encoding="utf-8")
    # line 1 is the header; lines 3 and 5 have a bad date and an empty amount
    (folder / "till.csv").write_text(
        "Receipt,Date,Customer,Net\n1,2026-03-01,c1,10\n2,2026-02-30,c1,20\n3,2026-03-02,c2,30\n4,2026-03-03,c2,\n",
        encoding="utf-8",
    )
    maps = tmp_path / "maps"
    maps.mkdir()
    text = ORDERS_MAP.replace("{column: Date, dayfirst: true}", "Date") + "detect: [Receipt, Date, Net]\n"
    (maps / "till.yaml").write_text(text, encoding="utf-8")
    params = sa.load_parameters()
    params = params.model_copy(update={"data": params.data.model_copy(update={"column_maps_dir": str(maps)})})
    with pytest.raises(DataError, match="column 'Date': 1 row is not a valid date"):
        sa.load_dataset(folder, params=params)  # the default policy stops the load
    (maps / "till.yaml").write_text(text + "invalid_rows: drop\n", encoding="utf-8")
    ds = sa.load_dataset(folder, params=params)
    assert ds.orders["order_id"].tolist() == ["1", "3"]
    dropped = ds.quality[ds.quality["kind"] == "dropped_row"]
    assert dropped[["column", "rows", "count"]].values.tolist() == [["Date", "3", 1], ["amount", "5", 1]]
    assert dropped["message"].str.contains("dropped \\(invalid_rows: drop\\)").all()
    assert (dropped["severity"] == "warning").all()


def test_drop_policy_keeps_row_numbers_for_later_findings(tmp_path: Path) -> None:
    cmap = ColumnMap.model_validate(
        {
            "table": "orders",
            "invalid_rows": "drop",
            "columns": {
                "order_id": "No",
                "order_date": "Date",
                "customer_id": "C",
                "rep_id": "R",
                "amount": "Net",
            },
        }
    )
    data = _csv(tmp_path, "t.csv", "No,Date,C,R,Net\n1,bad,c,r1,1\n2,2026-01-01,c,r1,0\n")
    result = sa.inspect_table(data, column_map=cmap)
    zero = result.quality[result.quality["kind"] == "zero_amount"]
    assert zero["rows"].tolist() == ["3"]  # line 3 of the file, although line 2 was dropped


def _usable_folder(tmp_path: Path) -> Path:
    """A data folder with one rep and one order: usable as it is."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "reps.csv").write_text(REPS, encoding="utf-8")
    (folder / "orders.csv").write_text(
        "order_id,order_date,customer_id,rep_id,amount\no1,2026-01-05,c1,r1,100\n", encoding="utf-8"
    )
    return folder


def test_validate_lists_skipped_files_and_never_says_ok(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _usable_folder(tmp_path)
    assert main(["validate", "--data", str(folder)]) == 0
    assert "OK: the data can be used." in capsys.readouterr().out
    (folder / "pipeline.csv").write_text("Deal Name,Amount,Owner\nA,1,x\n", encoding="utf-8")
    (folder / "合同.docx").write_bytes(b"PK")
    (folder / "old").mkdir()
    assert main(["validate", "--data", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "OK: the data can be used." not in out
    assert "USABLE, BUT 3 FILES SKIPPED" in out
    assert "Skipped files (3)" in out
    assert "pipeline.csv: not a recognised table or export" in out
    assert "closest profile: zoho_deals (has Deal Name; lacks Stage)" in out
    assert "合同.docx: unsupported file type '.docx'" in out
    assert "old: a folder: files in sub-folders are not read" in out
    result = sa.check_data(folder)
    assert [Path(s.path).name for s in result.skipped] == ["old", "合同.docx", "pipeline.csv"]
    assert (result.quality["kind"] == "file_skipped").sum() == 3


def test_missing_column_error_shows_the_yaml(tmp_path: Path) -> None:
    data = _csv(tmp_path, "orders.csv", "order_id,order_date,customer_id,amount\no1,2026-01-05,c1,100\n")
    with pytest.raises(DataError, match=r"columns: \{rep_id: <the file's column>\}"):
        sa.read_table(data)


# ------------------------------------------------------------------ totality

_HEADERS = sorted({h for m in PROFILES.values() for g in m.detect_groups() for h in g} | {"x", "金额", ""})
_CELLS = st.one_of(
    st.none(),
    st.text(max_size=10),
    st.integers(-(10**13), 10**13).map(str),
    st.sampled_from(
        ["3/4/2026", "2018-01-01 星期五", "USD 1,200.00", '{"msg": "hi"}', "{bad", "-5", "我", "10000"]
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(st.sampled_from(_HEADERS), min_size=1, max_size=8, unique=True),
    rows=st.lists(st.lists(_CELLS, min_size=8, max_size=8), min_size=1, max_size=6),
)
def test_profiles_are_total_on_random_headers_and_cells(header: list[str], rows: list[list[object]]) -> None:
    """Any header the profiles know, any cells: a table or a DataError, never a traceback."""
    frame = pd.DataFrame([r[: len(header)] for r in rows], columns=[h or "blank" for h in header])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        frame.to_csv(path, index=False)
        try:
            sa.read_table(path)
        except DataError as exc:
            assert exc.problems


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(_CELLS, min_size=5, max_size=5), min_size=1, max_size=6), drop=st.booleans())
def test_column_map_rules_are_total(rows: list[list[object]], drop: bool) -> None:
    cmap = ColumnMap.model_validate(
        {
            "table": "orders",
            "invalid_rows": "drop" if drop else "error",
            "columns": {
                "order_id": {"join": ["a", "b"]},
                "order_date": {"column": "c", "dayfirst": False},
                "customer_id": {"column": "d", "from_json": "msg"},
                "rep_id": {"value": "r1"},
                "amount": "e",
                "status": {"column": "e", "if_negative": "refunded", "default": "paid"},
            },
        }
    )
    frame = pd.DataFrame(rows, columns=list("abcde"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        frame.to_csv(path, index=False)
        try:
            out = sa.read_table(path, column_map=cmap)
        except DataError as exc:
            assert exc.problems and all(str(path) in p.file for p in exc.problems)
            return
    assert out["status"].isin(["paid", "refunded"]).all()
    assert str(out["order_date"].dtype) == "datetime64[ns]"


def test_value_not_allowed_shows_the_value_map_yaml(tmp_path: Path) -> None:
    data = _csv(
        tmp_path,
        "orders.csv",
        "order_id,order_date,customer_id,rep_id,amount,status\no1,2026-01-05,c1,r1,100,已付款\n",
    )
    with pytest.raises(DataError, match=r"map: \{已付款: paid\}\}\}, found '已付款'"):
        sa.read_table(data)


def test_mapping_and_validation_problems_are_reported_together(tmp_path: Path) -> None:
    # line 2: a date that does not exist (found while mapping); line 3: no amount (found by validation)
    data = _csv(tmp_path, "sales.csv", "Receipt,Date,Customer,Net\n1,2026-02-30,c1,10\n2,2026-03-01,c1,\n")
    cmap = _map(tmp_path, ORDERS_MAP.replace("{column: Date, dayfirst: true}", "Date"))
    with pytest.raises(DataError) as err:
        sa.read_table(data, column_map=cmap)
    found = {(p.column, p.rows) for p in err.value.problems}
    assert found == {("Date", (2,)), ("amount", (3,))}  # the bad date is not also called empty


_JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**13), 10**13), st.text(max_size=8)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["content", "id"]), inner, max_size=2)
    ),
    max_leaves=6,
)
_WECOM_KEYS = ["msgid", "action", "from", "tolist", "roomid", "msgtime", "msgtype", "text", "time", "user"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=st.lists(
        st.dictionaries(st.sampled_from(_WECOM_KEYS), _JSON_VALUES, min_size=1), min_size=1, max_size=5
    )
)
def test_chat_json_records_are_total(records: list[dict[str, object]]) -> None:
    """WeCom-like records with any keys and values: a table or a DataError, never a traceback."""
    import json

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "messages.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        try:
            sa.read_table(path)
        except DataError as exc:
            assert exc.problems


def test_narrow_rows_with_a_multi_line_message(tmp_path: Path) -> None:
    """WeChatMsg one-to-one rows (9 fields under 12 names) whose text spans lines."""
    path = tmp_path / "客户_utf8.csv"
    path.write_bytes(
        (
            "\ufefflocalId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\r\n"
            '1,217,1,0,0,1628863878,2,"line one\r\nline two",2021-08-13 22:11:18\r\n'
            "2,217,1,0,1,1628863886,2,hi,2021-08-13 22:11:26\r\n"
        ).encode("utf-8")
    )
    chat = sa.read_table(path)
    assert chat[["sender_id", "text"]].values.tolist() == [["217", "line one\r\nline two"], ["self", "hi"]]
    # CreateTime 1628863878 = 2021-08-13 14:11:18 UTC
    assert chat["sent_at"].iloc[0] == pd.Timestamp("2021-08-13 14:11:18", tz="UTC")


def test_validate_takes_a_folder_and_the_parameters_that_map_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A till export needs a column map declared in a parameters file; the folder is given on its own.
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "reps.csv").write_text(REPS, encoding="utf-8")
    (folder / "till.csv").write_text("Receipt,Date,Customer,Net\n1,3/4/2026,c1,10\n", encoding="utf-8")
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "till.yaml").write_text(ORDERS_MAP, encoding="utf-8")
    params = tmp_path / "p.yaml"
    params.write_text(
        "data:\n"
        f"  dir: {tmp_path / 'elsewhere'}\n"  # replaced by --data
        f"  column_maps_dir: {maps}\n"
        "  tables:\n    orders: {path: till.csv, column_map: till}\n",
        encoding="utf-8",
    )
    assert main(["validate", "--data", str(folder)]) == 1  # the till file is not a known export
    capsys.readouterr()
    assert main(["validate", "--data", str(folder), "--params", str(params)]) == 0
    out = capsys.readouterr().out
    assert "OK: the data can be used." in out and "till.csv" in out


def test_validate_lists_notes_and_markers_without_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The sample itself carries README.md and a .complete marker: a folder's notes are not skipped data.
    folder = _usable_folder(tmp_path)
    for name in ("README.md", ".DS_Store", "_notes.csv"):
        (folder / name).write_text("x", encoding="utf-8")
    assert main(["validate", "--data", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "OK: the data can be used." in out and "Skipped files" not in out
    assert "Not data (3): notes and markers, not read" in out
    assert "README.md: a README (notes about the folder)" in out
    result = sa.check_data(folder)
    assert sorted(Path(s.path).name for s in result.skipped if s.note) == [
        ".DS_Store",
        "README.md",
        "_notes.csv",
    ]
    assert (result.quality["kind"] == "file_skipped").sum() == 3  # still in the quality table, as info
