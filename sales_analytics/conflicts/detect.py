"""Conflicts over customers found in the loaded tables (orders, deals, activities, customers).

Four rules, each a pure function of DataFrames (formulas in ``docs/conflicts.md``):

- ``shared_customer`` (撞单): two reps each with at least ``min_contacts``
  contacts (orders, deals, activities: ``params.contact``) on one customer
  lying within ``window_days`` of a contact by the other;
- ``duplicate_deal``: two deals on one customer (and one product, when the
  deals carry a ``product_id``) opened by different reps within
  ``deal_window_days``;
- ``owner_change``: the customer's owner (``customers.owner``) is not the
  rep who sold to it before; the revenue the new owner booked since is what
  moved with it;
- ``foreign_activity``: at least ``min_contacts`` activities inside the window
  by a rep who does not own the customer.

A pair covered by a recorded handover (``handovers``: customer_id, from_rep,
to_rep, effective_date) is a planned move, not a conflict, and is not reported.
Every finding has a stable id (a hash of kind, customer and the two reps), so a
decision in the register keeps pointing at it when the data grow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sales_analytics.conflicts._coded import SOURCE_ORDER, ContactCodes, coded_contacts
from sales_analytics.conflicts.params import CONTACT_SOURCES, ConflictParams
from sales_analytics.errors import require_columns
from sales_analytics.periods import parse_period
from sales_analytics.vocabulary import renamed_arguments

__all__ = ["FINDING_COLUMNS", "contacts", "detect_conflicts", "finding_id"]

FINDING_COLUMNS = [
    "finding_id",
    "kind",
    "customer_id",
    "owner_rep",
    "other_rep",
    "team",
    "since",
    "last_seen",
    "n_evidence",
    "evidence",
    "owner_revenue",
    "other_revenue",
    "revenue_at_stake",
    "pipeline_at_stake",
    "amount_at_stake",
]
_MAX_EVIDENCE = 50


def finding_id(kind: str, customer_id: str, rep_a: str, rep_b: str) -> str:
    """``CF-`` + 10 hex digits of sha1(kind|customer|reps sorted): the same conflict keeps its id.

    >>> finding_id("shared_customer", "C1", "R2", "R1") == finding_id("shared_customer", "C1", "R1", "R2")
    True
    """
    a, b = sorted((str(rep_a), str(rep_b)))
    return "CF-" + hashlib.sha1(f"{kind}|{customer_id}|{a}|{b}".encode()).hexdigest()[:10]


def contacts(
    orders: pd.DataFrame | None,
    deals: pd.DataFrame | None,
    activities: pd.DataFrame | None,
    *,
    sources: Sequence[str] = CONTACT_SOURCES,
) -> pd.DataFrame:
    """Every rep-customer contact as one row.

    Returns ``source, row_id, customer_id, rep_id, at, revenue, pipeline``:
    ``revenue`` is the order amount (cancelled orders count as contact, not
    revenue), ``pipeline`` the amount of an open deal. Rows without a customer
    are left out (they are contacts with nobody in particular). Sorted by
    customer, time, source and row id.
    """
    cols = ["source", "row_id", "customer_id", "rep_id", "at", "revenue", "pipeline"]
    con = coded_contacts({"orders": orders, "deals": deals, "activities": activities}, sources=sources)
    if not len(con):
        return pd.DataFrame(
            {c: pd.Series(dtype="float64" if c in ("revenue", "pipeline") else "str") for c in cols}
        )
    every = np.arange(len(con))
    return pd.DataFrame(
        {
            "source": np.asarray(SOURCE_ORDER, dtype=object)[con.src],
            "row_id": con.row_ids(every),
            "customer_id": con.customers[con.cust],
            "rep_id": con.rep_names(every),
            "at": con.at,
            "revenue": con.revenue,
            "pipeline": con.pipeline,
        }
    )


def _close_to(times: np.ndarray, others: np.ndarray, window: np.timedelta64) -> np.ndarray:
    """For each of ``times``, whether some of ``others`` (sorted) lies within ``window``."""
    if not len(others):
        return np.zeros(len(times), dtype=bool)
    pos = np.searchsorted(others, times)
    after = others[np.minimum(pos, len(others) - 1)]
    before = others[np.maximum(pos - 1, 0)]
    return (np.abs(after - times) <= window) | (np.abs(times - before) <= window)


_EVIDENCE = ("source", "row_id", "rep_id", "at", "revenue", "pipeline")


def _evidence(con: ContactCodes, rows: np.ndarray, *, by_row_id: bool = False) -> dict[str, np.ndarray]:
    """The contact rows ``rows`` a finding is built from, as arrays (text only for these rows).

    With ``by_row_id`` they are put in order of time, then row id (stable: ties keep the order
    of ``rows``); otherwise they are taken in the order given.
    """
    row_id = con.row_ids(rows)
    if by_row_id:
        order = np.lexsort((row_id, con.at[rows]))
        rows, row_id = rows[order], row_id[order]
    return {
        "source": np.asarray(SOURCE_ORDER, dtype=object)[con.src[rows]],
        "row_id": row_id,
        "rep_id": con.rep_names(rows),
        "at": con.at[rows],
        "revenue": con.revenue[rows],
        "pipeline": con.pipeline[rows],
    }


def _finding(
    kind: str,
    customer: str,
    owner: str,
    other: str,
    ev: dict[str, np.ndarray],
    team_of: dict[str, str],
) -> dict:
    # plain arrays, not frames: this runs once per finding; contacts leave no NaN in revenue or pipeline
    ids = [f"{s}:{r}" for s, r in zip(ev["source"].tolist(), ev["row_id"].tolist())]
    text = ", ".join(ids[:_MAX_EVIDENCE]) + (
        f" … (+{len(ids) - _MAX_EVIDENCE} more)" if len(ids) > _MAX_EVIDENCE else ""
    )
    reps = ev["rep_id"]
    amounts = np.asarray(ev["revenue"], dtype="float64")
    revenue = float(round(amounts.sum(), 2))
    pipeline = float(round(np.asarray(ev["pipeline"], dtype="float64").sum(), 2))
    return {
        "finding_id": finding_id(kind, customer, owner, other),
        "kind": kind,
        "customer_id": customer,
        "owner_rep": owner,
        "other_rep": other,
        "team": team_of.get(owner, ""),
        "since": pd.Timestamp(ev["at"].min()),
        "last_seen": pd.Timestamp(ev["at"].max()),
        "n_evidence": len(ids),
        "evidence": text,
        "owner_revenue": float(round(amounts[reps == owner].sum(), 2)),
        "other_revenue": float(round(amounts[reps == other].sum(), 2)),
        "revenue_at_stake": revenue,
        "pipeline_at_stake": pipeline,
        "amount_at_stake": float(round(revenue + pipeline, 2)),
    }


def _owner_first(a: str, b: str, owner: str | None, ev: dict[str, np.ndarray]) -> tuple[str, str]:
    if owner in (a, b):
        return (owner, b if owner == a else a)
    first_a, first_b = (ev["at"][ev["rep_id"] == r].min() for r in (a, b))  # both reps are in ev
    return (a, b) if (first_a, a) <= (first_b, b) else (b, a)


def _runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of each run of equal values in ``keys``."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    bounds = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    return np.r_[0, bounds], np.r_[bounds, len(keys)]


def _pairs(con: ContactCodes, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (customer, rep) pairs of ``rows``: per row its pair, and per pair its key and row count.

    A pair's key is ``customer * (len(reps) + 1) + rep``.
    """
    codes, keys = pd.factorize(con.cust[rows] * (len(con.reps) + 1) + con.rep[rows])
    return codes, np.asarray(keys), np.bincount(codes, minlength=len(keys))


