"""The goals notebook in two consecutive monthly runs: the second judges the first's forecast.

Slow (a kernel per run): deselected by default, run with ``-m slow``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from sales_analytics.run import run_period

pytestmark = pytest.mark.slow


def test_second_published_month_compares_the_first_months_forecast(tmp_path) -> None:
    data = Path(os.environ["SALES_ANALYTICS_DATA"])  # the small sample (root conftest.py)
    outputs = tmp_path / "outputs"
    first = run_period("2026-10", data=data, notebooks=["08"], outputs=outputs, jobs=1)
    second = run_period("2026-11", data=data, notebooks=["08"], outputs=outputs, jobs=1)
    assert first.status == second.status == "ok"
    said = pd.read_parquet(outputs / "2026-10" / "tables" / "goals_forecast.parquet")
    track = pd.read_parquet(outputs / "2026-11" / "tables" / "goals_track_record.parquet")
    # the 2026-10 bundle forecast 2026-11 at horizon 1; the 2026-11 bundle sets it against the actual
    row = track[(track["level"] == "company") & (track["month"] == "2026-11")].iloc[0]
    made = said[(said["level"] == "company") & (said["month"] == "2026-11")].iloc[0]
    assert row["forecast_made"] == "2026-10" and row["p50"] == made["p50"]
    # the data reach 2026-11-30, so the 2026-10 run forecast November without seeing it
    assert made["actual_to_date"] == 0 and made["p50"] != row["actual"]
    orders = pd.read_parquet(data / "orders.parquet")
    nov = orders[(orders["order_date"].dt.strftime("%Y-%m") == "2026-11") & (orders["status"] != "cancelled")]
    assert row["actual"] == pytest.approx(nov["amount"].sum(), abs=0.01)
    # the first bundle had nothing earlier to compare with
    assert pd.read_parquet(outputs / "2026-10" / "tables" / "goals_track_record.parquet").empty
    accuracy = pd.read_parquet(outputs / "2026-11" / "tables" / "goals_backtest_accuracy.parquet")
    assert set(accuracy["level"]) == {"company", "team", "rep"}
