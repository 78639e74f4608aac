"""Base forecasts of one series: a log-linear regression on trend and calendar (statsmodels OLS).

For a monthly revenue series ``y`` the model is

    log y_t = a + b·t + c·x_t + e_t,   e_t ~ N(0, s²)

with ``x_t`` the calendar regressors of :mod:`sales_analytics.forecast.calendar`
(working days, Spring Festival share, June, November, December). statsmodels
fits it and gives the prediction's standard error (parameter uncertainty plus
the residual variance), so a series with little history gets a wide band. The
band is the Student-t interval on the log scale, turned back into amounts: it
is skewed upwards like revenue itself, and its median (p50) is ``exp`` of the
log-scale mean.

A series too short to learn its own calendar effects (fewer than
``full_model_months`` positive months) borrows them from its parent (a rep
from the team, a team from the company) as a fixed *offset* and fits only its
level and trend. Months with zero or negative revenue (a refund-heavy month,
leave) are left out of the fit and said so in ``n_months``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__: list[str] = []

_MIN_TREND = 6  # positive months needed before a trend is fitted
_MIN_FIT = 3  # below this a series borrows the spread of its peers


@dataclass(frozen=True)
class SeriesFit:
    """One series' forecast on the log scale and the calendar effect it can hand to children."""

    mean: np.ndarray  # (H,) log-scale mean = log p50
    se: np.ndarray  # (H,) standard error of a new observation on the log scale
    df: float  # residual degrees of freedom (inf when the spread was borrowed)
    n_months: int  # positive months used
    calendar_hist: np.ndarray  # (T,) calendar effect on the log scale over the history
    calendar_future: np.ndarray  # (H,) and over the forecast months
    model: str  # full | offset | level | none


def fit_series(
    y: np.ndarray,
    cal_hist: np.ndarray,
    cal_future: np.ndarray,
    *,
    offset_hist: np.ndarray | None,
    offset_future: np.ndarray | None,
    full_model_months: int,
    fallback_se: float,
) -> SeriesFit:
    """Fit one series (length T) and forecast H months.

    ``cal_hist`` (T×k) and ``cal_future`` (H×k) are the calendar regressors;
    ``offset_*`` the parent's calendar effect (None for the top series).
    """
    import statsmodels.api as sm

    T, H = len(y), len(cal_future)
    t_hist = np.arange(T, dtype=np.float64)
    t_future = np.arange(T, T + H, dtype=np.float64)
    pos = np.isfinite(y) & (y > 0)
    idx = np.flatnonzero(pos)
    n = len(idx)
    zero_off_h = np.zeros(T) if offset_hist is None else offset_hist
    zero_off_f = np.zeros(H) if offset_future is None else offset_future
    if n == 0:
        return SeriesFit(np.full(H, -np.inf), np.zeros(H), np.inf, 0, zero_off_h, zero_off_f, "none")
    z = np.log(y[idx])
    full = n >= full_model_months or offset_hist is None
    cols_h: list[np.ndarray] = [np.ones(n)]
    cols_f: list[np.ndarray] = [np.ones(H)]
    if n >= _MIN_TREND:
        # time counted from the first positive month, so a new hire's ramp is their own trend
        cols_h.append(t_hist[idx] - t_hist[idx[0]])
        cols_f.append(t_future - t_hist[idx[0]])
    cal_cols: list[int] = []
    if full and n >= _MIN_FIT:
        # a regressor that does not vary over the fitted months cannot be estimated: left out
        cal_cols = [j for j in range(cal_hist.shape[1]) if np.ptp(cal_hist[idx, j]) > 1e-9]
        cols_h += [cal_hist[idx, j] for j in cal_cols]
        cols_f += [cal_future[:, j] for j in cal_cols]
        off_h, off_f = np.zeros(T), np.zeros(H)
    else:
        off_h, off_f = zero_off_h, zero_off_f
    X = np.column_stack(cols_h)
    Xf = np.column_stack(cols_f)
    z_adj = z - off_h[idx]
    if n - X.shape[1] < 1:
        # too few months to estimate a spread: the level is their mean, the spread borrowed from peers
        X, Xf = X[:, :1], Xf[:, :1]
        level = float(np.mean(z_adj))
        mean = level + off_f
        se = np.full(H, fallback_se * np.sqrt(1 + 1 / n))
        return SeriesFit(mean, se, np.inf, n, off_h, off_f, "level")
    res = sm.OLS(z_adj, X).fit()
    pred = res.get_prediction(Xf)
    mean = np.asarray(pred.predicted_mean) + off_f
    se = np.asarray(pred.se_obs)
    if full:
        beta = np.asarray(res.params)[X.shape[1] - len(cal_cols) :]
        calendar_hist = cal_hist[:, cal_cols] @ beta if cal_cols else np.zeros(T)
        calendar_future = cal_future[:, cal_cols] @ beta if cal_cols else np.zeros(H)
        model = "full"
    else:
        calendar_hist, calendar_future, model = off_h, off_f, "offset"
    return SeriesFit(mean, se, float(res.df_resid), n, calendar_hist, calendar_future, model)


def quantiles(fit: SeriesFit, interval: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """p_low, p50, p_high in amounts for the central ``interval`` (0.8 → p10, p50, p90)."""
    q = stats.t.ppf(0.5 + interval / 2, fit.df) if np.isfinite(fit.df) else stats.norm.ppf(0.5 + interval / 2)
    with np.errstate(over="ignore"):
        p50 = np.exp(fit.mean)
        return np.exp(fit.mean - q * fit.se), p50, np.exp(fit.mean + q * fit.se)
