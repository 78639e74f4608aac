"""The Excel report: one formatted sheet per result table, no cell able to run a formula.

``write_excel`` turns the tables a run collected into ``report.xlsx``: a
contents sheet first (table, sheet, rows, description), then one sheet per
table with a bold header row frozen in place, column widths fitted to the
content (CJK characters count double) and number formats by dtype.

xlsxwriter writes the workbook (contents sheet, header rows, widths, number
formats, frozen pane, autofilter) with its ``strings_to_formulas`` /
``strings_to_urls`` conversions off and every header or contents text through
``write_string``. The data rows of each table are then built column by column
as OOXML cells and spliced into the sheets: numbers as ``<v>`` values, text as
inline strings (``t="inlineStr"``), never an ``<f>`` formula element. Text
that Excel (or a user re-typing the cell) would read as a formula, because it
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, also gets
the cell's quote prefix: Excel's own "leading apostrophe", shown as text and
never evaluated, while the value itself stays unchanged.

>>> import tempfile, pandas as pd
>>> from pathlib import Path
>>> out = Path(tempfile.mkdtemp()) / "report.xlsx"
>>> sheets = write_excel({"kpi_sales": pd.DataFrame({"period": ["2026-10"], "revenue": [1200.5]})}, out)
>>> sheets
{'kpi_sales': 'kpi_sales'}
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sales_analytics.errors import SalesAnalyticsError
from sales_analytics.privacy import without_contact_columns
from sales_analytics.report.excel_layout import (
    TOTAL_LINE_TYPES,
    detail_labels,
    detail_title,
    id_detail,
    is_family,
    is_statement,
    sheet_title,
    split_id_lists,
    with_statement_totals,
)
from sales_analytics.report.labels import label
from sales_analytics.report.present import column_views, display_frame, excel_number_format
from sales_analytics.tables import describe
from sales_analytics.vocabulary import LANGUAGES

if TYPE_CHECKING:
    import pyarrow as pa
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

__all__ = [
    "FORMULA_PREFIXES",
    "PreparedTable",
    "assemble_excel",
    "excel_sheet_names",
    "looks_like_formula",
    "prepare_table",
    "write_excel",
]

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
    # UTF-8 takes 3 bytes for a CJK character and 1 for ASCII: (chars + bytes) / 2 counts CJK double
    return (len(text) + len(text.encode("utf-8"))) // 2


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
    """A copy ready for cells: contact columns dropped (:mod:`sales_analytics.privacy`), tz-aware
    timestamps as local wall time (Excel has no time zones), durations as text, columns of
    ``datetime.date`` objects as dates."""
    out = without_contact_columns(frame.reset_index(drop=True))
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_localize(None)
        elif pd.api.types.is_timedelta64_dtype(out[col].dtype):
            out[col] = out[col].astype(str)
        elif out[col].dtype == object and pd.api.types.infer_dtype(out[col], skipna=True) in (
            "date",
            "datetime",
        ):
            out[col] = pd.to_datetime(out[col])  # datetime.date objects become a date column
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
        self.link = workbook.add_format({"font_color": "#0563C1", "underline": 1})
        self.link_quoted = workbook.add_format(
            {"font_color": "#0563C1", "underline": 1, "quote_prefix": True}
        )
        self._workbook = workbook
        self.formats = {
            "int": workbook.add_format({"num_format": "#,##0"}),
            "float": workbook.add_format({"num_format": "#,##0.00"}),
            "percent": workbook.add_format({"num_format": "0.0%"}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        }
        # one Format per number format: xlsxwriter gives a second, equal Format no index of its own
        self._by_number_format = {f.num_format: f for f in self.formats.values()}
        self._bold: dict[str, Format] = {}
        self._warning: Format | None = None
        # Every format a data cell can take gets its style number now, in a fixed order (xlsxwriter
        # otherwise numbers them by first use, in sheet order, when it closes the workbook): a
        # sheet's rows can then be written before the other sheets are known (prepare_table).
        self.quoted._get_xf_index()
        for num_format in _ROW_NUMBER_FORMATS:
            self.number_format(num_format)._get_xf_index()
        for num_format in ("", *_ROW_NUMBER_FORMATS):
            self._bold_twin(num_format)._get_xf_index()

    def bold(self, fmt: Format | None) -> Format:
        """The bold twin of a column's cell format (a statement's total rows)."""
        return self._bold_twin(getattr(fmt, "num_format", "") or "")

    def _bold_twin(self, num_format: str) -> Format:
        if num_format not in self._bold:
            props: dict[str, object] = {"bold": True}
            if num_format:
                props["num_format"] = num_format
            self._bold[num_format] = self._workbook.add_format(props)
        return self._bold[num_format]

    def number_format(self, num_format: str) -> Format:
        """One shared cell format per number format string."""
        if num_format not in self._by_number_format:
            self._by_number_format[num_format] = self._workbook.add_format({"num_format": num_format})
        return self._by_number_format[num_format]

    def link_to(self, sheet: Worksheet, row: int, col: int, target: str, text: str) -> None:
        """A hyperlink to cell A1 of sheet ``target`` (a link, never a HYPERLINK formula)."""
        location = "internal:'" + target.replace("'", "''") + "'!A1"
        sheet.write_url(row, col, location, self.link_quoted if looks_like_formula(text) else self.link, text)

    def string(
        self, sheet: Worksheet, row: int, col: int, text: str, *, header: bool = False, warning: bool = False
    ) -> None:
        if warning:  # created on first use: a workbook without a warning keeps its styles as they were
            if self._warning is None:
                self._warning = self._workbook.add_format(
                    {"bold": True, "font_color": "#C00000", "quote_prefix": True}
                )
            sheet.write_string(row, col, text, self._warning)
        elif looks_like_formula(text):
            sheet.write_string(row, col, text, self.header_quoted if header else self.quoted)
        else:
            sheet.write_string(row, col, text, self.header if header else None)


def _row_number_formats() -> tuple[str, ...]:
    """Every number format :func:`present.excel_number_format` gives a column, in a fixed order."""
    from sales_analytics.report.present import _EXCEL_FORMATS

    return tuple(dict.fromkeys([*_EXCEL_FORMATS.values(), "#,##0", "yyyy-mm-dd hh:mm:ss"]))


_ROW_NUMBER_FORMATS = _row_number_formats()


@functools.cache
def _row_styles() -> dict[tuple[str, str], str]:
    """The style attribute (`` s="7"``) of every data-cell format, as every workbook numbers them."""
    import io

    import xlsxwriter

    workbook = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    writer = _Writer(workbook)

    def attribute(fmt: Format) -> str:
        return f' s="{fmt.xf_index}"'

    styles = {("num", ""): "", ("quoted", ""): attribute(writer.quoted)}
    for num_format in _ROW_NUMBER_FORMATS:
        styles["num", num_format] = attribute(writer.number_format(num_format))
    for num_format in ("", *_ROW_NUMBER_FORMATS):
        styles["bold", num_format] = attribute(writer._bold_twin(num_format))
    workbook.fileclosed = True  # never written: nothing to close
    return styles


def truncated_text(rows: int, total: int, whole: str, language: str = "zh") -> str:
    """What a sheet cut at Excel's row limit says: rows kept of how many, where the whole table is.

    >>> truncated_text(1_048_575, 2_000_000, "tables/incentive_order_credits.parquet", "en")
    'first 1,048,575 of 2,000,000 rows; the whole table is tables/incentive_order_credits.parquet'
    """
    return label("run_truncated", language).format(rows=f"{rows:,}", total=f"{total:,}", where=whole)


def _number_format(unit: str, kind: str, source: pd.Series, decimals: int | None = None) -> str | None:
    """The number format of a column from its catalog unit (:func:`present.excel_number_format`)."""
    if kind == "datetime":
        unit = "date"
    if kind not in ("int", "float", "datetime", "object"):
        return None
    return excel_number_format(unit, source, decimals=decimals) or None


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


# Cell XML: the data rows of every table sheet are built here, column by column, and
# spliced into the sheet xlsxwriter wrote (header, widths, formats, frozen pane,
# autofilter). xlsxwriter's per-cell Python work (about 8 µs a cell) made report.xlsx
# the slowest step of a run; building the same <c> elements in bulk is ~10× faster.
_CONTROL = re.compile(r"[\x00-\x08\x0B-\x1F]")
_ESCAPE_LIKE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_EDGE_SPACE = re.compile(r"^\s|\s$")
_MAX_TEXT = 32767  # Excel's limit for one cell
# A text that may need more than its cell tags (RE2 syntax, for Arrow): a space at either end (every
# character Python's \s takes, and more), a character to escape, or a formula's first character.
_SPACE_CLASS = r"[\t\n\x0b\x0c\r\x1c-\x1f\x85\p{Z}]"
_NEEDS_CARE = rf"^{_SPACE_CLASS}|{_SPACE_CLASS}$|[&<>\x00-\x08\x0b-\x1f]|_x|^[=+\-@\t\r]"
# zlib level 1: a third of level 6's time on the sheets, for a file about a third larger
_ZIP_LEVEL = 1
_EPOCH = np.datetime64("1899-12-31T00:00:00", "ns")


def _xml_text(text: str) -> str:
    """Cell text as OOXML stores it (the escaping xlsxwriter applies to shared strings)."""
    text = text[:_MAX_TEXT]
    if "_x" in text:
        text = _ESCAPE_LIKE.sub(r"_x005F\1", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text


def _excel_serials(values: np.ndarray) -> np.ndarray:
    """datetime64 → Excel's 1900 serial numbers (with its 1900-02-29, as xlsxwriter computes them)."""
    days = (values.astype("datetime64[ns]") - _EPOCH) / np.timedelta64(1, "D")
    return np.where(days > 59, days + 1, days)


