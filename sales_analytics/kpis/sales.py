"""Sales KPIs: revenue, orders, order value, customers (new / returning), revenue per working day.

Conventions (docs/architecture.md): revenue is net of refunds, i.e. the sum of
``amount`` over ``paid`` and ``refunded`` rows (refund amounts are negative);
``cancelled`` rows count nowhere. Orders are distinct ``order_id`` over
``paid`` rows, so refund and cancelled rows are not orders; a ``refunded`` row
with a positive amount is an order refunded in full and counts nowhere, and a
paid order that refund lines cancel in full within its month is no order
either (:mod:`sales_analytics.refunds`). A customer is
*new* in the period that holds their first ever paid order, and *returning*
in any later period in which they buy.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from sales_analytics.errors import DataError, DataProblem, require_columns
from sales_analytics.kpis._core import (
    Codes,
    PeriodAxis,
    bad_rows,
    check_fiscal_start,
    check_grain,
    combine,
    dense,
    distinct_count,
    distinct_pairs,
    drop_adjacent_duplicates,
    encode,
    log,
    month_index,
    parse_periods,
    period_axis,
    period_index,
    safe_ratio,
    split,
    to_categorical,
)
from sales_analytics.kpis.facts import (
    ORDER_COLUMNS,
    OrderFacts,
    _checked,
    _first_months,
    _id_codes,
    _without_full_refunds,
)
from sales_analytics.periods import Period
from sales_analytics.refunds import normalize_refunds
from sales_analytics.workdays import WorkdayCalendar, calendar_options

__all__ = ["SALES_COLUMNS", "prepare_orders", "purchase_summary", "read_orders", "sales_kpis"]

SALES_COLUMNS = ("revenue", "orders", "aov", "customers", "new_customers", "returning_customers")
_ID_COLUMNS = ("order_id", "customer_id", "rep_id", "status", "product_id", "product_category", "channel")
_MAX_DENSE_CELLS = 1 << 26


# ------------------------------------------------------------- preparation
def prepare_orders(orders: pd.DataFrame) -> pd.DataFrame:
    """A copy of the orders with id and label columns as categoricals, for fast repeated KPIs.

    Every KPI function accepts string columns; with categorical columns it
    reads the integer codes directly instead of hashing strings on each call,
    which matters when one table feeds many KPI tables (the notebook, the
    benchmark). Values are unchanged.

    Parameters
    ----------
    orders : canonical orders (order_id, order_date, customer_id, rep_id, amount
        [, status, product_id, product_category, quantity, channel]).

    Returns
    -------
    DataFrame
        The same columns and rows; ``order_id, customer_id, rep_id, status,
        product_id, product_category, channel`` as ``category``.

    Examples
    --------
    >>> o = pd.DataFrame({"order_id": ["o1"], "order_date": pd.to_datetime(["2026-03-02"]),
    ...                   "customer_id": ["c1"], "rep_id": ["r1"], "amount": [10.0]})
    >>> prepare_orders(o)["rep_id"].dtype
    CategoricalDtype(categories=['r1'], ordered=False, categories_dtype=str)
    """
    require_columns(orders, "orders", ORDER_COLUMNS)
    converted = {}
    for col in orders.columns:
        s = orders[col]
        if col in _ID_COLUMNS and not isinstance(s.dtype, pd.CategoricalDtype):
            c = encode(s)
            converted[col] = to_categorical(c)
    return orders.assign(**converted)  # untouched columns are shared (copy-on-write), not copied


def read_orders(source: str | Path | pa.Table, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Orders from a Parquet file (or an Arrow table) straight into the form :func:`prepare_orders` gives.

    The id and label columns become categoricals without passing through
    pandas strings (converting 10M strings to pandas and hashing them again
    cost more than the KPIs themselves): from a file they are read as the
    dictionaries Parquet stores, from an Arrow table dictionary-encoded by
    Arrow, one column per thread. The result equals
    ``prepare_orders(pd.read_parquet(source, columns=columns))``.

    Parameters
    ----------
    source : a Parquet file of canonical orders, a ``pyarrow.Table`` of them, or a run's
        snapshot folder (``inputs/``), whose codes of the id columns are used instead of hashing.
    columns : read only these columns (default all).
    """
    if not isinstance(source, pa.Table) and Path(source).is_dir():
        from sales_analytics.io.snapshot import read_snapshot_table

        frame = read_snapshot_table(source, "orders", columns=None if columns is None else list(columns))
        require_columns(frame, "orders", ORDER_COLUMNS)
        return prepare_orders(frame)
    if isinstance(source, pa.Table):
        frame = _frame_of(source if columns is None else source.select(list(columns)))
    else:
        frame = _read_frame(source, columns)
    require_columns(frame, "orders", ORDER_COLUMNS)
    return frame


