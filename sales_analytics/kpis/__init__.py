"""Sales and activity KPIs (the data-analysis lever). Pure functions: DataFrames in, DataFrames out.

- :mod:`~sales_analytics.kpis.sales` — revenue, orders, order value, new and
  returning customers, revenue per working day; RFM inputs;
- :mod:`~sales_analytics.kpis.growth` — 环比 / 同比, partial periods like for like;
- :mod:`~sales_analytics.kpis.targets` — attainment (完成率), pacing, run-rate forecast;
- :mod:`~sales_analytics.kpis.pipeline` — open / weighted pipeline, win rate,
  stage conversion, sales cycle, velocity, slipped deals;
- :mod:`~sales_analytics.kpis.activities` — activity counts, activities per won
  deal, follow-up share;
- :mod:`~sales_analytics.kpis.scorecard` — one row per rep joining the above;
- :mod:`~sales_analytics.kpis.facts` — :func:`order_facts`, the orders' per-row facts
  prepared once (an :class:`OrderFacts`) that every orders-reading KPI function accepts
  in place of the orders frame.
"""

from __future__ import annotations

from pydantic import Field

from sales_analytics.config import StrictModel
from sales_analytics.kpis.activities import ACTIVITY_TYPES, activity_kpis, activity_outcomes
from sales_analytics.kpis.facts import OrderFacts, order_facts
from sales_analytics.kpis.growth import GROWTH_COLUMNS, growth, sales_growth
from sales_analytics.kpis.pipeline import (
    PIPELINE_COLUMNS,
    deal_status,
    pipeline_kpis,
    stage_conversion,
    stage_order,
)
from sales_analytics.kpis.sales import (
    SALES_COLUMNS,
    prepare_orders,
    purchase_summary,
    read_orders,
    sales_kpis,
)
from sales_analytics.kpis.scorecard import SCORECARD_COLUMNS, rep_scorecard
from sales_analytics.kpis.targets import PACING_STATUSES, attainment, pacing

__all__ = [
    "ACTIVITY_TYPES",
    "GROWTH_COLUMNS",
    "PACING_STATUSES",
    "PIPELINE_COLUMNS",
    "SALES_COLUMNS",
    "SCORECARD_COLUMNS",
    "KpiParams",
    "OrderFacts",
    "activity_kpis",
    "activity_outcomes",
    "attainment",
    "deal_status",
    "order_facts",
    "growth",
    "pacing",
    "pipeline_kpis",
    "prepare_orders",
    "purchase_summary",
    "read_orders",
    "rep_scorecard",
    "sales_growth",
    "sales_kpis",
    "stage_conversion",
    "stage_order",
]


class KpiParams(StrictModel):
    """The ``kpis:`` section of the parameters file."""

    pacing_rule: str = Field(
        "relative",
        pattern="^(relative|points)$",
        description="Off-Track when actual <= 0.9 x expected (relative) or 10 points behind",
    )
    pacing_calendar: str = Field(
        "calendar",
        pattern="^(calendar|workdays)$",
        description="elapsed share of the month in calendar days or working days",
    )
    stage_probabilities: dict[str, float] = Field(
        default_factory=dict, description="stage -> win probability for deals without their own (0-1 or %)"
    )
    funnel_stages: list[str] = Field(
        default_factory=list, description="funnel stages in order; empty = inferred from the deals"
    )
