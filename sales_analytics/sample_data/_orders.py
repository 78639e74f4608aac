"""Orders (fully vectorised: no Python loop over rows) and monthly targets.

Besides the table, :func:`make_orders` returns :class:`OrderFacts`, integer
arrays of the same orders, so that targets, rewards and follow-up activities
never have to scan millions of order rows by their text ids.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sales_analytics.sample_data._common import STR, Window, arrow_str, take_str
from sales_analytics.sample_data._demand import sample_who_when
from sales_analytics.sample_data._names import CATEGORIES, CHANNEL_P_B2B, CHANNEL_P_B2C, CHANNELS
from sales_analytics.sample_data._org import Org
from sales_analytics.sample_data._spec import SizeSpec
from sales_analytics.sample_data._training import SALES_SKILLS_UPLIFT
from sales_analytics.vocabulary import ORDER_STATUSES

log = logging.getLogger(__name__)

_LINES_CUM = np.array([0.88, 0.96])  # 88 % single-line orders, 8 % two lines, 4 % three
_REFUND_SHARE = 0.03
_CANCEL_SHARE = 0.01
_OTHER_REP_SHARE = 0.05  # orders booked by a team mate instead of the owner
_DAY_S = 86_400


@dataclass
class OrderFacts:
    """The orders as integer arrays (one entry per order, not per line)."""

    cust: np.ndarray  # customer index
    rep: np.ndarray  # rep index
    day: np.ndarray  # day number in the window
    paid: np.ndarray  # not cancelled (a later refund does not change this)
    revenue: np.ndarray  # net revenue per rep x month (paid + refund rows), n_reps x n_months
    first_day: np.ndarray  # per rep: day of the first order, -1 when none


def _rows_per_order() -> float:
    lines = 1 + (1 - _LINES_CUM[0]) + (1 - _LINES_CUM[1])
    return lines * (1 + _REFUND_SHARE * 0.97)


def _by_segment(u: np.ndarray, seg: np.ndarray, probs: list[list[float]]) -> np.ndarray:
    """Category index per row drawn from the row's segment distribution (``u`` uniform in [0, 1))."""
    cum = np.cumsum(np.asarray(probs, dtype=np.float64), axis=1)
    cum = cum / cum[:, -1:]
    k = cum.shape[1]
    flat = (cum + np.arange(len(cum))[:, None]).ravel()  # segment s occupies [s, s + 1)
    idx = np.searchsorted(flat, u + seg, side="right") - seg * k
    return np.minimum(idx, k - 1)


