"""Growth: 环比 (vs the previous period) and 同比 (vs the same period last year).

docs/formulas.md §2: ``pct = (current − previous) / previous``; a previous value of
0 gives no percentage (NaN) but the absolute change; a negative previous value
(possible net of refunds) gives the absolute change only. A period still in
progress is compared with the same number of elapsed days of the comparison
periods and flagged ``partial`` (:func:`sales_growth`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import cast

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, require_columns
from sales_analytics.kpis._core import as_datetime, bad_rows, check_fiscal_start, check_grain, period_index
from sales_analytics.kpis.facts import OrderFacts
from sales_analytics.kpis.sales import sales_kpis
from sales_analytics.periods import Period, PeriodError, parse_period
from sales_analytics.workdays import WorkdayCalendar

__all__ = ["GROWTH_COLUMNS", "growth", "sales_growth"]

GROWTH_COLUMNS = (
    "previous",
    "change_vs_previous",
    "pct_vs_previous",
    "same_period_last_year",
    "change_vs_last_year",
    "pct_vs_last_year",
)
_PER_YEAR = {"month": 12, "quarter": 4, "year": 1}


def _pct(current: np.ndarray, base: np.ndarray) -> np.ndarray:
    """(current − base) / base where base > 0, else NaN (never inf)."""
    out = np.full(len(current), np.nan)
    ok = np.isfinite(base) & (base > 0)
    np.divide(current - base, base, out=out, where=ok)
    return out


def _positions(table: pd.DataFrame, grain: str, fiscal_year_start: int) -> np.ndarray:
    labels = table["period"].astype(str).to_numpy()
    cache: dict[str, int] = {}
    bad = np.zeros(len(labels), dtype=bool)
    out = np.zeros(len(labels), dtype=np.int64)
    for i, text in enumerate(labels):
        if text not in cache:
            try:
                p = parse_period(text, fiscal_year_start=fiscal_year_start)
                cache[text] = period_index(p) if p.grain == grain else -1
            except PeriodError:
                cache[text] = -1
        out[i] = cache[text]
        bad[i] = cache[text] < 0
    if bad.any():
        raise DataError(
            [
                bad_rows(
                    "table",
                    "period",
                    bad,
                    f"are not {grain}s",
                    f"a {grain} such as " + {"month": "2026-03", "quarter": "2026-Q1", "year": "2026"}[grain],
                    table["period"],
                )
            ]
        )
    return out


def growth(
    table: pd.DataFrame,
    *,
    value: str,
    by: Sequence[str] = (),
    grain: str = "month",
    fiscal_year_start: int = 1,
) -> pd.DataFrame:
    """Add 环比 and 同比 columns for one value column of a period table.

    Parameters
    ----------
    table : a KPI table with ``period`` (labels of ``grain``), the ``by``
        columns and ``value``; one row per period and group.
    value : the column to compare, e.g. ``revenue``.
    by : the group columns (rows are compared within a group).
    grain, fiscal_year_start : how to read the period labels.

    Returns
    -------
    DataFrame
        ``table`` plus ``previous, change_vs_previous, pct_vs_previous,
        same_period_last_year, change_vs_last_year, pct_vs_last_year``. A
        comparison period absent from the table gives NaN. Percentages are
        fractions (0.2 = +20%); NaN when the base is 0 or negative.

    Examples
    --------
    >>> t = pd.DataFrame({"period": ["2025-03", "2026-02", "2026-03"], "revenue": [150.0, 100.0, 120.0]})
    >>> growth(t, value="revenue").loc[2, ["previous", "pct_vs_previous", "pct_vs_last_year"]].tolist()
    [100.0, 0.2, -0.2]
    """
    check_grain(grain)
    check_fiscal_start(fiscal_year_start)
    by = list(by)
    require_columns(table, "table", ["period", *by, value])
    pos = _positions(table, grain, fiscal_year_start)
    keys = table[by].astype(object).reset_index(drop=True) if by else pd.DataFrame(index=range(len(table)))
    keys["_pos"] = pos
    dup = keys.duplicated().to_numpy()
    if dup.any():
        raise DataError(
            [
                bad_rows(
                    "table",
                    "period",
                    dup,
                    "repeat a period within a group",
                    "one row per period" + (f" and {', '.join(by)}" if by else ""),
                    table["period"],
                )
            ]
        )
    values = pd.to_numeric(table[value], errors="coerce").to_numpy(dtype=np.float64)
    base = keys.assign(_v=values)

    def lookup(shift: int) -> np.ndarray:
        other = base.assign(_pos=base["_pos"] + shift)
        merged = keys.merge(other, on=[*by, "_pos"], how="left", sort=False)
        return merged["_v"].to_numpy(dtype=np.float64)

    prev = lookup(1)
    last_year = lookup(_PER_YEAR[grain])
    out = table.copy()
    out["previous"] = prev
    out["change_vs_previous"] = values - prev
    out["pct_vs_previous"] = _pct(values, prev)
    out["same_period_last_year"] = last_year
    out["change_vs_last_year"] = values - last_year
    out["pct_vs_last_year"] = _pct(values, last_year)
    return out


def sales_growth(
    orders: pd.DataFrame | OrderFacts,
    *,
    value: str = "revenue",
    by: Sequence[str] = (),
    reps: pd.DataFrame | None = None,
    grain: str = "month",
    fiscal_year_start: int = 1,
    as_of: date | datetime | str | None = None,
    workday_calendar: WorkdayCalendar | None = None,
) -> pd.DataFrame:
    """Sales KPIs per period with growth of one column, partial periods compared like for like.

    Parameters
    ----------
    orders, by, reps, grain, fiscal_year_start : as for :func:`sales_kpis` (``orders``
        may be their :func:`~sales_analytics.kpis.order_facts`).
    value : the KPI column to compare (revenue, orders, customers, …).
    as_of : the last day of data (default: the last order date). When it
        falls before the end of its period, that period is *partial*: its
        comparison values are recomputed over the same number of elapsed days
        from the start of the previous period and of the same period last year.
    workday_calendar : the team's own calendar days for ``workdays`` (see :func:`sales_kpis`).

    Returns
    -------
    DataFrame
        The :func:`sales_kpis` columns, the growth columns of :func:`growth`,
        ``partial`` (bool) and ``elapsed_days`` (days counted in the period).

    Examples
    --------
    >>> o = pd.DataFrame({"order_id": ["a", "b", "c"], "customer_id": "c1", "rep_id": "r1",
    ...     "order_date": pd.to_datetime(["2026-02-03", "2026-02-20", "2026-03-04"]),
    ...     "amount": [100.0, 900.0, 150.0]})
    >>> g = sales_growth(o, as_of="2026-03-10")
    >>> g[["period", "revenue", "partial", "elapsed_days", "previous", "pct_vs_previous"]]
        period  revenue  partial  elapsed_days  previous  pct_vs_previous
    0  2026-02   1000.0    False            28       NaN              NaN
    1  2026-03    150.0     True            10     100.0              0.5
    """
    facts = orders if isinstance(orders, OrderFacts) else None
    if facts is not None:
        days = facts.row_days  # the input rows' dates, as the frame's order_date below
    else:
        require_columns(orders, "orders", ("order_date",))
        days = as_datetime(orders, "orders", "order_date")
    if as_of is None:
        if facts is not None:
            last = facts.last_order_date
            end = None if pd.isna(last) else pd.Timestamp(last).normalize()
        else:
            end = pd.Timestamp(days.max()).normalize() if len(days) else None
    else:
        end = pd.Timestamp(as_of).normalize()
        before = days < np.datetime64(end + pd.Timedelta(days=1), "ns")
        if not before.all():  # usually the data end by as_of: no copy of every column then
            orders = facts.where(before) if facts is not None else cast(pd.DataFrame, orders).loc[before]
            days = days[before]
    table = sales_kpis(
        orders,
        by=by,
        reps=reps,
        grain=grain,
        fiscal_year_start=fiscal_year_start,
        workday_calendar=workday_calendar,
    )
    out = growth(table, value=value, by=by, grain=grain, fiscal_year_start=fiscal_year_start)
    out["partial"] = False
    out["elapsed_days"] = [parse_period(p, fiscal_year_start=fiscal_year_start).days for p in out["period"]]
    if end is None:
        return out
    current = Period.of(end.date(), grain, fiscal_year_start=fiscal_year_start)  # type: ignore[arg-type]
    if end.date() >= current.end:
        return out
    elapsed = (end.date() - current.start).days + 1
    rows = (out["period"] == str(current)).to_numpy()
    out.loc[rows, "partial"] = True
    out.loc[rows, "elapsed_days"] = elapsed
    for base_period, col, change, pct in (
        (current.previous(), "previous", "change_vs_previous", "pct_vs_previous"),
        (current.same_period_last_year(), "same_period_last_year", "change_vs_last_year", "pct_vs_last_year"),
    ):
        base = _first_days(
            orders,
            days,
            base_period,
            elapsed,
            by=by,
            reps=reps,
            grain=grain,
            fiscal_year_start=fiscal_year_start,
            value=value,
        )
        cur = out.loc[rows, [*by, value]].reset_index(drop=True)
        if by:
            merged = cur.astype({c: object for c in by}).merge(
                base.astype({c: object for c in by}), on=list(by), how="left"
            )
            basev = merged["_base"].to_numpy(dtype=np.float64)
        else:
            basev = np.full(len(cur), base["_base"].iloc[0] if len(base) else np.nan)
        curv = cur[value].to_numpy(dtype=np.float64)
        out.loc[rows, col] = basev
        out.loc[rows, change] = curv - basev
        out.loc[rows, pct] = _pct(curv, basev)
    return out


def _first_days(
    orders: pd.DataFrame | OrderFacts,
    days: np.ndarray,
    period: Period,
    elapsed: int,
    *,
    by: Sequence[str],
    reps: pd.DataFrame | None,
    grain: str,
    fiscal_year_start: int,
    value: str,
) -> pd.DataFrame:
    """``value`` over the first ``elapsed`` days of ``period`` (capped at its length), per group."""
    stop = pd.Timestamp(period.start) + pd.Timedelta(days=min(elapsed, period.days))
    mask = (days >= np.datetime64(pd.Timestamp(period.start), "ns")) & (days < np.datetime64(stop, "ns"))
    cols = [*by, "_base"]
    if not mask.any():
        return (
            pd.DataFrame({c: pd.Series([], dtype=object) for c in by} | {"_base": []})
            if by
            else (pd.DataFrame({"_base": [0.0]}))
        )
    within = orders.where(mask) if isinstance(orders, OrderFacts) else orders.loc[mask]
    t = sales_kpis(
        within, by=by, reps=reps, grain=grain, fiscal_year_start=fiscal_year_start, periods=[period]
    )
    return t.rename(columns={value: "_base"})[cols]
