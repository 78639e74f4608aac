"""Base forecasts of one series: a log-linear regression on trend and calendar (ordinary least squares).

For a monthly revenue series ``y`` the model is

    log y_t = a + b·t + c·x_t + e_t,   e_t ~ N(0, s²)

with ``x_t`` the calendar regressors of :mod:`sales_analytics.forecast.calendar`
(working days, Spring Festival share, June, November, December). :func:`_ols`
fits it and gives the prediction's standard error (parameter uncertainty plus
the residual variance), so a series with little history gets a wide band. The
band is the Student-t interval on the log scale, turned back into amounts: it
is skewed upwards like revenue itself, and its median (p50) is ``exp`` of the
log-scale mean.

A series too short to learn its own calendar effects (fewer than
``full_model_months`` positive months) borrows them from its parent (a rep
from the team, a team from the company) as an *offset* and fits only its
level and trend. The borrowed effects are estimates: their uncertainty (the
parent's coefficient covariance, carried through the child's own fit of level
and trend) is added to the child's prediction variance, so a team that borrows
a Spring Festival effect the company has seen once gets the band that one
festival warrants, not the band of a known effect. Months with zero or negative revenue (a refund-heavy month,
leave) are left out of the fit and said so in ``n_months``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

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
    # the calendar effect as design × coefficients and the coefficients' covariance, so a child
    # borrowing it can carry its uncertainty: calendar_hist = design_hist @ beta, Var(beta) = cov
    design_hist: np.ndarray | None = None  # (T, k)
    design_future: np.ndarray | None = None  # (H, k)
    cov: np.ndarray | None = None  # (k, k)

    def borrowed(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The (design_hist, design_future, cov) a child offsets by, or None when there is none."""
        if self.design_hist is None or self.design_future is None or self.cov is None:
            return None
        return self.design_hist, self.design_future, self.cov


