"""Refunds: the two ways a CRM writes one, brought to one meaning before anything is summed.

- A **refund line** is a ``refunded`` row with a **negative** amount (its
  ``order_id`` is the original order's id + ``-R``). It nets against revenue
  and credit in its own month; a refund line in a later month than its order
  claws back the commission paid on the order.
- A **refunded order** is a ``refunded`` row with a **positive** amount: the
  CRM marked the order itself refunded in full. It adds nothing to revenue,
  order counts, customer counts or sales credit. With a ``refunded_at`` date
  in a later month than ``order_date`` it is the same business event as a paid
  order plus a refund line dated ``refunded_at``, and is rewritten as exactly
  that pair (the order counts in its month, the refund nets in the refund
  month and claws back the commission paid on it). A positive ``refunded`` row
  whose ``order_id`` ends in ``-R`` is a refund line written with the wrong
  sign and is negated.

:func:`normalize_refunds` does the rewrite; every lever that sums orders (KPIs,
commission credits, customer models) calls it first. :func:`fully_refunded`
marks paid rows that refund lines cancel in full within their own month: such an
order is not an order either, so both forms give the same order counts.
"""

from __future__ import annotations

import weakref
from functools import partial

import numpy as np
import pandas as pd

__all__ = ["REFUND_SUFFIX", "fully_refunded", "normalize_refunds", "refunded_orders"]

REFUND_SUFFIX = "-R"
_CENT = 0.005  # amounts are compared to the cent


def _status_is(status: pd.Series, value: str) -> np.ndarray:
    if isinstance(status.dtype, pd.CategoricalDtype):
        cats = [i for i, c in enumerate(status.cat.categories) if str(c).strip().lower() == value]
        return np.isin(status.cat.codes.to_numpy(), cats)
    return status.eq(value).fillna(False).to_numpy(dtype=bool)


