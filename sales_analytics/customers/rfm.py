"""RFM as of the end of a month: recency, frequency, monetary, quintile scores, segments.

Definitions (docs/formulas.md §6.1-6.2):

- **recency**: days from the last purchase to the analysis date, the day
  after the report month ends (a purchase on the last day has recency 1);
- **frequency**: distinct paid orders (refund rows are not orders);
- **monetary**: net revenue, paid plus refunded (negative) amounts;
- **scores** 1-5 by quintile of ``rank(method="first")`` after sorting by
  ``customer_id``, the same rank step for all three, so ties are broken by
  customer id and every run gives the same scores. Recent → R = 5.

Customers with no net spend (monetary ≤ 0, e.g. their only order was
refunded) are kept with ``scored = False``, no scores and the segment
``no_net_spend``; they are not ranked, so they cannot dilute the quintiles.
Order rows without a customer id are reported by
:func:`orders_without_customer` and counted in :func:`customer_quality`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.customers._orders import (
    NAT_DAY,
    days_to_datetime,
    group_min_max,
    order_rows,
    take_labels,
)
from sales_analytics.customers.segment_maps import (
    NO_NET_SPEND,
    SegmentMap,
    all_codes,
    code_index,
    load_segment_map,
)
from sales_analytics.periods import Period, parse_period

__all__ = [
    "assign_segments",
    "customer_quality",
    "orders_without_customer",
    "quintile_scores",
    "rfm_segments",
    "rfm_table",
]


def quintile_scores(values: np.ndarray | pd.Series, *, descending: bool = False) -> np.ndarray:
    """Scores 1-5 by quintile of ``rank(method="first")`` — ``pd.qcut`` on the ranks.

    ``values`` must already be in tie-break order (sorted by customer id);
    equal values are ranked in that order. ``descending=True`` gives 5 to the
    smallest values (recency).

    >>> quintile_scores([10, 10, 10, 10, 10])
    array([1, 2, 3, 4, 5], dtype=int8)
    >>> quintile_scores([3, 40, 7, 1, 90, 15, 15, 2, 60, 30], descending=True)
    array([4, 2, 4, 5, 1, 3, 3, 5, 1, 2], dtype=int8)
    """
    v = np.asarray(values, dtype=np.float64)
    n = len(v)
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    small_ints = bool(np.all(v == np.floor(v)) and v.min() >= -32768 and v.max() <= 32767)
    # stable sort keeps the given order among ties; 16-bit integers (days, order counts) get
    # numpy's radix sort, ~15x faster than sorting the same values as floats
    order = np.argsort(v.astype(np.int16) if small_ints else v, kind="stable")
    rank = np.empty(n, dtype=np.float64)
    rank[order] = np.arange(1, n + 1, dtype=np.float64)
    # The bin edges pd.qcut(rank, 5) uses: linear quantiles of the ranks 1..n.
    edges = pd.Series(np.arange(1, n + 1, dtype=np.float64)).quantile(np.linspace(0, 1, 6)).to_numpy()
    score = np.searchsorted(edges[1:-1], rank, side="left").astype(np.int8) + 1
    return (6 - score).astype(np.int8) if descending else score


def rfm_table(orders: pd.DataFrame, *, period: Period | str, lookback_months: int = 0) -> pd.DataFrame:
    """RFM per customer as of the end of ``period``.

    Parameters
    ----------
    orders : canonical orders ``order_id, order_date, customer_id, amount[, status]``.
    period : the report month (``"2026-03"``); the analysis date is the day after it.
    lookback_months : months of history in the window, ending with ``period``; 0 = all history.

    Returns
    -------
    DataFrame, one row per customer with a kept order row, sorted by ``customer_id``:
    ``period, customer_id, first_order_date, last_order_date, recency`` (days, Int64;
    missing for a customer with refunds only), ``frequency`` (distinct paid orders),
    ``monetary`` (net), ``scored`` (monetary > 0), ``r, f, m`` (Int8 1-5, missing when not
    scored), ``rfm_code`` (``"545"``).

    Examples
    --------
    >>> orders = pd.DataFrame({"order_id": ["o1", "o2", "o3", "o3-R"],
    ...     "order_date": pd.to_datetime(["2026-03-01", "2026-03-30", "2026-02-10", "2026-02-12"]),
    ...     "customer_id": ["a", "a", "b", "b"], "amount": [100.0, 50.0, 80.0, -80.0],
    ...     "status": ["paid", "paid", "paid", "refunded"]})
    >>> rfm_table(orders, period="2026-03")[["customer_id", "recency", "frequency", "monetary", "scored"]]
      customer_id  recency  frequency  monetary  scored
    0           a        2          2     150.0    True
    1           b       50          1       0.0   False
    """
    rows = order_rows(orders, period, lookback_months)
    n = rows.n_customers
    buy = rows.purchase
    first, last = group_min_max(rows.code[buy], rows.day[buy], n)
    frequency = rows.count_orders(buy)
    monetary = np.bincount(rows.code, weights=rows.amount, minlength=n)
    as_of_day = rows.end_day + 1
    has_purchase = last != NAT_DAY
    recency = np.where(has_purchase, as_of_day - last, 0)
    scored = has_purchase & (monetary > 1e-9)
    idx = np.flatnonzero(scored)
    r = np.zeros(n, dtype=np.int8)
    f = np.zeros(n, dtype=np.int8)
    m = np.zeros(n, dtype=np.int8)
    r[idx] = quintile_scores(recency[idx], descending=True)
    f[idx] = quintile_scores(frequency[idx])
    m[idx] = quintile_scores(monetary[idx])
    code_idx = np.where(scored, code_index(np.maximum(r, 1), np.maximum(f, 1), np.maximum(m, 1)), 0)
    codes = take_labels(all_codes(), code_idx, scored)
    out = pd.DataFrame(
        {
            "period": take_labels([str(rows.period)], np.zeros(n, dtype=np.int64)),
            "customer_id": rows.customers.array,
            "first_order_date": days_to_datetime(first),
            "last_order_date": days_to_datetime(last),
            "recency": pd.arrays.IntegerArray(recency.astype(np.int64), ~has_purchase),
            "frequency": frequency.astype(np.int64),
            "monetary": monetary,
            "scored": scored,
            "r": pd.arrays.IntegerArray(r, ~scored),
            "f": pd.arrays.IntegerArray(f, ~scored),
            "m": pd.arrays.IntegerArray(m, ~scored),
            "rfm_code": codes,
        }
    )
    return out


def assign_segments(rfm: pd.DataFrame, segment_map: SegmentMap | str) -> pd.DataFrame:
    """Add ``segment, segment_zh, segment_en, segment_rank`` from a segment map.

    Parameters
    ----------
    rfm : the output of :func:`rfm_table` (uses ``scored, r, f, m``).
    segment_map : a :class:`SegmentMap` or a map id / YAML path for :func:`load_segment_map`.

    Returns
    -------
    A copy of ``rfm`` with ``segment`` (id), its zh and en names, and ``segment_rank``
    (0 = most valuable). Customers not scored get ``no_net_spend``.

    Examples
    --------
    >>> rfm = pd.DataFrame({"scored": [True, True, False], "r": pd.array([5, 1, None], dtype="Int8"),
    ...                     "f": pd.array([5, 1, None], dtype="Int8"), "m": pd.array([5, 1, None], dtype="Int8")})
    >>> assign_segments(rfm, "rfm_squeezely")[["segment", "segment_en"]]
              segment                 segment_en
    0       champions                  Champions
    1  lost_customers             Lost customers
    2    no_net_spend  No net spend (not scored)
    """
    smap = segment_map if isinstance(segment_map, SegmentMap) else load_segment_map(segment_map)
    scored = rfm["scored"].to_numpy(dtype=bool)
    uniq = [*smap.segment_ids, NO_NET_SPEND]
    pos = {s: i for i, s in enumerate(uniq)}
    seg_of_code = np.array([pos[s] for s in smap.lookup] + [pos[NO_NET_SPEND]], dtype=np.int64)
    idx = np.full(len(rfm), 125, dtype=np.int64)
    if scored.any():
        idx[scored] = code_index(*(rfm[c].to_numpy(dtype=np.int64, na_value=1)[scored] for c in "rfm"))
    seg_pos = seg_of_code[idx]
    rank = np.array([smap.rank(s) for s in uniq], dtype=np.int64)
    return rfm.assign(
        segment=take_labels(uniq, seg_pos),
        segment_zh=take_labels([smap.label(s, "zh") for s in uniq], seg_pos),
        segment_en=take_labels([smap.label(s, "en") for s in uniq], seg_pos),
        segment_rank=rank[seg_pos],
    )


def rfm_segments(
    orders: pd.DataFrame,
    *,
    period: Period | str,
    segment_map: SegmentMap | str = "rfm_squeezely",
    lookback_months: int = 0,
) -> pd.DataFrame:
    """:func:`rfm_table` followed by :func:`assign_segments` (the ``customer_rfm`` table)."""
    smap = segment_map if isinstance(segment_map, SegmentMap) else load_segment_map(segment_map)
    return assign_segments(rfm_table(orders, period=period, lookback_months=lookback_months), smap)


def orders_without_customer(
    orders: pd.DataFrame, *, period: Period | str, lookback_months: int = 0
) -> pd.DataFrame:
    """Order rows of the window that have no ``customer_id`` (reported, never silently dropped).

    Returns
    -------
    DataFrame ``period, row`` (1-based position in ``orders``), ``order_id, order_date, amount,
    purchase`` (False for a refund row).

    Examples
    --------
    >>> orders = pd.DataFrame({"order_id": ["o1", "o2"], "order_date": pd.to_datetime(["2026-03-01"] * 2),
    ...                        "customer_id": ["a", None], "amount": [10.0, 7.5]})
    >>> orders_without_customer(orders, period="2026-03")[["row", "order_id", "amount"]]
       row order_id  amount
    0    2       o2     7.5
    """
    p = parse_period(period)
    missing = order_rows(orders, p, lookback_months).missing_customer
    return missing.assign(period=str(p))[["period", "row", "order_id", "order_date", "amount", "purchase"]]


def customer_quality(
    orders: pd.DataFrame, rfm: pd.DataFrame, *, period: Period | str, lookback_months: int = 0
) -> pd.DataFrame:
    """What the customer analysis had to leave out or could not score, and why.

    Parameters
    ----------
    orders : canonical orders (as for :func:`rfm_table`).
    rfm : the :func:`rfm_table` result for the same period.

    Returns
    -------
    DataFrame ``period, issue, rows, customers, amount, examples``: one row per issue
    (``missing_customer_id``: order rows without a customer; ``no_net_spend``: customers whose
    net spend is ≤ 0, e.g. their only order was refunded; ``cancelled``: rows excluded by
    status). Issues with nothing to report have zero counts, so the table always has three rows.

    Examples
    --------
    >>> orders = pd.DataFrame({"order_id": ["o1", "o2", "o2-R", "o3"],
    ...     "order_date": pd.to_datetime(["2026-03-01"] * 4), "customer_id": ["a", "b", "b", None],
    ...     "amount": [10.0, 5.0, -5.0, 4.0], "status": ["paid", "paid", "refunded", "paid"]})
    >>> q = customer_quality(orders, rfm_table(orders, period="2026-03"), period="2026-03")
    >>> q[["issue", "rows", "customers", "amount"]]
                     issue  rows  customers  amount
    0  missing_customer_id     1          0     4.0
    1         no_net_spend     2          1     0.0
    2            cancelled     0          0     0.0
    >>> q["examples"].tolist()
    ['row 4', 'b', '']
    """
    from sales_analytics.errors import format_rows

    p = parse_period(period)
    rows = order_rows(orders, p, lookback_months)
    missing = rows.missing_customer
    unscored = rfm.loc[~rfm["scored"].to_numpy(dtype=bool)]
    unscored_codes = rows.customers.get_indexer(unscored["customer_id"])
    n_unscored_rows = int(np.isin(rows.code, unscored_codes[unscored_codes >= 0]).sum())
    return pd.DataFrame(
        {
            "period": str(p),
            "issue": ["missing_customer_id", "no_net_spend", "cancelled"],
            "rows": [len(missing), n_unscored_rows, rows.cancelled_rows],
            "customers": [0, len(unscored), 0],
            "amount": [
                float(missing["amount"].sum()),
                float(unscored["monetary"].sum()),
                rows.cancelled_amount,
            ],
            "examples": [
                format_rows(missing["row"].tolist()) if len(missing) else "",
                ", ".join(map(str, unscored["customer_id"].head(5))),
                "",
            ],
        }
    )
