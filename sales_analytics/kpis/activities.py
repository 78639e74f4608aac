"""Activity KPIs: calls, visits, meetings … per rep and period; activities per won deal; follow-up share."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, DataProblem, require_columns
from sales_analytics.kpis._core import (
    Codes,
    as_datetime,
    bad_rows,
    check_fiscal_start,
    check_grain,
    distinct_pairs,
    drop_adjacent_duplicates,
    encode,
    log,
    month_index,
    period_axis,
    safe_ratio,
)
from sales_analytics.kpis.facts import OrderFacts, _checked, _without_full_refunds
from sales_analytics.kpis.pipeline import deal_status
from sales_analytics.periods import parse_period
from sales_analytics.refunds import normalize_refunds

__all__ = ["ACTIVITY_TYPES", "activity_kpis", "activity_outcomes"]

# activity_type -> output column
ACTIVITY_TYPES = {
    "call": "calls",
    "visit": "visits",
    "meeting": "meetings",
    "email": "emails",
    "message": "messages",
}


def _period_labels(days: np.ndarray, grain: str, fiscal_year_start: int) -> np.ndarray:
    months = month_index(days)
    if len(months) == 0:
        return np.array([], dtype=object)
    axis = period_axis(int(months.min()), int(months.max()), grain, fiscal_year_start)
    return np.asarray(axis.labels, dtype=object)[axis.positions(months)]


def _buyers_followed_up(
    months: np.ndarray,
    rep: Codes,
    cust: Codes,
    is_order: np.ndarray,
    activities: pd.DataFrame,
    grain: str,
    fiscal_year_start: int,
) -> pd.DataFrame:
    """``period, rep_id, active_customers, followed_up_customers`` per period and rep with buyers.

    Active customers: the distinct customers (an empty customer id counts as one) of the rep's
    ``is_order`` rows in the period; followed up: those of them the same rep logged an activity
    with in the period (NaN when the activities have no customer_id). Rows without a rep are
    left out. Counted on integer codes: the activities' rep and customer ids are looked up
    among the orders' distinct ids, so no id column becomes Python objects.
    """
    if len(months):
        axis = period_axis(int(months.min()), int(months.max()), grain, fiscal_year_start)
        labels, period = np.asarray(axis.labels, dtype=object), axis.positions(months).astype(np.int64)
    else:
        labels, period = np.array([], dtype=object), np.zeros(0, dtype=np.int64)
    n_rep, n_cust = max(rep.n, 1), cust.n + 1  # customer code + 1: the empty id (-1) is 0
    sel = np.flatnonzero(is_order & (rep.codes >= 0) & (period >= 0))
    cell = period[sel] * n_rep + rep.codes[sel].astype(np.int64)
    buyer = cust.codes[sel].astype(np.int64) + 1
    # an order's lines are usually adjacent: one row per run before the distinct pairs
    runs = drop_adjacent_duplicates(cell, buyer)
    n_cells = len(labels) * n_rep
    cells, buyers = distinct_pairs(cell[runs], buyer[runs], n_cells, n_cust)
    triples = cells * n_cust + buyers  # sorted: distinct_pairs returns them in key order
    active = np.bincount(cells, minlength=n_cells)
    followed: np.ndarray | None = None
    if "customer_id" in activities.columns:
        a_labels = _period_labels(
            as_datetime(activities, "activities", "activity_at"), grain, fiscal_year_start
        )
        a_period = pd.Index(labels, dtype=object).get_indexer(a_labels).astype(np.int64)
        a_rep = _codes_among(activities["rep_id"], rep.uniques)
        a_cust = _codes_among(activities["customer_id"], cust.uniques)
        ok = (a_period >= 0) & (a_rep >= 0) & (a_cust >= 0)
        touched = np.unique((a_period[ok] * n_rep + a_rep[ok]) * n_cust + (a_cust[ok] + 1))
        hit = np.isin(triples, touched, assume_unique=True)
        followed = np.bincount(cells[hit], minlength=n_cells)
    present = np.flatnonzero(active)
    rep_labels = np.asarray(rep.uniques.astype(object))
    return pd.DataFrame(
        {
            "period": labels[present // n_rep],
            "rep_id": rep_labels[present % n_rep] if len(rep_labels) else np.array([], dtype=object),
            "active_customers": active[present].astype(np.int64),
            "followed_up_customers": followed[present].astype(np.int64) if followed is not None else np.nan,
        }
    )


def _codes_among(values: pd.Series, uniques: pd.Index) -> np.ndarray:
    """For each value, its position in ``uniques`` (-1: empty or not there), compared as text."""
    c = encode(values)
    own = np.asarray(c.uniques.astype(object))
    at = pd.Index(np.asarray(uniques.astype(object)), dtype=object).get_indexer(own)
    return np.where(c.codes >= 0, np.append(at, -1)[c.codes], -1).astype(np.int64)


def _by_values(
    frame: pd.DataFrame,
    table: str,
    by: Sequence[str],
    reps: pd.DataFrame | None,
) -> dict[str, np.ndarray]:
    out = {}
    for col in by:
        if col in frame.columns:
            out[col] = frame[col].astype(object).to_numpy()
        elif reps is not None and col in reps.columns:
            lookup = pd.Series(reps[col].astype(object).to_numpy(), index=reps["rep_id"].astype(str))
            out[col] = frame["rep_id"].astype(str).map(lookup).to_numpy()
        else:
            raise DataError(
                [
                    DataProblem(
                        table,
                        f"cannot group by {col!r}: not a column of {table}"
                        + (" or reps" if reps is not None else " (pass `reps` for team)"),
                        column=col,
                        expected=", ".join(map(str, frame.columns)),
                    )
                ]
            )
    return out


def _rep_grid(
    reps: pd.DataFrame, by: Sequence[str], periods: Sequence[str], fiscal_year_start: int
) -> pd.DataFrame:
    """(period, by…) for active reps from their hire month on."""
    r = reps
    if "active" in r.columns:
        r = r[r["active"].fillna(True).astype(bool).to_numpy()]
    start = (
        month_index(pd.to_datetime(r["hire_date"], errors="coerce").to_numpy(dtype="datetime64[ns]"))
        if "hire_date" in r.columns
        else np.full(len(r), -1)
    )
    rows: list[tuple] = []
    vals = r[list(by)].astype(object).to_numpy()
    for p in periods:
        last = parse_period(p, fiscal_year_start=fiscal_year_start).months()[-1]
        rows.extend((p, *v) for v in vals[start <= last.year * 12 + last.index - 1])
    return pd.DataFrame(rows, columns=["period", *by]).drop_duplicates()


def activity_kpis(
    activities: pd.DataFrame,
    *,
    by: Sequence[str] = ("rep_id",),
    reps: pd.DataFrame | None = None,
    grain: str = "month",
    fiscal_year_start: int = 1,
) -> pd.DataFrame:
    """Count activities by type per period and group.

    Parameters
    ----------
    activities : canonical activities: rep_id, activity_type (call | visit |
        meeting | email | message), activity_at [, customer_id, …]. Other
        types count in ``activities`` only.
    by : group columns of activities or of ``reps`` (team, region).
    reps : canonical reps; when given and ``by`` comes from reps, active reps
        without activities appear with zeros from their hire month on.

    Returns
    -------
    DataFrame
        ``period, <by…>, calls, visits, meetings, emails, messages, activities``.

    Examples
    --------
    >>> a = pd.DataFrame({"rep_id": ["r1", "r1", "r2"], "activity_type": ["call", "visit", "call"],
    ...     "activity_at": pd.to_datetime(["2026-03-02 10:00", "2026-03-03 15:00", "2026-03-09 09:30"])})
    >>> activity_kpis(a)[["period", "rep_id", "calls", "visits", "activities"]]
        period rep_id  calls  visits  activities
    0  2026-03     r1      1       1           2
    1  2026-03     r2      1       0           1
    """
    check_grain(grain)
    check_fiscal_start(fiscal_year_start)
    by = list(by)
    require_columns(activities, "activities", ("rep_id", "activity_type", "activity_at"))
    days = as_datetime(activities, "activities", "activity_at")
    if np.isnat(days).any():
        raise DataError(
            [
                bad_rows(
                    "activities",
                    "activity_at",
                    np.isnat(days),
                    "have no time",
                    "a date and time",
                    activities["activity_at"],
                )
            ]
        )
    types = encode(activities["activity_type"])  # each distinct type named once, not once per row
    names = [ACTIVITY_TYPES.get(str(v).strip().lower(), "other") for v in types.uniques]
    kind = np.asarray([*names, "other"], dtype=object)[types.codes]  # code -1 (empty): the last, other
    if (kind == "other").any():
        log.info("%d activities of other types count in 'activities' only", int((kind == "other").sum()))
    frame = pd.DataFrame(
        {
            "period": _period_labels(days, grain, fiscal_year_start),
            **_by_values(activities, "activities", by, reps),
            "_kind": kind,
        }
    )
    # rows per (period, group) and kind; the groups that occur (a crosstab's full grid of every
    # period with every group, then rows of zeros dropped, gave the same rows at several times the cost)
    counts = (
        frame.groupby(["period", *by, "_kind"], dropna=False, sort=True).size().unstack("_kind", fill_value=0)
        if len(frame)
        else (pd.DataFrame())
    )
    out = counts.reset_index() if len(frame) else pd.DataFrame(columns=["period", *by])
    out.columns.name = None
    for col in [*ACTIVITY_TYPES.values(), "other"]:
        if col not in out.columns:
            out[col] = 0
    out = out[["period", *by, *ACTIVITY_TYPES.values(), "other"]]
    out = out[out[[*ACTIVITY_TYPES.values(), "other"]].sum(axis=1) > 0]
    if reps is not None and by and all(c == "rep_id" or c in reps.columns for c in by) and len(out):
        periods = sorted(set(out["period"]))
        grid = _rep_grid(reps, by, periods, fiscal_year_start)
        out = out.astype({c: object for c in by}).merge(
            grid.astype({c: object for c in by}), on=["period", *by], how="outer"
        )
    cols = [*ACTIVITY_TYPES.values(), "other"]
    out[cols] = out[cols].fillna(0).astype(np.int64)
    out["activities"] = out[cols].sum(axis=1).astype(np.int64)
    out = out.drop(columns="other").sort_values(["period", *by], kind="stable").reset_index(drop=True)
    out["period"] = out["period"].astype("str")
    for col in by:
        out[col] = pd.Series(out[col].to_numpy(dtype=object)).infer_objects()
    return out


def activity_outcomes(
    activities: pd.DataFrame,
    *,
    orders: pd.DataFrame | OrderFacts,
    deals: pd.DataFrame | None = None,
    grain: str = "month",
    fiscal_year_start: int = 1,
) -> pd.DataFrame:
    """Activities per won deal and the share of buying customers followed up, per rep and period.

    Parameters
    ----------
    activities : canonical activities (rep_id, activity_type, activity_at [, customer_id]).
    orders : canonical orders (or their :func:`~sales_analytics.kpis.order_facts`); a rep's
        *active customers* in a period are the customers with a paid order from that rep in it.
    deals : canonical deals (deal_id, rep_id, stage, close_date [, status]);
        won deals are counted in the period of their close date.

    Returns
    -------
    DataFrame
        ``period, rep_id, activities, won_deals, activities_per_won_deal,
        active_customers, followed_up_customers, followup_share``: a customer
        is followed up when the same rep logged an activity with them in the
        period. Ratios are NaN when their base is 0 (or deals are missing).

    Examples
    --------
    >>> a = pd.DataFrame({"rep_id": ["r1"] * 3, "activity_type": "call", "customer_id": ["c1", "c1", "c9"],
    ...     "activity_at": pd.to_datetime(["2026-03-02", "2026-03-04", "2026-03-06"])})
    >>> o = pd.DataFrame({"order_id": ["o1", "o2"], "customer_id": ["c1", "c2"], "rep_id": "r1",
    ...     "order_date": pd.to_datetime(["2026-03-10", "2026-03-11"]), "amount": 10.0})
    >>> activity_outcomes(a, orders=o)[["activities", "active_customers", "followup_share"]]
       activities  active_customers  followup_share
    0           3                 2             0.5
    """
    require_columns(activities, "activities", ("rep_id", "activity_type", "activity_at"))
    acts = activity_kpis(activities, by=["rep_id"], grain=grain, fiscal_year_start=fiscal_year_start)
    acts = acts[["period", "rep_id", "activities"]].astype({"rep_id": object})
    if isinstance(orders, OrderFacts):
        months, is_order = orders.months, orders.is_order
        rep, buyer = orders.codes("rep_id"), orders.customer
    else:
        orders = normalize_refunds(orders)
        days, amount, is_order, counts_revenue = _checked(orders)
        months = month_index(days)
        is_order = _without_full_refunds(is_order, counts_revenue, encode(orders["order_id"]), months, amount)
        rep, buyer = encode(orders["rep_id"]), encode(orders["customer_id"])
    cust = _buyers_followed_up(months, rep, buyer, is_order, activities, grain, fiscal_year_start)
    out = acts.merge(cust, on=["period", "rep_id"], how="outer")
    if deals is not None:
        require_columns(deals, "deals", ("deal_id", "rep_id", "stage"))
        won = deal_status(deals).to_numpy() == "won"
        if "close_date" not in deals.columns:
            raise DataError(
                [
                    DataProblem(
                        "deals",
                        "required column 'close_date' is missing",
                        column="close_date",
                        expected="the close date of won deals",
                    )
                ]
            )
        cdays = as_datetime(deals, "deals", "close_date")
        ok = won & ~np.isnat(cdays)
        w = pd.DataFrame(
            {
                "period": _period_labels(cdays[ok], grain, fiscal_year_start),
                "rep_id": deals["rep_id"].astype(object).to_numpy()[ok],
            }
        )
        wc = w.groupby(["period", "rep_id"], as_index=False).size().rename(columns={"size": "won_deals"})
        out = out.merge(wc, on=["period", "rep_id"], how="left")
        out["won_deals"] = out["won_deals"].fillna(0)
    else:
        out["won_deals"] = np.nan
    out["activities"] = out["activities"].fillna(0).astype(np.int64)
    out["active_customers"] = out["active_customers"].fillna(0).astype(np.int64)
    out["activities_per_won_deal"] = safe_ratio(out["activities"], out["won_deals"])
    out["followup_share"] = safe_ratio(out["followed_up_customers"], out["active_customers"])
    out = out.sort_values(["period", "rep_id"], kind="stable").reset_index(drop=True)
    out["period"] = out["period"].astype("str")
    out["rep_id"] = pd.Series(out["rep_id"].to_numpy(dtype=object)).infer_objects()
    return out[
        [
            "period",
            "rep_id",
            "activities",
            "won_deals",
            "activities_per_won_deal",
            "active_customers",
            "followed_up_customers",
            "followup_share",
        ]
    ]