def _utf8(text: str) -> str:
    """``text`` as UTF-8 can hold it: a lone surrogate becomes ``?`` (as ``encode(errors="replace")``)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="replace").decode("utf-8")
    return text


def _strings(values: list[str | None]) -> pa.Array:
    """An Arrow string column (``None``: null) of Python strings."""
    import pyarrow as pa

    try:
        return pa.array(values, pa.large_string())
    except UnicodeEncodeError:
        return pa.array([None if v is None else _utf8(v) for v in values], pa.large_string())


def _taken(texts: list[str | None], codes: np.ndarray) -> pa.Array:
    """``texts[code]`` for every row; a code of -1 (a missing value) gives null."""
    import pyarrow as pa

    return _strings(texts).take(pa.array(codes, mask=codes < 0))


def _escaped(text: str) -> tuple[str, bool]:
    """The inline-string XML after a cell's style (``t=…><is><t>…</t></is></c>``) and whether the
    text needs the quote prefix (it could be read as a formula)."""
    text = text[:_MAX_TEXT]
    space = ' xml:space="preserve"' if _EDGE_SPACE.search(text) else ""
    return f' t="inlineStr"><is><t{space}>{_xml_text(text)}</t></is></c>', looks_like_formula(text)


def _join(*parts: object) -> pa.Array:
    """Element-wise concatenation of Arrow string columns and scalars (null where any part is)."""
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(*[_large(p) for p in parts], _large(""))


def _large(part: object) -> object:
    """A Python string as an Arrow large_string scalar (Arrow's kernels take one string type at once)."""
    import pyarrow as pa

    return pa.scalar(part, pa.large_string()) if isinstance(part, str) else part


def _column_cells(
    series: pd.Series, kind: str, refs: pa.Array, styles: str | pa.Array, quoted: str
) -> pa.Array:
    """One ``<c>`` element per row, as an Arrow string column (null for a missing value).

    A cell's text is written once per distinct value of the column (a long table repeats its teams,
    reps, plans and amounts in many rows) and taken for each row by its code; the references and
    styles are joined to it by Arrow, without a Python step per cell. ``styles`` holds each row's
    ``s="…"`` attribute ('' for none), or one for all rows.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    head = _join('<c r="', refs, '"')
    if kind in ("float", "datetime"):
        values = (
            series.to_numpy(dtype="float64", na_value=np.nan)
            if kind == "float"
            else _excel_serials(series.to_numpy())
        )
        # distinct bit patterns, not values: -0.0 keeps its sign, as it is written
        codes, uniques = pd.factorize(np.ascontiguousarray(values).view(np.int64))
        texts = [
            f"{v:.16G}" if math.isfinite(v) else None
            for v in np.asarray(uniques, dtype=np.int64).view(np.float64).tolist()
        ]
        return _join(head, styles, "><v>", _taken(texts, codes), "</v></c>")
    if kind == "object" and pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        codes, uniques = pd.factorize(series.astype("str"))  # a missing value gets code -1
        texts = pa.array(uniques, pa.large_string())
        # Most texts (ids, names) need no escaping, no space kept and no quote prefix: Arrow writes
        # those; the few the pattern flags (a superset) are escaped one by one in Python.
        flagged = pc.or_(
            pc.match_substring_regex(texts, _NEEDS_CARE), pc.greater(pc.utf8_length(texts), _MAX_TEXT)
        ).to_numpy(zero_copy_only=False)
        tails = _join(' t="inlineStr"><is><t>', texts, "</t></is></c>")
        formula = np.zeros(len(texts) + 1, dtype=bool)  # the last one: code -1
        if flagged.any():
            picked = np.flatnonzero(flagged)
            escaped = [_escaped(text) for text in texts.take(pa.array(picked)).to_pylist()]
            tails = pc.replace_with_mask(tails, pa.array(flagged), _strings([t for t, _ in escaped]))
            formula[picked] = [f for _, f in escaped]
        if formula[codes].any():
            styles = pc.if_else(pa.array(formula[codes]), _large(quoted), _large(styles))
        return _join(head, styles, tails.take(pa.array(codes, mask=codes < 0)))
    if kind in ("int", "bool"):
        codes, uniques = pd.factorize(series)
        if kind == "int":
            texts = [f"{int(v):.16G}" for v in uniques.tolist()]
            return _join(head, styles, "><v>", _taken(texts, codes), "</v></c>")
        texts = [str(int(bool(v))) for v in uniques.tolist()]
        return _join(head, ' t="b"><v>', _taken(texts, codes), "</v></c>")
    out: list[str | None] = []
    row_styles = [styles] * len(series) if isinstance(styles, str) else styles.to_pylist()
    values = series.to_numpy(dtype=object, na_value=None).tolist()
    for ref, s, v in zip(refs.to_pylist(), row_styles, values):
        if v is None or v is pd.NaT or (isinstance(v, float) and not math.isfinite(v)):
            out.append(None)
        elif isinstance(v, (bool, np.bool_)):
            out.append(f'<c r="{ref}" t="b"><v>{int(v)}</v></c>')
        elif isinstance(v, (int, float, np.integer, np.floating)):
            out.append(f'<c r="{ref}"{s}><v>{float(v):.16G}</v></c>')
        else:  # text, and dates in a text column, Decimal, lists …: shown as their text
            text = v if isinstance(v, str) else str(v)
            tail, quote = _escaped(text)
            out.append(f'<c r="{ref}"{quoted if quote else s}{tail}')
    return _strings(out)


def _rows_xml(
    frame: pd.DataFrame,
    kinds: list[str],
    styles: list[str],
    quoted: str,
    bold: tuple[list[int], list[str]] = ([], []),
) -> bytes:
    """The ``<row>`` elements of rows 2… (the data under the header row), UTF-8; the data rows
    ``bold[0]`` (0-based) take the cell styles ``bold[1]``. A row without any value is left out."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from xlsxwriter.utility import xl_col_to_name

    n = len(frame)
    if n == 0 or frame.shape[1] == 0:
        return b""
    numbers = pc.cast(pa.array(np.arange(2, n + 2, dtype=np.int64)), pa.large_string())
    marked, bold_styles = bold
    is_bold = np.zeros(n, dtype=bool)
    is_bold[marked] = True
    columns = []
    for c in range(frame.shape[1]):
        style: str | pa.Array = styles[c]
        if marked:  # a statement's total rows
            style = pc.if_else(pa.array(is_bold), _large(bold_styles[c]), _large(styles[c]))
        refs = _join(xl_col_to_name(c), numbers)
        columns.append(_column_cells(frame.iloc[:, c], kinds[c], refs, style, quoted))
    present = np.logical_or.reduce([col.is_valid().to_numpy(zero_copy_only=False) for col in columns])
    cells = [pc.fill_null(col, "") for col in columns]
    rows = _join('<row r="', numbers, '">', *cells, "</row>").filter(pa.array(present))
    if len(rows) == 0:
        return b""
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)[rows.offset : rows.offset + len(rows) + 1]
    return rows.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]


