"""The organisation: teams, reps, customers and the product list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sales_analytics.sample_data._common import STR, Window, arrow_str, make_ids, take_str
from sales_analytics.sample_data._names import (
    BRAND_WORDS,
    CATEGORIES,
    INDUSTRIES_B2B,
    INDUSTRY_B2C,
    PHONE_PREFIXES,
    REGION_ORDER,
    REGIONS,
    SURNAMES,
    TEAM_NUMERALS,
    person_names,
)
from sales_analytics.sample_data._spec import SizeSpec


@dataclass
class Org:
    """The public reps/customers tables plus the hidden state the other tables need.

    Day numbers count from the first day of the window (0); a rep who never
    leaves has ``leave_day == n_days``; hire days before the window are negative.
    """

    reps: pd.DataFrame
    customers: pd.DataFrame
    n_days: int
    team_names: list[str]
    team_regions: list[str]
    rep_team: np.ndarray
    rep_hire_day: np.ndarray
    rep_leave_day: np.ndarray
    rep_prod: np.ndarray
    team_leader: np.ndarray
    rep_successor: np.ndarray
    cust_b2b: np.ndarray
    cust_weight: np.ndarray
    cust_start_day: np.ndarray
    cust_end_day: np.ndarray
    cust_owner: np.ndarray
    product_ids: list[str]
    product_cat: np.ndarray
    product_price: np.ndarray
    category_names: list[str]

    @property
    def rep_ids(self) -> list[str]:
        return self.reps["rep_id"].tolist()

    def successor(self, rep: np.ndarray) -> np.ndarray:
        """Who takes over a rep's customers when the rep leaves (the replacement hire)."""
        return self.rep_successor[rep]


def _team_layout(spec: SizeSpec) -> tuple[list[str], list[str]]:
    names, regions, used = [], [], {r: 0 for r in REGION_ORDER}
    for i in range(len(spec.team_sizes)):
        region = REGION_ORDER[i % len(REGION_ORDER)]
        names.append(f"{region}{TEAM_NUMERALS[used[region] % len(TEAM_NUMERALS)]}组")
        used[region] += 1
        regions.append(region)
    return names, regions


def make_reps(rng: np.random.Generator, spec: SizeSpec, window: Window) -> dict[str, Any]:
    """Reps, teams, leaders, hire/leave days and productivity."""
    n_days = len(window.days)
    team_names, team_regions = _team_layout(spec)
    rep_team = np.repeat(np.arange(len(spec.team_sizes)), spec.team_sizes)
    n = len(rep_team)
    starts = np.concatenate([[0], np.cumsum(spec.team_sizes)[:-1]])
    is_leader = np.zeros(n, dtype=bool)
    is_leader[starts] = True

    hire_day = -rng.integers(180, 6 * 365, n)  # veterans hired 0.5-6 years before the window
    leave_day = np.full(n, n_days)
    successor = starts[rep_team].copy()  # by default the team leader takes over
    # Leavers and their replacement rookies, in pairs within a team (the rookie is hired up to
    # 45 days before the leaver goes and takes over the leaver's customers).
    free = {
        t: list(rng.permutation(np.flatnonzero((rep_team == t) & ~is_leader))) for t in range(len(starts))
    }
    n_pairs = max(1, round(0.15 * int((~is_leader).sum())))
    pairs: list[tuple[int, int]] = []
    for t in rng.permutation(len(starts)).tolist() * n_pairs:
        if len(pairs) == n_pairs:
            break
        if len(free[t]) >= 2:
            pairs.append((int(free[t].pop()), int(free[t].pop())))
    for leaver, rookie in pairs:
        leave_day[leaver] = rng.integers(int(0.3 * n_days), int(0.85 * n_days))
        hire_day[rookie] = leave_day[leaver] - rng.integers(0, 46)
        successor[leaver] = rookie
    prod = rng.lognormal(0.0, 0.35, n) * np.where(is_leader, 1.15, 1.0)

    zh, en = person_names(rng, n)
    rep_ids = [f"R{i + 1:03d}" for i in range(n)]
    leader_of_team = starts
    manager = [None if is_leader[i] else rep_ids[leader_of_team[rep_team[i]]] for i in range(n)]
    reps = pd.DataFrame(
        {
            "rep_id": pd.Series(rep_ids, dtype=STR),
            "rep_name": pd.Series(zh, dtype=STR),
            "rep_name_en": pd.Series(en, dtype=STR),
            "team": pd.Series([team_names[t] for t in rep_team], dtype=STR),
            "region": pd.Series([team_regions[t] for t in rep_team], dtype=STR),
            "manager": pd.Series(manager, dtype=STR),
            "hire_date": (window.start + pd.to_timedelta(hire_day, unit="D")).astype("datetime64[ns]"),
            "active": leave_day >= n_days,
        }
    )
    return {
        "reps": reps,
        "team_names": team_names,
        "team_regions": team_regions,
        "rep_team": rep_team,
        "rep_hire_day": hire_day,
        "rep_leave_day": leave_day,
        "rep_prod": prod,
        "team_leader": leader_of_team,
        "rep_successor": successor,
    }


