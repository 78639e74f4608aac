"""Orders (fully vectorised: no Python loop over rows) and monthly targets."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sales_analytics.sample_data._calendar import day_weights
from sales_analytics.sample_data._common import STR, Window, arrow_ids, arrow_str, round_money, take_str
from sales_analytics.sample_data._names import CATEGORIES, CHANNEL_P_B2B, CHANNEL_P_B2C, CHANNELS
from sales_analytics.sample_data._org import Org
from sales_analytics.sample_data._spec import SizeSpec
from sales_analytics.sample_data._training import SALES_SKILLS_UPLIFT

log = logging.getLogger(__name__)

_LINES_P = np.array([0.88, 0.08, 0.04])  # 1, 2 or 3 lines per order
_REFUND_SHARE = 0.03
_CANCEL_SHARE = 0.01
_OTHER_REP_SHARE = 0.05  # orders booked by a team mate instead of the owner
_ROOKIE_RAMP_DAYS = 180


def _rows_per_order() -> float:
    lines = float((_LINES_P * np.arange(1, 4)).sum())
    return lines * (1 + _REFUND_SHARE * 0.97)


def _pick_days(rng: np.random.Generator, cum: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A day in ``[a, b)`` per row, drawn in proportion to the day weights whose cumsum is ``cum``."""
    lo, hi = cum[a], cum[b]
    u = lo + rng.random(len(a)) * (hi - lo)
    day = np.searchsorted(cum, u, side="right") - 1
    return np.clip(day, a, b - 1)


