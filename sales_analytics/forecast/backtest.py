"""How good the forecasts have been: a rolling-origin backtest and last month's forecast against what happened.

:func:`forecast_backtest` pretends, for each past month with enough history
before it, that the data ended there, forecasts the following months exactly
as :func:`~sales_analytics.forecast.revenue_forecast` does (without the open
month's run rate and pipeline, which cannot be rebuilt for the past), and sets
each forecast against the revenue that came. :func:`forecast_accuracy` turns
that into one line per level and horizon:

- WAPE = Σ|actual − p50| / Σ|actual| (weighted absolute percentage error);
- MAPE = mean of |actual − p50| / actual over actuals above zero;
- bias = Σ(p50 − actual) / Σ|actual| (positive: the forecast ran high);
- coverage_80 = share of actuals inside the p10-p90 band (80 % when the band is honest).

:func:`forecast_vs_actual` reads the forecasts that earlier bundles published
(handed in by the run layer, see ``sales_analytics.run.history``) and sets
them against the revenue that came: "last month we said 3.1 M-3.6 M; it was 3.4 M".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.forecast.forecast import (
    _hierarchy,
    _month,
    forecast_hierarchy,
    monthly_revenue,
)
from sales_analytics.forecast.reconcile import summing_matrix
from sales_analytics.periods import Period

__all__ = ["forecast_accuracy", "forecast_backtest", "forecast_vs_actual", "last_forecast_sentence"]

_KEYS = ["level", "team", "rep_id"]


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
) -> pd.DataFrame:
    """Rolling-origin backtest over the history up to ``period``.

    Every month ``o`` from the ``min_history_months``-th month of the data to
    the month before ``period`` is an origin: the model sees the months up to
    ``o`` and forecasts ``o+1 … o+1+horizon``; forecasts of months after
    ``period`` are left out (their revenue is not known yet).

    Returns
    -------
    DataFrame ``period, origin, month, horizon, level, team, rep_id, actual, p10, p50, p90``
    (``period`` is the report month, ``origin`` the month the forecast was made after).
    """
    p = _month(period)
    h = _hierarchy(monthly_revenue(orders, reps, period=p))
    actual = _actuals(h, h.months)
    months = h.months
    frames = []
    for i in range(min_history_months - 1, len(months) - 1):
        origin = months[i]
        fc = forecast_hierarchy(
            h, origin=origin, horizon=horizon, full_model_months=full_model_months, quiet_months=quiet_months
        )
        fc = fc[fc["month"] <= str(p)]
        frames.append(fc.rename(columns={"period": "origin"}))
    cols = ["period", "origin", "month", "horizon", *_KEYS, "actual", "p10", "p50", "p90"]
    if not frames:
        return pd.DataFrame(
            {c: pd.Series(dtype="float64" if c in ("actual", "p10", "p50", "p90") else "str") for c in cols}
        )
    bt = pd.concat(frames, ignore_index=True).merge(actual, on=["month", *_KEYS], how="left")
    return bt.assign(period=str(p))[cols]


def forecast_accuracy(backtest: pd.DataFrame) -> pd.DataFrame:
    """WAPE, MAPE, bias and 80 % coverage (coverage_80) per level and horizon of a backtest.

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
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:  # no origin had enough history: the table says so by having no rows
        return pd.DataFrame(
            {
                c: pd.Series(dtype="str" if c in ("period", "level") else "float64")
                for c in ("period", "level", "horizon", "n", "wape", "mape", "bias", "coverage_80")
            }
        )
    order = {"company": 0, "team": 1, "rep": 2}
    return out.sort_values(
        ["level", "horizon"], key=lambda s: s.map(order) if s.name == "level" else s
    ).reset_index(drop=True)


def forecast_vs_actual(
    published: pd.DataFrame, orders: pd.DataFrame, reps: pd.DataFrame, *, period: Period | str
) -> pd.DataFrame:
    """Forecasts that earlier bundles published, for months now complete, against what happened.

    Parameters
    ----------
    published : rows of earlier ``goals_forecast`` tables (``period`` is the
        bundle that published them), as read by ``sa.read_published_tables``.
    period : the report month: forecasts of it and earlier months are judged.

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
    h = _hierarchy(monthly_revenue(orders, reps, period=p))
    actual = _actuals(h, h.months)
    out = past.rename(columns={"period": "forecast_made"}).merge(actual, on=["month", *_KEYS], how="left")
    out = out.assign(
        period=str(p),
        error=out["actual"] - out["p50"],
        inside=(out["actual"] >= out["p10"]) & (out["actual"] <= out["p90"]),
    )
    return out[cols].sort_values(["month", "forecast_made", "level", "team"], ignore_index=True)


def last_forecast_sentence(track: pd.DataFrame, *, month: Period | str, language: str = "zh") -> str:
    """ "Last month we said 3.1 M-3.6 M for 2026-11; it was 3.4 M", from :func:`forecast_vs_actual`.

    The company's forecast of ``month`` from the latest bundle that made one; the
    "no history yet" text when there is none.
    """
    from sales_analytics.report.labels import label
    from sales_analytics.views.components import fmt_money

    m = str(_month(month))
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
