"""Customer analysis: RFM, segment maps, k-means, migration, churn risk, CLV."""

from __future__ import annotations

from pydantic import Field

from sales_analytics.config import StrictModel

__all__ = ["CustomerParams"]


class CustomerParams(StrictModel):
    """The ``customers:`` section of the parameters file."""

    segment_map: str = Field("rfm_squeezely", description="RFM segment map id")
