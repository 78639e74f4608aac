"""report.xlsx: sheet names, formatting, and no cell that can start a formula."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sales_analytics.errors import SalesAnalyticsError
from sales_analytics.report.excel import FORMULA_PREFIXES, excel_sheet_names, looks_like_formula, write_excel

DANGEROUS = [
    "=1+1",
    '=HYPERLINK("http://evil","x")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1",
    "\r=1",
]


def _text(cell) -> str:
    # OOXML stores some characters as _xHHHH_ (carriage return, control characters, a literal
    # "_x" sequence); Excel decodes them, openpyxl leaves them as stored
    if not isinstance(cell.value, str):
        return cell.value
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), cell.value)


def _cells_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_formula_looking_text_is_written_as_quoted_text(tmp_path):
    frame = pd.DataFrame({"period": ["2026-10"] * len(DANGEROUS), "note": DANGEROUS})
    path = tmp_path / "r.xlsx"
    write_excel(
        {"feedback_texts": frame, "=sheet": frame.rename(columns={"note": "=col"})},
        path,
        descriptions={"feedback_texts": "=evil()"},
        language="en",
    )
    assert "<f>" not in _cells_xml(path)  # no formula anywhere in the workbook
    wb = openpyxl.load_workbook(path)
    ws = wb["feedback_texts"]
    for row, text in enumerate(DANGEROUS, start=2):
        cell = ws.cell(row=row, column=2)
        assert _text(cell) == text  # the value is unchanged …
        assert cell.data_type == "s"  # … it is text …
        assert cell.quotePrefix  # … with Excel's leading apostrophe
    assert ws.cell(row=2, column=1).quotePrefix is False  # ordinary text is not quoted
    assert (
        wb["=sheet"].cell(row=1, column=2).value == "=col" and wb["=sheet"].cell(row=1, column=2).quotePrefix
    )
    contents = wb.worksheets[0]
    assert contents.title == "Contents"
    # contents: sheet (a link) · description · rows · table
    described = {contents.cell(row=r, column=4).value: contents.cell(row=r, column=2) for r in range(2, 4)}
    assert described["feedback_texts"].value == "=evil()" and described["feedback_texts"].quotePrefix
    link = {contents.cell(row=r, column=4).value: contents.cell(row=r, column=1) for r in range(2, 4)}[
        "=sheet"
    ]
    assert link.value == "=sheet" and link.quotePrefix and link.hyperlink.location == "'=sheet'!A1"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(
        st.text(alphabet=st.sampled_from("=+-@\t\r abc1(),;\"'!|华东"), min_size=1, max_size=12),
        min_size=1,
        max_size=6,
    )
)
def test_no_text_ever_becomes_a_formula(tmp_path, texts):
    path = tmp_path / "p.xlsx"
    write_excel({"t": pd.DataFrame({"period": ["2026-10"] * len(texts), "text": texts})}, path)
    assert "<f>" not in _cells_xml(path)
    ws = openpyxl.load_workbook(path)["t"]
    for row, text in enumerate(texts, start=2):
        cell = ws.cell(row=row, column=2)
        assert cell.data_type == "s"
        assert _text(cell) == text
        assert bool(cell.quotePrefix) == text.startswith(FORMULA_PREFIXES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=A1", True),
        ("+1", True),
        ("-1", True),
        ("@x", True),
        ("\tx", True),
        ("\rx", True),
        ("a=b", False),
        ("", False),
        ("华东一组", False),
        (" =A1", False),
    ],
)
def test_looks_like_formula(text, expected):
    assert looks_like_formula(text) is expected


@settings(max_examples=200)
@given(st.lists(st.from_regex(r"[a-z][a-z0-9_]{1,62}", fullmatch=True), min_size=1, max_size=30))
def test_sheet_names_are_short_valid_and_unique(names):
    sheets = excel_sheet_names(names, reserved=("Contents",))
    assert len(sheets) == len(names)
    assert all(1 <= len(s) <= 31 for s in sheets)
    assert len({s.lower() for s in sheets} | {"contents"}) == len(sheets) + 1
    assert not any(set(s) & set("[]:*?/\\") for s in sheets)


def test_long_statement_names_stay_distinct():
    names = [
        f"incentive_statement_{team}" for team in ("east_region_one", "east_region_two", "east_region_one_b")
    ]
    # 20 + 15 characters > 31: cut to 31, the clashes numbered within 31 characters
    assert excel_sheet_names(names) == [
        "incentive_statement_east_region",
        "incentive_statement_east_regi~2",
        "incentive_statement_east_regi~3",
    ]


def test_sheet_layout_formats_and_labels(tmp_path):
    frame = pd.DataFrame(
        {
            "period": ["2026-10", "2026-10"],
            "rep_id": ["R001", "R002"],
            "revenue": [1234.5, None],
            "orders": pd.array([3, 4], dtype="int64"),
            "pct_vs_previous": [1.1, 0.85],  # declared a fraction in the catalog: shown as %
            "order_date": pd.to_datetime(["2026-10-01", "2026-10-02"]),
            "sent_at": pd.to_datetime(["2026-10-01 01:30:00", "2026-10-02 02:00:00"]).tz_localize("UTC"),
            "active": [True, False],
        }
    )
    path = tmp_path / "r.xlsx"
    sheets = write_excel({"kpi_sales_by_rep": frame}, path, language="zh", title="月报 2026-10")
    assert sheets == {"kpi_sales_by_rep": "个人销售"}  # the catalog's title in the run's language
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["目录", "个人销售"]  # no chart sheet: no monthly sales table
    ws = wb["个人销售"]
    assert ws.freeze_panes == "A2"  # header row frozen
    # labels from labels/common.yaml, money with its currency
    assert [c.value for c in ws[1]][:3] == ["期间", "销售编号", "营收（元）"]
    assert all(c.font.bold for c in ws[1][:8])
    back = ws.cell(row=1, column=10)  # right of the table, one column apart: back to the contents
    assert back.value == "← 返回目录" and back.hyperlink.location == "'目录'!A1"
    assert ws["C2"].value == 1234.5 and ws["C2"].number_format == "#,##0.00"
    assert ws["C3"].value is None  # NaN → empty cell, never the text 'nan'
    assert ws["D2"].number_format == "#,##0" and ws["E2"].number_format == "0.0%"
    assert ws["F2"].number_format == "yyyy-mm-dd" and ws["F2"].value.year == 2026
    assert (
        ws["G2"].value.hour == 1 and ws["G2"].number_format == "yyyy-mm-dd hh:mm:ss"
    )  # tz dropped, wall time kept
    assert ws["H2"].value == "是" and ws["H3"].value == "否"  # flags in the run's language
    assert ws.column_dimensions["B"].width >= 8
    contents = wb["目录"]
    assert contents["A1"].value == "月报 2026-10"
    assert [c.value for c in contents[3]] == ["工作表", "说明", "行数", "数据表"]
    assert [c.value for c in contents[4]] == [
        "个人销售",
        "每位销售每月的销售 KPI 与环比、同比",
        2,
        "kpi_sales_by_rep",
    ]
    assert contents["A4"].hyperlink.location == "'个人销售'!A1"


def test_same_tables_give_the_same_bytes(tmp_path):
    frame = pd.DataFrame({"period": ["2026-10"], "revenue": [1.0]})
    write_excel({"kpi_x": frame}, tmp_path / "a.xlsx")
    write_excel({"kpi_x": frame}, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_bad_language_is_refused(tmp_path):
    with pytest.raises(SalesAnalyticsError, match=r"language must be one of \['en', 'zh'\]; got 'fr'"):
        write_excel({}, tmp_path / "x.xlsx", language="fr")


def test_every_kind_of_value_reads_back_as_written(tmp_path):
    from datetime import date, datetime

    frame = pd.DataFrame(
        {
            "text": [
                "华东一组",
                " padded ",
                "a & b < c > d",
                "line\nbreak",
                "_x0041_ literal",
                "bell\x07",
                None,
            ],
            "number": [1.5, -0.000012345, 1e16, float("nan"), float("inf"), 3.0, 123456789.125],
            "count": pd.array([1, None, 3, 4, 5, 6, 2**40], dtype="Int64"),
            "flag": pd.array([True, False, None, True, True, False, True], dtype="boolean"),
            "when": pd.to_datetime(
                [
                    "2026-10-01 08:30:00",
                    None,
                    "1900-01-15",
                    "1900-03-01",
                    "2026-01-01",
                    "2026-12-31 23:59:59",
                    "2000-02-29",
                ],
                format="ISO8601",
            ),
            "day": [
                date(2026, 10, 1),
                None,
                date(2026, 10, 3),
                date(2026, 10, 4),
                date(2026, 10, 5),
                date(2026, 10, 6),
                date(2026, 10, 7),
            ],
            "mixed": pd.Series(["x", 2, 2.5, True, None, "=bad", "y"], dtype=object),
        }
    )
    path = tmp_path / "kinds.xlsx"
    write_excel({"t": frame}, path, language="en")
    with zipfile.ZipFile(path) as z:  # every part is well-formed XML
        import xml.etree.ElementTree as ET

        for name in z.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                ET.fromstring(z.read(name))
    ws = openpyxl.load_workbook(path)["t"]
    got = [[_text(c) for c in row] for row in ws.iter_rows(min_row=2, max_row=8)]
    assert [r[0] for r in got] == [
        "华东一组",
        " padded ",
        "a & b < c > d",
        "line\nbreak",
        "_x0041_ literal",
        "bell\x07",
        None,
    ]
    assert [r[1] for r in got] == [1.5, -0.000012345, 1e16, None, None, 3, 123456789.125]
    assert [r[2] for r in got] == [1, None, 3, 4, 5, 6, 2**40]
    assert [r[3] for r in got] == ["Yes", "No", None, "Yes", "Yes", "No", "Yes"]  # flags read as words
    assert [r[4] for r in got] == [
        datetime(2026, 10, 1, 8, 30),
        None,
        datetime(1900, 1, 15),
        datetime(1900, 3, 1),
        datetime(2026, 1, 1),
        datetime(2026, 12, 31, 23, 59, 59),
        datetime(2000, 2, 29),
    ]
    assert got[0][5] == datetime(2026, 10, 1) and ws["F2"].number_format == "yyyy-mm-dd" and got[1][5] is None
    assert [r[6] for r in got] == ["x", 2, 2.5, True, None, "=bad", "y"] and ws["G7"].quotePrefix
    assert ws["E2"].number_format == "yyyy-mm-dd hh:mm:ss" and ws["B2"].number_format == "#,##0.00"
    assert ws.max_row == 8 and ws.auto_filter.ref == "A1:G8"


def test_empty_and_column_less_tables(tmp_path):
    path = tmp_path / "empty.xlsx"
    write_excel(
        {"no_rows": pd.DataFrame({"period": pd.Series([], dtype="str")}), "no_columns": pd.DataFrame()}, path
    )
    wb = openpyxl.load_workbook(path)
    assert wb["no_rows"]["A1"].value == "期间" and wb["no_rows"]["A2"].value is None
    assert wb["no_columns"].max_row == 1


def test_a_table_longer_than_excel_allows_is_cut_and_says_so(tmp_path, monkeypatch):
    from sales_analytics.report import excel

    monkeypatch.setattr(excel, "EXCEL_MAX_ROWS", 4)  # header + 3 rows
    frame = pd.DataFrame({"period": ["2026-10"] * 10, "seq_no": range(10)})
    path = tmp_path / "cut.xlsx"
    excel.write_excel({"kpi_long": frame}, path, descriptions={"kpi_long": "Long"}, language="en")
    wb = openpyxl.load_workbook(path)
    sheet = wb["kpi_long"]
    assert [c.value for c in sheet["B"]] == ["seq_no", 0, 1, 2]
    # the sheet itself says it was cut, right of its header row (D1: the link back to the contents)
    note = "first 3 of 10 rows; the whole table is tables/kpi_long.parquet"
    assert sheet["D1"].value == "← Contents" and sheet["E1"].value == note
    assert sheet["E1"].font.b and sheet.max_row == 4
    contents = wb["Contents"]
    assert contents["C2"].value == 10 and contents["B2"].value == f"Long ({note})"


def test_a_cut_sheet_names_the_file_of_its_whole_table_in_chinese(tmp_path, monkeypatch):
    from sales_analytics.report import excel

    monkeypatch.setattr(excel, "EXCEL_MAX_ROWS", 3)  # header + 2 rows
    long = pd.DataFrame({"period": ["2026-10"] * 2_500, "seq_no": range(2_500)})
    short = pd.DataFrame({"period": ["2026-10"], "seq_no": [7]})
    path = tmp_path / "cut_zh.xlsx"
    excel.write_excel(
        {"kpi_long": long, "kpi_short": short},
        path,
        descriptions={"kpi_long": "长表", "kpi_short": "短表"},
        sources={"kpi_long": "tables/elsewhere/kpi_long.parquet"},
        language="zh",
    )
    wb = openpyxl.load_workbook(path)
    # 2 of 2,500 rows kept (the limit of 3 rows less the header row), thousands separated
    note = "仅含前 2 行，共 2,500 行；完整表见 tables/elsewhere/kpi_long.parquet"
    assert wb["kpi_long"]["E1"].value == note
    assert [c.value for c in wb["kpi_long"]["B"]] == ["seq_no", 0, 1]
    assert wb["kpi_short"]["E1"].value is None  # a table that fits says nothing
    contents = wb["目录"]
    descriptions = {
        contents.cell(r, 4).value: contents.cell(r, 2).value for r in range(2, contents.max_row + 1)
    }
    assert descriptions["kpi_long"] == f"长表 ({note})"
    assert descriptions["kpi_short"] == "短表"


def test_statement_totals_are_bold_and_lines_read_in_the_runs_language(tmp_path):
    """Totals per rep and team in bold (values, no formula); the engine's English notes translated."""
    lines = pd.DataFrame(
        {
            "period": ["2026-10"] * 3,
            "rep_id": ["R1", "R1", "R2"],
            "rep_name": ["甲", "甲", "乙"],
            "team": ["T"] * 3,
            "plan_id": ["standard"] * 3,
            "line_no": pd.array([1, 2, 1], dtype="int64"),
            "line_type": ["commission", "clawback", "commission"],
            "description": [
                "marginal: slice 0.00 – 1,000.00 at its own rate",
                "refund O9-R of order O9 (2026-09): 100% of the commission paid on it",
                "no credited sales",
            ],
            "tier": ["1: 0 – 100,000", None, None],
            "source_order_ids": ["O1", "O9-R", ""],
            "n_orders": pd.array([1, 1, 0], dtype="int64"),
            "base_amount": [1000.0, -100.0, 0.0],
            "rate": [0.03, 0.03, 0.0],
            "adjustment": [None, "rate paid 3.00% × clawback 100%", None],
            "amount": [30.0, -3.0, 0.0],
            "amount_cents": pd.array([3000, -300, 0], dtype="int64"),
            "amount_exact": ["30", "-3", "0"],
        }
    )
    path = tmp_path / "r.xlsx"
    write_excel({"incentive_statements": lines}, path, language="zh")
    ws = openpyxl.load_workbook(path)["提成明细单"]
    header = [c.value for c in ws[1]]
    kind, text, note, amount = (header.index(h) for h in ("项目类型", "说明", "调整依据", "金额（元）"))
    rows = list(ws.iter_rows(min_row=2))
    # R1: 30 − 3 = 27; R2: 0; team 27
    assert [(r[kind].value, r[amount].value) for r in rows] == [
        ("提成", 30.0),
        ("提成追回", -3.0),
        ("个人合计", 27.0),
        ("提成", 0.0),
        ("个人合计", 0.0),
        ("团队合计", 27.0),
    ]
    assert [r[kind].font.bold for r in rows] == [False, False, True, False, True, True]
    assert all(c.font.bold for c in rows[2] if c.value is not None)  # the whole total row
    assert rows[2][amount].number_format == rows[0][amount].number_format  # still money
    assert [rows[i][text].value for i in (0, 1, 3)] == [
        "提成：档位 1: 0 – 100,000",
        "提成追回：退款 O9-R，按 3.0% 追回已付提成",
        "提成：本期未计提成（无计提业绩、未达门槛或无目标）",
    ]
    assert rows[1][note].value == "已付提成率 3.00% × 追回比例 100%"
    assert "<f>" not in _cells_xml(path)  # totals are values
