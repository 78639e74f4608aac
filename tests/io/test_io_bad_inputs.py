"""The bad-input corpus: every file gives a DataError naming the file (never a raw traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest

import sales_analytics as sa
from sales_analytics.errors import DataError

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"

# file -> (keyword arguments for read_table, fragment the message must contain)
EXPECTED: dict[str, tuple[dict, str]] = {
    "orders_empty.csv": ({}, "file is empty"),
    "orders_header_only.csv": ({}, "has a header but no data rows"),
    "orders_whitespace_only.csv": ({}, "has no header row"),
    "orders_latin1.csv": ({}, "not in a supported text encoding"),
    "orders_gbk_declared_utf8.csv": ({"encoding": "utf-8"}, "cannot be decoded as utf-8"),
    "orders_missing_amount.csv": ({}, "column 'amount': required column 'amount' is missing"),
    "reps_duplicated_ids.csv": ({}, "column 'rep_id': 2 rows share a rep_id with another row (rows 2, 4)"),
    "orders_text_in_amount.csv": ({}, "column 'amount': 1 row is not a number (row 3)"),
    "orders_impossible_dates.csv": ({}, "column 'order_date': 2 rows are not valid dates (rows 2, 3)"),
    "orders_mixed_date_formats.csv": ({}, "column 'order_date': mixed date formats"),
    "orders_binary_garbage.csv": ({}, "looks like a binary file"),
    "orders_formula_cell.csv": ({}, "column 'order_id': 1 cell looks like a spreadsheet formula (row 3)"),
    "orders_ragged.csv": ({}, "different number of fields than the header (row 3)"),
    "orders_duplicate_header.csv": ({}, "repeats column names ['amount']"),
    "orders_bad_status.csv": ({}, "column 'status': 1 row has a value that is not allowed (row 2)"),
    "orders_empty_required.csv": ({}, "column 'rep_id': 1 row is empty (row 2)"),
    "orders_implausible_year.csv": ({}, "column 'order_date': 2 rows have implausible dates"),
    "orders_not_parquet.parquet": ({}, "is not a readable Parquet file"),
    "orders_empty_rows.parquet": ({}, "has columns but no rows"),
    "orders_unsupported.docx": ({}, "unsupported file type '.docx'"),
    "reps_bad_bool.csv": ({}, "column 'active': 1 row is not a yes/no value (row 2)"),
    "targets_bad_month.csv": ({}, "column 'period': 1 row is not a month (row 2)"),
    "targets_negative.csv": ({}, "column 'target_amount': 1 row is below 0 (row 2)"),
    "deals_probability_over_100.csv": ({}, "column 'probability': 1 row is above 100 (row 2)"),
    "activities_bad_type.csv": ({}, "column 'activity_type': 1 row has a value that is not allowed"),
    "chat_messages_bad_time.csv": ({}, "column 'sent_at': 1 row is not a valid date (row 2)"),
    "orders_not_a_record_page.json": ({}, "JSON is not a record page"),
    "orders_json_scalar.json": ({}, "JSON is not a record page"),
    "orders_json_list_of_numbers.json": ({}, "holds values that are not records"),
    "orders_invalid.json": ({}, "is not valid JSON (line 1"),
    "orders_bad_lines.jsonl": ({}, "lines are not JSON records (rows 2, 3)"),
    "orders_fxiaoke_error.json": ({}, "the Fxiaoke response is an error: corpAccessToken 无效"),
    "orders_wecom_encrypted.json": ({}, "holds encrypted WeCom chat data"),
    "orders_truncated.xlsx": ({}, "is not a readable spreadsheet"),
    "orders_empty_sheet.xlsx": ({}, "the sheet is empty"),
}


def test_corpus_is_complete() -> None:
    files = {p.name for p in BAD.iterdir() if not p.name.startswith("_")}
    assert files == set(EXPECTED)
    assert len(files) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_gives_a_data_error_naming_it(name: str) -> None:
    kwargs, fragment = EXPECTED[name]
    path = BAD / name
    with pytest.raises(DataError) as info:
        sa.read_table(path, **kwargs)
    message = str(info.value)
    assert str(path) in message
    assert fragment in message
    assert all(p.file.startswith(str(path)) for p in info.value.problems)


def test_a_50_mb_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "orders_long_line.csv"
    with path.open("wb") as fh:
        fh.write(b"order_id,order_date,customer_id,rep_id,amount\n")
        fh.write(b"o1,2026-01-05,c1,r1," + b"9" * (50 * 1024 * 1024) + b"\n")
    with pytest.raises(DataError, match="longer than the reader's 8 MB block"):
        sa.read_table(path)


def test_missing_sheet_lists_the_sheets(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Orders"
    wb.active.append(["order_id"])
    wb.save(tmp_path / "orders.xlsx")
    with pytest.raises(DataError, match=r"sheet 'March' not found\. Expected one of \['Orders'\]"):
        sa.read_table(tmp_path / "orders.xlsx", sheet="March")


def test_missing_file_and_unknown_layout(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        sa.read_table(tmp_path / "nope.csv")
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="not a recognised table or export"):
        sa.read_table(tmp_path / "notes.csv")


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(DataError) as info:
        sa.read_table(BAD / "orders_empty_required.csv")
    columns = {p.column for p in info.value.problems}
    assert columns == {"order_date", "rep_id"}
    assert str(info.value).startswith("2 problems in the input data:")