def _amounts(orders: pd.DataFrame) -> np.ndarray:
    return pd.to_numeric(orders["amount"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def refunded_orders(orders: pd.DataFrame) -> np.ndarray:
    """Rows that are orders refunded in full: ``status == "refunded"`` with a positive amount.

    >>> o = pd.DataFrame({"order_id": ["o1", "o2", "o3-R"], "amount": [10.0, 20.0, -5.0],
    ...                   "status": ["paid", "refunded", "refunded"]})
    >>> refunded_orders(o).tolist()
    [False, True, False]
    """
    if "status" not in orders.columns or "amount" not in orders.columns or not len(orders):
        return np.zeros(len(orders), dtype=bool)
    return _status_is(orders["status"], "refunded") & (_amounts(orders) > 0)


def normalize_refunds(orders: pd.DataFrame) -> pd.DataFrame:
    """Orders with every refund written as a negative refund line (the canonical form).

    Parameters
    ----------
    orders : canonical orders (``order_id, order_date, amount`` [, ``status,
        refunded_at`` …]).

    Returns
    -------
    DataFrame
        The same table when no ``refunded`` row has a positive amount (the
        object itself: nothing is copied). Otherwise a new table in which

        - a positive ``refunded`` row with an ``-R`` id has its amount negated;
        - a positive ``refunded`` row refunded in a later month
          (``refunded_at``) becomes a ``paid`` row plus a refund line
          ``<order_id>-R`` of the negative amount dated ``refunded_at``;
        - any other positive ``refunded`` row (refunded in its own month, or
          when unknown) is left out: it counts nowhere.

    Examples
    --------
    >>> o = pd.DataFrame({"order_id": ["o1", "o2", "o3"], "amount": [100.0, 40.0, 60.0],
    ...     "order_date": pd.to_datetime(["2026-03-02", "2026-03-03", "2026-03-04"]),
    ...     "status": ["paid", "refunded", "refunded"],
    ...     "refunded_at": pd.to_datetime([None, "2026-03-20", "2026-05-06"])})
    >>> normalize_refunds(o)[["order_id", "order_date", "amount", "status"]]
      order_id order_date  amount    status
    0       o1 2026-03-02   100.0      paid
    1       o3 2026-03-04    60.0      paid
    2     o3-R 2026-05-06   -60.0  refunded
    """
    positive = refunded_orders(orders)
    if not positive.any():
        return orders
    oid = orders["order_id"].astype("str")
    suffixed = positive & oid.str.endswith(REFUND_SUFFIX).fillna(False).to_numpy(dtype=bool)
    whole = positive & ~suffixed
    later = np.zeros(len(orders), dtype=bool)
    if "refunded_at" in orders.columns:
        refunded_at = pd.to_datetime(orders["refunded_at"], errors="coerce")
        order_month = pd.to_datetime(orders["order_date"], errors="coerce").dt.to_period("M")
        later = whole & (refunded_at.dt.to_period("M") > order_month).fillna(False).to_numpy(dtype=bool)
    amount = _amounts(orders)
    out = orders
    if suffixed.any():
        out = out.assign(amount=np.where(suffixed, -amount, amount))
    if later.any():
        status = out["status"].astype("object").where(~later, "paid")
        out = out.assign(status=status)
        lines = out.loc[later].assign(
            order_id=oid[later] + REFUND_SUFFIX,
            order_date=pd.to_datetime(orders.loc[later, "refunded_at"]).to_numpy(dtype="datetime64[ns]"),
            amount=-amount[later],
            status="refunded",
        )
        out = pd.concat([out, lines], ignore_index=False)
        keep = np.concatenate([~(whole & ~later), np.ones(len(lines), dtype=bool)])
    else:
        keep = ~whole
    return out.loc[keep].reset_index(drop=True)


def fully_refunded(
    codes: np.ndarray,
    uniques: pd.Index,
    month: np.ndarray,
    amount: np.ndarray,
    is_order: np.ndarray,
    is_refund: np.ndarray,
) -> np.ndarray:
    """Paid rows whose order is refunded in full by refund lines of the same month.

    ``codes`` index ``uniques`` (the order ids; -1 = empty); the id of a refund
    line is its order's id + ``-R``; ``month`` is any integer month index per
    row. An order whose paid amount in a month is cancelled (to the cent) by
    that month's refund lines is refunded in full there: it is no order and
    its customer no buyer, just as a ``refunded`` row with a positive amount.
    A partial refund leaves the order counted.

    >>> ids = pd.Index(["o1", "o1-R", "o2", "o2-R"])
    >>> fully_refunded(np.arange(4), ids, np.zeros(4, dtype=int), np.array([50.0, -50.0, 80.0, -30.0]),
    ...                np.array([True, False, True, False]), np.array([False, True, False, True])).tolist()
    [True, False, False, False]
    """
    out = np.zeros(len(codes), dtype=bool)
    refund_rows = np.flatnonzero(is_refund & (amount < 0) & (codes >= 0))
    if not len(refund_rows):
        return out
    ref_codes = codes[refund_rows]
    used = np.unique(ref_codes)
    base_of_used = _refunded_ids(uniques, used)
    base_of = np.full(len(uniques), -1, dtype=np.int64)
    base_of[used] = base_of_used
    base = base_of[ref_codes]
    found = base >= 0
    if not found.any():
        return out
    named = np.zeros(len(uniques) + 1, dtype=bool)  # last slot: empty ids (code -1)
    named[base[found]] = True
    candidates = np.flatnonzero(is_order & named[codes])
    if not len(candidates):
        return out
    # one integer key per (order, month); sums by np.unique + bincount (no string group-by)
    r_month = month[refund_rows][found].astype(np.int64)
    c_month = month[candidates].astype(np.int64)
    lo = min(int(r_month.min()), int(c_month.min()))
    span = max(int(r_month.max()), int(c_month.max())) - lo + 1
    r_key = base[found].astype(np.int64) * span + (r_month - lo)
    c_key = codes[candidates].astype(np.int64) * span + (c_month - lo)
    r_uniq, r_inv = np.unique(np.asarray(r_key), return_inverse=True)
    r_sum = np.bincount(r_inv, weights=amount[refund_rows][found])
    c_uniq, c_inv = np.unique(np.asarray(c_key), return_inverse=True)
    c_sum = np.bincount(c_inv, weights=amount[candidates])
    pos = np.searchsorted(r_uniq, c_uniq)
    pos_ok = pos < len(r_uniq)
    matched = np.zeros(len(c_uniq), dtype=bool)
    matched[pos_ok] = r_uniq[pos[pos_ok]] == c_uniq[pos_ok]
    refunded = np.zeros(len(c_uniq))
    refunded[matched] = r_sum[pos[matched]]
    gone = matched & (c_sum > 0) & (c_sum + refunded <= _CENT)
    out[candidates[gone[c_inv]]] = True
    return out


def _refunded_ids(uniques: pd.Index, used: np.ndarray) -> np.ndarray:
    """For the refund-line ids ``uniques[used]``, the code of the order each names (-1: none).

    Looking the stripped ids up among all ids probes every id (3M order ids: ~0.15 s), and
    every KPI, customer and incentive function that counts orders asks it again of the same
    ``uniques``: the answer is kept for as long as that Index lives (an Index is immutable;
    categorical columns and :func:`~sales_analytics.kpis._core.encode` hand out the same one
    on every call).
    """
    key = (id(uniques), len(uniques), used.tobytes())
    cached = _REFUNDED_IDS.get(key)
    if cached is not None and cached[0]() is uniques:
        return cached[1]
    from sales_analytics.kpis._core import index_in  # Arrow hashes the few stripped ids, not all

    stripped = pd.Index(uniques[used].astype("str")).str.removesuffix(REFUND_SUFFIX)
    base_of_used = index_in(pd.Series(np.asarray(stripped, dtype=object), dtype=object), uniques)
    base_of_used.setflags(write=False)  # shared by every later caller
    try:
        ref = weakref.ref(uniques, partial(_forget, key))
    except TypeError:  # pragma: no cover - an index type without weak references: not kept
        return base_of_used
    _REFUNDED_IDS[key] = (ref, base_of_used)
    return base_of_used


# (id, length, refund codes) of an order-id Index -> (weak reference to it, base codes)
_REFUNDED_IDS: dict[tuple[int, int, bytes], tuple[weakref.ref, np.ndarray]] = {}


def _forget(key: tuple[int, int, bytes], _ref: object, cache: dict = _REFUNDED_IDS) -> None:
    cache.pop(key, None)  # bound at definition: at interpreter exit the module's names are gone
