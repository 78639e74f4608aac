"""Shared machinery of the KPI functions: checks, integer codes, periods, grouped sums.

The KPI functions keep the pandas API at their surface but compute on integer
codes with numpy (``bincount``, bitmaps of distinct pairs): string-keyed
pandas group-bys and distinct counts were the slow part at 10M order rows
(see ``benchmarks/bench_kpis.py``). Categorical columns give their codes for
free; Arrow-backed string columns are dictionary-encoded by pyarrow, which
hashes strings faster than ``pd.factorize``.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, get_args

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, DataProblem, problem_at_rows
from sales_analytics.periods import Grain, Period, PeriodError, parse_period

log = logging.getLogger("sales_analytics.kpis")

GRAINS: tuple[Grain, ...] = get_args(Grain)
# Above this many (group x item) cells a distinct count hashes pairs instead of
# marking a dense bitmap (32 MB of booleans).
_BITMAP_LIMIT = 1 << 25


# ---------------------------------------------------------------- checks


def check_grain(grain: str) -> None:
    if grain not in GRAINS:
        raise ValueError(f"`grain` must be one of {list(GRAINS)}, got {grain!r}.")


def check_fiscal_start(fiscal_year_start: int) -> None:
    if not isinstance(fiscal_year_start, (int, np.integer)) or not 1 <= int(fiscal_year_start) <= 12:
        raise ValueError(
            f"`fiscal_year_start` must be a month number from 1 to 12, got {fiscal_year_start!r}."
        )


def bad_rows(
    table: str, column: str, mask: np.ndarray, problem: str, expected: str, values: pd.Series | np.ndarray
) -> DataProblem:
    """A DataProblem for the rows where ``mask`` is true, the count leading the text ("3 rows …")."""
    n = int(np.count_nonzero(mask))
    text = f"{n} {'row' if n == 1 else 'rows'} {problem}"
    return problem_at_rows(table, text, mask, column=column, expected=expected, values=values)


def as_datetime(frame: pd.DataFrame, table: str, column: str) -> np.ndarray:
    """``frame[column]`` as naive ``datetime64[ns]`` values (NaT where empty); bad text is a DataError."""
    s = frame[column]
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        parsed = pd.to_datetime(s, errors="coerce")
        bad = (parsed.isna() & s.notna()).to_numpy()
        if bad.any():
            raise DataError([bad_rows(table, column, bad, "are not dates", "YYYY-MM-DD", s)])
        s = parsed
    return s.to_numpy(dtype="datetime64[ns]")


def as_float(frame: pd.DataFrame, table: str, column: str) -> np.ndarray:
    """``frame[column]`` as float64 (NaN where empty); text that is not a number is a DataError."""
    s = frame[column]
    if pd.api.types.is_float_dtype(s.dtype) and not isinstance(s.dtype, pd.ArrowDtype):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    num = pd.to_numeric(s, errors="coerce")
    bad = (num.isna() & s.notna()).to_numpy()
    if bad.any():
        raise DataError([bad_rows(table, column, bad, "are not numbers", "a number", s)])
    return num.to_numpy(dtype=np.float64, na_value=np.nan)


# ------------------------------------------------------------------ codes
@dataclass(frozen=True)
class Codes:
    """Integer codes of a column: ``codes[i]`` indexes ``uniques``; -1 marks an empty value."""

    codes: np.ndarray
    uniques: pd.Index

    @property
    def n(self) -> int:
        return len(self.uniques)


def encode(values: pd.Series) -> Codes:
    """Integer codes for a column (categorical codes, pyarrow dictionary encoding or ``pd.factorize``).

    Codes follow the order of first appearance; uniques keep the column's dtype. An
    Arrow-backed column is encoded once: its Arrow array is immutable (pandas replaces,
    never edits it), so the codes are kept, read-only, for as long as that array lives,
    and every later call on the same column (a lever's functions each encode the
    customer and order ids again) reuses them.
    """
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return Codes(values.cat.codes.to_numpy(), values.cat.categories)
    pa_arr = getattr(values.array, "_pa_array", None)
    if pa_arr is not None and len(values) > 0:
        cached = _ENCODED.get(id(pa_arr))
        if cached is not None and cached[0]() is pa_arr:
            return cached[1]
        codes = _arrow_codes(pa_arr, dtype)
        key = id(pa_arr)
        _ENCODED[key] = (weakref.ref(pa_arr, partial(_forget, _ENCODED, key)), codes)
        return codes
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return Codes(codes, pd.Index(uniques))


# id(Arrow array) -> (weak reference to it, its codes); an entry leaves when its array is freed
_ENCODED: dict[int, tuple[weakref.ref, Codes]] = {}


def _forget(cache: dict, key: int, _ref: object) -> None:
    cache.pop(key, None)  # the cache is bound, not looked up: at interpreter exit the module's names are gone


def _arrow_codes(pa_arr: object, dtype: object) -> Codes:
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(pa_arr)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks() if enc.num_chunks != 1 else enc.chunk(0)
    return dictionary_codes(enc, dtype)


def dictionary_codes(enc: Any, dtype: object) -> Codes:
    """The :class:`Codes` of an Arrow ``DictionaryArray`` whose dictionary is distinct and in order of
    first appearance (what ``dictionary_encode`` gives): read-only codes, uniques of ``dtype``."""
    import pyarrow.compute as pc

    idx = enc.indices
    codes = (
        idx.to_numpy(zero_copy_only=False)
        if idx.null_count == 0
        else (pc.fill_null(idx, -1).to_numpy(zero_copy_only=False))
    )
    dictionary = enc.dictionary.to_pandas()
    uniques = pd.Index(dictionary.astype(dtype) if dictionary.dtype != dtype else dictionary)
    codes = codes.astype(np.int32 if len(uniques) < 2**31 else np.int64, copy=False)
    codes.setflags(write=False)  # shared by every caller of the cache: nobody may edit it
    return Codes(codes, uniques)


def remember_codes(values: pd.Series, codes: Codes) -> None:
    """Hand :func:`encode` the codes of an Arrow-backed column known without hashing it.

    A run's snapshot carries the codes of the orders' id columns (``io/snapshot.py``), so a
    notebook need not encode them again. They are kept like codes :func:`encode` computed:
    for as long as the column's Arrow array lives, so an edit of the frame (which replaces
    the array) cannot meet them. The caller vouches that ``codes`` are what :func:`encode`
    would give for ``values``.
    """
    pa_arr = getattr(values.array, "_pa_array", None)
    if pa_arr is None or len(codes.codes) != len(values):
        raise ValueError("remember_codes takes an Arrow-backed column and codes of the same length")
    codes.codes.setflags(write=False)
    key = id(pa_arr)
    _ENCODED[key] = (weakref.ref(pa_arr, partial(_forget, _ENCODED, key)), codes)


def to_categorical(codes: Codes) -> pd.Categorical:
    """A Categorical from codes whose ``uniques`` are known to be distinct (the output of :func:`encode`).

    ``Categorical.from_codes`` re-checks that the categories are distinct,
    hashing every category again: 12 s for 8.6M order ids here. The codes come
    from an encoding, so the check is skipped through pandas' own fast path
    when this pandas has it.
    """
    n = len(codes.uniques)
    itype = np.int8 if n < 2**7 else np.int16 if n < 2**15 else np.int32 if n < 2**31 else np.int64
    c = codes.codes.astype(itype, copy=False)
    from_fastpath = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    simple_new = getattr(pd.Categorical, "_simple_new", None)
    if from_fastpath is not None and simple_new is not None:
        try:
            return simple_new(c, from_fastpath(codes.uniques, False))
        except TypeError:  # pragma: no cover - a pandas without these private signatures
            pass
    return pd.Categorical.from_codes(c, categories=codes.uniques)  # pragma: no cover


def dense(codes: Codes) -> tuple[np.ndarray, int]:
    """Codes with the empty value (-1) moved to an extra last code; returns (codes, size)."""
    c = codes.codes
    if (c < 0).any():
        return np.where(c < 0, codes.n, c), codes.n + 1
    return c, codes.n


def label_values(codes: Codes, idx: np.ndarray) -> np.ndarray:
    """The labels of dense codes ``idx`` (the extra last code is NaN)."""
    uniq = np.asarray(codes.uniques.astype(object))
    ext = np.append(uniq, np.nan).astype(object)
    return ext[idx]


# ---------------------------------------------------------------- periods
def month_index(days: np.ndarray) -> np.ndarray:
    """Months since year 0 (``year * 12 + month - 1``) of ``datetime64`` values; NaT → -1."""
    nat = np.isnat(days)
    any_nat = bool(nat.any())
    d = days.astype("datetime64[D]").view(np.int64)
    if len(d) > 4096 and not nat.all():
        # a lookup over the day range is much faster than numpy's calendar arithmetic per row
        valid = d[~nat] if any_nat else d
        lo, hi = int(valid.min()), int(valid.max())
        if hi - lo < 200_000:
            span = np.arange(lo, hi + 1).astype("datetime64[D]")
            lut = span.astype("datetime64[M]").astype(np.int64) + 1970 * 12
            rel = d - lo
            if any_nat:
                rel[nat] = 0
                return np.where(nat, -1, lut[rel])
            return lut[rel]
    m = days.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    return np.where(nat, -1, m)


def month_to_period(mi: int) -> Period:
    return Period("month", mi // 12, mi % 12 + 1)


@lru_cache(maxsize=4096)
def period_of_month(mi: int, grain: str, fiscal_year_start: int) -> Period:
    """The period of ``grain`` containing month index ``mi``."""
    return Period.month(mi // 12, mi % 12 + 1).rollup(grain, fiscal_year_start=fiscal_year_start)  # type: ignore[arg-type]


def period_index(p: Period) -> int:
    """A dense integer for periods of one grain: consecutive periods differ by 1."""
    size = {"month": 12, "quarter": 4, "year": 1}[p.grain]
    return p.year * size + p.index - 1


@dataclass(frozen=True)
class PeriodAxis:
    """Consecutive periods of one grain, and the map from month index to position on the axis."""

    periods: tuple[Period, ...]
    first_month: int  # month index mapped by month_pos[0]
    month_pos: np.ndarray  # month index - first_month -> position in periods

    @property
    def labels(self) -> list[str]:
        return [str(p) for p in self.periods]

    def positions(self, months: np.ndarray) -> np.ndarray:
        """Axis positions of month indexes (-1 outside the axis or for -1)."""
        lut = np.append(self.month_pos, -1)
        rel = months - self.first_month
        rel[(rel < 0) | (rel >= len(self.month_pos)) | (months < 0)] = len(self.month_pos)
        return lut[rel]


def period_axis(first_month: int, last_month: int, grain: str, fiscal_year_start: int) -> PeriodAxis:
    """Every period of ``grain`` from the one containing ``first_month`` to the one containing ``last_month``."""
    p0 = period_of_month(first_month, grain, fiscal_year_start)
    p1 = period_of_month(last_month, grain, fiscal_year_start)
    periods = []
    p = p0
    while p <= p1:
        periods.append(p)
        p = p.next()
    fm = p0.first_month
    start = fm.year * 12 + fm.index - 1
    lm = p1.months()[-1]
    stop = lm.year * 12 + lm.index - 1
    months = np.arange(start, stop + 1)
    base = period_index(p0)
    pos = np.array([period_index(period_of_month(int(m), grain, fiscal_year_start)) - base for m in months])
    return PeriodAxis(tuple(periods), start, pos)


def parse_periods(periods: Sequence[Period | str], grain: str, fiscal_year_start: int) -> list[Period]:
    """Parse requested periods and check they are of ``grain``."""
    out = []
    for p in periods:
        q = parse_period(p, fiscal_year_start=fiscal_year_start)
        if q.grain == "month" and grain != "month":
            q = q.rollup(grain, fiscal_year_start=fiscal_year_start)  # type: ignore[arg-type]
        if q.grain != grain:
            raise PeriodError(f"period {str(p)!r} is a {q.grain}, but `grain` is {grain!r}")
        out.append(q)
    return out


def to_period(p: Period | str, fiscal_year_start: int = 1) -> Period:
    return parse_period(p, fiscal_year_start=fiscal_year_start)


# ------------------------------------------------------------ arithmetic
def safe_ratio(num: np.ndarray | pd.Series, den: np.ndarray | pd.Series) -> np.ndarray:
    """``num / den`` with NaN (never inf) where ``den`` is 0 or missing.

    >>> safe_ratio(np.array([1.0, 1.0, 1.0]), np.array([2.0, 0.0, np.nan])).tolist()
    [0.5, nan, nan]
    """
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(n, d).shape, np.nan)
    ok = np.isfinite(d) & (d != 0)
    np.divide(n, d, out=out, where=ok)
    return out


def distinct_pairs(
    g: np.ndarray, item: np.ndarray, n_groups: int, n_items: int
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (group, item) pairs among rows; both inputs non-negative codes."""
    if len(g) == 0:
        return g.astype(np.int64), item.astype(np.int64)
    cells = n_groups * n_items
    if cells <= _BITMAP_LIMIT:
        bitmap = np.zeros(cells, dtype=bool)
        bitmap[g.astype(np.int64) * n_items + item] = True
        flat = np.flatnonzero(bitmap)
    else:
        # sorting beats hashing (pd.unique) on 10M int64 keys here
        keys = np.sort(g.astype(np.int64) * n_items + item)
        first = np.empty(len(keys), dtype=bool)
        first[0] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        flat = keys[first]
    return flat // n_items, flat % n_items