# A cell's style attribute (` s="7"`) in prepared rows: every format a data cell can take is numbered
# up front (_Writer, _row_styles), so a sheet prepared before the others (a run prepares each
# notebook's tables as that notebook finishes) writes its final numbers. A format outside that set
# (none today) would be written as a token and replaced when the rows are spliced in, after
# xlsxwriter has numbered it; a control character never reaches a cell's XML (it is written
# _xHHHH_), so a token cannot clash with a cell's text.
_StyleKey = tuple[str, str]  # ("num" | "bold" | "quoted", the number format or "")
_QUOTED: _StyleKey = ("quoted", "")


def _token(i: int) -> str:
    return f"\x01{i}\x02"


@dataclass
class PreparedSheet:
    """One sheet of the workbook, built from its table alone (the slow part of writing it).

    What xlsxwriter lays out (header labels, widths, number formats, the first bold row) and the
    data rows as cell XML whose styles are tokens standing for ``styles``.
    """

    key: str  # the table name, or "<table>.<column>" for an id detail
    title: str
    description: str
    rows: int  # the table's rows, for the contents sheet
    length: int  # rows of the sheet's own frame (more than ``written`` when cut at Excel's limit)
    written: int
    headers: list[str]
    widths: list[float]
    number_formats: list[str | None]
    bold: bool  # a statement: each column's format has a bold twin for its total rows
    bold_row: int | None  # the first total row (0-based data row), which registers the bold twins
    styles: list[_StyleKey]
    xml: bytes


