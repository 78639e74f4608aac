"""Cronbach's alpha, Feldt interval, omega (docs/formulas.md §8.6-8.7) and key drivers (§8.8)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import sales_analytics as sa


def exact_corr(corr: np.ndarray, n: int, seed: int = 0) -> pd.DataFrame:
    """n rows whose sample correlation matrix is exactly ``corr``."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, corr.shape[0]))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T
    return pd.DataFrame(z @ np.linalg.cholesky(corr).T, columns=[f"i{j}" for j in range(corr.shape[0])])


def test_alpha_hand_computed():
    # item variances 5/3 each (sum 5); totals 4, 6, 9, 11 -> variance 29/3
    # alpha = 3/2 * (1 - 5 / (29/3)) = 1.5 * 14/29 = 21/29
    items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 1, 4, 3], "c": [1, 3, 2, 4]})
    a = sa.cronbach_alpha(items)
    assert a["alpha"] == pytest.approx(21 / 29) and a["k"] == 3 and a["n"] == 4
    # correlations: ab = 3/5 = 0.6, ac = 4/5 = 0.8, bc = 0/5 = 0 -> mean r 1.4/3; std alpha = 3r/(1+2r)
    # (= raw alpha here, since the item variances are equal)
    r = 1.4 / 3
    assert a["alpha_std"] == pytest.approx(3 * r / (1 + 2 * r))


def test_alpha_matches_closed_form_on_random_data():
    rng = np.random.default_rng(7)
    f = rng.standard_normal(300)
    items = pd.DataFrame({f"q{j}": np.rint(3 + f + rng.standard_normal(300)) for j in range(5)})
    k = 5
    closed = k / (k - 1) * (1 - items.var(ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    assert sa.cronbach_alpha(items)["alpha"] == pytest.approx(closed)


def test_formulas_example_alpha_and_feldt():
    # k = 4, item variances 1.0, 1.2, 0.8, 1.0 (sum 4.0), total variance 10.0 -> alpha = 4/3 * 0.6 = 0.80
    k, alpha = 4, 4 / 3 * (1 - 4.0 / 10.0)
    assert alpha == pytest.approx(0.80)
    lo, hi = sa.feldt_interval(alpha, 50, k)
    assert (round(lo, 2), round(hi, 2)) == (0.69, 0.88)
    # the F-distribution formula with df 49 and 147
    assert lo == pytest.approx(1 - 0.2 * stats.f.ppf(0.975, 49, 147))
    assert hi == pytest.approx(1 - 0.2 * stats.f.ppf(0.025, 49, 147))


def test_standardized_alpha_example():
    # mean inter-item r = 0.5, k = 4 -> 4 * 0.5 / 2.5 = 0.80
    corr = np.full((4, 4), 0.5)
    np.fill_diagonal(corr, 1.0)
    a = sa.cronbach_alpha(exact_corr(corr, 60))
    assert a["mean_r"] == pytest.approx(0.5) and a["alpha_std"] == pytest.approx(0.80)


def test_pairwise_and_listwise_differ_and_are_stated():
    items = pd.DataFrame({"a": [1, 2, 3, 4, 5, 2], "b": [2, 2, 3, 5, 4, np.nan], "c": [1, 3, 3, 4, 5, 5]})
    listwise = sa.cronbach_alpha(items, missing="listwise")
    pairwise = sa.cronbach_alpha(items, missing="pairwise")
    assert listwise["n"] == 5 and pairwise["n"] == 5  # smallest pair count is 5 either way
    assert listwise["alpha"] != pytest.approx(pairwise["alpha"])
    with pytest.raises(ValueError, match="missing must be one of"):
        sa.cronbach_alpha(items, missing="mean")


def test_omega_on_exact_one_factor_data():
    lam = np.array([0.8, 0.7, 0.6, 0.5])
    corr = np.outer(lam, lam)
    np.fill_diagonal(corr, 1.0)
    # omega = (sum lam)^2 / ((sum lam)^2 + sum(1 - lam^2)) = 6.76 / (6.76 + 2.26)
    assert sa.mcdonald_omega(exact_corr(corr, 80)) == pytest.approx(6.76 / 9.02, abs=1e-4)
    assert np.allclose(sa.one_factor_loadings(corr), lam, atol=1e-4)


def _team_items(n=200, seed=3):
    rng = np.random.default_rng(seed)
    f = rng.standard_normal(n)
    cols = {
        it.id: np.clip(np.rint(3 + f + 0.8 * rng.standard_normal(n)), 1, 5)
        for it in sa.load_instruments()["customer_satisfaction"].items_of("likert")
    }
    inst = sa.load_instruments()["customer_satisfaction"]
    for it in inst.items_of("likert"):
        if it.reverse:
            cols[it.id] = 6 - cols[it.id]
    return pd.DataFrame(
        {
            "response_id": [f"r{i}" for i in range(n)],
            "submitted_at": "2026-03-05",
            "customer_id": [f"c{i}" for i in range(n)],
            "rep_id": "R1",
            "team": "A",
            "nps": np.clip(np.rint(7 + 2 * f), 0, 10),
            **cols,
        }
    ), inst


def test_reliability_table_reverse_codes_and_reports():
    r, inst = _team_items()
    rel = sa.reliability_table(r, inst).set_index("dimension")
    assert set(rel.index) == set(inst.dimensions) and (rel["alpha"] > 0.7).all()
    assert (rel["missing"] == "listwise").all() and (rel["note"] == "").all()
    assert (rel["ci_low"] < rel["alpha"]).all() and (rel["alpha"] < rel["ci_high"]).all()
    # without reverse coding the mirrored item would correlate negatively: the table says so
    flipped = r.assign(resp_wait=6 - r["resp_wait"])
    note = sa.reliability_table(flipped, inst).set_index("dimension").loc["responsiveness", "note"]
    assert "resp_wait correlates negatively" in note
    items = sa.item_reliability(r, inst)
    assert items["alpha_if_deleted"].notna().all() and (items["item_rest_r"] > 0.3).all()


def test_relative_weights_and_shapley():
    # orthogonal predictors: each weight is r^2
    assert sa.relative_weights(np.eye(3), np.array([0.5, 0.3, 0.1])) == pytest.approx([0.25, 0.09, 0.01])
    # two correlated predictors: Shapley_1 = (R2(1) + R2(12) - R2(2)) / 2
    rxx, rxy = np.array([[1.0, 0.5], [0.5, 1.0]]), np.array([0.6, 0.4])
    r2_12 = rxy @ np.linalg.solve(rxx, rxy)
    sh = sa.shapley_r2(rxx, rxy)
    assert sh[0] == pytest.approx((0.36 + r2_12 - 0.16) / 2) and sh.sum() == pytest.approx(r2_12)
    assert sa.relative_weights(rxx, rxy).sum() == pytest.approx(r2_12)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 6), st.integers(0, 10_000))