def _products(rng: np.random.Generator) -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    cats = list(CATEGORIES)
    ids: list[str] = []
    cat_idx: list[int] = []
    price: list[float] = []
    for c, (_, _, base, names) in enumerate(CATEGORIES.values()):
        for _name in names:
            ids.append(f"P{len(ids) + 1:03d}")
            cat_idx.append(c)
            price.append(round(base * float(rng.lognormal(0.0, 0.35)), -1))
    return ids, np.array(cat_idx), np.array(price), cats


def _assign_owners(
    rng: np.random.Generator,
    start_day: np.ndarray,
    hire_day: np.ndarray,
    leave_day: np.ndarray,
    weight: np.ndarray,
) -> np.ndarray:
    """For each customer, a rep employed on the customer's first active day (weighted by productivity)."""
    owner = np.empty(len(start_day), dtype=np.int64)
    cut_points = np.unique(np.concatenate([hire_day, leave_day, [start_day.min(), start_day.max() + 1]]))
    bucket = np.searchsorted(cut_points, start_day, side="right") - 1
    for b in np.unique(bucket):
        rows = np.flatnonzero(bucket == b)
        day = cut_points[b]
        ok = (hire_day <= day) & (leave_day > day)
        w = np.where(ok, weight, 0.0)
        owner[rows] = rng.choice(len(w), size=len(rows), p=w / w.sum())
    return owner


def make_customers(
    rng: np.random.Generator, spec: SizeSpec, window: Window, reps: dict[str, Any]
) -> dict[str, Any]:
    """Customers with their segment, purchase propensity, active span and owner."""
    n = spec.customers
    n_days = len(window.days)
    b2b = rng.random(n) < spec.b2b_share
    # Purchase propensity: lognormal, far wider for B2C (many one-off buyers) than for B2B.
    weight = np.where(b2b, rng.lognormal(0.8, 0.9, n), rng.lognormal(-3.0, 2.2, n))
    existing = rng.random(n) < 0.5
    created = np.where(existing, -rng.integers(1, 3 * 365, n), rng.integers(0, n_days, n))
    start_day = np.maximum(created, 0)
    end_day = np.minimum(start_day + 1 + rng.exponential(np.where(b2b, 1200, 500)).astype(np.int64), n_days)

    hire_day, leave_day = reps["rep_hire_day"], reps["rep_leave_day"]
    owner0 = _assign_owners(rng, start_day, hire_day, leave_day, reps["rep_prod"])
    rep_team = reps["rep_team"]
    current_owner = np.where(leave_day[owner0] < n_days, reps["rep_successor"][owner0], owner0)
    region_names = reps["team_regions"]
    region = np.array([region_names[t] for t in rep_team])[owner0]

    ids = make_ids("C", np.arange(1, n + 1), 6)
    customer_name = _customer_names(rng, b2b, region)
    industry_keys = list(INDUSTRIES_B2B)
    industry = take_str(
        industry_keys + [INDUSTRY_B2C],
        np.where(b2b, rng.integers(0, len(industry_keys), n), len(industry_keys)),
    )
    phone = arrow_str(
        pc.binary_join_element_wise(
            pa.array(np.array(PHONE_PREFIXES)[rng.integers(0, len(PHONE_PREFIXES), n)]),
            pc.utf8_lpad(pc.cast(pa.array(rng.integers(0, 10_000, n)), pa.string()), 4, "0"),
            "****",
        )
    )
    email_num = pc.cast(pa.array(rng.integers(10_000, 99_999, n)), pa.string())
    email = arrow_str(
        pc.if_else(
            pa.array(b2b),
            pc.binary_join_element_wise("purchase", email_num, "@corp.example.cn", ""),
            pc.binary_join_element_wise("user", email_num, "@mail.example.com", ""),
        )
    )
    rep_ids = reps["reps"]["rep_id"].tolist()
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "customer_name": customer_name,
            "customer_type": take_str(["B2C", "B2B"], b2b.astype(np.int64)),
            "region": pd.Series(region, dtype=STR),
            "industry": industry,
            "created_date": (window.start + pd.to_timedelta(created, unit="D")).astype("datetime64[ns]"),
            "owner": take_str(rep_ids, current_owner),
            "contact_phone": phone,
            "contact_email": email,
        }
    )
    pids, pcat, price, cats = _products(rng)
    return {
        "customers": customers,
        "cust_b2b": b2b,
        "cust_weight": weight,
        "cust_start_day": start_day,
        "cust_end_day": end_day,
        "cust_owner": owner0,
        "product_ids": pids,
        "product_cat": pcat,
        "product_price": price,
        "category_names": cats,
    }


