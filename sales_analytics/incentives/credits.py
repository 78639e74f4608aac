"""Sales credit per rep and order: splits applied, refunds tied to their original order.

Money is exact here: an order's amount becomes integer cents, a split share
integer basis points (1/10,000), and a rep's credit integer micro-units
(cents × basis points = 1e-6 of the currency), so that summing a million
credits never drifts and a split always adds back to the order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, DataProblem, problem_at_rows, require_columns
from sales_analytics.refunds import REFUND_SUFFIX, normalize_refunds

__all__ = ["CreditRows", "credit_rows", "order_credits"]

MICRO = 1_000_000  # credit_micro units per currency unit
BP = 10_000  # basis points per whole share

ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_UP}


def dec(x: float | int | str | Decimal) -> Decimal:
    """A float from a plan or a table as the Decimal it was written as (0.05 → Decimal('0.05'))."""
    return x if isinstance(x, Decimal) else Decimal(str(x))


def round_money(x: Decimal, quantum: str = "0.01", mode: str = "half_up") -> Decimal:
    """Round ``x`` to ``quantum`` (``"0.01"``, ``"1"`` …) by ``mode``.

    >>> round_money(Decimal("12.345")), round_money(Decimal("12.5"), "1", "half_even")
    (Decimal('12.35'), Decimal('12.00'))
    """
    q = Decimal(quantum)
    out = x.quantize(q, rounding=ROUNDING_MODES[mode])
    return out if q < 1 else out.quantize(Decimal("0.01"))


def month_labels(dates: pd.Series) -> pd.Series:
    """``YYYY-MM`` text of each date (vectorised through the few distinct months)."""
    d = pd.to_datetime(dates)
    key = d.dt.year * 100 + d.dt.month
    uniq = pd.unique(key.dropna())
    mapping = {int(k): f"{int(k) // 100:04d}-{int(k) % 100:02d}" for k in uniq}
    return key.map(mapping).astype("str")


def _split_table(splits: pd.DataFrame | None, plan_splits: Iterable[Any]) -> pd.DataFrame:
    rows = [
        {"order_id": s.order_id, "rep_id": sh.rep_id, "share": sh.share, "source": "plan"}
        for s in plan_splits
        for sh in s.shares
    ]
    frames = [pd.DataFrame(rows, columns=["order_id", "rep_id", "share", "source"])]
    if splits is not None and len(splits):
        require_columns(splits, "splits", ["order_id", "rep_id", "share"])
        frames.append(splits[["order_id", "rep_id", "share"]].assign(source="table"))
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if table.empty:
        return pd.DataFrame(
            {
                "order_id": pd.Series(dtype="str"),
                "rep_id": pd.Series(dtype="str"),
                "share_bp": pd.Series(dtype="int64"),
            }
        )
    table = table.astype({"order_id": "str", "rep_id": "str"})
    bp = np.rint(table["share"].astype(float).to_numpy() * BP).astype(np.int64)
    problems = []
    inexact = np.abs(table["share"].astype(float).to_numpy() * BP - bp) > 1e-6
    if inexact.any():
        bad = tuple(int(i) + 1 for i in np.flatnonzero(inexact))
        problems.append(
            DataProblem(
                "splits",
                "shares must have at most 4 decimals",
                column="share",
                rows=bad,
                found=str(table["share"].iloc[bad[0] - 1]),
            )
        )
    table = table.assign(share_bp=bp)
    sources = table.groupby("order_id")["source"].nunique()
    both = sources[sources > 1].index.tolist()
    if both:
        problems.append(
            DataProblem(
                "splits",
                "orders split both in the plan file and in the split table",
                column="order_id",
                found=", ".join(both[:5]),
            )
        )
    sums = table.groupby("order_id")["share_bp"].sum()
    bad = sums[sums != BP]
    if len(bad):
        problems.append(
            DataProblem(
                "splits",
                f"shares of {len(bad)} orders do not sum to 1",
                column="share",
                expected="shares summing to 1 per order",
                found=f"{bad.index[0]}: {bad.iloc[0] / BP:g}",
            )
        )
    if problems:
        raise DataError(problems)
    return table[["order_id", "rep_id", "share_bp"]]


def order_credits(
    orders: pd.DataFrame, *, splits: pd.DataFrame | None = None, plan_splits: Iterable[object] = ()
) -> pd.DataFrame:
    """Credit each order (and each refund) to the rep or reps who sold it.

    Parameters
    ----------
    orders : ``order_id, order_date, rep_id, amount`` [, ``status, product_id,
        product_category, quantity, refunded_at``]. Cancelled rows are dropped; a
        refund row (``status == "refunded"``, negative amount, ``order_id`` =
        original id + ``-R``) follows the split of its original order; a
        ``refunded`` row with a positive amount is an order refunded in full
        and is credited nothing (:func:`sales_analytics.refunds.normalize_refunds`:
        refunded in a later month, it is credited in its month and clawed back
        in the month of ``refunded_at``).
    splits : optional ``order_id, rep_id, share`` (shares of an order sum to 1).
    plan_splits : the plan file's ``commission.splits``.

    Returns
    -------
    DataFrame
        ``order_id, base_order_id, period, order_date, rep_id, share, amount,
        credit, credit_micro, is_refund, status, product_id, product_category,
        quantity`` — one row per order × credited rep; ``credit = amount ×
        share``, exact in ``credit_micro`` (1e-6 of the currency).

    >>> orders = pd.DataFrame({"order_id": ["O1", "O2"], "order_date": pd.to_datetime(["2026-03-02", "2026-03-05"]),
    ...                        "rep_id": ["r1", "r1"], "amount": [1000.0, 300.0]})
    >>> splits = pd.DataFrame({"order_id": ["O1", "O1"], "rep_id": ["r1", "r2"], "share": [0.5, 0.5]})
    >>> order_credits(orders, splits=splits)[["order_id", "rep_id", "credit"]]
      order_id rep_id  credit
    0       O1     r1   500.0
    1       O1     r2   500.0
    2       O2     r1   300.0
    """
    require_columns(orders, "orders", ["order_id", "order_date", "rep_id", "amount"])
    o, status, kept = _kept_orders(normalize_refunds(orders))
    return _split_frame(o, status, kept, _split_table(splits, plan_splits))


CREDIT_COLUMNS = [
    "order_id",
    "base_order_id",
    "period",
    "order_date",
    "rep_id",
    "share",
    "share_bp",
    "amount",
    "credit",
    "credit_micro",
    "is_refund",
    "status",
    "product_id",
    "product_category",
    "quantity",
]


def _labels_of_months(month: np.ndarray) -> np.ndarray:
    """``YYYY-MM`` per month index (``year * 12 + month - 1``), as an object array."""
    uniq, inv = np.unique(month, return_inverse=True)
    names = np.array([f"{int(m) // 12:04d}-{int(m) % 12 + 1:02d}" for m in uniq], dtype=object)
    return names[inv.reshape(-1)]


def _month_of_labels(period: pd.Series) -> np.ndarray:
    """Month index per ``YYYY-MM`` label (-1 where missing)."""
    codes, uniq = pd.factorize(period)
    idx = np.array([int(str(u)[:4]) * 12 + int(str(u)[5:7]) - 1 for u in uniq] + [-1], dtype=np.int64)
    return idx[codes]


@dataclass(frozen=True)
class CreditRows:
    """The order credits (one entry per order × credited rep) as arrays; the frame built for any rows.

    ``credit_rows(...).frame()`` is the frame of :func:`order_credits`. The commission engine
    works on the arrays and builds the frame only for the rows it shows (a month's
    credits, the clawbacks, the SPIFF hits): at 10M order rows the whole frame of
    text columns cost more than the engine itself.

    ``month``: month index (``year * 12 + month - 1``); ``rep``: codes into
    ``rep_names``; ``order`` / ``base``: codes of ``order_id`` / ``base_order_id``
    into one set of order ids (``base`` is -1 when no order has that id);
    ``src``: the row of the source (see :meth:`frame`).
    """

    month: np.ndarray
    rep: np.ndarray
    rep_names: np.ndarray
    credit_micro: np.ndarray
    share_bp: np.ndarray
    is_refund: np.ndarray
    order: np.ndarray
    base: np.ndarray
    order_date: np.ndarray
    quantity: np.ndarray
    src: np.ndarray
    source: _Source

    def __len__(self) -> int:
        return len(self.month)

    def take(self, rows: np.ndarray) -> CreditRows:
        """The credits at ``rows`` (positions), in that order."""
        arrays = {
            name: getattr(self, name)[rows]
            for name in (
                "month",
                "rep",
                "credit_micro",
                "share_bp",
                "is_refund",
                "order",
                "base",
                "order_date",
                "quantity",
                "src",
            )
        }
        return CreditRows(rep_names=self.rep_names, source=self.source, **arrays)

    def frame(self, rows: np.ndarray | None = None) -> pd.DataFrame:
        """The credits frame of :func:`order_credits` for ``rows`` (positions; all when None)."""
        return self.source.frame(self.src if rows is None else self.src[rows])

    def order_ids(self, rows: np.ndarray) -> list[str]:
        """The ``order_id`` text of the credits at ``rows``."""
        return self.source.order_ids(self.src[rows])

    def codes(self, column: str) -> tuple[np.ndarray, pd.Index]:
        """Codes per credit of a text column of the frame (``product_id``, ``product_category``), -1 = missing."""
        codes, uniques = self.source.codes(column)
        return codes[self.src], uniques


class _Source:
    """Where the credits frame comes from (see :func:`credit_rows`)."""

    def frame(self, src: np.ndarray) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    def order_ids(self, src: np.ndarray) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def codes(self, column: str) -> tuple[np.ndarray, pd.Index]:  # pragma: no cover - abstract
        raise NotImplementedError


class _FrameSource(_Source):
    """A credits frame built whole (splits): rows are taken from it."""

    def __init__(self, frame: pd.DataFrame):
        self._frame = frame

    def frame(self, src: np.ndarray) -> pd.DataFrame:
        if len(src) == len(self._frame) and (src == np.arange(len(src))).all():
            return self._frame
        return self._frame.take(src).reset_index(drop=True)

    def order_ids(self, src: np.ndarray) -> list[str]:
        return self._frame["order_id"].take(src).tolist()

    def codes(self, column: str) -> tuple[np.ndarray, pd.Index]:
        codes, uniques = pd.factorize(self._frame[column])
        return codes, pd.Index(uniques)


class _OrderSource(_Source):
    """One credit per kept order row (no splits): a frame row is built from its order row."""

    def __init__(self, orders: pd.DataFrame, status: pd.Series, kept: np.ndarray):
        self._orders, self._status, self._kept = orders, status, kept
        self._ids: Any = None

    def frame(self, src: np.ndarray) -> pd.DataFrame:
        pos = self._kept[src]
        o = self._orders.take(pos).reset_index(drop=True)
        frame = _frame_of(o, self._status.take(pos).reset_index(drop=True))
        return _with_shares(frame.assign(share_bp=np.int64(BP)))

    def order_ids(self, src: np.ndarray) -> list[str]:
        import pyarrow as pa

        if self._ids is None:
            # one Arrow array: a take from the snapshot's chunked column costs ~8 ms however few
            # rows it takes, and the statements ask for the ids of every rep's month
            ids = pa.array(self._orders["order_id"].astype("str").array)
            self._ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
        return self._ids.take(pa.array(self._kept[src])).to_pylist()

    def codes(self, column: str) -> tuple[np.ndarray, pd.Index]:
        from sales_analytics.kpis._core import encode

        if column not in self._orders.columns:
            return np.full(len(self._kept), -1, dtype=np.int64), pd.Index([], dtype="str")
        c = encode(self._orders[column].astype("str"))
        return np.asarray(c.codes)[self._kept], c.uniques


def _kept_orders(orders: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """The orders' credited columns, their status (missing: paid) and the rows not cancelled.

    Raises DataError for a missing or infinite amount (rows counted among the kept rows).
    """
    cols = ["order_id", "order_date", "rep_id", "amount"] + [
        c for c in ("status", "product_id", "product_category", "quantity") if c in orders.columns
    ]
    o = orders[cols]
    status = (
        o["status"].fillna("paid").astype("str")
        if "status" in o.columns
        else pd.Series("paid", index=o.index, dtype="str")
    )
    keep = (status != "cancelled").to_numpy()
    kept = np.flatnonzero(keep)
    amount = o["amount"].to_numpy()[kept]
    bad_amount = pd.isna(amount)
    if bad_amount.any():
        rows = tuple(int(i) + 1 for i in np.flatnonzero(bad_amount))
        raise DataError(
            [DataProblem("orders", "amount is missing", column="amount", rows=rows, expected="a number")]
        )
    infinite = np.isinf(amount.astype(np.float64))
    if infinite.any():  # an inf order would be credited as 0 (cents overflow), not refused
        raise DataError(
            [
                problem_at_rows(
                    "orders",
                    "amount is infinite",
                    infinite,
                    column="amount",
                    expected="a finite number",
                    values=o["amount"].take(kept).reset_index(drop=True),
                )
            ]
        )
    return o, status, kept


def _frame_of(o: pd.DataFrame, status: pd.Series) -> pd.DataFrame:
    """The credits frame (before splits) of kept order rows ``o`` (index 0..n-1) and their status."""
    order_id = o["order_id"].astype("str")
    is_refund = (status == "refunded").to_numpy()
    suffixed = is_refund & order_id.str.endswith(REFUND_SUFFIX).to_numpy()
    base = order_id.copy()
    if suffixed.any():
        base[suffixed] = order_id[suffixed].str.slice(0, -len(REFUND_SUFFIX))
    cents = np.rint(o["amount"].astype(float).to_numpy() * 100).astype(np.int64)
    missing = pd.Series(pd.NA, index=o.index, dtype="str")
    return pd.DataFrame(
        {
            "order_id": order_id,
            "base_order_id": base,
            "period": month_labels(o["order_date"]),
            "order_date": pd.to_datetime(o["order_date"]),
            "rep_id": o["rep_id"].astype("str"),
            "amount": cents / 100,
            "amount_cents": cents,
            "is_refund": is_refund,
            "status": status,
            "product_id": o["product_id"].astype("str") if "product_id" in o.columns else missing,
            "product_category": o["product_category"].astype("str")
            if "product_category" in o.columns
            else missing,
            "quantity": o["quantity"].fillna(1).astype(float) if "quantity" in o.columns else 1.0,
        }
    )


def _with_shares(out: pd.DataFrame) -> pd.DataFrame:
    micro = out["amount_cents"].to_numpy() * out["share_bp"].to_numpy()
    out = out.assign(share=out["share_bp"] / BP, credit_micro=micro, credit=micro / MICRO)
    return out[CREDIT_COLUMNS]


def credit_rows(
    orders: pd.DataFrame, *, splits: pd.DataFrame | None = None, plan_splits: Iterable[object] = ()
) -> CreditRows:
    """:func:`order_credits` as :class:`CreditRows` (arguments as there)."""
    require_columns(orders, "orders", ["order_id", "order_date", "rep_id", "amount"])
    orders = normalize_refunds(orders)
    o, status, kept = _kept_orders(orders)
    table = _split_table(splits, plan_splits)
    dates = o["order_date"]
    fast = (
        table.empty
        and pd.api.types.is_datetime64_dtype(dates.dtype)
        and not dates.isna().any()
        and not o["rep_id"].isna().any()
        and not o["order_id"].isna().any()
    )
    if not fast:
        return _rows_of_frame(_split_frame(o, status, kept, table))
    return _rows_of_orders(o, status, kept)


def _split_frame(o: pd.DataFrame, status: pd.Series, kept: np.ndarray, table: pd.DataFrame) -> pd.DataFrame:
    """The whole credits frame, splits applied (an order split between reps gives a row per rep)."""
    frame = _frame_of(o.take(kept).reset_index(drop=True), status.take(kept).reset_index(drop=True))
    if table.empty:
        return _with_shares(frame.assign(share_bp=np.int64(BP)))
    is_split = frame["base_order_id"].isin(table["order_id"]).to_numpy()
    frame = frame.assign(_row=np.arange(len(frame)))
    plain = frame.loc[~is_split].assign(share_bp=np.int64(BP))
    split = (
        frame.loc[is_split]
        .drop(columns="rep_id")
        .merge(table.rename(columns={"order_id": "base_order_id"}), on="base_order_id", how="left")
    )
    out = pd.concat([plain, split], ignore_index=True).sort_values(["_row", "rep_id"], kind="stable")
    return _with_shares(out.drop(columns="_row").reset_index(drop=True))


def _rows_of_frame(frame: pd.DataFrame) -> CreditRows:
    rep, rep_names = pd.factorize(frame["rep_id"])
    order, order_names = pd.factorize(frame["order_id"])
    base = pd.Index(order_names).get_indexer(frame["base_order_id"])
    return CreditRows(
        month=_month_of_labels(frame["period"]),
        rep=rep,
        rep_names=np.asarray(rep_names, dtype=object),
        credit_micro=frame["credit_micro"].to_numpy(dtype=np.int64),
        share_bp=frame["share_bp"].to_numpy(dtype=np.int64),
        is_refund=frame["is_refund"].to_numpy(dtype=bool),
        order=order,
        base=base,
        order_date=frame["order_date"].to_numpy(),
        quantity=frame["quantity"].to_numpy(dtype=np.float64),
        src=np.arange(len(frame)),
        source=_FrameSource(frame),
    )


def _rows_of_orders(o: pd.DataFrame, status: pd.Series, kept: np.ndarray) -> CreditRows:
    """No splits: one credit per kept order row, computed on codes (the ids are encoded once per table)."""
    from sales_analytics.kpis._core import encode, index_in, month_index

    order_id = o["order_id"].astype("str")
    oc = encode(order_id)
    rc = encode(o["rep_id"].astype("str"))
    order = np.asarray(oc.codes)[kept]
    is_refund = (status == "refunded").to_numpy()[kept]
    base = order.astype(np.int64, copy=True)
    refund_rows = np.flatnonzero(is_refund)
    if len(refund_rows):
        ids = order_id.take(kept[refund_rows])
        suffixed = ids.str.endswith(REFUND_SUFFIX).to_numpy(dtype=bool)
        if suffixed.any():
            stripped = ids[suffixed].str.slice(0, -len(REFUND_SUFFIX)).to_numpy(dtype=object)
            base[refund_rows[suffixed]] = index_in(pd.Series(stripped, dtype=object), oc.uniques)
    cents = np.rint(o["amount"].to_numpy(dtype=np.float64)[kept] * 100).astype(np.int64)
    days = o["order_date"].to_numpy(dtype="datetime64[ns]")[kept]
    quantity = (
        o["quantity"].fillna(1).to_numpy(dtype=np.float64)[kept]
        if "quantity" in o.columns
        else np.ones(len(kept))
    )
    return CreditRows(
        month=month_index(days),
        rep=np.asarray(rc.codes)[kept],
        rep_names=np.asarray(rc.uniques.astype("str"), dtype=object),
        credit_micro=cents * BP,
        share_bp=np.full(len(kept), BP, dtype=np.int64),
        is_refund=is_refund,
        order=order,
        base=base,
        order_date=days,
        quantity=quantity,
        src=np.arange(len(kept)),
        source=_OrderSource(o, status, kept),
    )
