"""Conflicts planted in the sample (issue 21), and the planned handovers that must not be reported.

Applied after every other table is generated, with its own random stream, so
the other tables' random draws do not move. What is planted (``truth``: one
row per customer and pair of reps):

- ``shared_customer`` (撞单): a rep of another team works a customer of a
  colleague for a few weeks: 4 extra activities and, when the customer bought
  in that time, one of its orders booked by the intruder;
- ``duplicate_deal``: a second deal on the same customer opened by another rep
  3-20 days after the first;
- ``owner_change``: the customer moved to a team mate from a day on (its later
  orders and the owner field follow), with no handover recorded;
- ``planned`` decoys (``planned=True``): the same move *with* a handover row,
  plus one handover row per customer of every rep who left (the replacement
  takes over): these look like conflicts and are not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.sample_data._common import STR, Window
from sales_analytics.sample_data._org import Org

_N = {"shared_customer": 6, "duplicate_deal": 5, "owner_change": 5, "planned": 5}
_SCALE = {"small": 1, "standard": 3, "medium": 4, "large": 6}


def _day(ts: pd.Series | pd.Timestamp, window: Window):
    return (ts - window.start).days if isinstance(ts, pd.Timestamp) else (ts - window.start).dt.days


def plant_conflicts(
    rng: np.random.Generator, tables: dict[str, pd.DataFrame], org: Org, window: Window, size: str
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The tables with conflicts planted and a ``handovers`` table added; plus the planted truth."""
    k = _SCALE.get(size, 1)
    orders = tables["orders"].copy()
    acts = tables["activities"].copy()
    deals = tables["deals"].copy()
    history = tables["deal_stage_history"].copy()
    customers = tables["customers"].copy()
    rep_ids = np.array(org.rep_ids, dtype=object)
    n_days = org.n_days
    reps_team = dict(zip(rep_ids, org.rep_team))
    active_all = [
        r for i, r in enumerate(rep_ids) if org.rep_hire_day[i] <= 0 and org.rep_leave_day[i] >= n_days
    ]
    owner = dict(zip(customers["customer_id"], customers["owner"]))
    used: set[str] = set()
    truth: list[dict] = []
    handovers: list[dict] = []

    # the planned handovers of reps who left: their customers go to the replacement
    for i in np.flatnonzero(org.rep_leave_day < n_days):
        succ = org.successor(np.array([i]))[0]
        day = window.start + pd.Timedelta(days=int(org.rep_leave_day[i]))
        for cust in customers["customer_id"].to_numpy()[org.cust_owner == i]:
            handovers.append(
                {
                    "customer_id": cust,
                    "from_rep": rep_ids[i],
                    "to_rep": rep_ids[succ],
                    "effective_date": day,
                    "reason": "离职交接 departure handover",
                }  # fmt: skip
            )
            used.add(cust)
    stable = [c for c in customers["customer_id"] if c not in used and owner[c] in active_all]
    act_counts = acts.loc[acts["customer_id"].isin(stable)].groupby("customer_id").size()
    busy = sorted(act_counts[act_counts >= 30].index)
    order_counts = orders.loc[orders["customer_id"].isin(stable)].groupby("customer_id").size()
    buyers = sorted(order_counts[order_counts >= 6].index)

    def pick(pool: list[str]) -> str | None:
        """A customer not used yet (None when a short window leaves none)."""
        free = [c for c in pool if c not in used]
        if not free:
            return None
        c = free[int(rng.integers(len(free)))]
        used.add(c)
        return c

    # 1. 撞单: an intruder from another team, 4 activities in 4 weeks around the owner's contacts
    new_acts = []
    for _ in range(_N["shared_customer"] * k):
        cust = pick(busy)
        if cust is None:
            break
        own = owner[cust]
        others = [r for r in active_all if reps_team[r] != reps_team[own]]
        mine = acts.loc[(acts["customer_id"] == cust) & (acts["rep_id"] == own), "activity_at"].sort_values()
        if not others or len(mine) < 4:
            continue
        intruder = others[int(rng.integers(len(others)))]
        mid = mine.iloc[int(rng.integers(len(mine) // 4, 3 * len(mine) // 4))]
        for j in range(4):
            at = (mid + pd.Timedelta(days=7 * j - 10)).normalize() + pd.Timedelta(
                hours=int(rng.integers(9, 18)), minutes=int(rng.integers(0, 60))
            )
            if not window.start <= at < window.end:
                continue
            new_acts.append({"rep_id": intruder, "customer_id": cust, "activity_type": ["visit", "call"][j % 2],
                             "activity_at": at, "duration_min": 30.0, "outcome": "有意向"})  # fmt: skip
        near = orders.loc[
            (orders["customer_id"] == cust)
            & (orders["status"] == "paid")
            & ((orders["order_date"] - mid).abs() <= pd.Timedelta(days=20))
        ]
        if len(near):
            base = near["order_id"].iloc[0]
            orders.loc[orders["order_id"].str.removesuffix("-R") == base, "rep_id"] = intruder
        truth.append({"kind": "shared_customer", "customer_id": cust, "rep_a": own, "rep_b": intruder,
                      "planned": False})  # fmt: skip
    if new_acts:
        acts = pd.concat([acts, pd.DataFrame(new_acts)], ignore_index=True)
        acts = acts.sort_values("activity_at", kind="stable").reset_index(drop=True)
        acts["activity_id"] = pd.Series([f"A{i:07d}" for i in range(1, len(acts) + 1)], dtype=STR)

    # 2. duplicate deals: a second rep opens a deal on the same customer 3-20 days later
    deal_custs = sorted(set(deals["customer_id"].dropna()) & set(stable) - used)
    next_id = int(deals["deal_id"].str[1:].astype(int).max()) + 1
    new_deals, new_hist = [], []
    for _ in range(_N["duplicate_deal"] * k):
        cust = pick(deal_custs)
        if cust is None:
            break
        first = deals.loc[deals["customer_id"] == cust].sort_values("created_date").iloc[0]
        mates = [r for r in active_all if r != first["rep_id"] and reps_team[r] == reps_team[owner[cust]]]
        other = mates[int(rng.integers(len(mates)))] if mates else active_all[0]
        created = first["created_date"] + pd.Timedelta(days=int(rng.integers(3, 21)))
        if _day(created, window) >= n_days:
            created = first["created_date"]
        did = f"D{next_id:06d}"
        next_id += 1
        close = created + pd.Timedelta(days=60)
        row = first.to_dict() | {"deal_id": did, "rep_id": other, "created_date": created, "stage": "Qualification",
                                 "status": "open", "probability": 10.0, "close_date": close}  # fmt: skip
        new_deals.append(row)
        new_hist.append({"deal_id": did, "stage": "Qualification", "changed_at": created,
                         "close_date": close, "amount": row["amount"], "probability": 10.0})  # fmt: skip
        truth.append({"kind": "duplicate_deal", "customer_id": cust, "rep_a": first["rep_id"], "rep_b": other,
                      "planned": False})  # fmt: skip
    if new_deals:
        deals = pd.concat([deals, pd.DataFrame(new_deals).astype(deals.dtypes.to_dict())], ignore_index=True)
        history = pd.concat(
            [history, pd.DataFrame(new_hist).astype(history.dtypes.to_dict())], ignore_index=True
        )

    # 3. owner changes: unrecorded (conflicts) and recorded (planned handovers, not conflicts)
    for kind in ("owner_change", "planned"):
        for _ in range(_N[kind] * k):
            cust = pick(buyers)
            if cust is None:
                break
            old = owner[cust]
            mates = [r for r in active_all if r != old and reps_team[r] == reps_team[old]]
            if not mates:
                continue
            new = mates[int(rng.integers(len(mates)))]
            dates = orders.loc[orders["customer_id"] == cust, "order_date"].sort_values()
            change = dates.iloc[len(dates) // 2].normalize()
            later = (orders["customer_id"] == cust) & (orders["order_date"] >= change)
            orders.loc[later, "rep_id"] = new
            acts.loc[(acts["customer_id"] == cust) & (acts["activity_at"] >= change), "rep_id"] = new
            customers.loc[customers["customer_id"] == cust, "owner"] = new
            if kind == "planned":
                handovers.append({"customer_id": cust, "from_rep": old, "to_rep": new, "effective_date": change,
                                  "reason": "客户重新分配 planned reassignment"})  # fmt: skip
            truth.append(
                {"kind": kind, "customer_id": cust, "rep_a": old, "rep_b": new, "planned": kind == "planned"}
            )

    out = dict(tables)
    out.update(orders=orders, activities=acts, deals=deals, deal_stage_history=history, customers=customers)
    out["handovers"] = pd.DataFrame(
        handovers, columns=["customer_id", "from_rep", "to_rep", "effective_date", "reason"]
    ).astype(
        {
            "customer_id": STR,
            "from_rep": STR,
            "to_rep": STR,
            "effective_date": "datetime64[ns]",
            "reason": STR,
        }
    )
    t = pd.DataFrame(truth, columns=["kind", "customer_id", "rep_a", "rep_b", "planned"])
    return out, t