@dataclass
class PreparedTable:
    """A table's sheets (its own, then its id details), ready to be put into a workbook."""

    name: str
    whole: str  # where the whole table is, named on a sheet cut at Excel's row limit
    sheets: list[PreparedSheet]
    chart_frame: pd.DataFrame | None = None  # the table itself when the charts read it


def _prepare_sheet(item: _SheetPlan, *, language: str, currency: str) -> PreparedSheet:
    """Labels, widths, number formats and the data rows of one sheet."""
    prepared = _prepared(item.frame).iloc[: EXCEL_MAX_ROWS - 1]  # the header row takes one of Excel's rows
    table = item.table if item.table and _declared(item.table) else None
    views = column_views(prepared, table, language=language, currency=currency, labels=item.labels)
    shown = display_frame(prepared, table, language=language, currency=currency, labels=item.labels)
    kinds: list[str] = []
    number_formats: list[str | None] = []
    widths: list[float] = []
    for c, view in enumerate(views):
        series = shown.iloc[:, c]
        kind = _column_kind(series)
        kinds.append(kind)
        number_formats.append(_number_format(view.unit, kind, series, view.decimals))
        widths.append(_width(view.header, series, kind))
    bold = "line_type" in prepared.columns and bool(shown.shape[1])
    bold_rows = (
        np.flatnonzero(prepared["line_type"].isin(TOTAL_LINE_TYPES).to_numpy()).tolist() if bold else []
    )
    styles: list[_StyleKey] = [_QUOTED]

    def token(key: _StyleKey) -> str:
        known = _row_styles().get(key)
        if known is not None:  # numbered up front (_Writer): written as it is
            return known
        if key not in styles:
            styles.append(key)
        return _token(styles.index(key))

    column_styles = [token(("num", f or "")) for f in number_formats]
    bold_styles = [token(("bold", f or "")) for f in number_formats] if bold_rows else []
    xml = _rows_xml(shown, kinds, column_styles, token(_QUOTED), (bold_rows, bold_styles)) if kinds else b""
    return PreparedSheet(
        key=item.key,
        title=item.title,
        description=item.description,
        rows=item.rows,
        length=len(item.frame),
        written=len(shown),
        headers=[view.header for view in views],
        widths=widths,
        number_formats=number_formats,
        bold=bold,
        bold_row=bold_rows[0] if bold_rows else None,
        styles=styles,
        xml=xml,
    )


