"""The goals lever: revenue forecasts with intervals, their track record, and target proposals.

- :func:`revenue_forecast`: p10 / p50 / p90 for the company, each team and each
  rep, the open month and the months after, reconciled so reps add up to teams
  and teams to the company (``forecast.py``, ``model.py``, ``reconcile.py``, ``pipeline.py``,
  calendar regressors in ``calendar.py``);
- :func:`forecast_backtest`, :func:`forecast_accuracy`: a rolling-origin
  backtest and its WAPE / MAPE / coverage per level and horizon;
  :func:`interval_calibration`, :func:`apply_calibration`: bands widened by the
  backtest's own errors (split-conformal, ``calibrate.py``);
  :func:`forecast_vs_actual`: earlier bundles' forecasts against what happened;
- :func:`propose_targets`: team and rep targets summing to a company goal to the
  cent, each with its probability under the forecast (``targets.py``).

The method is explained in ``docs/goals.md``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sales_analytics.config import StrictModel
from sales_analytics.forecast.backtest import (
    forecast_accuracy,
    forecast_backtest,
    forecast_vs_actual,
    last_forecast_sentence,
)
from sales_analytics.forecast.calendar import calendar_features
from sales_analytics.forecast.calibrate import apply_calibration, interval_calibration
from sales_analytics.forecast.charts import forecast_chart
from sales_analytics.forecast.forecast import INTERVAL, monthly_revenue, revenue_forecast
from sales_analytics.forecast.pipeline import pipeline_adjustment
from sales_analytics.forecast.targets import (
    goal_from_growth,
    growth_proposal,
    propose_targets,
    target_chances,
    target_probability,
    targets_file,
)

__all__ = [
    "INTERVAL",
    "ForecastParams",
    "apply_calibration",
    "calendar_features",
    "forecast_accuracy",
    "forecast_backtest",
    "forecast_chart",
    "forecast_vs_actual",
    "goal_from_growth",
    "growth_proposal",
    "interval_calibration",
    "last_forecast_sentence",
    "monthly_revenue",
    "pipeline_adjustment",
    "propose_targets",
    "revenue_forecast",
    "target_chances",
    "target_probability",
    "targets_file",
]


class ForecastParams(StrictModel):
    """The ``goals:`` section of the parameters (docs/goals.md)."""

    horizon_months: int = Field(3, ge=0, le=12, description="months forecast after the open month")
    min_history_months: int = Field(12, ge=3, description="history a backtest origin needs")
    full_model_months: int = Field(
        18, ge=3, description="months a team needs to learn its own calendar effects"
    )
    quiet_months: int = Field(2, ge=1, description="a rep without revenue this many months is forecast at 0")
    ramp_months: int = Field(6, ge=1, description="months a new hire takes to reach a full share of a target")
    growth: float = Field(
        0.10, ge=-1, description="the notebook's proposal: goal = same month last year × (1+growth)"
    )
    band: Literal["model", "conformal"] = Field(
        "model",
        description="the published band: the model's own (parameter uncertainty included) or widened by "
        "split-conformal calibration from the backtest's errors (docs/goals.md)",
    )
