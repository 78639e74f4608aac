"""Turning text cells into numbers, dates, booleans and ids, vectorised.

Every parser takes a Series and returns the converted Series plus a boolean
mask of the cells that held something but could not be converted, so the
validator can name the rows. Parsers never raise on bad cells and never
mutate their input.

Numbers accept thousands separators, currency symbols (``¥ ￥ $``), ``元``,
spaces and accounting parentheses. Dates accept ISO 8601 (with or without a
time and offset), ``YYYY/MM/DD``, ``YYYY.MM.DD``, ``YYYYMMDD``,
``YYYY年M月D日`` (optionally followed by a weekday such as ``星期五``), Zoho's
``Oct 7, 2025 6:55 PM``, Excel serial numbers and epoch seconds or
milliseconds. One column must use one of these families: a column mixing two
of them is reported (a mix is how day/month swaps creep in).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sales_analytics.vocabulary import renamed_arguments

__all__ = [
    "DATE_FAMILIES",
    "NULL_TOKENS",
    "DateParse",
    "clean_text",
    "parse_booleans",
    "parse_datetimes",
    "parse_ids",
    "parse_numbers",
]

#: Cell texts read as "no value".
NULL_TOKENS: tuple[str, ...] = (
    "",
    "NA",
    "N/A",
    "n/a",
    "NaN",
    "nan",
    "null",
    "NULL",
    "None",
    "#N/A",
    "-",
    "—",
)

_NULL_SET = pa.array(NULL_TOKENS, type=pa.large_string())
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _STR_MAPPER(t: pa.DataType) -> object:
    return pd.StringDtype(na_value=np.nan)


# family name -> (regex the whole cell matches, human description)
DATE_FAMILIES: dict[str, tuple[str, str]] = {
    "iso": (
        r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$",
        "YYYY-MM-DD[ HH:MM[:SS]]",
    ),
    "slash": (r"^\d{4}/\d{1,2}/\d{1,2}(?: \d{1,2}:\d{2}(?::\d{2})?)?$", "YYYY/MM/DD[ HH:MM[:SS]]"),
    "dot": (r"^\d{4}\.\d{1,2}\.\d{1,2}(?: \d{1,2}:\d{2}(?::\d{2})?)?$", "YYYY.MM.DD"),
    "cjk": (r"^\d{4}年\d{1,2}月\d{1,2}日(?: ?\d{1,2}:\d{2}(?::\d{2})?)?$", "YYYY年M月D日"),
    "compact": (r"^(?:19|20)\d{6}$", "YYYYMMDD"),
    "zoho": (
        r"^[A-Z][a-z]{2} \d{1,2}, \d{4}(?: \d{1,2}:\d{2}(?::\d{2})? ?[AaPp][Mm])?$",
        "Mon D, YYYY[ H:MM AM]",
    ),
    "excel_serial": (r"^\d{5}(?:\.\d+)?$", "an Excel serial day number"),
    "epoch_s": (r"^1\d{9}(?:\.\d+)?$", "epoch seconds"),
    "epoch_ms": (r"^1\d{12}(?:\.0+)?$", "epoch milliseconds"),
    # D/M/YYYY or M/D/YYYY (Salesforce, Excel in many locales): read only when the column
    # declares its day order (`dayfirst` in a column map), never guessed
    "day_month": (
        r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}(?:,? \d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp]\.?[Mm]\.?)?)?$",
        "D/M/YYYY or M/D/YYYY",
    ),
}
_WEEKDAY_SUFFIX = r"\s*[（(]?(?:星期|周|礼拜)[一二三四五六日天][)）]?$"
_TZ_SUFFIX = r"(?:Z|[+-]\d{2}:?\d{2})$"


def clean_text(series: pd.Series) -> pd.Series:
    """Strip spaces (also full-width ones) and turn :data:`NULL_TOKENS` into missing values.

    Numbers and other non-text values are rendered as text first.

    >>> clean_text(pd.Series([" a ", "NA", "", None, "\u3000b"])).tolist()
    ['a', nan, nan, nan, 'b']
    """
    s = series if series.dtype == "str" else series.astype("str")
    # one pyarrow pass each: trim (Unicode whitespace, so also U+3000), then the null tokens
    arr = pc.utf8_trim(pa.array(s, type=pa.large_string(), from_pandas=True), "\ufeff \t\r\n\u3000\xa0")
    arr = pc.if_else(pc.is_in(arr, value_set=_NULL_SET), pa.scalar(None, pa.large_string()), arr)
    return pd.Series(arr.to_pandas(types_mapper=_STR_MAPPER), index=series.index, name=series.name)


def parse_numbers(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Convert cells to float64; returns ``(values, bad)`` where ``bad`` marks unreadable cells.

    >>> values, bad = parse_numbers(pd.Series(["¥1,200.50", " 3 元", "(40)", "abc", None]))
    >>> values.tolist()[:3], bad.tolist()
    ([1200.5, 3.0, -40.0], [False, False, False, True, False])
    """
    if pd.api.types.is_bool_dtype(series.dtype):
        return pd.Series(np.nan, index=series.index), series.notna()
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.astype("float64"), pd.Series(False, index=series.index)
    text = clean_text(series)
    values = pd.to_numeric(text, errors="coerce")
    residual = values.isna() & text.notna()
    if residual.any():
        rest = text[residual]
        negative = rest.str.match(r"^\(.*\)$")
        cleaned = rest.str.replace(r"[\s,，¥￥$€£元%]|RMB|CNY|USD|EUR|GBP|^\(|\)$", "", regex=True)
        again = pd.to_numeric(cleaned, errors="coerce")
        again = again.where(~negative, -again)
        values = values.astype("float64")
        values.loc[residual] = again
    values = values.astype("float64")
    return values, values.isna() & text.notna()


