"""Earlier published bundles as history: one table from every bundle before a month.

A lever that judges its own past (the goals lever sets last month's forecast
against what happened) reads what earlier bundles *published*, not what the
current code would compute today. This is the I/O edge for that: the lever's
functions receive the rows as a DataFrame.

Only bundles whose manifest says ``ok`` count; each table's rows keep the
``period`` column of the bundle that published them.

The survey lever's month-block record (which respondents a bundle put in which
month block, so a response backdated into a published month cannot change it;
``sales_analytics.surveys.settle_blocks``) is kept with the bundle but outside
its published tables, in ``private/survey_blocks.parquet``: it is not a result,
nobody reads it but the next run (:func:`keep_survey_blocks`,
:func:`published_survey_blocks`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from sales_analytics import paths
from sales_analytics.periods import Period, parse_period
from sales_analytics.run.bundle import BundleLayout, read_manifest
from sales_analytics.vocabulary import RUN_OK

__all__ = ["keep_survey_blocks", "outputs_root_of", "published_survey_blocks", "read_published_tables"]

PRIVATE_DIR = "private"  # bundle folder of records only the next run reads (not tables, not in report.xlsx)
SURVEY_BLOCKS = "survey_blocks.parquet"

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
        if manifest.get("status") != RUN_OK:
            continue
        path = bundle / "tables" / f"{name}.parquet"
        if not path.is_file():
            log.info("bundle %s has no table %s", period, name)
            continue
        frames.append(pd.read_parquet(path).assign(period=period))
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def keep_survey_blocks(record: pd.DataFrame, *, output_dir: str | Path) -> Path:
    """Keep a bundle's survey month-block record next to its tables (``<bundle>/private/``).

    ``output_dir`` is the notebook's tables folder; the record goes to the bundle
    folder above it, so a run publishes it with the bundle (owner/group only, like
    ``inputs/``) and :func:`published_survey_blocks` finds it there.
    """
    folder = Path(output_dir).parent / PRIVATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SURVEY_BLOCKS
    tmp = path.with_name(f".{SURVEY_BLOCKS}.tmp")
    record.reset_index(drop=True).astype("str").to_parquet(tmp, index=False)
    tmp.replace(path)
    return path


def published_survey_blocks(outputs: str | Path | None = None) -> pd.DataFrame:
    """The survey month-block record of the latest published bundle that kept one.

    The latest by period among bundles whose manifest says ``ok`` (a re-run of an old
    month reads the newest, which knows every month block published so far). An empty
    frame when no published bundle kept a record (the first run, or bundles of an
    earlier release: then every response counts in its own month, as before).
    """
    layout = BundleLayout(Path(outputs) if outputs else paths.outputs_dir())
    for period in sorted(layout.periods(), reverse=True):
        bundle = layout.bundle(period)
        if (read_manifest(bundle) or {}).get("status") != RUN_OK:
            continue
        path = bundle / PRIVATE_DIR / SURVEY_BLOCKS
        if path.is_file():
            return pd.read_parquet(path).astype("str")
        log.info("bundle %s kept no survey block record", period)
    return pd.DataFrame()
