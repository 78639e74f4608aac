"""Deals with their stage history (Zoho's default stages), and sales activities."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.sample_data._calendar import working_days
from sales_analytics.sample_data._common import STR, Window, make_ids, pick_within_groups, take_str
from sales_analytics.sample_data._orders import OrderFacts
from sales_analytics.sample_data._org import Org
from sales_analytics.sample_data._spec import SizeSpec
from sales_analytics.vocabulary import ACTIVITY_KINDS, DEAL_STATUSES

# Zoho CRM's default deal stages and their default probabilities (percent).
STAGES = [
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
]
PROBABILITY = [10.0, 20.0, 40.0, 60.0, 75.0, 90.0, 100.0, 0.0]
WON, LOST = 6, 7
_WIN_SHARE = 0.36  # of deals that close; truncation at the window end lowers it a little
_LOST_AT = np.array([0.30, 0.25, 0.15, 0.12, 0.10, 0.08])  # last open stage reached by a lost deal
_DAY_NS = 86_400 * 1_000_000_000


def _deal_path(rng: np.random.Generator) -> list[int]:
    """The stage sequence of one deal, with an occasional step back (a stage regression)."""
    if rng.random() < _WIN_SHARE:
        top, last = 5, WON
    else:
        top, last = int(rng.choice(6, p=_LOST_AT)), LOST
    path = list(range(top + 1))
    if top >= 2 and rng.random() < 0.1:
        j = int(rng.integers(2, top + 1))
        path = path[: j + 1] + [j - 1] + path[j:]
    return [*path, last]


def make_deals(
    rng: np.random.Generator, spec: SizeSpec, org: Org, window: Window
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``deals`` (current state at the end of the window) and ``deal_stage_history``."""
    n = spec.deals
    n_days = org.n_days
    b2b = np.flatnonzero(org.cust_b2b)
    w = org.cust_weight[b2b]
    cust = b2b[rng.choice(len(b2b), size=n, p=w / w.sum())]
    created = org.cust_start_day[cust] + (rng.random(n) * (n_days - org.cust_start_day[cust])).astype(
        np.int64
    )
    owner = org.cust_owner[cust]
    rep = np.where(created >= org.rep_leave_day[owner], org.successor(owner), owner)
    amount0 = np.round(rng.lognormal(np.log(60_000), 0.8, n), -2)
    end_ns = (window.end - window.start).value
    start_ns = window.start.value

    h_deal, h_stage, h_at, h_close, h_amount = [], [], [], [], []
    for i in range(n):
        at = int(created[i]) * _DAY_NS + int(rng.integers(9 * 3600, 18 * 3600)) * 1_000_000_000
        close = (int(created[i]) + int(rng.integers(30, 120))) * _DAY_NS
        amt = float(amount0[i])
        for k, stage in enumerate(_deal_path(rng)):
            if k:
                at += int((1 + rng.exponential(12)) * 86_400) * 1_000_000_000
                if rng.random() < 0.15:  # slipped: the expected close date is pushed later
                    close += int(rng.integers(14, 46)) * _DAY_NS
                if rng.random() < 0.1:
                    amt = float(np.round(amt * rng.uniform(0.8, 1.2), -2))
            if at >= end_ns:
                break
            if stage in (WON, LOST):
                close = at - at % _DAY_NS
            close = max(close, at - at % _DAY_NS)
            h_deal.append(i)
            h_stage.append(stage)
            h_at.append(at)
            h_close.append(close)
            h_amount.append(amt)
    h_deal_a = np.array(h_deal)
    h_stage_a = np.array(h_stage)
    deal_ids = make_ids("D", np.arange(1, n + 1), 6)
    prob = np.array(PROBABILITY)
    history = pd.DataFrame(
        {
            "deal_id": deal_ids.take(h_deal_a).reset_index(drop=True),
            "stage": take_str(STAGES, h_stage_a),
            "changed_at": (start_ns + np.array(h_at, dtype=np.int64)).view("datetime64[ns]"),
            "close_date": (start_ns + np.array(h_close, dtype=np.int64)).view("datetime64[ns]"),
            "amount": np.array(h_amount, dtype=np.float64),
            "probability": prob[h_stage_a],
        }
    )
    last = np.flatnonzero(np.r_[h_deal_a[1:] != h_deal_a[:-1], True])
    cur = history.iloc[last].reset_index(drop=True)
    status = np.where(h_stage_a[last] == WON, 1, np.where(h_stage_a[last] == LOST, 2, 0))
    deals = pd.DataFrame(
        {
            "deal_id": cur["deal_id"],
            "rep_id": take_str(org.rep_ids, rep[h_deal_a[last]]),
            "customer_id": take_str(
                org.customers["customer_id"].to_numpy(dtype=object), cust[h_deal_a[last]]
            ),
            "stage": cur["stage"],
            "status": take_str(list(DEAL_STATUSES), status),
            "amount": cur["amount"],
            "probability": cur["probability"],
            "created_date": (window.start + pd.to_timedelta(created[h_deal_a[last]], unit="D")).astype(
                "datetime64[ns]"
            ),
            "close_date": cur["close_date"],
        }
    )
    return deals, history