@dataclass
class _Placed:
    """A prepared sheet in the workbook: its part and the cell format each style token stands for."""

    part: str  # xl/worksheets/sheetN.xml
    sheet: PreparedSheet
    formats: dict[_StyleKey, Format | None]


def _lay_out(
    writer: _Writer,
    sheet: Worksheet,
    prepared: PreparedSheet,
    part: str,
    *,
    language: str,
    contents: str,
    whole: str,
) -> _Placed:
    """Header, widths, formats, frozen header and autofilter through xlsxwriter; the rows come later.

    The header row carries the columns' labels in ``language`` (with their unit) and, right of the
    table, a link back to the contents sheet. A table longer than Excel's row limit keeps its first
    rows, and the header row says so right of that link: how many rows of how many, and ``whole``,
    where the whole table is (e.g. ``tables/incentive_order_credits.parquet``).
    """
    formats: dict[_StyleKey, Format | None] = {_QUOTED: writer.quoted}
    column_formats = []
    for c, header in enumerate(prepared.headers):
        writer.string(sheet, 0, c, header, header=True)
        number_format = prepared.number_formats[c]
        fmt = writer.number_format(number_format) if number_format else None
        sheet.set_column(c, c, prepared.widths[c], fmt)
        column_formats.append(fmt)
        formats[("num", number_format or "")] = fmt
    n, columns = prepared.written, len(prepared.headers)
    if columns:
        # the bottom-right cell sets the sheet's dimension and registers the quote-prefix style
        sheet.write_blank(max(n, 1), columns - 1, None, writer.quoted)
        sheet.autofilter(0, 0, max(n, 1), columns - 1)
        back = columns + 1
        writer.link_to(sheet, 0, back, contents, label("excel_back_to_contents", language))
        sheet.set_column(back, back, max(10, _display_width(label("excel_back_to_contents", language)) + 2))
        if n < prepared.length:
            writer.string(
                sheet, 0, back + 1, truncated_text(n, prepared.length, whole, language), warning=True
            )
    sheet.freeze_panes(1, 0)
    if prepared.bold:
        bold_formats = [writer.bold(f) for f in column_formats]
        for c, f in enumerate(bold_formats):
            formats[("bold", prepared.number_formats[c] or "")] = f
            if prepared.bold_row is not None:  # one styled cell registers each bold format with xlsxwriter
                sheet.write_blank(prepared.bold_row + 1, c, None, f)
    return _Placed(part, prepared, formats)


