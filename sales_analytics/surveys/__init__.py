"""Survey instruments (YAML) and scoring: NPS, CSAT, CES, Likert dimensions, reliability."""

from __future__ import annotations

from pydantic import Field

from sales_analytics.config import StrictModel

__all__ = ["SurveyParams"]


class SurveyParams(StrictModel):
    """The ``surveys:`` section of the parameters file."""

    anonymity_threshold: int = Field(5, ge=1, description="smallest group whose results are shown")
