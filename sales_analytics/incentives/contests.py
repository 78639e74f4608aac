"""Sales contests declared in the plan file: standings over a window, qualifiers and winners.

A contest ranks one metric over its own window (which may span months),
among eligible reps or teams; a recurring contest (``recurrence: month`` or
``quarter``) takes the month or quarter containing the report period. Ranking is competition ranking (1, 2, 2, 4).
Only entities reaching ``min_value`` qualify; prizes go by rank among the
qualifiers (tied qualifiers share the prize of their rank). Before the
window ends the standings are provisional (``status = in_progress``) and
nobody is a winner yet.

Metrics over a window: ``revenue`` (net: paid + refunded amounts),
``orders`` (distinct paid orders), ``customers`` (distinct customers),
``new_customers`` (customers whose first order ever falls in the window),
``attainment`` (revenue / the sum of the monthly targets of the months the
window touches), and activity counts ``calls, visits, meetings, emails,
messages, activities``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from sales_analytics.incentives.credits import require_columns
from sales_analytics.incentives.plan import Contest, IncentivePlan
from sales_analytics.periods import Period, month_range, parse_period
from sales_analytics.refunds import normalize_refunds

__all__ = ["contest_results"]

_ACTIVITY_METRICS = {
    "calls": "call",
    "visits": "visit",
    "meetings": "meeting",
    "emails": "email",
    "messages": "message",
}
CONTEST_COLUMNS = [
    "period",
    "contest_id",
    "contest",
    "contest_en",
    "metric",
    "level",
    "window_start",
    "window_end",
    "as_of",
    "status",
    "entity",
    "entity_name",
    "value",
    "rank",
    "tied",
    "qualifies",
    "min_value",
    "prize_rank",
    "prize",
    "prize_amount",
    "winner",
]


class _OrderFacts:
    """What the order contests read, prepared once per call: integer codes for the ids.

    Every contest used to rebuild the window's orders as a frame and group them by
    text; at 10M order rows a contest cost seconds. The rep, order and customer ids
    become codes (:func:`sales_analytics.kpis._core.encode`, shared with the KPI
    functions); the sums still go through pandas' group-by in row order, so they are
    the same floating-point numbers as before.
    """

    def __init__(self, orders: pd.DataFrame, team_of: pd.Series):
        from sales_analytics.kpis._core import encode

        o = normalize_refunds(orders)  # an order refunded in full adds nothing (sales_analytics.refunds)
        status = (
            o["status"].fillna("paid").astype(str)
            if "status" in o.columns
            else pd.Series("paid", index=o.index)
        )
        self.orders = o
        od = pd.to_datetime(o["order_date"])
        self.od = od
        self.live = (status != "cancelled").to_numpy(dtype=bool)
        self.paid = (status == "paid").to_numpy(dtype=bool)
        reps = encode(o["rep_id"].astype(str))
        rep_labels = pd.Series(np.asarray(reps.uniques, dtype=object), dtype=object)
        team_codes, team_names = pd.factorize(rep_labels.map(team_of))
        rep_codes = np.asarray(reps.codes)
        self.keys = {
            "rep_id": (rep_codes, np.asarray(rep_labels, dtype=object)),
            "team": (np.append(team_codes, -1)[rep_codes], np.asarray(team_names, dtype=object)),
        }

    def window(self, lo: pd.Timestamp, hi: pd.Timestamp) -> np.ndarray:
        return self.live & ((self.od >= lo) & (self.od < hi)).to_numpy(dtype=bool)

    def _codes(self, column: str) -> np.ndarray:
        from sales_analytics.kpis._core import encode

        return np.asarray(encode(self.orders[column].astype(str)).codes)

    def total(self, key: str, rows: np.ndarray) -> pd.Series:
        """The amounts of ``rows`` (a mask) summed per entity, sorted by entity."""
        codes, labels = self.keys[key]
        m = rows & (codes >= 0)
        sums = self.orders["amount"][m].reset_index(drop=True).groupby(codes[m]).sum()
        return pd.Series(sums.to_numpy(), index=labels[sums.index.to_numpy()]).sort_index().astype(float)

    def distinct(self, key: str, rows: np.ndarray, column: str) -> pd.Series:
        """Distinct non-empty ``column`` values among ``rows`` per entity (entities with rows), sorted."""
        codes, labels = self.keys[key]
        m = rows & (codes >= 0)
        k = codes[m].astype(np.int64)
        item = self._codes(column)[m].astype(np.int64)
        present = np.unique(k)
        ok = item >= 0
        pairs = np.unique(k[ok] * (int(item.max(initial=0)) + 1) + item[ok])
        counts = np.bincount(pairs // (int(item.max(initial=0)) + 1), minlength=len(labels))
        return pd.Series(counts[present].astype(float), index=labels[present]).sort_index()

    def first_order_day(self) -> np.ndarray:
        """Per row, the day of its customer's first live order ever (NaT-free int64 ns; max when none)."""
        cust = self._codes("customer_id")
        none = np.iinfo(np.int64).max
        days = self.od.to_numpy(dtype="datetime64[ns]").view(np.int64)
        valid = self.live & (cust >= 0) & ~np.isnat(self.od.to_numpy(dtype="datetime64[ns]"))
        first = np.full(int(cust.max(initial=-1)) + 2, none, dtype=np.int64)
        np.minimum.at(first, cust[valid], days[valid])
        return first[cust]  # code -1 reads the last slot: none


