"""The rep scorecard: one row per rep and period joining sales, targets, pipeline, activities, satisfaction."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, DataProblem, require_columns
from sales_analytics.kpis.activities import activity_kpis, activity_outcomes
from sales_analytics.kpis.facts import OrderFacts
from sales_analytics.kpis.pipeline import pipeline_kpis
from sales_analytics.kpis.sales import sales_kpis
from sales_analytics.kpis.targets import attainment
from sales_analytics.periods import Period, parse_period

__all__ = ["SCORECARD_COLUMNS", "rep_scorecard"]

SCORECARD_COLUMNS = (
    "period",
    "rep_id",
    "rep_name",
    "team",
    "revenue",
    "orders",
    "aov",
    "customers",
    "new_customers",
    "returning_customers",
    "target_amount",
    "attainment",
    "open_pipeline",
    "weighted_pipeline",
    "won_deals",
    "win_rate",
    "calls",
    "visits",
    "meetings",
    "activities",
    "activities_per_won_deal",
    "followup_share",
    "csat",
    "nps",
    "survey_responses",
    "csat_ci_low",
    "csat_ci_high",
    "revenue_rank",
)
_SURVEY = ("csat", "nps", "survey_responses", "csat_ci_low", "csat_ci_high")


def _join(left: pd.DataFrame, right: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    if right is None or right.empty:
        return left.assign(**{c: np.nan for c in columns if c not in left.columns})
    right = right[["rep_id", *columns]].astype({"rep_id": object})
    return left.merge(right, on="rep_id", how="left")


def rep_scorecard(
    orders: pd.DataFrame | OrderFacts,
    *,
    reps: pd.DataFrame,
    period: Period | str,
    targets: pd.DataFrame | None = None,
    deals: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    satisfaction: pd.DataFrame | None = None,
    stage_history: pd.DataFrame | None = None,
    fiscal_year_start: int = 1,
    rep_attainment: pd.DataFrame | None = None,
    outcomes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Everything known about each rep in one period, one row per rep.

    Parameters
    ----------
    orders, reps : canonical orders and reps (rep_id, rep_name, team [, hire_date, active]);
        ``orders`` may be their :func:`~sales_analytics.kpis.order_facts`.
    period : a month, quarter or year (fiscal with ``fiscal_year_start``).
    targets, deals, activities, stage_history : optional canonical tables;
        their columns are NaN when a table is not supplied.
    satisfaction : optional per-rep satisfaction from the surveys module:
        rep_id, period, csat, nps [, responses, csat_ci_low, csat_ci_high].
    rep_attainment, outcomes : the tables :func:`attainment` (by rep) and
        :func:`activity_outcomes` already gave for these orders, targets, activities and
        deals at the period's grain, when the caller has them (notebook 02 publishes
        both): used instead of computing them again, which at millions of orders is most
        of the scorecard's cost. Default: computed here.

    Returns
    -------
    DataFrame
        ``period, rep_id, rep_name, team, revenue, orders, aov, customers,
        new_customers, returning_customers, target_amount, attainment,
        open_pipeline, weighted_pipeline, won_deals, win_rate, calls, visits,
        meetings, activities, activities_per_won_deal, followup_share, csat,
        nps, survey_responses, csat_ci_low, csat_ci_high, revenue_rank`` (1 =
        highest revenue; the survey scores with their n and CSAT interval). Reps with sales or active in
        the period, sorted by rep_id.

    Examples
    --------
    >>> o = pd.DataFrame({"order_id": ["o1", "o2"], "customer_id": ["c1", "c2"], "rep_id": ["r1", "r2"],
    ...     "order_date": pd.to_datetime(["2026-03-02", "2026-03-05"]), "amount": [110.0, 50.0]})
    >>> r = pd.DataFrame({"rep_id": ["r1", "r2"], "rep_name": ["Li", "Wang"], "team": ["A", "A"]})
    >>> rep_scorecard(o, reps=r, period="2026-03")[["rep_id", "revenue", "revenue_rank", "attainment"]]
      rep_id  revenue  revenue_rank  attainment
    0     r1    110.0             1         NaN
    1     r2     50.0             2         NaN
    """
    require_columns(reps, "reps", ("rep_id", "rep_name", "team"))
    p = parse_period(period, fiscal_year_start=fiscal_year_start)
    grain = p.grain
    label = str(p)
    sales = sales_kpis(
        orders, by=["rep_id"], reps=reps, grain=grain, fiscal_year_start=fiscal_year_start, periods=[p]
    )
    base = sales.drop(columns=[c for c in ("workdays", "revenue_per_workday") if c in sales.columns])
    base = base.astype({"rep_id": object})
    names = reps[["rep_id", "rep_name", "team"]].astype(object).drop_duplicates("rep_id")
    out = base.merge(names, on="rep_id", how="left")
    if targets is not None:
        att = (
            rep_attainment
            if rep_attainment is not None
            else attainment(orders, targets, reps=reps, grain=grain, fiscal_year_start=fiscal_year_start)
        )
        att = att[att["period"] == label]
        out = _join(out, att, ["target_amount", "attainment"])
    else:
        out = _join(out, None, ["target_amount", "attainment"])
    if deals is not None:
        pipe = pipeline_kpis(deals, stage_history=stage_history, by=["rep_id"], period=p)
        out = _join(out, pipe, ["open_pipeline", "weighted_pipeline", "won_deals", "win_rate"])
    else:
        out = _join(out, None, ["open_pipeline", "weighted_pipeline", "won_deals", "win_rate"])
    if activities is not None:
        acts = activity_kpis(activities, by=["rep_id"], grain=grain, fiscal_year_start=fiscal_year_start)
        out = _join(out, acts[acts["period"] == label], ["calls", "visits", "meetings", "activities"])
        for c in ("calls", "visits", "meetings", "activities"):
            out[c] = out[c].fillna(0)
        res = (
            outcomes
            if outcomes is not None
            else activity_outcomes(
                activities, orders=orders, deals=deals, grain=grain, fiscal_year_start=fiscal_year_start
            )
        )
        out = _join(out, res[res["period"] == label], ["activities_per_won_deal", "followup_share"])
    else:
        out = _join(
            out,
            None,
            ["calls", "visits", "meetings", "activities", "activities_per_won_deal", "followup_share"],
        )
    if satisfaction is not None:
        require_columns(satisfaction, "satisfaction", ("rep_id", "period", "csat", "nps"))
        sat = satisfaction[satisfaction["period"].astype(str) == label]
        if sat["rep_id"].duplicated().any():
            raise DataError(
                [
                    DataProblem(
                        "satisfaction",
                        f"has more than one row for a rep in {label}",
                        column="rep_id",
                        expected="one row per rep and period",
                    )
                ]
            )
        # a survey score is shown with its n and interval (sa.rep_satisfaction gives them)
        sat = sat.rename(columns={"responses": "survey_responses"})
        sat = sat.assign(**{c: np.nan for c in _SURVEY if c not in sat.columns})
        out = _join(out, sat, list(_SURVEY))
    else:
        out = _join(out, None, list(_SURVEY))
    out["revenue_rank"] = out["revenue"].rank(ascending=False, method="min").astype(np.int64)
    out = out.sort_values("rep_id", kind="stable").reset_index(drop=True)
    out["period"] = out["period"].astype("str")
    for c in ("rep_id", "rep_name", "team"):
        out[c] = pd.Series(out[c].to_numpy(dtype=object)).infer_objects()
    return out[list(SCORECARD_COLUMNS)]
