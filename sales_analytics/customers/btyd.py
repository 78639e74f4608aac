"""BG/NBD and Gamma-Gamma: likelihoods, maximum-likelihood fits, predictions, simulation.

Notation (docs/formulas.md §7, lifetimes conventions): per customer ``x`` repeat
purchases, ``t_x`` time of the last purchase and ``T`` age, both measured from
the first purchase, ``m`` the mean value of the repeat purchases.

BG/NBD (Fader, Hardie & Lee 2005a) has parameters ``r, alpha`` (Gamma
purchase rates) and ``a, b`` (Beta drop-out probability); Gamma-Gamma
(Fader, Hardie & Lee 2005b) has ``p, q, gamma``. Both are fitted by maximum
likelihood over log-parameters with :func:`scipy.optimize.minimize` (L-BFGS-B, Nelder-Mead as
fallback); the
log-likelihoods are vectorised with ``scipy.special`` and customers with the
same summary are fitted once with a weight.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from sales_analytics.errors import SalesAnalyticsError

__all__ = [
    "BgNbdParams",
    "GammaGammaParams",
    "bgnbd_expected_purchases",
    "bgnbd_loglik",
    "bgnbd_p_alive",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "gamma_gamma_expected_spend",
    "gamma_gamma_loglik",
    "simulate_bgnbd",
    "simulate_gamma_gamma",
]

log = logging.getLogger(__name__)


class FitError(SalesAnalyticsError):
    """A model could not be fitted to the data given."""


@dataclass(frozen=True)
class BgNbdParams:
    """BG/NBD parameters; ``alpha`` is in the time unit of the data (days here)."""

    r: float
    alpha: float
    a: float
    b: float
    loglik: float = float("nan")
    n_customers: int = 0
    converged: bool = True


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma parameters; ``gamma`` is in money units."""

    p: float
    q: float
    gamma: float
    loglik: float = float("nan")
    n_customers: int = 0
    converged: bool = True


def _arrays(*values: np.ndarray | float | None) -> list[np.ndarray]:
    return [np.asarray(v, dtype=np.float64) for v in values]


