"""Reading users' files into validated canonical tables (the only package part that reads data files)."""

from __future__ import annotations

from pydantic import Field

from sales_analytics.config import StrictModel
from sales_analytics.io.dataset import CANONICAL_TABLES, REQUIRED_TABLES, Dataset, SourceInfo
from sales_analytics.io.load import load_dataset, read_snapshot, write_snapshot

__all__ = [
    "CANONICAL_TABLES",
    "REQUIRED_TABLES",
    "DataParams",
    "Dataset",
    "SourceInfo",
    "load_dataset",
    "read_snapshot",
    "write_snapshot",
]


class DataParams(StrictModel):
    """The ``data:`` section of the parameters file."""

    dir: str = Field("", description="folder of input files; '' = $SALES_ANALYTICS_DATA or data/sample")
