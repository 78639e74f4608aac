"""The customer functions' exact group-by helpers: the same sums as pandas' group-by, bit for bit,
and the same BG/NBD / Gamma-Gamma fits as the log-likelihoods evaluated row by row (issue 24)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sales_analytics.customers import bgnbd_loglik, fit_bgnbd, fit_gamma_gamma, gamma_gamma_loglik
from sales_analytics.customers._orders import grouped_sums, sorted_groups

# values whose sums round differently with a plain running sum, pairwise sums or Kahan steps
AWKWARD = [0.1, 0.2, 0.3, 1e16, -1e16, 1.0, -0.7, 3.3333, 1e-300, 12345.67]


def test_sorted_groups_orders_rows_by_key_then_table_order():
    # keys 7 3 7 3 5: key 3 at rows 1, 3; key 5 at row 4; key 7 at rows 0, 2
    order, keys, starts = sorted_groups(np.array([7, 3, 7, 3, 5]))
    assert order.tolist() == [1, 3, 4, 0, 2]
    assert keys.tolist() == [3, 5, 7]
    assert starts.tolist() == [0, 2, 3]


def test_sorted_groups_falls_back_to_a_stable_argsort_for_wide_keys():
    key = np.array([1 << 61, 5, 1 << 61, 5])  # too wide to share an int64 with the row number
    order, keys, starts = sorted_groups(key)
    assert order.tolist() == [1, 3, 0, 2]
    assert keys.tolist() == [5, 1 << 61]
    assert starts.tolist() == [0, 2]


def test_grouped_sums_of_nothing():
    keys, sums = grouped_sums(np.zeros(0), np.zeros(0, dtype=np.int64))
    assert len(keys) == 0 and len(sums) == 0


def test_grouped_sums_uses_pandas_compensated_steps():
    # key 1: 1e16, 1.0, -1e16. Kahan: t = 1e16 + 1 = 1e16 (c = -1), then y = -1e16 + 1 rounds to -1e16,
    # t = 0: pandas' unsorted group-by gives 0.0 (a plain running sum gives 0.0 too; 0.1+0.2+0.3 below
    # gives 0.6 with Kahan where a running sum gives 0.6000000000000001)
    values = np.array([1e16, 0.1, 1.0, 0.2, -1e16, 0.3])
    key = np.array([1, 2, 1, 2, 1, 2])
    keys, sums = grouped_sums(values, key)
    assert keys.tolist() == [1, 2]
    assert sums.tolist() == [0.0, 0.6]
    expected = pd.Series(values).groupby(key, sort=True).sum()
    assert sums.tolist() == expected.tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.sampled_from(AWKWARD), st.floats(0.01, 1000.0)),
        min_size=1,
        max_size=80,
    ),
    st.booleans(),
    st.sampled_from([1, 1 << 40]),
)
def test_grouped_sums_equal_pandas_group_by_bit_for_bit(rows, presorted, stride):
    key = np.array([k for k, _, _ in rows], dtype=np.int64) * stride
    values = np.array([v * f for _, v, f in rows])
    if presorted:  # pandas sums sorted keys another way (np.add.reduceat): that path too
        order = np.argsort(key, kind="stable")
        key, values = key[order], values[order]
    keys, sums = grouped_sums(values, key)
    expected = pd.Series(values).groupby(key, sort=True).sum()
    assert keys.tolist() == expected.index.tolist()
    assert np.array_equal(sums, expected.to_numpy())


def _reference_fit_bgnbd(x, t_x, T):
    """fit_bgnbd's optimisation with the log-likelihood evaluated row by row (bgnbd_loglik)."""
    from sales_analytics.customers.btyd import _minimise, _unique_rows

    scale = 10.0 / max(float(T.max()), 1e-9)
    (ux, utx, uT), w = _unique_rows(x, t_x * scale, T * scale)

    def nll(theta):
        r, alpha, a, b = np.exp(np.clip(theta, -30, 30))
        value = -(w * bgnbd_loglik(r, alpha, a, b, ux, utx, uT)).sum() / w.sum()
        return float(value) if np.isfinite(value) else 1e300

    theta, _, _ = _minimise(nll, np.zeros(4))
    r, alpha, a, b = np.exp(theta)
    return float(r), float(alpha / scale), float(a), float(b)


