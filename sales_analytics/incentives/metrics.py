"""The per-entity metrics frame the boards rank, composed from the KPI module, and statement sheets."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from sales_analytics.incentives.credits import require_columns
from sales_analytics.vocabulary import group_column, renamed_arguments

if TYPE_CHECKING:
    from sales_analytics.kpis import OrderFacts

__all__ = ["incentive_metrics", "statement_tables"]

# survey columns carried from ``sa.rep_satisfaction``: the scores, their count and intervals
SURVEY_COLUMNS = ("csat", "nps", "responses", "csat_ci_low", "csat_ci_high", "nps_moe")


@renamed_arguments(through="period", level="by")
def incentive_metrics(
    orders: pd.DataFrame | OrderFacts,
    reps: pd.DataFrame,
    *,
    targets: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    satisfaction: pd.DataFrame | None = None,
    by: str = "rep_id",
    period: str | None = None,
) -> pd.DataFrame:
    """One row per rep (or team) and month with every metric a board can rank.

    Parameters
    ----------
    orders, reps : canonical tables; ``orders`` may be the prepared
        :class:`~sales_analytics.kpis.OrderFacts` of the orders
        (``sa.order_facts``): a notebook that asks for the rep and the team
        metrics builds them once and passes them to both calls (the frame is
        prepared once per call otherwise, for both KPI passes).
    targets : optional; adds ``target_amount, attainment`` (``sa.attainment``).
    activities : optional; adds ``calls, visits, meetings, emails, messages,
        activities`` (``sa.activity_kpis``).
    satisfaction : optional ``period, rep_id, csat, nps`` (``sa.rep_satisfaction``), per rep only.
    by : ``rep_id`` or ``team``.
    period : drop months after this one (``YYYY-MM``).

    Returns
    -------
    DataFrame
        ``period, rep_id | team, [rep_name, team,] revenue, orders, aov,
        customers, new_customers, returning_customers`` [+ the optional
        columns]; missing activity counts are 0.

    >>> orders = pd.DataFrame({"order_id": ["1", "2"], "order_date": pd.to_datetime(["2026-03-02", "2026-03-09"]),
    ...     "customer_id": ["c1", "c2"], "rep_id": ["r1", "r2"], "amount": [100.0, 250.0]})
    >>> reps = pd.DataFrame({"rep_id": ["r1", "r2"], "rep_name": ["Ann", "Bo"], "team": ["T", "T"]})
    >>> incentive_metrics(orders, reps, by="team")[["period", "team", "revenue", "orders"]]
        period team  revenue  orders
    0  2026-03    T    350.0       2
    """
    from sales_analytics import kpis  # the KPI module computes every metric; this only joins them

    key = group_column(by)
    require_columns(reps, "reps", ["rep_id", "team"])
    # the orders' row facts (checked dates and amounts, months, status flags, full refunds, id
    # codes) prepared once for both passes over them: the sales KPIs and the attainment
    facts = kpis.order_facts(orders)
    out = kpis.sales_kpis(facts, by=[key], reps=reps)
    out = out.drop(columns=[c for c in ("workdays", "revenue_per_workday") if c in out.columns])
    if targets is not None and len(targets):
        att = kpis.attainment(facts, targets, reps=reps, by=key)
        out = out.merge(att[["period", key, "target_amount", "attainment"]], on=["period", key], how="outer")
    if activities is not None and len(activities):
        act = kpis.activity_kpis(activities, by=(key,), reps=reps)
        out = out.merge(act, on=["period", key], how="left")
        counts = [c for c in act.columns if c not in ("period", key)]
        out[counts] = out[counts].fillna(0).astype("float64")
    if satisfaction is not None and len(satisfaction) and key == "rep_id":
        sat = satisfaction[[c for c in ("period", "rep_id", *SURVEY_COLUMNS) if c in satisfaction.columns]]
        out = out.merge(sat.assign(period=sat["period"].astype(str)), on=["period", "rep_id"], how="left")
    out = out.assign(period=out["period"].astype(str), **{key: out[key].astype(str)})
    if key == "rep_id":
        names = reps[["rep_id"] + [c for c in ("rep_name", "team") if c in reps.columns]].assign(
            rep_id=reps["rep_id"].astype(str)
        )
        out = out.merge(names, on="rep_id", how="left")
        front = ["period", "rep_id"] + [c for c in ("rep_name", "team") if c in names.columns]
        out = out[front + [c for c in out.columns if c not in front]]
    if period is not None:
        out = out.loc[out["period"] <= str(period)]
    return out.sort_values(["period", key], kind="stable").reset_index(drop=True)


def _code(team: str, i: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", str(team).lower()).strip("_")
    return slug if slug and slug.isascii() and len(slug) <= 30 else f"team_{i:02d}"


def statement_tables(statements: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Statements split by team as ``incentive_statement_<team code>`` tables (one Excel sheet each).

    The code is the team name in lower_snake ASCII when it has one, else
    ``team_01``, ``team_02`` … in the order of the sorted team names; every
    table keeps its ``team`` column, so a sheet says which team it is.

    >>> s = pd.DataFrame({"period": ["2026-03"] * 3, "team": ["华东一组", "East 2", "华东一组"], "amount": [1.0, 2, 3]})
    >>> {k: len(v) for k, v in statement_tables(s).items()}
    {'incentive_statement_east_2': 1, 'incentive_statement_team_02': 2}
    """
    require_columns(statements, "statements", ["period", "team"])
    teams = sorted(statements["team"].fillna("").astype(str).unique())
    return {
        f"incentive_statement_{_code(t, i)}": statements.loc[
            statements["team"].fillna("").astype(str) == t
        ].reset_index(drop=True)
        for i, t in enumerate(teams, start=1)
    }
