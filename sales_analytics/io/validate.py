"""Coercing mapped tables to canonical dtypes and checking them, all problems at once.

Errors (a table cannot be used) become :class:`~sales_analytics.errors.DataProblem`
entries of one :class:`~sales_analytics.errors.DataError`; suspicious but
usable data becomes rows of the data-quality table (``table, column, kind,
rows, count, message, severity``).

Why not pandera: the checks here are few and declared once in
:mod:`sales_analytics.io.schemas`; running them as plain vectorised pandas /
pyarrow expressions keeps loading 10M order rows within the 2× pyarrow-read
budget and lets every finding point at the row numbers of the user's file
(including the preamble lines a reader skipped), which pandera's failure
cases (index labels) do not know.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sales_analytics.errors import DataProblem
from sales_analytics.io.parsing import (
    clean_text,
    parse_booleans,
    parse_datetimes,
    parse_ids,
    parse_numbers,
    text_flags,
)
from sales_analytics.io.readers import RawTable
from sales_analytics.io.schemas import ColumnSpec, TableSchema

__all__ = ["QUALITY_COLUMNS", "Segment", "TableCheck", "check_references", "coerce_table", "quality_frame"]

log = logging.getLogger(__name__)

QUALITY_COLUMNS = ["table", "column", "kind", "rows", "count", "message", "severity"]
_ROWS_SHOWN = 5
_ROWS_KEPT = 20
_FUTURE_OK = {"close_date", "session_date", "resolved_at"}
_EARLIEST, _LATEST = pd.Timestamp("1970-01-01"), pd.Timestamp("2100-01-01")
_TEXT_FORMATS = {"csv", "xlsx", "json", "jsonl"}


@dataclass
class Segment:
    """Rows ``start:stop`` of a table came from ``raw`` (one file).

    ``drop_invalid`` (the file's column map says ``invalid_rows: drop``): rows with a cell error
    are dropped and listed in the data-quality table instead of stopping the load.
    """

    raw: RawTable
    start: int
    stop: int
    drop_invalid: bool = False


@dataclass
class TableCheck:
    """Findings for one table: errors, data-quality rows and where its rows came from."""

    table: str
    segments: list[Segment]
    problems: list[DataProblem] = field(default_factory=list)
    quality: list[dict[str, Any]] = field(default_factory=list)
    dropped: np.ndarray | None = None  # rows to drop (segments with drop_invalid)
    flagged: np.ndarray | None = None  # rows with a reported cell error (not reported again as empty)

    @property
    def has_fatal(self) -> bool:
        """Whether a problem concerns a whole file (a missing column …) rather than some rows."""
        return any(not p.rows for p in self.problems)

    def _split(self, mask: np.ndarray) -> list[tuple[Segment, np.ndarray]]:
        pos = np.flatnonzero(mask)
        out = []
        for seg in self.segments:
            part = pos[(pos >= seg.start) & (pos < seg.stop)] - seg.start
            if len(part):
                out.append((seg, part))
        return out

    def error(
        self,
        mask: Any,
        problem: str,
        column: str | None = None,
        expected: str | None = None,
        found: Any = None,
    ) -> None:
        """Record an error for the rows in ``mask`` (a boolean array), one problem per file."""
        mask = np.asarray(mask, dtype=bool)
        for seg, part in self._split(mask):
            # ``found`` is one value, or an array of one value per row (a cell may itself be a list)
            per_row = isinstance(found, np.ndarray) and found.ndim == 1 and len(found) == len(mask)
            shown = found[seg.start + part[0]] if per_row else found
            if seg.drop_invalid:
                self._drop(seg, part, problem, column, expected, shown)
                continue
            if self.flagged is None:
                self.flagged = np.zeros(max(s.stop for s in self.segments), dtype=bool)
            self.flagged[part + seg.start] = True
            rows = seg.raw.rows_of(part[:_ROWS_SHOWN])
            self.problems.append(
                DataProblem(
                    seg.raw.path,
                    _say(problem, len(part)),
                    column=column,
                    rows=tuple(rows),
                    count=len(part),
                    expected=expected,
                    found=None if shown is None else str(shown)[:80],
                )
            )

    def _drop(
        self, seg: Segment, part: np.ndarray, problem: str, column: str | None, expected: Any, shown: Any
    ) -> None:
        if self.dropped is None:
            self.dropped = np.zeros(max(s.stop for s in self.segments), dtype=bool)
        self.dropped[part + seg.start] = True
        what = _say(problem, len(part))
        if expected is not None:
            what += f" (expected {expected}" + (f", found {str(shown)[:80]!r})" if shown is not None else ")")
        self.quality.append(
            {
                "table": self.table,
                "column": column or "",
                "kind": "dropped_row",
                # every dropped row is listed: dropping is opt-in and must never be silent
                "rows": ", ".join(map(str, seg.raw.rows_of(part))),
                "count": len(part),
                "message": f"{seg.raw.path}: dropped (invalid_rows: drop): {what}",
                "severity": "warning",
            }
        )

    def apply_drops(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Remove the rows recorded by ``invalid_rows: drop``; segments keep their file row numbers."""
        if self.dropped is None or not self.dropped.any():
            return frame
        keep = ~self.dropped[: len(frame)]
        segments, start = [], 0
        for seg in self.segments:
            kept = np.flatnonzero(keep[seg.start : seg.stop])
            raw = seg.raw
            rows = np.asarray(raw.rows_of(kept), dtype=np.int64)
            new_raw = RawTable(
                raw.frame,
                raw.path,
                raw.format,
                raw.first_row,
                rows,
                raw.encoding,
                raw.delimiter,
                raw.sheet,
                raw.notes,
            )
            segments.append(Segment(new_raw, start, start + len(kept), seg.drop_invalid))
            start += len(kept)
        self.segments = segments
        self.dropped = None
        if self.flagged is not None:
            self.flagged = self.flagged[: len(keep)][keep]
        return frame.iloc[np.flatnonzero(keep)].reset_index(drop=True)

    def fatal(
        self, problem: str, column: str | None = None, expected: str | None = None, found: str | None = None
    ) -> None:
        """Record an error that concerns every file of the table (a missing column …)."""
        for seg in self.segments:
            self.problems.append(
                DataProblem(seg.raw.path, problem, column=column, expected=expected, found=found)
            )

    def warn(
        self, mask: Any, kind: str, message: str, column: str | None = None, severity: str = "warning"
    ) -> None:
        """Record a data-quality finding (usable data that deserves a look)."""
        mask = np.asarray(mask, dtype=bool)
        total = int(mask.sum())
        if not total:
            return
        for seg, part in self._split(mask):
            rows = seg.raw.rows_of(part[:_ROWS_KEPT])
            self.quality.append(
                {
                    "table": self.table,
                    "column": column or "",
                    "kind": kind,
                    "rows": ", ".join(map(str, rows)) + (" …" if len(part) > _ROWS_KEPT else ""),
                    "count": len(part),
                    "message": f"{seg.raw.path}: {_say(message, len(part))}",
                    "severity": severity,
                }
            )

    def note(self, kind: str, message: str, severity: str = "info", column: str = "") -> None:
        self.quality.append(
            {
                "table": self.table,
                "column": column,
                "kind": kind,
                "rows": "",
                "count": 0,
                "message": message,
                "severity": severity,
            }
        )


_SINGULAR = (
    ("rows are not valid dates", "row is not a valid date"),
    ("rows are not numbers", "row is not a number"),
    ("rows are infinite", "row is infinite"),
    ("rows are not months", "row is not a month"),
    ("rows are not yes/no values", "row is not a yes/no value"),
    ("rows have implausible dates", "row has an implausible date"),
    ("rows are dated in the future", "row is dated in the future"),
    ("rows are", "row is"),
    ("rows have", "row has"),
    ("rows repeat", "row repeats"),
    ("rows share", "row shares"),
    ("orders have", "order has"),
    ("orders are", "order is"),
    ("cells look like spreadsheet formulas", "cell looks like a spreadsheet formula"),
    ("cells look", "cell looks"),
    ("refunded rows have", "refunded row has"),
    ("paid rows have", "paid row has"),
    ("rows differ", "row differs"),
)


def _say(template: str, n: int) -> str:
    """Fill ``{n}`` and make the sentence singular when n is 1.

    >>> _say("{n} rows are empty", 1), _say("{n} rows are empty", 3)
    ('1 row is empty', '3 rows are empty')
    """
    text = template.format(n=n)
    if n == 1:
        for many, one in _SINGULAR:
            text = text.replace(f"1 {many}", f"1 {one}")
    return text


def quality_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The data-quality table from finding rows (always the same columns and dtypes).

    >>> quality_frame([]).columns.tolist()
    ['table', 'column', 'kind', 'rows', 'count', 'message', 'severity']
    """
    frame = pd.DataFrame(rows, columns=QUALITY_COLUMNS)
    frame["count"] = frame["count"].astype("int64")
    for c in QUALITY_COLUMNS:
        if c != "count":
            frame[c] = frame[c].astype("str")
    return frame


def _first_bad(values: pd.Series, mask: pd.Series) -> Any:
    hit = values[mask.to_numpy()]
    return hit.iloc[0] if len(hit) else None


def _describe_family(name: str) -> str:
    from sales_analytics.io.parsing import DATE_FAMILIES

    return DATE_FAMILIES.get(name, ("", name))[1]


@dataclass(frozen=True)
class _Source:
    """What a coercer needs to know besides the column: where the table came from and when it is read.

    ``tz``: the team's time zone; ``text_source``: some file is text (CSV, XLSX, JSON), so strings
    may carry padding or formulas; ``csv_only``: every file is CSV (its reader already turned the
    null tokens into missing values); ``now``: the moment that counts as the future.
    """

    tz: str
    text_source: bool
    now: pd.Timestamp
    csv_only: bool = False


_Coercer = Callable[[pd.Series, ColumnSpec, TableCheck, _Source], pd.Series]


def _coerce_text(frame_col: pd.Series, spec: ColumnSpec, check: TableCheck, src: _Source) -> pd.Series:
    """``id`` and ``text``: trimmed strings; an id that starts with ``=`` is an exported formula."""
    kind, name = spec.kind, spec.name
    if frame_col.dtype == "str" and not src.text_source:
        return frame_col
    trim, formula = text_flags(frame_col) if frame_col.dtype == "str" else (True, True)
    if kind == "id":
        # a CSV reader already turned the null tokens into missing values: trim only when needed
        out = parse_ids(frame_col, clean=trim or not src.csv_only)
    else:
        out = clean_text(frame_col) if trim or not src.csv_only else frame_col
    if kind == "id" and formula:
        starts = out.str.startswith("=").fillna(False).to_numpy(dtype=bool)
        if starts.any():
            check.error(
                starts,
                "{n} cells look like spreadsheet formulas",
                name,
                expected="plain values (export the values, not the formulas)",
                found=_first_bad(out, pd.Series(starts, index=out.index)),
            )
    return out.astype("str") if out.dtype != "str" else out


def _coerce_number(frame_col: pd.Series, spec: ColumnSpec, check: TableCheck, src: _Source) -> pd.Series:
    """``number`` and ``money``: float64 (an integer ``number`` column stays as read); inf is an error."""
    name = spec.name
    if spec.kind == "number" and pd.api.types.is_integer_dtype(frame_col.dtype):
        values, bad = frame_col, pd.Series(False, index=frame_col.index)
    else:
        values, bad = parse_numbers(frame_col)
    if bad.any():
        check.error(
            bad.to_numpy(),
            "{n} rows are not numbers",
            name,
            expected="a number like 1234.5 (¥, commas and 元 are accepted)",
            found=_first_bad(frame_col, bad),
        )
    infinite = np.isinf(values.to_numpy(dtype=np.float64, na_value=np.nan))
    if infinite.any():  # inf, Infinity, 1e400 …: a sum or ratio over them is inf or NaN
        check.error(
            infinite,
            "{n} rows are infinite",
            name,
            expected="a finite number",
            found=_first_bad(frame_col, pd.Series(infinite, index=frame_col.index)),
        )
        values = values.where(~infinite)
    _check_bounds(values, spec, check)
    return values


def _check_bounds(values: pd.Series, spec: ColumnSpec, check: TableCheck) -> None:
    """Errors for the values below ``spec.min`` or above ``spec.max`` (the values are kept)."""
    for limit, outside, word, sign in (
        (spec.min, lambda v, x: v < x, "below", "≥"),
        (spec.max, lambda v, x: v > x, "above", "≤"),
    ):
        if limit is None:
            continue
        mask = outside(values, limit).to_numpy()
        if mask.any():
            check.error(
                mask,
                f"{{n}} rows are {word} {limit:g}",
                spec.name,
                expected=f"{sign} {limit:g}",
                found=_first_bad(values, pd.Series(mask, index=values.index)),
            )


def _coerce_datetime(frame_col: pd.Series, spec: ColumnSpec, check: TableCheck, src: _Source) -> pd.Series:
    """``date`` (naive, local) and ``instant`` (UTC): implausible years are errors, future ones warnings."""
    kind, name = spec.kind, spec.name
    parsed = parse_datetimes(frame_col, timezone=src.tz, utc=kind == "instant")
    report_date_problems(parsed, frame_col, name, check)
    values = parsed.values
    naive = values.dt.tz_localize(None) if kind == "instant" else values
    lo, hi = naive.min(), naive.max()
    if pd.notna(lo) and (lo < _EARLIEST or hi >= _LATEST):
        odd = ((naive < _EARLIEST) | (naive >= _LATEST)).to_numpy()
        check.error(
            odd,
            "{n} rows have implausible dates",
            name,
            expected="dates between 1970 and 2099",
            found=_first_bad(naive, pd.Series(odd, index=naive.index)),
        )
    if name not in _FUTURE_OK and pd.notna(hi):
        now = src.now
        limit = now.tz_convert("UTC").tz_localize(None) if kind == "instant" else now.tz_localize(None)
        if hi > limit:
            check.warn((naive > limit).to_numpy(), "future_date", "{n} rows are dated in the future", name)
    return values


def _coerce_bool(frame_col: pd.Series, spec: ColumnSpec, check: TableCheck, src: _Source) -> pd.Series:
    """``bool``: yes/no in either language."""
    values, bad = parse_booleans(frame_col)
    if bad.any():
        check.error(
            bad.to_numpy(),
            "{n} rows are not yes/no values",
            spec.name,
            expected="true/false, yes/no, 1/0 or 是/否",
            found=_first_bad(frame_col, bad),
        )
    return values


def _coerce_category(frame_col: pd.Series, spec: ColumnSpec, check: TableCheck, src: _Source) -> pd.Series:
    """``category``: one of ``spec.allowed``, as written or trimmed and lower-cased."""
    name = spec.name
    text = frame_col if frame_col.dtype == "str" else clean_text(frame_col).astype("str")
    allowed = list(spec.allowed)
    ok = text.isin(allowed) | text.isna()
    if not ok.all():
        text = clean_text(text).str.lower().astype("str")
        ok = text.isin(allowed) | text.isna()
        if not ok.all():
            bad = (~ok).to_numpy()
            check.error(
                bad,
                "{n} rows have a value that is not allowed",
                name,
                expected=f"one of {allowed}, or the file's values mapped in a column map: "
                f"columns: {{{name}: {{column: <the file's column>, map: "
                f"{{{_first_bad(frame_col, ~ok)}: {allowed[0]}}}}}}}",
                found=_first_bad(frame_col, ~ok),
            )
    return text


def _coerce_month(frame_col: pd.Series, spec: ColumnSpec, check: TableCheck, src: _Source) -> pd.Series:
    """``month``: ``YYYY-MM`` text (``2026/3``, ``2026年3月`` and dates are accepted)."""
    text = clean_text(frame_col).astype("str")
    norm = text.str.replace(
        r"^(\d{4})[-/年.](\d{1,2})月?$", lambda m: f"{m.group(1)}-{int(m.group(2)):02d}", regex=True
    )
    ok = norm.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])").fillna(False).astype(bool)
    if not ok.all():
        parsed = parse_datetimes(frame_col, timezone=src.tz)
        as_month = parsed.values.dt.strftime("%Y-%m").astype("str")
        norm = norm.where(ok, as_month)
        bad = (~ok & parsed.bad | (~ok & as_month.isna() & text.notna())).to_numpy()
        if bad.any():
            check.error(
                bad,
                "{n} rows are not months",
                spec.name,
                expected="YYYY-MM, e.g. 2026-03",
                found=_first_bad(frame_col, pd.Series(bad, index=frame_col.index)),
            )
    return norm.where(text.notna())


#: One coercer per column kind of :mod:`sales_analytics.io.schemas`.
COERCERS: dict[str, _Coercer] = {
    "id": _coerce_text,
    "text": _coerce_text,
    "number": _coerce_number,
    "money": _coerce_number,
    "date": _coerce_datetime,
    "instant": _coerce_datetime,
    "bool": _coerce_bool,
    "category": _coerce_category,
    "month": _coerce_month,
}


def _coerce_column(frame_col: pd.Series, spec: ColumnSpec, check: TableCheck, src: _Source) -> pd.Series:
    """One column to its kind's canonical dtype, through the kind's coercer (:data:`COERCERS`)."""
    coercer = COERCERS.get(spec.kind)
    if coercer is None:
        raise ValueError(f"unknown column kind {spec.kind!r}")  # a schema bug, not a data problem
    return coercer(frame_col, spec, check, src)


#: The YAML a user adds to a column map to read D/M/YYYY or M/D/YYYY dates.
DAYFIRST_FIX = (
    "columns: {{{name}: {{column: <the file's column>, dayfirst: false}}}}  (month first; true: day first)"
)


def report_date_problems(
    parsed: Any, frame_col: pd.Series, name: str, check: TableCheck, target: str | None = None
) -> None:
    """Errors for mixed date formats, undeclared day order and unreadable dates of one column.

    ``name`` is the column as the file names it; ``target`` the canonical column (for the YAML hint).
    """
    key = target or name
    if parsed.mixed:
        families = sorted(parsed.families.items(), key=lambda kv: -kv[1])
        main = families[0][0]
        minority = np.zeros(len(frame_col), dtype=bool)
        for fam, _ in families[1:]:
            minority |= parsed.family_masks[fam].fillna(False).to_numpy(dtype=bool)
        listing = ", ".join(f"{n} rows {_describe_family(f)}" for f, n in families)
        check.error(
            minority,
            f"mixed date formats ({listing}); {{n}} rows differ from the first",
            name,
            expected=f"one format for the whole column, e.g. {_describe_family(main)}",
            found=_first_bad(frame_col, pd.Series(minority, index=frame_col.index)),
        )
    if parsed.undeclared_order:
        undeclared = parsed.family_masks.get("day_month")
        mask = (
            undeclared.fillna(False).to_numpy(dtype=bool)
            if undeclared is not None
            else parsed.bad.to_numpy(dtype=bool)
        )
        check.error(
            mask,
            "{n} rows are dates like D/M/YYYY or M/D/YYYY whose day order is not declared",
            name,
            expected="the day order declared in the column map: " + DAYFIRST_FIX.format(name=key),
            found=_first_bad(frame_col, pd.Series(mask, index=frame_col.index)),
        )
        rest = parsed.bad.to_numpy(dtype=bool) & ~mask
    else:
        rest = parsed.bad.to_numpy(dtype=bool)
    if rest.any():
        check.error(
            rest,
            "{n} rows are not valid dates",
            name,
            expected="a date like 2026-03-31 (also 2026/3/31, 2026年3月31日, Excel dates; other layouts: "
            f"columns: {{{key}: {{column: {name}, format: '%d/%m/%Y'}}}} in a column map)",
            found=_first_bad(frame_col, pd.Series(rest, index=frame_col.index)),
        )


def _empty(kind: str, n: int, default: object, index: pd.Index) -> pd.Series:
    if kind in ("number", "money"):
        return pd.Series(np.nan if default is None else float(default), index=index, dtype="float64")  # type: ignore[arg-type]
    if kind == "date":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if kind == "instant":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
    if kind == "bool" and default is not None:
        return pd.Series(bool(default), index=index, dtype=bool)
    return pd.Series(default if default is not None else np.nan, index=index, dtype="str")


def coerce_table(
    frame: pd.DataFrame,
    schema: TableSchema,
    check: TableCheck,
    *,
    tz: str = "Asia/Shanghai",
    now: pd.Timestamp | None = None,
    dup_check_max_rows: int = 500_000,
) -> pd.DataFrame:
    """Convert a mapped table to the canonical dtypes; record errors and warnings in ``check``.

    Returns a new frame: the schema's columns first (absent optional ones
    filled with their default or left empty), then any extra columns as found.

    >>> from sales_analytics.io.readers import RawTable
    >>> from sales_analytics.io.schemas import schema_for
    >>> raw = pd.DataFrame({"rep_id": ["r1"], "rep_name": ["Li"], "team": ["East"]})
    >>> chk = TableCheck("reps", [Segment(RawTable(raw, "reps.csv", "csv"), 0, 1)])
    >>> out = coerce_table(raw, schema_for("reps"), chk)
    >>> out["active"].tolist(), chk.problems
    ([True], [])
    """
    now = now if now is not None else pd.Timestamp.now(tz=tz)
    # rows whose cells were already reported while mapping (an unreadable date …) are not "empty" too
    prior = None if check.flagged is None else check.flagged[: len(frame)].copy()
    src = _Source(
        tz=tz,
        text_source=any(seg.raw.format in _TEXT_FORMATS for seg in check.segments),
        now=now,
        csv_only=all(seg.raw.format == "csv" for seg in check.segments),
    )
    missing = [c for c in schema.required if c not in frame.columns]
    for col in missing:
        check.fatal(
            f"required column {col!r} is missing",
            column=col,
            expected=f"the columns {schema.required}, or a column map in parameters/column_maps/ saying which "
            f"column it is (table: {schema.name}, detect: [<headers of the file>], "
            f"columns: {{{col}: <the file's column>}})",
            found="columns " + ", ".join(map(str, frame.columns[:15])),
        )
    out: dict[str, pd.Series] = {}
    unchanged: dict[str, pd.Series] = {}
    index = frame.index
    for spec in schema.columns:
        if spec.name not in frame.columns:
            continue
        source = frame[spec.name]
        unchanged[spec.name] = source
        col = _coerce_column(source, spec, check, src)
        out[spec.name] = _empty_cells(col, source, spec, check, prior)
    # the file's column order, then absent optional columns (not for open survey tables); columns
    # that came through unchanged are not copied (a new DataFrame would consolidate 10M-row blocks)
    changed = {c: v for c, v in out.items() if v is not unchanged.get(c)}
    if not schema.open_columns:
        for spec in schema.columns:
            if spec.name not in frame.columns and not spec.required:
                changed[spec.name] = _empty(spec.kind, len(frame), spec.default, index)
    result = frame.assign(**changed) if changed else frame.copy(deep=False)
    if check.dropped is not None:
        result = check.apply_drops(result.reset_index(drop=True))
    _check_keys(result, schema, check)
    _quality_checks(result, schema, check, dup_check_max_rows)
    return result.reset_index(drop=True)


def _empty_cells(
    col: pd.Series, source: pd.Series, spec: ColumnSpec, check: TableCheck, prior: np.ndarray | None
) -> pd.Series:
    """Blank cells of a coerced column: an error (required), a warning (``warn_missing``), the default.

    Unreadable cells are already reported, and so are the rows in ``prior`` (flagged while mapping):
    only blank cells count as empty.
    """
    empty = col.isna().to_numpy()
    if empty.any():
        blank = (
            clean_text(source).isna() if source.dtype == object or source.dtype == "str" else source.isna()
        )
        empty = empty & blank.to_numpy(dtype=bool)
        if prior is not None:
            empty = empty & ~prior
    if not empty.any():
        return col
    if spec.required and not spec.nullable:
        check.error(empty, "{n} rows are empty", spec.name, expected="a value in every row")
    elif spec.warn_missing:
        check.warn(empty, "missing_value", "{n} rows have no " + spec.name + " (kept)", spec.name)
    if spec.default is not None:
        col = col.where(~empty, spec.default)
        if spec.kind == "bool":
            col = col.astype(bool)
    return col


def _check_keys(frame: pd.DataFrame, schema: TableSchema, check: TableCheck) -> None:
    key = [c for c in schema.unique if c in frame.columns]
    if not key or len(key) != len(schema.unique):
        return
    present = frame[key].notna().all(axis=1)
    dup = frame[key].duplicated(keep=False) & present
    if dup.any():
        first = frame.loc[dup, key].iloc[0]
        check.error(
            dup.to_numpy(),
            f"{{n}} rows share a {'/'.join(key)} with another row",
            "/".join(key),
            expected=f"each {'/'.join(key)} once",
            found="/".join(map(str, first.tolist())),
        )


def _quality_checks(frame: pd.DataFrame, schema: TableSchema, check: TableCheck, dup_limit: int) -> None:
    if schema.name == "orders" and "amount" in frame.columns:
        amount = frame["amount"]
        check.warn((amount == 0).to_numpy(), "zero_amount", "{n} orders have a zero amount", "amount")
        if "status" in frame.columns:
            status = frame["status"]
            check.warn(
                ((status == "refunded") & (amount > 0)).to_numpy(),
                "refunded_order",
                "{n} refunded rows have a positive amount: each is read as an order refunded in full "
                "(no revenue, order or credit; see docs/kpis.md)",
                "amount",
            )
            check.warn(
                ((status == "paid") & (amount < 0)).to_numpy(),
                "negative_sale",
                "{n} paid rows have a negative amount",
                "amount",
            )
    if schema.name == "orders" and "quantity" in frame.columns:
        # a returned item is a refund row; a negative quantity on a paid (or status-less, so
        # paid) row is a data-entry sign error that would shrink unit counts silently
        quantity = pd.to_numeric(frame["quantity"], errors="coerce")
        paid = frame["status"] == "paid" if "status" in frame.columns else pd.Series(True, index=frame.index)
        check.warn(
            (paid & (quantity < 0)).to_numpy(dtype=bool, na_value=False),
            "negative_quantity",
            "{n} paid rows have a negative quantity (a return is a refunded row)",
            "quantity",
        )
    n = len(frame)
    if n <= dup_limit:
        frame = _hashable(frame)
        if _has_duplicate_rows(frame):
            dup = frame.duplicated(keep="first").to_numpy()
            check.warn(dup, "duplicate_row", "{n} rows repeat an earlier row exactly")
    else:
        check.note(
            "duplicate_check_skipped",
            f"{n:,} rows: the duplicate-row check was skipped (above data.dup_check_max_rows = {dup_limit:,})",
        )


def _hashable(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding lists or dicts (nested JSON that no column rule used) as JSON text."""

    def as_text(v: object) -> object:
        return (
            json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)
            if isinstance(v, list | dict)
            else v
        )

    nested = [
        c
        for c in frame.columns
        if frame[c].dtype == object and frame[c].map(lambda v: isinstance(v, list | dict)).any()
    ]
    return frame.assign(**{c: frame[c].map(as_text) for c in nested}) if nested else frame


