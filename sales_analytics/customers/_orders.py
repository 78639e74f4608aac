"""Orders reduced to what customer analysis needs, computed once per call.

Rules (docs/architecture.md, docs/formulas.md §6.1):

- the window ends on the last day of the report month; the analysis date
  (``as_of``) is the day after it; ``lookback_months = 0`` keeps all history;
- ``cancelled`` rows are left out of everything;
- a ``refunded`` row (negative amount, ``order_id`` = original + ``-R``)
  counts in net revenue but is not a purchase: it never counts as an order
  and never moves the last-purchase date;
- rows without a ``customer_id`` cannot be attributed: they are set aside and
  reported (:func:`orders_without_customer`), never silently dropped.

Customers are numbered in sorted ``customer_id`` order, so every per-customer
array here is already in the stable order the RFM tie-break needs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, problem_at_rows, require_columns
from sales_analytics.periods import Period, parse_period
from sales_analytics.refunds import normalize_refunds

log = logging.getLogger(__name__)

ORDER_COLUMNS = ("order_id", "order_date", "customer_id", "amount")
#: Every orders column a customer function reads (required or optional): a notebook that runs
#: them reads these from a run's snapshot, not the whole table (issue 24).
CUSTOMER_ORDER_COLUMNS = (
    "order_id",
    "order_date",
    "customer_id",
    "rep_id",
    "amount",
    "status",
    "refunded_at",
)
NAT_DAY = np.iinfo(np.int64).min


@dataclass(frozen=True)
class OrderRows:
    """The kept order rows of one window, as parallel arrays (one entry per row)."""

    period: Period
    as_of: pd.Timestamp  # the day after the window ends
    end_day: int  # last day of the window, days since 1970-01-01
    customers: pd.Index  # customer ids, sorted; position = customer code
    code: np.ndarray  # customer code of each kept row
    day: np.ndarray  # order day of each kept row (int64 days since epoch)
    amount: np.ndarray  # float64
    purchase: np.ndarray  # bool: a paid row (not a refund)
    position: np.ndarray  # 0-based position of each kept row in the orders table
    all_order_ids: pd.Series  # the orders table's order_id column (every row, not only kept ones)
    missing_customer: pd.DataFrame  # rows in the window without a customer id
    cancelled_rows: int = 0  # rows in the window left out as cancelled
    cancelled_amount: float = 0.0

    @property
    def n_customers(self) -> int:
        return len(self.customers)

    @property
    def order_id(self) -> pd.Series:
        """Order ids of the kept rows (a copy: use :meth:`count_orders` for counting)."""
        return self.all_order_ids.take(self.position).reset_index(drop=True)

    def count_orders(self, rows: np.ndarray) -> np.ndarray:
        """Per-customer count of distinct order ids among the kept rows selected by ``rows`` (bool)."""
        return distinct_orders(self.code[rows], self.all_order_ids, self.position[rows], self.n_customers)


def _days(values: pd.Series, column: str) -> np.ndarray:
    """Dates as int64 days since 1970-01-01 (NaT → NAT_DAY); text is parsed, bad values reported."""
    if not pd.api.types.is_datetime64_any_dtype(values):
        parsed = pd.to_datetime(values, errors="coerce")
        bad = parsed.isna().to_numpy() & values.notna().to_numpy()
        if bad.any():
            raise DataError(
                [
                    problem_at_rows(
                        "orders",
                        f"{int(bad.sum())} rows are not dates",
                        bad,
                        column=column,
                        expected="a date such as 2026-03-31",
                        values=values,
                    )
                ]
            )
        values = parsed
    if getattr(values.dtype, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    raw = values.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT"))
    days = raw.astype("datetime64[D]").astype(np.int64)
    return days


def _missing_ids(ids: pd.Series) -> np.ndarray:
    missing = ids.isna().to_numpy().copy()
    if pd.api.types.is_string_dtype(ids.dtype) or ids.dtype == object:
        missing |= (ids == "").fillna(False).to_numpy(dtype=bool)
    return missing


def window_days(period: Period, lookback_months: int) -> tuple[int | None, int]:
    """First and last day (days since epoch) of the analysis window; ``None`` = no start."""
    end = int(np.datetime64(period.end, "D").astype(np.int64))
    if lookback_months <= 0:
        return None, end
    start = period.shift(-(lookback_months - 1)).start
    return int(np.datetime64(start, "D").astype(np.int64)), end


class CustomerOrders:
    """Orders whose kept rows are computed once per window for every customer function given it.

    Notebook 04 builds one from its orders frame and passes it where the frame went
    (:func:`rfm_table`/``rfm_segments``, ``customer_quality``, ``clv_summary``, ``churn_risk``,
    ``owner_reps``): the month's window was reduced four times (about 0.5 CPU s each at 10M
    rows). Each window's :class:`OrderRows` is computed the first time it is asked for and its
    arrays are read-only; the frame is the notebook's own (from the snapshot) and is not edited
    after, which is what makes the kept rows safe to share.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._rows: dict[tuple[str, int], OrderRows] = {}

    def rows(self, period: Period | str, lookback_months: int = 0) -> OrderRows:
        """The kept rows of the window ending with ``period`` (computed once per window)."""
        key = (str(parse_period(period)), int(lookback_months))
        if key not in self._rows:
            rows = order_rows(self.frame, period, lookback_months)
            for values in (rows.code, rows.day, rows.amount, rows.purchase, rows.position):
                values.flags.writeable = False
            self._rows[key] = rows
        return self._rows[key]


