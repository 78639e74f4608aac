"""Reading one file (CSV, XLSX, Parquet, JSON, JSON Lines) into a raw frame.

A reader only finds the table in the file: encoding, delimiter, the header
row below any preamble, note lines after the data, blank rows. It keeps the
row numbers the user sees (the header line counted) so that later problems
can point at them. Mapping columns and converting types is for
:mod:`sales_analytics.io.columns` and :mod:`sales_analytics.io.validate`.

Files are opened read-only; nothing is ever written next to them. Any failure
becomes a :class:`~sales_analytics.errors.DataError` naming the file.
"""

from __future__ import annotations

import csv
import io
import logging
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sales_analytics.errors import DataError
from sales_analytics.io.jsonfiles import read_json
from sales_analytics.io.parsing import NULL_TOKENS
from sales_analytics.io.rawtable import _HEAD_BYTES, RawTable, _decode_head, _fail, detect_encoding

__all__ = ["RawTable", "read_source_file"]

log = logging.getLogger(__name__)

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
PARQUET_SUFFIXES = (".parquet", ".pq")
JSON_SUFFIXES = (".json",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
SUPPORTED_SUFFIXES = CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES + JSON_SUFFIXES + JSONL_SUFFIXES

_TAIL_BYTES = 64 * 1024
_BLOCK_BYTES = 8 * 1024 * 1024  # a CSV row longer than this is not a table row
_SMALL_FILE = 8 * 1024 * 1024
_NOTE_PREFIXES = ("注", "数据来源", "来源", "说明", "备注", "合计", "总计", "制表", "Note", "Source", "Total")


def read_source_file(
    path: str | Path,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    column_types: dict[str, pa.DataType] | Callable[[list[str]], dict[str, pa.DataType]] | None = None,
    header_row: int | None = None,
    dedupe_headers: bool = False,
) -> RawTable:
    """Read one file into a :class:`RawTable`; the format comes from the suffix.

    ``column_types`` (CSV only; a mapping, or a function of the header)
    asks for a typed read of the named columns;
    when any cell does not convert, the file is read again as text so the
    validator can name the bad cells. ``header_row`` (0-based) says where the
    header is instead of finding it; ``dedupe_headers`` numbers repeated
    header names (``Q``, ``Q.1``) instead of failing (survey exports repeat them).
    """
    p = Path(path)
    name = str(path)
    if not p.is_file():
        raise _fail(
            name,
            "file not found" if not p.exists() else "is not a file",
            expected="a CSV, XLSX, Parquet or JSON file",
        )
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise _fail(
            name,
            f"unsupported file type {suffix or '(no suffix)'!r}",
            expected=f"one of {', '.join(SUPPORTED_SUFFIXES)}",
        )
    if p.stat().st_size == 0:
        raise _fail(name, "file is empty", expected="a header row and data rows")
    try:
        if suffix in CSV_SUFFIXES:
            return _read_csv(p, name, encoding, column_types, header_row, dedupe_headers)
        if suffix in EXCEL_SUFFIXES:
            return _read_excel(p, name, sheet, header_row, dedupe_headers)
        if suffix in PARQUET_SUFFIXES:
            return _read_parquet(p, name)
        return read_json(p, name, encoding, lines=suffix in JSONL_SUFFIXES)
    except DataError:
        raise
    except MemoryError:
        raise
    except Exception as exc:  # a reader library's own error: say which file and what it said
        kind = {True: "CSV"}.get(suffix in CSV_SUFFIXES) or suffix.lstrip(".").upper()
        raise _fail(name, f"could not be read as {kind}: {type(exc).__name__}: {str(exc)[:300]}") from None


# ---------------------------------------------------------------- text files


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


def sniff_delimiter(lines: Sequence[str]) -> str:
    """The delimiter that splits the sample lines most consistently (``,`` ``\\t`` ``;`` ``|``)."""
    best, best_score = ",", -1.0
    for delim in (",", "\t", ";", "|"):
        counts = [len(_split(line, delim)) for line in lines if line.strip()]
        if not counts:
            continue
        widest = max(counts)
        if widest < 2:
            continue
        score = widest * sum(c == widest for c in counts) / len(counts)
        if score > best_score:
            best, best_score = delim, score
    return best


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
        return True
    except ValueError:
        return False


def find_header(rows: Sequence[Sequence[str]]) -> int:
    """Index of the header among the first rows: preamble and title rows come before it.

    The header is the first row filling most of the table's width with
    non-numeric labels.
    """
    filled = [sum(bool(str(c).strip()) for c in r) for r in rows[:60]]
    if not filled:
        return 0
    width = max(filled)
    for i, (row, n) in enumerate(zip(rows, filled)):
        cells = [str(c).strip() for c in row if str(c).strip()]
        if n >= max(2, math.ceil(0.6 * width)) and sum(_is_number(c) for c in cells) <= n // 4:
            return i
    return 0


def _is_note(cells: Sequence[str], width: int) -> bool:
    nonempty = [c.strip() for c in cells if c and c.strip()]
    if not nonempty:
        return True
    first = nonempty[0].lstrip('\u3000 "')
    if len(nonempty) <= 2 and first.startswith(_NOTE_PREFIXES):
        return True
    return len(cells) != width and len(nonempty) <= 1 and len(cells) < width


def count_footer(lines: Sequence[str], delimiter: str, width: int, stop: int) -> int:
    """How many physical lines at the end are notes, sources, totals or blank (not data)."""
    i, count = len(lines) - 1, 0
    while i > stop:
        line = lines[i]
        j = i
        if line.count('"') % 2 == 1:  # the end of a quoted cell spanning lines: judge it whole
            j = i - 1
            while j > stop and lines[j].count('"') % 2 == 0:
                j -= 1
            if j <= stop:
                break
            line = "\n".join(lines[j : i + 1])
        if not _is_note(_split(line, delimiter), width):
            break
        count += i - j + 1
        i = j - 1
    return count


def _narrower_rows(body: Sequence[str], delimiter: str, width: int, complete: bool) -> int:
    """N when every data row of the sample has the same N fields, 2 ≤ N < the header's width; else 0."""
    lines = list(body if complete or len(body) < 2 else body[:-1])
    try:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    except csv.Error:
        return 0
    counts = {len(r) for r in rows if sum(bool(c.strip()) for c in r) > 1}
    if len(counts) != 1:
        return 0
    n = counts.pop()
    return n if 2 <= n < width else 0


def _dedupe(header: list[str]) -> list[str]:
    """Repeated names numbered as pandas does: ``Q``, ``Q.1``, ``Q.2``."""
    seen: dict[str, int] = {}
    out = []
    for c in header:
        name, n = c, seen.get(c, 0)
        while name in seen:
            n += 1
            name = f"{c}.{n}"
        seen[c] = n
        seen.setdefault(name, 0)
        out.append(name)
    return out


def _read_csv(
    p: Path,
    name: str,
    encoding: str | None,
    column_types: Any,
    header_row: int | None = None,
    dedupe_headers: bool = False,
) -> RawTable:
    size = p.stat().st_size
    with p.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
        tail = b""
        if size > _HEAD_BYTES:
            fh.seek(max(size - _TAIL_BYTES, _HEAD_BYTES))
            tail = fh.read()
    complete = size <= _HEAD_BYTES
    enc = detect_encoding(head, name, complete, encoding)
    text_head = _decode_head(head, enc, complete)
    head_lines = text_head.lstrip("\ufeff").splitlines()
    if not complete and len(head_lines) > 1:
        head_lines = head_lines[:-1]  # the last line may be cut
    sample = head_lines[:60]
    delimiter = "\t" if p.suffix.lower() == ".tsv" else sniff_delimiter(sample)
    split = [_split(line, delimiter) for line in sample]
    header_at = find_header(split) if header_row is None else min(header_row, max(len(split) - 1, 0))
    header = [c.strip().lstrip("\ufeff") for c in split[header_at]] if split else []
    header = [c or f"column_{i + 1}" for i, c in enumerate(header)]
    if dedupe_headers:
        header = _dedupe(header)
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise _fail(name, f"the header repeats column names {dupes}", expected="unique column names")
    if not header:
        raise _fail(name, "has no header row", expected="a header row naming the columns")
    narrower = _narrower_rows(sample[header_at + 1 :], delimiter, len(header), complete)
    absent: list[str] = []
    if narrower:
        # WeChatMsg writes a 12-name header over 9-field rows for one-to-one chats: the last names
        # have no cells in any row, so they are not columns of this file
        header, absent = header[:narrower], header[narrower:]
    width = len(header)
    if callable(column_types):
        column_types = column_types(header)
    if complete:
        all_lines = text_head.lstrip("\ufeff").splitlines()
        footer = count_footer(all_lines, delimiter, width, header_at)
    else:
        enc_tail = "utf-8" if enc == "utf-8-sig" else enc
        tail_lines = tail.decode(enc_tail, errors="replace").splitlines()[1:]
        footer = count_footer(tail_lines, delimiter, width, -1)
        all_lines = None
    notes = []
    if absent:
        notes.append(
            f"the header names {width + len(absent)} columns but every row has {width} fields: "
            f"{', '.join(absent)} read as absent"
        )
    if header_at:
        notes.append(f"skipped {header_at} line(s) before the header")
    if footer:
        notes.append(f"skipped {footer} note/blank line(s) after the data")
    read_opts = dict(column_names=header, block_size=_BLOCK_BYTES, use_threads=True)
    source: Any
    if footer or enc not in ("utf-8", "utf-8-sig"):
        if all_lines is None:
            text = p.read_bytes().decode(enc, errors="strict").lstrip("\ufeff")
            all_lines = text.splitlines()
        body = all_lines[header_at + 1 : len(all_lines) - footer]
        source = io.BytesIO("\n".join(body).encode("utf-8"))
        skip = 0
    else:
        source, skip = p, header_at + 1
    frame = _arrow_csv(source, name, delimiter, header, skip, read_opts, column_types, header_at + 2)
    if len(frame) == 0:
        raise _fail(
            name,
            "has a header but no data rows",
            expected="at least one data row",
            found=delimiter.join(header)[:200],
        )
    return RawTable(
        frame,
        name,
        "csv",
        first_row=header_at + 2,
        encoding=enc,
        delimiter=delimiter,
        notes=notes,
    )


def _arrow_csv(
    source: Any,
    name: str,
    delimiter: str,
    header: list[str],
    skip: int,
    read_opts: dict[str, Any],
    column_types: dict[str, pa.DataType] | None,
    first_body_line: int,
) -> pd.DataFrame:
    bad_rows: list[str] = []
    bad_texts: list[str] = []

    def on_invalid(row: Any) -> str:
        bad_rows.append(f"{row.actual_columns} fields: {str(row.text)[:80]}")
        bad_texts.append(str(row.text))
        return "skip"

    def attempt(types: dict[str, pa.DataType], newlines: bool) -> pa.Table:
        if isinstance(source, io.BytesIO):
            source.seek(0)
        bad_rows.clear()
        bad_texts.clear()
        return pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(skip_rows=skip, **read_opts),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=newlines, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                strings_can_be_null=True,
                null_values=list(NULL_TOKENS),
                quoted_strings_can_be_null=True,
            ),
        )

    text_types = {c: pa.string() for c in header}
    typed = {**text_types, **(column_types or {})}
    table = None
    for types in (typed, text_types) if column_types else (text_types,):
        for newlines in (False, True):
            try:
                table = attempt(types, newlines)
                break
            except pa.ArrowInvalid as exc:
                msg = str(exc)
                if "straddling" in msg or "straddles" in msg:
                    raise _fail(
                        name,
                        "has a line longer than the reader's 8 MB block: not a table row",
                        expected="one record per line",
                    ) from None
                if "invalid UTF8" in msg or "UTF8" in msg:
                    raise _fail(
                        name,
                        "has bytes that are not valid UTF-8 after the first part of the file",
                        expected="one encoding for the whole file",
                    ) from None
                if "conversion error" in msg.lower() or "In CSV column" in msg:
                    break  # a typed column has a bad cell: read as text and let the validator name it
                if newlines:
                    raise _fail(name, f"is not a well-formed CSV file: {msg[:200]}") from None
        if table is not None:
            break
    if table is None:
        raise _fail(name, "could not be parsed as CSV")
    if bad_rows:
        raise _fail(
            name,
            f"{len(bad_rows)} line(s) have a different number of fields than the header",
            rows=_line_numbers(source, bad_texts[:5], skip, first_body_line),
            count=len(bad_rows),
            expected=f"{len(header)} fields per line",
            found=bad_rows[0],
        )
    return table.to_pandas(types_mapper=_str_mapper, split_blocks=True, self_destruct=True)


