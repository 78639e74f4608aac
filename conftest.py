"""Test-session set-up shared by unit, notebook (nbval) and browser tests.

Before any test or notebook kernel starts, a small sample dataset is generated
into a temporary folder and ``SALES_ANALYTICS_DATA`` points at it, and
``SALES_ANALYTICS_OUTPUTS`` points at a temporary outputs folder, so notebooks
run under nbval read the small sample and never write into ``outputs/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
collect_ignore_glob = [
    "tests/notebooks/fixtures/*",
    "tests/data/*",
    "benchmarks/*",
    "data/*",
    "outputs/*",
    ".venv/*",
]


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("SALES_ANALYTICS_HOME", str(ROOT))
    import matplotlib

    matplotlib.use("Agg")  # this process only: notebook kernels keep the inline backend
    if "SALES_ANALYTICS_TEST_TMP" in os.environ:
        return
    tmp = Path(tempfile.mkdtemp(prefix="sales-analytics-tests-"))
    os.environ["SALES_ANALYTICS_TEST_TMP"] = str(tmp)
    os.environ["SALES_ANALYTICS_OUTPUTS"] = str(tmp / "outputs")
    data = tmp / "data"
    from sales_analytics.sample_data import write_sample

    write_sample(data, size="small")
    os.environ["SALES_ANALYTICS_DATA"] = str(data)
    config._sales_analytics_tmp = tmp  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    tmp = getattr(config, "_sales_analytics_tmp", None)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(autouse=True)
def _doctest_temporary_folders(request: pytest.FixtureRequest):
    """A doctest's ``tempfile.mkdtemp()`` lands in a folder removed after the doctest."""
    if not isinstance(request.node, pytest.DoctestItem):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="sales-analytics-doctest-") as folder:
        previous, tempfile.tempdir = tempfile.tempdir, folder
        try:
            yield
        finally:
            tempfile.tempdir = previous
