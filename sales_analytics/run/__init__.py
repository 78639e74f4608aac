"""The monthly run: papermill per period, manifest, atomic publish, lock.

``sales-analytics run`` (or :func:`run_period`) executes every numbered
notebook for one month on a validated snapshot of the data and publishes the
immutable bundle ``outputs/<period>/``; ``sales-analytics backfill`` runs a
range of months and ``sales-analytics runs`` lists the published bundles.
See ``docs/running.md``.

Modules: ``settings`` (the ``run:`` parameters), ``execute`` (notebooks and
their parameters, the process pool, HTML), ``bundle`` (staging, swap,
recovery, manifests), ``lock`` (one run per period), ``monthly`` (the run
itself), ``cli`` (the commands).
"""

from __future__ import annotations

from sales_analytics.run.bundle import BundleLayout, list_runs, read_manifest
from sales_analytics.run.execute import check_parameter_names, discover_notebooks, notebook_parameters
from sales_analytics.run.history import (
    keep_survey_blocks,
    outputs_root_of,
    published_survey_blocks,
    read_published_tables,
)
from sales_analytics.run.lock import PeriodLock
from sales_analytics.run.monthly import RUN_PARAMETERS, RunResult, run_backfill, run_period
from sales_analytics.run.settings import RunParams

__all__ = [
    "RUN_PARAMETERS",
    "BundleLayout",
    "PeriodLock",
    "RunParams",
    "RunResult",
    "check_parameter_names",
    "discover_notebooks",
    "keep_survey_blocks",
    "list_runs",
    "notebook_parameters",
    "outputs_root_of",
    "published_survey_blocks",
    "read_manifest",
    "read_published_tables",
    "run_backfill",
    "run_period",
]
