"""Leaderboards, contests, awards and commissions (the incentive lever)."""

from __future__ import annotations

from pydantic import Field

from sales_analytics.config import StrictModel

__all__ = ["IncentiveParams"]


class IncentiveParams(StrictModel):
    """The ``incentives:`` section of the parameters file."""

    plan_file: str = Field("incentive_plan.yaml", description="plan file, relative to parameters/")