def _frame_of(table: pa.Table, dictionaries: Sequence[str] = ()) -> pd.DataFrame:
    """An Arrow table of orders as a frame, its id and label columns categoricals.

    ``dictionaries``: id and label columns read as Parquet's dictionaries, to be
    unified and ordered as the others are encoded; a dictionary column the
    table itself declares (a categorical written as such) is kept as stored.
    """
    names = table.column_names
    ids = [
        c
        for c in names
        if c in _ID_COLUMNS and (c in dictionaries or not pa.types.is_dictionary(table.schema.field(c).type))
    ]
    id_columns = {c: table.column(c) for c in ids}
    rest = table.drop_columns(ids)
    del table  # each string column is freed once encoded, not held to the end
    with ThreadPoolExecutor(max_workers=min(4, max(1, len(ids)))) as pool:
        encoded = {c: pool.submit(_categorical_of, id_columns.pop(c)) for c in ids}
        plain = rest.to_pandas(types_mapper=_string_dtype, split_blocks=True, self_destruct=True)
        del rest
        return pd.DataFrame({c: encoded[c].result() if c in encoded else plain[c] for c in names})


def _read_frame(source: str | Path, columns: Sequence[str] | None) -> pd.DataFrame:
    """The orders in Parquet file ``source`` as a frame, the id and label columns read as Parquet stores them.

    The Parquet writer keeps a dictionary of each string column's values per
    row group; the label and id columns are read as those dictionaries (no
    string column of 10M values made, then hashed). ``order_id``, nearly
    unique, is read and encoded first and alone: its per-row-group dictionaries
    would be hashed again to unify them, and its strings are freed before the
    other columns are read (the peak memory of a 10M load, docs/scaling.md).
    """
    import pyarrow.parquet as pq

    schema = pq.read_schema(source)
    names = list(schema.names if columns is None else columns)
    strings = {
        c
        for c in names
        if c in _ID_COLUMNS
        and c in schema.names
        and (pa.types.is_string(schema.field(c).type) or pa.types.is_large_string(schema.field(c).type))
    }
    first = "order_id" if "order_id" in strings else None
    order_ids = (
        None if first is None else _categorical_of(pq.read_table(source, columns=[first]).column(first))
    )
    coded = sorted(strings - {first})
    frame = _frame_of(
        pq.read_table(source, columns=[c for c in names if c != first], read_dictionary=coded), coded
    )
    if first is not None:
        frame.insert(names.index(first), first, order_ids)
    return frame


def _string_dtype(t: pa.DataType) -> object:
    return pd.StringDtype(na_value=np.nan) if pa.types.is_string(t) or pa.types.is_large_string(t) else None


def _categorical_of(column: pa.ChunkedArray) -> pd.Categorical:
    """A categorical whose categories are the column's distinct values in order of appearance, as ``encode``.

    A column read as dictionaries (one per Parquet row group) has them unified
    and put in order of first appearance, whatever order the file's writer
    stored them in; values its rows do not use are dropped.
    """
    import pyarrow.compute as pc

    stored = pa.types.is_dictionary(column.type)
    enc = pc.dictionary_encode(column)
    enc = enc.combine_chunks() if isinstance(enc, pa.ChunkedArray) else enc  # unifies the dictionaries
    idx = enc.indices
    codes = (idx if idx.null_count == 0 else pc.fill_null(idx, -1)).to_numpy(zero_copy_only=False)
    dictionary = enc.dictionary
    if stored:
        seen = pd.unique(codes)
        seen = seen[seen >= 0]
        if len(seen) != len(dictionary) or (seen != np.arange(len(seen))).any():
            remap = np.full(len(dictionary) + 1, -1, dtype=codes.dtype)  # the last entry maps -1
            remap[seen] = np.arange(len(seen), dtype=codes.dtype)
            codes = remap[codes]
            dictionary = dictionary.take(pa.array(seen))
    uniques = pd.Index(dictionary.to_pandas(types_mapper=_string_dtype))
    return to_categorical(Codes(codes, uniques))


