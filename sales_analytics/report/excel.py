"""The Excel report: one formatted sheet per result table, no cell able to run a formula.

``write_excel`` turns the tables a run collected into ``report.xlsx``: a
contents sheet first (table, sheet, rows, description), then one sheet per
table with a bold header row frozen in place, column widths fitted to the
content (CJK characters count double) and number formats by dtype.

Every text cell is written with ``write_string`` and the workbook has
xlsxwriter's ``strings_to_formulas`` / ``strings_to_urls`` conversions turned
off, so no value can become a formula or a link. Text that Excel (or a user
re-typing the cell) would read as a formula, because it starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return, additionally gets the cell's
quote prefix: Excel's own "leading apostrophe", shown as text and never
evaluated, while the value itself stays unchanged.

>>> import tempfile, pandas as pd
>>> from pathlib import Path
>>> out = Path(tempfile.mkdtemp()) / "report.xlsx"
>>> sheets = write_excel({"kpi_sales": pd.DataFrame({"period": ["2026-10"], "revenue": [1200.5]})}, out)
>>> sheets
{'kpi_sales': 'kpi_sales'}
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sales_analytics.errors import SalesAnalyticsError
from sales_analytics.report.labels import label

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

__all__ = ["FORMULA_PREFIXES", "excel_sheet_names", "looks_like_formula", "write_excel"]

log = logging.getLogger(__name__)

# A text cell starting with one of these could be taken for a formula (OWASP "CSV injection").
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_ROWS = 1_048_576
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAX_SHEET_NAME = 31
_MAX_WIDTH = 60
_WIDTH_SAMPLE = 2000
# Written into the workbook's properties so that the same tables give the same bytes.
_FIXED_CREATED = datetime(2000, 1, 1)
_PERCENT_COLUMN = re.compile(r"(^|_)(rate|share|attainment)($|_)")


def looks_like_formula(text: str) -> bool:
    """Whether a text cell could be read as a formula by a spreadsheet.

    >>> looks_like_formula("=HYPERLINK(\\"http://x\\")"), looks_like_formula("-5 days"), looks_like_formula("华东")
    (True, True, False)
    """
    return text.startswith(FORMULA_PREFIXES)


def excel_sheet_names(names: list[str], reserved: tuple[str, ...] = ()) -> list[str]:
    """Valid, unique sheet names (≤ 31 characters, no ``[]:*?/\\``) for table names, in order.

    Names are compared case-insensitively, as Excel does; a clash gets a ``~2``,
    ``~3`` … suffix within the 31 characters.

    >>> excel_sheet_names(["incentive_statement_east_region_a", "incentive_statement_east_region_b"])
    ['incentive_statement_east_region', 'incentive_statement_east_regi~2']
    """
    taken = {r.lower() for r in reserved}
    out = []
    for name in names:
        base = _SHEET_FORBIDDEN.sub("_", name).strip("'") or "sheet"
        candidate = base[:_MAX_SHEET_NAME]
        n = 1
        while candidate.lower() in taken:
            n += 1
            suffix = f"~{n}"
            candidate = base[: _MAX_SHEET_NAME - len(suffix)] + suffix
        taken.add(candidate.lower())
        out.append(candidate)
    return out


def _display_width(text: str) -> int:
    """Columns a text needs: CJK characters count double.

    >>> _display_width("abc"), _display_width("华东一组")
    (3, 8)
    """
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _column_kind(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "timedelta"
    return "object"


def _prepared(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with tz-aware timestamps as local wall time (Excel has no time zones)."""
    out = frame.reset_index(drop=True)
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_localize(None)
        elif pd.api.types.is_timedelta64_dtype(out[col].dtype):
            out[col] = out[col].astype(str)
    return out


class _Writer:
    """Cell writing with one place that decides how a Python value becomes a cell."""

    def __init__(self, workbook: Workbook) -> None:
        self.text = workbook.add_format({"text_wrap": False})
        self.quoted = workbook.add_format({"quote_prefix": True})
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.header_quoted = workbook.add_format(
            {
                "bold": True,
                "bg_color": "#DDEBF7",
                "border": 1,
                "text_wrap": True,
                "valign": "top",
                "quote_prefix": True,
            }
        )
        self.title = workbook.add_format({"bold": True, "font_size": 13})
        self.formats = {
            "int": workbook.add_format({"num_format": "#,##0"}),
            "float": workbook.add_format({"num_format": "#,##0.00"}),
            "percent": workbook.add_format({"num_format": "0.0%"}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        }

    def string(self, sheet: Worksheet, row: int, col: int, text: str, *, header: bool = False) -> None:
        if looks_like_formula(text):
            sheet.write_string(row, col, text, self.header_quoted if header else self.quoted)
        else:
            sheet.write_string(row, col, text, self.header if header else None)

    def value(self, sheet: Worksheet, row: int, col: int, value: object, fmt: Format | None) -> None:
        if value is None or value is pd.NaT or value is pd.NA:
            sheet.write_blank(row, col, None)
        elif isinstance(value, (bool, np.bool_)):
            sheet.write_boolean(row, col, bool(value))
        elif isinstance(value, (int, np.integer)):
            sheet.write_number(row, col, int(value), fmt)
        elif isinstance(value, (float, np.floating)):
            if math.isnan(value) or math.isinf(value):
                sheet.write_blank(row, col, None)
            else:
                sheet.write_number(row, col, float(value), fmt)
        elif isinstance(value, (pd.Timestamp, datetime)):
            stamp = pd.Timestamp(value)
            if stamp.tzinfo is not None:
                stamp = stamp.tz_localize(None)
            sheet.write_datetime(row, col, stamp.to_pydatetime(), fmt)
        elif isinstance(value, date):
            sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), self.formats["date"])
        else:
            self.string(sheet, row, col, str(value))


