"""Statement lines beyond the commission itself: SPIFFs, clawbacks, draws.

- SPIFF (docs/formulas.md §4.7): a fixed amount per qualifying order, unit or
  activity inside a window (both ends included), credited like the order.
- Clawback (§4.5): a refund of an order credited in an earlier month recovers
  ``refund credit × rate actually paid on that order × clawback rate``; only
  what was paid is recovered (a ``max_payout`` cap lowers the rate paid).
- Draw (§4.4): ``paid = max(earned − B, G)``; a recoverable draw, and any
  negative payout, leaves ``B = B + paid − earned`` to recover later.
"""

from __future__ import annotations

from decimal import Decimal, DecimalTuple
from functools import lru_cache
from typing import cast

import numpy as np
import pandas as pd

from sales_analytics.incentives.credits import MICRO, dec, month_labels, require_columns
from sales_analytics.incentives.plan import CommissionPlan, Spiff
from sales_analytics.incentives.tiers import Line
from sales_analytics.periods import parse_period

__all__: list[str] = []


@lru_cache(maxsize=4096)
def months_between(a: str, b: str) -> int:
    pa, pb = parse_period(a), parse_period(b)
    return (pb.year - pa.year) * 12 + pb.index - pa.index


def spiff_hits(
    spiff: Spiff, credits: pd.DataFrame, activities: pd.DataFrame | None, eligible: set[str] | None
) -> pd.DataFrame:
    """Per (period, rep_id): quantity earned (Decimal), qualifying ids and sales."""
    start, end = pd.Timestamp(spiff.start), pd.Timestamp(spiff.end) + pd.Timedelta(days=1)
    if spiff.activity_type is not None:
        if activities is None:
            return pd.DataFrame(columns=["period", "rep_id", "qty", "ids", "sales"])
        require_columns(activities, "activities", ["rep_id", "activity_type", "activity_at"])
        at = pd.to_datetime(activities["activity_at"])
        if getattr(at.dt, "tz", None) is not None:
            at = at.dt.tz_localize(None)
        m = (activities["activity_type"] == spiff.activity_type) & (at >= start) & (at < end)
        sel = activities.loc[m]
        ids = (
            sel["activity_id"].astype(str)
            if "activity_id" in sel.columns
            else pd.Series([f"{spiff.activity_type}@{t:%Y-%m-%d %H:%M}" for t in at[m]], index=sel.index)
        )
        hits = pd.DataFrame(
            {
                "period": month_labels(at[m]).to_numpy(),
                "rep_id": sel["rep_id"].astype(str).to_numpy(),
                "units_bp": 10_000,
                "id": ids.to_numpy(),
                "sales": 0,
            }
        )
    else:
        col, value = (
            ("product_id", spiff.product_id)
            if spiff.product_id is not None
            else ("product_category", spiff.product_category)
        )
        m = (
            (~credits["is_refund"])
            & (credits[col] == value)
            & (credits["order_date"] >= start)
            & (credits["order_date"] < end)
        )
        sel = credits[["period", "rep_id", "order_id", "share_bp", "credit_micro", "quantity"]].loc[
            m.to_numpy()
        ]
        per_unit = sel["quantity"].to_numpy() if spiff.per == "unit" else 1
        hits = pd.DataFrame(
            {
                "period": sel["period"].to_numpy(),
                "rep_id": sel["rep_id"].to_numpy(),
                "units_bp": np.rint(sel["share_bp"].to_numpy() * per_unit).astype(np.int64),
                "id": sel["order_id"].to_numpy(),
                "sales": sel["credit_micro"].to_numpy(),
            }
        )
    if eligible is not None:
        hits = hits.loc[hits["rep_id"].isin(eligible)]
    return (
        hits.groupby(["period", "rep_id"], sort=False)
        .agg(units_bp=("units_bp", "sum"), ids=("id", list), sales=("sales", "sum"))
        .reset_index()
    )


def spiff_eligible(spiff: Spiff, reps: pd.DataFrame) -> set[str] | None:
    if not spiff.reps and not spiff.teams:
        return None
    return set(spiff.reps) | set(reps.loc[reps["team"].isin(spiff.teams), "rep_id"].astype(str))