def order_rows(
    orders: pd.DataFrame | CustomerOrders, period: Period | str, lookback_months: int = 0
) -> OrderRows:
    """Reduce canonical orders to the kept rows of the window ending with ``period``."""
    if isinstance(orders, CustomerOrders):
        return orders.rows(period, lookback_months)
    check_columns(orders, ORDER_COLUMNS)
    orders = normalize_refunds(orders)
    p = parse_period(period)
    if p.grain != "month":
        raise ValueError(f"customer analysis is as of the end of a month; got {p} (a {p.grain})")
    start, end = window_days(p, lookback_months)
    day = _days(orders["order_date"], "order_date")
    keep = (day != NAT_DAY) & (day <= end)
    if start is not None:
        keep &= day >= start
    purchase = np.ones(len(orders), dtype=bool)
    amount = pd.to_numeric(orders["amount"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    cancelled_rows, cancelled_amount = 0, 0.0
    if "status" in orders.columns:
        status = orders["status"]
        cancelled = keep & (status == "cancelled").fillna(False).to_numpy(dtype=bool)
        refunded = (status == "refunded").fillna(False).to_numpy(dtype=bool)
        cancelled_rows, cancelled_amount = int(cancelled.sum()), float(np.nansum(amount[cancelled]))
        keep &= ~cancelled
        purchase = ~refunded
    bad_amount = keep & np.isnan(amount)
    if bad_amount.any():
        raise DataError(
            [
                problem_at_rows(
                    "orders",
                    f"{int(bad_amount.sum())} rows have no numeric amount",
                    bad_amount,
                    column="amount",
                    expected="a number",
                    values=orders["amount"],
                )
            ]
        )
    ids = orders["customer_id"]
    no_id = keep & _missing_ids(ids)
    missing = pd.DataFrame(
        {
            "row": np.flatnonzero(no_id) + 1,
            "order_id": orders["order_id"][no_id].to_numpy(),
            "order_date": pd.to_datetime(day[no_id].astype("datetime64[D]")).astype("datetime64[ns]"),
            "amount": amount[no_id],
            "purchase": purchase[no_id],
        }
    )
    if len(missing):
        log.warning(
            "%d order rows in the window have no customer_id (net amount %.2f); they are "
            "left out of the per-customer analysis and reported in customer_quality",
            len(missing),
            float(missing["amount"].sum()),
        )
    keep &= ~no_id
    # Factorize the whole column (cheaper than copying the kept strings first), then keep only
    # customers that have a kept row, numbered in sorted id order.
    all_codes, uniques = factorize(ids)
    position = np.flatnonzero(keep)
    kept_codes = all_codes[position]
    present = np.flatnonzero(np.bincount(kept_codes, minlength=len(uniques)) > 0)
    kept_uniques = uniques.take(present)
    order = np.asarray(kept_uniques.argsort(), dtype=np.int64)  # sorted customer ids → stable tie-break
    remap = np.full(len(uniques), -1, dtype=np.int64)
    remap[present[order]] = np.arange(len(order), dtype=np.int64)
    customers = pd.Index(kept_uniques.take(order), name="customer_id")
    return OrderRows(
        period=p,
        as_of=pd.Timestamp(p.end) + pd.Timedelta(days=1),
        end_day=end,
        customers=customers,
        code=remap[kept_codes],
        day=day[position],
        amount=amount[position],
        purchase=purchase[position],
        position=position,
        all_order_ids=orders["order_id"],
        missing_customer=missing,
        cancelled_rows=cancelled_rows,
        cancelled_amount=cancelled_amount,
    )


def group_min_max(code: np.ndarray, values: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-code min and max of int64 ``values``; codes with no value get NAT_DAY."""
    hi = np.full(n, NAT_DAY, dtype=np.int64)
    if not len(code):
        return hi.copy(), hi
    # unbuffered minimum / maximum (fast in numpy 2: 15 ms against a hashed group-by's 85 ms for 3M rows)
    lo = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(lo, code, values)
    np.maximum.at(hi, code, values)
    lo[lo == np.iinfo(np.int64).max] = NAT_DAY  # a code with no value
    return lo, hi


def distinct_orders(code: np.ndarray, order_ids: pd.Series, position: np.ndarray, n: int) -> np.ndarray:
    """Per-customer count of distinct order ids among the rows at ``position`` (their customers: ``code``).

    An order id belongs to one customer. The ids are encoded once per orders table
    (:func:`factorize`), so a second count over the same table hashes no string again.
    """
    if not len(code):
        return np.zeros(n, dtype=np.int64)
    row_codes, uniques = factorize(order_ids)
    ocode = row_codes[position]
    no_id = ocode < 0  # a row without an order id counts as an order of its own
    owner = np.zeros(len(uniques), dtype=np.int64)
    used = np.zeros(len(uniques), dtype=bool)
    owner[ocode[~no_id]] = code[~no_id]
    used[ocode[~no_id]] = True
    return np.bincount(owner[used], minlength=n) + np.bincount(code[no_id], minlength=n)


def sorted_groups(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group rows by a non-negative int64 ``key`` without hashing it.

    Returns the row order (by key, rows of one key in table order), the distinct keys
    (ascending) and where each key's rows start in that order. One sort of ``key`` combined
    with the row number in one int64 (a plain sort of integers: ~0.1 s for 10M, where a
    hashed group-by on the keys took ~1.6 s); a stable argsort when the two do not fit.

    >>> sorted_groups(np.array([7, 3, 7, 3, 5]))
    (array([1, 3, 4, 0, 2]), array([3, 5, 7]), array([0, 2, 3]))
    """
    n = len(key)
    if not n:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    bits = max(int(n - 1).bit_length(), 1)
    if int(key.max()) < 1 << (62 - bits):
        combined = np.sort((key.astype(np.int64) << bits) | np.arange(n, dtype=np.int64))
        order = combined & ((1 << bits) - 1)
        sorted_key = combined >> bits
    else:
        order = np.argsort(key, kind="stable")
        sorted_key = key[order].astype(np.int64)
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    return order, sorted_key[starts], starts


def grouped_sums(values: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.Series(values).groupby(key, sort=True).sum()`` without hashing ``key`` (non-negative
    int64): the distinct keys ascending and each key's sum, equal to pandas' bit for bit.

    pandas sums each group in table order with compensated (Kahan) steps; when ``key`` is
    already sorted it sums the runs with ``np.add.reduceat`` instead (pandas 3.1's
    ``_reduceat_aggregate``). Both are reproduced here, on the groups of one sort
    (:func:`sorted_groups`). ``values`` hold no NaN (pandas would skip them).

    >>> grouped_sums(np.array([0.1, 5.0, 0.2, 0.3]), np.array([3, 2, 3, 3]))  # 0.1 + 0.2 + 0.3: 0.6000000000000001
    (array([2, 3]), array([5. , 0.6]))
    """
    order, keys, starts = sorted_groups(key)
    if not len(keys):
        return keys, np.zeros(0)
    if bool((key[1:] >= key[:-1]).all()):
        return keys, np.add.reduceat(np.asarray(values, dtype=np.float64), starts)
    return keys, _compensated_sums(np.asarray(values, dtype=np.float64)[order], starts)


def _compensated_sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The Kahan sum of each run ``values[starts[i]:starts[i + 1]]`` (the last run to the end),
    the steps of pandas' grouped sum (``group_sum``): all runs' first values, then the second
    values of the runs that have one, …; the work is one pass plus one step per value of the
    longest run."""
    sizes = np.diff(np.r_[starts, len(values)])
    sums = 0.0 + values[starts]  # the first step: 0 + v, and no compensation (v - v, or inf - inf → 0)
    compensation = np.zeros(len(starts))
    j = 1
    live = np.flatnonzero(sizes > j)
    while len(live):
        y = values[starts[live] + j] - compensation[live]
        s = sums[live]
        t = s + y
        with np.errstate(invalid="ignore"):  # inf - inf
            c = t - s - y
        c[np.isnan(c)] = 0.0  # pandas: an infinite value leaves no compensation (GH#53606)
        compensation[live] = c
        sums[live] = t
        j += 1
        live = live[sizes[live] > j]
    return sums


def factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(values, sort=False)``: codes in order of first appearance (-1 = missing), uniques.

    An Arrow-backed column (the snapshot's strings) is encoded once and the codes are
    reused by every later call on the same column (:func:`sales_analytics.kpis._core.encode`):
    a notebook's customer functions each need the customer and order ids as codes.
    The codes are read-only.
    """
    from sales_analytics.kpis._core import encode

    c = encode(values)
    return c.codes, c.uniques


def take_labels(
    labels: list[str], index: np.ndarray, valid: np.ndarray | None = None
) -> pd.api.extensions.ExtensionArray:
    """``labels[index]`` as a ``str`` array (missing where ``valid`` is False), built in Arrow.

    Building a million Python strings and converting them costs ~0.7 s; an Arrow ``take``
    from the few distinct labels costs ~0.03 s.
    """
    import pyarrow as pa

    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    taken = pa.array(labels, type=pa.large_string()).take(
        pa.array(np.asarray(index, dtype=np.int64), mask=mask)
    )
    return pd.array(taken, dtype="str")


def days_to_datetime(days: np.ndarray) -> np.ndarray:
    """int64 days since epoch (NAT_DAY = missing) → datetime64[ns]."""
    return days.astype("datetime64[D]").astype("datetime64[ns]")


def check_columns(frame: pd.DataFrame, required: tuple[str, ...], table: str = "orders") -> None:
    """Raise a DataError naming every required column that is missing (orders by default)."""
    require_columns(frame, table, required)