def test_relative_weights_sum_to_r2(p, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((100, p)) @ rng.uniform(-1, 1, (p, p)) + rng.standard_normal((100, p))
    y = x @ rng.uniform(-1, 1, p) + rng.standard_normal(100)
    c = np.corrcoef(np.column_stack([x, y]), rowvar=False)
    r2 = c[:-1, -1] @ np.linalg.solve(c[:-1, :-1], c[:-1, -1])
    w = sa.relative_weights(c[:-1, :-1], c[:-1, -1])
    assert w.sum() == pytest.approx(r2) and (w >= -1e-12).all()
    assert sa.shapley_r2(c[:-1, :-1], c[:-1, -1]).sum() == pytest.approx(r2)


def test_key_drivers_bootstrap_is_seeded():
    r, inst = _team_items()
    p = sa.SurveyParams(bootstrap=100, seed=5)
    a, b = sa.key_drivers(r, inst, p), sa.key_drivers(r, inst, p)
    assert a.equals(b) and (a["ci_low"] <= a["weight"]).all() and (a["weight"] <= a["ci_high"]).all()
    assert a["share"].sum() == pytest.approx(100.0) and (a["method"] == "relative_weights").all()
    sh = sa.key_drivers(r, inst, sa.SurveyParams(bootstrap=0, driver_method="shapley"))
    assert sh["weight"].sum() == pytest.approx(a["r2"].iloc[0]) and math.isnan(sh["ci_low"].iloc[0])


def test_standardized_alpha_of_opposed_items_is_undefined_not_an_error():
    # two items with r = −1: r̄ = −1/(k−1), so 1 + (k−1) r̄ = 0 and alpha_std has no value
    a = sa.cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 2.0, 1.0]}))
    assert np.isnan(a["alpha_std"]) and a["mean_r"] == -1.0