def clawback_line(
    row,
    month: str,
    rep: str,
    plan: CommissionPlan,
    effs: dict[tuple[str, str], dict[str, Decimal]],
    terms: dict[tuple[str, str, str], tuple[Decimal, str, str]] | None = None,
) -> Line:
    """The clawback line of one refund credit ``row`` in ``month``.

    ``terms``: a memo of the clawed-back rate and its texts per (original period, rep, rate
    group) for one engine run, where a month's effective rates no longer change once computed.
    """
    credit = Decimal(int(row.credit_micro)) / MICRO
    ids = [str(row.order_id)]
    if not isinstance(row.orig_period, str) and pd.isna(row.orig_period):
        return Line(
            "clawback",
            f"refund {row.order_id}: original order {row.base_order_id} is not among the "
            "credited orders, nothing to claw back",
            Decimal(0),
            base=credit,
            order_ids=ids,
        )
    lag = months_between(row.orig_period, month)
    cb = plan.clawback
    if lag > cb.window_months:
        return Line(
            "clawback",
            f"refund {row.order_id} of order {row.base_order_id} ({row.orig_period}) is "
            f"{lag} months later, outside the {cb.window_months}-month clawback window",
            Decimal(0),
            base=credit,
            order_ids=ids,
        )
    eff = effs.get((row.orig_period, rep))
    if eff is None:
        return Line(
            "clawback",
            f"refund {row.order_id}: order {row.base_order_id} ({row.orig_period}) was sold "
            "before the plan start, nothing to claw back",
            Decimal(0),
            base=credit,
            order_ids=ids,
        )
    key = (row.orig_period, rep, row.group)
    found = terms.get(key) if terms is not None else None
    if found is None:
        found = _clawback_terms(eff.get(row.group, Decimal(0)).as_tuple(), cb.rate)
        if terms is not None:
            terms[key] = found
    rate, share, adjustment = found
    return Line(
        "clawback",
        f"refund {row.order_id} of order {row.base_order_id} ({row.orig_period}): {share} of the commission paid on it",
        credit * rate,
        base=credit,
        rate=rate,
        adjustment=adjustment,
        order_ids=ids,
    )


@lru_cache(maxsize=65536, typed=True)
def _clawback_terms(paid: DecimalTuple, clawback_rate: float) -> tuple[Decimal, str, str]:
    """(rate clawed back, the clawback share as text, the adjustment text) of a rate paid.

    Refunds repeat a few rates paid, and formatting Decimals is most of a line's cost. The
    rate paid is keyed by its digits and exponent (``as_tuple``), not its value: 0.05 and
    0.050 are equal but give other text.
    """
    # a rate paid is finite: its exponent is an int (a DecimalTuple's type allows "n"/"F" too)
    paid_rate, cb = Decimal(cast("tuple[int, tuple[int, ...], int]", paid)), dec(clawback_rate)
    share = f"{cb * 100:.0f}%"
    return paid_rate * cb, share, f"rate paid {paid_rate * 100:.4g}% × clawback {share}"


def draw_lines(plan: CommissionPlan, earned: Decimal, balances: dict[str, Decimal], rep: str) -> list[Line]:
    """Balance recovery, draw top-up and negative carry (docs/formulas.md §4.4); updates ``balances``."""
    lines = []
    owed = balances.get(rep, Decimal(0))
    if owed > 0:
        lines.append(
            Line(
                "balance_recovery",
                "balance carried from earlier periods (draw advances, negative payouts) recovered",
                -owed,
                base=owed,
            )
        )
    avail = earned - owed
    guarantee = dec(plan.draw.amount) if plan.draw is not None else Decimal(0)
    paid = max(avail, guarantee)
    topup = paid - avail
    if topup > 0:
        carry = max(Decimal(0), -avail)
        drawn = topup - carry
        if drawn > 0:
            kind = "recoverable" if plan.draw is not None and plan.draw.recoverable else "non-recoverable"
            lines.append(
                Line(
                    "draw_topup",
                    f"{kind} draw: at least {guarantee:,.2f} is paid",
                    drawn,
                    adjustment=f"draw {guarantee:,.2f} ({kind})",
                )
            )
        if carry > 0:
            lines.append(Line("negative_carry", "negative payout carried to the next period", carry))
    recoverable = plan.draw is None or plan.draw.recoverable
    balances[rep] = topup if recoverable else max(Decimal(0), -avail)
    return lines
