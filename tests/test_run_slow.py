"""The monthly run with real kernels: fixture notebooks, the command line, SIGKILL, timeouts.

Slow (kernels start for every notebook): deselected by default, run with ``-m slow``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest
from test_run import ROOT, make_data, make_notebooks, tree_digest

from sales_analytics.errors import RunError
from sales_analytics.run import read_manifest, run_period

pytestmark = pytest.mark.slow


def _env(outputs: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["SALES_ANALYTICS_OUTPUTS"] = str(outputs)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def _cli(*args: str | Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "sales_analytics",
        "run",
        "--period",
        "2026-10",
        "--no-progress",
        *map(str, args),
    ]


def _strip_times(manifest: dict) -> dict:
    m = json.loads(json.dumps(manifest))
    for key in ("run_id", "started", "ended", "duration_s", "timings"):
        m.pop(key)
    for nb in m["notebooks"]:
        nb.pop("duration_s")
    return m


def test_two_runs_give_identical_tables_and_manifests(tmp_path):
    data = make_data(tmp_path / "data")
    notebooks = make_notebooks(tmp_path / "notebooks", "publish", "sleep")
    outputs = tmp_path / "outputs"
    first = run_period("2026-10", data=data, notebooks_dir=notebooks, outputs=outputs, jobs=2)
    bundle = outputs / "2026-10"
    tables_1 = {p.name: p.read_bytes() for p in (bundle / "tables").glob("*.parquet")}
    second = run_period("2026-10", data=data, notebooks_dir=notebooks, outputs=outputs, jobs=1, force=True)
    tables_2 = {p.name: p.read_bytes() for p in (bundle / "tables").glob("*.parquet")}

    assert sorted(tables_1) == [
        "fixture_revenue_by_rep.parquet",
        "fixture_slept.parquet",
        "fixture_text.parquet",
    ]
    assert tables_1 == tables_2  # byte for byte
    assert first.run_id != second.run_id
    assert _strip_times(first.manifest) == _strip_times(second.manifest)

    # revenue in 2026-10: R001 200, R002 50 + 25 = 75, R003 75 (the 2026-09 order is outside)
    revenue = pd.read_parquet(bundle / "tables" / "fixture_revenue_by_rep.parquet")
    assert revenue.set_index("rep_id")["revenue"].to_dict() == {"R001": 200.0, "R002": 75.0, "R003": 75.0}

    html = (bundle / "html" / "01_publish.html").read_text(encoding="utf-8")
    assert "R001" in html and "open_notebook" not in html and "groupby" not in html  # outputs, no code
    assert '<script src="https://' not in html

    executed = nbformat.read(bundle / "notebooks" / "01_publish.ipynb", as_version=4)
    injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'period = "2026-10"' in injected.source and "inputs" in injected.source

    wb = openpyxl.load_workbook(bundle / "report.xlsx")
    assert wb.sheetnames[1:] == ["fixture_revenue_by_rep", "fixture_slept", "fixture_text"]
    note = wb["fixture_text"]["B2"]
    assert note.value == "=1+1" and note.data_type == "s" and note.quotePrefix
    assert read_manifest(bundle)["tables"][0]["description"] == "Revenue by rep"


def test_failing_notebook_exits_non_zero_with_one_line_and_keeps_the_bundle(tmp_path):
    data = make_data(tmp_path / "data")
    outputs = tmp_path / "outputs"
    run_period(
        "2026-10", data=data, notebooks_dir=make_notebooks(tmp_path / "ok", "publish"), outputs=outputs
    )
    before = tree_digest(outputs / "2026-10")

    notebooks = make_notebooks(tmp_path / "notebooks", "publish", "raises")
    proc = subprocess.run(
        _cli("--data", data, "--notebooks-dir", notebooks, "--jobs", "2"),
        env=_env(outputs),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: run of 2026-10 failed: notebook 02_raises failed at cell In [")
    assert "(`ratio = rows / 0`): ZeroDivisionError: division by zero" in last
    assert "the published bundle is unchanged" in last
    assert tree_digest(outputs / "2026-10") == before

    failed = next((outputs / ".failed").iterdir())
    assert str(failed) in last
    executed = nbformat.read(failed / "notebooks" / "02_raises.ipynb", as_version=4)
    errors = [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert errors and errors[0]["ename"] == "ZeroDivisionError"


def _wait_for(predicate, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_sigkill_midway_keeps_the_bundle_refuses_a_concurrent_run_and_next_run_recovers(tmp_path):
    psutil = pytest.importorskip("psutil")
    data = make_data(tmp_path / "data")
    outputs = tmp_path / "outputs"
    publish_only = make_notebooks(tmp_path / "ok", "publish")
    run_period("2026-10", data=data, notebooks_dir=publish_only, outputs=outputs)
    before = tree_digest(outputs / "2026-10")

    notebooks = make_notebooks(tmp_path / "notebooks", "publish", "sleep")
    env = _env(outputs)
    victim = subprocess.Popen(
        _cli("--data", data, "--notebooks-dir", notebooks, "--jobs", "2", "--force", "-p", "sleep_s", "120"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        staging_root = outputs / ".staging"
        # wait until a kernel is executing: papermill saves the executed notebook after each cell
        _wait_for(
            lambda: any(staging_root.glob("*/notebooks/02_sleep.ipynb")), 120, "the run to start executing"
        )
        children = psutil.Process(victim.pid).children(recursive=True)
        assert children  # pool workers and kernels

        # a second run of the same period is refused while the first holds the lock
        second = subprocess.run(
            _cli("--data", data, "--notebooks-dir", notebooks, "--force"),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 2
        assert f"another run of 2026-10 is in progress (pid {victim.pid}" in second.stderr

        victim.send_signal(signal.SIGKILL)
        victim.wait(30)
    finally:
        victim.kill()
    # the workers die with the run and the kernels with their workers
    _wait_for(
        lambda: not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children),
        30,
        "the killed run's workers and kernels to exit",
    )
    assert tree_digest(outputs / "2026-10") == before
    assert any((outputs / ".staging").iterdir())  # the half-built bundle is still there …

    result = run_period("2026-10", data=data, notebooks_dir=publish_only, outputs=outputs, force=True)
    assert result.status == "ok"
    assert not any((outputs / ".staging").iterdir())  # … until the next run clears it
    assert read_manifest(outputs / "2026-10")["run_id"] == result.run_id


def test_notebook_timeout_fails_the_run(tmp_path):
    params = tmp_path / "parameters.yaml"
    params.write_text("run:\n  notebook_timeout_s: 4\n", encoding="utf-8")
    notebooks = make_notebooks(tmp_path / "notebooks", "sleep")
    with pytest.raises(
        RunError, match=r"notebook 01_sleep failed: timed out: the notebook ran longer than 4 s"
    ):
        run_period(
            "2026-10",
            data=make_data(tmp_path / "data"),
            notebooks_dir=notebooks,
            outputs=tmp_path / "outputs",
            parameters_file=params,
            extra_parameters={"sleep_s": 60},
        )
    assert not (tmp_path / "outputs" / "2026-10").exists()


def test_project_notebooks_run_for_a_whole_month_of_the_small_sample(tmp_path):
    """Every notebook in notebooks/ on the small sample (conftest.py generates it)."""
    data = os.environ.get("SALES_ANALYTICS_DATA")
    if not data or not Path(data, "orders.parquet").exists():
        pytest.skip("the small sample was not generated (sales_analytics.sample_data.write_sample missing)")
    if not sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        pytest.skip("no notebooks in notebooks/ yet")
    result = run_period(data=data, outputs=tmp_path / "outputs", jobs=2)
    assert result.status == "ok"
    m = result.manifest
    assert all(n["status"] == "ok" for n in m["notebooks"])
    assert m["tables"] and all(t["rows"] >= 0 for t in m["tables"])
    for table in m["tables"]:
        frame = pd.read_parquet(result.bundle / table["path"])
        assert "period" in frame.columns
    assert (result.bundle / "report.xlsx").exists()
    assert len(list((result.bundle / "html").glob("*.html"))) == len(m["notebooks"])
