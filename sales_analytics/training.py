"""Training evaluation: coverage, Kirkpatrick levels 1-4, Phillips ROI."""

from __future__ import annotations

from pydantic import Field

from sales_analytics.config import StrictModel

__all__ = ["TrainingParams"]


class TrainingParams(StrictModel):
    """The ``training:`` section of the parameters file."""

    untrained_months: int = Field(6, ge=1, description="flag reps with no training in this many months")