# ---------------------------------------------------------------- grouping
def _rep_lookup(reps: pd.DataFrame, rep_codes: Codes, column: str) -> pd.Series:
    """``reps[column]`` for each rep id in ``rep_codes.uniques`` (NaN when the rep is unknown)."""
    require_columns(reps, "reps", ("rep_id", column))
    dup = reps["rep_id"].duplicated(keep="first").to_numpy()
    if dup.any():
        raise DataError(
            [bad_rows("reps", "rep_id", dup, "repeat a rep_id", "one row per rep", reps["rep_id"])]
        )
    table = pd.Series(reps[column].to_numpy(), index=pd.Index(reps["rep_id"].astype(str)))
    return table.reindex(pd.Index(rep_codes.uniques.astype(str)))


def _source_columns(orders: pd.DataFrame | OrderFacts) -> list[str]:
    return list(orders.source_columns) if isinstance(orders, OrderFacts) else list(map(str, orders.columns))


def _column_codes(orders: pd.DataFrame | OrderFacts, column: str) -> Codes:
    return orders.codes(column) if isinstance(orders, OrderFacts) else encode(orders[column])


def _rep_codes(orders: pd.DataFrame | OrderFacts) -> Codes:
    return orders.id_codes("rep_id") if isinstance(orders, OrderFacts) else _id_codes(orders, "rep_id")


def _group_columns(
    orders: pd.DataFrame | OrderFacts,
    by: Sequence[str],
    reps: pd.DataFrame | None,
) -> list[tuple[str, np.ndarray, int, np.ndarray]]:
    """For each ``by`` column: (name, dense row codes, size, labels by code)."""
    out = []
    rep_codes: Codes | None = None
    columns = _source_columns(orders)
    for col in by:
        if col in columns:
            c = _column_codes(orders, col)
            codes, size = dense(c)
            labels = np.append(np.asarray(c.uniques.astype(object)), np.nan)[:size]
        elif reps is not None and col in reps.columns:
            if rep_codes is None:
                rep_codes = _rep_codes(orders)
            values = _rep_lookup(reps, rep_codes, col)
            unknown = values.isna().to_numpy()
            if unknown.any():
                log.warning(
                    "%d rep_id(s) in orders have no %s in reps (e.g. %r); they form an empty group",
                    int(unknown.sum()),
                    col,
                    str(rep_codes.uniques[np.flatnonzero(unknown)[0]]),
                )
            sub = encode(values)
            sub_codes, size = dense(sub)
            codes = sub_codes[rep_codes.codes]
            labels = np.append(np.asarray(sub.uniques.astype(object)), np.nan)[:size]
        else:
            where = "the orders table" + (
                " or the reps table"
                if reps is not None
                else " (pass `reps` to group by team, region or manager)"
            )
            raise DataError(
                [
                    DataProblem(
                        "orders",
                        f"cannot group by {col!r}: not a column of {where}",
                        column=col,
                        expected="one of "
                        + ", ".join(columns + ([] if reps is None else list(map(str, reps.columns)))),
                    )
                ]
            )
        out.append((col, codes, size, labels))
    return out


@lru_cache(maxsize=512)
def _workdays(period: str, options: tuple[tuple[str, tuple], ...] = ()) -> float:
    from sales_analytics.workdays import CalendarCoverageError, workdays_in_month

    try:
        return float(workdays_in_month(period, **dict(options)))
    except CalendarCoverageError as exc:
        log.warning("revenue per working day is n/a for %s: %s", period, exc)
        return float("nan")


