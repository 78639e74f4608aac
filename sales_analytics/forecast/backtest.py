"""How good the forecasts have been: a rolling-origin backtest and last month's forecast against what happened.

:func:`forecast_backtest` pretends, for each past month with enough history
before it, that the data ended there, forecasts the following months exactly
as :func:`~sales_analytics.forecast.revenue_forecast` does, and sets each
forecast against the revenue that came. Each origin is put in the situation of
today's forecast: its open month seen on the same day (month-to-date revenue
booked by then, the pipeline rebuilt from the stage history as it stood), and
its band calibrated (:mod:`~sales_analytics.forecast.calibrate`) from the
errors of earlier origins whose months were complete by then. So the figures
are those of the forecast users see. The model alone (no open-month
information, no calibration) is kept beside it (``*_model`` columns).
:func:`forecast_accuracy` turns that into one line per level and horizon:

- WAPE = Σ|actual − p50| / Σ|actual| (weighted absolute percentage error);
- MAPE = mean of |actual − p50| / actual over actuals above zero;
- bias = Σ(p50 − actual) / Σ|actual| (positive: the forecast ran high);
- coverage_80 = share of actuals inside the p10-p90 band (80 % when the band is honest);
- wape_model, coverage_80_model: the same for the model alone.

:func:`forecast_vs_actual` reads the forecasts that earlier bundles published
(handed in by the run layer, see ``sales_analytics.run.history``) and sets
them against the revenue that came: "last month we said 3.1 M-3.6 M; it was 3.4 M".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.forecast.calibrate import apply_calibration, interval_calibration
from sales_analytics.forecast.forecast import (
    OpenMonth,
    _elapsed,
    _hierarchy,
    _month,
    booked_between,
    forecast_hierarchy,
    forecast_with_fits,
    monthly_revenue,
)
from sales_analytics.forecast.pipeline import PipelineBook
from sales_analytics.forecast.reconcile import summing_matrix
from sales_analytics.periods import Period, parse_period
from sales_analytics.vocabulary import renamed_arguments

__all__ = ["forecast_accuracy", "forecast_backtest", "forecast_vs_actual", "last_forecast_sentence"]

_KEYS = ["level", "team", "rep_id"]
#: how a published band is made: the model's own, or widened by split-conformal calibration
BANDS = ("model", "conformal")


def _actuals(h, months: list[str]) -> pd.DataFrame:
    from sales_analytics.forecast.forecast import _series_labels

    S = summing_matrix(h.team_of, len(h.teams))
    Y = S @ h.revenue
    levels, teams, reps = _series_labels(h)
    n = len(levels)
    return pd.DataFrame(
        {
            "month": np.tile(h.months, n),
            "level": np.repeat(levels, len(h.months)),
            "team": pd.array(np.repeat(np.array(teams, dtype=object), len(h.months)), dtype="str"),
            "rep_id": pd.array(np.repeat(np.array(reps, dtype=object), len(h.months)), dtype="str"),
            "actual": np.round(Y.ravel(), 2),
        }
    )


def forecast_backtest(
    orders: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    period: Period | str,
    horizon: int = 3,
    min_history_months: int = 12,
    full_model_months: int = 18,
    quiet_months: int = 2,
    deals: pd.DataFrame | None = None,
    deal_history: pd.DataFrame | None = None,
    band: str = "model",
    revenue: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rolling-origin backtest over the history up to ``period``.

    Every month ``o`` from the ``min_history_months``-th month of the data to
    the month before ``period`` is an origin: the model sees the months up to
    ``o`` and forecasts ``o+1 … o+1+horizon``; forecasts of months after
    ``period`` are left out (their revenue is not known yet).

    The open month ``o+1`` is seen as today's forecast sees its own (see
    :class:`~sales_analytics.forecast.forecast.OpenMonth`): on the same day, with
    the revenue booked by then and, when ``deals`` and ``deal_history`` are given,
    the pipeline as it stood. With ``band="conformal"`` each origin's band is
    calibrated (:func:`interval_calibration`) from the backtest rows of earlier
    origins whose month is at most ``o`` (known at ``o``); with ``"model"`` (the
    default) it is the model's own (factor 1).

    ``revenue`` is :func:`monthly_revenue` of the same ``orders``, ``reps`` and ``period`` when the
    caller has it already (notebook 08 charts it too; at 10M order rows it costs ~0.6 CPU s).

    Returns
    -------
    DataFrame ``period, origin, month, horizon, level, team, rep_id, actual, p10, p50, p90,
    p10_raw, p90_raw, calibration, p10_model, p50_model, p90_model``: ``p10 … p90`` the forecast
    as published then, ``p10_raw``/``p90_raw`` its band before calibration, ``calibration`` the
    factor, ``*_model`` the model alone (no open-month information, no calibration).
    """
    if band not in BANDS:
        raise ValueError(f"`band` must be one of {BANDS}, got {band!r}.")
    p = _month(period)
    h = _hierarchy(monthly_revenue(orders, reps, period=p) if revenue is None else revenue)
    actual = _actuals(h, h.months)
    months = h.months
    situation = OpenMonth.of(orders, p)
    book = None
    if deals is not None and len(deals) and deal_history is not None and len(deal_history):
        if situation.offset is not None:
            book = PipelineBook.of(deals, deal_history)
    frames = []
    for i in range(min_history_months - 1, len(months) - 1):
        origin = months[i]
        model, fits = forecast_with_fits(
            h, origin=origin, horizon=horizon, full_model_months=full_model_months, quiet_months=quiet_months
        )
        seen = model
        o = parse_period(origin)
        as_of = situation.as_of(o)
        if as_of is not None:
            open_month = o.next()
            to_date = np.zeros(len(h.rep_ids))
            if as_of.date() >= open_month.start:
                to_date = booked_between(orders, h.rep_ids, open_month.start, as_of.date())
            elapsed = _elapsed(open_month, as_of)
            adjustment = (
                book.adjustment(h.rep_ids.tolist(), as_of=as_of, month_end=open_month.end, elapsed=elapsed)
                if book is not None
                else None
            )
            if to_date.any() or elapsed > 0 or adjustment is not None:
                seen = forecast_hierarchy(
                    h,
                    origin=origin,
                    to_date=to_date,
                    elapsed=elapsed,
                    adjustment=adjustment,
                    fits=fits,
                    horizon=horizon,
                    full_model_months=full_model_months,
                    quiet_months=quiet_months,
                )
        fc = seen.assign(
            p10_model=model["p10"].to_numpy(),
            p50_model=model["p50"].to_numpy(),
            p90_model=model["p90"].to_numpy(),
        )
        fc = fc[fc["month"] <= str(p)]
        frames.append(fc.rename(columns={"period": "origin", "p10": "p10_raw", "p90": "p90_raw"}))
    cols = [
        "period",
        "origin",
        "month",
        "horizon",
        *_KEYS,
        "actual",
        "p10",
        "p50",
        "p90",
        "p10_raw",
        "p90_raw",
        "calibration",
        "p10_model",
        "p50_model",
        "p90_model",
    ]
    if not frames:
        return pd.DataFrame(
            {
                c: pd.Series(dtype="str" if c in ("period", "origin", "month", *_KEYS) else "float64")
                for c in cols
            }
        )
    raw = pd.concat(frames, ignore_index=True).merge(actual, on=["month", *_KEYS], how="left")
    # calibrate each origin only from forecasts whose month was complete at it
    parts = []
    for origin, rows in raw.groupby("origin", sort=True):
        known = raw[(raw["origin"] < origin) & (raw["month"] <= origin)]
        cal = interval_calibration(known) if band == "conformal" else None
        own = rows.assign(p10=rows["p10_raw"], p90=rows["p90_raw"])
        parts.append(apply_calibration(own, cal))
    bt = pd.concat(parts, ignore_index=True)
    return bt.assign(period=str(p))[cols]