_FIRST_SPACE = np.zeros(256, dtype=bool)
_FIRST_SPACE[[9, 10, 13, 32, 0xE3, 0xC2, 0xEF]] = True  # also the lead bytes of U+3000, NBSP, BOM
_LAST_SPACE = np.zeros(256, dtype=bool)
_LAST_SPACE[[9, 10, 13, 32, 0x80, 0xA0, 0xBF]] = True  # also the last bytes of U+3000, NBSP, BOM


def text_flags(series: pd.Series) -> tuple[bool, bool]:
    """``(may_need_trim, may_hold_formula)`` from the first and last byte of every cell.

    Reads the Arrow buffers directly (no string is built), so a clean column of
    a big CSV costs milliseconds; ``True`` means "look closer", not "found".

    >>> text_flags(pd.Series(["a", "b "], dtype="str")), text_flags(pd.Series(["=1", "b"], dtype="str"))
    ((True, False), (False, True))
    """
    try:
        arr = pa.array(series, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return True, True
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    trim = formula = False
    for chunk in chunks:
        t, f = _chunk_flags(chunk)
        trim, formula = trim or t, formula or f
    return trim, formula


def _chunk_flags(arr: pa.Array) -> tuple[bool, bool]:
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return True, True
    if len(arr) == 0:
        return False, False
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    _, off_buf, data_buf = arr.buffers()
    if data_buf is None:
        return False, False
    offsets = np.frombuffer(off_buf, dtype=width)[arr.offset : arr.offset + len(arr) + 1].astype(np.int64)
    data = np.frombuffer(data_buf, dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    first = data[starts[filled]]
    last = data[ends[filled] - 1]
    return bool(_FIRST_SPACE[first].any() or _LAST_SPACE[last].any()), bool((first == ord("=")).any())


def parse_ids(series: pd.Series, *, clean: bool = True) -> pd.Series:
    """Ids as text: ``17850.0`` (an id written as a float) becomes ``17850``.

    >>> parse_ids(pd.Series([17850.0, None, 12.5])).tolist()
    ['17850', nan, '12.5']
    >>> parse_ids(pd.Series(["17850.0", " A-1 ", "NA"])).tolist()
    ['17850', 'A-1', nan]
    """
    if pd.api.types.is_float_dtype(series.dtype):
        integral = series.notna() & (series == np.floor(series)) & (series.abs() < 2**53)
        out = series.astype("str")
        out = out.where(~integral, series.where(integral, 0).astype("int64").astype("str"))
        return out.where(series.notna())
    text = clean_text(series) if clean or series.dtype != "str" else series
    if pd.api.types.is_string_dtype(text.dtype) and text.str.endswith(".0").any():
        float_like = text.str.fullmatch(r"-?\d+\.0+")
        text = text.where(~float_like.fillna(False).astype(bool), text.str.replace(r"\.0+$", "", regex=True))
    return text


_TRUE = {"true", "t", "yes", "y", "1", "是", "真", "在职", "active"}
_FALSE = {"false", "f", "no", "n", "0", "否", "假", "离职", "inactive"}


def parse_booleans(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Convert cells to booleans (``true/false``, ``yes/no``, ``1/0``, ``是/否``).

    Returns ``(values, bad)``; missing cells stay missing (object dtype then).

    >>> values, bad = parse_booleans(pd.Series(["true", "否", "maybe"]))
    >>> values.tolist(), bad.tolist()
    ([True, False, None], [False, False, True])
    """
    if pd.api.types.is_bool_dtype(series.dtype):
        return series, pd.Series(False, index=series.index)
    text = clean_text(series).str.lower()
    truth = text.isin(_TRUE)
    false = text.isin(_FALSE)
    bad = text.notna() & ~truth & ~false
    if text.notna().all() and not bad.any():
        return truth.astype(bool), bad
    values = pd.Series(
        [True if t else (False if f else None) for t, f in zip(truth, false)],
        index=series.index,
        dtype=object,
    )
    return values, bad


@dataclass
class DateParse:
    """The result of :func:`parse_datetimes`.

    ``undeclared_order`` counts the cells in the D/M/YYYY-or-M/D/YYYY family that were not read
    because no day order was given (they are also in ``bad``).
    """

    values: pd.Series
    bad: pd.Series
    families: dict[str, int] = field(default_factory=dict)
    family_masks: dict[str, pd.Series] = field(default_factory=dict)
    undeclared_order: int = 0

    @property
    def mixed(self) -> bool:
        """True when the column uses more than one date format family."""
        return len(self.families) > 1


def _finish(values: pd.Series, tz: str, utc: bool, aware: bool) -> pd.Series:
    """Naive local (tz given) or UTC-aware output; ``aware`` says the values are UTC instants."""
    values = values.astype("datetime64[ns, UTC]") if aware else values.astype("datetime64[ns]")
    if utc:
        return (
            values
            if aware
            else values.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
        )
    return values.dt.tz_convert(tz).dt.tz_localize(None) if aware else values


def _from_numbers(numbers: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Excel serials, epoch seconds and epoch milliseconds; returns (naive local, utc-instants, bad)."""
    serial = numbers.between(10000, 99999)
    seconds = numbers.between(1e9, 9.2e9)  # up to 2261: nanosecond timestamps end in 2262
    millis = numbers.between(1e12, 9.2e12)
    local = pd.Series(pd.NaT, index=numbers.index, dtype="datetime64[ns]")
    if serial.any():
        local[serial] = _EXCEL_EPOCH + pd.to_timedelta(numbers[serial].round(6), unit="D")
    instants = pd.Series(pd.NaT, index=numbers.index, dtype="datetime64[ns, UTC]")
    if seconds.any():
        instants[seconds] = pd.to_datetime(numbers[seconds], unit="s", utc=True)
    if millis.any():
        instants[millis] = pd.to_datetime(numbers[millis], unit="ms", utc=True)
    bad = numbers.notna() & ~serial & ~seconds & ~millis
    return local, instants, bad


def _day_month(part: pd.Series, dayfirst: bool) -> pd.Series:
    norm = part.str.replace(r"[.-]", "/", n=2, regex=True).str.replace(",", "", regex=False)
    norm = norm.str.replace(r"\s*([AaPp])\.?([Mm])\.?$", lambda m: " " + m.group(1).upper() + "M", regex=True)
    d, m = ("%d", "%m") if dayfirst else ("%m", "%d")
    parsed = pd.Series(pd.NaT, index=part.index, dtype="datetime64[ns]")
    for tail in ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p"):
        miss = parsed.isna()
        if not miss.any():
            break
        parsed[miss] = pd.to_datetime(norm[miss], format=f"{d}/{m}/%Y{tail}", errors="coerce")
    return parsed


def _with_format(series: pd.Series, fmt: str, tz: str, utc: bool) -> DateParse:
    """Cells read with one strptime format (a trailing weekday is dropped first)."""
    text = clean_text(series)
    stripped = text.str.replace(_WEEKDAY_SUFFIX, "", regex=True)
    aware = "%z" in fmt or "%Z" in fmt
    try:
        parsed = pd.to_datetime(stripped, format=fmt, errors="coerce", utc=aware)
    except ValueError:  # a format pandas cannot use at all: every cell is unreadable
        parsed = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
        aware = False
    values = _finish(parsed, tz, utc, aware)
    bad = values.isna() & text.notna()
    return DateParse(values, bad, {"format": int(text.notna().sum())})


@renamed_arguments(tz="timezone")
def parse_datetimes(
    series: pd.Series,
    *,
    timezone: str = "Asia/Shanghai",
    utc: bool = False,
    dayfirst: bool | None = None,
    fmt: str | None = None,
) -> DateParse:
    """Parse a column of dates or timestamps.

    ``fmt`` (a strptime format such as ``%d/%m/%Y``) reads every cell with that format only;
    ``dayfirst`` says how to read ``3/4/2026``-style dates (True: 3 April, False: 4 March);
    without it such cells are not read (they are counted in ``undeclared_order``).

    Output is ``datetime64[ns]`` naive in ``timezone`` (the team's local time), or
    ``datetime64[ns, UTC]`` when ``utc`` is true. Text without an offset is
    read as local time; offsets, epoch numbers and tz-aware values are
    instants and are converted.

    Returns a :class:`DateParse` (``values``, ``bad`` mask, ``families``:
    rows per format family).

    >>> r = parse_datetimes(pd.Series(["2018-01-01 星期五", "2018-01-02", "2018-02-30"]))
    >>> [str(v.date()) if pd.notna(v) else None for v in r.values], r.bad.tolist(), r.families
    (['2018-01-01', '2018-01-02', None], [False, False, True], {'iso': 3})
    >>> parse_datetimes(pd.Series(["Oct 7, 2025 6:55 PM"])).values[0]
    Timestamp('2025-10-07 18:55:00')
    >>> parse_datetimes(pd.Series(["3/4/2026"]), dayfirst=False).values[0]
    Timestamp('2026-03-04 00:00:00')
    """
    index = series.index
    if fmt and not (
        pd.api.types.is_datetime64_any_dtype(series.dtype)
        or (pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype))
    ):
        return _with_format(series, fmt, timezone, utc)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return DateParse(_finish(series, timezone, utc, True), pd.Series(False, index=index))
    if pd.api.types.is_datetime64_dtype(series.dtype):
        return DateParse(_finish(series, timezone, utc, False), pd.Series(False, index=index))
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        local, instants, bad = _from_numbers(series.astype("float64"))
        values = _finish(local, timezone, utc, False)
        if instants.notna().any():
            values = values.where(instants.isna(), _finish(instants, timezone, utc, True))
        return DateParse(values, bad)
    if series.dtype == object:
        sample = series.dropna()
        if len(sample) and all(
            isinstance(v, pd.Timestamp | np.datetime64) or hasattr(v, "year") for v in sample.iloc[:50]
        ):
            try:
                converted = pd.to_datetime(series, errors="coerce")
            except (TypeError, ValueError):
                converted = None
            if converted is not None and not (converted.isna() & series.notna()).any():
                return parse_datetimes(converted, timezone=timezone, utc=utc)
    undeclared = 0
    text = clean_text(series)
    # parse each distinct text once: dates repeat a lot in order tables
    uniques = pd.Series(text.dropna().unique(), dtype="str")
    uniques = uniques.str.replace(_WEEKDAY_SUFFIX, "", regex=True)
    u_local = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[ns]")
    u_inst = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[ns, UTC]")
    u_family = pd.Series(None, index=uniques.index, dtype=object)
    for name, (pattern, _) in DATE_FAMILIES.items():
        todo = u_family.isna()
        if not todo.any():
            break
        hit = todo & uniques.str.fullmatch(pattern).fillna(False).astype(bool)
        if hit.any():
            u_family[hit] = name
    for name in u_family.dropna().unique():
        mask = u_family == name
        part = uniques[mask]
        if name == "iso":
            aware = part.str.contains(_TZ_SUFFIX, regex=True)
            if aware.any():
                u_inst[mask & aware.reindex(mask.index, fill_value=False)] = pd.to_datetime(
                    part[aware].str.replace(" ", "T", n=1), format="ISO8601", utc=True, errors="coerce"
                )
            naive = part[~aware]
            parsed = pd.to_datetime(naive, format="ISO8601", errors="coerce")
            for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"):
                miss = parsed.isna()
                if not miss.any():
                    break
                parsed[miss] = pd.to_datetime(naive[miss], format=fmt, errors="coerce")
            u_local[naive.index] = parsed
        elif name in ("slash", "dot", "cjk"):
            norm = (
                part.str.replace(r"[/.年月]", "-", regex=True).str.replace("日", " ", regex=False).str.strip()
            )
            norm = norm.str.replace(r"\s+", " ", regex=True)
            parsed = pd.Series(pd.NaT, index=part.index, dtype="datetime64[ns]")
            for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
                miss = parsed.isna()
                if not miss.any():
                    break
                parsed[miss] = pd.to_datetime(norm[miss], format=fmt, errors="coerce")
            u_local[part.index] = parsed
        elif name == "day_month":
            if dayfirst is None:
                undeclared = int(mask.sum())  # distinct texts; rows are counted below
                continue
            u_local[part.index] = _day_month(part, dayfirst)
        elif name == "compact":
            u_local[part.index] = pd.to_datetime(part, format="%Y%m%d", errors="coerce")
        elif name == "zoho":
            parsed = pd.Series(pd.NaT, index=part.index, dtype="datetime64[ns]")
            norm = part.str.upper().str.replace(r"(\d)([AP]M)$", r"\1 \2", regex=True).str.title()
            norm = norm.str.replace(r" (Am|Pm)$", lambda m: " " + m.group(1).upper(), regex=True)
            for fmt in ("%b %d, %Y %I:%M %p", "%b %d, %Y %I:%M:%S %p", "%b %d, %Y"):
                miss = parsed.isna()
                if not miss.any():
                    break
                parsed[miss] = pd.to_datetime(norm[miss], format=fmt, errors="coerce")
            u_local[part.index] = parsed
        else:  # numbers written as text
            local, instants, _ = _from_numbers(pd.to_numeric(part, errors="coerce"))
            u_local[part.index] = local
            u_inst[part.index] = instants
    # back to the rows
    codes = pd.Index(text.dropna().unique()).get_indexer(text)
    present = codes >= 0
    safe = np.where(present, codes, 0)

    def spread(u: pd.Series, dtype: str) -> pd.Series:
        if len(u) == 0:
            return pd.Series(pd.NaT, index=index, dtype=dtype)
        out = pd.Series(u.to_numpy()[safe], index=index)
        return out.where(present).astype(dtype)

    local = spread(u_local, "datetime64[ns]")
    values = _finish(local, timezone, utc, False)
    if u_inst.notna().any():
        inst = spread(u_inst, "datetime64[ns, UTC]")
        values = values.where(inst.isna(), _finish(inst, timezone, utc, True))
    fam = (
        pd.Series(u_family.to_numpy()[safe], index=index).where(present)
        if len(u_family)
        else pd.Series(None, index=index, dtype=object)
    )
    families = {str(k): int(v) for k, v in fam.value_counts().items()}
    masks = {k: (fam == k) for k in families} if len(families) > 1 else {}
    bad = values.isna() & text.notna()
    if undeclared:
        undeclared = int(families.get("day_month", 0))
    return DateParse(values, bad, families, masks, undeclared)
