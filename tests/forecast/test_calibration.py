"""Honest bands: split-conformal calibration, borrowed parameter uncertainty, the backtest's open month.

Each check's answer is known by construction: a series with known noise, a band of
known (wrong) width, a borrowed effect of known variance, revenue booked in full on the
first day of every month.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import sales_analytics as sa
from sales_analytics.forecast.calibrate import MIN_SCORES, NOMINAL, band_scores
from sales_analytics.forecast.model import _borrowed_variance
from sales_analytics.periods import month_range

Z90 = 1.2815515655446004  # the standard normal's 90th percentile


def test_conformal_band_restores_nominal_coverage_of_a_too_narrow_band() -> None:
    # log actual = log 100 + σ·ε, ε ~ N(0, 1): an honest 80 % band is p50·exp(±Z90·σ). The "model" says
    # half that width, so it covers P(|ε| < Z90/2) = 2Φ(0.64) − 1 ≈ 0.48. Calibrating each origin from
    # the earlier ones only (rolling), the conformal band must cover 80 %.
    rng = np.random.default_rng(20261203)
    n, sigma = 600, 0.15
    actual = 100.0 * np.exp(sigma * rng.standard_normal(n))
    half = Z90 * sigma / 2
    pairs = pd.DataFrame(
        {
            "level": "team",
            "horizon": 1,
            "actual": actual,
            "p10_raw": 100.0 * math.exp(-half),
            "p50": 100.0,
            "p90_raw": 100.0 * math.exp(half),
        }
    )
    start = 50
    inside, slack = [], []
    for t in range(start, n):
        cal = sa.interval_calibration(pairs.iloc[:t])
        band = sa.apply_calibration(
            pairs.iloc[[t]].rename(columns={"p10_raw": "p10", "p90_raw": "p90"}), cal
        ).iloc[0]
        inside.append(band["p10"] <= actual[t] <= band["p90"])
        slack.append(1 / (t + 1))  # conformal coverage lies in [0.8, 0.8 + 1/(n+1)]
    coverage = float(np.mean(inside))
    m = n - start
    # tolerance: 3 binomial standard deviations of a coverage over m draws, plus the conformal slack
    tolerance = 3 * math.sqrt(NOMINAL * (1 - NOMINAL) / m) + float(np.mean(slack))
    assert abs(coverage - NOMINAL) <= tolerance, (coverage, tolerance)
    raw = float(np.mean((actual >= pairs["p10_raw"]) & (actual <= pairs["p90_raw"])))
    assert raw < NOMINAL - tolerance  # the uncalibrated band really was too narrow
    # the factor itself: the honest half-width is twice the model's, so the scores' 80 % quantile is 2
    factor = sa.interval_calibration(pairs)["factor"].iloc[0]
    assert factor == pytest.approx(2.0, abs=0.15)


def test_conformal_factor_needs_enough_scores_and_ignores_zero_forecasts() -> None:
    # fewer than MIN_SCORES (4) scores: the ⌈(n+1)·0.8⌉-th does not exist, the model's band stays (factor 1)
    few = pd.DataFrame(
        {"level": "rep", "horizon": 2, "actual": [150.0] * (MIN_SCORES - 1), "p10_raw": 90.0, "p50": 100.0}
    ).assign(p90_raw=110.0)
    assert sa.interval_calibration(few)[["n", "factor"]].values.tolist() == [[MIN_SCORES - 1, 1.0]]
    # a rep forecast at 0 (left) has no band to scale: no score, and apply_calibration leaves it at 0
    assert np.isnan(band_scores(np.array([50.0]), np.array([0.0]), np.array([0.0]), np.array([0.0]))[0])
    zero = pd.DataFrame({"level": ["rep"], "horizon": [2], "p10": [0.0], "p50": [0.0], "p90": [0.0]})
    cal = pd.DataFrame({"level": ["rep"], "horizon": [2], "n": [10], "factor": [3.0]})
    assert sa.apply_calibration(zero, cal)[["p10", "p50", "p90"]].values.tolist() == [[0.0, 0.0, 0.0]]


def test_apply_calibration_keeps_p50_and_the_booked_floor() -> None:
    # factor 0.5 narrows 80-125 around 100 to 100·0.8^0.5 = 89.44 … 100·1.25^0.5 = 111.80; the open month's
    # p10 never goes below what is already booked (95)
    f = pd.DataFrame(
        {
            "level": "company",
            "horizon": [1, 2],
            "p10": [80.0, 80.0],
            "p50": [100.0, 100.0],
            "p90": [125.0, 125.0],
            "actual_to_date": [95.0, 0.0],
        }
    )
    cal = pd.DataFrame(
        {"level": ["company", "company"], "horizon": [1, 2], "n": [9, 9], "factor": [0.5, 0.5]}
    )
    out = sa.apply_calibration(f, cal)
    assert out["p10"].tolist() == [95.0, 89.44]
    assert out["p50"].tolist() == [100.0, 100.0]
    assert out["p90"].tolist() == [111.8, 111.8]


def test_borrowed_calendar_effect_adds_its_variance() -> None:
    # a level-only child (X = ones, 4 months) borrows a one-regressor effect β with Var(β̂) = 0.04;
    # the regressor is 1 in the last history month and in the forecast month: the forecast moves by
    # (1 − mean(0, 0, 0, 1))·(β̂ − β) = 0.75·(β̂ − β), variance 0.75² × 0.04 = 0.0225
    X, Xf = np.ones((4, 1)), np.ones((1, 1))
    design_h, design_f = np.array([[0.0], [0.0], [0.0], [1.0]]), np.array([[1.0]])
    got = _borrowed_variance(X, Xf, np.arange(4), (design_h, design_f, np.array([[0.04]])))
    assert got.tolist() == pytest.approx([0.0225])
    # the same effect in every month cancels against the level: nothing added
    flat = _borrowed_variance(X, Xf, np.arange(4), (np.ones((4, 1)), design_f, np.array([[0.04]])))
    assert flat.tolist() == pytest.approx([0.0])


def _noise_org(months: list[str], seed: int, day: int = 15) -> tuple[pd.DataFrame, pd.DataFrame]:
    """2 teams × 3 reps, each rep 1000·exp(0.2·ε) a month, ε iid N(0, 1), one order on ``day``."""
    rng = np.random.default_rng(seed)
    reps = pd.DataFrame(
        {
            "rep_id": [f"r{i}" for i in range(6)],
            "rep_name": [f"R{i}" for i in range(6)],
            "team": ["A"] * 3 + ["B"] * 3,
        }
    )
    rows = [
        {
            "order_id": f"r{i}-{m}",
            "order_date": pd.Timestamp(f"{m}-{day:02d}"),
            "customer_id": "c1",
            "rep_id": f"r{i}",
            "amount": round(1000.0 * math.exp(0.2 * rng.standard_normal()), 2),
            "status": "paid",
        }
        for m in months
        for i in range(6)
    ]
    return pd.DataFrame(rows), reps


@pytest.mark.slow  # about 40 origins × 2 forecasts
def test_model_band_is_honest_on_noise_and_conformal_uses_only_the_past() -> None:
    months = [str(m) for m in month_range("2023-01", "2026-11")]  # 47 months: 35 origins
    orders, reps = _noise_org(months, seed=7)
    bt = sa.forecast_backtest(orders, reps, period="2026-11", horizon=0, band="model")
    team = bt[bt["level"] == "team"]
    inside = (team["actual"] >= team["p10"]) & (team["actual"] <= team["p90"])
    m = len(team)
    # the team's log revenue is a constant plus noise: the model (trend and calendar coefficients all
    # truly 0) is correctly specified, so its t band covers 80 % up to the binomial error
    assert abs(inside.mean() - NOMINAL) <= 3 * math.sqrt(NOMINAL * (1 - NOMINAL) / m), (inside.mean(), m)
    assert (bt["calibration"] == 1.0).all()

    # conformal: a factor computed at origin o uses forecasts of months ≤ o only, so changing the last
    # month's revenue (known at no origin) changes no factor, only that month's actuals
    conf = sa.forecast_backtest(orders, reps, period="2026-11", horizon=1, band="conformal")
    bumped = orders.assign(
        amount=np.where(orders["order_date"] >= "2026-11-01", orders["amount"] * 10, orders["amount"])
    )
    conf2 = sa.forecast_backtest(bumped, reps, period="2026-11", horizon=1, band="conformal")
    pd.testing.assert_series_equal(conf["calibration"], conf2["calibration"])
    assert (conf["actual"] != conf2["actual"]).any()
    first = conf[conf["origin"] == conf["origin"].min()]
    assert (first["calibration"] == 1.0).all()  # nothing known before the first origin
    assert (conf[conf["origin"] == conf["origin"].max()]["calibration"] != 1.0).any()


def test_backtest_sees_each_open_month_on_the_same_day() -> None:
    # every order is booked on the 1st and the data end on 2026-12-05: today's forecast knows the open
    # month's revenue in full by then, and so does every origin of the backtest (its open month seen on
    # its 5th). The open month's p10 cannot be below the booked revenue, so it holds the actual from below:
    # p10 ≥ actual, and the model alone (made as on the 1st, before anything is booked) does not know it.
    months = [str(m) for m in month_range("2025-01", "2026-12")]
    orders, reps = _noise_org(months, seed=3, day=1)
    orders = pd.concat(
        [orders, orders.iloc[[0]].assign(order_id="late", order_date=pd.Timestamp("2026-12-05"), amount=1.0)]
    )
    bt = sa.forecast_backtest(orders, reps, period="2026-11", horizon=0)
    assert len(bt) and (bt["horizon"] == 1).all()
    assert (bt["p10"] >= bt["actual"] - 0.01).all()
    assert not (bt["p10_model"] >= bt["actual"] - 0.01).all()
