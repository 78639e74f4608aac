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
    are left out (they are contacts with nobody in particular).
    """
    parts = []
    spec = {
        "orders": (orders, "order_id", "order_date"),
        "deals": (deals, "deal_id", "created_date"),
        "activities": (activities, "activity_id", "activity_at"),
    }
    for name in sources:
        frame, id_col, at_col = spec[name]
        if frame is None or not len(frame) or "customer_id" not in frame.columns:
            continue
        require_columns(frame, name, ["rep_id", "customer_id", at_col])
        ids = frame[id_col].astype(str) if id_col in frame.columns else pd.Series(frame.index.astype(str))
        amount = frame["amount"].astype("float64") if "amount" in frame.columns else 0.0
        revenue: np.ndarray | float = 0.0
        pipeline: np.ndarray | float = 0.0
        if name == "orders":
            status = frame["status"] if "status" in frame.columns else "paid"
            revenue = np.where(pd.Series(status, index=frame.index) == "cancelled", 0.0, amount)
        elif name == "deals":
            status = frame["status"] if "status" in frame.columns else "open"
            pipeline = np.where(pd.Series(status, index=frame.index) == "open", amount, 0.0)
        if name == "orders":
            frame, ids, revenue = _per_order(frame, ids, revenue)
            amount = 0.0
        at = pd.to_datetime(frame[at_col])
        if getattr(at.dt, "tz", None) is not None:
            at = at.dt.tz_localize(None)
        parts.append(
            pd.DataFrame(
                {
                    "source": name,
                    "row_id": ids.to_numpy(),
                    "customer_id": frame["customer_id"].astype(str).to_numpy(),
                    "rep_id": frame["rep_id"].astype(str).to_numpy(),
                    "at": at.to_numpy(),
                    "revenue": np.nan_to_num(np.asarray(revenue, dtype="float64") * np.ones(len(frame))),
                    "pipeline": np.nan_to_num(np.asarray(pipeline, dtype="float64") * np.ones(len(frame))),
                }
            ).loc[frame["customer_id"].notna().to_numpy()]
        )
    cols = ["source", "row_id", "customer_id", "rep_id", "at", "revenue", "pipeline"]
    if not parts:
        return pd.DataFrame(
            {c: pd.Series(dtype="float64" if c in ("revenue", "pipeline") else "str") for c in cols}
        )
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["customer_id", "at", "source", "row_id"], kind="stable").reset_index(drop=True)


def _per_order(orders: pd.DataFrame, ids: pd.Series, revenue) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """One row per order: its first sale line, with the revenue of all its lines and refund rows."""
    base = ids.str.removesuffix("-R")
    refund = ids.ne(base)
    if "status" in orders.columns:
        refund = refund | (orders["status"] == "refunded").to_numpy()
    rev = pd.Series(np.asarray(revenue, dtype="float64") * np.ones(len(orders)), index=orders.index)
    per = rev.groupby(base.to_numpy()).sum()
    first = ~refund.to_numpy() & ~base.duplicated().to_numpy()
    kept = orders.loc[first]
    kept_ids = base.loc[first] if isinstance(base, pd.Series) else base[first]
    return kept, kept_ids.reset_index(drop=True), per.reindex(kept_ids.to_numpy()).to_numpy()


def _close_to(times: np.ndarray, others: np.ndarray, window: np.timedelta64) -> np.ndarray:
    """For each of ``times``, whether some of ``others`` (sorted) lies within ``window``."""
    if not len(others):
        return np.zeros(len(times), dtype=bool)
    pos = np.searchsorted(others, times)
    after = others[np.minimum(pos, len(others) - 1)]
    before = others[np.maximum(pos - 1, 0)]
    return (np.abs(after - times) <= window) | (np.abs(times - before) <= window)


_EVIDENCE = ("source", "row_id", "rep_id", "at", "revenue", "pipeline")


def _evidence(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The columns of contact rows a finding is built from, as arrays."""
    return {
        c: frame[c].to_numpy(dtype=object if c in ("source", "row_id", "rep_id") else None) for c in _EVIDENCE
    }


