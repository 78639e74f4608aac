"""Prepared order facts: the per-row facts every KPI pass needs, validated and derived once.

Each KPI function (:func:`~sales_analytics.kpis.sales_kpis`, ``attainment``,
``purchase_summary``, ``sales_growth``, ``pacing``, ``activity_outcomes``,
``rep_scorecard``) used to re-derive the same facts from the orders frame on
every call: refunds normalized, dates and amounts checked, the month index,
the status flags, the paid orders refunded in full, the integer codes of the
ids, the first month of each customer. :func:`order_facts` derives them once
into an :class:`OrderFacts`; every one of those functions accepts it in place
of the frame and gives the same result, bit for bit.

The object owns its arrays and they are read-only: an edit of the frame after
the facts were built cannot change them (the arrays were copied from the
frame, or are the encode cache's codes of an immutable Arrow array).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, DataProblem, require_columns
from sales_analytics.kpis._core import (
    Codes,
    as_datetime,
    as_float,
    bad_rows,
    encode,
    month_index,
)
from sales_analytics.refunds import fully_refunded, normalize_refunds, refunded_orders
from sales_analytics.vocabulary import ORDER_STATUSES

__all__ = ["OrderFacts", "order_facts"]

ORDER_COLUMNS = ("order_id", "order_date", "customer_id", "rep_id", "amount")
# the id and label columns coded by default (the ``by`` columns of the KPI tables); others on request
FACT_COLUMNS = ("order_id", "customer_id", "rep_id", "status", "product_category", "channel")
_ROW = "__order_facts_row__"


# ---------------------------------------------------------------- checking
def _status_flags(orders: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(is_order, counts_revenue) per row from ``status`` (empty = paid)."""
    n = len(orders)
    if "status" not in orders.columns:
        ones = np.ones(n, dtype=bool)
        return ones, ones
    c = encode(orders["status"])
    norm = [str(u).strip().lower() for u in c.uniques]
    unknown = [i for i, v in enumerate(norm) if v not in ORDER_STATUSES]
    if unknown:
        mask = np.isin(c.codes, unknown)
        raise DataError(
            [
                bad_rows(
                    "orders",
                    "status",
                    mask,
                    "have an unknown status",
                    " | ".join(ORDER_STATUSES),
                    orders["status"],
                )
            ]
        )
    # a lookup per code instead of np.isin over every row
    paid_of = np.zeros(c.n + 1, dtype=bool)  # last slot: an empty status (code -1) is paid
    paid_of[[i for i, v in enumerate(norm) if v == "paid"]] = True
    paid_of[-1] = True
    kept_of = np.ones(c.n + 1, dtype=bool)
    kept_of[[i for i, v in enumerate(norm) if v == "cancelled"]] = False
    return paid_of[c.codes], kept_of[c.codes]


