"""Revenue forecasts for the company, each team and each rep: p10 / p50 / p90, reconciled.

:func:`revenue_forecast` forecasts the month after the reported one (the *open*
month, horizon 1) and the ``horizon`` months after it:

1. monthly net revenue per rep (``kpis.sales_kpis``), summed to teams and the company;
2. a base forecast per series (:mod:`~sales_analytics.forecast.model`): the
   company learns the calendar effects, teams learn their own once they have
   ``full_model_months`` of history, reps take their team's as an offset;
3. the open month: revenue already booked in it (month to date) is known; the
   rest blends the model with the month-to-date run rate, weighted by the
   share of working days gone, and moves by the open deals' weighted amount
   closing in the rest of the month beyond what such deals brought in recent
   months (:func:`pipeline_adjustment`);
4. MinT reconciliation (:mod:`~sales_analytics.forecast.reconcile`) makes reps
   add up to teams and teams to the company, to the cent; each band keeps its
   own model's relative width around the reconciled p50;
5. calibration (:mod:`~sales_analytics.forecast.calibrate`, when given): each
   band is stretched around p50 by the factor the backtest's own errors call
   for at its level and horizon.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, ParamSpec, TypeVar

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, DataProblem, require_columns
from sales_analytics.forecast.calendar import CALENDAR_REGRESSORS, calendar_features
from sales_analytics.forecast.calibrate import apply_calibration
from sales_analytics.forecast.model import SeriesFit, fit_series, quantiles
from sales_analytics.forecast.pipeline import PipelineBook
from sales_analytics.forecast.reconcile import mint_wls, summing_matrix, to_cents
from sales_analytics.periods import Period, parse_period
from sales_analytics.vocabulary import renamed_arguments

__all__ = ["FORECAST_COLUMNS", "INTERVAL", "monthly_revenue", "revenue_forecast"]

INTERVAL = 0.8  # the band is the central 80 %: p10 to p90
FORECAST_COLUMNS = (
    "period",
    "month",
    "horizon",
    "level",
    "team",
    "rep_id",
    "p10",
    "p50",
    "p90",
    "actual_to_date",
    "pipeline_adjustment",
    "model",
    "n_months",
    "calibration",
)
LEVELS = ("company", "team", "rep")
# scipy.stats.norm.ppf(0.9), written out: importing the module must not load scipy.stats (a notebook opening
# pays for every lever's imports); tests/test_import_cost.py checks the value against scipy
Z90 = 1.2815515655446004
# log-scale spread of a series too short for its own (a rep's is replaced by its peers')
_PLACEHOLDER_SE = 0.5


_P = ParamSpec("_P")
_R = TypeVar("_R")


def one_blas_thread(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``func`` with the BLAS/LAPACK libraries limited to one thread.

    The forecast's linear algebra is hundreds of small problems (a least-squares fit per
    series, a reconciliation solve per month of ~100-1,000 reps). OpenBLAS hands each to
    its thread pool, whose threads spin while they wait for work: on two cores shared with
    other processes that spinning cost 3-4 CPU s per backtest (profiled: 100 solves of
    136 × 124 at 37 ms each, 2 ms alone) for no gain. One thread gives the same results
    to the bit (the fingerprints compare them).
    """

    @functools.wraps(func)
    def limited(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return limited


@dataclass(frozen=True)
class Hierarchy:
    """Reps (bottom series) and their teams, and the rep × month revenue matrix."""

    rep_ids: np.ndarray
    teams: np.ndarray  # team names, sorted
    team_of: np.ndarray  # index into teams for each rep
    months: list[str]
    revenue: np.ndarray  # reps × months

    def level_matrix(self) -> np.ndarray:
        """Revenue of every series (company, teams, reps) × months."""
        S = summing_matrix(self.team_of, len(self.teams))
        return S @ self.revenue


def _month(p: Period | str) -> Period:
    out = parse_period(p) if not isinstance(p, Period) else p
    if out.grain != "month":
        raise ValueError(f"`period` must be a month (YYYY-MM), got {out} (a {out.grain}).")
    return out


@renamed_arguments(through="period")
def monthly_revenue(orders: pd.DataFrame, reps: pd.DataFrame, *, period: Period | str) -> pd.DataFrame:
    """Net revenue per rep and month, from the first order month to ``period``.

    Returns
    -------
    DataFrame ``rep_id, team, month, revenue``: every rep of ``reps`` × every
    month (zeros where nothing was sold). A rep_id in the orders that the reps
    table lacks is a DataError (its revenue would otherwise vanish from the teams).

    >>> o = pd.DataFrame({"order_id": ["o1", "o2"], "customer_id": ["c1", "c2"], "rep_id": ["r1", "r2"],
    ...     "order_date": pd.to_datetime(["2026-01-05", "2026-02-03"]), "amount": [100.0, 40.0]})
    >>> r = pd.DataFrame({"rep_id": ["r1", "r2"], "rep_name": ["A", "B"], "team": ["t", "t"]})
    >>> monthly_revenue(o, r, period="2026-02")["revenue"].tolist()
    [100.0, 0.0, 0.0, 40.0]
    """
    from sales_analytics.kpis._core import month_index, month_to_period
    from sales_analytics.kpis.sales import _checked, _id_codes

    end = _month(period)
    require_columns(reps, "reps", ("rep_id", "team"))
    # the KPIs' own checks and revenue rule (paid + refunded, cancelled left out); a bincount
    # over rep × month instead of the full sales_kpis table, which also counts customers
    days, amount, _, counts = _checked(orders)
    rep_codes = _id_codes(orders, "rep_id")
    mi = month_index(days)
    last = end.start.year * 12 + end.start.month - 1
    keep = counts & (mi <= last)
    rep_names = np.asarray(rep_codes.uniques.astype(str))
    used = np.zeros(len(rep_names), dtype=bool)
    used[np.unique(rep_codes.codes[keep])] = True
    known = set(reps["rep_id"].astype(str))
    unknown = sorted(set(rep_names[used].tolist()) - known)
    if unknown:
        raise DataError(
            [
                DataProblem(
                    "orders",
                    f"{len(unknown)} rep_id values have no row in the reps table, so their revenue has no "
                    f"team: {unknown[:5]}",
                    column="rep_id",
                    expected="every orders.rep_id listed in reps",
                    found=", ".join(unknown[:5]),
                )
            ]
        )
    first = int(mi[keep].min()) if keep.any() else last
    n_months = last - first + 1
    months = [str(month_to_period(first + k)) for k in range(n_months)]
    rep_team = reps[["rep_id", "team"]].astype(str).drop_duplicates("rep_id").reset_index(drop=True)
    # orders' rep codes → rows of rep_team
    row_of_code = pd.Index(rep_team["rep_id"]).get_indexer(rep_names)
    cell = row_of_code[rep_codes.codes[keep]] * n_months + (mi[keep] - first)
    totals = np.bincount(cell, weights=amount[keep], minlength=len(rep_team) * n_months)
    out = pd.DataFrame(
        {
            "rep_id": np.repeat(rep_team["rep_id"].to_numpy(dtype=object), n_months),
            "team": np.repeat(rep_team["team"].to_numpy(dtype=object), n_months),
            "month": np.tile(months, len(rep_team)),
            "revenue": totals,
        }
    ).astype({"rep_id": "str", "team": "str"})
    return out.sort_values(["rep_id", "month"], ignore_index=True)


def _hierarchy(revenue: pd.DataFrame) -> Hierarchy:
    wide = revenue.pivot(index="rep_id", columns="month", values="revenue").sort_index()
    team_of_rep = revenue.drop_duplicates("rep_id").set_index("rep_id")["team"].reindex(wide.index)
    teams = np.array(sorted(team_of_rep.unique()), dtype=object)
    team_idx = np.searchsorted(teams, team_of_rep.to_numpy(dtype=object))
    return Hierarchy(
        rep_ids=wide.index.to_numpy(dtype=object),
        teams=teams,
        team_of=team_idx,
        months=[str(c) for c in wide.columns],
        revenue=wide.to_numpy(dtype=np.float64),
    )


def _series_labels(h: Hierarchy) -> tuple[list[str], list[object], list[object]]:
    levels = ["company"] + ["team"] * len(h.teams) + ["rep"] * len(h.rep_ids)
    teams: list[object] = [pd.NA, *h.teams.tolist(), *h.teams[h.team_of].tolist()]
    reps: list[object] = [pd.NA] * (1 + len(h.teams)) + h.rep_ids.tolist()
    return levels, teams, reps


def _base_fits(
    Y: np.ndarray, h: Hierarchy, hist: list[str], future: list[str], full_model_months: int
) -> list[SeriesFit]:
    """Fit every series top-down: the company, then teams (offset: company), then reps (offset: team)."""
    cal = calendar_features([*hist, *future])[list(CALENDAR_REGRESSORS)].to_numpy()
    cal_h, cal_f = cal[: len(hist)], cal[len(hist) :]
    n_teams = len(h.teams)
    company = fit_series(
        Y[0],
        cal_h,
        cal_f,
        offset_hist=None,
        offset_future=None,
        full_model_months=full_model_months,
        fallback_se=_PLACEHOLDER_SE,
    )
    fits: list[SeriesFit] = [company]
    for k in range(n_teams):
        fits.append(
            fit_series(
                Y[1 + k],
                cal_h,
                cal_f,
                offset_hist=company.calendar_hist,
                offset_future=company.calendar_future,
                full_model_months=full_model_months,
                fallback_se=_PLACEHOLDER_SE,
                offset_uncertainty=company.borrowed(),
            )
        )
    rep_fits: list[SeriesFit | None] = [None] * len(h.rep_ids)
    pending = []
    for i in range(len(h.rep_ids)):
        team = fits[1 + h.team_of[i]]
        # a rep never learns a full calendar model of their own: their month is too noisy for it
        f = fit_series(
            Y[1 + n_teams + i],
            cal_h,
            cal_f,
            offset_hist=team.calendar_hist,
            offset_future=team.calendar_future,
            full_model_months=10**9,
            fallback_se=_PLACEHOLDER_SE,
            offset_uncertainty=team.borrowed(),
        )
        rep_fits[i] = f
        if f.model == "level":
            pending.append(i)
    # a rep with too little history for a spread of their own takes the median of their peers'
    peer = [f.se[0] for f in rep_fits if f is not None and f.model == "offset"]
    fallback = float(np.median(peer)) if peer else _PLACEHOLDER_SE
    for i in pending:
        lone = rep_fits[i]
        assert lone is not None
        rep_fits[i] = SeriesFit(
            lone.mean,
            # the peers' spread in place of the placeholder, keeping the borrowed calendar's variance
            np.sqrt(
                np.maximum(lone.se**2 - _PLACEHOLDER_SE**2 * (1 + 1 / max(lone.n_months, 1)), 0.0)
                + fallback**2 * (1 + 1 / max(lone.n_months, 1))
            ),
            lone.df,
            lone.n_months,
            lone.calendar_hist,
            lone.calendar_future,
            lone.model,
            lone.design_hist,
            lone.design_future,
            lone.cov,
        )
    return fits + [f for f in rep_fits if f is not None]


def _gone(Y_rep: np.ndarray, months_quiet: int) -> np.ndarray:
    """Reps without revenue in each of their last ``months_quiet`` months (left or on leave)."""
    if Y_rep.shape[1] < months_quiet:
        return np.zeros(len(Y_rep), dtype=bool)
    return np.asarray((Y_rep[:, -months_quiet:] <= 0).all(axis=1))


def forecast_hierarchy(h: Hierarchy, **kwargs: Any) -> pd.DataFrame:
    """Forecast months ``origin+1 … origin+1+horizon`` from the history up to ``origin``
    (the arguments of :func:`forecast_with_fits`). Returns one row per series and month."""
    return forecast_with_fits(h, **kwargs)[0]


@one_blas_thread
def forecast_with_fits(
    h: Hierarchy,
    *,
    origin: str,
    horizon: int,
    full_model_months: int = 18,
    quiet_months: int = 2,
    inactive: np.ndarray | None = None,
    to_date: np.ndarray | None = None,
    elapsed: float = 0.0,
    adjustment: np.ndarray | None = None,
    fits: list[SeriesFit] | None = None,
) -> tuple[pd.DataFrame, list[SeriesFit]]:
    """Forecast months ``origin+1 … origin+1+horizon`` from the history up to ``origin``, and its fits.

    ``to_date`` (reps) is revenue already booked in the open month, ``elapsed``
    the share of its working days gone, ``adjustment`` (reps) the pipeline
    adjustment of the open month. ``fits``: the base fits an earlier call with the
    same history and settings returned, so the backtest forecasts an origin with and
    without its open month from one set of fits.
    """
    hist = [m for m in h.months if m <= origin]
    if not hist:
        raise ValueError(f"no history up to {origin}")
    o = parse_period(origin)
    future = [str(o.shift(k)) for k in range(1, horizon + 2)]
    S = summing_matrix(h.team_of, len(h.teams))
    stop = _gone(h.revenue[:, : len(hist)], quiet_months)
    if inactive is not None:
        stop = stop | inactive
    # teams and the company are modelled on the reps who carry on: a rep who left sells nothing ahead
    Y = S @ (h.revenue[:, : len(hist)] * ~stop[:, None])
    if fits is None:
        fits = _base_fits(Y, h, hist, future, full_model_months)
    bands = [quantiles(f, INTERVAL) for f in fits]
    lo, p50, hi = (np.vstack([b[j] for b in bands]) for j in range(3))
    n_rep = len(h.rep_ids)
    rows = slice(len(fits) - n_rep, len(fits))
    for arr in (lo, p50, hi):
        sub = arr[rows]
        sub[stop] = 0.0
        arr[rows] = sub
    known = np.zeros(len(fits))
    adj = np.zeros(len(fits))
    if to_date is not None:
        known = S @ to_date
    if adjustment is not None:
        adj = S @ np.where(stop, 0.0, adjustment)
    # the open month: booked revenue + the rest (model blended with the run rate) + pipeline
    f = min(max(elapsed, 0.0), 1.0)
    if f > 0 or known.any() or adj.any():
        run_rate = known / f if f > 0 else p50[:, 0]
        rest_mid = (1 - f) * ((1 - f) * p50[:, 0] + f * run_rate)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(p50[:, 0] > 0, rest_mid / p50[:, 0], 0.0)
        lo[:, 0] = known + lo[:, 0] * scale + adj
        hi[:, 0] = known + hi[:, 0] * scale + adj
        p50[:, 0] = known + rest_mid + adj
    lo, p50, hi = np.maximum(lo, 0), np.maximum(p50, 0), np.maximum(hi, 0)
    # reconcile each month's p50; bands keep their model's width relative to p50
    sd = (hi - lo) / (2 * Z90)
    cents_p50 = np.zeros_like(p50, dtype=np.int64)
    cents_lo = np.zeros_like(cents_p50)
    cents_hi = np.zeros_like(cents_p50)
    for k in range(len(future)):
        bottom = mint_wls(p50[:, k], sd[:, k] ** 2, S)
        bottom = np.where(stop, 0.0, bottom)
        b_cents = to_cents(bottom)
        total = S @ b_cents.astype(np.float64)
        cents_p50[:, k] = np.rint(total).astype(np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            r_lo = np.where(p50[:, k] > 0, lo[:, k] / p50[:, k], 1.0)
            r_hi = np.where(p50[:, k] > 0, hi[:, k] / p50[:, k], 1.0)
        floor = known if k == 0 else 0.0
        cents_lo[:, k] = to_cents(np.maximum(total * r_lo / 100, floor))
        cents_hi[:, k] = to_cents(np.maximum(total * r_hi / 100, total / 100))
        cents_lo[:, k] = np.minimum(cents_lo[:, k], cents_p50[:, k])
    levels, teams, reps = _series_labels(h)
    n_series, H = p50.shape
    out = pd.DataFrame(
        {
            "period": origin,
            "month": np.tile(future, n_series),
            "horizon": np.tile(np.arange(1, H + 1), n_series),
            "level": np.repeat(levels, H),
            "team": pd.array(np.repeat(np.array(teams, dtype=object), H), dtype="str"),
            "rep_id": pd.array(np.repeat(np.array(reps, dtype=object), H), dtype="str"),
            "p10": cents_lo.ravel() / 100,
            "p50": cents_p50.ravel() / 100,
            "p90": cents_hi.ravel() / 100,
            "actual_to_date": np.column_stack([known, np.zeros((n_series, H - 1))]).ravel(),
            "pipeline_adjustment": np.column_stack([adj, np.zeros((n_series, H - 1))]).ravel(),
            "model": np.repeat([fit.model for fit in fits], H),
            "n_months": np.repeat([fit.n_months for fit in fits], H),
        }
    )
    return out, fits


@dataclass(frozen=True)
class OpenMonth:
    """What a forecast knows of its open month: the day its data reach, or nothing (a backfill).

    ``offset`` is the number of days from the open month's first day to the last
    order day (negative: the data end in the report month); ``None`` when the data
    already reach the open month's last day, so the forecast is made as on its first
    day without month-to-date revenue or pipeline. The backtest puts every origin in
    the same situation (the same day of its own open month).
    """

    offset: int | None

    @classmethod
    def of(cls, orders: pd.DataFrame, report: Period) -> OpenMonth:
        open_month = report.next()
        if not len(orders):
            return cls(-1)
        last = pd.Timestamp(pd.to_datetime(orders["order_date"]).max()).date()
        return cls(None if last >= open_month.end else (last - open_month.start).days)

    def as_of(self, report: Period) -> pd.Timestamp | None:
        """The day the forecast of ``report``'s open month is made on (its data's last day)."""
        if self.offset is None:
            return None
        open_month = report.next()
        if self.offset < 0:
            return pd.Timestamp(report.end)
        day = min(open_month.start + pd.Timedelta(days=self.offset).to_pytimedelta(), open_month.end)
        # never the open month's last day: then the month would be known, not forecast
        return pd.Timestamp(min(day, open_month.end - pd.Timedelta(days=1).to_pytimedelta()))


def _elapsed(open_month: Period, as_of: pd.Timestamp) -> float:
    """Share of the open month's working days up to ``as_of`` (0 before the month)."""
    from sales_analytics.workdays import workdays_in

    if as_of.date() < open_month.start:
        return 0.0
    total = int(calendar_features([str(open_month)])["workdays"].iloc[0])
    return workdays_in(open_month.start, as_of.date()) / total if total else 0.0


def booked_between(orders: pd.DataFrame, rep_ids: np.ndarray, start: date, end: date) -> np.ndarray:
    """Net revenue per rep (in ``rep_ids`` order) of order days ``start`` … ``end``, as the KPIs count it."""
    from sales_analytics.kpis.sales import _checked, _id_codes

    days, amount, _, counts = _checked(orders)
    d = days.astype("datetime64[D]")
    keep = counts & (d >= np.datetime64(start, "D")) & (d <= np.datetime64(end, "D"))
    codes = _id_codes(orders, "rep_id")
    row = pd.Index(pd.Series(rep_ids, dtype=object).astype(str)).get_indexer(
        np.asarray(codes.uniques.astype(str))
    )
    rows = row[codes.codes[keep]]
    known = rows >= 0  # a rep missing from the reps table is monthly_revenue's DataError
    return np.bincount(rows[known], weights=amount[keep][known], minlength=len(rep_ids))


def revenue_forecast(
    orders: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    period: Period | str,
    deals: pd.DataFrame | None = None,
    deal_history: pd.DataFrame | None = None,
    horizon: int = 3,
    full_model_months: int = 18,
    quiet_months: int = 2,
    calibration: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """p10 / p50 / p90 revenue of the company, each team and each rep for the months after ``period``.

    Parameters
    ----------
    orders, reps : canonical orders (order_id, order_date, customer_id, rep_id, amount [, status])
        and reps (rep_id, team [, active]).
    period : the last complete month (the report month); it and the months before are history.
    deals, deal_history : canonical deals and ``deal_stage_history``; when both are given, the
        open month moves by :func:`pipeline_adjustment`.
    horizon : months forecast after the open month (the open month is horizon 1).
    full_model_months : positive months a team needs to learn its own calendar effects.
    quiet_months : a rep without revenue in this many last months, or ``active`` false, is
        forecast at zero.
    calibration : ``level, horizon, factor`` from :func:`interval_calibration` of the
        backtest (``sa.interval_calibration(sa.forecast_backtest(...))``): each band is
        stretched by its factor around p50. ``None``: the model's own bands (factor 1).

    The open month's booked revenue and the pipeline are used only when the orders end inside
    it; when they reach its last day (a backfill or a re-run of an old month) the forecast is
    made as on the open month's first day, so it never sees what it forecasts.

    Returns
    -------
    DataFrame
        ``period, month, horizon, level (company | team | rep), team, rep_id, p10, p50, p90,
        actual_to_date, pipeline_adjustment, model, n_months, calibration``: one row per series
        and month (``calibration``: the factor the band was stretched by).
        p50 of a team is the sum of its reps' p50 to the cent, the company's the sum of the
        teams'. ``actual_to_date`` is revenue already booked in the open month.
    """
    p = _month(period)
    if horizon < 0:
        raise ValueError(f"`horizon` must be 0 or more months, got {horizon!r}.")
    open_month = p.next()
    rev = monthly_revenue(orders, reps, period=open_month)
    h = _hierarchy(rev)
    inactive = None
    if "active" in reps.columns:
        r = reps.drop_duplicates("rep_id")
        active = pd.Series(r["active"].to_numpy(dtype=object), index=r["rep_id"].astype(str).to_numpy())
        inactive = ~active.reindex(h.rep_ids).fillna(True).astype(bool).to_numpy()
    to_date = np.zeros(len(h.rep_ids))
    elapsed = 0.0
    # Data that reach the open month's last day (a backfill, or a re-run of an old month) would let
    # the forecast see what it forecasts: then it is made as on the first day of the open month,
    # without month-to-date revenue or today's pipeline.
    situation = OpenMonth.of(orders, p)
    as_of = situation.as_of(p)
    if as_of is not None and str(open_month) in h.months:
        to_date = h.revenue[:, h.months.index(str(open_month))]
        elapsed = _elapsed(open_month, as_of)
    adjustment = None
    if (
        deals is not None
        and len(deals)
        and deal_history is not None
        and len(deal_history)
        and as_of is not None
    ):
        adjustment = PipelineBook.of(deals, deal_history).adjustment(
            h.rep_ids.tolist(), as_of=as_of, month_end=open_month.end, elapsed=elapsed
        )
    fc = forecast_hierarchy(
        h,
        origin=str(p),
        horizon=horizon,
        full_model_months=full_model_months,
        quiet_months=quiet_months,
        inactive=inactive,
        to_date=to_date,
        elapsed=elapsed,
        adjustment=adjustment,
    )
    return apply_calibration(fc, calibration)