def _window_values(
    contest: Contest,
    facts: _OrderFacts | None,
    activities: pd.DataFrame | None,
    targets: pd.DataFrame | None,
    team_of: pd.Series,
    as_of: date,
) -> pd.Series:
    key = "rep_id" if contest.level == "rep" else "team"
    lo, hi = pd.Timestamp(contest.start), pd.Timestamp(as_of) + pd.Timedelta(days=1)
    metric = contest.metric
    if metric in _ACTIVITY_METRICS or metric == "activities":
        if activities is None:
            return pd.Series(dtype=float)
        require_columns(activities, "activities", ["rep_id", "activity_type", "activity_at"])
        at = pd.to_datetime(activities["activity_at"])
        if getattr(at.dt, "tz", None) is not None:
            at = at.dt.tz_localize(None)
        m = (at >= lo) & (at < hi)
        if metric != "activities":
            m &= activities["activity_type"] == _ACTIVITY_METRICS[metric]
        sel = activities.loc[m, ["rep_id"]].assign(rep_id=lambda f: f["rep_id"].astype(str))
        sel = sel.assign(team=sel["rep_id"].map(team_of))
        return sel.groupby(key).size().astype(float)
    assert facts is not None  # prepared for every contest on orders
    m = facts.window(lo, hi)
    if metric in ("revenue", "attainment"):
        values = facts.total(key, m)
        if metric == "revenue":
            return values
        assert contest.start is not None
        months = [str(p) for p in month_range(Period.of(contest.start), Period.of(as_of))]
        if targets is None or key not in targets.columns:
            return pd.Series(dtype=float)
        t = targets.loc[targets["period"].astype(str).isin(months) & targets[key].notna()]
        goal = t.assign(**{key: t[key].astype(str)}).groupby(key)["target_amount"].sum()
        return (values.reindex(goal.index).fillna(0.0) / goal.where(goal > 0)).dropna()
    if metric == "orders":
        return facts.distinct(key, m & facts.paid, "order_id")
    require_columns(facts.orders, "orders", ["customer_id"])
    if metric == "customers":
        return facts.distinct(key, m, "customer_id")
    new = m & (facts.first_order_day() >= lo.value)
    return facts.distinct(key, new, "customer_id")


