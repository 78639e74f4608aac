"""Leaderboards, contests, awards, commissions and the rewards/penalties ledger (the incentive lever).

Pure functions on DataFrames, driven by ``parameters/incentive_plan.yaml``
(:func:`load_incentive_plan`). Modules: ``plan`` (the plan file), ``credits``
(order credits and splits), ``tiers``, ``adjustments`` and ``commission``
(the commission engine), ``leaderboards``, ``contests``, ``awards``,
``ledger``, ``metrics`` (the frame the boards rank) and ``charts``.
"""

from __future__ import annotations

from pydantic import Field

from sales_analytics.config import StrictModel
from sales_analytics.incentives.awards import awards
from sales_analytics.incentives.charts import plot_leaderboard, plot_payouts
from sales_analytics.incentives.commission import (
    CommissionResult,
    compute_commissions,
    team_commission_summary,
)
from sales_analytics.incentives.contests import contest_results
from sales_analytics.incentives.credits import order_credits
from sales_analytics.incentives.leaderboards import (
    RANK_METHOD,
    composite_score,
    leaderboard,
    leaderboards,
    ranking,
)
from sales_analytics.incentives.ledger import ledger_totals
from sales_analytics.incentives.metrics import incentive_metrics, statement_tables
from sales_analytics.incentives.plan import (
    KNOWN_METRICS,
    CommissionPlan,
    IncentivePlan,
    load_incentive_plan,
    parse_incentive_plan,
)
from sales_analytics.incentives.tiers import commission_lines

__all__ = [
    "KNOWN_METRICS",
    "RANK_METHOD",
    "CommissionPlan",
    "CommissionResult",
    "IncentiveParams",
    "IncentivePlan",
    "awards",
    "commission_lines",
    "composite_score",
    "compute_commissions",
    "contest_results",
    "incentive_metrics",
    "leaderboard",
    "leaderboards",
    "ledger_totals",
    "load_incentive_plan",
    "order_credits",
    "parse_incentive_plan",
    "plot_leaderboard",
    "plot_payouts",
    "ranking",
    "statement_tables",
    "team_commission_summary",
]


class IncentiveParams(StrictModel):
    """The ``incentives:`` section of the parameters file."""

    plan_file: str = Field("incentive_plan.yaml", description="plan file, relative to parameters/")
