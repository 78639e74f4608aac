"""The monthly run: papermill per period, manifest, atomic publish, lock."""

from __future__ import annotations

from pydantic import Field

from sales_analytics.config import StrictModel

__all__ = ["RunParams"]


class RunParams(StrictModel):
    """The ``run:`` section of the parameters file."""

    jobs: int = Field(2, ge=1, le=16, description="notebooks executed in parallel")
