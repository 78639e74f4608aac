"""Scheduling files under deploy/: cron line, systemd service + timer, Airflow DAG."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import py_compile
import shutil
import subprocess
import sys
import types
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SERVICE = DEPLOY / "systemd" / "sales-workbook-run.service"
TIMER = DEPLOY / "systemd" / "sales-workbook-run.timer"
DAG_FILE = DEPLOY / "airflow" / "sales_workbook_dag.py"

# (low, high) of each cron field: minute, hour, day of month, month, day of week
CRON_FIELDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def _cron_field_ok(text: str, low: int, high: int) -> bool:
    for part in text.split(","):
        base, _, step = part.partition("/")
        if step and (not step.isdigit() or int(step) == 0):
            return False
        if base == "*":
            continue
        lo, _, hi = base.partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            return False
        if not low <= int(lo) <= (int(hi) if hi else int(lo)) <= high:
            return False
    return True


def _cron_lines() -> list[str]:
    text = (DEPLOY / "cron" / "sales-workbook.cron").read_text(encoding="utf-8")
    return [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def test_cron_line_has_five_valid_fields_and_runs_the_command():
    lines = _cron_lines()
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert len(fields) == 6
    for text, (low, high) in zip(fields[:5], CRON_FIELDS):
        assert _cron_field_ok(text, low, high), text
    assert fields[:5] == ["30", "6", "2", "*", "*"]  # 06:30 on the 2nd of every month
    assert "sales-analytics run" in fields[5] and "%" not in fields[5]  # % would be a newline to cron


@pytest.mark.parametrize(
    ("field", "ok"),
    [
        ("*", True),
        ("0-59/5", True),
        ("1,15", True),
        ("60", False),
        ("*/0", False),
        ("a", False),
        ("5-1", False),
    ],
)
def test_cron_field_checker(field, ok):
    assert _cron_field_ok(field, 0, 59) is ok


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def test_systemd_units_have_the_required_keys():
    service, timer = _unit(SERVICE), _unit(TIMER)
    assert service["Unit"]["Description"]
    assert service["Service"]["Type"] == "oneshot"
    exec_start = service["Service"]["ExecStart"]
    assert exec_start.startswith("/") and " run " in f"{exec_start} "
    assert service["Service"]["WorkingDirectory"].startswith("/")
    assert timer["Timer"]["OnCalendar"] == "*-*-02 06:30:00"
    assert timer["Timer"]["Unit"] == SERVICE.name
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_accepts_the_units(tmp_path):
    calendar = subprocess.run(
        ["systemd-analyze", "calendar", _unit(TIMER)["Timer"]["OnCalendar"]], capture_output=True, text=True
    )
    assert calendar.returncode == 0, calendar.stderr
    binary = ROOT / ".venv" / "bin" / "sales-analytics"
    if not binary.exists():
        pytest.skip(f"{binary} is not installed: `verify` checks that ExecStart exists")
    # verify the units as installed for this checkout (paths rewritten from /opt/sales-workbook)
    for unit in (SERVICE, TIMER):
        (tmp_path / unit.name).write_text(
            unit.read_text(encoding="utf-8").replace("/opt/sales-workbook", str(ROOT)), encoding="utf-8"
        )
    verify = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / TIMER.name), str(tmp_path / SERVICE.name)],
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stderr


def test_airflow_dag_compiles():
    py_compile.compile(str(DAG_FILE), doraise=True)
    tree = ast.parse(DAG_FILE.read_text(encoding="utf-8"))
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert {"DAG", "PythonOperator"} <= calls


def test_airflow_dag_builds_with_a_stand_in_airflow(monkeypatch, tmp_path):
    """Import the DAG file against a minimal stand-in for the airflow package (not installed here)."""
    created: list[object] = []

    class DAG:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    class PythonOperator:
        def __init__(self, task_id, python_callable):
            self.task_id, self.python_callable, self.downstream = task_id, python_callable, []
            created.append(self)

        def __rshift__(self, other):
            self.downstream.append(other.task_id)
            return other

    airflow = types.ModuleType("airflow")
    airflow.DAG = DAG
    operators = types.ModuleType("airflow.operators")
    python = types.ModuleType("airflow.operators.python")
    python.PythonOperator = PythonOperator
    for name, module in {
        "airflow": airflow,
        "airflow.operators": operators,
        "airflow.operators.python": python,
    }.items():
        monkeypatch.setitem(sys.modules, name, module)
    spec = importlib.util.spec_from_file_location("sales_workbook_dag", DAG_FILE)
    dag_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dag_module)

    assert dag_module.dag.kwargs["dag_id"] == "sales_workbook_monthly"
    assert dag_module.dag.kwargs["schedule"] == "@monthly" and dag_module.dag.kwargs["max_active_runs"] == 1
    assert [(t.task_id, t.downstream) for t in created] == [
        ("run_month", ["check_bundle"]),
        ("check_bundle", []),
    ]
    # the @monthly run starting 2026-11-01 covers October's data interval
    assert dag_module.report_period(datetime(2026, 10, 1)) == "2026-10"

    bundle = tmp_path / "2026-10"
    bundle.mkdir()
    (bundle / "manifest.json").write_text(
        '{"status": "ok", "period": "2026-10", "run_id": "r1", "notebooks": [{"name": "01", "status": "ok"}],'
        ' "tables": [{"name": "kpi_x"}]}',
        encoding="utf-8",
    )
    ti = types.SimpleNamespace(xcom_pull=lambda task_ids: str(bundle))
    assert dag_module.check_bundle(ti) == {"period": "2026-10", "run_id": "r1", "tables": 1}