def _axis_for(
    months: np.ndarray, grain: str, fiscal_year_start: int, periods: Sequence[Period | str] | None
) -> tuple[PeriodAxis, list[Period] | None]:
    if periods is not None:
        wanted = parse_periods(periods, grain, fiscal_year_start)
        if not wanted:
            raise ValueError("`periods` is empty; pass None for every period in the data")
        lo = min(p.first_month for p in wanted)
        hi = max(p.months()[-1] for p in wanted)
        return period_axis(
            lo.year * 12 + lo.index - 1, hi.year * 12 + hi.index - 1, grain, fiscal_year_start
        ), wanted
    valid = months[months >= 0]
    return period_axis(int(valid.min()), int(valid.max()), grain, fiscal_year_start), None


# ------------------------------------------------------------------ sales
def sales_kpis(
    orders: pd.DataFrame | OrderFacts,
    *,
    by: Sequence[str] = (),
    reps: pd.DataFrame | None = None,
    grain: str = "month",
    fiscal_year_start: int = 1,
    periods: Sequence[Period | str] | None = None,
    workday_calendar: WorkdayCalendar | None = None,
) -> pd.DataFrame:
    """Revenue, orders, order value and customers per period and group.

    Parameters
    ----------
    orders : canonical orders: order_id, order_date, customer_id, rep_id,
        amount [, status, product_category, channel, …]. Refund rows
        (``status == "refunded"``, negative amount) reduce revenue; refund and
        cancelled rows are not orders; cancelled rows count nowhere. Or their
        :func:`~sales_analytics.kpis.order_facts`, prepared once for many calls
        (the same result).
    by : grouping columns, each a column of ``orders`` (rep_id,
        product_category, channel, …) or of ``reps`` (team, region, manager),
        joined through rep_id.
    reps : canonical reps (rep_id, team [, region, manager, hire_date,
        active]). When given and every ``by`` column comes from the reps (or
        ``by`` is rep_id), each active rep has a row from their hire month on,
        with zeros in months without sales.
    grain : ``month``, ``quarter`` or ``year`` (fiscal quarters and years with
        ``fiscal_year_start``).
    periods : only these periods (default: every period from the first to
        the last order; for the company-wide table, periods without sales
        appear with zeros). New customers are judged on the full history.
    workday_calendar : the team's own days off and working days (``rules.calendar``
        of the group rules: ``extra_holidays``, ``extra_workdays``, ``extra_years``)
        counted in ``workdays``; default the statutory calendar alone.

    Returns
    -------
    DataFrame
        ``period, <by…>, revenue, orders, aov, customers, new_customers,
        returning_customers`` and, for months, ``workdays,
        revenue_per_workday`` (working days from :mod:`sales_analytics.workdays`;
        NaN outside the holiday calendar). ``aov`` = revenue / orders, NaN
        without orders. One row per period and group present, sorted.

    Examples
    --------
    >>> o = pd.DataFrame({"order_id": ["o1", "o2", "o1-R"], "customer_id": ["c1", "c2", "c1"],
    ...     "order_date": pd.to_datetime(["2026-03-02", "2026-03-05", "2026-03-09"]),
    ...     "rep_id": ["r1", "r1", "r1"], "amount": [100.0, 50.0, -30.0],
    ...     "status": ["paid", "paid", "refunded"]})
    >>> sales_kpis(o, by=["rep_id"])[["period", "rep_id", "revenue", "orders", "aov", "customers"]]
        period rep_id  revenue  orders   aov  customers
    0  2026-03     r1    120.0       2  60.0          2
    """
    res = _sales(orders, by=by, reps=reps, grain=grain, fiscal_year_start=fiscal_year_start, periods=periods)
    if workday_calendar is not None and grain == "month":
        res = _with_workdays(res, workday_calendar)
    return res


