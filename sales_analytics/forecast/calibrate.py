"""Calibrated bands: widen (or narrow) the model's band by what its own past errors say.

The model's band (:mod:`~sales_analytics.forecast.model`) is honest only if the
model is: log-normal, independent errors, the right regressors. Real revenue is
not quite that, and reconciliation and the open month's run rate and pipeline
move the band further from the model's assumptions. So the published band is
*split-conformal* (Vovk et al. 2005; as in statsforecast's ``ConformalIntervals``,
from rolling-origin errors per horizon): the rolling-origin backtest gives, for
each level and horizon, forecasts made in the past and the revenue that came;
each such pair gets a score

    s = log(actual / p50) / log(p90 / p50)   when actual ≥ p50,
    s = log(p50 / actual) / log(p50 / p10)   when actual < p50,

the multiple of the model's own (log-scale) half-band that would just have
reached the actual (s ≤ 1: inside the band; an actual of 0 or below: s = ∞).
With n scores, the factor ``c`` is the ⌈(n + 1) · 0.8⌉-th smallest: if past
and future scores are exchangeable, a band stretched by ``c`` on the log scale
around p50,

    p10' = p50 · (p10 / p50)^c,   p90' = p50 · (p90 / p50)^c,

holds the next actual with probability at least 80 % (and at most 80 % +
1/(n + 1)). The backtest computes each origin's factor only from forecasts
whose month was complete at that origin, so its coverage figures measure the
calibrated band honestly; the published forecast uses every backtest pair.
With fewer than :data:`MIN_SCORES` pairs the quantile does not exist and the
factor is 1 (the model's own band). p50 is never moved, so the reconciled
p50 still add up to the cent.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["apply_calibration", "band_scores", "interval_calibration"]

#: the central share the band should hold (p10-p90)
NOMINAL = 0.8
#: fewest scores for which the conformal quantile ⌈(n+1)·0.8⌉ ≤ n exists
MIN_SCORES = math.ceil(NOMINAL / (1 - NOMINAL))
#: a factor is never taken above this (the scores of actuals ≤ 0 are infinite)
MAX_FACTOR = 5.0
CALIBRATION_COLUMNS = ("level", "horizon", "n", "factor")


def band_scores(actual: np.ndarray, p10: np.ndarray, p50: np.ndarray, p90: np.ndarray) -> np.ndarray:
    """The multiple of each band's log half-width that reaches its actual (≤ 1: inside; NaN: no band).

    A forecast of zero (a rep who left) has no band to scale: NaN, and such pairs do not count.

    >>> band_scores(np.array([100.0, 200.0, 50.0, 0.0]), np.full(4, 50.0), np.full(4, 100.0),
    ...             np.full(4, 200.0)).round(3).tolist()  # at p50, at p90, at p10, nothing sold
    [0.0, 1.0, 1.0, inf]
    """
    a, lo, mid, hi = (np.asarray(x, dtype=np.float64) for x in (actual, p10, p50, p90))
    out = np.full(len(a), np.nan)
    ok = np.isfinite(a) & (mid > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        up = ok & (a >= mid)
        width_up = np.log(hi / mid)
        out[up] = np.where(
            width_up[up] > 0, np.log(a[up] / mid[up]) / width_up[up], np.where(a[up] == mid[up], 0.0, np.inf)
        )
        down = ok & (a < mid)
        width_dn = np.log(mid / np.maximum(lo, 0.0))  # p10 = 0: an infinite half-band, any a > 0 inside
        s_dn = np.where(a > 0, np.log(mid / a) / width_dn, np.inf)
        s_dn = np.where((width_dn == 0) & (a > 0), np.inf, s_dn)
        out[down] = s_dn[down]
    return out


def _factor(scores: np.ndarray) -> tuple[int, float]:
    s = np.sort(scores[~np.isnan(scores)])
    n = len(s)
    if n < MIN_SCORES:
        return n, 1.0
    k = math.ceil((n + 1) * NOMINAL)  # 1-based rank of the conformal quantile
    return n, float(min(s[k - 1], MAX_FACTOR))


def interval_calibration(backtest: pd.DataFrame) -> pd.DataFrame:
    """The conformal factor per level and horizon from backtest rows (actual and the model's band).

    Parameters
    ----------
    backtest : rows with ``level, horizon, actual, p50`` and the uncalibrated band
        ``p10_raw, p90_raw`` (``forecast_backtest``'s columns), every ``actual`` known.

    Returns
    -------
    DataFrame ``level, horizon, n, factor``: ``n`` the scores used, ``factor`` the
    ⌈(n+1)·0.8⌉-th smallest score (1 when n < :data:`MIN_SCORES`).

    >>> bt = pd.DataFrame({"level": "team", "horizon": 1, "actual": [100.0, 110, 90, 130, 70],
    ...     "p10_raw": 90.0, "p50": 100.0, "p90_raw": 110.0})
    >>> # scores 0, 1, 1, log 1.3/log 1.1 = 2.753, log(100/70)/log(100/90) = 3.385: the 5th of 5 (⌈6·0.8⌉)
    >>> interval_calibration(bt)[["n", "factor"]].round(3).values.tolist()
    [[5.0, 3.385]]
    """
    rows = []
    if len(backtest):
        scores = band_scores(
            backtest["actual"].to_numpy(),
            backtest["p10_raw"].to_numpy(),
            backtest["p50"].to_numpy(),
            backtest["p90_raw"].to_numpy(),
        )
        keys = backtest[["level", "horizon"]].reset_index(drop=True)
        for (level, horizon), idx in keys.groupby(["level", "horizon"], sort=False).indices.items():
            n, c = _factor(scores[idx])
            rows.append({"level": str(level), "horizon": int(horizon), "n": n, "factor": c})
    if not rows:
        return pd.DataFrame(
            {
                "level": pd.Series(dtype="str"),
                "horizon": pd.Series(dtype="int64"),
                "n": pd.Series(dtype="int64"),
                "factor": pd.Series(dtype="float64"),
            }
        )
    return pd.DataFrame(rows, columns=list(CALIBRATION_COLUMNS))


def apply_calibration(forecast: pd.DataFrame, calibration: pd.DataFrame | None) -> pd.DataFrame:
    """``forecast`` with each band stretched by its level and horizon's factor around p50 (to the cent).

    ``p10, p50, p90`` and ``level, horizon`` are required; a level and horizon
    without a factor keeps its band (factor 1). p50 is unchanged; p10 stays at
    least the revenue already booked (``actual_to_date``, when present) and at
    most p50. The factor used is added as ``calibration``.

    >>> f = pd.DataFrame({"level": "team", "horizon": 1, "p10": [80.0], "p50": [100.0], "p90": [125.0]})
    >>> cal = pd.DataFrame({"level": ["team"], "horizon": [1], "n": [40], "factor": [2.0]})
    >>> apply_calibration(f, cal)[["p10", "p50", "p90", "calibration"]].values.tolist()  # 100·0.8², 100·1.25²
    [[64.0, 100.0, 156.25, 2.0]]
    """
    out = forecast.copy()
    factor = np.ones(len(out))
    if calibration is not None and len(calibration) and len(out):
        key = pd.MultiIndex.from_arrays(
            [calibration["level"].astype(str), calibration["horizon"].astype(int)]
        )
        lookup = pd.Series(calibration["factor"].to_numpy(dtype=np.float64), index=key)
        want = pd.MultiIndex.from_arrays([out["level"].astype(str), out["horizon"].astype(int)])
        factor = lookup.reindex(want).fillna(1.0).to_numpy()
    p10, p50, p90 = (out[c].to_numpy(dtype=np.float64) for c in ("p10", "p50", "p90"))
    pos = p50 > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.where(pos, p50 * np.power(np.where(pos, p10 / p50, 1.0), factor), p10)
        hi = np.where(pos, p50 * np.power(np.where(pos, p90 / p50, 1.0), factor), p90)
    if "actual_to_date" in out:
        lo = np.maximum(lo, np.minimum(out["actual_to_date"].to_numpy(dtype=np.float64), p50))
    out["p10"] = np.minimum(np.round(lo, 2), p50)
    out["p90"] = np.maximum(np.round(hi, 2), p50)
    out["calibration"] = factor
    return out
