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
from sales_analytics.kpis._core import encode

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


class TextColumn:
    """A text column's Arrow chunks: the text of a few rows read without combining the chunks.

    Combining a 10M-row column's chunks copies every string (~0.7 CPU s); a finding reads a
    few dozen rows. A take from one chunk costs microseconds, pyarrow's take from a chunked
    column milliseconds (thousands of findings are built).
    """

    def __init__(self, values: pa.Array | pa.ChunkedArray) -> None:
        chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
        self.chunks = [c for c in chunks if len(c)]
        self.starts = np.cumsum([0] + [len(c) for c in self.chunks])

    def __len__(self) -> int:
        return int(self.starts[-1])

    def text(self, pos: np.ndarray) -> np.ndarray:
        """The text (object array) at the positions ``pos``."""
        out = np.empty(len(pos), dtype=object)
        if not len(pos):
            return out
        chunk = np.searchsorted(self.starts, pos, side="right") - 1
        for k in np.unique(chunk):
            at = np.flatnonzero(chunk == k) if len(self.chunks) > 1 else slice(None)
            out[at] = self.chunks[k].take(pos[at] - self.starts[k]).to_numpy(zero_copy_only=False)
        return out


@dataclass(frozen=True)
class _Part:
    """One source's contact rows before coding (positions are into ``ids``)."""

    name: str
    ids: TextColumn  # row ids
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
    ids: dict[str, TextColumn]

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
                out[at] = self.ids[name].text(pos[at])
        return out

    def rep_names(self, rows: np.ndarray) -> np.ndarray:
        """The rep ids (text, object array; NaN for a row without one) of ``rows``."""
        return np.append(self.reps, np.nan).astype(object)[self.rep[rows]]


_ROW_FIELDS = ("cust", "rep", "at", "src", "pos", "frame_row", "revenue", "pipeline")