def _sales(
    orders: pd.DataFrame | OrderFacts,
    *,
    by: Sequence[str] = (),
    reps: pd.DataFrame | None = None,
    grain: str = "month",
    fiscal_year_start: int = 1,
    periods: Sequence[Period | str] | None = None,
    revenue_only: bool = False,
) -> pd.DataFrame:
    """:func:`sales_kpis`; with ``revenue_only`` the order and customer counts are skipped (left 0)."""
    check_grain(grain)
    check_fiscal_start(fiscal_year_start)
    by = list(by)
    if len(set(by)) != len(by) or "period" in by:
        raise ValueError(f"`by` must name distinct columns other than 'period', got {by!r}.")
    if reps is not None:
        require_columns(reps, "reps", ("rep_id",))
    facts = orders if isinstance(orders, OrderFacts) else None
    if facts is not None:
        amount, is_order, counts_revenue, months = (
            facts.amount,
            facts.paid,
            facts.counts_revenue,
            facts.months,
        )
    else:
        orders = normalize_refunds(orders)
        days, amount, is_order, counts_revenue = _checked(orders)
        months = month_index(days)
    if len(orders) == 0 or not counts_revenue.any():
        if periods is None:
            return _empty(by, grain)
    axis, wanted = (
        _axis_for(
            months[counts_revenue] if counts_revenue.any() else months, grain, fiscal_year_start, periods
        )
        if len(orders)
        else (None, None)
    )
    if axis is None:
        return _empty(by, grain)
    ppos = axis.positions(months)
    groups = _group_columns(orders, by, reps)
    key, size, radices = combine([(ppos, len(axis.periods))] + [(codes, sz) for _, codes, sz, _ in groups])
    inside = ppos >= 0
    rev_rows = counts_revenue & inside
    ord_rows = is_order & inside

    compress = size > _MAX_DENSE_CELLS
    if compress:  # very many groups: number the cells that occur instead
        cell_codes, cell_keys = pd.factorize(key[rev_rows | ord_rows])
        key_all = np.full(len(key), -1, dtype=np.int64)
        key_all[rev_rows | ord_rows] = cell_codes
        key, size = key_all, len(cell_keys)
    n_rows = np.bincount(key[rev_rows], minlength=size)
    revenue = np.bincount(key[rev_rows], weights=amount[rev_rows], minlength=size)

    cells = _Cells(
        compress=compress,
        cell_keys=cell_keys if compress else None,
        radices=radices,
        axis=axis,
        groups=groups,
        by=by,
        reps=reps,
        wanted=wanted,
        grain=grain,
    )
    if revenue_only:
        zeros = np.zeros(size, dtype=np.int64)
        present = np.flatnonzero(n_rows > 0)
        return _assemble(cells, present, revenue=revenue, n_orders=zeros, customers=zeros, new=zeros)
    if facts is not None:
        oc, cc, is_order, first = facts.order, facts.customer, facts.is_order, facts.first_month
    else:
        oc = _id_codes(orders, "order_id")
        cc = _id_codes(orders, "customer_id")
        is_order = _without_full_refunds(is_order, counts_revenue, oc, months, amount)
        first = _first_months(cc.codes, cc.n, months, is_order)
    ord_rows = is_order & inside
    # the lines of one order are usually adjacent: keep one row per run of (order, group cell)
    rows = np.flatnonzero(ord_rows)
    rows = rows[drop_adjacent_duplicates(oc.codes[rows], key[rows])]
    okeys = key[rows]
    n_orders = distinct_count(okeys, oc.codes[rows], size, oc.n)

    first_pos = axis.positions(first)
    g, cust = distinct_pairs(okeys, cc.codes[rows], size, cc.n)
    customers = np.bincount(g, minlength=size)
    if compress:
        g_period = split(cell_keys[g], radices)[0]
    else:
        g_period = g // (size // len(axis.periods))
    new = np.bincount(g[first_pos[cust] == g_period], minlength=size)

    present = np.flatnonzero((n_rows > 0) | (n_orders > 0))
    return _assemble(cells, present, revenue=revenue, n_orders=n_orders, customers=customers, new=new)


@dataclass(frozen=True, kw_only=True)
class _Cells:
    """How the group cells of one KPI pass are numbered, and what the result is grouped by."""

    compress: bool  # cells numbered as they occur (``cell_keys``) instead of densely
    cell_keys: np.ndarray | None
    radices: list[int]
    axis: PeriodAxis
    groups: list[tuple[str, np.ndarray, int, np.ndarray]]
    by: Sequence[str]
    reps: pd.DataFrame | None
    wanted: list[Period] | None
    grain: str


