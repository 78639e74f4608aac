"""Sales credit per rep and order: splits applied, refunds tied to their original order.

Money is exact here: an order's amount becomes integer cents, a split share
integer basis points (1/10,000), and a rep's credit integer micro-units
(cents × basis points = 1e-6 of the currency), so that summing a million
credits never drifts and a split always adds back to the order.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, DataProblem, problem_at_rows, require_columns
from sales_analytics.refunds import REFUND_SUFFIX, normalize_refunds

__all__ = ["order_credits"]

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
    orders = normalize_refunds(orders)
    cols = ["order_id", "order_date", "rep_id", "amount"] + [
        c for c in ("status", "product_id", "product_category", "quantity") if c in orders.columns
    ]
    o = orders[cols]
    status = (
        o["status"].fillna("paid").astype("str")
        if "status" in o.columns
        else pd.Series("paid", index=o.index)
    )
    keep = (status != "cancelled").to_numpy()
    o = o.loc[keep]
    status = status.loc[keep]
    bad_amount = o["amount"].isna()
    if bad_amount.any():
        rows = tuple(int(i) + 1 for i in np.flatnonzero(bad_amount.to_numpy()))
        raise DataError(
            [DataProblem("orders", "amount is missing", column="amount", rows=rows, expected="a number")]
        )
    infinite = np.isinf(o["amount"].to_numpy(dtype=np.float64))
    if infinite.any():  # an inf order would be credited as 0 (cents overflow), not refused
        raise DataError(
            [
                problem_at_rows(
                    "orders",
                    "amount is infinite",
                    infinite,
                    column="amount",
                    expected="a finite number",
                    values=o["amount"],
                )
            ]
        )
    o = o.reset_index(drop=True)
    status = status.reset_index(drop=True)
    order_id = o["order_id"].astype("str")
    is_refund = (status == "refunded").to_numpy()
    suffixed = is_refund & order_id.str.endswith(REFUND_SUFFIX).to_numpy()
    base = order_id.copy()
    if suffixed.any():
        base[suffixed] = order_id[suffixed].str.slice(0, -len(REFUND_SUFFIX))
    cents = np.rint(o["amount"].astype(float).to_numpy() * 100).astype(np.int64)
    missing = pd.Series(pd.NA, index=o.index, dtype="str")
    frame = pd.DataFrame(
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
    table = _split_table(splits, plan_splits)
    if table.empty:
        out = frame.assign(share_bp=np.int64(BP))
    else:
        is_split = frame["base_order_id"].isin(table["order_id"]).to_numpy()
        frame = frame.assign(_row=np.arange(len(frame)))
        plain = frame.loc[~is_split].assign(share_bp=np.int64(BP))
        split = (
            frame.loc[is_split]
            .drop(columns="rep_id")
            .merge(table.rename(columns={"order_id": "base_order_id"}), on="base_order_id", how="left")
        )
        out = pd.concat([plain, split], ignore_index=True).sort_values(["_row", "rep_id"], kind="stable")
        out = out.drop(columns="_row").reset_index(drop=True)
    micro = out["amount_cents"].to_numpy() * out["share_bp"].to_numpy()
    out = out.assign(share=out["share_bp"] / BP, credit_micro=micro, credit=micro / MICRO)
    return out[
        [
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
    ]