def make_orders(
    rng: np.random.Generator, spec: SizeSpec, org: Org, window: Window, trained_day: np.ndarray
) -> tuple[pd.DataFrame, OrderFacts]:
    """The orders table and its integer facts; see the sample README for the planted effects."""
    n_days = org.n_days
    n_orders = int(round(spec.order_rows / _rows_per_order()))

    # 1. Who buys from whom, and when (see _demand.py); ordered by time.
    cust, rep, day = sample_who_when(rng, org, window, n_orders)
    seg = (~org.cust_b2b[cust]).astype(np.int8)  # 0 B2B, 1 B2C
    secs = rng.integers(np.where(seg == 0, 9 * 3600, 8 * 3600), np.where(seg == 0, 18 * 3600, 84_600))
    ts = day * _DAY_S + secs
    del secs
    order_sort = np.argsort(ts, kind="stable")
    cust, rep, day = cust[order_sort].astype(np.int32), rep[order_sort].astype(np.int32), day[order_sort]
    ts, seg = ts[order_sort], seg[order_sort]
    del order_sort

    # 2. Sometimes a team mate books the order instead of the owner.
    team = org.rep_team[rep]
    sizes = np.bincount(org.rep_team)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    mate = first[team] + (rng.random(n_orders) * sizes[team]).astype(np.int64)
    swap = (
        (rng.random(n_orders) < _OTHER_REP_SHARE)
        & (org.rep_hire_day[mate] <= day)
        & (org.rep_leave_day[mate] > day)
    )
    rep = np.where(swap, mate, rep).astype(np.int32)
    del team, mate, swap

    # 3. Order lines: products by segment mix; quantity; amount.
    u = rng.random(n_orders)
    n_lines = 1 + (u > _LINES_CUM[0]) + (u > _LINES_CUM[1])
    line_order = np.repeat(np.arange(n_orders, dtype=np.int32), n_lines)
    del u, n_lines
    n_rows = len(line_order)
    lseg = seg[line_order]
    cat = _by_segment(
        rng.random(n_rows), lseg, [[v[0] for v in CATEGORIES.values()], [v[1] for v in CATEGORIES.values()]]
    )
    per_cat = np.bincount(org.product_cat, minlength=len(CATEGORIES))
    cat_first = np.concatenate([[0], np.cumsum(per_cat)[:-1]])
    product = (cat_first[cat] + (rng.random(n_rows) * per_cat[cat]).astype(np.int64)).astype(np.int32)
    cat = cat.astype(np.int8)
    qty = np.empty(n_rows, dtype=np.int32)
    b2b_rows = lseg == 0
    qty[b2b_rows] = 1 + rng.poisson(2.0, int(b2b_rows.sum()))
    qty[~b2b_rows] = rng.geometric(0.75, int((~b2b_rows).sum()))
    del lseg, b2b_rows
    mult = org.rep_prod[rep] ** 0.25 * np.where(day >= trained_day[rep], SALES_SKILLS_UPLIFT, 1.0)
    amount = org.product_price[product] * qty * rng.lognormal(0.0, 0.25, n_rows) * mult[line_order]
    amount = np.round(amount, 2)
    del mult
    channel = _by_segment(rng.random(n_orders), seg, [CHANNEL_P_B2B, CHANNEL_P_B2C])

    # 4. Status: ~1 % cancelled; ~3 % of the rest refunded by an extra negative row 1-30 days later.
    fate = rng.random(n_orders)
    cancelled = fate < _CANCEL_SHARE
    refund_ts = ts + rng.integers(1, 31, n_orders) * _DAY_S + rng.integers(-4 * 3600, 4 * 3600, n_orders)
    refunded = (
        (fate >= _CANCEL_SHARE) & (fate < _CANCEL_SHARE + _REFUND_SHARE) & (refund_ts < n_days * _DAY_S)
    )
    del fate
    rl = np.flatnonzero(refunded[line_order])  # refunded lines
    full = rng.random(len(rl)) < 0.8
    refund_amount = -np.round(np.where(full, amount[rl], amount[rl] * rng.uniform(0.2, 0.9, len(rl))), 2)

    # 5. Sale rows are already in time order; a stable sort by time slots each refund row in.
    all_ts = np.concatenate([ts[line_order], refund_ts[line_order[rl]]])
    final = np.argsort(all_ts, kind="stable")
    all_ts = all_ts[final]
    src = np.concatenate([np.arange(n_rows), rl])[final]  # the sale line of every row
    is_refund = final >= n_rows
    order_num = line_order[src]
    status = np.where(is_refund, 1, np.where(cancelled[order_num], 2, 0))  # paid, refunded, cancelled
    amounts = np.concatenate([amount, refund_amount])[final]
    quantity = np.concatenate([qty, np.where(full, -qty[rl], 0)])[final]
    del final, amount, refund_amount, ts, refund_ts, qty, refunded

    digits = pc.utf8_lpad(pc.cast(pa.array(order_num + 1), pa.string()), 8, "0")
    suffix = pa.array(np.array(["", "-R"], dtype=object)).take(pa.array(is_refund.astype(np.int8)))
    orders = pd.DataFrame(
        {
            "order_id": arrow_str(pc.binary_join_element_wise("O", digits, suffix, "")),
            "order_date": (window.start.value + all_ts * 1_000_000_000).view("datetime64[ns]"),
            "customer_id": take_str(org.customers["customer_id"].to_numpy(dtype=object), cust[order_num]),
            "rep_id": take_str(org.rep_ids, rep[order_num]),
            "amount": amounts,
            "status": take_str(list(ORDER_STATUSES), status),
            "product_id": take_str(org.product_ids, product[src]),
            "product_category": take_str(org.category_names, cat[src]),
            "quantity": quantity.astype(np.int64),
            "channel": take_str(CHANNELS, channel[order_num]),
        }
    )
    del digits, suffix

    month_of_day = np.asarray(
        (window.days.year - window.months[0].year) * 12 + window.days.month - window.months[0].index
    )
    n_m, n_r = len(window.months), len(org.rep_team)
    valid = status != 2
    row_rep = rep[order_num]
    revenue = np.bincount(
        row_rep[valid] * n_m + month_of_day[all_ts[valid] // _DAY_S],
        weights=amounts[valid],
        minlength=n_r * n_m,
    ).reshape(n_r, n_m)
    first_day = np.full(n_r, -1)
    seen = np.unique(rep, return_index=True)  # orders are in time order: the first index is the first day
    first_day[seen[0]] = day[seen[1]]
    facts = OrderFacts(cust=cust, rep=rep, day=day, paid=~cancelled, revenue=revenue, first_day=first_day)
    log.info("orders: %d rows (%d orders, %d refund rows)", len(orders), n_orders, len(rl))
    return orders, facts


def make_targets(rng: np.random.Generator, org: Org, window: Window, facts: OrderFacts) -> pd.DataFrame:
    """Monthly targets per rep (≈ trailing 3-month revenue x 1.1 with noise) and per team (their sum)."""
    months = [str(m) for m in window.months]
    rev = facts.revenue
    n_r, n_m = rev.shape
    month_first = np.array([(pd.Timestamp(m.start) - window.start).days for m in window.months])
    month_last = np.array([(pd.Timestamp(m.end) - window.start).days for m in window.months])
    active = (org.rep_hire_day[:, None] <= month_last[None, :]) & (
        org.rep_leave_day[:, None] > month_first[None, :]
    )

    target = np.zeros((n_r, n_m))
    for j in range(n_m):
        hist = rev[:, max(0, j - 3) : j]
        cnt = (hist > 0).sum(axis=1)
        trailing = np.where(cnt > 0, hist.sum(axis=1) / np.maximum(cnt, 1), rev[:, j])
        target[:, j] = trailing * 1.1 * rng.lognormal(0.0, 0.08, n_r)
    target = np.round(target, -3)
    r, m = np.nonzero(active & (target > 0))
    rep_rows = pd.DataFrame(
        {
            "period": take_str(months, m),
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
            "period": take_str(months, tm),
            "rep_id": pd.Series([None] * len(tt), dtype=STR),
            "team": take_str(org.team_names, tt),
            "target_amount": team_t[tt, tm],
        }
    )
    out = pd.concat([rep_rows, team_rows], ignore_index=True)
    out = out.sort_values(["period", "team", "rep_id"], kind="stable", na_position="first")
    return out.reset_index(drop=True)