_MODEL_COLUMNS = ("wape_model", "coverage_80_model", "conformal_factor")


def _model_columns(g: pd.DataFrame, a: np.ndarray, denom: float) -> dict[str, float]:
    """WAPE and coverage of the model alone, and the conformal factor of all the rows' errors,
    when the backtest has the columns."""
    if "p50_model" not in g:
        return {}
    lo, mid, hi = (g[c].to_numpy() for c in ("p10_model", "p50_model", "p90_model"))
    cal = interval_calibration(g)
    return {
        "wape_model": np.abs(a - mid).sum() / denom if denom else np.nan,
        "coverage_80_model": float(np.mean((a >= lo) & (a <= hi))),
        "conformal_factor": float(cal["factor"].iloc[0]) if len(cal) else np.nan,
    }


def forecast_accuracy(backtest: pd.DataFrame) -> pd.DataFrame:
    """WAPE, MAPE, bias and 80 % coverage (coverage_80) per level and horizon of a backtest.

    With :func:`forecast_backtest`'s model columns also ``wape_model`` and
    ``coverage_80_model`` (the model alone: no open-month information, no
    calibration) and ``conformal_factor``: the factor by which all of the rows'
    errors would stretch the band (:func:`interval_calibration`); near 1 when
    the band has been honest, above 1 when it has been too narrow.

    >>> bt = pd.DataFrame({"period": "2026-11", "level": "team", "horizon": 1,
    ...     "actual": [100.0, 200.0], "p10": [80.0, 210.0], "p50": [90.0, 220.0], "p90": [120.0, 250.0]})
    >>> # WAPE (10 + 20) / 300; bias (-10 + 20) / 300; 200 lies outside 210-250
    >>> forecast_accuracy(bt)[["wape", "mape", "bias", "coverage_80"]].round(3).values.tolist()
    [[0.1, 0.1, 0.033, 0.5]]
    """
    rows = []
    for (level, horizon), g in backtest.groupby(["level", "horizon"], sort=False):
        a, f = g["actual"].to_numpy(), g["p50"].to_numpy()
        err = np.abs(a - f)
        denom = np.abs(a).sum()
        pos = a > 0
        rows.append(
            {
                "period": str(g["period"].iloc[0]),
                "level": level,
                "horizon": int(horizon),
                "n": len(g),
                "wape": err.sum() / denom if denom else np.nan,
                "mape": float(np.mean(err[pos] / a[pos])) if pos.any() else np.nan,
                "bias": (f - a).sum() / denom if denom else np.nan,
                "coverage_80": float(np.mean((a >= g["p10"].to_numpy()) & (a <= g["p90"].to_numpy()))),
                **_model_columns(g, a, denom),
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:  # no origin had enough history: the table says so by having no rows
        return pd.DataFrame(
            {
                c: pd.Series(dtype="str" if c in ("period", "level") else "float64")
                for c in ("period", "level", "horizon", "n", "wape", "mape", "bias", "coverage_80")
                + _MODEL_COLUMNS
            }
        )
    order = {"company": 0, "team": 1, "rep": 2}
    return out.sort_values(
        ["level", "horizon"], key=lambda s: s.map(order) if s.name == "level" else s
    ).reset_index(drop=True)


def forecast_vs_actual(
    published: pd.DataFrame,
    orders: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    period: Period | str,
    revenue: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Forecasts that earlier bundles published, for months now complete, against what happened.

    Parameters
    ----------
    published : rows of earlier ``goals_forecast`` tables (``period`` is the
        bundle that published them), as read by ``sa.read_published_tables``.
    period : the report month: forecasts of it and earlier months are judged.
    revenue : :func:`monthly_revenue` of the same ``orders``, ``reps`` and ``period`` when the
        caller has it already (notebook 08 does).

    Returns
    -------
    DataFrame ``period, forecast_made, month, horizon, level, team, rep_id, p10, p50, p90, actual,
    error, inside`` (``error`` = actual − p50; ``inside``: actual within p10-p90).
    """
    p = _month(period)
    cols = [
        "period",
        "forecast_made",
        "month",
        "horizon",
        *_KEYS,
        "p10",
        "p50",
        "p90",
        "actual",
        "error",
        "inside",
    ]
    if published is None or published.empty:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in cols})
    past = published[(published["month"].astype(str) <= str(p)) & (published["level"] != "rep")]
    h = _hierarchy(monthly_revenue(orders, reps, period=p) if revenue is None else revenue)
    actual = _actuals(h, h.months)
    out = past.rename(columns={"period": "forecast_made"}).merge(actual, on=["month", *_KEYS], how="left")
    out = out.assign(
        period=str(p),
        error=out["actual"] - out["p50"],
        inside=(out["actual"] >= out["p10"]) & (out["actual"] <= out["p90"]),
    )
    return out[cols].sort_values(["month", "forecast_made", "level", "team"], ignore_index=True)


@renamed_arguments(month="period")
def last_forecast_sentence(track: pd.DataFrame, *, period: Period | str, language: str = "zh") -> str:
    """ "Last month we said 3.1 M-3.6 M for 2026-11; it was 3.4 M", from :func:`forecast_vs_actual`.

    The company's forecast of the month ``period`` (the report month) from the latest bundle that made one; the
    "no history yet" text when there is none.
    """
    from sales_analytics.report.labels import label
    from sales_analytics.views.components import fmt_money

    m = str(_month(period))
    rows = track[(track["level"] == "company") & (track["month"].astype(str) == m)] if len(track) else track
    if rows is None or rows.empty:
        return label("goals_no_history", language)
    row = rows.sort_values("forecast_made").iloc[-1]
    return label("goals_last_forecast", language).format(
        month=m,
        low=fmt_money(float(row["p10"]), language),
        high=fmt_money(float(row["p90"]), language),
        actual=fmt_money(float(row["actual"]), language),
    )