def _declared(name: str) -> bool:
    from sales_analytics.tables import table_spec

    try:
        table_spec(name)
    except SalesAnalyticsError:
        return False
    return True


def _splice_rows(path: Path, placed: list[_Placed]) -> None:
    """Replace each sheet's placeholder rows by its data rows, keeping the header row."""
    import zipfile

    def style(fmt: Format | None) -> str:
        if fmt is None:
            return ""
        if fmt.xf_index is None:
            raise SalesAnalyticsError("report.xlsx: a cell format was not registered by xlsxwriter")
        return f' s="{fmt.xf_index}"'

    def spliced(sheet: _Placed, xml: str) -> bytes | None:
        start, end = xml.find("<sheetData>"), xml.find("</sheetData>")
        if not sheet.sheet.headers or start < 0 or end < 0:  # a table without columns has no rows
            return None
        body = xml[start + len("<sheetData>") : end]
        header = body[: body.find("</row>") + len("</row>")] if body.startswith('<row r="1"') else ""
        for key, fmt in sheet.formats.items():
            if _row_styles().get(key, style(fmt)) != style(fmt):  # pragma: no cover - a guard
                raise SalesAnalyticsError(
                    f"report.xlsx: the cell format {key} is not numbered as its rows say"
                )
        rows = sheet.sheet.xml
        for i, key in enumerate(sheet.sheet.styles):
            if key in sheet.formats and key not in _row_styles():
                rows = rows.replace(_token(i).encode(), style(sheet.formats[key]).encode())
        return b"".join(
            (
                (xml[: start + len("<sheetData>")] + header).encode("utf-8", errors="replace"),
                rows,
                xml[end:].encode("utf-8", errors="replace"),
            )
        )

    by_part = {sheet.part: sheet for sheet in placed}
    tmp = path.with_name(f".{path.name}.tmp")
    # A thread compresses each part (zlib holds no GIL) while the next sheet's rows are spliced; the
    # parts keep their names, order and fixed timestamps: the same tables give the same bytes.
    with (
        zipfile.ZipFile(path) as src,
        zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=_ZIP_LEVEL) as dst,
        ThreadPoolExecutor(max_workers=1) as compressor,
    ):
        previous = None
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename in by_part:
                data = spliced(by_part[info.filename], data.decode("utf-8")) or data
            if previous is not None:
                previous.result()  # one part waits at a time: the workbook is not held whole
            previous = compressor.submit(
                dst.writestr, info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=_ZIP_LEVEL
            )
        if previous is not None:
            previous.result()
    tmp.replace(path)


@dataclass
class _SheetPlan:
    """One sheet to write: a table's (or an id detail's) rows, its title and contents line."""

    key: str  # the table name, or "<table>.<column>" for an id detail
    table: str | None  # catalog name that formats the columns (None: by dtype)
    frame: pd.DataFrame
    title: str
    description: str
    rows: int
    labels: dict[str, str] | None = None