_Planned = set[tuple[str, frozenset[str]]]


def _shared(
    con: ContactCodes, owners: np.ndarray, p: ConflictParams, team_of: dict[str, str], planned: _Planned
) -> list[dict]:
    if not len(con):
        return []
    window = np.timedelta64(p.window_days, "D")
    width = len(con.reps) + 1
    codes, keys, counts = _pairs(con, np.arange(len(con)))
    # lanes: the (customer, rep) pairs with enough contacts, of customers with two lanes or more
    enough = (counts >= p.min_contacts) & (keys % width < len(con.reps))
    n_lanes = np.bincount(keys[enough] // width, minlength=len(con.customers))
    lanes = np.sort(keys[enough & (n_lanes[keys // width] >= 2)])  # by customer, then rep id
    if not len(lanes):
        return []
    sub = np.flatnonzero(n_lanes[con.cust] >= 2)  # these customers' rows, by customer and time
    cust, at = con.cust[sub], con.at[sub]
    lane_cust = lanes // width
    first_lane = np.flatnonzero(np.r_[True, lane_cust[1:] != lane_cust[:-1]])
    slot = np.arange(len(lanes)) - np.repeat(first_lane, np.diff(np.r_[first_lane, len(lanes)]))
    at_lane = np.minimum(np.searchsorted(lanes, cust * width + con.rep[sub]), len(lanes) - 1)
    on_lane = lanes[at_lane] == cust * width + con.rep[sub]
    lane_rows = np.flatnonzero(on_lane)
    row_lane = at_lane[lane_rows]
    c_start, c_end = _runs(cust)
    seg_end = np.repeat(c_end, c_end - c_start)
    # rows at one time with one customer: the first and last position of each row's tie
    idx = np.arange(len(sub))
    new = np.r_[True, (cust[1:] != cust[:-1]) | (at[1:] != at[:-1])]
    tie_first = np.maximum.accumulate(np.where(new, idx, 0))
    tie_last = np.minimum.accumulate(np.where(np.r_[new[1:], True], idx, len(idx))[::-1])[::-1]
    # per lane and slot s of its customer: how many of its contacts lie within the window of a
    # contact on lane s (the nearest one before or after it: rows are in time order), and the
    # first and last of those contacts (as row positions)
    n_slots = int(slot.max()) + 1
    close = np.zeros((len(lanes), n_slots))
    first = np.zeros((len(lanes), n_slots), dtype=np.int64)
    last = np.zeros((len(lanes), n_slots), dtype=np.int64)
    # only rows on a lane count or mark; slot s exists only for customers with more than s lanes
    lanes_of_row = n_lanes[lane_cust[row_lane]]
    for s in range(n_slots):
        keep = np.flatnonzero(lanes_of_row > s)
        rows, lane_k, cust_k, at_k = (
            lane_rows[keep],
            row_lane[keep],
            cust[lane_rows[keep]],
            at[lane_rows[keep]],
        )
        j = np.arange(len(keep))
        mark = slot[lane_k] == s
        before = np.maximum(np.maximum.accumulate(np.where(mark, j, -1)), 0)
        after = np.minimum(np.minimum.accumulate(np.where(mark, j, len(j))[::-1])[::-1], len(j) - 1)
        # the nearest contact on lane s before or after (one of the same customer, and marked)
        hit = (mark[before] & (cust_k[before] == cust_k) & (at_k - at_k[before] <= window)) | (
            mark[after] & (cust_k[after] == cust_k) & (at_k[after] - at_k <= window)
        )
        close[:, s] = np.bincount(lane_k, weights=hit, minlength=len(lanes))
        rows_hit, lanes_hit = rows[hit], lane_k[hit]
        at_first = np.full(len(lanes), len(sub), dtype=np.int64)
        np.minimum.at(at_first, lanes_hit, rows_hit)
        np.maximum.at(last[:, s], lanes_hit, rows_hit)
        reached = at_first < len(sub)
        first[reached, s] = at_first[reached]
    # the pairs of lanes of one customer that pass the count and the share test (_shared_pair's
    # tests, on all pairs at once): both counts reach min_contacts and the smaller is at least
    # min_share of the customer's contacts from the first to the last of them
    pairs: list[tuple[int, int]] = []
    for gap in range(1, n_slots):
        la = np.flatnonzero(slot[: len(lanes) - gap] + gap == slot[gap:])  # la + gap: same customer
        lb = la + gap
        na, nb = close[la, slot[lb]], close[lb, slot[la]]
        ok = np.minimum(na, nb) >= p.min_contacts
        la, lb, na, nb = la[ok], lb[ok], na[ok], nb[ok]
        lo = np.minimum(first[la, slot[lb]], first[lb, slot[la]])
        hi = np.maximum(last[la, slot[lb]], last[lb, slot[la]])
        span = tie_last[hi] - tie_first[lo] + 1  # the customer's contacts from lo's time to hi's
        ok = np.minimum(na, nb) / span >= p.min_share
        pairs += zip(la[ok].tolist(), lb[ok].tolist())
    out = []
    for lane_a, lane_b in sorted(pairs):
        c = int(lane_cust[lane_a])
        a, b = int(lanes[lane_a] % width), int(lanes[lane_b] % width)
        customer = con.customers[c]
        if (customer, frozenset((con.reps[a], con.reps[b]))) in planned:
            continue
        s0 = int(np.searchsorted(cust, c))
        seg = sub[s0 : seg_end[s0]]
        found = _shared_pair(con, seg, a, b, window, p)
        if found is None:
            continue
        ev = _evidence(con, found, by_row_id=True)
        owner = con.reps[owners[c]] if owners[c] < len(con.reps) else None
        first_rep, second_rep = _owner_first(con.reps[a], con.reps[b], owner, ev)
        out.append(_finding("shared_customer", customer, first_rep, second_rep, ev, team_of))
    return out


def _shared_pair(
    con: ContactCodes,
    seg: np.ndarray,
    a: int,
    b: int,
    window: np.timedelta64,
    p: ConflictParams,
) -> np.ndarray | None:
    """The evidence rows of reps ``a`` and ``b`` on one customer (its rows ``seg``), or None."""
    reps_c, at_c = con.rep[seg], con.at[seg]
    ia, ib = np.flatnonzero(reps_c == a), np.flatnonzero(reps_c == b)
    close_a, close_b = (
        _close_to(at_c[ia], at_c[ib], window),
        _close_to(at_c[ib], at_c[ia], window),
    )
    na, nb = int(close_a.sum()), int(close_b.sum())
    if min(na, nb) < p.min_contacts:
        return None
    picked = np.sort(np.r_[ia[close_a], ib[close_b]])
    # the smaller side's share of every contact with the customer over the same span:
    # a colleague covering now and then for a busy account stays below it
    lo, hi = at_c[picked].min(), at_c[picked].max()
    if min(na, nb) / int(((at_c >= lo) & (at_c <= hi)).sum()) < p.min_share:
        return None
    return seg[picked]


def _duplicate_deals(
    deals: pd.DataFrame | None,
    d: ContactCodes,
    p: ConflictParams,
    owners: np.ndarray,
    team_of: dict[str, str],
    planned: _Planned,
) -> list[dict]:
    if deals is None or not len(deals) or "customer_id" not in deals.columns:
        return []
    require_columns(deals, "deals", ["deal_id", "rep_id", "customer_id", "created_date"])
    if not len(d):
        return []
    # the group of a deal: its customer, and its product when deals carry one (a deal without a
    # product is in none); d is sorted by customer, time and deal id, so is each group
    group = d.cust.astype(np.int64)
    if "product_id" in deals.columns:
        product = deals["product_id"].astype(str).reset_index(drop=True).iloc[d.frame_row]
        codes, _ = pd.factorize(product, sort=True)
        keep = codes >= 0
        d, group = d.take(keep), group[keep] * (int(codes.max()) + 1) + codes[keep]
    # only groups with deals of two reps or more can hold a clash
    has_rep = d.rep < len(d.reps)
    pair_codes, pair_keys = pd.factorize(group[has_rep] * (len(d.reps) + 1) + d.rep[has_rep])
    n_reps = pd.Series(np.ones(len(pair_keys))).groupby(np.asarray(pair_keys) // (len(d.reps) + 1)).sum()
    several = np.isin(group, n_reps.index[n_reps.to_numpy() >= 2])
    d, group = d.take(several), group[several]
    order = np.argsort(group, kind="stable")
    d, group = d.take(order), group[order]
    window = np.timedelta64(p.deal_window_days, "D")
    reps_all = d.rep_names(np.arange(len(d)))
    found: dict[str, tuple[dict, np.ndarray]] = {}
    for s0, s1 in zip(*_runs(group)):
        reps_g = reps_all[s0:s1]
        at_g, ids_g = d.at[s0:s1], d.row_ids(np.arange(s0, s1))
        cust = d.customers[d.cust[s0]]
        owner = owners[d.cust[s0]]
        owner_s = d.reps[owner] if owner < len(d.reps) else None
        for i in range(s1 - s0):
            for j in range(i + 1, s1 - s0):
                if at_g[j] - at_g[i] > window:
                    break
                if reps_g[i] == reps_g[j] or (cust, frozenset((reps_g[i], reps_g[j]))) in planned:
                    continue
                fid = finding_id("duplicate_deal", cust, reps_g[i], reps_g[j])
                rows = s0 + np.flatnonzero(np.isin(ids_g, [ids_g[i], ids_g[j]]))
                if fid in found:
                    # the evidence so far and this pair's, each deal id once (the first row kept)
                    both = np.r_[found[fid][1], rows]
                    _, first = np.unique(d.row_ids(both), return_index=True)
                    rows = both[np.sort(first)]
                ev = _evidence(d, rows)
                owner_rep, other = _owner_first(reps_g[i], reps_g[j], owner_s, ev)
                found[fid] = (
                    _finding(
                        "duplicate_deal",
                        cust,
                        owner_rep,
                        other,
                        _evidence(d, rows, by_row_id=True),
                        team_of,
                    ),
                    rows,
                )
    return [f for f, _ in found.values()]


def _owner_changes(
    o: ContactCodes,
    owners: np.ndarray,
    p: ConflictParams,
    team_of: dict[str, str],
    planned: _Planned,
) -> list[dict]:
    out: list[dict] = []
    if not len(o) or not (owners < len(o.reps)).any():
        return out
    own = owners[o.cust]
    has_rep = o.rep < len(o.reps)
    mine = (own < len(o.reps)) & (o.rep == own)
    n_mine = np.bincount(o.cust[mine], minlength=len(o.customers))
    # the change: the owner's first order (o is sorted by customer and time)
    idx = np.flatnonzero(mine)
    firsts = idx[np.r_[True, o.cust[idx][1:] != o.cust[idx][:-1]]] if len(idx) else idx
    start = np.full(len(o.customers), np.datetime64("NaT"), dtype=o.at.dtype)
    start[o.cust[firsts]] = o.at[firsts]
    changed = n_mine >= p.owner_change_min_orders
    before = np.flatnonzero(changed[o.cust] & has_rep & (o.at < start[o.cust]))
    if not len(before):
        return out
    codes, keys, counts = _pairs(o, before)
    width = len(o.reps) + 1
    keys, counts = (
        keys[counts >= p.owner_change_min_orders],
        counts[counts >= p.owner_change_min_orders],
    )
    # the previous owner: most orders before the change (ties: the smaller rep id)
    ranked = keys[np.lexsort((keys % width, -counts, keys // width))]
    firsts = ranked[np.r_[True, ranked[1:] // width != ranked[:-1] // width]] if len(ranked) else ranked
    prev_rep = np.full(len(o.customers), -1)
    prev_rep[firsts // width] = firsts % width
    by = np.flatnonzero(mine & (prev_rep[o.cust] >= 0))
    for s0, s1 in zip(*_runs(o.cust[by])):
        c = o.cust[by[s0]]
        cust, owner, prev = o.customers[c], o.reps[owners[c]], o.reps[prev_rep[c]]
        if (cust, frozenset((owner, prev))) in planned:
            continue
        # the evidence: the new owner's orders, in order of time and order id (as o is sorted)
        f = _finding("owner_change", cust, owner, prev, _evidence(o, by[s0:s1]), team_of)
        # the previous owner is the "owner" side of the credit in dispute; the revenue that moved
        # is what the new owner booked since the change
        f.update(owner_rep=prev, other_rep=owner, team=team_of.get(owner, ""))
        f.update(owner_revenue=0.0, other_revenue=f["revenue_at_stake"])
        out.append(f)
    return out


def _foreign(
    acts: ContactCodes,
    owners: np.ndarray,
    p: ConflictParams,
    team_of: dict[str, str],
    planned: _Planned,
) -> list[dict]:
    out: list[dict] = []
    if not len(acts) or not (owners < len(acts.reps)).any():
        return out
    own = owners[acts.cust]
    foreign = np.flatnonzero((own < len(acts.reps)) & (acts.rep != own) & (acts.rep < len(acts.reps)))
    key = acts.cust[foreign] * (len(acts.reps) + 1) + acts.rep[foreign]
    order = np.argsort(key, kind="stable")  # by customer and rep, each in order of time and id
    foreign, key = foreign[order], key[order]
    step = np.timedelta64(p.window_days, "D")
    for s0, s1 in zip(*_runs(key)):
        if s1 - s0 < p.min_contacts:
            continue
        rows = foreign[s0:s1]
        at = acts.at[rows]
        # the densest run: most activities inside one window starting at an activity
        ends = np.searchsorted(at, at + step, side="right")
        best = int(np.argmax(ends - np.arange(len(at))))
        if ends[best] - best < p.min_contacts:
            continue
        c, r = acts.cust[rows[0]], acts.rep[rows[0]]
        customer, owner, rep = acts.customers[c], acts.reps[owners[c]], acts.reps[r]
        if (customer, frozenset((owner, rep))) in planned:
            continue
        ev = _evidence(acts, rows[best : ends[best]])
        out.append(_finding("foreign_activity", customer, owner, rep, ev, team_of))
    return out


def _handover_pairs(handovers: pd.DataFrame | None) -> set[tuple[str, frozenset[str]]]:
    if handovers is None or not len(handovers):
        return set()
    require_columns(handovers, "handovers", ["customer_id", "from_rep", "to_rep"])
    return {
        (str(c), frozenset((str(a), str(b))))
        for c, a, b in zip(*(handovers[k].tolist() for k in ("customer_id", "from_rep", "to_rep")))
    }


def _owner_codes(con: ContactCodes, owners: dict[str, str]) -> np.ndarray:
    """Per customer code its owner's rep code (``len(con.reps)``: no owner)."""
    out = np.full(len(con.customers), len(con.reps), dtype=np.int64)
    if not owners or not len(con.customers):
        return out
    custs = np.asarray(list(owners), dtype=object)
    at = np.minimum(np.searchsorted(con.customers, custs), len(con.customers) - 1)
    known = con.customers[at] == custs
    out[at[known]] = np.searchsorted(con.reps, np.asarray(list(owners.values()), dtype=object)[known])
    return out


@renamed_arguments(through="period")
def detect_conflicts(
    params: ConflictParams,
    *,
    orders: pd.DataFrame | None = None,
    deals: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    reps: pd.DataFrame | None = None,
    handovers: pd.DataFrame | None = None,
    period: str | None = None,
) -> pd.DataFrame:
    """Every conflict finding, one row per (kind, customer, pair of reps).

    Parameters
    ----------
    params : the ``conflicts:`` parameters (window, what counts as contact, thresholds).
    orders, deals, activities : canonical tables (any may be missing).
    customers : ``customer_id, owner`` (the owner rules need it; without it only
        ``shared_customer`` and ``duplicate_deal`` run).
    reps : ``rep_id, team`` (the team of the owner side).
    handovers : ``customer_id, from_rep, to_rep`` [, ``effective_date, reason``]:
        planned moves; a finding on a recorded pair is not reported.
    period : a month ``YYYY-MM``: only rows up to its last day are read (a report
        for an earlier month does not see later contacts).

    Returns
    -------
    DataFrame
        ``finding_id, kind, customer_id, owner_rep, other_rep, team, since,
        last_seen, n_evidence, evidence, owner_revenue, other_revenue,
        revenue_at_stake, pipeline_at_stake, amount_at_stake``; ``evidence``
        lists ``source:row_id`` of the rows behind it. Sorted by kind and id.
    """
    owners: dict[str, str] = {}
    if customers is not None and "owner" in customers.columns:
        c = customers.loc[customers["owner"].notna()]
        # tolist: one conversion per column, not one Arrow scalar per item (0.5 s at 230k customers)
        owners = dict(zip(c["customer_id"].astype(str).tolist(), c["owner"].astype(str).tolist()))
    team_of: dict[str, str] = {}
    if reps is not None:
        require_columns(reps, "reps", ["rep_id", "team"])
        team_of = dict(zip(reps["rep_id"].astype(str).tolist(), reps["team"].astype(str).tolist()))
    end = None if period is None else pd.Timestamp(parse_period(period).end) + pd.Timedelta(days=1)
    # every source is read once (the rules beyond shared_customer read deals, orders and
    # activities whichever count as contact), the contact sources first
    sources = [
        *params.contact,
        *(s for s in CONTACT_SOURCES if s not in params.contact),
    ]
    frames = {"orders": orders, "deals": deals, "activities": activities}
    con = coded_contacts(frames, sources=sources, end=end, extra_reps=sorted(set(owners.values())))
    owner_of = _owner_codes(con, owners)
    contact_src = np.isin(con.src, [SOURCE_ORDER.index(s) for s in params.contact])
    # a finding on a recorded handover (customer and pair of reps) is left out as the rules meet it
    planned = _handover_pairs(handovers)
    rows = _shared(con if contact_src.all() else con.take(contact_src), owner_of, params, team_of, planned)
    rows += _duplicate_deals(deals, con.of_source("deals"), params, owner_of, team_of, planned)
    rows += _owner_changes(con.of_source("orders"), owner_of, params, team_of, planned)
    rows += _foreign(con.of_source("activities"), owner_of, params, team_of, planned)
    out = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    out = out.astype(
        {
            "since": "datetime64[ns]",
            "last_seen": "datetime64[ns]",
            "n_evidence": "int64",
        }
    )
    return out.sort_values(["kind", "finding_id"], kind="stable").reset_index(drop=True)