def _reference_fit_gamma_gamma(x, m):
    from sales_analytics.customers.btyd import _minimise, _unique_rows

    keep = (x > 0) & (m > 0) & np.isfinite(m)
    x, m = x[keep], m[keep]
    scale = float(m.mean())
    (ux, um), w = _unique_rows(x, m / scale)

    def nll(theta):
        p, q, g = np.exp(np.clip(theta, -30, 30))
        value = -(w * gamma_gamma_loglik(p, q, g, ux, um)).sum() / w.sum()
        return float(value) if np.isfinite(value) else 1e300

    theta, _, _ = _minimise(nll, np.zeros(3))
    p, q, g = np.exp(theta)
    return float(p), float(q), float(g * scale)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fits_equal_the_row_by_row_likelihoods_exactly(seed):
    from sales_analytics.customers import BgNbdParams, GammaGammaParams, simulate_bgnbd, simulate_gamma_gamma

    rng = np.random.default_rng(seed)
    T = rng.integers(30, 700, 3000).astype(float)
    sim = simulate_bgnbd(BgNbdParams(0.4, 15.0, 0.9, 2.5), T, seed=seed)
    t_x = np.round(sim["t_x"])
    m = simulate_gamma_gamma(GammaGammaParams(5.0, 4.0, 20.0), sim["x"], seed=seed)
    fitted = fit_bgnbd(sim["x"], t_x, T)
    assert (fitted.r, fitted.alpha, fitted.a, fitted.b) == _reference_fit_bgnbd(
        sim["x"].astype(float), t_x, T
    )
    spend = fit_gamma_gamma(sim["x"], m)
    assert (spend.p, spend.q, spend.gamma) == _reference_fit_gamma_gamma(sim["x"].astype(float), m)


def _orders_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o3-R", "o4"],
            "order_date": pd.to_datetime(
                ["2026-02-03", "2026-03-01", "2026-03-10", "2026-03-12", "2026-03-20"]
            ),
            "customer_id": ["a", "a", "b", "b", None],
            "rep_id": ["r1", "r2", "r1", "r1", "r2"],
            "amount": [10.0, 20.0, 30.0, -30.0, 5.0],
            "status": ["paid", "paid", "paid", "refunded", "paid"],
        }
    )


def test_customer_orders_give_every_function_the_frames_results():
    from sales_analytics.customers import churn_risk, clv_summary, customer_quality, owner_reps, rfm_table
    from sales_analytics.customers._orders import CustomerOrders

    frame = _orders_frame()
    shared = CustomerOrders(frame)
    for period in ("2026-03", "2026-02"):
        pd.testing.assert_frame_equal(rfm_table(shared, period=period), rfm_table(frame, period=period))
    rfm = rfm_table(frame, period="2026-03")
    pd.testing.assert_frame_equal(
        customer_quality(shared, rfm, period="2026-03"), customer_quality(frame, rfm, period="2026-03")
    )
    pd.testing.assert_frame_equal(clv_summary(shared, period="2026-03"), clv_summary(frame, period="2026-03"))
    pd.testing.assert_frame_equal(owner_reps(shared), owner_reps(frame))
    kw = {"period": "2026-03", "churn_threshold": 0.0, "min_days": 0}
    pd.testing.assert_frame_equal(churn_risk(shared, rfm, **kw), churn_risk(frame, rfm, **kw))


def test_customer_orders_reduce_each_window_once_into_read_only_rows():
    from sales_analytics.customers._orders import CustomerOrders, order_rows

    shared = CustomerOrders(_orders_frame())
    rows = order_rows(shared, "2026-03")
    assert order_rows(shared, "2026-03", 0) is rows  # the same window: the same rows
    assert order_rows(shared, "2026-03", 1) is not rows  # another window: its own
    # 2026-03 keeps o1..o3-R (o4 has no customer): codes a=0, b=1
    assert rows.code.tolist() == [0, 0, 1, 1]
    with pytest.raises(ValueError, match="read-only"):
        rows.amount[0] = 99.0