def _customer_names(rng: np.random.Generator, b2b: np.ndarray, region: np.ndarray) -> pd.Series:
    """上海云启网络科技有限公司 for companies, 王*华 (masked) for individuals."""
    n = len(b2b)
    cities = np.empty(n, dtype=object)
    for r, names in REGIONS.items():
        rows = np.flatnonzero(region == r)
        cities[rows] = np.array(names, dtype=object)[rng.integers(0, len(names), len(rows))]
    brands = np.array(BRAND_WORDS, dtype=object)[rng.integers(0, len(BRAND_WORDS), n)]
    suffix = np.array(list(INDUSTRIES_B2B.values()), dtype=object)[rng.integers(0, len(INDUSTRIES_B2B), n)]
    company = pc.binary_join_element_wise(
        pa.array(cities, pa.string()),
        pa.array(brands, pa.string()),
        pa.array(suffix, pa.string()),
        "有限公司",
        "",
    )
    surname = np.array([s for s, _ in SURNAMES], dtype=object)[rng.integers(0, len(SURNAMES), n)]
    tail = np.array(["先生", "女士", "*", "**"], dtype=object)[rng.integers(0, 4, n)]
    person = pc.binary_join_element_wise(pa.array(surname, pa.string()), pa.array(tail, pa.string()), "")
    return arrow_str(pc.if_else(pa.array(b2b), company, person))


def make_org(
    rng_reps: np.random.Generator, rng_customers: np.random.Generator, spec: SizeSpec, window: Window
) -> Org:
    reps = make_reps(rng_reps, spec, window)
    cust = make_customers(rng_customers, spec, window, reps)
    return Org(
        reps=reps["reps"],
        customers=cust["customers"],
        n_days=len(window.days),
        team_names=reps["team_names"],
        team_regions=reps["team_regions"],
        rep_team=reps["rep_team"],
        rep_hire_day=reps["rep_hire_day"],
        rep_leave_day=reps["rep_leave_day"],
        rep_prod=reps["rep_prod"],
        team_leader=reps["team_leader"],
        rep_successor=reps["rep_successor"],
        cust_b2b=cust["cust_b2b"],
        cust_weight=cust["cust_weight"],
        cust_start_day=cust["cust_start_day"],
        cust_end_day=cust["cust_end_day"],
        cust_owner=cust["cust_owner"],
        product_ids=cust["product_ids"],
        product_cat=cust["product_cat"],
        product_price=cust["product_price"],
        category_names=cust["category_names"],
    )