def _has_duplicate_rows(frame: pd.DataFrame) -> bool:
    """Whether any row repeats: a DuckDB distinct count over Arrow (pandas' duplicated is 10× slower)."""
    if len(frame) < 50_000:
        return bool(frame.duplicated().any())
    import duckdb

    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError):
        return bool(frame.duplicated().any())
    con = duckdb.connect()
    try:
        con.register("t", table)
        (distinct,) = con.execute("SELECT count(*) FROM (SELECT DISTINCT * FROM t)").fetchone() or (0,)
    finally:
        con.close()
    return int(distinct) != len(frame)


def check_references(
    tables: dict[str, pd.DataFrame], checks: dict[str, TableCheck], schemas: dict[str, TableSchema]
) -> None:
    """Foreign keys (order rep_id exists in reps …) and orders outside a rep's employment."""
    for name, frame in tables.items():
        schema = schemas[name]
        for col, other, other_col in schema.references:
            if other not in tables or col not in frame.columns or other_col not in tables[other].columns:
                continue
            keys = tables[other][other_col].dropna().astype("str").unique()
            values = pa.array(frame[col].astype("str"), from_pandas=True)
            idx = pc.index_in(values, value_set=pa.array(keys, type=values.type))
            unknown = np.asarray(pc.and_(pc.is_null(idx), pc.is_valid(values)).to_numpy(zero_copy_only=False))
            if unknown.any():
                found = frame[col].to_numpy()[np.flatnonzero(unknown)[0]]
                sample = ", ".join(map(str, sorted(keys)[:5]))
                checks[name].error(
                    unknown,
                    f"{{n}} rows have a {col} that is not in {other}",
                    col,
                    expected=f"a {other_col} listed in {other} (e.g. {sample})",
                    found=found,
                )
            if name == "orders" and other == "reps" and "hire_date" in tables["reps"].columns:
                hire = tables["reps"].set_index(other_col)["hire_date"]
                hire = hire[~hire.index.duplicated()].reindex(keys)
                hire_at = np.asarray(hire.to_numpy(dtype="datetime64[ns]"))
                pos = np.asarray(pc.fill_null(idx, 0).to_numpy(zero_copy_only=False))
                before = np.zeros(len(frame), dtype=bool)
                if len(hire_at):
                    rep_hire = hire_at[pos]
                    dates = frame["order_date"].to_numpy(dtype="datetime64[ns]")
                    before = (dates < rep_hire) & ~unknown & ~np.isnat(rep_hire)
                checks[name].warn(
                    before,
                    "outside_employment",
                    "{n} orders are dated before their rep's hire date",
                    "order_date",
                )
