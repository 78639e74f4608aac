"""Earlier published bundles as history: one table from every bundle before a month.

A lever that judges its own past (the goals lever sets last month's forecast
against what happened) reads what earlier bundles *published*, not what the
current code would compute today. This is the I/O edge for that: the lever's
functions receive the rows as a DataFrame.

Only bundles whose manifest says ``ok`` count; each table's rows keep the
``period`` column of the bundle that published them.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from sales_analytics import paths
from sales_analytics.periods import Period, parse_period
from sales_analytics.run.bundle import BundleLayout, read_manifest

__all__ = ["outputs_root_of", "read_published_tables"]

log = logging.getLogger(__name__)


def outputs_root_of(tables_dir: str | Path) -> Path:
    """The outputs folder a notebook's ``output_dir`` belongs to.

    A run's ``output_dir`` is ``<outputs>/.staging/<period>-<run id>/tables`` and
    an analyst's ``<outputs>/.scratch/<period>/tables``; any other folder falls
    back to the configured outputs folder.

    >>> str(outputs_root_of("/x/outputs/.staging/2026-11-20261201T000000Z-abc123/tables"))
    '/x/outputs'
    """
    p = Path(tables_dir)
    if len(p.parents) >= 3 and p.parents[1].name in (".staging", ".scratch"):
        return p.parents[2]
    return paths.outputs_dir()


def read_published_tables(
    name: str, *, before: Period | str, outputs: str | Path | None = None, months: int = 12
) -> pd.DataFrame:
    """Table ``name`` from every published bundle of the ``months`` months before ``before``, stacked.

    A bundle without the table (the lever did not exist yet, or found no data)
    is skipped and said in the log; an empty frame when none has it.
    """
    end = parse_period(before) if not isinstance(before, Period) else before
    layout = BundleLayout(Path(outputs) if outputs else paths.outputs_dir())
    first = str(end.shift(-months))
    frames = []
    for period in layout.periods():
        if not first <= period < str(end):
            continue
        bundle = layout.bundle(period)
        manifest = read_manifest(bundle) or {}
        if manifest.get("status") != "ok":
            continue
        path = bundle / "tables" / f"{name}.parquet"
        if not path.is_file():
            log.info("bundle %s has no table %s", period, name)
            continue
        frames.append(pd.read_parquet(path).assign(period=period))
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)
