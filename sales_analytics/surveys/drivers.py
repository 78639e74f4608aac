"""Key-driver analysis: which dimensions (or items) explain the outcome item.

Two decompositions of the model R² into parts that sum to R² (docs/formulas.md §8.8):
relative weights (Johnson 2000: regress the outcome on the orthogonal
counterpart ``Z = X R^{-1/2}`` of the standardized predictors and map the
squared weights back through ``R^{1/2}``) and Shapley values / general
dominance (the mean gain in R² from adding a predictor, over all subsets; cost
2^p, so at most 12 predictors). Intervals come from a seeded percentile
bootstrap over respondents. For an anonymous instrument the pooled window holds
only published month blocks
(:func:`~sales_analytics.surveys.anonymity.published_blocks`), so two bundles
never differ by fewer than the threshold of respondents.
"""

from __future__ import annotations

import itertools
import logging
import math

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
from sales_analytics.surveys.scores import _scorable, respondent_dimensions, reverse_code
from sales_analytics.vocabulary import renamed_arguments

__all__ = ["key_drivers", "relative_weights", "shapley_r2"]

log = logging.getLogger(__name__)

_MAX_SHAPLEY = 12


def _r2(rxx: np.ndarray, rxy: np.ndarray) -> float:
    if rxy.size == 0:
        return 0.0
    return float(rxy @ np.linalg.solve(rxx, rxy))


