"""Churn risk: customers overdue relative to their own purchase rhythm, with the owning rep.

A customer's rhythm is the median gap between their distinct purchase days.
With fewer than ``min_orders`` purchase days there is no rhythm of their own,
so the typical rhythm of repeat customers (median of their medians) stands in.
A customer is at risk when ``days since last purchase / usual gap ≥ threshold``
and at least ``min_days`` have passed without a purchase.
The list is ranked by value at risk: the customer's net spend per year of
tenure (tenure counted as at least one year, so new customers are not
inflated).

The list is meant to be handed out, so it never carries contact data: only
the whitelisted columns are returned, and any column named like a phone,
e-mail, mobile, address or WeChat field is dropped
(:func:`sales_analytics.privacy.without_contact_columns`, the package's one contact pattern).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.customers._orders import (
    CustomerOrders,
    check_columns,
    days_to_datetime,
    factorize,
    group_min_max,
    order_rows,
)
from sales_analytics.kpis._core import index_in
from sales_analytics.periods import Period
from sales_analytics.privacy import without_contact_columns
from sales_analytics.vocabulary import renamed_arguments

__all__ = ["churn_risk", "owner_reps", "without_contact_columns"]

# The customers table's owner column: canonical ``rep_id``; CRM exports and the sample call it ``owner``.
OWNER_COLUMNS = ("rep_id", "owner", "owner_rep_id", "owner_id")


def owner_reps(
    orders: pd.DataFrame, customers: pd.DataFrame | None = None, reps: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The rep who owns each customer: the customers table's owner when set, else the rep of the last order.

    Parameters
    ----------
    orders : canonical orders ``order_id, order_date, customer_id, rep_id[, status]``.
    customers : optional canonical customers with an owner column (``rep_id``, or ``owner``).
    reps : optional canonical reps ``rep_id, rep_name`` (adds ``rep_name``).

    Returns
    -------
    DataFrame ``customer_id, rep_id, owner_source`` (``owner`` | ``last_order``) ``[, rep_name]``,
    one row per customer with orders.

    Examples
    --------
    >>> orders = pd.DataFrame({"order_id": ["o1", "o2", "o3"], "customer_id": ["a", "a", "b"],
    ...     "order_date": pd.to_datetime(["2026-01-05", "2026-02-01", "2026-01-09"]),
    ...     "rep_id": ["r1", "r2", "r1"], "amount": [1.0, 1.0, 1.0]})
    >>> owner_reps(orders, pd.DataFrame({"customer_id": ["b"], "rep_id": ["r9"]}))
      customer_id rep_id owner_source
    0           a     r2   last_order
    1           b     r9        owner
    """
    if isinstance(orders, CustomerOrders):
        orders = orders.frame
    check_columns(orders, ("order_date", "customer_id", "rep_id"))
    paid = np.ones(len(orders), dtype=bool)
    if "status" in orders.columns:
        paid = ((orders["status"] == "paid") | orders["status"].isna()).fillna(True).to_numpy(dtype=bool)
    codes, uniques = factorize(orders["customer_id"])
    sel = np.flatnonzero(paid & (codes >= 0))
    when = orders["order_date"].to_numpy(dtype="datetime64[ns]").view(np.int64)[sel]
    code = codes[sel].astype(np.int64)
    # Each customer's last order: the latest date, and of several on that date the last in file
    # order. Two unbuffered maxima instead of sorting every paid row by customer and date (a
    # lexsort of 10M rows: 2 CPU s).
    latest = np.full(len(uniques), np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(latest, code, when)
    on_latest = when == latest[code]
    last_row = np.full(len(uniques), -1, dtype=np.int64)
    np.maximum.at(last_row, code[on_latest], sel[on_latest])
    with_row = np.flatnonzero(last_row >= 0)  # customer codes in ascending order, as the sort gave
    rows = last_row[with_row]
    last = pd.DataFrame(
        {
            "customer_id": np.asarray(uniques.take(with_row)),
            "rep_id": orders["rep_id"].array.take(rows),  # not 10M Python strings for a few thousand
            "owner_source": "last_order",
        }
    )
    owner_col = None
    if customers is not None:
        owner_col = next((c for c in OWNER_COLUMNS if c in customers.columns), None)
    if customers is not None and owner_col is not None:
        own = customers.loc[
            customers[owner_col].notna() & (customers[owner_col] != ""), ["customer_id", owner_col]
        ]
        own = (
            own.rename(columns={owner_col: "rep_id"})
            .drop_duplicates("customer_id")
            .assign(owner_source="owner")
        )
        owned = (
            index_in(last["customer_id"], pd.Index(own["customer_id"])) >= 0
        )  # ids are distinct after dedup
        last = pd.concat([own, last.loc[~owned]], ignore_index=True)
    out = last.sort_values("customer_id", kind="stable").reset_index(drop=True)
    if reps is not None and {"rep_id", "rep_name"} <= set(reps.columns):
        out = out.merge(reps[["rep_id", "rep_name"]].drop_duplicates("rep_id"), on="rep_id", how="left")
    return out


def _purchase_rhythm(codes: np.ndarray, days: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per customer: number of distinct purchase days and median gap between them (NaN if < 2)."""
    key = np.sort(codes.astype(np.int64) * (1 << 32) + (days - days.min() if len(days) else days))
    key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key  # distinct (customer, day), sorted
    c = key >> 32
    d = key & ((1 << 32) - 1)
    n_days = np.bincount(c, minlength=n)
    same = c[1:] == c[:-1]
    gaps = pd.Series((d[1:] - d[:-1])[same].astype(np.float64))
    median = gaps.groupby(c[1:][same]).median()
    med = np.full(n, np.nan)
    med[median.index.to_numpy()] = median.to_numpy()
    return n_days, med


@renamed_arguments(threshold="churn_threshold")
def churn_risk(
    orders: pd.DataFrame,
    rfm: pd.DataFrame,
    *,
    period: Period | str,
    customers: pd.DataFrame | None = None,
    reps: pd.DataFrame | None = None,
    clv: pd.DataFrame | None = None,
    churn_threshold: float = 2.0,
    min_orders: int = 2,
    min_days: int = 30,
    lookback_months: int = 0,
    top_n: int | None = 50,
    lapsed_p_alive: float = 0.05,
    owners: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Customers overdue relative to their own rhythm, ranked by whom to call first.

    Parameters
    ----------
    orders : canonical orders ``order_id, order_date, customer_id, rep_id, amount[, status]``.
    rfm : customer-level RFM of the same period (``customer_id, scored, frequency, monetary[, segment,
        segment_zh, segment_en]``); customers not scored are not listed.
    customers, reps : optional canonical tables for the owner (``rep_id``), ``customer_name`` and ``rep_name``.
    clv : optional :func:`customer_clv` output; adds ``p_alive`` and ``clv``.
    churn_threshold : at risk when ``gap_ratio ≥ churn_threshold`` (``customers.churn_threshold``).
    min_orders : purchase days needed to use the customer's own rhythm.
    min_days : never at risk before this many days without a purchase (a customer who buys every
        two days is not lost after five quiet days).
    top_n : keep the first ``top_n`` rows (``None`` = all at-risk customers); ``at_risk_total``
        still counts them all.
    lapsed_p_alive : with ``clv``, a customer whose BG/NBD probability of still buying is below
        this is *lapsed* (a win-back case), otherwise *slipping* (a call can still keep them).
    owners : :func:`owner_reps` of the same ``orders``, ``customers`` and ``reps`` when the caller
        has it already (the notebook computes it once for the downgrades too); computed here otherwise.

    Returns
    -------
    DataFrame ``period, rank, customer_id[, customer_name][, segment, segment_zh, segment_en], rep_id[, rep_name],
    owner_source, last_order_date, days_since_last, usual_gap_days, rhythm`` (``own`` | ``typical``),
    ``gap_ratio, orders, monetary, value_at_risk[, p_alive, clv], stage`` (``slipping`` |
    ``lapsed``), ``reason_zh, reason_en`` (why this customer, in one line) and
    ``at_risk_total`` (every at-risk customer, before ``top_n``). Ranked: slipping before
    lapsed, each by ``value_at_risk`` (net spend per year). No contact columns.

    A heavy buyer who has stopped gets a BG/NBD ``p_alive`` near 0 (and so a
    CLV near 0): after many purchases at a steady rhythm, a silence of dozens of
    gaps is, to the model, strong evidence that the customer has left. That is
    the model working, not a unit error; such customers are ranked after the
    slipping ones and their reason says a win-back offer fits better than a call.

    Examples
    --------
    >>> orders = pd.DataFrame({"order_id": ["o1", "o2", "o3", "o4", "o5"],
    ...     "order_date": pd.to_datetime(["2025-10-01", "2025-10-11", "2025-10-21", "2026-03-20", "2026-03-30"]),
    ...     "customer_id": ["a", "a", "a", "b", "b"], "rep_id": "r1", "amount": 100.0})
    >>> rfm = pd.DataFrame({"customer_id": ["a", "b"], "scored": True, "frequency": [3, 2],
    ...                     "monetary": [300.0, 200.0]})
    >>> churn_risk(orders, rfm, period="2026-03")[["customer_id", "days_since_last", "usual_gap_days",
    ...                                            "gap_ratio"]]
      customer_id  days_since_last  usual_gap_days  gap_ratio
    0           a              162            10.0       16.2
    """
    rows = order_rows(orders, period, lookback_months)
    n = rows.n_customers
    buy = rows.purchase
    n_days, own_gap = _purchase_rhythm(rows.code[buy], rows.day[buy], n)
    has_own = (n_days >= min_orders) & np.isfinite(own_gap) & (own_gap > 0)
    typical = float(np.median(own_gap[has_own])) if has_own.any() else np.nan
    usual = np.where(has_own, own_gap, typical)
    first, last = group_min_max(rows.code[buy], rows.day[buy], n)
    as_of_day = rows.end_day + 1
    bought = n_days > 0
    since = np.where(bought, as_of_day - last, -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = since / usual
    base = pd.DataFrame(
        {
            "customer_id": rows.customers.to_numpy(),
            "last_order_date": days_to_datetime(last),
            "days_since_last": since,
            "usual_gap_days": usual,
            "rhythm": np.where(has_own, "own", "typical"),
            "gap_ratio": ratio,
            "tenure_days": np.where(bought, as_of_day - first, 0),
        }
    )
    cols = ["customer_id", "frequency", "monetary"] + [
        c for c in ("segment", "segment_zh", "segment_en") if c in rfm.columns
    ]
    scored = rfm.loc[rfm["scored"].to_numpy(dtype=bool), cols].rename(columns={"frequency": "orders"})
    risk = scored.merge(base, on="customer_id", how="inner")
    risk = risk.loc[
        np.isfinite(risk["gap_ratio"])
        & (risk["gap_ratio"] >= churn_threshold)
        & (risk["days_since_last"] >= min_days)
    ]
    years = np.maximum(risk["tenure_days"].to_numpy(dtype=np.float64) / 365.25, 1.0)
    risk = risk.assign(value_at_risk=risk["monetary"].to_numpy() / years)
    if owners is None:
        owners = owner_reps(orders, customers, reps)
    risk = risk.merge(owners, on="customer_id", how="left")
    if customers is not None and "customer_name" in customers.columns:
        risk = risk.merge(
            customers[["customer_id", "customer_name"]].drop_duplicates("customer_id"),
            on="customer_id",
            how="left",
        )
    else:  # no names in the data (an orders-only folder): the declared column stays, empty
        risk = risk.assign(customer_name=pd.Series(None, index=risk.index, dtype="object"))
    if clv is not None:
        risk = risk.merge(clv[["customer_id", "p_alive", "clv"]], on="customer_id", how="left")
    lapsed = np.zeros(len(risk), dtype=bool)
    if "p_alive" in risk.columns:
        p_alive = risk["p_alive"].to_numpy(dtype=np.float64)
        lapsed = np.isfinite(p_alive) & (p_alive < lapsed_p_alive)
    risk = risk.assign(stage=np.where(lapsed, "lapsed", "slipping"), _lapsed=lapsed, at_risk_total=len(risk))
    risk = risk.sort_values(
        ["_lapsed", "value_at_risk", "customer_id"], ascending=[True, False, True], kind="stable"
    ).drop(columns="_lapsed")
    if top_n is not None:
        risk = risk.head(top_n)
    risk = risk.reset_index(drop=True)
    risk = risk.assign(reason_zh=_reasons(risk, "zh"), reason_en=_reasons(risk, "en"))
    risk.insert(0, "rank", np.arange(1, len(risk) + 1))
    risk.insert(0, "period", str(rows.period))
    order = [
        "period",
        "rank",
        "customer_id",
        "customer_name",
        "segment",
        "segment_zh",
        "segment_en",
        "rep_id",
        "rep_name",
        "owner_source",
        "last_order_date",
        "days_since_last",
        "usual_gap_days",
        "rhythm",
        "gap_ratio",
        "orders",
        "monetary",
        "value_at_risk",
        "p_alive",
        "clv",
        "stage",
        "reason_zh",
        "reason_en",
        "at_risk_total",
    ]
    return without_contact_columns(risk[[c for c in order if c in risk.columns]])


def _reasons(risk: pd.DataFrame, language: str) -> list[str]:
    """One line per customer: rhythm, silence, yearly value, chance still active, what to do."""
    out = []
    has_p = "p_alive" in risk.columns
    for row in risk.itertuples(index=False):
        gap, since, ratio, value = (
            row.usual_gap_days,
            int(row.days_since_last),
            row.gap_ratio,
            row.value_at_risk,
        )
        p = getattr(row, "p_alive", np.nan) if has_p else np.nan
        lapsed = row.stage == "lapsed"
        if language == "zh":
            text = f"通常每 {gap:g} 天购买一次，已 {since} 天未购（{ratio:.1f} 倍），年均消费 {value:,.0f}"
            if np.isfinite(p):
                text += f"，仍活跃概率 {p:.0%}" if p >= 0.01 else "，仍活跃概率 <1%"
            text += "：已流失，宜做挽回方案" if lapsed else "：尚可挽留，请尽快联系"
        else:
            text = f"usually buys every {gap:g} days, {since} days silent ({ratio:.1f}×), {value:,.0f} a year"
            if np.isfinite(p):
                text += f", {p:.0%} chance still active" if p >= 0.01 else ", <1% chance still active"
            text += ": lapsed, a win-back offer fits" if lapsed else ": still keepable, call first"
        out.append(text)
    return out
