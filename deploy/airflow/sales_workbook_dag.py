"""Airflow DAG: the Sales Team Workbook's monthly run.

Copy this file into Airflow's ``dags/`` folder on a worker where the project is
checked out and installed (``SALES_WORKBOOK_HOME``, default
``/opt/sales-workbook``, with its ``.venv`` on the worker's Python path).

Schedule ``@monthly``: a DAG run's data interval is one calendar month and it
starts when that month is over, so the reported period is the month of
``data_interval_start``. ``catchup=True`` lets Airflow backfill past months
(``airflow dags backfill -s 2025-01-01 -e 2026-10-31 sales_workbook_monthly``);
``max_active_runs=1`` keeps months in order.

The notebooks are executed by papermill's Python API, through
``sales_analytics.run.run_period``: it adds what a bare ``PapermillOperator``
per notebook would not, namely the data loaded and validated once into a
snapshot, parameter names checked against each notebook's parameters cell,
the period lock, and the atomic publish of ``outputs/<period>/`` only when
every notebook succeeded. A failed notebook fails the task with the one-line
error (notebook, cell, error) in the task log.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

from airflow import DAG

try:  # Airflow 3
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:  # Airflow 2
    from airflow.operators.python import PythonOperator

PROJECT = Path(os.environ.get("SALES_WORKBOOK_HOME", "/opt/sales-workbook"))


def report_period(data_interval_start: datetime) -> str:
    """The month a DAG run reports: the month its data interval starts in, as ``YYYY-MM``."""
    return f"{data_interval_start.year:04d}-{data_interval_start.month:02d}"


def run_month(data_interval_start: datetime, **_context: object) -> str:
    """Run every notebook for the month and publish its bundle; returns the bundle folder (XCom)."""
    os.environ.setdefault("SALES_ANALYTICS_HOME", str(PROJECT))
    from sales_analytics.run import run_period

    result = run_period(report_period(data_interval_start), wait=3600)
    return str(result.bundle)


def check_bundle(ti: object, **_context: object) -> dict[str, object]:
    """Read the published manifest: status ok, every notebook ok, tables present."""
    bundle = Path(ti.xcom_pull(task_ids="run_month"))  # type: ignore[attr-defined]
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    failed = [n["name"] for n in manifest["notebooks"] if n["status"] != "ok"]
    if manifest["status"] != "ok" or failed or not manifest["tables"]:
        raise ValueError(f"bundle {bundle} is not complete: status {manifest['status']}, failed {failed}")
    return {"period": manifest["period"], "run_id": manifest["run_id"], "tables": len(manifest["tables"])}


with DAG(
    dag_id="sales_workbook_monthly",
    description="Sales Team Workbook: run every notebook for the month and publish outputs/<period>/",
    schedule="@monthly",
    start_date=datetime(2025, 1, 1),
    catchup=True,
    max_active_runs=1,
    default_args={
        "retries": 1,
        "retry_delay": timedelta(minutes=15),
        "execution_timeout": timedelta(hours=2),
    },
    tags=["sales-workbook", "papermill"],
) as dag:
    run = PythonOperator(task_id="run_month", python_callable=run_month)
    check = PythonOperator(task_id="check_bundle", python_callable=check_bundle)
    run >> check
