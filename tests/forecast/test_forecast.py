"""Forecasts on series whose answer is known by construction, and the reconciliation property."""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sales_analytics as sa
from sales_analytics.errors import DataError
from sales_analytics.forecast.calendar import calendar_features
from sales_analytics.forecast.model import _ols, _quantile
from sales_analytics.periods import month_range

MONTHS = [str(m) for m in month_range("2024-12", "2026-11")]  # 24 months


def orders_from(matrix: dict[str, list[float]], months: list[str] = MONTHS) -> pd.DataFrame:
    """One paid order per rep and month, on the 15th, of the given amounts."""
    rows = [
        {
            "order_id": f"{rep}-{m}",
            "order_date": pd.Timestamp(f"{m}-15"),
            "customer_id": "c1",
            "rep_id": rep,
            "amount": float(v),
            "status": "paid",
        }
        for rep, values in matrix.items()
        for m, v in zip(months, values, strict=True)
        if v != 0
    ]
    return pd.DataFrame(rows)


def reps_of(teams: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"rep_id": list(teams), "rep_name": list(teams), "team": list(teams.values())})


def company(fc: pd.DataFrame) -> pd.Series:
    return fc[fc["level"] == "company"].set_index("month")["p50"]


def test_constant_series_is_forecast_exactly() -> None:
    # a constant 1000 a month: every regressor's coefficient is 0, the residuals are 0, so p10 = p50 = p90 = 1000
    fc = sa.revenue_forecast(orders_from({"r1": [1000.0] * 24}), reps_of({"r1": "t"}), period="2026-11")
    assert fc["month"].unique().tolist() == ["2026-12", "2027-01", "2027-02", "2027-03"]
    assert fc["p50"].tolist() == [1000.0] * len(fc)
    assert fc["p10"].tolist() == [1000.0] * len(fc)
    assert fc["p90"].tolist() == [1000.0] * len(fc)


def test_pure_trend_is_extrapolated() -> None:
    # revenue grows 5 % a month from 1000: log-linear in t, so month 24 + k is 1000 × 1.05^(23 + k)
    values = [1000.0 * 1.05**t for t in range(24)]
    fc = sa.revenue_forecast(orders_from({"r1": values}), reps_of({"r1": "t"}), period="2026-11", horizon=2)
    got = company(fc)
    for k, month in enumerate(["2026-12", "2027-01", "2027-02"], start=1):
        assert got[month] == pytest.approx(1000.0 * 1.05 ** (23 + k), abs=0.011)


def test_seasonal_pattern_of_618_and_double11_is_repeated() -> None:
    # 2000 a month, June × 1.5 and November × 2: the next June and November come out at 3000 and 4000
    months = [str(m) for m in month_range("2024-05", "2026-04")]
    values = [2000.0 * (1.5 if m.endswith("-06") else 2.0 if m.endswith("-11") else 1.0) for m in months]
    fc = sa.revenue_forecast(
        orders_from({"r1": values}, months), reps_of({"r1": "t"}), period="2026-04", horizon=3
    )
    got = company(fc)
    assert got["2026-05"] == pytest.approx(2000.0, abs=0.011)
    assert got["2026-06"] == pytest.approx(3000.0, abs=0.011)
    assert got["2026-07"] == pytest.approx(2000.0, abs=0.011)


def test_spring_festival_moving_between_january_and_february() -> None:
    # revenue = 5000 × exp(-1.2 × share of the festival season in the month); 春节 2025-01-29 (in
    # January), 2026-02-17 (February), 2027-02-06 (mostly February: 5 of the 26 days fall in January)
    share = calendar_features([*MONTHS, "2027-01", "2027-02"])["spring_festival"]
    values = [5000.0 * math.exp(-1.2 * share[m]) for m in MONTHS]
    fc = sa.revenue_forecast(orders_from({"r1": values}), reps_of({"r1": "t"}), period="2026-11", horizon=2)
    got = company(fc)
    assert share["2027-01"] == pytest.approx(5 / 26)
    assert got["2027-01"] == pytest.approx(5000.0 * math.exp(-1.2 * 5 / 26), abs=0.011)
    assert got["2027-02"] == pytest.approx(5000.0 * math.exp(-1.2 * 21 / 26), abs=0.011)
    # the January of 2025 (festival inside it) was low, the January of 2027 is not
    assert got["2027-01"] > values[MONTHS.index("2025-01")]