def _assemble(
    cells: _Cells,
    present: np.ndarray,
    *,
    revenue: np.ndarray,
    n_orders: np.ndarray,
    customers: np.ndarray,
    new: np.ndarray,
) -> pd.DataFrame:
    """The result frame of the non-empty cells (with zero rows added by :func:`_fill`)."""
    keys = cells.cell_keys[present] if cells.compress and cells.cell_keys is not None else present
    parts = split(keys, cells.radices)
    data: dict[str, object] = {"period": np.asarray(cells.axis.labels, dtype=object)[parts[0]]}
    for (col, _, _, labels), part in zip(cells.groups, parts[1:]):
        data[col] = labels[part]
    data["revenue"] = revenue[present]
    data["orders"] = n_orders[present]
    data["customers"] = customers[present]
    data["new_customers"] = new[present]
    out = pd.DataFrame(data)
    out = _fill(out, cells.by, cells.reps, cells.axis, cells.groups)
    if cells.wanted is not None:
        out = out[out["period"].isin([str(p) for p in cells.wanted])]
    return _finish(out, cells.by, cells.grain)


def _empty(by: Sequence[str], grain: str) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "period": pd.Series([], dtype="str"),
            **{c: pd.Series([], dtype=object) for c in by},
            "revenue": pd.Series([], dtype=float),
            "orders": pd.Series([], dtype="int64"),
            "customers": pd.Series([], dtype="int64"),
            "new_customers": pd.Series([], dtype="int64"),
        }
    )
    return _finish(out, by, grain)


def _fill(
    out: pd.DataFrame, by: Sequence[str], reps: pd.DataFrame | None, axis: PeriodAxis, groups: list
) -> pd.DataFrame:
    """Add zero rows: every period when ``by`` is empty; active reps' groups when ``reps`` is given."""
    if not by:
        grid = pd.DataFrame({"period": axis.labels})
    elif reps is not None and all(c == "rep_id" or (c in reps.columns and c not in _ID_COLUMNS) for c in by):
        r = reps
        if "active" in r.columns:
            r = r[r["active"].fillna(True).astype(bool).to_numpy()]
        starts = np.full(len(r), -1, dtype=np.int64)
        if "hire_date" in r.columns:
            hd = pd.to_datetime(r["hire_date"], errors="coerce").to_numpy(dtype="datetime64[ns]")
            starts = month_index(hd)
        ends = np.array([p.months()[-1].year * 12 + p.months()[-1].index - 1 for p in axis.periods])
        rows = []
        keyvals = r[list(by)].astype(object).to_numpy()
        for i, p in enumerate(axis.labels):
            ok = starts <= ends[i]
            for vals in keyvals[ok]:
                rows.append((p, *vals))
        grid = pd.DataFrame(rows, columns=["period", *by]).drop_duplicates()
    else:
        return out
    if grid.empty:
        return out
    for col in by:
        grid[col] = grid[col].astype(object)
        out[col] = out[col].astype(object)
    merged = out.merge(grid, on=["period", *by], how="outer")
    for col in ("revenue", "orders", "customers", "new_customers"):
        merged[col] = merged[col].fillna(0)
    return merged


def _finish(out: pd.DataFrame, by: Sequence[str], grain: str) -> pd.DataFrame:
    out = out.sort_values(["period", *by], kind="stable", na_position="last").reset_index(drop=True)
    res = pd.DataFrame({"period": out["period"].astype("str")})
    for col in by:
        res[col] = pd.Series(out[col].to_numpy(dtype=object)).infer_objects()
    res["revenue"] = out["revenue"].astype(np.float64).to_numpy()
    res["orders"] = out["orders"].astype(np.int64).to_numpy()
    res["aov"] = safe_ratio(res["revenue"], res["orders"])
    res["customers"] = out["customers"].astype(np.int64).to_numpy()
    res["new_customers"] = out["new_customers"].astype(np.int64).to_numpy()
    res["returning_customers"] = res["customers"] - res["new_customers"]
    if grain == "month":
        res = _with_workdays(res, None)
    return res