def contest_results(
    orders: pd.DataFrame,
    reps: pd.DataFrame,
    plan: IncentivePlan | Sequence[Contest],
    *,
    period: str | Period,
    activities: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Standings of every contest whose window overlaps ``period``.

    Parameters
    ----------
    orders : canonical orders (``order_id, order_date, rep_id, amount`` [,
        ``status, customer_id``]).
    reps : ``rep_id, team`` [, ``rep_name, active``]; entities are the eligible
        reps (or teams), listed even with nothing yet.
    plan : the incentive plan (its ``contests``) or a list of contests.
    period : the report month; standings are as of its last day (or the
        window end, when earlier).
    activities, targets : needed for activity and attainment contests.

    Returns
    -------
    DataFrame
        ``period, contest_id, contest, contest_en, metric, level, window_start,
        window_end, as_of, status, entity, entity_name, value, rank, tied,
        qualifies, min_value, prize_rank, prize, prize_amount, winner``.

    >>> from sales_analytics.incentives.plan import Contest
    >>> c = Contest(id="q1", name="一季度冲刺", metric="revenue", start="2026-01-01", end="2026-03-31",
    ...             min_value=100, prizes=[{"rank": 1, "prize": "trip"}])
    >>> orders = pd.DataFrame({"order_id": ["1", "2", "3"], "rep_id": ["a", "b", "a"], "amount": [80.0, 90.0, 50.0],
    ...     "order_date": pd.to_datetime(["2026-01-05", "2026-02-01", "2026-03-31"])})
    >>> reps = pd.DataFrame({"rep_id": ["a", "b"], "team": ["T", "T"]})
    >>> contest_results(orders, reps, [c], period="2026-03")[["entity", "value", "rank", "qualifies", "winner"]]
      entity  value  rank  qualifies  winner
    0      a  130.0     1       True    True
    1      b   90.0     2      False   False
    """
    contests = plan.contests if isinstance(plan, IncentivePlan) else list(plan)
    require_columns(orders, "orders", ["order_id", "order_date", "rep_id", "amount"])
    require_columns(reps, "reps", ["rep_id", "team"])
    p = parse_period(period)
    reps = reps.assign(rep_id=reps["rep_id"].astype(str))
    team_of = reps.set_index("rep_id")["team"].astype(str)
    name_of = (
        reps.set_index("rep_id")["rep_name"].astype(str)
        if "rep_name" in reps.columns
        else pd.Series(dtype=str)
    )
    frames = []
    facts: _OrderFacts | None = None  # prepared at the first contest on orders
    for c in contests:
        if c.recurrence != "none":
            window = p if c.recurrence == "month" else p.rollup("quarter")
            c = c.model_copy(update={"start": window.start, "end": window.end})
        assert c.start is not None and c.end is not None  # the plan requires both for a one-off contest
        if c.end < p.start or c.start > p.end:
            continue
        as_of = min(c.end, p.end)
        if facts is None and c.metric not in _ACTIVITY_METRICS and c.metric != "activities":
            facts = _OrderFacts(orders, team_of)
        values = _window_values(c, facts, activities, targets, team_of, as_of)
        if c.level == "rep":
            roster = reps
            if "active" in roster.columns:
                roster = roster.loc[roster["active"].fillna(True).astype(bool)]
            entities = list(roster["rep_id"])
        else:
            entities = sorted(reps["team"].dropna().astype(str).unique())
        if c.eligible:
            entities = [e for e in entities if e in set(c.eligible)] + [
                e for e in c.eligible if e not in set(entities)
            ]
        else:
            entities = list(dict.fromkeys(entities + [e for e in values.index if e not in set(entities)]))
        value = values.reindex(entities).fillna(0.0).astype(float).to_numpy()
        f = pd.DataFrame({"entity": entities, "value": value})
        f = f.assign(rank=f["value"].rank(method="min", ascending=False).astype("int64"))
        f = f.assign(
            tied=f.groupby("rank")["rank"].transform("size") > 1, qualifies=f["value"] >= c.min_value
        )
        prize_rank = f["value"].where(f["qualifies"]).rank(method="min", ascending=False)
        f = f.assign(prize_rank=prize_rank.astype("Int64"))
        prize_name = {pr.rank: pr.prize for pr in c.prizes}
        prize_value = {pr.rank: float(pr.amount) for pr in c.prizes}
        ranks = f["prize_rank"].astype("float64")
        f = f.assign(
            prize=ranks.map(prize_name).astype("str").fillna(""),
            prize_amount=ranks.map(prize_value).fillna(0.0).astype(float),
        )
        final = c.end <= p.end
        f = f.assign(winner=(f["prize"] != "") & final)
        names = f["entity"].map(name_of).astype("str") if c.level == "rep" else f["entity"]
        f = f.assign(
            period=str(p),
            contest_id=c.id,
            contest=c.name,
            contest_en=c.name_en or c.name,
            metric=c.metric,
            level=c.level,
            window_start=pd.Timestamp(c.start),
            window_end=pd.Timestamp(c.end),
            as_of=pd.Timestamp(as_of),
            status="final" if final else "in_progress",
            entity_name=names.fillna("").astype(str),
            min_value=float(c.min_value),
        )
        frames.append(f.sort_values(["rank", "entity"], kind="stable"))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CONTEST_COLUMNS})
    out = pd.concat(frames, ignore_index=True)[CONTEST_COLUMNS]
    return out.astype(
        {"entity": "str", "value": "float64", "tied": "bool", "qualifies": "bool", "winner": "bool"}
    ).reset_index(drop=True)