def _column_format(writer: _Writer, name: str, kind: str, series: pd.Series) -> Format | None:
    if kind == "float" and _PERCENT_COLUMN.search(name):
        return writer.formats["percent"]
    if kind in ("int", "float"):
        return writer.formats[kind]
    if kind == "datetime":
        values = series.dropna()
        if len(values) and (values.dt.normalize() == values).all():
            return writer.formats["date"]
        return writer.formats["datetime"]
    return None


def _width(header: str, series: pd.Series, kind: str) -> float:
    sample = series.iloc[:_WIDTH_SAMPLE].dropna()
    if kind == "float":
        texts = [f"{v:,.2f}" for v in sample]
    elif kind == "int":
        texts = [f"{v:,}" for v in sample]
    elif kind == "datetime":
        texts = ["yyyy-mm-dd hh:mm:ss"] if len(sample) else []
    else:
        texts = [str(v) for v in sample]
    widest = max([_display_width(header)] + [_display_width(t) for t in texts])
    return float(min(max(widest + 2, 8), _MAX_WIDTH))


def _write_column(
    writer: _Writer, sheet: Worksheet, c: int, series: pd.Series, kind: str, n: int, fmt: Format | None
) -> None:
    """Write rows 1…n of one column; missing values leave the cell empty."""
    series = series.iloc[:n]
    if kind == "float":
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        for r in np.flatnonzero(np.isfinite(values)).tolist():
            sheet.write_number(r + 1, c, float(values[r]), fmt)
    elif kind == "int":
        for r, v in enumerate(series.to_numpy(dtype=object, na_value=None).tolist()):
            if v is not None:
                sheet.write_number(r + 1, c, int(v), fmt)
    elif kind == "datetime":
        for r, v in enumerate(series.dt.to_pydatetime().tolist()):
            if v is not None and v is not pd.NaT:
                sheet.write_datetime(r + 1, c, v, fmt)
    else:
        for r, v in enumerate(series.to_numpy(dtype=object, na_value=None).tolist()):
            if isinstance(v, str):
                writer.string(sheet, r + 1, c, v)
            elif v is not None:
                writer.value(sheet, r + 1, c, v, fmt)


def _write_table(writer: _Writer, sheet: Worksheet, frame: pd.DataFrame, language: str) -> int:
    """Write header + rows; return the number of data rows written."""
    frame = _prepared(frame)
    n = min(len(frame), EXCEL_MAX_ROWS - 1)
    for c, name in enumerate(frame.columns):
        header = label(str(name), language)
        writer.string(sheet, 0, c, header, header=True)
        series = frame.iloc[:, c]
        kind = _column_kind(series)
        fmt = _column_format(writer, str(name), kind, series)
        sheet.set_column(c, c, _width(header, series, kind), fmt)
        _write_column(writer, sheet, c, series, kind, n, fmt)
    sheet.freeze_panes(1, 0)
    if len(frame.columns):
        sheet.autofilter(0, 0, max(n, 1), len(frame.columns) - 1)
    return n


def write_excel(
    tables: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    descriptions: Mapping[str, str] | None = None,
    language: str = "zh",
    title: str = "",
) -> dict[str, str]:
    """Write ``tables`` to an .xlsx workbook, one formatted sheet per table.

    Parameters
    ----------
    tables : table name → frame, in the order the sheets should appear.
    path : the workbook to write (replaced if it exists).
    descriptions : table name → one-line description shown on the contents sheet.
    language : ``zh`` or ``en``; header cells carry the column labels in that language.
    title : shown above the contents list.

    Returns
    -------
    dict
        Table name → sheet name (sheet names are ≤ 31 characters and unique).

    The contents sheet lists ``table, sheet, rows, description``; a table longer
    than Excel's row limit is cut there and the contents sheet says so.
    """
    import xlsxwriter

    if language not in ("zh", "en"):
        raise SalesAnalyticsError(f"language must be one of ['en', 'zh']; got {language!r}")
    descriptions = descriptions or {}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    contents_name = label("run_contents", language)[:_MAX_SHEET_NAME]
    names = list(tables)
    sheet_names = dict(zip(names, excel_sheet_names(names, reserved=(contents_name,))))
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": False,
        },
    )
    try:
        workbook.set_properties({"title": title or "Sales Team Workbook", "created": _FIXED_CREATED})
        writer = _Writer(workbook)
        contents = workbook.add_worksheet(contents_name)
        headers = [label(k, language) for k in ("run_table", "run_sheet", "run_rows", "run_description")]
        first = 0
        if title:
            writer.string(contents, 0, 0, title)
            contents.set_row(0, None, writer.title)
            first = 2
        for c, h in enumerate(headers):
            writer.string(contents, first, c, h, header=True)
        for c, width in enumerate((34, 34, 12, 80)):
            contents.set_column(c, c, width)
        contents.freeze_panes(first + 1, 0)
        for i, name in enumerate(names):
            frame = tables[name]
            sheet = workbook.add_worksheet(sheet_names[name])
            written = _write_table(writer, sheet, frame, language)
            description = descriptions.get(name, "")
            if written < len(frame):
                note = label("run_truncated", language).format(rows=written, total=len(frame))
                description = f"{description} ({note})" if description else note
                log.warning(
                    "table %s has %d rows; the Excel sheet holds the first %d", name, len(frame), written
                )
            row = first + 1 + i
            writer.string(contents, row, 0, name)
            writer.string(contents, row, 1, sheet_names[name])
            contents.write_number(row, 2, len(frame), writer.formats["int"])
            writer.string(contents, row, 3, description)
    finally:
        workbook.close()
    log.info("wrote %s (%d sheets)", path, len(names) + 1)
    return sheet_names