def distinct_count(key: np.ndarray, item: np.ndarray, n_keys: int, n_items: int) -> np.ndarray:
    """Number of distinct ``item`` per ``key`` (both non-negative codes), as a length-``n_keys`` array.

    Items seen once are counted directly; only items seen more than once go
    through :func:`distinct_pairs`. Call it on rows where adjacent duplicates
    were already dropped (:func:`drop_adjacent_duplicates`) for the best effect.

    >>> distinct_count(np.array([0, 0, 1, 1]), np.array([5, 5, 5, 6]), 2, 7).tolist()
    [1, 2]
    """
    if len(key) == 0:
        return np.zeros(n_keys, dtype=np.int64)
    seen = np.bincount(item, minlength=n_items)
    multi = seen[item] > 1
    out = np.bincount(key[~multi], minlength=n_keys)
    if multi.any():
        g, _ = distinct_pairs(key[multi], item[multi], n_keys, n_items)
        out += np.bincount(g, minlength=n_keys)
    return out


def drop_adjacent_duplicates(*columns: np.ndarray) -> np.ndarray:
    """Positions of rows that differ from the previous row in at least one column (order lines of one order)."""
    n = len(columns[0])
    keep = np.zeros(n, dtype=bool)
    if n:
        keep[0] = True
        for c in columns:
            keep[1:] |= c[1:] != c[:-1]
    return np.flatnonzero(keep)


