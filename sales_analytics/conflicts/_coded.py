"""Customer contacts as integer codes: what the conflict rules read, built once for all of them.

At 10M order lines the rules spent most of their time hashing, sorting and copying text
columns (customer, rep and order ids). Here each text column is read once: customers and reps
become codes into a sorted vocabulary (so code order is text order), a row keeps the position
of its id in its source's id column, and the ids are turned into text only for the rows a
finding cites. The rows are sorted as :func:`sales_analytics.conflicts.contacts` sorts them:
by customer, time, source and row id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sales_analytics.errors import require_columns

__all__ = ["ContactCodes", "SOURCE_ORDER", "coded_contacts", "naive_times"]

#: the order contacts() sorts its sources in (by name, as a text column sorts)
SOURCE_ORDER = ("activities", "deals", "orders")
#: per source: its id column and its time column
SPEC = {
    "orders": ("order_id", "order_date"),
    "deals": ("deal_id", "created_date"),
    "activities": ("activity_id", "activity_at"),
}


def naive_times(values: pd.Series) -> pd.Series:
    """``values`` as datetimes; time-zone aware ones as their local wall time (the zone dropped)."""
    at = pd.to_datetime(values)
    if getattr(at.dt, "tz", None) is not None:
        at = at.dt.tz_localize(None)
    return at


@dataclass(frozen=True)
class _Part:
    """One source's contact rows before coding (positions are into ``ids``)."""

    name: str
    ids: pa.Array  # row ids as text
    pos: np.ndarray  # the position of each contact row in ids
    customer: pd.Series  # customer_id as text, one per row of ids (take pos)
    rep: pd.Series  # rep_id as text, likewise
    at: np.ndarray
    revenue: np.ndarray
    pipeline: np.ndarray
    frame_rows: np.ndarray  # the position of each contact row in the source frame as given


@dataclass(frozen=True)
class ContactCodes:
    """Contact rows as arrays, sorted by customer, time, source and row id.

    ``cust``/``rep`` index ``customers``/``reps`` (sorted text; ``rep == len(reps)`` is a row
    without a rep), ``src`` indexes :data:`SOURCE_ORDER`, ``pos`` is the row's position in
    ``ids[source]`` and ``frame_row`` its position in the source frame as given.
    """

    cust: np.ndarray
    rep: np.ndarray
    at: np.ndarray
    src: np.ndarray
    pos: np.ndarray
    frame_row: np.ndarray
    revenue: np.ndarray
    pipeline: np.ndarray
    customers: np.ndarray
    reps: np.ndarray
    ids: dict[str, pa.Array]

    def __len__(self) -> int:
        return len(self.cust)

    def take(self, rows: np.ndarray) -> ContactCodes:
        """The rows ``rows`` (a boolean mask or positions), the vocabularies unchanged."""
        return ContactCodes(
            **{f: getattr(self, f)[rows] for f in _ROW_FIELDS},
            customers=self.customers,
            reps=self.reps,
            ids=self.ids,
        )

    def of_source(self, name: str) -> ContactCodes:
        return self.take(self.src == SOURCE_ORDER.index(name))

    def row_ids(self, rows: np.ndarray) -> np.ndarray:
        """The row ids (text, object array) of ``rows``."""
        out = np.empty(len(rows), dtype=object)
        src, pos = self.src[rows], self.pos[rows]
        for k, name in enumerate(SOURCE_ORDER):
            at = np.flatnonzero(src == k)
            if len(at):
                # one pyarrow array per source: a take from it costs microseconds, from a
                # chunked column milliseconds (thousands of findings are built)
                out[at] = self.ids[name].take(pos[at]).to_numpy(zero_copy_only=False)
        return out

    def rep_names(self, rows: np.ndarray) -> np.ndarray:
        """The rep ids (text, object array; NaN for a row without one) of ``rows``."""
        return np.append(self.reps, np.nan).astype(object)[self.rep[rows]]


_ROW_FIELDS = ("cust", "rep", "at", "src", "pos", "frame_row", "revenue", "pipeline")