_TYPES = list(ACTIVITY_KINDS)  # in this order: the sample draws by index
_TYPE_P = [0.40, 0.15, 0.10, 0.10, 0.25]
_DURATION_MEDIAN = np.array([6.0, 60.0, 45.0, 5.0, 2.0])
_OUTCOMES = ["有意向", "需再跟进", "无人接听", "已报价", "暂无需求"]
_OUTCOME_P = np.array(
    [
        [0.25, 0.30, 0.25, 0.10, 0.10],  # call
        [0.35, 0.35, 0.00, 0.20, 0.10],  # visit
        [0.35, 0.35, 0.00, 0.20, 0.10],  # meeting
        [0.20, 0.45, 0.15, 0.10, 0.10],  # email
        [0.20, 0.45, 0.15, 0.10, 0.10],
    ]
)  # message
FOLLOW_UP = "回访"


def make_activities(
    rng: np.random.Generator, spec: SizeSpec, org: Org, window: Window, facts: OrderFacts
) -> pd.DataFrame:
    """Calls, visits, meetings, e-mails and messages; plus 回访 follow-ups 1-7 days after some purchases."""
    days = window.days
    n_days, n_reps = org.n_days, len(org.rep_team)
    work = working_days(days)
    d = np.arange(n_days)
    employed = (
        (org.rep_hire_day[:, None] <= d[None, :]) & (org.rep_leave_day[:, None] > d[None, :]) & work[None, :]
    )
    r_idx, d_idx = np.nonzero(employed)
    lam = spec.activities_per_rep_day * org.rep_prod[r_idx] ** 0.3
    counts = rng.poisson(lam)
    rep = np.repeat(r_idx, counts)
    day = np.repeat(d_idx, counts)
    n = len(rep)
    owner_sorted = np.argsort(org.cust_owner, kind="stable")
    per_rep = np.bincount(org.cust_owner, minlength=n_reps)
    offsets = np.concatenate([[0], np.cumsum(per_rep)[:-1]])
    cust = pick_within_groups(rng, rep, owner_sorted, offsets, per_rep)
    typ = rng.choice(len(_TYPES), size=n, p=_TYPE_P)
    cum = np.cumsum(_OUTCOME_P, axis=1)
    outcome = np.minimum((rng.random(n)[:, None] > cum[typ]).sum(axis=1), len(_OUTCOMES) - 1)
    secs = rng.uniform(9 * 3600, 18.5 * 3600, n).astype(np.int64)

    # Follow-ups after purchases (one per sampled paid order): B2B orders 4x as often as B2C,
    # at most ~20 % of orders and not more than about half the regular activities.
    paid = np.flatnonzero(facts.paid)
    rate = min(0.2, 0.5 * n / max(len(paid), 1))
    pick = paid[rng.random(len(paid)) < rate]
    pick = pick[rng.random(len(pick)) < np.where(org.cust_b2b[facts.cust[pick]], 1.0, 0.25)]
    c_idx, f_rep = facts.cust[pick], facts.rep[pick]
    f_day = facts.day[pick] + rng.integers(1, 8, len(pick))
    ok = (f_day < n_days) & (org.rep_leave_day[f_rep] > f_day)
    f_rep, f_day, c_idx = f_rep[ok], f_day[ok], c_idx[ok]
    nf = len(f_rep)

    all_rep = np.concatenate([rep, f_rep])
    all_day = np.concatenate([day, f_day])
    all_cust = np.concatenate([cust, c_idx])
    all_type = np.concatenate([typ, rng.choice([0, 4], size=nf, p=[0.7, 0.3])])
    all_out = np.concatenate([outcome, np.full(nf, len(_OUTCOMES))])
    all_secs = np.concatenate([secs, rng.uniform(9.5 * 3600, 18 * 3600, nf).astype(np.int64)])
    dur = np.round(_DURATION_MEDIAN[all_type] * rng.lognormal(0.0, 0.5, len(all_type)), 1)
    dur = np.where(all_out == 2, 0.0, np.maximum(dur, 0.5))  # an unanswered call lasts nothing
    at_ns = window.start.value + (all_day.astype(np.int64) * 86_400 + all_secs) * 1_000_000_000
    order = np.lexsort((np.arange(len(at_ns)), at_ns))
    return pd.DataFrame(
        {
            "activity_id": make_ids("A", np.arange(1, len(order) + 1), 7),
            "rep_id": take_str(org.rep_ids, all_rep[order]),
            "customer_id": take_str(org.customers["customer_id"].to_numpy(dtype=object), all_cust[order]),
            "activity_type": take_str(_TYPES, all_type[order]),
            "activity_at": at_ns[order].view("datetime64[ns]"),
            "duration_min": dur[order],
            "outcome": pd.Series(np.array([*_OUTCOMES, FOLLOW_UP], dtype=object)[all_out[order]], dtype=STR),
        }
    )
