"""Hierarchical reconciliation: rep forecasts that add up to their team's and the teams' to the company's.

Each series (company, every team, every rep) is forecast on its own; those base
forecasts do not add up. MinT with a diagonal weight (Wickramasuriya,
Athanasopoulos & Hyndman 2019, "WLS-var") finds the coherent forecasts closest
to all base forecasts at once, trusting each in proportion to its precision:

    b̃ = (Sᵀ W⁻¹ S)⁻¹ Sᵀ W⁻¹ ŷ,   ỹ = S b̃

with ``S`` the summing matrix (one row per series, one column per rep) and
``W`` the diagonal of the base forecasts' variances. A precise company forecast
therefore steers the noisy reps, and a team whose base forecast is loose
follows its reps. Reconciled rep values below zero are set to zero and every
total is the exact sum of its reps' cents.
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []


def summing_matrix(groups: np.ndarray, n_groups: int) -> np.ndarray:
    """S for company + ``n_groups`` teams + one column per bottom series (``groups[i]`` its team)."""
    n = len(groups)
    S = np.zeros((1 + n_groups + n, n))
    S[0, :] = 1.0
    S[1 + groups, np.arange(n)] = 1.0
    S[1 + n_groups :, :] = np.eye(n)
    return S


def mint_wls(base: np.ndarray, variance: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Reconciled bottom-level values (n_bottom,) from base forecasts and variances of every series.

    Company and team say 12, each of two reps 5; equal weights: minimise
    2·(12 − 2b)² + 2·(5 − b)², zero derivative at 20b = 116, so b = 5.8.

    >>> S = summing_matrix(np.array([0, 0]), 1)  # company, one team, two reps
    >>> mint_wls(np.array([12.0, 12.0, 5.0, 5.0]), np.array([1.0, 1.0, 1.0, 1.0]), S).round(3).tolist()
    [5.8, 5.8]
    """
    var = np.asarray(variance, dtype=np.float64)
    positive = var[var > 0]
    floor = positive.max() * 1e-9 if len(positive) else 1.0
    w_inv = 1.0 / np.maximum(var, floor)
    A = S.T @ (S * w_inv[:, None])
    rhs = S.T @ (w_inv * base)
    return np.linalg.solve(A, rhs)


def to_cents(values: np.ndarray) -> np.ndarray:
    """Amounts rounded to integer cents (int64), negatives set to 0."""
    return np.rint(np.maximum(np.nan_to_num(values, nan=0.0), 0.0) * 100).astype(np.int64)