def _finding(
    kind, customer, owner, other, ev: pd.DataFrame | dict[str, np.ndarray], team_of: dict[str, str]
) -> dict:
    # plain arrays, not frames: this runs once per finding (thousands at 1M orders), and
    # contacts() leaves no NaN in revenue or pipeline
    if isinstance(ev, pd.DataFrame):
        ev = _evidence(ev)
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


def _slice(cols: dict[str, np.ndarray], rows: np.ndarray | slice) -> dict[str, np.ndarray]:
    return {c: v[rows] for c, v in cols.items()}


def _owner_first(
    a: str, b: str, owner: str | None, ev: pd.DataFrame | dict[str, np.ndarray]
) -> tuple[str, str]:
    if owner in (a, b):
        return (owner, b if owner == a else a)
    if isinstance(ev, pd.DataFrame):
        ev = _evidence(ev)
    first_a, first_b = (ev["at"][ev["rep_id"] == r].min() for r in (a, b))  # both reps are in ev
    return (a, b) if (first_a, a) <= (first_b, b) else (b, a)


def _shared(con: pd.DataFrame, owners: dict[str, str], p: ConflictParams, team_of) -> list[dict]:
    window = np.timedelta64(p.window_days, "D")
    counts = con.groupby(["customer_id", "rep_id"]).size()
    many = counts[counts >= p.min_contacts].reset_index()
    cand = many.groupby("customer_id")["rep_id"].nunique()
    cand = set(cand[cand >= 2].index)
    sub = con.loc[con["customer_id"].isin(cand)].reset_index(drop=True)  # sorted by customer, time
    if sub.empty:
        return []
    custs = sub["customer_id"].to_numpy(dtype=object)
    cols = _evidence(sub)
    reps_all, at_all, row_ids = cols["rep_id"], cols["at"], cols["row_id"]
    bounds = np.flatnonzero(custs[1:] != custs[:-1]) + 1
    out = []
    for s0, s1 in zip(np.r_[0, bounds], np.r_[bounds, len(sub)]):
        cust, reps_c, at_c = custs[s0], reps_all[s0:s1], at_all[s0:s1]
        names, inverse, n = np.unique(reps_c, return_inverse=True, return_counts=True)
        rows = {names[k]: np.flatnonzero(inverse == k) for k in np.flatnonzero(n >= p.min_contacts)}
        reps = sorted(rows)
        for i, a in enumerate(reps):
            for b in reps[i + 1 :]:
                ia, ib = rows[a], rows[b]
                close_a, close_b = (
                    _close_to(at_c[ia], at_c[ib], window),
                    _close_to(at_c[ib], at_c[ia], window),
                )
                na, nb = int(close_a.sum()), int(close_b.sum())
                if min(na, nb) < p.min_contacts:
                    continue
                picked = np.sort(np.r_[ia[close_a], ib[close_b]])
                # the smaller side's share of every contact with the customer over the same span:
                # a colleague covering now and then for a busy account stays below it
                lo, hi = at_c[picked].min(), at_c[picked].max()
                if min(na, nb) / int(((at_c >= lo) & (at_c <= hi)).sum()) < p.min_share:
                    continue
                rows_ev = s0 + picked  # by time, then row id (np.lexsort is stable, as sort_values)
                ev = _slice(cols, rows_ev[np.lexsort((row_ids[rows_ev], at_all[rows_ev]))])
                owner, other = _owner_first(a, b, owners.get(cust), ev)
                out.append(_finding("shared_customer", cust, owner, other, ev, team_of))
    return out