def combine(parts: Sequence[tuple[np.ndarray, int]]) -> tuple[np.ndarray, int, list[int]]:
    """Mixed-radix key of several dense code arrays; returns (key, number of cells, radices)."""
    key: np.ndarray | None = None
    size = 1
    radices = []
    for codes, n in parts:
        n = max(n, 1)
        key = codes.astype(np.int64) if key is None else key * n + codes
        size *= n
        radices.append(n)
    if key is None:
        raise ValueError("combine() needs at least one code array")
    return key, size, radices


def split(key: np.ndarray, radices: Sequence[int]) -> list[np.ndarray]:
    """Inverse of :func:`combine`: the code arrays of each part."""
    out = []
    rest = key.astype(np.int64)
    for n in reversed(radices):
        out.append(rest % n)
        rest = rest // n
    return out[::-1]


def index_in(values: pd.Series, uniques: pd.Index) -> np.ndarray:
    """Position of each value in ``uniques`` (distinct values), -1 where absent or missing.

    ``uniques.get_indexer(values)`` first proves ``uniques`` distinct by hashing all of it
    again (1.2 s for 3M order ids); Arrow's ``index_in`` hashes it once, to look up.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(values) or not len(uniques):
        return np.full(len(values), -1, dtype=np.int64)
    try:
        wanted = pa.array(values, from_pandas=True)
        known = pa.array(uniques, from_pandas=True).cast(wanted.type)
        if 4 * len(values) < len(uniques) and known.null_count == 0:
            return _index_in_small(wanted, known)
        found = pc.index_in(wanted, value_set=known)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):  # mixed types: pandas
        return uniques.get_indexer(values)
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _probe(known: Any, value_set: Any) -> np.ndarray:
    """``index_in(known, value_set)`` as an int array (-1: absent), long ``known`` probed in halves on two threads.

    Arrow releases the GIL and probes on one thread (8.6M order ids: 0.24 s).
    """
    import pyarrow.compute as pc

    def probe(part: Any) -> np.ndarray:
        return pc.fill_null(pc.index_in(part, value_set=value_set), -1).to_numpy(zero_copy_only=False)

    if len(known) < _PROBE_SPLIT:
        return probe(known)
    from concurrent.futures import ThreadPoolExecutor

    half = len(known) // 2
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = list(pool.map(probe, (known.slice(0, half), known.slice(half))))
    return np.concatenate(parts)


#: ``known`` values from which :func:`_probe` splits the work in two
_PROBE_SPLIT = 1 << 20


def _index_in_small(wanted: Any, known: Any) -> np.ndarray:
    """:func:`index_in` for a few values among many distinct ``known`` (no missing one): the few are hashed.

    Hashing 2.6M order ids to look up 80k refunds' orders costs 0.5-0.9 CPU s;
    hashing the 80k and probing the 2.6M, then turning the hits around, 0.14 s.
    """
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(wanted)  # the distinct wanted values; a missing value has no code
    hit = _probe(known, enc.dictionary)
    at = np.flatnonzero(hit >= 0)
    position = np.full(len(enc.dictionary) + 1, -1, dtype=np.int64)  # last slot: a missing value
    position[hit[at]] = at  # known values are distinct: each distinct wanted value is found once at most
    idx = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return position[idx]
