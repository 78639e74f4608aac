"""Psychometrics of Likert dimensions: Cronbach's alpha (raw, standardized, Feldt CI), omega, item statistics.

Formulas (docs/formulas.md §8.6–8.7), ``k`` items, item variances σᵢ², total variance σ_X²,
mean inter-item correlation r̄, ``n`` respondents::

    raw α = k/(k−1) × (1 − Σσᵢ² / σ_X²)         standardized α = k r̄ / (1 + (k−1) r̄)
    Feldt CI = 1 − (1−α) × F⁻¹(1 − a/2 and a/2; n−1, (n−1)(k−1))
    ω_total = (Σλᵢ)² / [(Σλᵢ)² + Σψᵢ]            one-factor loadings λ, uniquenesses ψ = 1 − λ²

Missing answers are handled listwise (complete cases) or pairwise (covariances
from every pair's common answers, ``n`` = the smallest pair count), as
``SurveyParams.missing`` says; the tables state which in a ``missing`` column.
Reverse-coded items are mirrored from the instrument first.

For an anonymous instrument the pooled window holds only published month
blocks (:func:`~sales_analytics.surveys.anonymity.published_blocks`): the
respondents of a month enter only when at least the threshold of them answered
the dimension's items (complete cases when listwise, every pair when pairwise).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from sales_analytics.periods import Period
from sales_analytics.surveys.anonymity import (
    ALL,
    anonymity_threshold_for,
    published_blocks,
    suppress_small_groups,
)
from sales_analytics.surveys.instruments import Instrument
from sales_analytics.surveys.params import SurveyParams
from sales_analytics.surveys.scores import _scorable, reverse_code
from sales_analytics.vocabulary import renamed_arguments

__all__ = [
    "cronbach_alpha",
    "feldt_interval",
    "item_reliability",
    "mcdonald_omega",
    "one_factor_loadings",
    "reliability_table",
]

log = logging.getLogger(__name__)


def _cov_corr(items: pd.DataFrame, missing: str) -> tuple[np.ndarray, np.ndarray, int]:
    x = items.astype(float)
    if missing == "listwise":
        x = x.dropna()
        n = len(x)
        if n < 2:
            k = x.shape[1]
            return np.full((k, k), np.nan), np.full((k, k), np.nan), n
        return np.cov(x.to_numpy(), rowvar=False, ddof=1), np.corrcoef(x.to_numpy(), rowvar=False), n
    if missing != "pairwise":
        raise ValueError(f"missing must be one of ['listwise', 'pairwise']; got {missing!r}")
    present = x.notna().to_numpy().astype(int)
    counts = present.T @ present
    return x.cov(ddof=1).to_numpy(), x.corr().to_numpy(), int(counts.min()) if counts.size else 0


def feldt_interval(alpha: float, n: int, k: int, confidence: float = 0.95) -> tuple[float, float]:
    """Feldt's confidence interval of Cronbach's alpha.

    >>> lo, hi = feldt_interval(0.80, 50, 4)
    >>> round(lo, 2), round(hi, 2)
    (0.69, 0.88)
    """
    from scipy import stats  # imported on use: opening a notebook does not load scipy.stats

    if n < 2 or k < 2 or not np.isfinite(alpha):
        return np.nan, np.nan
    df1, df2 = n - 1, (n - 1) * (k - 1)
    a = 1 - confidence
    lower = 1 - (1 - alpha) * stats.f.ppf(1 - a / 2, df1, df2)
    upper = 1 - (1 - alpha) * stats.f.ppf(a / 2, df1, df2)
    return float(lower), float(upper)


def cronbach_alpha(
    items: pd.DataFrame, *, missing: str = "listwise", confidence: float = 0.95
) -> dict[str, float]:
    """Cronbach's alpha of the item columns (already reverse-coded).

    Parameters
    ----------
    items : one column per item, one row per respondent.
    missing : ``listwise`` or ``pairwise``.

    Returns
    -------
    ``{"alpha", "alpha_std", "ci_low", "ci_high", "mean_r", "k", "n"}``.

    Examples
    --------
    Three respondents, two items: item variances 1 and 1, total (2, 4, 6) variance 4,
    α = 2/1 × (1 − 2/4) = 1.0:

    >>> a = cronbach_alpha(pd.DataFrame({"a": [1, 2, 3], "b": [1, 2, 3]}))
    >>> float(a["alpha"]), float(a["alpha_std"])
    (1.0, 1.0)
    """
    k = items.shape[1]
    cov, corr, n = _cov_corr(items, missing)
    out = {
        "alpha": np.nan,
        "alpha_std": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "mean_r": np.nan,
        "k": k,
        "n": n,
    }
    if k < 2 or n < 2 or not np.isfinite(cov).all():
        return out
    total = cov.sum()
    alpha = k / (k - 1) * (1 - np.trace(cov) / total) if total > 0 else np.nan
    off = corr[~np.eye(k, dtype=bool)]
    mean_r = float(np.nanmean(off)) if np.isfinite(off).any() else np.nan
    denominator = 1 + (k - 1) * mean_r
    # r̄ = −1/(k−1) (e.g. two items perfectly opposed) leaves standardized alpha undefined
    alpha_std = k * mean_r / denominator if np.isfinite(mean_r) and denominator != 0 else np.nan
    lo, hi = feldt_interval(alpha, n, k, confidence)
    out.update(alpha=float(alpha), alpha_std=float(alpha_std), ci_low=lo, ci_high=hi, mean_r=mean_r)
    return out


def one_factor_loadings(corr: np.ndarray, *, max_iter: int = 500, tol: float = 1e-8) -> np.ndarray:
    """Loadings of a one-factor model fitted to a correlation matrix by iterated principal axes.

    Communalities start at the squared multiple correlations and are refined
    until they change by less than ``tol``; they are capped at 0.995 (Heywood
    cases). The sign is chosen so the loadings sum to a positive number.

    >>> lam = np.array([0.8, 0.7, 0.6])
    >>> r = np.outer(lam, lam); np.fill_diagonal(r, 1.0)
    >>> np.round(one_factor_loadings(r), 3).tolist()
    [0.8, 0.7, 0.6]
    """
    r = np.asarray(corr, dtype=float)
    k = r.shape[0]
    try:
        h2 = 1 - 1 / np.diag(np.linalg.inv(r))
    except np.linalg.LinAlgError:
        h2 = np.full(k, 0.5)
    h2 = np.clip(h2, 0.05, 0.995)
    lam = np.zeros(k)
    for _ in range(max_iter):
        reduced = r.copy()
        np.fill_diagonal(reduced, h2)
        values, vectors = np.linalg.eigh(reduced)
        lam = vectors[:, -1] * np.sqrt(max(values[-1], 0.0))
        new = np.clip(lam**2, 0.0, 0.995)
        if np.max(np.abs(new - h2)) < tol:
            break
        h2 = new
    return -lam if lam.sum() < 0 else lam


def mcdonald_omega(items: pd.DataFrame, *, missing: str = "listwise") -> float:
    """McDonald's omega total from a one-factor model of the item correlations (NaN below 3 items).

    >>> lam = np.array([0.8, 0.7, 0.6])  # ω = 2.1² / (2.1² + 0.36 + 0.51 + 0.64) = 0.745
    >>> rng = np.random.default_rng(0); f = rng.standard_normal(20000)
    >>> x = pd.DataFrame({f"i{j}": l * f + np.sqrt(1 - l**2) * rng.standard_normal(20000) for j, l in enumerate(lam)})
    >>> abs(mcdonald_omega(x) - 0.745) < 0.01
    True
    """
    if items.shape[1] < 3:
        return np.nan
    _, corr, n = _cov_corr(items, missing)
    if n < 3 or not np.isfinite(corr).all():
        return np.nan
    lam = one_factor_loadings(corr)
    s = lam.sum()
    return float(s**2 / (s**2 + np.sum(1 - lam**2)))


def _pooled(rc: pd.DataFrame, ids: list[str], threshold: int, missing: str) -> pd.DataFrame:
    """The answers to ``ids`` a pooled statistic may use: complete cases when listwise, published blocks only."""
    block = rc[["period", *ids]].astype({c: float for c in ids})
    if missing == "listwise":
        block = block.dropna(subset=ids)
    return published_blocks(block, anonymity_threshold=threshold, columns=ids)[ids].reset_index(drop=True)


def _window(r: pd.DataFrame, period: str | None, months: int) -> tuple[pd.DataFrame, str, str]:
    last = str(period) if period is not None else (r["period"].max() if len(r) else "")
    if not last:
        return r, "", ""
    first = str(Period.parse(last).shift(-(months - 1)))
    return r[(r["period"] >= first) & (r["period"] <= last)], first, last


_REL_COLUMNS = [
    "period",
    "instrument",
    "dimension",
    "window",
    "k",
    "n",
    "alpha",
    "alpha_std",
    "ci_low",
    "ci_high",
    "omega",
    "mean_r",
    "missing",
    "group",
    "suppressed",
    "note",
]


@renamed_arguments(until="period")
def reliability_table(
    responses: pd.DataFrame,
    instrument: Instrument,
    params: SurveyParams | None = None,
    *,
    period: str | None = None,
) -> pd.DataFrame:
    """Reliability of every dimension over the trailing window of ``params.window_months``.

    Returns
    -------
    ``period`` (last month of the window), ``instrument, dimension, window``
    (``first..last`` month), ``k, n, alpha, alpha_std, ci_low, ci_high``
    (Feldt), ``omega, mean_r, missing`` (listwise / pairwise), ``group``
    (``all``), ``suppressed, note`` (reverse-keyed items that still correlate
    negatively with the rest).
    """
    params = params or SurveyParams()
    r = _scorable(responses, instrument, period)
    r, first, last = _window(r, period, params.window_months)
    rows = []
    rc = reverse_code(r, instrument)
    threshold = anonymity_threshold_for(instrument, params)
    for dim in instrument.dimensions:
        ids = [it.id for it in instrument.dimension_items(dim)]
        block = _pooled(rc, ids, threshold, params.missing)
        a = cronbach_alpha(block, missing=params.missing, confidence=params.confidence)
        notes = []
        if len(ids) >= 2:
            complete = block.dropna() if params.missing == "listwise" else block
            for c in ids:
                rest = complete[[x for x in ids if x != c]].sum(axis=1, min_count=1)
                rr = complete[c].corr(rest)
                if np.isfinite(rr) and rr < 0:
                    notes.append(f"{c} correlates negatively with the rest (r = {rr:.2f}); check its keying")
        rows.append(
            {
                "period": last,
                "instrument": instrument.id,
                "dimension": dim,
                "window": f"{first}..{last}",
                "k": a["k"],
                "n": a["n"],
                "alpha": a["alpha"],
                "alpha_std": a["alpha_std"],
                "ci_low": a["ci_low"],
                "ci_high": a["ci_high"],
                "omega": mcdonald_omega(block, missing=params.missing),
                "mean_r": a["mean_r"],
                "missing": params.missing,
                "group": ALL,
                "note": "; ".join(notes),
            }
        )
    if not rows:
        return pd.DataFrame(columns=_REL_COLUMNS)
    out = suppress_small_groups(
        pd.DataFrame(rows),
        anonymity_threshold=threshold,
        by=["dimension"],
        values=["alpha", "alpha_std", "ci_low", "ci_high", "omega", "mean_r"],
        group_by=None,
    )
    for note in out.loc[out["note"] != "", "note"]:
        log.warning("%s: %s", instrument.id, note)
    return out[_REL_COLUMNS].astype({"period": "str", "instrument": "str", "dimension": "str", "note": "str"})


_ITEM_COLUMNS = [
    "period",
    "instrument",
    "dimension",
    "item",
    "reverse",
    "mean",
    "sd",
    "item_rest_r",
    "alpha_if_deleted",
    "n",
    "missing",
    "group",
    "suppressed",
]


@renamed_arguments(until="period")
def item_reliability(
    responses: pd.DataFrame,
    instrument: Instrument,
    params: SurveyParams | None = None,
    *,
    period: str | None = None,
) -> pd.DataFrame:
    """Item statistics per dimension: mean, sd, item-rest correlation and alpha if the item is deleted.

    Returns
    -------
    ``period, instrument, dimension, item, reverse, mean, sd`` (after reverse
    coding), ``item_rest_r, alpha_if_deleted, n, missing, group, suppressed``.
    """
    params = params or SurveyParams()
    r = _scorable(responses, instrument, period)
    r, _, last = _window(r, period, params.window_months)
    rc = reverse_code(r, instrument)
    threshold = anonymity_threshold_for(instrument, params)
    rows = []
    for dim in instrument.dimensions:
        its = instrument.dimension_items(dim)
        ids = [it.id for it in its]
        block = base = _pooled(rc, ids, threshold, params.missing)
        for it in its:
            others = [x for x in ids if x != it.id]
            rest = base[others].sum(axis=1, min_count=1) if others else pd.Series(np.nan, index=base.index)
            if_deleted = (
                cronbach_alpha(block[others], missing=params.missing)["alpha"] if len(others) >= 2 else np.nan
            )
            rows.append(
                {
                    "period": last,
                    "instrument": instrument.id,
                    "dimension": dim,
                    "item": it.id,
                    "reverse": it.reverse,
                    "mean": base[it.id].mean(),
                    "sd": base[it.id].std(ddof=1),
                    "item_rest_r": base[it.id].corr(rest) if others else np.nan,
                    "alpha_if_deleted": if_deleted,
                    "n": int(base[it.id].notna().sum()),
                    "missing": params.missing,
                    "group": ALL,
                }
            )
    if not rows:
        return pd.DataFrame(columns=_ITEM_COLUMNS)
    out = suppress_small_groups(
        pd.DataFrame(rows),
        anonymity_threshold=threshold,
        by=["item"],
        values=["mean", "sd", "item_rest_r", "alpha_if_deleted"],
        group_by=None,
    )
    return out[_ITEM_COLUMNS].astype(
        {"period": "str", "instrument": "str", "dimension": "str", "item": "str"}
    )
