"""Reading users' files into validated canonical tables (the only package part that reads data files).

``load_dataset`` (a folder, a parameters file or ``Parameters``) → :class:`Dataset`;
``read_table`` / ``inspect_table`` for one file; ``write_snapshot`` /
``read_snapshot`` for the run's ``inputs/``. Source layouts (Zoho CRM,
Fxiaoke, WeCom, WeChatMsg, user column maps) are in
:mod:`sales_analytics.io.profiles` and :mod:`sales_analytics.io.columns`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from sales_analytics.config import StrictModel
from sales_analytics.io.columns import ColumnMap, ColumnRule, RefundRule, apply_column_map, load_column_map
from sales_analytics.io.dataset import CANONICAL_TABLES, REQUIRED_TABLES, Dataset, SourceInfo
from sales_analytics.io.load import DataCheck, TableRead, check_data, inspect_table, load_dataset, read_table
from sales_analytics.io.parsing import parse_booleans, parse_datetimes, parse_ids, parse_numbers
from sales_analytics.io.profiles import PROFILES, detect_profile, list_profiles
from sales_analytics.io.quality import dq_problems, dq_rows_by_month, dq_tables
from sales_analytics.io.readers import RawTable, read_source_file
from sales_analytics.io.schemas import TABLE_SCHEMAS, schema_for
from sales_analytics.io.snapshot import read_snapshot, write_snapshot
from sales_analytics.io.validate import QUALITY_COLUMNS

__all__ = [
    "CANONICAL_TABLES",
    "PROFILES",
    "QUALITY_COLUMNS",
    "REQUIRED_TABLES",
    "TABLE_SCHEMAS",
    "ColumnMap",
    "ColumnRule",
    "DataCheck",
    "DataParams",
    "Dataset",
    "RawTable",
    "RefundRule",
    "SourceInfo",
    "TableRead",
    "TableSource",
    "apply_column_map",
    "check_data",
    "detect_profile",
    "dq_problems",
    "dq_rows_by_month",
    "dq_tables",
    "inspect_table",
    "list_profiles",
    "load_column_map",
    "load_dataset",
    "parse_booleans",
    "parse_datetimes",
    "parse_ids",
    "parse_numbers",
    "read_snapshot",
    "read_source_file",
    "read_table",
    "schema_for",
    "write_snapshot",
]


class TableSource(StrictModel):
    """One entry of ``data.tables``: where a table comes from and how to read it."""

    path: str | list[str] = Field(description="file(s), relative to data.dir (or the project folder)")
    profile: str = Field("", description="'' = detect from the headers; 'canonical' or a profile name")
    column_map: str = Field("", description="a map in parameters/column_maps/ (name) or a YAML path")
    sheet: str | int | None = Field(None, description="XLSX sheet name or 0-based number; None = first")
    encoding: str = Field("", description="'' = detect (UTF-8, UTF-8 with BOM, GBK, GB18030)")


class DataParams(StrictModel):
    """The ``data:`` section of the parameters file."""

    dir: str = Field("", description="folder of input files; '' = $SALES_ANALYTICS_DATA or data/sample")
    tables: dict[str, TableSource] = Field(
        default_factory=dict, description="table name -> explicit source (else detected)"
    )
    scan: bool = Field(True, description="also read every other supported file in dir")
    column_maps_dir: str = Field("", description="'' = parameters/column_maps")
    dup_check_max_rows: int = Field(
        500_000,
        ge=0,
        description="tables longer than this skip the full-row duplicate check (it costs more than the rest of validation)",
    )

    @field_validator("tables")
    @classmethod
    def _canonical_names(cls, v: dict[str, Any]) -> dict[str, Any]:
        for name in v:
            if name not in CANONICAL_TABLES and not name.startswith("survey_"):
                raise ValueError(
                    f"{name!r} is not a canonical table; use one of {list(CANONICAL_TABLES)} "
                    "or survey_<instrument>"
                )
        return v
