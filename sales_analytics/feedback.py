"""Feedback channels: the internal suggestion box and customer follow-ups."""

from __future__ import annotations

from pydantic import Field

from sales_analytics.config import StrictModel

__all__ = ["FeedbackParams"]


class FeedbackParams(StrictModel):
    """The ``feedback:`` section of the parameters file."""

    stale_after_days: int = Field(30, ge=1, description="open suggestions older than this are flagged")
