"""Targets: attainment (完成率), in-month pacing (Zoho Motivator rule) and a run-rate forecast.

docs/formulas.md §1: attainment = actual / target; a target ≤ 0 or missing gives
NaN, never inf. Pacing compares the actual to a straight line from 0 at the
start of the month to the target at its end: On-Track when actual ≥ expected;
Off-Track when it lags by 10% or more — read as ``actual ≤ 0.9 × expected``
(``relative``, the default) or as attainment 10 points or more below the
expected attainment (``points``); Cautioned in between.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, DataProblem, require_columns
from sales_analytics.kpis._core import (
    as_datetime,
    as_float,
    bad_rows,
    check_fiscal_start,
    check_grain,
    period_axis,
    safe_ratio,
)
from sales_analytics.kpis.facts import OrderFacts
from sales_analytics.kpis.sales import _MAX_DENSE_CELLS, _sales, sales_kpis
from sales_analytics.periods import Period, PeriodError, parse_period
from sales_analytics.vocabulary import (
    CAUTIONED,
    OFF_TRACK,
    ON_TRACK,
    PACING_STATUSES,
    group_column,
    renamed_arguments,
)
from sales_analytics.workdays import WorkdayCalendar

__all__ = ["PACING_STATUSES", "attainment", "pacing"]

_RULES = ("relative", "points")


def _clean_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """Targets as (month Period label, rep_id, team, target_amount) with every problem reported at once."""
    require_columns(targets, "targets", ("period", "target_amount"))
    if "rep_id" not in targets.columns and "team" not in targets.columns:
        raise DataError(
            [
                DataProblem(
                    "targets",
                    "has neither a 'rep_id' nor a 'team' column",
                    expected="rep_id or team on every row",
                    found=", ".join(map(str, targets.columns)),
                )
            ]
        )
    problems = []
    # each distinct text parsed once (a targets table repeats a few months over every rep)
    where, texts = pd.factorize(targets["period"].astype(str), use_na_sentinel=False)
    parsed, bad_text = [], np.zeros(len(texts), dtype=bool)
    for i, text in enumerate(texts.tolist()):
        try:
            p = parse_period(text)
            if p.grain != "month":
                raise PeriodError("not a month")
            parsed.append(str(p))
        except PeriodError:
            parsed.append("")
            bad_text[i] = True
    labels = np.array(parsed, dtype=object)[where].tolist()
    bad = bad_text[where]
    if bad.any():
        problems.append(bad_rows("targets", "period", bad, "are not months", "YYYY-MM", targets["period"]))
    try:
        amount = as_float(targets, "targets", "target_amount")
    except DataError as exc:
        problems.extend(exc.problems)
        amount = np.full(len(targets), np.nan)

    def ids(col: str) -> pd.Series:
        if col not in targets.columns:
            return pd.Series([None] * len(targets), dtype=object)
        s = targets[col].astype(object).reset_index(drop=True)
        return s.where(s.notna() & (s.astype(str).str.strip() != ""), None)

    rep, team = ids("rep_id"), ids("team")
    neither = (rep.isna() & team.isna()).to_numpy()
    if neither.any():
        problems.append(
            bad_rows(
                "targets",
                "rep_id",
                neither,
                "name neither a rep nor a team",
                "a rep_id or a team",
                targets["period"],
            )
        )
    if problems:
        raise DataError(problems)
    return pd.DataFrame({"period": labels, "rep_id": rep, "team": team, "target_amount": amount})


def _roll(labels: pd.Series, grain: str, fiscal_year_start: int) -> pd.Series:
    if grain == "month":
        return labels
    cache = {
        p: str(parse_period(p).rollup(grain, fiscal_year_start=fiscal_year_start))  # type: ignore[arg-type]
        for p in labels.unique()
    }
    return labels.map(cache)


def _sum_targets(t: pd.DataFrame, key: str) -> pd.DataFrame:
    return t.groupby(["period", key], sort=True)["target_amount"].sum(min_count=1).reset_index()


def _targets_by(
    targets: pd.DataFrame, reps: pd.DataFrame | None, key: str, grain: str, fiscal_year_start: int
) -> pd.DataFrame:
    """Targets summed per (period of ``grain``, rep_id or team); see :func:`attainment` for teams."""
    t = _clean_targets(targets)
    t["period"] = _roll(t["period"], grain, fiscal_year_start)
    if key == "rep_id":
        tt = _sum_targets(t[t["rep_id"].notna()], "rep_id")
    else:
        team_set = _sum_targets(t[t["team"].notna() & t["rep_id"].isna()], "team")
        rep_t = t[t["rep_id"].notna()].copy()
        require_columns(reps, "reps", ("rep_id", "team"))
        assert reps is not None  # require_columns raised otherwise
        team_of = pd.Series(reps["team"].astype(object).to_numpy(), index=reps["rep_id"].astype(str))
        rep_t["team"] = rep_t["rep_id"].astype(str).map(team_of)
        from_reps = _sum_targets(rep_t[rep_t["team"].notna()], "team")
        have = set(zip(team_set["period"], team_set["team"]))
        extra = from_reps[[(p, k) not in have for p, k in zip(from_reps["period"], from_reps["team"])]]
        tt = pd.concat([team_set, extra], ignore_index=True)
    return tt.astype({key: object})


def _rep_revenue(facts: OrderFacts, grain: str, fiscal_year_start: int) -> pd.DataFrame | None:
    """``_sales(facts, by=["rep_id"], revenue_only=True)``'s period, rep_id, revenue, from one pass over the rows.

    Every row is numbered by its (period position, rep code) cell, rows that count no revenue by an
    extra last cell, and one ``bincount`` sums the amounts in row order, as ``_sales`` sums them (the
    same floats); the frame assembly of the full KPI table (zero-filled groups, counts, working days)
    is skipped. None when ``_sales`` must decide (no revenue rows, a month index outside the data,
    very many cells).
    """
    counts_revenue = facts.counts_revenue
    if not counts_revenue.any():
        return None
    months, reps = facts.months, facts.codes("rep_id")
    # the axis of every row's month (a plain min/max is cheaper than one over the revenue rows): only
    # cells with revenue rows are kept, and their periods are labelled as on the revenue rows' axis
    lo, hi = int(months.min()), int(months.max())
    if lo < 0:
        return None
    axis = period_axis(lo, hi, grain, fiscal_year_start)
    rep_codes, n_reps = reps.codes, reps.n
    if (rep_codes < 0).any():  # rows without a rep form the last group, labelled NaN (``dense``)
        rep_codes = np.where(rep_codes < 0, n_reps, rep_codes)
        n_reps += 1
    n_reps = max(n_reps, 1)
    size = len(axis.periods) * n_reps
    if size > _MAX_DENSE_CELLS:
        return None
    key = np.empty(len(months), dtype=np.int64)

    def number(rows: slice) -> None:  # numpy's ufuncs release the GIL: two halves on two cores
        k = key[rows]
        np.subtract(months[rows], axis.first_month, out=k)
        if grain != "month":
            k[:] = axis.month_pos[k]
        k *= n_reps
        k += rep_codes[rows]
        np.putmask(k, ~counts_revenue[rows], size)

    half = len(months) // 2
    with ThreadPoolExecutor(max_workers=1) as pool:
        other = pool.submit(number, slice(half, None))
        number(slice(0, half))
        other.result()
        counted = pool.submit(np.bincount, key, minlength=size + 1)  # the two sums side by side too
        revenue = np.bincount(key, weights=facts.amount, minlength=size + 1)[:size]
        n_rows = counted.result()[:size]
    present = np.flatnonzero(n_rows > 0)
    labels = np.append(np.asarray(reps.uniques.astype(object)), np.nan)[:n_reps]
    out = pd.DataFrame(
        {
            "period": np.asarray(axis.labels, dtype=object)[present // n_reps],
            "rep_id": labels[present % n_reps],
            "revenue": revenue[present],
        }
    )
    out = out.sort_values(["period", "rep_id"], kind="stable", na_position="last").reset_index(drop=True)
    return pd.DataFrame(
        {
            "period": out["period"].astype("str"),
            "rep_id": pd.Series(out["rep_id"].to_numpy(dtype=object)).infer_objects(),
            "revenue": out["revenue"].astype(np.float64).to_numpy(),
        }
    )


@renamed_arguments(level="by")
def attainment(
    orders: pd.DataFrame | OrderFacts,
    targets: pd.DataFrame,
    *,
    reps: pd.DataFrame | None = None,
    by: str = "rep_id",
    grain: str = "month",
    fiscal_year_start: int = 1,
) -> pd.DataFrame:
    """Revenue against target per rep or team and period.

    Parameters
    ----------
    orders : canonical orders (see :func:`sales_kpis`), or their
        :func:`~sales_analytics.kpis.order_facts`.
    targets : period (YYYY-MM), rep_id or team, target_amount. Quarter and
        year targets are the sums of their months' targets.
    reps : canonical reps; required for ``by="team"`` (team revenue is the
        sum over the team's reps); with it, active reps without sales appear.
    by : ``rep_id`` or ``team``. A team's target is the sum of the targets set
        on the team; when none is set for a period, the sum of its reps' targets.
    grain, fiscal_year_start : the period grain of the result.

    Returns
    -------
    DataFrame
        ``period, rep_id|team, revenue, target_amount, attainment, gap`` where
        attainment = revenue / target_amount (NaN when the target is missing
        or ≤ 0) and gap = target_amount − revenue. Periods after the last
        sale are left out.

    Examples
    --------
    >>> o = pd.DataFrame({"order_id": ["o1", "o2"], "customer_id": ["c1", "c2"], "rep_id": ["r1", "r2"],
    ...     "order_date": pd.to_datetime(["2026-03-02", "2026-03-05"]), "amount": [110.0, 50.0]})
    >>> t = pd.DataFrame({"period": ["2026-03"], "rep_id": ["r1"], "target_amount": [100.0]})
    >>> attainment(o, t)[["rep_id", "revenue", "target_amount", "attainment"]]
      rep_id  revenue  target_amount  attainment
    0     r1    110.0          100.0         1.1
    1     r2     50.0            NaN         NaN
    """
    key = group_column(by)
    check_grain(grain)
    check_fiscal_start(fiscal_year_start)
    if key == "team" and reps is None:
        raise DataError(
            [
                DataProblem(
                    "reps",
                    "is required for team attainment (team revenue and membership)",
                    expected="the reps table with rep_id and team",
                )
            ]
        )
    tt = _targets_by(targets, reps, key, grain, fiscal_year_start)
    sales = None
    if isinstance(orders, OrderFacts) and key == "rep_id" and reps is None:
        sales = _rep_revenue(orders, grain, fiscal_year_start)
    if sales is None:
        sales = _sales(
            orders, by=[key], reps=reps, grain=grain, fiscal_year_start=fiscal_year_start, revenue_only=True
        )
    sales = sales[["period", key, "revenue"]].astype({key: object})
    tt = tt.astype({key: object})
    last = sales["period"].max() if len(sales) else None
    out = sales.merge(tt, on=["period", key], how="outer")
    if last is not None:
        out = out[out["period"] <= last]
    out["revenue"] = out["revenue"].fillna(0.0)
    out = out.sort_values(["period", key], kind="stable").reset_index(drop=True)
    target = out["target_amount"].to_numpy(dtype=np.float64)
    positive = np.where(target > 0, target, np.nan)
    return pd.DataFrame(
        {
            "period": out["period"].astype("str"),
            key: pd.Series(out[key].to_numpy(dtype=object)).infer_objects(),
            "revenue": out["revenue"].to_numpy(dtype=np.float64),
            "target_amount": target,
            "attainment": safe_ratio(out["revenue"], positive),
            "gap": target - out["revenue"].to_numpy(dtype=np.float64),
        }
    )


@renamed_arguments(level="by")
def pacing(
    orders: pd.DataFrame | OrderFacts,
    targets: pd.DataFrame,
    *,
    as_of: date | datetime | str,
    reps: pd.DataFrame | None = None,
    rule: str | None = None,
    by: str = "rep_id",
    calendar: str = "calendar",
    workday_calendar: WorkdayCalendar | None = None,
) -> pd.DataFrame:
    """Pacing within the month of ``as_of`` and a run-rate forecast of month-end attainment.

    Parameters
    ----------
    orders, targets, reps, by : as for :func:`attainment`.
    as_of : the day up to which sales count (inclusive); its month is the period.
    rule : ``relative`` (default; Off-Track when revenue ≤ 0.9 × expected) or
        ``points`` (Off-Track when attainment is 10 points or more below the
        expected attainment) — ``KpiParams.pacing_rule``.
    calendar : ``calendar`` counts calendar days including ``as_of``;
        ``workdays`` counts working days (:mod:`sales_analytics.workdays`).
    workday_calendar : the team's own days off and working days (``rules.calendar`` of the
        group rules), counted with ``calendar="workdays"``; default the statutory calendar alone.

    Returns
    -------
    DataFrame
        ``period, rep_id|team, as_of, elapsed_days, period_days, target_amount,
        revenue, expected, attainment, expected_attainment, status,
        forecast_revenue, forecast_attainment``: expected = target × elapsed /
        period_days; status is On-Track / Cautioned / Off-Track (empty without
        a positive target); forecast_revenue = revenue / elapsed × period_days.

    Examples
    --------
    >>> o = pd.DataFrame({"order_id": ["o1", "o2"], "customer_id": "c1", "rep_id": ["r1", "r2"],
    ...     "order_date": pd.to_datetime(["2026-04-10", "2026-04-12"]), "amount": [185000.0, 160000.0]})
    >>> t = pd.DataFrame({"period": "2026-04", "rep_id": ["r1", "r2"], "target_amount": 300000.0})
    >>> pacing(o, t, as_of="2026-04-18")[["rep_id", "expected", "status", "forecast_revenue"]]
      rep_id  expected     status  forecast_revenue
    0     r1  180000.0   On-Track     308333.333333
    1     r2  180000.0  Off-Track     266666.666667
    """
    key = group_column(by)
    rule = rule or "relative"
    if rule not in _RULES:
        raise ValueError(f"`rule` must be one of {list(_RULES)}, got {rule!r}.")
    if calendar not in ("calendar", "workdays"):
        raise ValueError(f"`calendar` must be one of ['calendar', 'workdays'], got {calendar!r}.")
    day = pd.Timestamp(as_of).normalize()
    period = Period.of(day.date())
    if calendar == "calendar":
        elapsed, length = day.day, period.days
    else:
        from sales_analytics.workdays import calendar_options, workdays_in, workdays_in_month

        options = calendar_options(workday_calendar)
        elapsed, length = workdays_in(period.start, day, **options), workdays_in_month(period, **options)
    if isinstance(orders, OrderFacts):
        upto = orders.row_days < np.datetime64(day + pd.Timedelta(days=1), "ns")
    else:
        require_columns(orders, "orders", ("order_date",))
        days = as_datetime(orders, "orders", "order_date")
        upto = days < np.datetime64(day + pd.Timedelta(days=1), "ns")
    if key == "team" and reps is None:
        raise DataError(
            [
                DataProblem(
                    "reps", "is required for team pacing", expected="the reps table with rep_id and team"
                )
            ]
        )
    within = orders.where(upto) if isinstance(orders, OrderFacts) else orders.loc[upto]
    sales = sales_kpis(within, by=[key], reps=reps, periods=[period])[["period", key, "revenue"]]
    t = _targets_by(targets, reps, key, "month", 1)
    t = t[t["period"] == str(period)]
    out = sales.astype({key: object}).merge(t.astype({key: object}), on=["period", key], how="outer")
    out = out.sort_values(key, kind="stable").reset_index(drop=True)
    revenue = out["revenue"].fillna(0.0).to_numpy(dtype=np.float64)
    target = out["target_amount"].to_numpy(dtype=np.float64)
    positive = np.where(target > 0, target, np.nan)
    share = elapsed / length if length else np.nan
    expected = positive * share
    att = safe_ratio(revenue, positive)
    if rule == "relative":
        off = revenue <= 0.9 * expected
    else:
        off = (share - att) >= 0.1 - 1e-12
    status = np.where(revenue >= expected, ON_TRACK, np.where(off, OFF_TRACK, CAUTIONED)).astype(object)
    status[~np.isfinite(positive)] = None
    forecast = revenue / elapsed * length if elapsed else np.full(len(out), np.nan)
    return pd.DataFrame(
        {
            "period": pd.Series([str(period)] * len(out), dtype="str"),
            key: pd.Series(out[key].to_numpy(dtype=object)).infer_objects(),
            "as_of": pd.Series([day] * len(out), dtype="datetime64[ns]"),
            "elapsed_days": np.full(len(out), elapsed, dtype=np.int64),
            "period_days": np.full(len(out), length, dtype=np.int64),
            "target_amount": target,
            "revenue": revenue,
            "expected": expected,
            "attainment": att,
            "expected_attainment": np.full(len(out), share),
            "status": pd.Series(status, dtype="str"),
            "forecast_revenue": forecast,
            "forecast_attainment": safe_ratio(forecast, positive),
        }
    )
