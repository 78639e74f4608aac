"""The incentive plan file (``parameters/incentive_plan.yaml``): typed models and loading.

The file has four sections: ``leaderboards`` (metrics to rank by and the
composite score), ``contests``, ``awards`` and ``commission`` (rounding rule,
plans with tiers or a payout curve, SPIFFs, credit splits). Loading validates
types first (pydantic, unknown keys are errors), then the rules a type cannot
say (tiers that overlap or leave gaps, a cap below the threshold, an unknown
metric, rep or team, a SPIFF window ending before it starts, splits not
summing to 1). Every problem is reported at once in one
:class:`~sales_analytics.errors.ConfigError` naming the file and the key.

Tier boundaries: a tier covers ``[from, to)``: sales exactly on a boundary
belong to the upper tier, and sales exactly at the threshold are paid.

>>> plan = parse_incentive_plan({"commission": {"plans": [{"id": "std", "method": "marginal",
...     "tiers": [{"from": 0, "to": 100000, "rate": 0.05}, {"from": 100000, "rate": 0.06}]}]}})
>>> plan.commission.plans[0].tiers[1].rate
0.06
>>> parse_incentive_plan({"commission": {"plans": [{"id": "std", "method": "marginal",
...     "tiers": [{"from": 0, "to": 100000, "rate": 0.05}, {"from": 90000, "rate": 0.06}]}]}})
Traceback (most recent call last):
...
sales_analytics.errors.ConfigError: <incentive plan>, key 'commission.plans[0].tiers[1].from': overlaps the previous tier, which ends at 100000.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from pydantic import ConfigDict, Field

from sales_analytics import paths
from sales_analytics.config import StrictModel, load_yaml, validate_model
from sales_analytics.errors import ConfigError
from sales_analytics.vocabulary import ACTIVITY_KINDS, ActivityKind

if TYPE_CHECKING:
    from sales_analytics.config import Parameters

__all__ = [
    "KNOWN_METRICS",
    "CommissionPlan",
    "IncentivePlan",
    "load_incentive_plan",
    "parse_incentive_plan",
]

# Metrics a leaderboard, composite score or contest may name: the columns the
# KPI module produces (sales_kpis, attainment, activity_kpis) plus survey scores.
KNOWN_METRICS: tuple[str, ...] = (
    "revenue",
    "orders",
    "aov",
    "customers",
    "new_customers",
    "returning_customers",
    "attainment",
    "calls",
    "visits",
    "meetings",
    "emails",
    "messages",
    "activities",
    "csat",
    "nps",
)
# Metrics a contest can compute itself from orders / activities over its window.
CONTEST_METRICS: tuple[str, ...] = (
    "revenue",
    "orders",
    "customers",
    "new_customers",
    "attainment",
    "calls",
    "visits",
    "meetings",
    "emails",
    "messages",
    "activities",
)
ACTIVITY_TYPES = ACTIVITY_KINDS


class _Model(StrictModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, populate_by_name=True)


# ----------------------------------------------------------------- leaderboards
class CompositeMetric(_Model):
    """One metric of the all-in-one score: ``weight × min(x / target, cap)`` (``x / max(x)`` without target)."""

    metric: str
    weight: float = Field(gt=0, le=1)
    target: str | float | None = Field(
        None, description="column of the metrics frame holding each entity's target, or one number for all"
    )
    cap: float = Field(1.5, gt=0, description="normalised value is capped here")


class LeaderboardRules(_Model):
    metrics: list[str] = Field(
        default_factory=lambda: ["revenue", "attainment"], description="metrics ranked on their own boards"
    )
    composite: list[CompositeMetric] = Field(
        default_factory=lambda: [
            CompositeMetric(metric="attainment", weight=0.6, target=1.0, cap=1.5),
            CompositeMetric(metric="activities", weight=0.4),
        ]
    )


# --------------------------------------------------------------------- contests
class Prize(_Model):
    rank: int = Field(ge=1)
    prize: str
    amount: float = Field(0, ge=0, description="cash value, 0 for a gift or a trip")


class Contest(_Model):
    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    name: str
    name_en: str = ""
    metric: str
    recurrence: Literal["none", "month", "quarter"] = Field(
        "none", description="month / quarter: rerun every month or quarter (no dates); none: start and end"
    )
    start: date | None = None
    end: date | None = None
    level: Literal["rep", "team"] = "rep"
    eligible: list[str] = Field(default_factory=list, description="rep ids or teams; empty = everyone")
    min_value: float = Field(0, description="minimum value to qualify for a prize")
    prizes: list[Prize] = Field(default_factory=list)


# ----------------------------------------------------------------------- awards
class AwardRules(_Model):
    enabled: list[
        Literal["top_seller", "most_improved", "best_satisfaction", "rookie", "activity_leader"]
    ] = Field(
        default_factory=lambda: [  # type: ignore[arg-type]  # pydantic's stub cannot see the literals
            "top_seller",
            "most_improved",
            "best_satisfaction",
            "rookie",
            "activity_leader",
        ]
    )
    rookie_months: int = Field(6, ge=1, description="hired within this many months before the period end")
    improvement_months: int = Field(3, ge=1, description="trailing months averaged for 'most improved'")
    min_baseline: float = Field(
        0, ge=0, description="trailing average revenue needed to compete for 'most improved'"
    )
    min_responses: int = Field(
        10,
        ge=1,
        description="survey answers a rep needs to be ranked or awarded on a survey score (CSAT, NPS)",
    )


# ------------------------------------------------------------------- commission
class Tier(_Model):
    from_: float = Field(alias="from", ge=0)
    to: float | None = Field(None, description="exclusive upper bound; empty = no upper bound")
    rate: float = Field(ge=0, le=1, description="a fraction: 0.05 = 5%")


class Decelerator(_Model):
    start: float = Field(alias="from", gt=1, description="attainment above which the slope slows")
    multiple: float = Field(ge=0, lt=1, description="slope multiple beyond that point")


class Curve(_Model):
    """Payout curve of docs/formulas.md §4.2 (attainment-based, needs a target)."""

    target_incentive: float = Field(gt=0, description="TI: payout at 100% attainment")
    threshold: float = Field(0, ge=0, lt=1, description="t: nothing is paid below this attainment")
    accelerator: float = Field(1, ge=0, description="m: slope multiple above 100%")
    cap: float | None = Field(None, gt=1, description="c: attainment above which the curve is flat")
    decelerator: Decelerator | None = None


class AppliesTo(_Model):
    teams: list[str] = Field(default_factory=list)
    reps: list[str] = Field(default_factory=list)


class Draw(_Model):
    amount: float = Field(gt=0, description="G: guaranteed minimum paid per period")
    recoverable: bool = True


class Clawback(_Model):
    rate: float = Field(1.0, ge=0, le=1, description="share of the paid commission recovered")
    window_months: int = Field(
        12, ge=0, description="refunds later than this many months are not clawed back"
    )


class CommissionPlan(_Model):
    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = ""
    applies_to: AppliesTo | None = Field(None, description="empty = the default plan")
    method: Literal["retroactive", "marginal", "curve"]
    basis: Literal["amount", "attainment"] = Field(
        "amount", description="tier bounds, threshold and cap in money or as attainment (1.0 = 100%)"
    )
    tiers: list[Tier] = Field(default_factory=list)
    threshold: float = Field(0, ge=0, description="below this nothing is paid (basis units)")
    cap: float | None = Field(None, gt=0, description="credited sales beyond this earn nothing (basis units)")
    max_payout: float | None = Field(None, gt=0, description="most commission paid per period")
    curve: Curve | None = None
    category_rates: dict[str, float] = Field(default_factory=dict)
    product_rates: dict[str, float] = Field(default_factory=dict)
    draw: Draw | None = None
    clawback: Clawback = Field(default_factory=Clawback)


class Spiff(_Model):
    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    name: str
    start: date
    end: date
    product_id: str | None = None
    product_category: str | None = None
    activity_type: ActivityKind | None = None
    per: Literal["order", "unit", "activity"] = "order"
    amount: float = Field(gt=0, description="paid per qualifying order, unit or activity")
    reps: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)


class SplitShare(_Model):
    rep_id: str
    share: float = Field(gt=0, le=1)


class Split(_Model):
    order_id: str
    shares: list[SplitShare] = Field(min_length=1)


class Rounding(_Model):
    quantum: Literal["0.01", "0.1", "1", "10", "100"] = "0.01"
    mode: Literal["half_up", "half_even", "down", "up"] = "half_up"


class Commission(_Model):
    start: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", description="first month computed (YYYY-MM)")
    rounding: Rounding = Field(default_factory=Rounding)
    plans: list[CommissionPlan] = Field(default_factory=list)
    spiffs: list[Spiff] = Field(default_factory=list)
    splits: list[Split] = Field(default_factory=list)


class IncentivePlan(_Model):
    """The whole plan file."""

    currency: str = "CNY"
    leaderboards: LeaderboardRules = Field(default_factory=LeaderboardRules)
    contests: list[Contest] = Field(default_factory=list)
    awards: AwardRules = Field(default_factory=AwardRules)
    commission: Commission = Field(default_factory=Commission)


# ------------------------------------------------------------------- checking
def _fmt(x: float) -> str:
    return f"{x:g}"


def _check_tiers(plan: CommissionPlan, key: str) -> list[tuple[str, str]]:
    issues: list[tuple[str, str]] = []
    if plan.method == "curve":
        if plan.curve is None:
            issues.append((f"{key}.curve", "method 'curve' needs a curve (target_incentive, threshold, ...)"))
        elif plan.curve.decelerator and plan.curve.cap and plan.curve.decelerator.start >= plan.curve.cap:
            issues.append(
                (
                    f"{key}.curve.decelerator.from",
                    f"must be below the cap {_fmt(plan.curve.cap)}; got {_fmt(plan.curve.decelerator.start)}",
                )
            )
        if plan.tiers:
            issues.append((f"{key}.tiers", "method 'curve' takes no tiers; use retroactive or marginal"))
        return issues
    if not plan.tiers:
        issues.append((f"{key}.tiers", f"method {plan.method!r} needs at least one tier"))
        return issues
    if plan.curve is not None:
        issues.append((f"{key}.curve", f"a curve is only used with method 'curve', not {plan.method!r}"))
    tiers = plan.tiers
    if tiers[0].from_ != 0:
        issues.append((f"{key}.tiers[0].from", f"the first tier must start at 0; got {_fmt(tiers[0].from_)}"))
    for i, tier in enumerate(tiers):
        if tier.to is not None and tier.to <= tier.from_:
            issues.append(
                (f"{key}.tiers[{i}].to", f"must be above 'from' ({_fmt(tier.from_)}); got {_fmt(tier.to)}")
            )
        if tier.to is None and i < len(tiers) - 1:
            issues.append((f"{key}.tiers[{i}].to", "only the last tier may be open-ended"))
        prev_to = tiers[i - 1].to if i > 0 else None
        if prev_to is not None:
            if tier.from_ < prev_to:
                issues.append(
                    (f"{key}.tiers[{i}].from", f"overlaps the previous tier, which ends at {_fmt(prev_to)}")
                )
            elif tier.from_ > prev_to:
                issues.append(
                    (
                        f"{key}.tiers[{i}].from",
                        f"leaves a gap after the previous tier, which ends at {_fmt(prev_to)}; "
                        f"got {_fmt(tier.from_)}",
                    )
                )
    return issues


def _check_commission(
    com: Commission, rep_ids: set[str] | None, teams: set[str] | None
) -> list[tuple[str, str]]:
    issues: list[tuple[str, str]] = []
    defaults = [i for i, p in enumerate(com.plans) if p.applies_to is None]
    if len(defaults) > 1:
        issues.append(
            (
                f"commission.plans[{defaults[1]}].applies_to",
                f"only one plan may be the default (no applies_to); plans[{defaults[0]}] already is",
            )
        )
    seen_ids: dict[str, int] = {}
    seen_reps: dict[str, int] = {}
    seen_teams: dict[str, int] = {}
    for i, plan in enumerate(com.plans):
        key = f"commission.plans[{i}]"
        if plan.id in seen_ids:
            issues.append((f"{key}.id", f"{plan.id!r} is already used by plans[{seen_ids[plan.id]}]"))
        seen_ids.setdefault(plan.id, i)
        issues += _check_tiers(plan, key)
        if plan.cap is not None and plan.cap <= plan.threshold:
            issues.append(
                (f"{key}.cap", f"must be above the threshold {_fmt(plan.threshold)}; got {_fmt(plan.cap)}")
            )
        if plan.method == "curve" and plan.threshold:
            issues.append((f"{key}.threshold", "a curve plan sets its threshold in curve.threshold"))
        for name, rates in (("category_rates", plan.category_rates), ("product_rates", plan.product_rates)):
            for k, r in rates.items():
                if not 0 <= r <= 1:
                    issues.append((f"{key}.{name}.{k}", f"must be a number from 0 to 1; got {r!r}"))
        if plan.applies_to is not None:
            for j, rep in enumerate(plan.applies_to.reps):
                if rep in seen_reps:
                    issues.append(
                        (
                            f"{key}.applies_to.reps[{j}]",
                            f"rep {rep!r} is already in commission.plans[{seen_reps[rep]}]",
                        )
                    )
                seen_reps.setdefault(rep, i)
            for j, team in enumerate(plan.applies_to.teams):
                if team in seen_teams:
                    issues.append(
                        (
                            f"{key}.applies_to.teams[{j}]",
                            f"team {team!r} is already in commission.plans[{seen_teams[team]}]",
                        )
                    )
                seen_teams.setdefault(team, i)
            issues += _check_known(plan.applies_to.reps, rep_ids, f"{key}.applies_to.reps", "rep")
            issues += _check_known(plan.applies_to.teams, teams, f"{key}.applies_to.teams", "team")
    for i, spiff in enumerate(com.spiffs):
        key = f"commission.spiffs[{i}]"
        if spiff.end < spiff.start:
            issues.append((f"{key}.end", f"the window ends ({spiff.end}) before it starts ({spiff.start})"))
        targets = [
            t for t in (spiff.product_id, spiff.product_category, spiff.activity_type) if t is not None
        ]
        if len(targets) != 1:
            issues.append((key, "name exactly one of product_id, product_category or activity_type"))
        if spiff.activity_type is not None and spiff.per != "activity":
            issues.append((f"{key}.per", f"an activity SPIFF is paid per activity; got {spiff.per!r}"))
        if spiff.activity_type is None and spiff.per == "activity":
            issues.append((f"{key}.per", "'activity' needs activity_type"))
        issues += _check_known(spiff.reps, rep_ids, f"{key}.reps", "rep")
        issues += _check_known(spiff.teams, teams, f"{key}.teams", "team")
    seen_orders: dict[str, int] = {}
    for i, split in enumerate(com.splits):
        key = f"commission.splits[{i}]"
        if split.order_id in seen_orders:
            issues.append(
                (
                    f"{key}.order_id",
                    f"order {split.order_id!r} is already split in splits[{seen_orders[split.order_id]}]",
                )
            )
        seen_orders.setdefault(split.order_id, i)
        shares = [Decimal(str(s.share)) for s in split.shares]
        for j, s in enumerate(shares):
            if s != s.quantize(Decimal("0.0001")):
                issues.append((f"{key}.shares[{j}].share", f"use at most 4 decimals; got {s}"))
        if sum(shares) != 1:
            issues.append((f"{key}.shares", f"shares must sum to 1; they sum to {sum(shares)}"))
        reps_in = [s.rep_id for s in split.shares]
        if len(set(reps_in)) != len(reps_in):
            issues.append((f"{key}.shares", f"a rep appears twice: {reps_in}"))
        issues += _check_known(reps_in, rep_ids, f"{key}.shares", "rep")
    return issues


def _check_known(values: Iterable[str], known: set[str] | None, key: str, what: str) -> list[tuple[str, str]]:
    if known is None:
        return []
    return [
        (f"{key}[{j}]", f"unknown {what} {v!r}; not in the reps table")
        for j, v in enumerate(values)
        if v not in known
    ]


def _check_plan(
    plan: IncentivePlan, rep_ids: set[str] | None, teams: set[str] | None
) -> list[tuple[str, str]]:
    issues: list[tuple[str, str]] = []
    lb = plan.leaderboards
    for i, metric in enumerate(lb.metrics):
        if metric not in KNOWN_METRICS:
            issues.append(
                (f"leaderboards.metrics[{i}]", f"unknown metric {metric!r}; known: {list(KNOWN_METRICS)}")
            )
    for i, cm in enumerate(lb.composite):
        if cm.metric not in KNOWN_METRICS:
            issues.append(
                (
                    f"leaderboards.composite[{i}].metric",
                    f"unknown metric {cm.metric!r}; known: {list(KNOWN_METRICS)}",
                )
            )
    if lb.composite:
        total = sum(Decimal(str(c.weight)) for c in lb.composite)
        if total != 1:
            issues.append(("leaderboards.composite", f"weights must sum to 1; they sum to {total}"))
    seen: dict[str, int] = {}
    for i, contest in enumerate(plan.contests):
        key = f"contests[{i}]"
        if contest.id in seen:
            issues.append((f"{key}.id", f"{contest.id!r} is already used by contests[{seen[contest.id]}]"))
        seen.setdefault(contest.id, i)
        if contest.metric not in CONTEST_METRICS:
            issues.append(
                (f"{key}.metric", f"unknown metric {contest.metric!r}; known: {list(CONTEST_METRICS)}")
            )
        if contest.recurrence == "none":
            for side in ("start", "end"):
                if getattr(contest, side) is None:
                    issues.append(
                        (f"{key}.{side}", "a one-off contest (recurrence: none) needs start and end dates")
                    )
            if contest.start and contest.end and contest.end < contest.start:
                issues.append(
                    (f"{key}.end", f"the window ends ({contest.end}) before it starts ({contest.start})")
                )
        elif contest.start is not None or contest.end is not None:
            issues.append(
                (
                    f"{key}.start",
                    f"a {contest.recurrence}ly contest takes its window from the period; "
                    "remove start and end",
                )
            )
        ranks = [p.rank for p in contest.prizes]
        if len(set(ranks)) != len(ranks):
            issues.append((f"{key}.prizes", f"each rank may have one prize; ranks given: {ranks}"))
        known = rep_ids if contest.level == "rep" else teams
        issues += _check_known(contest.eligible, known, f"{key}.eligible", contest.level)
    issues += _check_commission(plan.commission, rep_ids, teams)
    return issues


def parse_incentive_plan(
    data: dict[str, Any], *, file: str | Path = "<incentive plan>", reps: pd.DataFrame | None = None
) -> IncentivePlan:
    """Validate a plan mapping (as read from YAML) into an :class:`IncentivePlan`.

    Parameters
    ----------
    data : the mapping; unknown keys are errors.
    file : the name used in error messages.
    reps : optional reps table (``rep_id, team``); when given, every rep and
        team the plan names must exist in it.

    Raises
    ------
    ConfigError
        naming ``file``, each bad key and the problem, all problems at once.
    """
    plan = validate_model(IncentivePlan, data, file)
    rep_ids = teams = None
    if reps is not None:
        rep_ids = set(reps["rep_id"].astype(str))
        teams = set(reps["team"].dropna().astype(str)) if "team" in reps.columns else set()
    issues = _check_plan(plan, rep_ids, teams)
    if issues:
        raise ConfigError(str(file), issues=issues)
    return plan


def load_incentive_plan(
    path: str | Path | None = None,
    *,
    params: Parameters | None = None,
    parameters_file: str | Path | None = None,
    reps: pd.DataFrame | None = None,
) -> IncentivePlan:
    """Read and validate ``parameters/incentive_plan.yaml`` (or ``path``).

    Without ``path``, the file is ``incentives.plan_file`` of ``params`` (the
    run parameters; default ``incentive_plan.yaml``), relative to the folder
    of ``parameters_file`` when given, else to ``parameters/``. ``reps``
    enables the unknown-rep and unknown-team checks.
    """
    if path is None:
        plan_file = params.incentives.plan_file if params is not None else "incentive_plan.yaml"
        folder = Path(parameters_file).parent if parameters_file else paths.parameters_dir()
        path = folder / plan_file
    return parse_incentive_plan(load_yaml(path), file=str(path), reps=reps)
