"""Loading a folder of canonical tables, and the run's Parquet snapshot."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from sales_analytics.errors import DataError, DataProblem
from sales_analytics.io.dataset import CANONICAL_TABLES, REQUIRED_TABLES, Dataset, SourceInfo

__all__ = ["load_dataset", "read_snapshot", "write_snapshot"]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _is_table_name(name: str) -> bool:
    return name in CANONICAL_TABLES or name.startswith("survey_")


def load_dataset(source: str | Path | None = None) -> Dataset:
    """Load every canonical table found in a data folder.

    A table is a file ``<table>.parquet`` (or ``.csv``) with canonical column
    names. Orders and reps are required.
    """
    from sales_analytics import paths

    folder = Path(source) if source else paths.data_dir()
    if not folder.is_dir():
        raise DataError([DataProblem(str(folder), "data folder not found",
                                     expected="a folder of table files (run `sales-analytics sample-data`)")])
    ds = Dataset()
    for path in sorted(folder.iterdir()):
        name = path.stem
        if not _is_table_name(name) or path.suffix not in (".parquet", ".csv") or name in ds.tables:
            continue
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        ds.tables[name] = frame
        ds.sources[name] = SourceInfo(name, str(path), "canonical", _sha256(path), len(frame))
    missing = [t for t in REQUIRED_TABLES if t not in ds.tables]
    if missing:
        raise DataError([DataProblem(str(folder), f"required table {t!r} not found",
                                     expected=f"{t}.parquet or {t}.csv") for t in missing])
    return ds


def write_snapshot(ds: Dataset, folder: str | Path) -> dict[str, Path]:
    """Write every table as Parquet into ``folder`` (the bundle's ``inputs/``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, frame in ds.tables.items():
        path = folder / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        written[name] = path
    return written


def read_snapshot(folder: str | Path) -> Dataset:
    """Read a snapshot written by :func:`write_snapshot` (already validated)."""
    return load_dataset(folder)