def _duplicate_deals(deals: pd.DataFrame | None, p: ConflictParams, owners, team_of) -> list[dict]:
    if deals is None or not len(deals) or "customer_id" not in deals.columns:
        return []
    require_columns(deals, "deals", ["deal_id", "rep_id", "customer_id", "created_date"])
    keys = ["customer_id", "product_id"] if "product_id" in deals.columns else ["customer_id"]
    d = contacts(None, deals, None, sources=("deals",))
    d = d.assign(**{k: deals[k].astype(str).to_numpy() for k in keys[1:]})
    window = pd.Timedelta(days=p.deal_window_days)
    found: dict[str, dict] = {}
    multi = d.groupby(keys)["rep_id"].transform("nunique") >= 2
    for _key, grp in d.loc[multi].groupby(keys, sort=True):
        rows = grp.sort_values(["at", "row_id"]).to_dict("records")
        for i, x in enumerate(rows):
            for y in rows[i + 1 :]:
                if y["at"] - x["at"] > window:
                    break
                if x["rep_id"] == y["rep_id"]:
                    continue
                cust = x["customer_id"]
                fid = finding_id("duplicate_deal", cust, x["rep_id"], y["rep_id"])
                ev = grp.loc[grp["row_id"].isin([x["row_id"], y["row_id"]])]
                if fid in found:
                    prev = found[fid]["_ev"]
                    ev = pd.concat([prev, ev]).drop_duplicates("row_id")
                owner, other = _owner_first(x["rep_id"], y["rep_id"], owners.get(cust), ev)
                found[fid] = _finding(
                    "duplicate_deal", cust, owner, other, ev.sort_values(["at", "row_id"]), team_of
                )
                found[fid]["_ev"] = ev
    return [{k: v for k, v in f.items() if k != "_ev"} for f in found.values()]


def _owner_changes(
    orders_con: pd.DataFrame, owners: dict[str, str], p: ConflictParams, team_of
) -> list[dict]:
    out: list[dict] = []
    if not owners or not len(orders_con):
        return out
    oc = orders_con.assign(owner=orders_con["customer_id"].map(owners))
    oc = oc.loc[oc["owner"].notna()]
    mine = oc.loc[oc["rep_id"] == oc["owner"]]
    n_mine = mine.groupby("customer_id").size()
    start = mine.groupby("customer_id")["at"].min()[n_mine >= p.owner_change_min_orders]
    if start.empty:
        return out
    before = oc.loc[oc["customer_id"].isin(start.index)]
    before = before.loc[(before["at"] < before["customer_id"].map(start)).to_numpy()]
    n_prev = before.groupby(["customer_id", "rep_id"]).size().rename("n").reset_index()
    n_prev = n_prev.loc[n_prev["n"] >= p.owner_change_min_orders]
    # the previous owner: most orders before the change (ties: the smaller rep id)
    prev = n_prev.sort_values(["customer_id", "n", "rep_id"], ascending=[True, False, True]).drop_duplicates(
        "customer_id"
    )
    mine_by = mine.loc[mine["customer_id"].isin(prev["customer_id"]).to_numpy()]
    # orders_con is sorted by customer, time and row id (contacts()): each customer's rows are one
    # run of mine_by, already in the order of its evidence
    custs = mine_by["customer_id"].to_numpy(dtype=object)
    if not len(custs):
        return out
    cols = _evidence(mine_by)
    bounds = np.flatnonzero(custs[1:] != custs[:-1]) + 1
    prev_of = dict(zip(prev["customer_id"], prev["rep_id"]))
    for s0, s1 in zip(np.r_[0, bounds], np.r_[bounds, len(custs)]):
        cust = custs[s0]
        prev_rep, owner = prev_of[cust], owners[cust]
        f = _finding("owner_change", cust, owner, prev_rep, _slice(cols, slice(s0, s1)), team_of)
        # the previous owner is the "owner" side of the credit in dispute; the revenue that moved
        # is what the new owner booked since the change
        f.update(owner_rep=prev_rep, other_rep=owner, team=team_of.get(owner, ""))
        f.update(owner_revenue=0.0, other_revenue=f["revenue_at_stake"])
        out.append(f)
    return out


