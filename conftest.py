"""Test-session set-up shared by unit, notebook (nbval) and browser tests.

Before any test or notebook kernel starts, a small sample dataset is generated
into a temporary folder and ``SALES_ANALYTICS_DATA`` points at it, and
``SALES_ANALYTICS_OUTPUTS`` points at a temporary outputs folder, so notebooks
run under nbval read the small sample and never write into ``outputs/``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
collect_ignore_glob = ["tests/notebooks/fixtures/*", "benchmarks/*", "data/*", "outputs/*", ".venv/*"]


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("SALES_ANALYTICS_HOME", str(ROOT))
    os.environ.setdefault("MPLBACKEND", "Agg")
    if "SALES_ANALYTICS_TEST_TMP" in os.environ:
        return
    tmp = Path(tempfile.mkdtemp(prefix="sales-analytics-tests-"))
    os.environ["SALES_ANALYTICS_TEST_TMP"] = str(tmp)
    os.environ["SALES_ANALYTICS_OUTPUTS"] = str(tmp / "outputs")
    data = tmp / "data"
    try:
        from sales_analytics.sample_data import write_sample
    except ImportError:  # the generator is not there yet: tests that need data will say so
        return
    write_sample(data, size="small")
    os.environ["SALES_ANALYTICS_DATA"] = str(data)