def bgnbd_loglik(
    r: float, alpha: float, a: float, b: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood (docs/formulas.md §7.1).

    ``L = B(a,b+x)/B(a,b) Γ(r+x)α^r/Γ(r) (α+T)^-(r+x) + 1{x>0} B(a+1,b+x-1)/B(a,b) Γ(r+x)α^r/Γ(r) (α+t_x)^-(r+x)``

    >>> import numpy as np
    >>> # x = 1, t_x = 1, T = 2, r = α = a = b = 1: L = 1/18 + 1/8 = 13/72
    >>> round(float(np.exp(bgnbd_loglik(1, 1, 1, 1, [1], [1], [2])[0]) * 72), 9)
    13.0
    """
    from scipy.special import betaln, gammaln

    x, t_x, T = _arrays(x, t_x, T)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a1 = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a2 = np.where(
            x > 0,
            betaln(a + 1, b + np.maximum(x, 1) - 1) - betaln(a, b) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return common + np.logaddexp(a1, a2)


def bgnbd_p_alive(params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(alive | x, t_x, T); 1 for customers without a repeat purchase."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, T = _arrays(x, t_x, T)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_ratio = (
            np.log(a) - np.log(b + np.maximum(x, 1) - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        )
        out = 1.0 / (1.0 + np.exp(log_ratio))
    return np.where(x > 0, out, 1.0)


def bgnbd_expected_purchases(
    params: BgNbdParams,
    t: float | np.ndarray,
    x: np.ndarray | None = None,
    t_x: np.ndarray | None = None,
    T: np.ndarray | None = None,
) -> np.ndarray:
    """Expected purchases in the next ``t`` time units.

    Without ``x, t_x, T``: E[X(t)] for a new customer. With them: E[Y(t) | x, t_x, T]
    (docs/formulas.md §7.1).
    """
    from scipy.special import hyp2f1

    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    t = np.asarray(t, dtype=np.float64)
    if x is None:
        return (
            (a + b - 1)
            / (a - 1)
            * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
        )
    x, t_x, T = _arrays(x, t_x, T)
    z = t / (alpha + T + t)
    num = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
    )
    return num * bgnbd_p_alive(params, x, t_x, T)


def _unique_rows(*cols: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    stacked = np.column_stack(cols)
    uniq, counts = np.unique(stacked, axis=0, return_counts=True)
    return [uniq[:, i] for i in range(uniq.shape[1])], counts.astype(np.float64)


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values and each value's position among them (``values == distinct[at]``)."""
    distinct, at = np.unique(values, return_inverse=True)
    return distinct, at


def _minimise(fun, x0: np.ndarray) -> tuple[np.ndarray, float, bool]:
    """L-BFGS-B (numerical gradient) from ``x0``; Nelder-Mead takes over when it does not converge.

    On the standard sample both reach the same optimum (to 1e-8 in the mean log-likelihood);
    L-BFGS-B needs ~75 evaluations where Nelder-Mead needs ~900.
    """
    from scipy.optimize import minimize

    best = minimize(fun, x0, method="L-BFGS-B")
    if best.success and np.isfinite(best.fun):
        return best.x, float(best.fun), True
    slow = minimize(
        fun,
        best.x if np.isfinite(best.fun) else x0,
        method="Nelder-Mead",
        options={"maxiter": 20_000, "maxfev": 20_000, "xatol": 1e-7, "fatol": 1e-10},
    )
    chosen = slow if slow.fun <= best.fun else best
    return chosen.x, float(chosen.fun), bool(slow.success)


def fit_bgnbd(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> BgNbdParams:
    """Fit BG/NBD by maximum likelihood.

    Times are rescaled so that the oldest customer has ``T = 10`` while fitting
    (conditioning only; ``alpha`` is returned in the data's unit).
    """
    from scipy.special import betaln, gammaln

    x, t_x, T = _arrays(x, t_x, T)
    if len(x) < 10 or not (x > 0).any():
        raise FitError(
            f"BG/NBD needs at least 10 customers, some with repeat purchases; got {len(x)} "
            f"customers, {int((x > 0).sum())} with repeats"
        )
    if (t_x > T + 1e-9).any() or (x < 0).any() or (t_x < 0).any():
        raise FitError("BG/NBD inputs must satisfy x ≥ 0 and 0 ≤ t_x ≤ T")
    scale = 10.0 / max(float(T.max()), 1e-9)
    (ux, utx, uT), w = _unique_rows(x, t_x * scale, T * scale)
    n = w.sum()
    # the special functions depend on x alone and the logarithms on t_x or T alone: each is
    # evaluated once per distinct value, and the values are those of bgnbd_loglik(ux, utx, uT)
    # bit for bit, so the optimiser takes the same steps (1.8 of 2.2 CPU s at 10M rows)
    (xs, x_at), (txs, tx_at), (Ts, T_at) = (_distinct(v) for v in (ux, utx, uT))
    has_repeat = ux > 0
    xs_1 = np.maximum(xs, 1)

    def nll(theta: np.ndarray) -> float:
        r, alpha, a, b = np.exp(np.clip(theta, -30, 30))
        beta_ab = betaln(a, b)
        rx = (r + xs)[x_at]
        common = (gammaln(r + xs) - gammaln(r) + r * np.log(alpha))[x_at]
        a1 = (betaln(a, b + xs) - beta_ab)[x_at] - rx * np.log(alpha + Ts)[T_at]
        with np.errstate(divide="ignore", invalid="ignore"):
            a2 = np.where(
                has_repeat,
                (betaln(a + 1, b + xs_1 - 1) - beta_ab)[x_at] - rx * np.log(alpha + txs)[tx_at],
                -np.inf,
            )
        value = -(w * (common + np.logaddexp(a1, a2))).sum() / n
        return float(value) if np.isfinite(value) else 1e300

    theta, value, ok = _minimise(nll, np.zeros(4))
    r, alpha, a, b = np.exp(theta)
    if not ok:
        log.warning("BG/NBD fit did not report convergence; estimates may be rough")
    alpha = alpha / scale
    loglik = float(bgnbd_loglik(r, alpha, a, b, x, t_x, T).sum())  # in the data's own time unit
    return BgNbdParams(float(r), float(alpha), float(a), float(b), loglik, int(n), ok)


def gamma_gamma_loglik(p: float, q: float, gamma: float, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Per-customer Gamma-Gamma log-likelihood (docs/formulas.md §7.2), customers with ``x > 0``.

    ``ln L = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q lnγ + (px−1) ln m + px ln x − (px+q) ln(γ + x m)``
    """
    from scipy.special import gammaln

    x, m = _arrays(x, m)
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + x * m)
    )


def gamma_gamma_expected_spend(params: GammaGammaParams, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """E[M | x, m] = p(γ + x m) / (px + q − 1); the population mean γp/(q−1) when x = 0."""
    x, m = _arrays(x, m)
    m = np.where(x > 0, m, 0.0)
    return params.p * (params.gamma + x * m) / (params.p * x + params.q - 1)


def fit_gamma_gamma(x: np.ndarray, m: np.ndarray) -> GammaGammaParams:
    """Fit Gamma-Gamma by maximum likelihood on customers with ``x > 0`` and ``m > 0``.

    Values are rescaled to a mean of 1 while fitting; ``gamma`` is returned in money units.
    """
    from scipy.special import gammaln

    x, m = _arrays(x, m)
    keep = (x > 0) & (m > 0) & np.isfinite(m)
    x, m = x[keep], m[keep]
    if len(x) < 10:
        raise FitError(f"Gamma-Gamma needs at least 10 customers with repeat purchases; got {len(x)}")
    scale = float(m.mean())
    (ux, um), w = _unique_rows(x, m / scale)
    n = w.sum()
    # gamma_gamma_loglik(p, q, g, ux, um) term by term, the terms of x alone once per distinct x
    xs, x_at = _distinct(ux)
    log_xs, log_um = np.log(xs), np.log(um)

    def nll(theta: np.ndarray) -> float:
        p, q, g = np.exp(np.clip(theta, -30, 30))
        px = p * xs
        ll = (
            (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g))[x_at]
            + (px - 1)[x_at] * log_um
            + (px * log_xs)[x_at]
            - (px + q)[x_at] * np.log(g + ux * um)
        )
        value = -(w * ll).sum() / n
        return float(value) if np.isfinite(value) else 1e300

    theta, value, ok = _minimise(nll, np.zeros(3))
    p, q, g = np.exp(theta)
    if q <= 1:
        log.warning("Gamma-Gamma q = %.3f ≤ 1: the population mean spend is undefined", q)
    loglik = float(gamma_gamma_loglik(p, q, g * scale, x, m).sum())  # in money units
    return GammaGammaParams(float(p), float(q), float(g * scale), loglik, int(n), ok)


def simulate_bgnbd(params: BgNbdParams, T: np.ndarray, seed: int = 0) -> dict[str, np.ndarray]:
    """Draw ``x, t_x, T`` from the BG/NBD generative process (for tests and demos).

    Each customer gets λ ~ Gamma(r, 1/α) and p ~ Beta(a, b); from the first purchase
    at time 0, purchases follow a Poisson process with rate λ until ``T``, and after each
    repeat purchase the customer drops out with probability p.
    """
    rng = np.random.default_rng(seed)
    T = np.asarray(T, dtype=np.float64)
    n = len(T)
    lam = rng.gamma(params.r, 1.0 / params.alpha, n)
    drop = rng.beta(params.a, params.b, n)
    x = np.zeros(n, dtype=np.int64)
    t_x = np.zeros(n)
    now = np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        now[idx] += rng.exponential(1.0, len(idx)) / lam[idx]
        bought = now[idx] <= T[idx]
        hit = idx[bought]
        x[hit] += 1
        t_x[hit] = now[hit]
        died = rng.random(len(hit)) < drop[hit]
        active[idx[~bought]] = False
        active[hit[died]] = False
    return {"x": x, "t_x": t_x, "T": T}


def simulate_gamma_gamma(params: GammaGammaParams, x: np.ndarray, seed: int = 0) -> np.ndarray:
    """Draw each customer's mean spend over ``x`` purchases (NaN where x = 0).

    ν ~ Gamma(q, rate γ) per customer; each purchase ~ Gamma(p, rate ν), so the mean of
    ``x`` purchases ~ Gamma(p x, rate x ν).
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=np.float64)
    nu = rng.gamma(params.q, 1.0 / params.gamma, len(x))
    out = np.full(len(x), np.nan)
    pos = x > 0
    out[pos] = rng.gamma(params.p * x[pos], 1.0 / (x[pos] * nu[pos]))
    return out