def fit_series(
    y: np.ndarray,
    cal_hist: np.ndarray,
    cal_future: np.ndarray,
    *,
    offset_hist: np.ndarray | None,
    offset_future: np.ndarray | None,
    full_model_months: int,
    fallback_se: float,
    offset_uncertainty: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> SeriesFit:
    """Fit one series (length T) and forecast H months.

    ``cal_hist`` (T×k) and ``cal_future`` (H×k) are the calendar regressors;
    ``offset_*`` the parent's calendar effect (None for the top series) and
    ``offset_uncertainty`` its (design_hist, design_future, coefficient covariance)
    (:meth:`SeriesFit.borrowed`); without it the offset counts as known.
    """
    T, H = len(y), len(cal_future)
    t_hist = np.arange(T, dtype=np.float64)
    t_future = np.arange(T, T + H, dtype=np.float64)
    pos = np.isfinite(y) & (y > 0)
    idx = np.flatnonzero(pos)
    n = len(idx)
    zero_off_h = np.zeros(T) if offset_hist is None else offset_hist
    zero_off_f = np.zeros(H) if offset_future is None else offset_future
    if n == 0:
        return SeriesFit(
            np.full(H, -np.inf),
            np.zeros(H),
            np.inf,
            0,
            zero_off_h,
            zero_off_f,
            "none",
            *(offset_uncertainty or ()),
        )
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
        if not full:
            se = np.sqrt(se**2 + _borrowed_variance(X, Xf, idx, offset_uncertainty))
        return SeriesFit(mean, se, np.inf, n, off_h, off_f, "level", *(offset_uncertainty or ()))
    res = _ols(z_adj, X, Xf)
    mean = res.predicted + off_f
    se = res.se_obs
    if full:
        k = len(cal_cols)
        beta = res.params[X.shape[1] - k :]
        cov = res.cov[X.shape[1] - k :, X.shape[1] - k :]
        design_h, design_f = cal_hist[:, cal_cols], cal_future[:, cal_cols]
        calendar_hist = design_h @ beta if cal_cols else np.zeros(T)
        calendar_future = design_f @ beta if cal_cols else np.zeros(H)
        return SeriesFit(
            mean, se, res.df_resid, n, calendar_hist, calendar_future, "full", design_h, design_f, cov
        )
    se = np.sqrt(se**2 + _borrowed_variance(X, Xf, idx, offset_uncertainty))
    return SeriesFit(mean, se, res.df_resid, n, off_h, off_f, "offset", *(offset_uncertainty or ()))


@dataclass(frozen=True)
class _Fit:
    params: np.ndarray  # (k,) coefficients
    cov: np.ndarray  # (k, k) their covariance (unscaled covariance × residual variance)
    df_resid: float  # observations − rank of X
    predicted: np.ndarray  # (H,) Xf @ params
    se_obs: np.ndarray  # (H,) standard error of a new observation at each row of Xf


def _ols(z: np.ndarray, X: np.ndarray, Xf: np.ndarray) -> _Fit:
    """Least squares of ``z`` on ``X`` through the pseudo-inverse, and the prediction at ``Xf``.

    The arithmetic of statsmodels' ``OLS(z, X).fit().get_prediction(Xf)`` (its default "pinv"
    method: singular values below 1e-15 × the largest count as zero), step for step, so the
    forecasts are the same to the bit; about 30× cheaper per call than going through its model
    and results objects, which the backtest does for every series at every origin.

    >>> X = np.column_stack([np.ones(4), np.arange(4.0)])  # z = 1 + 2t + noise ±0.5
    >>> f = _ols(np.array([1.5, 2.5, 5.5, 6.5]), X, np.array([[1.0, 4.0]]))
    >>> f.params.round(6).tolist(), f.df_resid, f.predicted.round(6).tolist()
    ([1.3, 1.8], 2.0, [8.5])
    """
    u, s, vt = np.linalg.svd(X, False)
    rank = np.linalg.matrix_rank(np.diag(s))
    cutoff = 1e-15 * np.maximum.reduce(s)
    inv = np.zeros_like(s)
    big = s > cutoff
    inv[big] = 1.0 / s[big]
    pinv = np.dot(np.transpose(vt), np.multiply(inv[:, np.newaxis], np.transpose(u)))
    params = np.dot(pinv, z)
    resid = z - np.dot(X, params)
    df_resid = float(X.shape[0]) - rank
    scale = np.dot(resid, resid) / df_resid
    cov = np.dot(pinv, np.transpose(pinv)) * scale
    var_pred = (Xf * np.dot(cov, Xf.T).T).sum(1)
    return _Fit(params, cov, float(df_resid), np.dot(Xf, params), np.sqrt(var_pred + scale))


def _borrowed_variance(
    X: np.ndarray,
    Xf: np.ndarray,
    idx: np.ndarray,
    borrowed: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
) -> np.ndarray:
    """Variance a borrowed calendar effect adds to a child's forecast (H,).

    The child predicts ``D_f β + X_f b̂`` with ``b̂ = (XᵀX)⁻¹ Xᵀ (z − D_h β)`` on its
    fitted months: with the parent's β̂ of covariance Σ, the prediction moves by
    ``G (β̂ − β)``, ``G = D_f − X_f (XᵀX)⁻¹ Xᵀ D_h``, so its variance is diag(G Σ Gᵀ).
    A level-only child, for example, is exposed to the difference between the future
    month's effect and the average effect of its history months.
    """
    if borrowed is None:
        return np.zeros(len(Xf))
    design_h, design_f, cov = borrowed
    if design_h.shape[1] == 0:
        return np.zeros(len(Xf))
    proj = Xf @ np.linalg.pinv(X)  # X_f (XᵀX)⁻¹ Xᵀ  (H × n)
    G = design_f - proj @ design_h[idx]
    return np.maximum(np.einsum("hk,kl,hl->h", G, cov, G), 0.0)


def quantiles(fit: SeriesFit, interval: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """p_low, p50, p_high in amounts for the central ``interval`` (0.8 → p10, p50, p90)."""
    q = _quantile(0.5 + interval / 2, fit.df)
    with np.errstate(over="ignore"):
        p50 = np.exp(fit.mean)
        return np.exp(fit.mean - q * fit.se), p50, np.exp(fit.mean + q * fit.se)


@lru_cache(maxsize=256)
def _quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom (the normal's when ``df`` is
    infinite): what ``scipy.stats.t.ppf`` / ``norm.ppf`` return, from the special functions they call,
    once per distinct ``df`` (a backtest asks for the same few thousands of times).

    >>> round(_quantile(0.9, 10.0), 4), round(_quantile(0.9, float("inf")), 4)
    (1.3722, 1.2816)
    """
    from scipy import special  # imported on use; lighter than scipy.stats

    return float(special.stdtrit(df, p)) if np.isfinite(df) else float(special.ndtri(p))
