"""Commission on one figure of credited sales: tiers (retroactive or marginal) and the payout curve.

Everything here is exact ``Decimal`` arithmetic on one rep's one period; the
engine in :mod:`sales_analytics.incentives.commission` turns orders into that
figure and the lines into a statement.

Definitions (docs/formulas.md §4.1–4.2), tiers covering ``[from, to)``::

    retroactive:  C = r(tier(S)) × S
    marginal:     C = Σ_k r_k × max(0, min(S, U_k) − L_k)
    curve:        C = TI × curve(S / Q), linear from the threshold t to 1.0 at
                  100%, slope × m above 100% up to the cap c (× the decelerator
                  multiple beyond its start)

A threshold is a gate: below it nothing is paid; at or above it the tiers
apply from 0. A cap limits the credited sales that earn anything; sales
beyond the last tier's ``to`` earn nothing either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from sales_analytics.errors import ConfigError
from sales_analytics.incentives.credits import dec
from sales_analytics.incentives.plan import CommissionPlan

__all__ = ["commission_lines"]

_ONE = Decimal(1)


@dataclass
class Line:
    """One statement line before it becomes a table row."""

    line_type: str
    description: str
    amount: Decimal
    base: Decimal | None = None
    rate: Decimal | None = None
    tier: str = ""
    adjustment: str = ""
    order_ids: Sequence[str] = field(default_factory=list)


def _money(x: Decimal) -> str:
    return f"{x:,.2f}"


def _pct(x: Decimal) -> str:
    return f"{(x * 100).normalize():f}%"


def _dec_or_none(value: float | None) -> Decimal | None:
    return None if value is None else dec(value)


def _tier_label(i: int, lo: Decimal, hi: Decimal | None, basis: str) -> str:
    fmt = _pct if basis == "attainment" else (lambda v: f"{v:,.0f}")
    return f"{i + 1}: {fmt(lo)} – {fmt(hi) if hi is not None else '∞'}"


def _tier_kind(plan: CommissionPlan, i: int) -> str:
    """commission, or accelerator / decelerator for attainment tiers above 100%."""
    if plan.basis != "attainment" or plan.tiers[i].from_ < 1:
        return "commission"
    base = [t for t in plan.tiers if t.from_ < 1]
    base_rate = base[-1].rate if base else 0.0
    rate = plan.tiers[i].rate
    return "accelerator" if rate > base_rate else ("decelerator" if rate < base_rate else "commission")


def tier_lines(plan: CommissionPlan, sales: Decimal, quota: Decimal | None) -> list[Line]:
    """Lines of the tiered or curve commission on ``sales`` (credited, net of same-period refunds)."""
    if plan.method == "curve":
        return _curve_lines(plan, sales, quota)
    if plan.basis == "attainment":
        if quota is None or quota <= 0:
            return [
                Line(
                    "commission",
                    "no target for this period: the attainment-based tiers cannot apply",
                    Decimal(0),
                    base=sales,
                )
            ]
        scale = quota
    else:
        scale = _ONE
    bounds = [
        (dec(t.from_) * scale, dec(t.to) * scale if t.to is not None else None, dec(t.rate))
        for t in plan.tiers
    ]
    threshold = dec(plan.threshold) * scale
    limit = dec(plan.cap) * scale if plan.cap is not None else None
    if bounds[-1][1] is not None:
        limit = bounds[-1][1] if limit is None else min(limit, bounds[-1][1])
    if sales <= 0:
        return [Line("commission", "no credited sales", Decimal(0), base=sales, rate=Decimal(0))]
    if sales < threshold:
        return [
            Line(
                "commission",
                f"below the threshold {_money(threshold)}: nothing is paid",
                Decimal(0),
                base=sales,
                rate=Decimal(0),
                adjustment=f"threshold {_money(threshold)}",
            )
        ]
    eff = min(sales, limit) if limit is not None else sales
    capped = f"credited sales capped at {_money(limit)}" if limit is not None and sales > limit else ""
    if plan.method == "retroactive":
        k = next(
            (i for i, (lo, hi, _) in enumerate(bounds) if lo <= eff and (hi is None or eff < hi)),
            len(bounds) - 1,
        )
        lo, hi, rate = bounds[k]
        return [
            Line(
                _tier_kind(plan, k),
                f"retroactive: all {_money(eff)} at the rate of tier {k + 1}",
                rate * eff,
                base=eff,
                rate=rate,
                tier=_tier_label(
                    k,
                    dec(plan.tiers[k].from_),
                    _dec_or_none(plan.tiers[k].to),
                    plan.basis,
                ),
                adjustment=capped,
            )
        ]
    lines = []
    for k, (lo, hi, rate) in enumerate(bounds):
        top = eff if hi is None else min(eff, hi)
        slice_ = top - lo
        if slice_ <= 0:
            continue
        label = _tier_label(
            k,
            dec(plan.tiers[k].from_),
            _dec_or_none(plan.tiers[k].to),
            plan.basis,
        )
        lines.append(
            Line(
                _tier_kind(plan, k),
                f"marginal: slice {_money(lo)} – {_money(top)} at its own rate",
                rate * slice_,
                base=slice_,
                rate=rate,
                tier=label,
                adjustment=capped if hi is None or top < hi else "",
            )
        )
    return lines


def _curve_lines(plan: CommissionPlan, sales: Decimal, quota: Decimal | None) -> list[Line]:
    curve = plan.curve
    if curve is None:  # parse_incentive_plan refuses this; a plan built in code may not
        raise ConfigError("<incentive plan>", f"plan {plan.id}.curve", "method 'curve' needs a curve")
    if quota is None or quota <= 0:
        return [
            Line(
                "commission",
                "no target for this period: the payout curve cannot apply",
                Decimal(0),
                base=sales,
            )
        ]
    ti, t, m = dec(curve.target_incentive), dec(curve.threshold), dec(curve.accelerator)
    a = sales / quota
    if a < t:
        return [
            Line(
                "commission",
                f"attainment {_pct(a.quantize(Decimal('0.0001')))} is below the threshold "
                f"{_pct(t)}: nothing is paid",
                Decimal(0),
                base=sales,
                rate=Decimal(0),
                adjustment=f"threshold {_pct(t)}",
            )
        ]
    slope = ti / (quota * (_ONE - t))  # payout per unit of sales in the linear zone
    cap = dec(curve.cap) if curve.cap is not None else None
    segments: list[tuple[str, Decimal, Decimal | None, Decimal]] = [("commission", t, _ONE, _ONE)]
    if curve.decelerator is not None:
        d = dec(curve.decelerator.start)
        segments.append(("accelerator" if m >= 1 else "decelerator", _ONE, d, m))
        segments.append(("decelerator", d, cap, dec(curve.decelerator.multiple)))
    else:
        segments.append(("accelerator" if m >= 1 else "decelerator", _ONE, cap, m))
    lines = []
    for kind, lo, hi, mult in segments:
        top = a if hi is None else min(a, hi)
        if top <= lo:
            continue
        base = quota * (top - lo)
        rate = slope * mult
        lines.append(
            Line(
                kind,
                f"payout curve {_pct(lo)} – {_pct(top)} of target at {mult.normalize():f}× the linear slope",
                rate * base,
                base=base,
                rate=rate,
                tier=f"{_pct(lo)} – {_pct(hi) if hi is not None else '∞'}",
                adjustment=f"capped at {_pct(cap)} attainment"
                if hi is not None and hi == cap and a > cap
                else "",
            )
        )
    return lines


def commission_lines(plan: CommissionPlan, sales: float, quota: float | None = None) -> pd.DataFrame:
    """The tier or curve lines a plan pays on ``sales`` credited in one period.

    Parameters
    ----------
    plan : a validated commission plan (retroactive, marginal or curve).
    sales : credited sales of the period.
    quota : the rep's target, needed for attainment-based tiers and the curve.

    Returns
    -------
    DataFrame
        ``line_type, description, tier, base_amount, rate, amount`` (floats of
        the exact Decimals).

    >>> from sales_analytics.incentives.plan import CommissionPlan
    >>> tiers = [{"from": 0, "to": 100000, "rate": 0.05}, {"from": 100000, "to": 200000, "rate": 0.06},
    ...          {"from": 200000, "rate": 0.08}]
    >>> marginal = CommissionPlan(id="m", method="marginal", tiers=tiers)
    >>> commission_lines(marginal, 220000)["amount"].tolist()
    [5000.0, 6000.0, 1600.0]
    >>> commission_lines(CommissionPlan(id="r", method="retroactive", tiers=tiers), 220000)["amount"].sum()
    np.float64(17600.0)
    """
    lines = tier_lines(plan, dec(sales), dec(quota) if quota is not None else None)
    return pd.DataFrame(
        {
            "line_type": [ln.line_type for ln in lines],
            "description": [ln.description for ln in lines],
            "tier": [ln.tier for ln in lines],
            "base_amount": [float(ln.base) if ln.base is not None else float("nan") for ln in lines],
            "rate": [float(ln.rate) if ln.rate is not None else float("nan") for ln in lines],
            "amount": [float(ln.amount) for ln in lines],
        }
    )