def _plan_sheets(
    tables: Mapping[str, pd.DataFrame], descriptions: Mapping[str, str], language: str
) -> list[_SheetPlan]:
    """Every table's sheet in order, each followed by the detail sheets of its id lists."""
    plan = []
    for name, frame in tables.items():
        kept, lists = split_id_lists(name, frame)
        if is_statement(name):
            kept = with_statement_totals(kept, language)
        title = sheet_title(name, frame, language)
        description = descriptions.get(name) or describe(name, language) or title
        plan.append(_SheetPlan(name, name, kept, title, description, len(frame)))
        if not lists or is_family(name):  # one team's statement: its ids are on the detail sheet
            continue  # of the statements of all teams
        for column in lists:
            detail = id_detail(name, frame, column)
            plan.append(
                _SheetPlan(
                    f"{name}.{column}",
                    None,
                    detail,
                    detail_title(name, column, language),
                    label("excel_detail_description", language).format(
                        column=label(column, language), table=title
                    ),
                    len(detail),
                    detail_labels(),
                )
            )
    return plan


def _contents_sheet(writer: _Writer, sheet: Worksheet, *, title: str, note: str, language: str) -> int:
    """Title, note and the header row of the contents sheet; returns the header's row."""
    headers = [label(k, language) for k in ("run_sheet", "run_description", "run_rows", "run_table")]
    first = 0
    if title:
        writer.string(sheet, 0, 0, title)
        sheet.set_row(0, None, writer.title)
        first = 2
    if note:
        writer.string(sheet, 1, 0, note)
        sheet.set_header("&C" + note.replace("&", "&&"))
        first = max(first, 2)
    for c, h in enumerate(headers):
        writer.string(sheet, first, c, h, header=True)
    for c, width in enumerate((30, 90, 10, 34)):
        sheet.set_column(c, c, width)
    sheet.freeze_panes(first + 1, 0)
    return first


def prepare_table(
    name: str,
    frame: pd.DataFrame,
    *,
    description: str | None = None,
    language: str = "zh",
    currency: str = "CNY",
    source: str | None = None,
) -> PreparedTable:
    """Build the sheets of one table (its own, then its id details) for :func:`assemble_excel`.

    Everything a sheet needs that depends on its table alone is done here, the cell XML of its
    rows above all, so a caller can prepare each table as soon as it exists (a run: as each
    notebook finishes) and assemble the workbook later; the bytes do not depend on the order in
    which the tables were prepared. ``description`` and ``source`` are as in :func:`write_excel`.
    """
    from sales_analytics.report.excel_charts import CHART_TABLES

    plan = _plan_sheets({name: frame}, {name: description} if description else {}, language)
    return PreparedTable(
        name=name,
        whole=source or f"tables/{name}.parquet",
        sheets=[_prepare_sheet(item, language=language, currency=currency) for item in plan],
        chart_frame=frame if name in CHART_TABLES else None,
    )