def _orders_part(
    ids: pd.Series, text: pa.Array | pa.ChunkedArray, refunded: np.ndarray, revenue: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One row per order: its first sale line, with the revenue of all its lines and refund rows.

    ``ids`` are the order ids (``text`` the same as Arrow). Returns the positions of the kept
    lines and their order revenue. A refund row (id ending in ``-R`` or status ``refunded``)
    counts towards the revenue of its order but is not a line of its own; a line whose order
    id came before (as a sale or a refund) is not the first.
    """
    runs = _order_runs(text, refunded) if text.null_count == 0 else None
    codes, first = runs if runs is not None else _order_codes(ids, refunded)
    valid = codes >= 0
    per_order = _order_sums(codes[valid], revenue[valid])
    kept = np.flatnonzero(first)
    return kept, per_order[codes[kept]]


def _order_codes(ids: pd.Series, refunded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row the code of its order (its id without ``-R``), and whether it is the order's first sale line.

    Codes are numbered in order of first appearance (pyarrow's hash encoding: half of pandas'
    factorize at 3M ids); an id's first line is where its code exceeds every code before it.
    """
    base = ids.str.removesuffix("-R")
    refund = ids.ne(base).to_numpy() | refunded
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
    return codes, first & ~refund


def _order_runs(
    ids: pa.Array | pa.ChunkedArray, refunded: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`_order_codes` without hashing every id, when the sale lines are in order of their ids.

    An orders export lists an order's lines together and numbers orders as they come, so
    its sale lines' ids (refund rows aside) never decrease from one line to the next; then
    equal ids stand next to each other, and an order is a run of equal ids (a comparison of
    neighbours, ~50 times cheaper than hashing 10M ids). Refund rows are few: their orders
    are found by hashing them and probing the runs' ids. Codes are the runs' numbers (a
    refund whose order has no sale line gets -1: no line of it is kept, so its total is
    never read). Returns None when some sale line's id is smaller than the one before it
    (ids not in order: the caller hashes them all).
    """
    n = len(refunded)
    suffix = pc.ends_with(ids, "-R").to_numpy(zero_copy_only=False)
    refund = suffix | refunded
    sale = ~refund
    if not sale.any():
        return None
    # each line against the line before it (no copy of the text); a sale line after refund rows
    # is compared with the sale line before them (few: one per run of refund rows)
    head, tail = ids.slice(0, n - 1), ids.slice(1)
    same = np.r_[False, pc.equal(tail, head).to_numpy(zero_copy_only=False)]
    down = np.r_[False, pc.less(tail, head).to_numpy(zero_copy_only=False)]
    after_sale = np.r_[False, sale[:-1]]
    if (down & sale & after_sale).any():
        return None
    new = sale & ~(same & after_sale)  # a sale line starting a run (refined below)
    detached = np.flatnonzero(sale & ~after_sale)
    detached = detached[detached > 0]
    if len(detached):
        starts_r = np.flatnonzero(refund & ~np.r_[False, refund[:-1]])  # each run of refund rows
        prev = starts_r[np.searchsorted(starts_r, detached - 1, side="right") - 1] - 1  # the sale before
        has_prev = prev >= 0
        text = TextColumn(ids)
        mine, theirs = text.text(detached[has_prev]), text.text(prev[has_prev])
        if (mine < theirs).any():
            return None
        new[detached[has_prev]] = mine != theirs
    codes = np.cumsum(new, dtype=np.int64) - 1  # the run of each sale line; never decreasing
    first = new
    back = np.flatnonzero(refund)
    if len(back):
        # the refunds' orders: the few refund ids hashed, every sale line's id probed against them
        text = ids.filter(pa.array(refund))  # the refund rows in order (a take would combine all chunks)
        text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
        base = pc.dictionary_encode(
            pc.if_else(pa.array(suffix[back]), pc.utf8_slice_codeunits(text, 0, -2), text)
        )
        hit = pc.fill_null(pc.index_in(ids, value_set=base.dictionary), -1).to_numpy(zero_copy_only=False)
        at = np.flatnonzero((hit >= 0) & sale)
        run_of = np.full(len(base.dictionary), -1, dtype=np.int64)
        run_of[hit[at]] = codes[at]  # the lines of one id are one run: each base gets one run
        found = run_of[pc.fill_null(base.indices, -1).to_numpy(zero_copy_only=False)]
        # a refund row before its order's first sale line makes that line no first line
        hit_back = found >= 0
        start = np.searchsorted(codes, found[hit_back])  # codes, before the refunds', never decrease
        early = back[hit_back] < start
        first[start[early]] = False
        codes[back] = found
    return codes, first


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
    text = pa.array(ids.array)  # the column's own Arrow chunks when it is stored in Arrow
    n = len(rows)
    amount = col("amount").astype("float64").to_numpy() if "amount" in frame.columns else np.zeros(n)
    status = col("status") if "status" in frame.columns else None
    revenue, pipeline = np.zeros(n), np.zeros(n)
    pos = np.arange(n)
    if name == "orders":
        no = np.zeros(n, dtype=bool)
        cancelled = (status == "cancelled").to_numpy() if status is not None else no
        refunded = (status == "refunded").to_numpy() if status is not None else no
        pos, revenue = _orders_part(ids, text, refunded, np.where(cancelled, 0.0, amount))
    elif name == "deals":
        is_open = (status == "open").to_numpy() if status is not None else np.ones(n, dtype=bool)
        pipeline = np.where(is_open, amount, 0.0)
    customer = col("customer_id")
    has_customer = customer.notna().to_numpy()[pos]
    pos = pos[has_customer]
    return _Part(
        name=name,
        ids=TextColumn(text),
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

    A missing value gets the code ``len(vocabulary)``. A whole column is encoded
    (:func:`sales_analytics.kpis._core.encode`, which keeps the codes of a snapshot column for
    every later caller), its codes then taken at ``rows``: cheaper than taking its text first.
    The vocabulary is sorted by Arrow (UTF-8 bytes sort as the text's code points do).
    """
    coded = [encode(v) for v, _ in values]
    uniques = [pa.array(c.uniques.to_numpy(dtype=object), type=pa.large_string()) for c in coded]
    every = pa.concat_arrays([*uniques, pa.array([str(x) for x in extra], type=pa.large_string())])
    distinct = pc.unique(every)
    vocab = distinct.take(pc.array_sort_indices(distinct))
    out = []
    for c, u, (_, rows) in zip(coded, uniques, values):
        at = pc.index_in(u, value_set=vocab).to_numpy(zero_copy_only=False)
        lookup = np.append(at, len(vocab)).astype(np.int64)
        out.append(lookup[c.codes[rows]])  # the empty value's code -1 picks the last entry: no value
    return out, vocab.to_numpy(zero_copy_only=False).astype(object)


def _sort_order(cust: np.ndarray, at: np.ndarray, src: np.ndarray, row_id) -> np.ndarray:
    """Positions sorting by customer, time (missing last), source, then row id (text; stable).

    The rows come source by source (in :data:`SOURCE_ORDER`): a stable sort by time puts them
    in order of time, source and row (one merge of a few sorted runs when each source's rows
    are already in time order), then one sort of ``customer << bits | rank`` (integers: no
    comparison of several keys) by customer, keeping that order within a customer.
    """
    key = at.astype("datetime64[ns]").view("int64")
    key = np.where(np.isnat(at), np.iinfo(np.int64).max, key)
    n = len(cust)
    by_time = np.argsort(key, kind="stable")
    bits = max(n.bit_length(), 1)
    if n and int(cust.max()) < 2 ** (62 - bits):
        packed = (cust[by_time].astype(np.int64) << bits) | np.arange(n, dtype=np.int64)
        packed.sort()
        order = by_time[packed & ((1 << bits) - 1)]
    else:
        order = np.lexsort((src, key, cust))
    c, k, s = cust[order], key[order], src[order]
    tied = (c[1:] == c[:-1]) & (k[1:] == k[:-1]) & (s[1:] == s[:-1])
    if not tied.any():
        return order
    # rows equal on customer, time and source: in row-id order (rarely more than a few)
    with_prev = np.r_[False, tied]
    where = np.flatnonzero(with_prev | np.r_[tied, False])
    run = np.cumsum(~with_prev[where])
    ids = row_id(order[where])
    resorted = sorted(range(len(where)), key=lambda i: (run[i], ids[i]))
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
    parts.sort(key=lambda p: SOURCE_ORDER.index(p.name))  # what _sort_order expects
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
    # each column is concatenated, then the parts' arrays of it are let go (at 10M rows every
    # copy kept alive is fresh memory the next array page-faults into)
    pieces = {
        "cust": cust_codes,
        "rep": rep_codes,
        "at": [p.at for p in parts],
        "src": [np.full(len(p.pos), SOURCE_ORDER.index(p.name), dtype=np.int8) for p in parts],
        "pos": [p.pos for p in parts],
        "frame_row": [p.frame_rows for p in parts],
        "revenue": [p.revenue for p in parts],
        "pipeline": [p.pipeline for p in parts],
    }
    del parts, cust_codes, rep_codes
    columns = {f: np.concatenate(pieces.pop(f)) for f in _ROW_FIELDS}
    unsorted = ContactCodes(**columns, customers=customers, reps=reps, ids=ids)
    order = _sort_order(columns["cust"], columns["at"], columns["src"], unsorted.row_ids)
    del unsorted
    # taken column by column, each unsorted column let go once its sorted copy exists
    return ContactCodes(
        **{f: columns.pop(f)[order] for f in _ROW_FIELDS}, customers=customers, reps=reps, ids=ids
    )