def _foreign(acts: pd.DataFrame, owners: dict[str, str], p: ConflictParams, team_of) -> list[dict]:
    out: list[dict] = []
    if not owners or not len(acts):
        return out
    own = acts["customer_id"].map(owners)
    foreign = acts.loc[own.notna().to_numpy() & (acts["rep_id"] != own).to_numpy()]
    window = pd.Timedelta(days=p.window_days)
    for (cust, rep), grp in foreign.groupby(["customer_id", "rep_id"], sort=True):
        if len(grp) < p.min_contacts:
            continue
        at = grp["at"].to_numpy()
        # the densest run: most activities inside one window starting at an activity
        ends = np.searchsorted(at, at + window.to_timedelta64(), side="right")
        best = int(np.argmax(ends - np.arange(len(at))))
        if ends[best] - best < p.min_contacts:
            continue
        ev = grp.iloc[best : ends[best]]
        out.append(_finding("foreign_activity", cust, owners[cust], rep, ev, team_of))
    return out


def _one_source(
    con: pd.DataFrame, source: str, frame: pd.DataFrame | None, params: ConflictParams
) -> pd.DataFrame:
    """The contacts of one source: taken from ``con`` when it holds them, else built.

    ``contacts`` sorts by customer, time, source and row id, so the rows of one source keep the
    order ``contacts`` gives that source alone; at 1M order lines building them again cost seconds.
    """
    if source in params.contact:
        return con.loc[(con["source"] == source).to_numpy()].reset_index(drop=True)
    return contacts(*(frame if s == source else None for s in CONTACT_SOURCES), sources=(source,))


def _until(frame: pd.DataFrame | None, col: str, end: pd.Timestamp) -> pd.DataFrame | None:
    if frame is None or col not in frame.columns:
        return frame
    at = pd.to_datetime(frame[col])
    if getattr(at.dt, "tz", None) is not None:
        at = at.dt.tz_localize(None)
    return frame.loc[(at < end).to_numpy()]


def _handover_pairs(handovers: pd.DataFrame | None) -> set[tuple[str, frozenset[str]]]:
    if handovers is None or not len(handovers):
        return set()
    require_columns(handovers, "handovers", ["customer_id", "from_rep", "to_rep"])
    return {
        (str(c), frozenset((str(a), str(b))))
        for c, a, b in zip(handovers["customer_id"], handovers["from_rep"], handovers["to_rep"])
    }


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
        owners = dict(zip(c["customer_id"].astype(str), c["owner"].astype(str)))
    team_of: dict[str, str] = {}
    if reps is not None:
        require_columns(reps, "reps", ["rep_id", "team"])
        team_of = dict(zip(reps["rep_id"].astype(str), reps["team"].astype(str)))
    if period is not None:
        end = pd.Timestamp(parse_period(period).end) + pd.Timedelta(days=1)
        orders, deals, activities = (
            _until(f, col, end)
            for f, col in ((orders, "order_date"), (deals, "created_date"), (activities, "activity_at"))
        )
    con = contacts(orders, deals, activities, sources=params.contact)
    rows = _shared(con, owners, params, team_of)
    rows += _duplicate_deals(deals, params, owners, team_of)
    rows += _owner_changes(_one_source(con, "orders", orders, params), owners, params, team_of)
    rows += _foreign(_one_source(con, "activities", activities, params), owners, params, team_of)
    planned = _handover_pairs(handovers)
    rows = [r for r in rows if (r["customer_id"], frozenset((r["owner_rep"], r["other_rep"]))) not in planned]
    out = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    out = out.astype({"since": "datetime64[ns]", "last_seen": "datetime64[ns]", "n_evidence": "int64"})
    return out.sort_values(["kind", "finding_id"], kind="stable").reset_index(drop=True)
