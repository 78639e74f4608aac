"""The Dataset: every canonical table of one load, with where each came from."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sales_analytics.errors import DataError, DataProblem

__all__ = ["CANONICAL_TABLES", "REQUIRED_TABLES", "Dataset", "SourceInfo"]

# Canonical table names (docs/architecture.md, Canonical tables). Survey responses are one table per
# instrument, named ``survey_<instrument id>``.
CANONICAL_TABLES: tuple[str, ...] = (
    "orders",
    "customers",
    "reps",
    "targets",
    "deals",
    "deal_stage_history",
    "activities",
    "training_sessions",
    "training_attendance",
    "chat_messages",
    "feedback",
    "rewards_penalties",
    "survey_invitations",
    "handovers",
)
REQUIRED_TABLES: tuple[str, ...] = ("orders", "reps")


@dataclass(frozen=True)
class SourceInfo:
    """Where a table came from: the run manifest lists these."""

    table: str
    path: str
    profile: str
    sha256: str
    rows: int


@dataclass
class Dataset:
    """Canonical tables keyed by name, plus their sources and data-quality findings.

    ``ds.orders`` is the orders table; an optional table that was not supplied
    is ``None`` (use ``ds.has("deals")``); ``ds.require("deals")`` raises a
    DataError naming the missing table.
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    sources: dict[str, SourceInfo] = field(default_factory=dict)
    quality: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=["table", "column", "kind", "rows", "count", "message", "severity"]
        )
    )

    def __getattr__(self, name: str) -> pd.DataFrame | None:
        if name.startswith("_") or name in ("tables", "sources", "quality"):
            raise AttributeError(name)
        if name in CANONICAL_TABLES or name.startswith("survey_"):
            return self.tables.get(name)
        raise AttributeError(f"Dataset has no table or attribute {name!r}")

    def get(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    def has(self, name: str) -> bool:
        return name in self.tables

    def peek(self, name: str, columns: list[str]) -> pd.DataFrame | None:
        """Only ``columns`` of table ``name`` (those it has; ``None`` when the table was not supplied).

        From a run's snapshot this reads those columns alone; the table itself is
        read when it is used."""
        if name not in self.tables:
            return None
        peek = getattr(self.tables, "peek", None)
        if peek is not None:
            return peek(name, columns)
        frame = self.tables[name]
        return frame[[c for c in columns if c in frame.columns]]

    def require(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            raise DataError(
                [
                    DataProblem(
                        "<dataset>",
                        f"table {name!r} is required here but was not supplied",
                        expected=f"a file named {name}.parquet/.csv/.xlsx in the data folder",
                    )
                ]
            )
        return self.tables[name]

    def surveys(self) -> dict[str, pd.DataFrame]:
        """Survey response tables keyed by instrument id."""
        return {  # by name: a run's lazy snapshot reads the survey tables only, not the orders
            k.removeprefix("survey_"): self.tables[k]
            for k in self.tables
            if k.startswith("survey_") and k != "survey_invitations"
        }

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables)

    def __repr__(self) -> str:
        is_read = getattr(self.tables, "is_read", lambda _name: True)  # a lazy snapshot: read nothing here
        inner = ", ".join(
            f"{k}={len(self.tables[k]):,} rows" if is_read(k) else f"{k}=(not read yet)" for k in self.tables
        )
        return f"Dataset({inner})"


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MB chunks (inputs, snapshots, notebooks, tables)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