def noisy_org(seed: int, n_reps: int = 9, n_teams: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    teams = {f"r{i}": f"team{i % n_teams}" for i in range(n_reps)}
    matrix = {rep: list(np.round(rng.uniform(500, 5000) * rng.lognormal(0, 0.3, 24), 2)) for rep in teams}
    return orders_from(matrix), reps_of(teams)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reps_add_up_to_teams_and_teams_to_company_to_the_cent(seed: int) -> None:
    orders, reps = noisy_org(seed)
    fc = sa.revenue_forecast(orders, reps, period="2026-11")
    cents = fc.assign(c=np.rint(fc["p50"] * 100).astype(np.int64))
    for month, g in cents.groupby("month"):
        by_team = g[g["level"] == "rep"].groupby("team")["c"].sum()
        teams = g[g["level"] == "team"].set_index("team")["c"]
        assert by_team.to_dict() == teams.to_dict(), month
        assert int(g[g["level"] == "company"]["c"].iloc[0]) == int(teams.sum()), month
    assert (fc["p10"] <= fc["p50"]).all() and (fc["p50"] <= fc["p90"]).all()


def test_inputs_are_not_mutated_and_result_is_deterministic() -> None:
    orders, reps = noisy_org(4)
    o_copy, r_copy = orders.copy(), reps.copy()
    a = sa.revenue_forecast(orders, reps, period="2026-11")
    b = sa.revenue_forecast(orders, reps, period="2026-11")
    pd.testing.assert_frame_equal(orders, o_copy)
    pd.testing.assert_frame_equal(reps, r_copy)
    pd.testing.assert_frame_equal(a, b)


def test_inactive_and_quiet_reps_are_forecast_at_zero() -> None:
    # r2 sold nothing in the last two months (left): zero; r3 is marked inactive: zero
    matrix = {"r1": [1000.0] * 24, "r2": [800.0] * 22 + [0.0, 0.0], "r3": [900.0] * 24}
    reps = reps_of({"r1": "t", "r2": "t", "r3": "t"}).assign(active=[True, True, False])
    fc = sa.revenue_forecast(orders_from(matrix), reps, period="2026-11")
    rep = fc[fc["level"] == "rep"].groupby("rep_id")["p50"].max()
    assert rep.to_dict() == {"r1": 1000.0, "r2": 0.0, "r3": 0.0}


def test_open_month_adds_booked_revenue_and_run_rate() -> None:
    # constant 1000 a month; in December 2026 already 900 booked by the 15th
    orders = orders_from({"r1": [1000.0] * 24})
    extra = pd.DataFrame(
        {
            "order_id": ["x"],
            "order_date": [pd.Timestamp("2026-12-15")],
            "customer_id": ["c1"],
            "rep_id": ["r1"],
            "amount": [900.0],
            "status": ["paid"],
        }
    )
    fc = sa.revenue_forecast(
        pd.concat([orders, extra], ignore_index=True), reps_of({"r1": "t"}), period="2026-11"
    )
    dec = fc[(fc["level"] == "company") & (fc["month"] == "2026-12")].iloc[0]
    f = sa.workdays_in("2026-12-01", "2026-12-15") / sa.workdays_in_month("2026-12")
    # booked 900 + (1 - f) × ((1 - f) × 1000 + f × 900 / f)
    assert dec["actual_to_date"] == 900.0
    assert dec["p50"] == pytest.approx(900 + (1 - f) * ((1 - f) * 1000 + 900), abs=0.011)


def test_unknown_rep_is_a_data_error() -> None:
    with pytest.raises(DataError, match="rep_id values have no row in the reps table"):
        sa.revenue_forecast(
            orders_from({"r1": [1.0] * 24, "rX": [1.0] * 24}), reps_of({"r1": "t"}), period="2026-11"
        )


def test_period_must_be_a_month() -> None:
    with pytest.raises(ValueError, match="must be a month"):
        sa.revenue_forecast(orders_from({"r1": [1.0] * 24}), reps_of({"r1": "t"}), period="2026-Q3")


def test_a_backfill_never_sees_the_month_it_forecasts() -> None:
    # data through the whole of December 2026: a forecast after November must ignore December
    values = [1000.0 * 1.02**t for t in range(24)]
    history = orders_from({"r1": values})
    december = pd.DataFrame(
        {
            "order_id": ["x"],
            "order_date": [pd.Timestamp("2026-12-31")],
            "customer_id": ["c1"],
            "rep_id": ["r1"],
            "amount": [99999.0],
            "status": ["paid"],
        }
    )
    with_dec = sa.revenue_forecast(pd.concat([history, december]), reps_of({"r1": "t"}), period="2026-11")
    without = sa.revenue_forecast(history, reps_of({"r1": "t"}), period="2026-11")
    pd.testing.assert_frame_equal(with_dec, without)
    assert (with_dec["actual_to_date"] == 0).all()


def test_open_month_pipeline_adjustment_adds_up_and_needs_stage_history() -> None:
    # r1 has a deal open at the end of November closing in December (1000 × 0.5 = 500 weighted) and
    # no pipeline before: +500; r2 has none: 0; the team and company carry the sum
    orders = orders_from({"r1": [1000.0] * 24, "r2": [1000.0] * 24})
    reps = reps_of({"r1": "t", "r2": "t"})
    deals = pd.DataFrame(
        {
            "deal_id": ["d1"],
            "rep_id": ["r1"],
            "stage": ["Proposal"],
            "status": ["open"],
            "amount": [1000.0],
            "probability": [50.0],
            "created_date": [pd.Timestamp("2026-11-20")],
            "close_date": [pd.Timestamp("2026-12-10")],
        }
    )
    history = pd.DataFrame(
        {
            "deal_id": ["d1"],
            "stage": ["Proposal"],
            "changed_at": [pd.Timestamp("2026-11-20")],
            "probability": [50.0],
            "close_date": [pd.Timestamp("2026-12-10")],
            "amount": [1000.0],
        }
    )
    fc = sa.revenue_forecast(orders, reps, period="2026-11", deals=deals, deal_history=history)
    dec = fc[fc["month"] == "2026-12"].set_index(["level", "rep_id"])["pipeline_adjustment"]
    assert dec[("rep", "r1")] == 500.0 and dec[("rep", "r2")] == 0.0
    assert dec.xs("team").iloc[0] == 500.0
    assert dec.xs("company").iloc[0] == 500.0
    # without the stage history the pipeline cannot be compared with the usual: no adjustment
    plain = sa.revenue_forecast(orders, reps, period="2026-11", deals=deals)
    assert (plain["pipeline_adjustment"] == 0).all()


# ---- the least-squares fit of model.py against statsmodels, whose arithmetic it repeats


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(4, 24),
    k=st.integers(1, 3),
    seed=st.integers(0, 2**31 - 1),
    duplicate=st.booleans(),
)
def test_ols_equals_statsmodels_to_the_bit(n: int, k: int, seed: int, duplicate: bool) -> None:
    import statsmodels.api as sm

    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), *(rng.normal(size=n) for _ in range(k))])
    if duplicate:  # a rank-deficient design: statsmodels' pinv keeps going, so must we
        X = np.column_stack([X, X[:, -1]])
    z = rng.normal(size=n) + X @ rng.normal(size=X.shape[1])
    Xf = rng.normal(size=(3, X.shape[1]))
    if n - np.linalg.matrix_rank(X) < 1:
        return
    with pytest.warns(Warning, match="rank-deficient") if duplicate else contextlib.nullcontext():
        res = sm.OLS(z, X).fit()
    pred = res.get_prediction(Xf)
    ours = _ols(z, X, Xf)
    assert np.array_equal(ours.params, np.asarray(res.params))
    assert np.array_equal(ours.cov, np.asarray(res.cov_params()))
    assert ours.df_resid == float(res.df_resid)
    assert np.array_equal(ours.predicted, np.asarray(pred.predicted_mean))
    assert np.array_equal(ours.se_obs, np.asarray(pred.se_obs))


def test_ols_by_hand() -> None:
    # z = 1, 2, 4 on t = 0, 1, 2: slope Σ(t-1)(z-7/3) / Σ(t-1)² = (-1·-4/3 + 1·5/3) / 2 = 1.5,
    # intercept 7/3 - 1.5 = 0.8333; residuals 1/6, -1/3, 1/6: ssr 1/6, one degree of freedom
    f = _ols(np.array([1.0, 2.0, 4.0]), np.column_stack([np.ones(3), np.arange(3.0)]), np.array([[1.0, 3.0]]))
    assert f.params == pytest.approx([5 / 6, 1.5])
    assert f.df_resid == 1.0
    assert f.predicted == pytest.approx([5 / 6 + 4.5])
    # new observation at t=3: var = s²(1 + 1/3 + (3-1)²/2) = (1/6)(10/3)
    assert f.se_obs == pytest.approx([math.sqrt(10 / 18)])


@pytest.mark.parametrize("df", [1.0, 2.5, 7.0, 30.0, float("inf")])
def test_quantile_is_scipy_stats(df: float) -> None:
    from scipy import stats

    expected = stats.t.ppf(0.9, df) if math.isfinite(df) else stats.norm.ppf(0.9)
    assert _quantile(0.9, df) == expected