def assemble_excel(
    tables: Sequence[PreparedTable],
    path: str | Path,
    *,
    language: str = "zh",
    title: str = "",
    note: str = "",
    period: str = "",
    currency: str = "CNY",
    charts: bool = True,
) -> dict[str, str]:
    """Write the workbook of prepared tables (:func:`prepare_table`), in the order given.

    The arguments and the result are those of :func:`write_excel`, which prepares its tables and
    calls this; ``language`` and ``currency`` must be the ones the tables were prepared with.
    """
    import xlsxwriter

    from sales_analytics.report.excel_charts import chart_data, write_charts

    if language not in LANGUAGES:
        raise SalesAnalyticsError(f"language must be one of {sorted(LANGUAGES)}; got {language!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    contents_name = label("run_contents", language)[:_MAX_SHEET_NAME]
    charts_name = label("excel_charts", language)[:_MAX_SHEET_NAME]
    plan = [(table, sheet) for table in tables for sheet in table.sheets]
    chart_frames = {t.name: t.chart_frame for t in tables if t.chart_frame is not None}
    blocks = chart_data(chart_frames, period or "9999-12") if charts else []
    reserved = (contents_name, charts_name) if blocks else (contents_name,)
    names = excel_sheet_names([sheet.title for _, sheet in plan], reserved=reserved)
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": False,
        },
    )
    placed: list[_Placed] = []
    try:
        workbook.set_properties({"title": title or "Sales Team Workbook", "created": _FIXED_CREATED})
        writer = _Writer(workbook)
        contents = workbook.add_worksheet(contents_name)
        first = _contents_sheet(writer, contents, title=title, note=note, language=language)
        row = first + 1
        if blocks:
            sheet = workbook.add_worksheet(charts_name)
            if note:
                sheet.set_header("&C" + note.replace("&", "&&"))
            write_charts(workbook, sheet, blocks, language=language, currency=currency, header=writer.header)
            writer.link_to(contents, row, 0, charts_name, charts_name)
            writer.string(contents, row, 1, label("excel_charts_description", language))
            row += 1
        for (table, item), sheet_name in zip(plan, names):
            sheet = workbook.add_worksheet(sheet_name)
            if note:
                sheet.set_header("&C" + note.replace("&", "&&"))
            # xlsxwriter names the parts after the order of creation (the contents sheet is sheet1)
            part = f"xl/worksheets/sheet{len(workbook.worksheets())}.xml"
            placed.append(
                _lay_out(
                    writer, sheet, item, part, language=language, contents=contents_name, whole=table.whole
                )
            )
            description = item.description
            if item.written < item.length:
                cut = truncated_text(item.written, item.length, table.whole, language)
                description = f"{description} ({cut})" if description else cut
                log.warning(
                    "table %s has %d rows; the Excel sheet holds the first %d (the whole table: %s)",
                    item.key,
                    item.length,
                    item.written,
                    table.whole,
                )
            writer.link_to(contents, row, 0, sheet_name, sheet_name)
            writer.string(contents, row, 1, description)
            contents.write_number(row, 2, item.rows, writer.formats["int"])
            writer.string(contents, row, 3, item.key)
            row += 1
    finally:
        workbook.close()
    _splice_rows(path, placed)
    log.info("wrote %s (%d sheets)", path, len(plan) + 1 + bool(blocks))
    return {item.key: n for (table, item), n in zip(plan, names) if item.key == table.name}


def write_excel(
    tables: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    descriptions: Mapping[str, str] | None = None,
    language: str = "zh",
    title: str = "",
    note: str = "",
    period: str = "",
    currency: str = "CNY",
    charts: bool = True,
    sources: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Write ``tables`` to an .xlsx workbook a manager navigates: contents, charts, one sheet per table.

    Parameters
    ----------
    tables : table name → frame, in the order the sheets should appear.
    path : the workbook to write (replaced if it exists).
    descriptions : table name → one-line description shown on the contents sheet;
        a table not listed gets its table-catalog description in ``language``
        (:func:`sales_analytics.tables.describe`).
    language : ``zh`` or ``en``: sheet names (the catalog's table titles), headers
        (column labels with their unit), flags and label-key values in that language.
    title : shown above the contents list.
    note : a line every sheet carries (under the title, and as each sheet's page
        header), e.g. "as of 2026-12-02" for an incomplete month.
    period : the report month, for the charts (default: the latest month in the tables).
    currency : the reporting currency, named in money headers.
    charts : add the sheet of native charts (revenue vs target, attainment by team,
        NPS / CSAT trend) when the tables allow them.
    sources : table name → where the whole table is, named on a sheet cut at Excel's
        row limit (default ``tables/<name>.parquet``, as in a run's bundle).

    Returns
    -------
    dict
        Table name → sheet name (sheet names are ≤ 31 characters and unique).

    The contents sheet lists ``sheet (a link), description, rows, table``; every
    table sheet links back to it. Commission statements get a total row per rep
    and per team; a column declared ``id_list`` moves to a detail sheet with one
    row per id. A table longer than Excel's row limit is cut there; its sheet
    (right of the header row) and the contents sheet say how many rows it holds
    of how many and where the whole table is (``sources``). Every value is written as a number, a date or text:
    no cell holds a formula.
    """
    if language not in LANGUAGES:
        raise SalesAnalyticsError(f"language must be one of {sorted(LANGUAGES)}; got {language!r}")
    descriptions = descriptions or {}
    prepared = [
        prepare_table(
            name,
            frame,
            description=descriptions.get(name),
            language=language,
            currency=currency,
            source=(sources or {}).get(name),
        )
        for name, frame in tables.items()
    ]
    return assemble_excel(
        prepared,
        path,
        language=language,
        title=title,
        note=note,
        period=period,
        currency=currency,
        charts=charts,
    )
