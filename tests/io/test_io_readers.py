"""Finding the table in CSV (encodings, delimiters, preamble, footer), XLSX, Parquet and JSON."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sales_analytics.io.readers import read_source_file

ROWS = "order_id,order_date,customer_id,rep_id,amount\no1,2026-01-05,苏州安可,r1,10\no2,2026-01-06,杭州贝塔,r2,20\n"


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gbk"), ("gb18030", "gbk")],
)
def test_csv_encodings(tmp_path: Path, encoding: str, detected: str) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(ROWS.encode(encoding))
    raw = read_source_file(path)
    assert raw.encoding == detected
    assert raw.frame.columns.tolist() == ["order_id", "order_date", "customer_id", "rep_id", "amount"]
    assert raw.frame["customer_id"].tolist() == ["苏州安可", "杭州贝塔"]


def test_gb18030_only_characters(tmp_path: Path) -> None:
    path = tmp_path / "reps.csv"
    path.write_bytes("rep_id,rep_name,team\nr1,李\u20ac,东区\n".encode("gb18030"))  # € is not in GBK
    raw = read_source_file(path)
    assert raw.encoding == "gb18030" and raw.frame["rep_name"].iloc[0] == "李\u20ac"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(ROWS.replace(",", delimiter), encoding="utf-8")
    raw = read_source_file(path)
    assert raw.delimiter == delimiter and raw.frame.shape == (2, 5)


def test_preamble_and_footer_are_skipped_and_rows_counted(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    text = "数据库：订单,,,,\n时间：2026年1月,,,,\n" + ROWS + "注：金额为含税金额,,,,\n数据来源：ERP,,,,\n"
    path.write_bytes(text.encode("gbk"))
    raw = read_source_file(path)
    assert raw.frame["order_id"].tolist() == ["o1", "o2"]
    # header on line 3, so the first data row is line 4
    assert raw.rows_of([0, 1]) == [4, 5]
    assert any("skipped 2 line(s) before the header" in n for n in raw.notes)
    assert any("skipped 2 note/blank line(s)" in n for n in raw.notes)


def test_real_nbs_gbk_exports(shared_datasets: Path) -> None:
    cpi = read_source_file(shared_datasets / "gbk_exports" / "nbs_monthly_cpi_2016-2020_gbk.csv")
    # 2016-01 … 2020-02 is 50 months; the multi-line quoted note and the source line are footer
    assert cpi.encoding == "gbk" and len(cpi.frame) == 50
    assert cpi.frame.iloc[0, 0] == "2020年2月" and cpi.frame.iloc[-1, 0] == "2016年1月"
    m2 = read_source_file(shared_datasets / "gbk_exports" / "nbs_money_supply_1990-2021_gbk.csv")
    assert m2.frame.iloc[-1, 0] == "1999年12月" and m2.frame.shape[1] == 7


def test_real_chinese_xlsx(shared_datasets: Path) -> None:
    raw = read_source_file(shared_datasets / "chinese_sales" / "pharmacy_sales_2018.xlsx")
    assert raw.frame.columns.tolist() == [
        "购药时间",
        "社保卡号",
        "商品编码",
        "商品名称",
        "销售数量",
        "应收金额",
        "实收金额",
    ]
    # 6,578 data rows in the sheet, one of them blank
    assert len(raw.frame) == 6577
    assert "skipped 1 blank row(s)" in raw.notes
    assert raw.rows_of([0])[0] == 2 and raw.frame["购药时间"].iloc[0] == "2018-01-01 星期五"


def test_xlsx_title_rows_and_blank_rows(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2026年1月销售订单"])  # a merged title row
    ws.merge_cells("A1:E1")
    ws.append([])
    ws.append(["销售订单编号", "客户名称", "下单日期", "销售订单金额(元)", "负责人"])
    ws.append(["SO-1", "安可", "2026-01-05", 100.0, "李雷"])
    ws.append([None, None, None, None, None])
    ws.append(["SO-2", "贝塔", "2026-01-06", 200.0, "韩梅"])
    wb.save(tmp_path / "销售订单.xlsx")
    raw = read_source_file(tmp_path / "销售订单.xlsx")
    assert raw.frame["销售订单编号"].tolist() == ["SO-1", "SO-2"]
    assert raw.rows_of([0, 1]) == [4, 6]


def test_parquet_and_json_shapes(tmp_path: Path) -> None:
    pd.DataFrame({"a": ["x"], "b": [1.5]}).to_parquet(tmp_path / "t.parquet")
    assert read_source_file(tmp_path / "t.parquet").frame.to_dict("records") == [{"a": "x", "b": 1.5}]
    (tmp_path / "list.json").write_text('[{"a": 1, "o": {"id": "9"}}]', encoding="utf-8")
    assert read_source_file(tmp_path / "list.json").frame.columns.tolist() == ["a", "o.id"]
    (tmp_path / "lines.jsonl").write_text('{"a": 1}\n\n{"a": 2}\n', encoding="utf-8")
    raw = read_source_file(tmp_path / "lines.jsonl")
    assert raw.frame["a"].tolist() == [1, 2] and raw.rows_of([1]) == [3]


def test_reading_never_changes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(ROWS.encode("gbk"))
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    read_source_file(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv"]