def _with_workdays(res: pd.DataFrame, calendar: WorkdayCalendar | None) -> pd.DataFrame:
    """``workdays`` and ``revenue_per_workday`` of a monthly table, counted on ``calendar``."""
    options = tuple(sorted(calendar_options(calendar).items()))
    wd = np.array([_workdays(p, options) for p in res["period"]], dtype=np.float64)
    res["workdays"] = wd
    res["revenue_per_workday"] = safe_ratio(res["revenue"], wd)
    return res


# ---------------------------------------------------------------- RFM inputs
def purchase_summary(orders: pd.DataFrame | OrderFacts, *, as_of: date | datetime | str) -> pd.DataFrame:
    """Recency, frequency and monetary value per customer as of a date (the RFM inputs).

    Parameters
    ----------
    orders : canonical orders (order_id, order_date, customer_id, rep_id, amount [, status]),
        or their :func:`~sales_analytics.kpis.order_facts`.
    as_of : last day counted (inclusive); later rows are ignored.

    Returns
    -------
    DataFrame
        ``customer_id, first_order_date, last_order_date, recency_days,
        frequency, monetary``: dates of the first and last paid order,
        days from the last paid order to ``as_of``, distinct paid orders, and
        net revenue (paid + refunded). One row per customer with a paid order
        on or before ``as_of``, sorted by customer_id.

    Examples
    --------
    >>> o = pd.DataFrame({"order_id": ["o1", "o2", "o1-R"], "customer_id": ["c1", "c1", "c1"],
    ...     "order_date": pd.to_datetime(["2026-03-02", "2026-03-20", "2026-03-21"]),
    ...     "rep_id": "r1", "amount": [100.0, 50.0, -30.0], "status": ["paid", "paid", "refunded"]})
    >>> purchase_summary(o, as_of="2026-03-31")[["customer_id", "recency_days", "frequency", "monetary"]]
      customer_id  recency_days  frequency  monetary
    0          c1            11          2     120.0
    """
    cutoff = np.datetime64(pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1), "ns")
    if isinstance(orders, OrderFacts):
        days, amount, counts_revenue = orders.days, orders.amount, orders.counts_revenue
        cc, oc, is_order = orders.customer, orders.order, orders.is_order
    else:
        orders = normalize_refunds(orders)
        days, amount, is_order, counts_revenue = _checked(orders)
        cc = _id_codes(orders, "customer_id")
        oc = _id_codes(orders, "order_id")
        is_order = _without_full_refunds(is_order, counts_revenue, oc, month_index(days), amount)
    before = days < cutoff
    ords = is_order & before
    revs = counts_revenue & before
    cust = cc.codes
    day_int = days.astype("datetime64[D]").astype(np.int64)
    last = np.full(cc.n, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, cust[ords], day_int[ords])
    first = np.full(cc.n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, cust[ords], day_int[ords])
    monetary = np.bincount(cust[revs], weights=amount[revs], minlength=cc.n)
    rows = np.flatnonzero(ords)
    rows = rows[drop_adjacent_duplicates(oc.codes[rows])]
    freq = distinct_count(cust[rows], oc.codes[rows], cc.n, oc.n)
    keep = np.flatnonzero(freq > 0)
    asof_day = (cutoff.astype("datetime64[D]") - np.timedelta64(1, "D")).astype(np.int64)
    out = pd.DataFrame(
        {
            "customer_id": pd.Series(np.asarray(cc.uniques.astype(object))[keep]).infer_objects(),
            "first_order_date": first[keep].astype("datetime64[D]").astype("datetime64[ns]"),
            "last_order_date": last[keep].astype("datetime64[D]").astype("datetime64[ns]"),
            "recency_days": (asof_day - last[keep]).astype(np.int64),
            "frequency": freq[keep].astype(np.int64),
            "monetary": monetary[keep],
        }
    )
    return out.sort_values("customer_id", kind="stable").reset_index(drop=True)


def period_positions(periods: Sequence[str], grain: str, fiscal_year_start: int) -> np.ndarray:
    """Dense integer positions of period labels (consecutive periods differ by 1)."""
    return np.array(
        [period_index(p) for p in parse_periods(periods, grain, fiscal_year_start)], dtype=np.int64
    )
