"""Sales and activity KPIs (the data-analysis lever). Pure functions: DataFrames in, DataFrames out."""

from __future__ import annotations

from pydantic import Field

from sales_analytics.config import StrictModel

__all__ = ["KpiParams"]


class KpiParams(StrictModel):
    """The ``kpis:`` section of the parameters file."""

    pacing_rule: str = Field("relative", pattern="^(relative|points)$",
                             description="Off-Track when actual <= 0.9 x expected (relative) or 10 points behind")