def _checked(orders: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validated (order dates, amounts, is_order, counts_revenue) of an orders table.

    ``orders`` must already be through :func:`normalize_refunds` (no positive
    ``refunded`` rows); the callers then drop the paid orders that refund lines
    cancel in full within their month (:func:`_without_full_refunds`)."""
    require_columns(orders, "orders", ORDER_COLUMNS)
    days = as_datetime(orders, "orders", "order_date")
    amount = as_float(orders, "orders", "amount")
    problems = []
    if np.isnat(days).any():
        problems.append(
            bad_rows("orders", "order_date", np.isnat(days), "have no date", "a date", orders["order_date"])
        )
    if np.isnan(amount).any():
        problems.append(
            bad_rows("orders", "amount", np.isnan(amount), "have no amount", "a number", orders["amount"])
        )
    if np.isinf(amount).any():
        problems.append(
            bad_rows(
                "orders", "amount", np.isinf(amount), "are infinite", "a finite number", orders["amount"]
            )
        )
    if problems:
        raise DataError(problems)
    is_order, counts_revenue = _status_flags(orders)
    return days, amount, is_order, counts_revenue


def _without_full_refunds(
    is_order: np.ndarray, counts_revenue: np.ndarray, oc: Codes, months: np.ndarray, amount: np.ndarray
) -> np.ndarray:
    """``is_order`` without the paid orders that refund lines cancel in full within their month."""
    is_refund = counts_revenue & ~is_order
    if not is_refund.any():
        return is_order
    gone = fully_refunded(oc.codes, oc.uniques, months, amount, is_order, is_refund)
    return is_order & ~gone if gone.any() else is_order


def _missing_ids(column: str, mask: np.ndarray, values: pd.Series | np.ndarray | None) -> DataError:
    return DataError([bad_rows("orders", column, mask, "have no value", f"a {column}", values)])


def _id_codes(orders: pd.DataFrame, column: str) -> Codes:
    c = encode(orders[column])
    if (c.codes < 0).any():
        raise _missing_ids(column, c.codes < 0, orders[column])
    return c


def _first_months(
    customer: np.ndarray, n_customers: int, months: np.ndarray, is_order: np.ndarray
) -> np.ndarray:
    """The month index of each customer's first order (-1: none)."""
    big = np.iinfo(np.int64).max
    first = np.full(n_customers, big, dtype=np.int64)
    np.minimum.at(first, customer[is_order], months[is_order])
    first[first == big] = -1
    return first


def _frozen(a: np.ndarray, *, copy: bool) -> np.ndarray:
    out = np.array(a, copy=True) if copy else a
    out.setflags(write=False)
    return out


def _owned_codes(values: pd.Series) -> Codes:
    """:func:`encode` of a column, with codes nobody can change after (a copy unless Arrow-backed)."""
    c = encode(values)
    # Arrow-backed columns: the encode cache's codes, read-only and tied to an immutable array
    shared = getattr(values.array, "_pa_array", None) is not None and not c.codes.flags.writeable
    codes = c.codes if shared else _frozen(c.codes, copy=True)
    return Codes(codes, c.uniques.copy())


# ------------------------------------------------------------------- facts
@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class OrderFacts:
    """Per-row facts of an orders table (after :func:`~sales_analytics.refunds.normalize_refunds`).

    Build it with :func:`order_facts`; pass it wherever a KPI function takes the
    orders frame. Every array is read-only and owned by the object; rows are
    the rows of the normalized orders (a positive ``refunded`` row refunded in
    a later month becomes a paid row and a refund line; one refunded in its own
    month is left out), in that order.

    Attributes
    ----------
    days : ``datetime64[ns]`` order date of each row.
    row_days : the ``order_date`` of the input row each row comes from (a refund
        line made from a later-refunded order: that order's date). Filters "up
        to a day" (``as_of``) select on it, as they select input rows.
    months : month index (``year * 12 + month - 1``) of ``days``.
    amount : float64 amount (refund lines negative).
    paid : rows whose status is ``paid`` (or empty), before full refunds.
    counts_revenue : rows counted in revenue (every status but ``cancelled``).
    is_order : ``paid`` rows that are orders: not refunded in full in their month.
    order, customer : the codes of ``order_id`` and ``customer_id`` (never -1).
    columns : the codes of every id and label column coded (``rep_id``,
        ``status``, ``product_category``, ``channel``, … and the two above).
    first_month : per customer code, the month index of their first order (-1: none).
    source_columns : the columns of the orders frame the facts were built from.
    last_order_date : ``orders["order_date"].max()`` of the input frame (NaT when empty).
    """

    days: np.ndarray
    row_days: np.ndarray
    months: np.ndarray
    amount: np.ndarray
    paid: np.ndarray
    counts_revenue: np.ndarray
    is_order: np.ndarray
    order: Codes
    customer: Codes
    columns: Mapping[str, Codes]
    first_month: np.ndarray
    source_columns: tuple[str, ...]
    last_order_date: pd.Timestamp = field(default=pd.NaT)

    def __len__(self) -> int:
        return len(self.days)

    def __repr__(self) -> str:
        return (
            f"OrderFacts({len(self):,} rows, {int(self.is_order.sum()):,} order rows, "
            f"{self.order.n:,} order ids, {self.customer.n:,} customers, columns {list(self.columns)})"
        )

    def has(self, column: str) -> bool:
        """Whether ``column`` was a column of the orders frame."""
        return column in self.source_columns

    def codes(self, column: str) -> Codes:
        """The codes of a coded column; a DataError names the columns coded when it is not one."""
        c = self.columns.get(column)
        if c is None:
            coded = ", ".join(self.columns)
            raise DataError(
                [
                    DataProblem(
                        "orders",
                        f"column {column!r} is not among the prepared order facts' columns"
                        + ("" if column in self.source_columns else " (nor a column of the orders)"),
                        column=column,
                        expected=f"one of {coded} (or build with order_facts(orders, columns=[…]))",
                    )
                ]
            )
        return c

    def id_codes(self, column: str) -> Codes:
        """:meth:`codes` of an id column that must have a value on every row (a DataError otherwise)."""
        c = self.codes(column)
        missing = c.codes < 0
        if missing.any():
            raise _missing_ids(column, missing, None)
        return c

    def where(self, rows: np.ndarray) -> OrderFacts:
        """The facts of the rows where ``rows`` (a boolean mask over these rows) is true.

        Refunds in full and first months are judged again among those rows alone,
        exactly as the KPI functions judge a filtered frame. Returns ``self`` when
        every row is kept.
        """
        rows = np.asarray(rows, dtype=bool)
        if len(rows) != len(self):
            raise ValueError(f"`rows` has {len(rows)} values for {len(self)} rows of facts")
        if rows.all():
            return self
        at = np.flatnonzero(rows)
        cols = {k: Codes(_frozen(v.codes[at], copy=False), v.uniques) for k, v in self.columns.items()}
        months = _frozen(self.months[at], copy=False)
        amount = _frozen(self.amount[at], copy=False)
        paid = _frozen(self.paid[at], copy=False)
        kept = _frozen(self.counts_revenue[at], copy=False)
        days = _frozen(self.days[at], copy=False)
        row_days = days if self.row_days is self.days else _frozen(self.row_days[at], copy=False)
        last = pd.Timestamp(row_days.max()) if len(row_days) else pd.NaT
        return _derived(days, row_days, months, amount, paid, kept, cols, self.source_columns, last)

    def up_to(self, day: pd.Timestamp | str) -> OrderFacts:
        """The facts of the input rows dated on or before ``day`` (as ``orders.loc[order_date <= day]``)."""
        stop = np.datetime64(pd.Timestamp(day).normalize() + pd.Timedelta(days=1), "ns")
        return self.where(self.row_days < stop)


def order_facts(orders: pd.DataFrame | OrderFacts, *, columns: Sequence[str] | None = None) -> OrderFacts:
    """The prepared facts of an orders table, for every KPI function to reuse (computed once).

    Parameters
    ----------
    orders : canonical orders (order_id, order_date, customer_id, rep_id, amount
        [, status, product_id, product_category, channel, refunded_at, …]); an
        :class:`OrderFacts` is returned as it is.
    columns : the id and label columns to code for ``by`` (default: those of
        ``order_id, customer_id, rep_id, status, product_category, channel`` the
        frame has); ``order_id``, ``customer_id`` and ``rep_id`` are always coded.

    Every row is checked here, as :func:`~sales_analytics.kpis.sales_kpis` checks
    them: a DataError names the column, the rows (of the normalized orders) and
    what was expected, for dates and amounts that are missing or not valid, an
    unknown status, and an empty order_id or customer_id.

    Examples
    --------
    >>> o = pd.DataFrame({"order_id": ["o1", "o2", "o1-R"], "customer_id": ["c1", "c2", "c1"],
    ...     "order_date": pd.to_datetime(["2026-03-02", "2026-04-05", "2026-03-09"]),
    ...     "rep_id": "r1", "amount": [100.0, 50.0, -100.0], "status": ["paid", "paid", "refunded"]})
    >>> f = order_facts(o)
    >>> f.is_order.tolist(), f.first_month.tolist()  # o1 is refunded in full: c1 never bought
    ([False, True, False], [-1, 24315])
    """
    if isinstance(orders, OrderFacts):
        return orders
    require_columns(orders, "orders", ORDER_COLUMNS)
    source_columns = tuple(map(str, orders.columns))
    wanted = list(dict.fromkeys(["order_id", "customer_id", "rep_id", *(columns or ())]))
    if columns is None:
        wanted += [c for c in FACT_COLUMNS if c in orders.columns and c not in wanted]
    missing = [c for c in wanted if c not in orders.columns]
    if missing:
        require_columns(orders, "orders", missing)
    source_rows, raw_days = None, None
    if refunded_orders(orders).any() if "status" in orders.columns else False:
        raw_days = as_datetime(orders, "orders", "order_date")
        normal = normalize_refunds(orders.assign(**{_ROW: np.arange(len(orders))}))
        source_rows = normal[_ROW].to_numpy(dtype=np.int64)
        normal = normal.drop(columns=[_ROW])
    else:
        normal = orders
    for col in ("order_id", "customer_id"):
        if col in normal.columns and normal[col].isna().any():
            _id_codes(normal, col)  # the DataError of an empty id, before anything is coded
    # the ids are hashed on the second core (Arrow releases the GIL) while this one checks the rows;
    # order_id, the costliest, first
    with ThreadPoolExecutor(max_workers=2) as pool:
        coded = {col: pool.submit(_owned_codes, normal[col]) for col in wanted}
        days, amount, paid, kept = _checked(normal)
        cols = {col: coded[col].result() for col in wanted}
    days = _frozen(days, copy=True)
    amount = _frozen(amount, copy=True)
    # orders["order_date"].max(): every input row, also one normalize_refunds left out
    last = pd.Series(days if raw_days is None else raw_days).max() if len(orders) else pd.NaT
    row_days = days if source_rows is None or raw_days is None else _frozen(raw_days[source_rows], copy=False)
    months = _frozen(month_index(days), copy=False)
    paid = _frozen(paid, copy=paid.base is not None)
    kept = _frozen(kept, copy=kept.base is not None or kept is paid)
    last = pd.Timestamp(last) if pd.notna(last) else pd.NaT
    return _derived(days, row_days, months, amount, paid, kept, cols, source_columns, last)


def _derived(
    days: np.ndarray,
    row_days: np.ndarray,
    months: np.ndarray,
    amount: np.ndarray,
    paid: np.ndarray,
    kept: np.ndarray,
    cols: dict[str, Codes],
    source_columns: tuple[str, ...],
    last: pd.Timestamp,
) -> OrderFacts:
    """The facts of checked rows: the orders refunded in full and each customer's first month judged here."""
    order, customer = cols["order_id"], cols["customer_id"]
    is_order = _without_full_refunds(paid, kept, order, months, amount)
    is_order = is_order if is_order is paid else _frozen(is_order, copy=False)
    first = _frozen(_first_months(customer.codes, customer.n, months, is_order), copy=False)
    return OrderFacts(
        days=days,
        row_days=row_days,
        months=months,
        amount=amount,
        paid=paid,
        counts_revenue=kept,
        is_order=is_order,
        order=order,
        customer=customer,
        columns=MappingProxyType(cols),
        first_month=first,
        source_columns=source_columns,
        last_order_date=last,
    )
