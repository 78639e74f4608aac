"""The ``run:`` section of the parameters file."""

from __future__ import annotations

from pydantic import Field

from sales_analytics.config import StrictModel

__all__ = ["RunParams"]


class RunParams(StrictModel):
    """How a monthly run executes its notebooks.

    >>> RunParams().jobs, RunParams(notebooks=["02", "03_incentives"]).notebooks
    (2, ['02', '03_incentives'])
    """

    jobs: int = Field(2, ge=1, le=16, description="notebooks executed in parallel")
    notebook_timeout_s: float = Field(
        900, gt=0, description="a notebook running longer than this many seconds fails the run"
    )
    start_timeout_s: float = Field(60, gt=0, description="seconds to wait for a kernel to start")
    kernel_name: str = Field(
        "python3", min_length=1, description="Jupyter kernel that executes the notebooks"
    )
    notebooks: list[str] = Field(
        default_factory=list,
        description="notebooks to run, by number ('02') or name ('02_sales_performance'); [] = all",
    )
    html: bool = Field(True, description="export each executed notebook as HTML without code")
    excel: bool = Field(True, description="write report.xlsx with one sheet per result table")
    keep_failed: int = Field(
        10, ge=0, description="failed runs kept under outputs/.failed/ per period (older ones are deleted)"
    )