def _orders_part(ids: pd.Series, refunded: np.ndarray, revenue: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row per order: its first sale line, with the revenue of all its lines and refund rows.

    Returns the positions of the kept lines and their order revenue. A refund row (id ending in
    ``-R`` or status ``refunded``) counts towards the revenue of its order but is not a line of
    its own; a line whose order id came before (as a sale or a refund) is not the first.
    """
    base = ids.str.removesuffix("-R")
    refund = ids.ne(base).to_numpy() | refunded
    # codes numbered in order of first appearance (pyarrow's hash encoding: half of pandas'
    # factorize at 3M ids); an id's first line is where its code exceeds every code before it
    encoded = pc.dictionary_encode(pa.array(base.array))  # chunked: one dictionary for all chunks
    chunks = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
    codes = np.concatenate(
        [np.zeros(0, dtype=np.int64)]
        + [pc.fill_null(ch.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64) for ch in chunks]
    )
    first = np.empty(len(codes), dtype=bool)
    if len(codes):
        first[0] = True
        first[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
    first &= ~refund
    valid = codes >= 0
    per_order = _order_sums(codes[valid], revenue[valid])
    kept = np.flatnonzero(first)
    return kept, per_order[codes[kept]]


def _arrow(values: pd.Series) -> pa.Array:
    """A text series as one pyarrow array (its chunks combined when it is stored in pyarrow)."""
    arr = pa.array(values.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _order_sums(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per code, the sum of its ``values`` as pandas' grouped sum gives it (NaN counts as nothing).

    A plain running sum is exact for one or two values (0 + a, a + b); only an order with three
    lines or more goes through pandas' compensated sum, so the totals are the ones a groupby gave.
    """
    if not len(codes):
        return np.zeros(0)
    n = np.bincount(codes)
    out = np.bincount(codes, weights=np.where(np.isnan(values), 0.0, values), minlength=len(n))
    many = n[codes] >= 3
    if many.any():
        per = pd.Series(values[many]).groupby(codes[many], sort=False).sum()
        out[per.index.to_numpy()] = per.to_numpy()
    return out


def _part(name: str, frame: pd.DataFrame, end: pd.Timestamp | None) -> _Part:
    id_col, at_col = SPEC[name]
    at_all = naive_times(frame[at_col])
    rows = np.arange(len(frame))
    if end is not None:
        rows = np.flatnonzero((at_all < end).to_numpy())
    whole = len(rows) == len(frame)

    def col(c: str) -> pd.Series:
        s = frame[c].reset_index(drop=True)
        return s if whole else s.iloc[rows].reset_index(drop=True)

    if id_col in frame.columns:
        ids = col(id_col).astype(str)
    else:
        ids = pd.Series(frame.index.astype(str)) if whole else pd.Series(frame.index[rows].astype(str))
    n = len(rows)
    amount = col("amount").astype("float64").to_numpy() if "amount" in frame.columns else np.zeros(n)
    status = col("status") if "status" in frame.columns else None
    revenue, pipeline = np.zeros(n), np.zeros(n)
    pos = np.arange(n)
    if name == "orders":
        no = np.zeros(n, dtype=bool)
        cancelled = (status == "cancelled").to_numpy() if status is not None else no
        refunded = (status == "refunded").to_numpy() if status is not None else no
        pos, revenue = _orders_part(ids, refunded, np.where(cancelled, 0.0, amount))
    elif name == "deals":
        is_open = (status == "open").to_numpy() if status is not None else np.ones(n, dtype=bool)
        pipeline = np.where(is_open, amount, 0.0)
    customer = col("customer_id")
    has_customer = customer.notna().to_numpy()[pos]
    pos = pos[has_customer]
    return _Part(
        name=name,
        ids=_arrow(ids),
        pos=pos,
        customer=customer.astype(str),
        rep=col("rep_id").astype(str),
        at=at_all.to_numpy()[rows[pos]],
        revenue=np.nan_to_num(revenue[has_customer] if name == "orders" else revenue[pos]),
        pipeline=np.nan_to_num(pipeline[pos]),
        frame_rows=rows[pos],
    )


def _encode(
    values: list[tuple[pd.Series, np.ndarray]], extra: Sequence[str] = ()
) -> tuple[list[np.ndarray], np.ndarray]:
    """Codes of each ``series[rows]`` into one sorted vocabulary of their text values (and ``extra``).

    A missing value gets the code ``len(vocabulary)``. A whole column is encoded, its codes then
    taken at ``rows``: cheaper than taking its text first.
    """
    factorized = [pd.factorize(v, use_na_sentinel=True) for v, _ in values]
    uniques = [pd.Index(u).to_numpy(dtype=object) for _, u in factorized]
    vocab = np.unique(np.concatenate([*uniques, np.asarray([str(x) for x in extra], dtype=object)]))
    out = []
    for (codes, _), u, (_, rows) in zip(factorized, uniques, values):
        lookup = np.append(np.searchsorted(vocab, u), len(vocab)).astype(np.int64)
        out.append(lookup[codes[rows]])  # the sentinel -1 picks the last entry: no value
    return out, vocab


def _sort_order(cust: np.ndarray, at: np.ndarray, src: np.ndarray, row_id) -> np.ndarray:
    """Positions sorting by customer, time (missing last), source, then row id (text; stable)."""
    key = at.astype("datetime64[ns]").view("int64")
    key = np.where(np.isnat(at), np.iinfo(np.int64).max, key)
    order = np.lexsort((src, key, cust))
    c, k, s = cust[order], key[order], src[order]
    tied = (c[1:] == c[:-1]) & (k[1:] == k[:-1]) & (s[1:] == s[:-1])
    if not tied.any():
        return order
    # rows equal on customer, time and source: in row-id order (rarely more than a few)
    with_prev = np.r_[False, tied]
    in_run = with_prev | np.r_[tied, False]
    run = np.cumsum(~with_prev)
    where = np.flatnonzero(in_run)
    ids = row_id(order[where])
    resorted = sorted(range(len(where)), key=lambda i: (run[where[i]], ids[i]))
    order = order.copy()
    order[where] = order[where[resorted]]
    return order


def coded_contacts(
    frames: dict[str, pd.DataFrame | None],
    *,
    sources: Sequence[str],
    end: pd.Timestamp | None = None,
    extra_reps: Sequence[str] = (),
) -> ContactCodes:
    """The contacts of ``sources`` (each a key of ``frames``), rows dated before ``end``.

    ``extra_reps`` join the rep vocabulary (the customers' owners, who may have no contact).
    A source whose frame is missing, empty or without ``customer_id`` has no contacts; one
    without ``rep_id``, ``customer_id`` or its time column is a DataError.
    """
    parts = []
    for name in sources:
        frame = frames.get(name)
        if frame is None or not len(frame) or "customer_id" not in frame.columns:
            continue
        require_columns(frame, name, ["rep_id", "customer_id", SPEC[name][1]])
        parts.append(_part(name, frame, end))
    cust_codes, customers = _encode([(p.customer, p.pos) for p in parts])
    rep_codes, reps = _encode([(p.rep, p.pos) for p in parts], extra_reps)
    ids = {p.name: p.ids for p in parts}
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return ContactCodes(
            cust=empty,
            rep=empty,
            at=np.zeros(0, dtype="datetime64[ns]"),
            src=np.zeros(0, dtype=np.int8),
            pos=empty,
            frame_row=empty,
            revenue=np.zeros(0),
            pipeline=np.zeros(0),
            customers=customers,
            reps=reps,
            ids=ids,
        )
    src = np.concatenate([np.full(len(p.pos), SOURCE_ORDER.index(p.name), dtype=np.int8) for p in parts])
    cust, pos = np.concatenate(cust_codes), np.concatenate([p.pos for p in parts])
    at = np.concatenate([p.at for p in parts])
    unsorted = ContactCodes(
        cust=cust,
        rep=np.concatenate(rep_codes),
        at=at,
        src=src,
        pos=pos,
        frame_row=np.concatenate([p.frame_rows for p in parts]),
        revenue=np.concatenate([p.revenue for p in parts]),
        pipeline=np.concatenate([p.pipeline for p in parts]),
        customers=customers,
        reps=reps,
        ids=ids,
    )
    return unsorted.take(_sort_order(cust, at, src, unsorted.row_ids))
