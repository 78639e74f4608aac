"""Who buys from whom and when: the order sampler behind ``orders``.

Each customer's active span is cut into *pieces* by owner (the original owner,
then the replacement hire after the owner left). A piece's daily weight is

    season(day, segment) x intensity(rep, day) / (book(rep, segment, day) + k)

where ``intensity`` is the rep's productivity x rookie ramp (0 when not
employed) and ``book`` the summed purchase propensity of the rep's active
customers of that segment. So a rep's expected order volume follows the
season and the rep's own intensity whatever the churn of single customers,
while inside a book customers buy in proportion to their propensity (the
``+ k`` lets a rep with a tiny book sell less). An order picks a piece with
probability propensity x piece weight, then a day inside the piece.
"""

from __future__ import annotations

import numpy as np

from sales_analytics.sample_data._calendar import day_weights
from sales_analytics.sample_data._common import Window
from sales_analytics.sample_data._org import Org

ROOKIE_RAMP_DAYS = 180


def rep_intensity(org: Org) -> np.ndarray:
    """Relative order volume per rep and day (n_reps x n_days): productivity x ramp, 0 when not employed."""
    d = np.arange(org.n_days)
    tenure = d[None, :] - org.rep_hire_day[:, None]
    ramp = np.clip(0.4 + 0.6 * tenure / ROOKIE_RAMP_DAYS, 0.4, 1.0)
    employed = (tenure >= 0) & (org.rep_leave_day[:, None] > d[None, :])
    return org.rep_prod[:, None] * ramp * employed


def sample_who_when(
    rng: np.random.Generator, org: Org, window: Window, n_orders: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n_orders`` draws of (customer index, selling rep index, day number)."""
    n_days, n_reps = org.n_days, len(org.rep_team)
    seasons = np.vstack(day_weights(window.days))  # row 0 B2B, row 1 B2C
    a, b = org.cust_start_day, org.cust_end_day
    owner0 = org.cust_owner
    leave = org.rep_leave_day[owner0]
    cut = np.clip(leave, a, b)
    # Pieces: (customer, rep, start, end) — before and after the owner's departure.
    p_cust = np.concatenate([np.arange(len(a)), np.arange(len(a))])
    p_rep = np.concatenate([owner0, org.successor(owner0)])
    p_start = np.concatenate([a, cut])
    p_end = np.concatenate([cut, b])
    keep = p_end > p_start
    p_cust, p_rep, p_start, p_end = p_cust[keep], p_rep[keep], p_start[keep], p_end[keep]
    seg = (~org.cust_b2b[p_cust]).astype(np.int64)
    block = p_rep * 2 + seg
    w = org.cust_weight[p_cust]

    width = n_days + 1
    n_blocks = 2 * n_reps
    diff = np.bincount(block * width + p_start, weights=w, minlength=n_blocks * width)
    diff -= np.bincount(block * width + p_end, weights=w, minlength=n_blocks * width)
    book = np.cumsum(diff.reshape(n_blocks, width), axis=1)[:, :n_days]
    k = np.array(
        [0.15 * np.median(book[s::2][book[s::2] > 0]) if (book[s::2] > 0).any() else 1.0 for s in (0, 1)]
    )
    intensity = np.repeat(rep_intensity(org), 2, axis=0)
    seg_of_block = np.tile([0, 1], n_reps)
    dw = seasons[seg_of_block] * intensity / (book + k[seg_of_block][:, None])
    cum = np.concatenate([np.zeros((n_blocks, 1)), np.cumsum(dw, axis=1)], axis=1)

    mass = cum[block, p_end] - cum[block, p_start]
    p = w * mass
    piece = rng.choice(len(p), size=n_orders, p=p / p.sum())
    blk, lo, hi = block[piece], p_start[piece], p_end[piece]
    # One globally increasing array: block j's cumulative weights shifted by j * span.
    span = cum[:, -1].max() * 1.5 + 1.0
    flat = (cum + (np.arange(n_blocks) * span)[:, None]).ravel()
    base = blk * span
    u = base + cum[blk, lo] + rng.random(n_orders) * (cum[blk, hi] - cum[blk, lo])
    day = np.searchsorted(flat, u, side="right") - 1 - blk * width
    day = np.clip(day, lo, hi - 1)
    return p_cust[piece], p_rep[piece], day