def relative_weights(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Johnson's relative weights from the predictor correlations and their correlations with the outcome.

    The weights sum to the model R². With uncorrelated predictors each weight is
    its squared correlation with the outcome:

    >>> relative_weights(np.eye(2), np.array([0.5, 0.3])).round(2).tolist()
    [0.25, 0.09]
    """
    rxx, rxy = np.asarray(rxx, dtype=float), np.asarray(rxy, dtype=float)
    values, vectors = np.linalg.eigh(rxx)
    values = np.clip(values, 1e-12, None)
    half = vectors @ np.diag(np.sqrt(values)) @ vectors.T  # R^{1/2}
    beta = np.linalg.solve(half, rxy)  # weights of y on Z = X R^{-1/2}
    return (half**2) @ (beta**2)


def shapley_r2(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Shapley decomposition (general dominance) of R² over all predictor subsets.

    >>> r = np.array([[1.0, 0.5], [0.5, 1.0]]); y = np.array([0.6, 0.4])
    >>> s = shapley_r2(r, y); round(float(s.sum()), 4) == round(float(y @ np.linalg.solve(r, y)), 4)
    True
    """
    rxx, rxy = np.asarray(rxx, dtype=float), np.asarray(rxy, dtype=float)
    p = rxy.size
    if p > _MAX_SHAPLEY:
        raise ValueError(
            f"Shapley decomposition handles at most {_MAX_SHAPLEY} predictors; got {p}. "
            "Use driver_method: relative_weights"
        )
    r2 = {}
    for size in range(p + 1):
        for sub in itertools.combinations(range(p), size):
            idx = list(sub)
            r2[sub] = _r2(rxx[np.ix_(idx, idx)], rxy[idx]) if idx else 0.0
    out = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for size in range(p):
            w = math.factorial(size) * math.factorial(p - size - 1) / math.factorial(p)
            for sub in itertools.combinations(others, size):
                out[j] += w * (r2[tuple(sorted((*sub, j)))] - r2[sub])
    return out


def _corr(data: np.ndarray, missing: str) -> np.ndarray:
    if missing == "listwise":
        return np.corrcoef(data, rowvar=False)
    return pd.DataFrame(data).corr().to_numpy()


_COLUMNS = [
    "period",
    "instrument",
    "outcome",
    "level",
    "driver",
    "weight",
    "share",
    "ci_low",
    "ci_high",
    "r",
    "r2",
    "n",
    "method",
    "bootstrap",
    "missing",
    "window",
    "group",
    "suppressed",
]


@renamed_arguments(until="period")
def key_drivers(
    responses: pd.DataFrame,
    instrument: Instrument,
    params: SurveyParams | None = None,
    *,
    level: str = "dimension",
    period: str | None = None,
) -> pd.DataFrame:
    """Relative importance of each dimension (or Likert item) for the instrument's outcome item.

    Parameters
    ----------
    responses : cleaned responses, pooled over the trailing ``params.window_months``.
    level : ``dimension`` (respondent dimension scores) or ``item`` (reverse-coded Likert items).

    Returns
    -------
    ``period, instrument, outcome, level, driver, weight`` (part of R²),
    ``share`` (% of R²), ``ci_low, ci_high`` (bootstrap percentile interval of
    ``weight``), ``r`` (correlation with the outcome), ``r2, n, method,
    bootstrap`` (draws), ``missing, window, group, suppressed``.

    Examples
    --------
    >>> from sales_analytics.surveys.instruments import load_instruments
    >>> inst = load_instruments()["customer_satisfaction"]
    >>> rng = np.random.default_rng(1); n = 300; f = rng.normal(size=n)
    >>> cols = {it.id: np.clip(np.rint(3 + f + rng.normal(size=n)), 1, 5) for it in inst.items_of("likert")}
    >>> r = pd.DataFrame({"response_id": [f"r{i}" for i in range(n)], "submitted_at": "2026-03-05",
    ...     "customer_id": [f"c{i}" for i in range(n)], "rep_id": "R1", "team": "A",
    ...     "nps": np.clip(np.rint(7 + 2 * f), 0, 10), **cols})
    >>> d = key_drivers(r, inst, SurveyParams(bootstrap=50))
    >>> bool(np.isclose(d["weight"].sum(), d["r2"].iloc[0])), list(d["driver"])
    (True, ['responsiveness', 'expertise', 'attitude'])
    """
    params = params or SurveyParams()
    if instrument.outcome is None:
        return pd.DataFrame(columns=_COLUMNS)
    if level not in ("dimension", "item"):
        raise ValueError(f"level must be one of ['dimension', 'item']; got {level!r}")
    r = _scorable(responses, instrument, period)
    last = str(period) if period is not None else (r["period"].max() if len(r) else "")
    first = str(Period.parse(last).shift(-(params.window_months - 1))) if last else ""
    if last:
        r = r[(r["period"] >= first) & (r["period"] <= last)]
    if level == "dimension":
        x = respondent_dimensions(r, instrument)
    else:
        x = reverse_code(r, instrument)[[it.id for it in instrument.items_of("likert")]]
    drivers = list(x.columns)
    data = pd.concat([x, r[instrument.outcome].rename("__y")], axis=1).astype(float)
    if params.missing == "listwise":
        data = data.dropna()
    threshold = anonymity_threshold_for(instrument, params)
    data = published_blocks(
        data.assign(period=r.loc[data.index, "period"]),
        anonymity_threshold=threshold,
        columns=[*drivers, "__y"],
    )[[*drivers, "__y"]]
    n = int(data["__y"].notna().sum()) if params.missing == "pairwise" else len(data)
    method = params.driver_method
    decompose = relative_weights if method == "relative_weights" else shapley_r2
    rows = pd.DataFrame({"driver": drivers})
    if n < len(drivers) + 2 or not drivers:
        weights, r_xy, r2 = np.full(len(drivers), np.nan), np.full(len(drivers), np.nan), np.nan
        lo = hi = np.full(len(drivers), np.nan)
    else:
        arr = data.to_numpy()
        c = _corr(arr, params.missing)
        r_xy = c[:-1, -1]
        weights = decompose(c[:-1, :-1], r_xy)
        r2 = float(weights.sum())
        draws = []
        rng = np.random.default_rng(params.seed)
        for _ in range(params.bootstrap):
            sample = arr[rng.integers(0, len(arr), len(arr))]
            cb = _corr(sample, params.missing)
            if np.isfinite(cb).all():
                try:
                    draws.append(decompose(cb[:-1, :-1], cb[:-1, -1]))
                except np.linalg.LinAlgError:
                    continue
        if draws:
            a = 1 - params.confidence
            lo, hi = np.quantile(np.array(draws), [a / 2, 1 - a / 2], axis=0)
        else:
            lo = hi = np.full(len(drivers), np.nan)
    rows = rows.assign(
        period=last,
        instrument=instrument.id,
        outcome=instrument.outcome,
        level=level,
        weight=weights,
        share=100.0 * weights / r2 if np.isfinite(r2) and r2 > 0 else np.nan,
        ci_low=lo,
        ci_high=hi,
        r=r_xy,
        r2=r2,
        n=n,
        method=method,
        bootstrap=params.bootstrap,
        missing=params.missing,
        window=f"{first}..{last}",
        group=ALL,
    )
    out = suppress_small_groups(
        rows,
        anonymity_threshold=threshold,
        by=["driver"],
        values=["weight", "share", "ci_low", "ci_high", "r", "r2"],
        group_by=None,
    )
    return out[_COLUMNS].astype({"period": "str", "instrument": "str", "driver": "str"})
