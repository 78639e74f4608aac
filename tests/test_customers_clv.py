"""BG/NBD and Gamma-Gamma: published formulas, parameter recovery on simulated data, CLV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import beta, gamma

from sales_analytics.customers import (
    BgNbdParams,
    GammaGammaParams,
    bgnbd_expected_purchases,
    bgnbd_loglik,
    bgnbd_p_alive,
    clv_by_segment,
    clv_summary,
    customer_clv,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_spend,
    gamma_gamma_loglik,
    simulate_bgnbd,
    simulate_gamma_gamma,
)
from sales_analytics.customers.btyd import FitError


def published_bgnbd_likelihood(r, alpha, a, b, x, t_x, T):
    """docs/formulas.md §7.1 written term by term with Beta and Gamma functions (no logs)."""
    common = gamma(r + x) * alpha**r / gamma(r)
    first = beta(a, b + x) / beta(a, b) * common * (alpha + T) ** -(r + x)
    second = (beta(a + 1, b + x - 1) / beta(a, b) * common * (alpha + t_x) ** -(r + x)) if x > 0 else 0.0
    return first + second


def test_bgnbd_loglik_hand_checked_cases() -> None:
    # x = 0, T = 1, r = α = 1, a = 2, b = 1: L = B(2,1)/B(2,1) × Γ(1)·1/Γ(1) × 2^-1 = 1/2
    assert np.exp(bgnbd_loglik(1, 1, 2, 1, [0], [0], [1]))[0] == pytest.approx(0.5)
    # x = 1, t_x = 1, T = 2, r = α = a = b = 1:
    # L = B(1,2)/B(1,1) × Γ(2)/Γ(1) × 3^-2 + B(2,1)/B(1,1) × Γ(2)/Γ(1) × 2^-2 = 1/18 + 1/8 = 13/72
    assert np.exp(bgnbd_loglik(1, 1, 1, 1, [1], [1], [2]))[0] == pytest.approx(13 / 72)


@pytest.mark.parametrize(
    ("r", "alpha", "a", "b", "x", "t_x", "T"),
    [
        (0.24, 4.41, 0.79, 2.43, 2, 30.43, 38.86),
        (1.5, 10.0, 3.0, 5.0, 0, 0.0, 20.0),
        (0.6, 7.8, 0.5, 14.9, 12, 200.0, 365.0),
    ],
)
def test_bgnbd_loglik_matches_published_formula(r, alpha, a, b, x, t_x, T) -> None:
    direct = np.log(published_bgnbd_likelihood(r, alpha, a, b, x, t_x, T))
    assert bgnbd_loglik(r, alpha, a, b, [x], [t_x], [T])[0] == pytest.approx(direct, rel=1e-10)


def test_gamma_gamma_loglik_matches_published_formula() -> None:
    # docs/formulas.md §7.2 evaluated directly: p = 6, q = 4, γ = 16, x = 3, m = 35
    p, q, g, x, m = 6.0, 4.0, 16.0, 3.0, 35.0
    direct = np.log(
        gamma(p * x + q)
        / (gamma(p * x) * gamma(q))
        * g**q
        * m ** (p * x - 1)
        * x ** (p * x)
        / (g + x * m) ** (p * x + q)
    )
    assert gamma_gamma_loglik(p, q, g, [x], [m])[0] == pytest.approx(direct, rel=1e-10)


def test_p_alive_and_expected_purchases() -> None:
    params = BgNbdParams(r=0.24, alpha=4.41, a=0.79, b=2.43)
    # x = 0 → alive with probability 1 (docs/formulas.md §7.1)
    assert bgnbd_p_alive(params, [0], [0], [10])[0] == 1.0
    # P(alive) = 1 / (1 + a/(b+x−1) × ((α+T)/(α+t_x))^(r+x)); x = 2, t_x = 30, T = 38
    expected = 1 / (1 + 0.79 / 3.43 * ((4.41 + 38) / (4.41 + 30)) ** 2.24)
    assert bgnbd_p_alive(params, [2], [30], [38])[0] == pytest.approx(expected)
    # a customer silent for long is less likely alive than one who just bought
    assert bgnbd_p_alive(params, [5], [5], [40])[0] < bgnbd_p_alive(params, [5], [39], [40])[0]
    # E[X(t)] of a new customer grows with t and E[Y(0)] = 0
    ex = bgnbd_expected_purchases(params, np.array([1.0, 10.0, 52.0]))
    assert np.all(np.diff(ex) > 0)
    assert bgnbd_expected_purchases(params, 0.0, [2], [30], [38])[0] == pytest.approx(0.0)


def test_bgnbd_parameter_recovery() -> None:
    # Simulated from known parameters (lifetimes' CDNOW estimates, time in weeks), 6,000 customers
    # with ages spread over 26-78 weeks: the ML fit lands close to the truth.
    truth = BgNbdParams(r=0.24, alpha=4.41, a=0.79, b=2.43)
    T = np.random.default_rng(1).uniform(26, 78, 6000)
    sim = simulate_bgnbd(truth, T, seed=2)
    assert (sim["t_x"] <= sim["T"]).all() and (sim["x"] >= 0).all()
    fit = fit_bgnbd(sim["x"], sim["t_x"], sim["T"])
    assert fit.r == pytest.approx(truth.r, rel=0.1)
    assert fit.alpha == pytest.approx(truth.alpha, rel=0.15)
    assert fit.a == pytest.approx(truth.a, rel=0.2)
    assert fit.b == pytest.approx(truth.b, rel=0.25)
    # the fit is at least as likely as the truth on the data it was fitted to
    ll_truth = bgnbd_loglik(truth.r, truth.alpha, truth.a, truth.b, sim["x"], sim["t_x"], sim["T"]).sum()
    assert fit.loglik >= ll_truth - 1e-6
    # and the model's mean repeat count matches the simulated one
    predicted = bgnbd_expected_purchases(fit, T).mean()
    assert predicted == pytest.approx(sim["x"].mean(), rel=0.05)


def test_bgnbd_simulation_is_seeded() -> None:
    truth = BgNbdParams(r=0.5, alpha=2.0, a=1.0, b=3.0)
    T = np.full(100, 50.0)
    a, b = simulate_bgnbd(truth, T, seed=5), simulate_bgnbd(truth, T, seed=5)
    assert np.array_equal(a["x"], b["x"]) and np.array_equal(a["t_x"], b["t_x"])


def test_gamma_gamma_parameter_recovery() -> None:
    truth = GammaGammaParams(p=6.25, q=3.74, gamma=15.44)  # Hardie's CDNOW estimates
    x = np.random.default_rng(3).integers(1, 15, 8000)
    m = simulate_gamma_gamma(truth, x, seed=4)
    fit = fit_gamma_gamma(x, m)
    assert fit.p == pytest.approx(truth.p, rel=0.1)
    assert fit.q == pytest.approx(truth.q, rel=0.1)
    assert fit.gamma == pytest.approx(truth.gamma, rel=0.15)
    # the population mean spend γp/(q−1) is recovered more tightly than the parameters
    assert fit.gamma * fit.p / (fit.q - 1) == pytest.approx(truth.gamma * truth.p / (truth.q - 1), rel=0.05)


def test_gamma_gamma_expected_spend() -> None:
    params = GammaGammaParams(p=6.0, q=4.0, gamma=16.0)
    # x = 0 → population mean γp/(q−1) = 16 × 6 / 3 = 32
    assert gamma_gamma_expected_spend(params, [0], [np.nan])[0] == pytest.approx(32.0)
    # x = 2, m = 50: p(γ + x m)/(px + q − 1) = 6 × 116 / 15 = 46.4 (between 32 and 50)
    assert gamma_gamma_expected_spend(params, [2], [50.0])[0] == pytest.approx(46.4)


def test_fits_refuse_too_little_data() -> None:
    with pytest.raises(FitError, match="at least 10 customers"):
        fit_bgnbd([0, 1], [0, 1], [2, 2])
    with pytest.raises(FitError, match="Gamma-Gamma needs"):
        fit_gamma_gamma([1, 2], [3.0, 4.0])


def orders_for_clv() -> pd.DataFrame:
    rows = [
        ("o1", "2026-01-01", "a", 100.0, "paid"),
        ("o2", "2026-01-01", "a", 20.0, "paid"),  # same day: one purchase of 120
        ("o3", "2026-02-01", "a", 60.0, "paid"),
        ("o4", "2026-03-01", "a", 90.0, "paid"),
        ("o4-R", "2026-03-05", "a", -30.0, "refunded"),  # netted into the 03-01 purchase: 60
        ("o5", "2026-03-10", "b", 50.0, "paid"),
        ("o6", "2026-03-20", "b", 40.0, "paid"),
        ("o6-R", "2026-03-21", "b", -40.0, "refunded"),  # fully refunded day: no purchase
        ("o7", "2026-03-15", "c", 10.0, "cancelled"),
    ]
    frame = pd.DataFrame(rows, columns=["order_id", "order_date", "customer_id", "amount", "status"])
    return frame.assign(order_date=pd.to_datetime(frame["order_date"]), rep_id="r1")


def test_clv_summary_by_hand() -> None:
    # a: purchase days 01-01 (120), 02-01 (60), 03-01 (90 − 30 = 60) → x = 2, t_x = 59, T = 89
    #    (01-01 → 03-31), m = mean of repeats (60 + 60) / 2 = 60.
    # b: 03-10 (50); 03-20 is refunded in full → x = 0, t_x = 0, T = 21, m missing.
    out = clv_summary(orders_for_clv(), period="2026-03").set_index("customer_id")
    assert out.index.tolist() == ["a", "b"]
    assert out["x"].tolist() == [2, 0]
    assert out["t_x"].tolist() == [59, 0]
    assert out["T"].tolist() == [89, 21]
    assert out.loc["a", "m"] == 60.0 and np.isnan(out.loc["b", "m"])


def test_customer_clv_discounting() -> None:
    summary = pd.DataFrame(
        {
            "period": "2026-03",
            "customer_id": ["a", "b"],
            "x": [4, 0],
            "t_x": [80.0, 0.0],
            "T": [100.0, 100.0],
            "m": [50.0, np.nan],
        }
    )
    bg = BgNbdParams(r=0.6, alpha=8.0, a=0.5, b=10.0)
    gg = GammaGammaParams(p=3.0, q=4.0, gamma=40.0)
    undiscounted = customer_clv(summary, bg, gg, horizon_months=12, discount_monthly=0.0)
    # without discounting CLV = E[M] × E[Y(12 months)]
    assert undiscounted["clv"].to_numpy() == pytest.approx(
        undiscounted["expected_spend"].to_numpy() * undiscounted["expected_purchases"].to_numpy()
    )
    discounted = customer_clv(summary, bg, gg, horizon_months=12, discount_monthly=0.01)
    assert (discounted["clv"] < undiscounted["clv"]).all()
    assert (discounted["clv"] > undiscounted["clv"] / 1.01**12).all()
    longer = customer_clv(summary, bg, gg, horizon_months=24, discount_monthly=0.01)
    assert (longer["clv"] > discounted["clv"]).all()
    seg = pd.DataFrame(
        {"customer_id": ["a", "b", "z"], "segment": ["x", "y", "y"], "segment_rank": [0, 1, 1]}
    )
    by = clv_by_segment(discounted, seg)
    assert by["segment"].tolist() == ["x", "y"] and by["customers"].tolist() == [1, 2]
    assert by["clv_total"].sum() == pytest.approx(discounted["clv"].sum())
    assert by["clv_share"].sum() == pytest.approx(1.0)