def _line_numbers(source: Any, texts: list[str], skip: int, first_body_line: int) -> tuple[int, ...]:
    """1-based file lines holding the given row texts (only on the rare malformed-row path)."""
    wanted = {t.rstrip("\r\n") for t in texts}
    found: list[int] = []
    if isinstance(source, io.BytesIO):
        lines = source.getvalue().decode("utf-8", errors="replace").splitlines()
        found = [no + first_body_line for no, line in enumerate(lines) if line in wanted]
    else:
        with open(source, encoding="utf-8", errors="replace") as fh:
            for no, line in enumerate(fh, start=1):
                if no > skip and line.rstrip("\r\n") in wanted:
                    found.append(no)
                if len(found) >= len(texts):
                    break
    return tuple(found[:5])


def _str_mapper(t: pa.DataType) -> Any:
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pd.StringDtype(na_value=np.nan)
    return None


# ------------------------------------------------------------------ Excel


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_excel(
    p: Path, name: str, sheet: str | int | None, header_row: int | None = None, dedupe_headers: bool = False
) -> RawTable:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(p))
    except Exception as exc:
        raise _fail(
            name,
            f"is not a readable spreadsheet (truncated or damaged?): {str(exc)[:200]}",
            expected="an .xlsx workbook saved by Excel or WPS",
        ) from None
    names = list(wb.sheet_names)
    if not names:
        raise _fail(name, "the workbook has no sheets")
    if sheet is None or sheet == "":
        chosen = names[0]
    elif isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise _fail(name, f"sheet number {sheet} does not exist", expected=f"0 to {len(names) - 1}")
        chosen = names[sheet]
    elif sheet in names:
        chosen = sheet
    else:
        raise _fail(name, f"sheet {sheet!r} not found", expected=f"one of {names}")
    ws = wb.get_sheet_by_name(chosen)
    rows = ws.to_python(skip_empty_area=False)
    texts = [[_cell_text(c) for c in r] for r in rows[:60]]
    header_at = find_header(texts) if header_row is None else min(header_row, max(len(texts) - 1, 0))
    if not rows or not any(any(t) for t in texts):
        raise _fail(f"{name} [{chosen}]", "the sheet is empty", expected="a header row and data rows")
    header = texts[header_at]
    last = max((i for i, c in enumerate(header) if c), default=-1)
    header = [c or f"column_{i + 1}" for i, c in enumerate(header[: last + 1])]
    if dedupe_headers:
        header = _dedupe(header)
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise _fail(
            f"{name} [{chosen}]", f"the header repeats column names {dupes}", expected="unique column names"
        )
    width = len(header)
    body = rows[header_at + 1 :]
    keep = [i for i, r in enumerate(body) if any(_cell_text(c) for c in r[:width])]
    notes = [f"sheet {chosen!r}"]
    if header_at:
        notes.append(f"skipped {header_at} row(s) before the header")
    blank = len(body) - len(keep)
    # trailing note rows (only the first cell filled with a note; in a table of 3+ columns any row
    # with a single filled cell, e.g. Salesforce's "Copyright … salesforce.com" / "Generated By:") are not data
    while keep and width > 1:
        cells = [_cell_text(c) for c in body[keep[-1]][:width]]
        if not (_is_note(cells, width) or (width >= 3 and sum(bool(c) for c in cells) <= 1)):
            break
        keep.pop()
    dropped_tail = len(body) - blank - len(keep)
    if blank:
        notes.append(f"skipped {blank} blank row(s)")
    if dropped_tail:
        notes.append(f"skipped {dropped_tail} note row(s) after the data")
    if not keep:
        raise _fail(f"{name} [{chosen}]", "has a header but no data rows", expected="at least one data row")
    columns: dict[str, list[Any]] = {h: [] for h in header}
    for i in keep:
        r = body[i]
        for j, h in enumerate(header):
            v = r[j] if j < len(r) else None
            columns[h].append(None if v == "" else v)
    frame = pd.DataFrame({h: _excel_column(v) for h, v in columns.items()})
    row_numbers = np.asarray(keep, dtype=np.int64) + header_at + 2
    return RawTable(frame, name, "xlsx", row_numbers=row_numbers, sheet=chosen, notes=notes)


def _excel_column(values: list[Any]) -> pd.Series:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pd.Series(values, dtype="float64")
    return pd.Series(values, dtype=object)


# ---------------------------------------------------------------- Parquet


def _read_parquet(p: Path, name: str) -> RawTable:
    try:
        table = pq.read_table(p)
    except Exception as exc:
        raise _fail(name, f"is not a readable Parquet file: {str(exc)[:200]}") from None
    if table.num_rows == 0:
        raise _fail(name, "has columns but no rows", expected="at least one row")
    frame = table.to_pandas(types_mapper=_str_mapper, split_blocks=True, self_destruct=True)
    return RawTable(frame, name, "parquet", first_row=1)
