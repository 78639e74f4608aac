"""Months the data do not cover are refused up front; the current month only with --partial (issue 15.3)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from sales_analytics.errors import RunError
from sales_analytics.io import load_dataset
from sales_analytics.notebook import Coverage, data_coverage
from sales_analytics.periods import parse_period
from sales_analytics.run.monthly import check_period_covered
from tests.test_run import make_data

ROOT = Path(__file__).resolve().parents[1]


def test_coverage_of_the_orders():
    o = pd.DataFrame({"order_date": pd.to_datetime(["2024-12-03", "2026-02-01", "2026-11-30"])})
    cov = data_coverage(o)
    # first order 2024-12-03, last 2026-11-30 → months 2024-12 … 2026-11
    assert cov.text() == "2024-12 … 2026-11" and cov.last_date == date(2026, 11, 30)
    assert cov.contains(parse_period("2024-12")) and not cov.contains(parse_period("2026-12"))
    assert data_coverage(o.iloc[:0]) is None


@pytest.mark.parametrize(
    ("period", "last_date", "today", "as_of"),
    [
        ("2026-11", "2026-11-30", "2026-12-03", None),  # over, data reach its last day: complete
        ("2026-12", "2026-12-02", "2026-12-03", "2026-12-02"),  # the current month: as of the last order
        ("2026-12", "2026-12-03", "2026-12-03", "2026-12-02"),  # today's orders are not over: yesterday
        ("2026-11", "2026-11-20", "2026-12-03", "2026-11-20"),  # data cut short on 20 November
        ("2026-10", "2026-11-20", "2026-12-03", None),  # an earlier month is complete
    ],
)
def test_as_of_day_of_an_incomplete_month(period, last_date, today, as_of):
    cov = Coverage(parse_period("2024-12"), parse_period(last_date[:7]), date.fromisoformat(last_date))
    got = cov.as_of(parse_period(period), today=date.fromisoformat(today))
    assert got == (date.fromisoformat(as_of) if as_of else None)


def test_check_refuses_months_outside_and_incomplete_ones(tmp_path):
    ds = load_dataset(make_data(tmp_path / "data"))  # orders 2026-09-15 … 2026-10-31
    with pytest.raises(RunError, match="no orders in 2026-12; the data covers 2026-09 … 2026-10"):
        check_period_covered(parse_period("2026-12"), ds, today=date(2026, 12, 3))
    with pytest.raises(RunError, match="no orders in 2020-01; the data covers 2026-09 … 2026-10"):
        check_period_covered(parse_period("2020-01"), ds, today=date(2026, 12, 3))
    # 2026-10 is over and reaches its last day: complete
    assert check_period_covered(parse_period("2026-10"), ds, today=date(2026, 12, 3)) is None
    # on 2026-10-31 the month is not over: --partial needed; the bundle is as of the 30th
    with pytest.raises(RunError, match="2026-10 is not complete.*--partial for a bundle as of 2026-10-30"):
        check_period_covered(parse_period("2026-10"), ds, today=date(2026, 10, 31))
    assert check_period_covered(parse_period("2026-10"), ds, partial=True, today=date(2026, 10, 31)) == date(
        2026, 10, 30
    )


def _cli_run(period: str, data: Path, outputs: Path) -> subprocess.CompletedProcess:
    """``sales-analytics run --period <period> --data <data>`` in a child process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SALES_ANALYTICS_OUTPUTS": str(outputs)}
    return subprocess.run(
        [sys.executable, "-m", "sales_analytics", "run", "--period", period, "--data", str(data)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


@pytest.mark.parametrize("period", ["2026-12", "2027-03", "2020-01"])
def test_cli_run_of_a_month_outside_the_data_fails_fast(tmp_path, period):
    data = make_data(tmp_path / "data")
    outputs = tmp_path / "outputs"
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = _cli_run(period, data, outputs)
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    assert proc.returncode != 0
    # the refusal costs the start-up and the load only (about 2 s of CPU; a notebook run took 30 s).
    # CPU time is the measure here, not the wall clock, which on a shared, loaded machine also
    # counts waiting (it read 25-29 s at load 15); a hang is caught by the call's 60 s timeout.
    assert cpu < 5, f"used {cpu:.1f} s of CPU"
    assert f"no orders in {period}; the data covers 2026-09 … 2026-10" in proc.stderr + proc.stdout
    failed = outputs / ".failed"
    assert not failed.exists() or not any(failed.iterdir())
    assert not (outputs / period).exists()


def test_cli_current_month_needs_partial(tmp_path):
    today = date.today()
    folder = make_data(tmp_path / "data")
    orders = pd.read_csv(folder / "orders.csv")
    extra = pd.DataFrame(
        {
            "order_id": ["O9"],
            "order_date": [(today - timedelta(days=0)).isoformat()],
            "customer_id": ["C1"],
            "rep_id": ["R001"],
            "amount": [10.0],
            "status": ["paid"],
        }
    )
    pd.concat([orders, extra]).to_csv(folder / "orders.csv", index=False)
    month = f"{today:%Y-%m}"
    proc = _cli_run(month, folder, tmp_path / "outputs")
    assert proc.returncode != 0
    assert f"{month} is not complete" in proc.stderr and "--partial" in proc.stderr


def test_publish_hint_never_suggests_a_run_that_would_be_refused(tmp_path):
    import json

    from sales_analytics.run.hint import publish_hint

    bundle = tmp_path / "2026-11"
    bundle.mkdir()
    coverage = {"first": "2024-12", "last": "2026-11", "last_date": "2026-11-30"}
    (bundle / "manifest.json").write_text(
        json.dumps({"status": "ok", "coverage": coverage}), encoding="utf-8"
    )
    today = date(2026, 12, 3)
    # inside the data: the plain run works
    assert publish_hint("2026-10", tmp_path, today=today) == "run `sales-analytics run --period 2026-10`"
    # before the data: no command, the covered range instead
    assert publish_hint("2020-01", tmp_path, today=today) == (
        "the data of the latest run cover 2024-12 … 2026-11: 2020-01 can be published once the data include it"
    )
    # the current month, not yet in the data of the latest run: no command either
    assert "sales-analytics run" not in publish_hint("2026-12", tmp_path, today=today)
    assert publish_hint("2027-03", tmp_path, today=today) == "2027-03 has not begun"