def make_orders(
    rng: np.random.Generator, spec: SizeSpec, org: Org, window: Window, trained_day: np.ndarray
) -> pd.DataFrame:
    """The orders table; see the package README for the planted effects."""
    days = window.days
    n_days = len(days)
    w_b2b, w_b2c = day_weights(days)
    cum_b2b = np.concatenate([[0.0], np.cumsum(w_b2b)])
    cum_b2c = np.concatenate([[0.0], np.cumsum(w_b2c)])
    b2b = org.cust_b2b
    a, b = org.cust_start_day, org.cust_end_day
    mass = np.where(b2b, cum_b2b[b] - cum_b2b[a], cum_b2c[b] - cum_b2c[a])
    p = org.cust_weight * mass
    n_orders = int(round(spec.order_rows / _rows_per_order()))

    # 1. Who buys: propensity x active span; when: by the segment's day weights within the span.
    cust = rng.choice(len(p), size=n_orders, p=p / p.sum())
    cb2b = b2b[cust]
    day = np.where(
        cb2b, _pick_days(rng, cum_b2b, a[cust], b[cust]), _pick_days(rng, cum_b2c, a[cust], b[cust])
    )
    secs = np.where(
        cb2b, rng.uniform(9 * 3600, 18 * 3600, n_orders), rng.uniform(8 * 3600, 23.5 * 3600, n_orders)
    )
    ts = day.astype(np.int64) * 86_400 + secs.astype(np.int64)
    order_sort = np.argsort(ts, kind="stable")
    cust, cb2b, day, ts = cust[order_sort], cb2b[order_sort], day[order_sort], ts[order_sort]

    # 2. Who sells: the owner; the team leader after the owner left; sometimes a team mate.
    owner = org.cust_owner[cust]
    rep = np.where(day >= org.rep_leave_day[owner], org.successor(owner), owner)
    team = org.rep_team[rep]
    sizes = np.bincount(org.rep_team)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    mate = first[team] + (rng.random(n_orders) * sizes[team]).astype(np.int64)
    mate_ok = (org.rep_hire_day[mate] <= day) & (org.rep_leave_day[mate] > day)
    rep = np.where((rng.random(n_orders) < _OTHER_REP_SHARE) & mate_ok, mate, rep)

    # 3. Order lines: products by segment mix; quantity; amount.
    n_lines = rng.choice(3, size=n_orders, p=_LINES_P) + 1
    line_order = np.repeat(np.arange(n_orders), n_lines)
    n_rows = len(line_order)
    lb2b = cb2b[line_order]
    cat_p = np.array([[v[0] for v in CATEGORIES.values()], [v[1] for v in CATEGORIES.values()]])
    cat_cum = np.cumsum(cat_p / cat_p.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(n_rows)
    cat = np.where(
        lb2b, np.searchsorted(cat_cum[0], u, side="right"), np.searchsorted(cat_cum[1], u, side="right")
    )
    cat = np.minimum(cat, len(CATEGORIES) - 1)
    per_cat = np.bincount(org.product_cat, minlength=len(CATEGORIES))
    cat_first = np.concatenate([[0], np.cumsum(per_cat)[:-1]])
    product = cat_first[cat] + (rng.random(n_rows) * per_cat[cat]).astype(np.int64)
    qty = np.where(lb2b, rng.geometric(0.3, n_rows), rng.geometric(0.75, n_rows)).astype(np.int64)

    lrep, lday = rep[line_order], day[line_order]
    tenure = lday - org.rep_hire_day[lrep]
    ramp = np.clip(0.5 + 0.5 * tenure / _ROOKIE_RAMP_DAYS, 0.5, 1.0)
    skill = np.where(lday >= trained_day[lrep], SALES_SKILLS_UPLIFT, 1.0)
    rep_mult = np.sqrt(org.rep_prod[lrep]) * ramp * skill
    amount = round_money(org.product_price[product] * qty * rng.lognormal(0.0, 0.25, n_rows) * rep_mult)

    channel_cum = np.cumsum([CHANNEL_P_B2B, CHANNEL_P_B2C], axis=1)
    uo = rng.random(n_orders)
    ch = np.where(
        cb2b,
        np.searchsorted(channel_cum[0], uo, side="right"),
        np.searchsorted(channel_cum[1], uo, side="right"),
    )
    ch = np.minimum(ch, len(CHANNELS) - 1)

    # 4. Status: ~1 % cancelled; ~3 % of the rest refunded by an extra negative row 1-30 days later.
    fate = rng.random(n_orders)
    cancelled = fate < _CANCEL_SHARE
    refunded = (fate >= _CANCEL_SHARE) & (fate < _CANCEL_SHARE + _REFUND_SHARE)
    refund_secs = ts + rng.integers(1, 31, n_orders) * 86_400 + rng.integers(-4 * 3600, 4 * 3600, n_orders)
    refunded &= refund_secs < n_days * 86_400
    rl = np.flatnonzero(refunded[line_order])
    full = rng.random(len(rl)) < 0.8
    refund_amount = -round_money(np.where(full, amount[rl], amount[rl] * rng.uniform(0.2, 0.9, len(rl))))

    status_codes = np.where(cancelled[line_order], 2, 0)  # 0 paid, 1 refunded, 2 cancelled
    all_order = np.concatenate([line_order, line_order[rl]])
    all_ts = np.concatenate([ts[line_order], refund_secs[line_order[rl]]])
    is_refund = np.concatenate([np.zeros(n_rows, dtype=bool), np.ones(len(rl), dtype=bool)])
    all_row = np.concatenate([np.arange(n_rows), rl])
    final = np.lexsort((all_row, is_refund, all_order, all_ts))

    order_num = all_order[final]
    refund_flag = is_refund[final]
    src = all_row[final]
    base_ids = arrow_ids("O", order_num + 1, 8)
    ids = arrow_str(
        pc.if_else(pa.array(refund_flag), pc.binary_join_element_wise(base_ids, "-R", ""), base_ids)
    )
    amounts = np.concatenate([amount, refund_amount])[final]
    quantity = np.concatenate([qty, np.where(full, -qty[rl], 0)])[final]
    status = np.concatenate([status_codes, np.ones(len(rl), dtype=np.int64)])[final]
    start_ns = window.start.value
    orders = pd.DataFrame(
        {
            "order_id": ids,
            "order_date": (start_ns + all_ts[final] * 1_000_000_000).view("datetime64[ns]"),
            "customer_id": take_str(org.customers["customer_id"].to_numpy(dtype=object), cust[order_num]),
            "rep_id": take_str(org.rep_ids, rep[order_num]),
            "amount": amounts,
            "status": take_str(["paid", "refunded", "cancelled"], status),
            "product_id": take_str(org.product_ids, product[src]),
            "product_category": take_str(org.category_names, cat[src]),
            "quantity": quantity.astype(np.int64),
            "channel": take_str(CHANNELS, ch[order_num]),
        }
    )
    log.info("orders: %d rows (%d orders, %d refund rows)", len(orders), n_orders, len(rl))
    return orders


def make_targets(rng: np.random.Generator, org: Org, window: Window, orders: pd.DataFrame) -> pd.DataFrame:
    """Monthly targets per rep (≈ trailing 3-month revenue x 1.1 with noise) and per team (their sum)."""
    months = [str(m) for m in window.months]
    n_m, n_r = len(months), len(org.rep_team)
    valid = orders["status"].to_numpy() != "cancelled"
    m_idx = (
        (orders["order_date"].dt.year.to_numpy() - window.months[0].year) * 12
        + orders["order_date"].dt.month.to_numpy()
        - window.months[0].index
    )
    rep_idx = pd.Index(org.rep_ids).get_indexer(orders["rep_id"])
    rev = np.bincount(
        (rep_idx * n_m + m_idx)[valid], weights=orders["amount"].to_numpy()[valid], minlength=n_r * n_m
    ).reshape(n_r, n_m)
    month_first = np.array([(pd.Timestamp(m.start) - window.start).days for m in window.months])
    month_last = np.array([(pd.Timestamp(m.end) - window.start).days for m in window.months])
    active = (org.rep_hire_day[:, None] <= month_last[None, :]) & (
        org.rep_leave_day[:, None] > month_first[None, :]
    )

    target = np.zeros((n_r, n_m))
    for j in range(n_m):
        lo = max(0, j - 3)
        hist = rev[:, lo:j]
        cnt = (hist > 0).sum(axis=1)
        trailing = np.where(cnt > 0, hist.sum(axis=1) / np.maximum(cnt, 1), rev[:, j])
        target[:, j] = trailing * 1.1 * rng.lognormal(0.0, 0.08, n_r)
    target = np.round(target, -3)
    r, m = np.nonzero(active & (target > 0))
    rep_rows = pd.DataFrame(
        {
            "period": pd.Series(np.array(months, dtype=object)[m], dtype=STR),
            "rep_id": take_str(org.rep_ids, r),
            "team": pd.Series([None] * len(r), dtype=STR),
            "target_amount": target[r, m],
        }
    )
    team_t = np.zeros((len(org.team_names), n_m))
    np.add.at(team_t, (org.rep_team[r], m), target[r, m])
    tt, tm = np.nonzero(team_t)
    team_rows = pd.DataFrame(
        {
            "period": pd.Series(np.array(months, dtype=object)[tm], dtype=STR),
            "rep_id": pd.Series([None] * len(tt), dtype=STR),
            "team": take_str(org.team_names, tt),
            "target_amount": team_t[tt, tm],
        }
    )
    out = pd.concat([rep_rows, team_rows], ignore_index=True)
    return out.sort_values(["period", "team", "rep_id"], kind="stable", na_position="first").reset_index(
        drop=True
    )
