"""The monthly run without kernels: parameters, notebooks, lock, bundle folders, manifest, CLI.

Notebook execution is replaced here by a stand-in that publishes one table per
notebook, so the orchestration (staging, swap, skip, failure handling,
manifest) is tested in well under a second per case. ``test_run_slow.py``
runs the same paths with real kernels.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from sales_analytics.errors import ConfigError, DataError, RunError
from sales_analytics.notebook import publish_table, table_description
from sales_analytics.run import (
    BundleLayout,
    PeriodLock,
    RunParams,
    check_parameter_names,
    discover_notebooks,
    list_runs,
    monthly,
    notebook_parameters,
    read_manifest,
    run_period,
)
from sales_analytics.run.execute import NotebookResult, declared_parameters

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "notebooks" / "fixtures"


# --------------------------------------------------------------------------- helpers (also used by
# test_run_slow.py)
def make_data(folder: Path) -> Path:
    """A tiny canonical data folder: 3 reps, 5 orders, the last on 2026-10-31 (so 2026-10 is complete)."""
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {
            "rep_id": ["R001", "R002", "R003"],
            "rep_name": ["张伟", "王芳", "李娜"],
            "team": ["华东一组", "华东一组", "华北一组"],
            "region": ["华东", "华东", "华北"],
            "manager": ["R001", "R001", "R003"],
            "hire_date": ["2024-01-01"] * 3,
            "active": [True] * 3,
        }
    ).to_csv(folder / "reps.csv", index=False)
    pd.DataFrame(
        {
            "order_id": ["O1", "O2", "O3", "O4", "O5"],
            "order_date": ["2026-09-15", "2026-10-01", "2026-10-05", "2026-10-20", "2026-10-31"],
            "customer_id": ["C1", "C2", "C1", "C3", "C2"],
            "rep_id": ["R001", "R001", "R002", "R003", "R002"],
            "amount": [100.0, 200.0, 50.0, 75.0, 25.0],
            "status": ["paid"] * 5,
        }
    ).to_csv(folder / "orders.csv", index=False)
    return folder


def make_notebooks(folder: Path, *names: str) -> Path:
    """Copy fixture notebooks as ``01_<name>.ipynb``, ``02_<name>.ipynb`` … (the run's naming)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(names, 1):
        shutil.copy(FIXTURES / f"{name}.ipynb", folder / f"{i:02d}_{name}.ipynb")
    return folder


def tree_digest(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes: equal digests = untouched bundle."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> dict[str, Path]:
    return {
        "data": make_data(tmp_path / "data"),
        "notebooks": make_notebooks(tmp_path / "notebooks", "publish", "sleep"),
        "outputs": tmp_path / "outputs",
    }


def fake_execute(fail: frozenset[str] = frozenset()):
    """A stand-in for execute_notebooks: writes the executed notebook and one table per notebook."""
    calls: list[list[str]] = []

    def execute(tasks, **_kwargs):
        calls.append([t.name for t in tasks])
        results = []
        for t in tasks:
            nbformat.write(nbformat.v4.new_notebook(), t.executed)
            if t.name in fail:
                results.append(
                    NotebookResult(
                        t.name,
                        "failed",
                        0.1,
                        cell=4,
                        exec_count=3,
                        source_line="ratio = rows / 0",
                        error="ZeroDivisionError: division by zero",
                    )
                )
                continue
            frame = pd.DataFrame({"period": [t.parameters["period"]], "value": [1.5], "note": ["=1+1"]})
            publish_table(
                frame, f"fake_{t.name[3:]}", t.parameters["output_dir"], description=f"from {t.name}"
            )
            results.append(NotebookResult(t.name, "ok", 0.1))
        return results

    execute.calls = calls
    return execute


def _run(project: dict[str, Path], **kwargs):
    return run_period(
        kwargs.pop("period", "2026-10"),
        data=project["data"],
        notebooks_dir=project["notebooks"],
        outputs=project["outputs"],
        **kwargs,
    )


# --------------------------------------------------------------------------- parameters and notebooks
def test_standard_parameters_cell_declares_all_five_names():
    assert declared_parameters(FIXTURES / "publish.ipynb") == [
        "period",
        "data",
        "language",
        "parameters_file",
        "output_dir",
    ]
    assert declared_parameters(FIXTURES / "sleep.ipynb")[-1] == "sleep_s"


def test_parameter_lines_papermill_cannot_read_are_still_declared(tmp_path, caplog):
    # papermill's line pattern skips a line with '=' in its comment
    cell = nbformat.v4.new_code_cell(
        'period: str = ""  # "" = latest month\ndata: str = (\n    ""\n)\nlanguage: str = "zh"  # zh | en'
    )
    cell.metadata["tags"] = ["parameters"]
    path = tmp_path / "old_style.ipynb"
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nbformat.v4.new_notebook(cells=[cell], metadata={"kernelspec": kernelspec}), path)
    assert declared_parameters(path) == ["period", "data", "language"]
    assert "cannot read the parameter line(s) of ['period']" in caplog.text


def test_notebook_parameters_passes_only_declared_names():
    wanted = {"period": "2026-10", "data": "/x/inputs", "sleep_s": 2.0}
    assert notebook_parameters(FIXTURES / "publish.ipynb", wanted) == {
        "period": "2026-10",
        "data": "/x/inputs",
    }
    assert notebook_parameters(FIXTURES / "sleep.ipynb", wanted) == wanted


@pytest.mark.parametrize(
    "name",
    [
        "x = __import__('os').system('touch pwned') #",
        "period\nimport os",
        "a;b",
        "class",  # a keyword
        "1abc",
        "",
        "périod",  # non-ASCII identifiers are refused too
        "os.system",
    ],
)
def test_parameter_name_carrying_code_is_rejected(name):
    with pytest.raises(RunError, match="not a plain identifier"):
        check_parameter_names([name])
    with pytest.raises(RunError, match="not a plain identifier"):
        notebook_parameters(FIXTURES / "publish.ipynb", {name: 1})


def test_parameter_values_must_be_scalars():
    with pytest.raises(RunError, match="parameter 'period' must be a string, number, boolean or None"):
        notebook_parameters(FIXTURES / "publish.ipynb", {"period": ["2026-10"]})


def test_notebook_without_parameters_cell_is_an_error():
    with pytest.raises(RunError, match="no code cell tagged 'parameters'"):
        notebook_parameters(FIXTURES / "no_parameters.ipynb", {"period": "2026-10"})


def test_code_in_a_parameter_name_is_rejected_before_papermill_sees_it(project, monkeypatch):
    import papermill

    seen = []
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: seen.append(a))
    monkeypatch.setattr(papermill, "inspect_notebook", lambda *a, **k: seen.append(a))
    monkeypatch.setattr(monthly, "execute_notebooks", lambda *a, **k: seen.append(a))
    with pytest.raises(RunError, match="not a plain identifier"):
        _run(project, extra_parameters={"x = __import__('os').system('touch pwned') #": 1})
    assert seen == []
    assert not project["outputs"].exists()


def test_extra_parameter_must_be_declared_somewhere_and_not_run_managed(project, monkeypatch):
    monkeypatch.setattr(monthly, "execute_notebooks", fake_execute())
    with pytest.raises(RunError, match=r"\['nonexistent'\] are declared by none of"):
        _run(project, extra_parameters={"nonexistent": 1})
    with pytest.raises(RunError, match=r"\['data'\] are set by the run itself"):
        _run(project, extra_parameters={"data": "/etc"})
    result = _run(project, extra_parameters={"sleep_s": 0.5})
    by_name = {n["name"]: n["parameters"] for n in result.manifest["notebooks"]}
    assert "sleep_s" not in by_name["01_publish"] and by_name["02_sleep"]["sleep_s"] == 0.5


def test_discover_notebooks_by_number_and_name(tmp_path):
    folder = make_notebooks(tmp_path, "publish", "sleep", "raises")
    assert [p.name for p in discover_notebooks(folder)] == [
        "01_publish.ipynb",
        "02_sleep.ipynb",
        "03_raises.ipynb",
    ]
    assert [p.stem for p in discover_notebooks(folder, ["03", "01_publish"])] == ["01_publish", "03_raises"]
    with pytest.raises(RunError, match=r"notebook '09' is not in .*choose from \['01_publish'"):
        discover_notebooks(folder, ["09"])
    with pytest.raises(RunError, match="no notebooks named NN_<name>.ipynb"):
        discover_notebooks(tmp_path / "empty")


def test_run_params_defaults_and_unknown_key_names_the_key(tmp_path):
    from sales_analytics.config import load_parameters

    assert RunParams().jobs == 2 and RunParams().notebook_timeout_s == 900
    bad = tmp_path / "p.yaml"
    bad.write_text("run:\n  jbos: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"p.yaml, key 'run.jbos': is not a known key"):
        load_parameters(bad)


def test_merged_parameters_round_trip_through_the_bundle_file(tmp_path):
    # the run writes the merged parameters as parameters.yaml and each notebook loads that file
    import yaml

    from sales_analytics.config import load_parameters

    params = load_parameters(overrides={"language": "en", "run": {"jobs": 3}})
    path = tmp_path / "parameters.yaml"
    path.write_text(yaml.safe_dump(params.model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
    assert load_parameters(path) == params


# --------------------------------------------------------------------------- publishing helper
def test_publish_table_is_deterministic_and_keeps_its_description(tmp_path):
    frame = pd.DataFrame({"period": ["2026-10", "2026-10"], "rep_id": ["R1", "R2"], "revenue": [1.0, 2.5]})
    a = publish_table(frame, "kpi_x", tmp_path / "a", description="Revenue\nby rep")
    b = publish_table(frame, "kpi_x", tmp_path / "b", description="Revenue\nby rep")
    assert a.read_bytes() == b.read_bytes()
    assert table_description(a) == "Revenue by rep"  # whitespace collapsed to one line
    pd.testing.assert_frame_equal(pd.read_parquet(a), frame)
    assert not list((tmp_path / "a").glob(".*tmp"))


@pytest.mark.parametrize(
    ("name", "frame", "message"),
    [
        ("Kpi X", pd.DataFrame({"period": ["2026-10"]}), "must be lower_snake_case"),
        ("../evil", pd.DataFrame({"period": ["2026-10"]}), "must be lower_snake_case"),
        ("kpi_x", pd.DataFrame({"rep_id": ["R1"]}), "has no 'period' column"),
        ("kpi_x", [1, 2], "must be a pandas DataFrame"),
    ],
)
def test_publish_table_refuses_bad_input(tmp_path, name, frame, message):
    from sales_analytics.errors import SalesAnalyticsError

    with pytest.raises(SalesAnalyticsError, match=message):
        publish_table(frame, name, tmp_path)


# --------------------------------------------------------------------------- lock
def test_second_run_of_the_same_period_is_refused(project, monkeypatch):
    execute = fake_execute()
    monkeypatch.setattr(monthly, "execute_notebooks", execute)
    layout = BundleLayout(project["outputs"])
    with PeriodLock(layout.locks, "2026-10", run_id="first"):
        with pytest.raises(
            RunError, match=rf"another run of 2026-10 is in progress \(pid {os.getpid()}, host"
        ):
            _run(project)
        # another period is not blocked
        assert _run(project, period="2026-09").status == "ok"
    assert execute.calls == [["01_publish", "02_sleep"]]
    assert _run(project).status == "ok"


def test_wait_gives_up_after_its_timeout(tmp_path):
    with PeriodLock(tmp_path, "2026-10"):
        with pytest.raises(RunError, match="another run of 2026-10 is in progress"):
            PeriodLock(tmp_path, "2026-10", wait=0.3).acquire()


def test_lock_of_a_killed_process_is_free_and_reported_stale(tmp_path):
    code = textwrap.dedent(f"""
        import sys, time
        from sales_analytics.run import PeriodLock
        lock = PeriodLock({str(tmp_path)!r}, "2026-10", run_id="killed").acquire()
        print("locked", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(RunError, match=rf"pid {proc.pid}.*run_id killed"):
            PeriodLock(tmp_path, "2026-10").acquire()
        proc.kill()
        proc.wait(10)
    finally:
        proc.kill()
        proc.stdout.close()
    lock = PeriodLock(tmp_path, "2026-10").acquire()
    try:
        assert lock.stale is not None and lock.stale["pid"] == proc.pid
    finally:
        lock.release()
    assert not (tmp_path / "2026-10.holder.json").exists()


# --------------------------------------------------------------------------- bundle folders
def _bundle(folder: Path, marker: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"status": "ok", "run_id": marker}), encoding="utf-8")
    return folder


def test_recover_restores_a_bundle_moved_aside_by_a_killed_swap(tmp_path):
    layout = BundleLayout(tmp_path)
    _bundle(layout.old_root / "2026-10-r1", "r1")  # killed between the two renames
    (layout.staging("2026-10", "r2") / "tables").mkdir(parents=True)
    _bundle(layout.old_root / "2026-09-r0", "other period")
    actions = layout.recover("2026-10")
    assert read_manifest(layout.bundle("2026-10"))["run_id"] == "r1"
    assert not layout.staging("2026-10", "r2").exists()
    assert (layout.old_root / "2026-09-r0").exists()  # other periods are not touched
    assert len(actions) == 2


def test_recover_deletes_the_old_bundle_when_the_new_one_is_in_place(tmp_path):
    layout = BundleLayout(tmp_path)
    _bundle(layout.bundle("2026-10"), "new")
    _bundle(layout.old_root / "2026-10-r1", "old")
    layout.recover("2026-10")
    assert read_manifest(layout.bundle("2026-10"))["run_id"] == "new"
    assert not (layout.old_root / "2026-10-r1").exists()


def test_publish_swaps_the_bundle(tmp_path):
    layout = BundleLayout(tmp_path)
    _bundle(layout.bundle("2026-10"), "old")
    staging = _bundle(layout.staging("2026-10", "r2"), "new")
    layout.publish("2026-10", staging, "r2")
    assert read_manifest(layout.bundle("2026-10"))["run_id"] == "new"
    assert not staging.exists() and not any(layout.old_root.iterdir())


# --------------------------------------------------------------------------- the run (stand-in notebooks)
def test_run_publishes_a_complete_bundle(project, monkeypatch):
    monkeypatch.setattr(monthly, "execute_notebooks", fake_execute())
    result = _run(project, language="en")
    bundle = project["outputs"] / "2026-10"
    assert result.status == "ok" and result.bundle == bundle
    m = read_manifest(bundle)
    bundle_files = {
        "html",
        "inputs",
        "manifest.json",
        "notebooks",
        "parameters.yaml",
        "report.xlsx",
        "scopes",  # one copy of the tables per scope (sales_analytics.access)
        "tables",
    }
    # plus the plan files of parameters/ (incentive_plan.yaml …), copied next to parameters.yaml
    assert {p.name for p in bundle.iterdir()} == bundle_files | {f["name"] for f in m["parameter_files"]}
    assert m["status"] == "ok" and m["period"] == "2026-10" and m["language"] == "en"
    inputs = {i["table"]: i for i in m["inputs"]}
    assert inputs["orders"]["rows"] == 5 and inputs["reps"]["rows"] == 3
    assert len(inputs["orders"]["sha256"]) == 64 and inputs["orders"]["snapshot"] == "inputs/orders.parquet"
    assert (bundle / "inputs" / "orders.parquet").exists()
    assert [t["name"] for t in m["tables"]] == ["fake_publish", "fake_sleep"]
    assert m["tables"][0]["rows"] == 1 and m["tables"][0]["description"] == "from 01_publish"
    assert {"pandas", "numpy", "pyarrow", "papermill", "scikit-learn"} <= set(m["libraries"])
    assert m["notebooks"][0]["parameters"] == {
        "period": "2026-10",
        "data": "inputs",
        "language": "en",
        "parameters_file": "parameters.yaml",
        "output_dir": "tables",
    }
    assert m["parameters"]["language"] == "en" and m["parameters"]["run"]["jobs"] == 2
    assert not any((project["outputs"] / ".staging").iterdir())


def test_default_period_is_the_latest_complete_month_in_the_data(project, monkeypatch):
    monkeypatch.setattr(monthly, "execute_notebooks", fake_execute())
    # the last order is on 2026-10-31, so October is complete
    assert (
        run_period(
            data=project["data"], notebooks_dir=project["notebooks"], outputs=project["outputs"]
        ).period
        == "2026-10"
    )


def test_a_quarter_is_refused(project):
    with pytest.raises(RunError, match="a run reports one month; got 2026-Q3"):
        _run(project, period="2026-Q3")


def test_same_inputs_skip_unless_forced(project, monkeypatch):
    execute = fake_execute()
    monkeypatch.setattr(monthly, "execute_notebooks", execute)
    first = _run(project)
    assert _run(project).status == "skipped"
    assert len(execute.calls) == 1
    second = _run(project, force=True)
    assert second.status == "ok" and len(execute.calls) == 2
    # a changed input makes the bundle out of date
    orders = project["data"] / "orders.csv"
    orders.write_text(orders.read_text(encoding="utf-8").replace("25.0", "26.0"), encoding="utf-8")
    assert _run(project).status == "ok" and len(execute.calls) == 3
    assert first.manifest["fingerprint"] == second.manifest["fingerprint"]


def test_manifests_of_two_runs_differ_only_in_times_and_run_ids(project, monkeypatch):
    monkeypatch.setattr(monthly, "execute_notebooks", fake_execute())
    a = _run(project).manifest
    b = _run(project, force=True).manifest

    def strip(m):
        m = json.loads(json.dumps(m))
        for key in ("run_id", "started", "ended", "duration_s", "timings"):
            m.pop(key)
        for nb in m["notebooks"]:
            nb.pop("duration_s")
        return m

    assert a["run_id"] != b["run_id"]
    assert strip(a) == strip(b)


def test_failed_notebook_keeps_the_old_bundle_and_says_where_in_one_line(project, monkeypatch):
    monkeypatch.setattr(monthly, "execute_notebooks", fake_execute())
    _run(project)
    before = tree_digest(project["outputs"] / "2026-10")
    monkeypatch.setattr(monthly, "execute_notebooks", fake_execute(fail=frozenset({"02_sleep"})))
    with pytest.raises(RunError) as info:
        _run(project, force=True)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(
        "run of 2026-10 failed: notebook 02_sleep failed at cell In [3] "
        "(`ratio = rows / 0`): ZeroDivisionError: division by zero"
    )
    assert tree_digest(project["outputs"] / "2026-10") == before
    failed = info.value.result.failed_dir
    assert failed.parent == project["outputs"] / ".failed" and failed.name.startswith("2026-10-")
    assert (failed / "notebooks" / "02_sleep.ipynb").exists() and not (failed / "inputs").exists()
    assert read_manifest(failed)["status"] == "failed"
    assert not any((project["outputs"] / ".staging").iterdir())


def test_corrupt_input_stops_the_run_before_any_notebook(project, monkeypatch):
    monkeypatch.setattr(monthly, "execute_notebooks", fake_execute())
    _run(project)
    before = tree_digest(project["outputs"] / "2026-10")
    execute = fake_execute()
    monkeypatch.setattr(monthly, "execute_notebooks", execute)
    (project["data"] / "orders.csv").unlink()
    (project["data"] / "orders.parquet").write_bytes(b"PAR1\x00\x01garbage, not a parquet file")
    with pytest.raises(DataError, match="orders"):
        _run(project, force=True)
    assert execute.calls == []
    assert tree_digest(project["outputs"] / "2026-10") == before
    assert not any((project["outputs"] / ".staging").iterdir())


def test_backfill_loads_once_and_resumes(project, monkeypatch):
    from sales_analytics.run import run_backfill

    execute = fake_execute()
    monkeypatch.setattr(monthly, "execute_notebooks", execute)
    loads = []
    real_load = monthly.load_dataset
    monkeypatch.setattr(
        monthly, "load_dataset", lambda folder, **kw: loads.append(folder) or real_load(folder, **kw)
    )
    kwargs = {"data": project["data"], "notebooks_dir": project["notebooks"], "outputs": project["outputs"]}
    # the data cover 2026-09 … 2026-10: a range reaching 2026-08 is refused before any month runs
    with pytest.raises(RunError, match="no orders in 2026-08; the data covers 2026-09 … 2026-10"):
        run_backfill("2026-08", "2026-10", **kwargs)
    assert execute.calls == []
    first = run_backfill("2026-09", "2026-10", **kwargs)
    assert [r.status for r in first] == ["ok", "ok"] and len(loads) == 2
    again = run_backfill("2026-09", "2026-10", **kwargs)
    assert [r.status for r in again] == ["skipped"] * 2 and len(execute.calls) == 2
    forced = run_backfill("2026-10", "2026-10", force=True, **kwargs)
    assert [r.status for r in forced] == ["ok"]
    table = list_runs(project["outputs"])
    assert table["period"].tolist() == ["2026-09", "2026-10"]
    assert (table["status"] == "ok").all() and table["inputs"].str.contains(r"orders:[0-9a-f]{8}").all()


def test_list_runs_of_an_empty_folder(tmp_path):
    assert list_runs(tmp_path / "nothing").empty


# --------------------------------------------------------------------------- command line
def test_cli_runs_and_run(project, monkeypatch, capsys):
    from sales_analytics.cli import main

    monkeypatch.setattr(monthly, "execute_notebooks", fake_execute())
    assert main(["runs", "--outputs", str(project["outputs"])]) == 0
    assert "no published bundles" in capsys.readouterr().out
    monkeypatch.setenv("SALES_ANALYTICS_OUTPUTS", str(project["outputs"]))
    assert (
        main(
            [
                "run",
                "--period",
                "2026-10",
                "--data",
                str(project["data"]),
                "--notebooks-dir",
                str(project["notebooks"]),
                "--notebooks",
                "01",
                "--no-progress",
            ]
        )
        == 0
    )
    assert "2026-10: published" in capsys.readouterr().out
    assert main(["runs", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert records[0]["period"] == "2026-10" and records[0]["notebooks"] == 1
    assert (
        main(
            [
                "run",
                "--period",
                "2026-10",
                "--data",
                str(project["data"]),
                "--notebooks-dir",
                str(project["notebooks"]),
                "-p",
                "bad name",
                "1",
            ]
        )
        == 2
    )
    assert "not a plain identifier" in capsys.readouterr().err


def test_plan_files_travel_with_the_bundle_and_count_in_the_fingerprint(project, monkeypatch, tmp_path):
    execute = fake_execute()
    monkeypatch.setattr(monthly, "execute_notebooks", execute)
    folder = tmp_path / "parameters"
    folder.mkdir()
    (folder / "default.yaml").write_text("language: en\n", encoding="utf-8")
    plan = folder / "incentive_plan.yaml"
    plan.write_text("rate: 0.05\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a parameter file", encoding="utf-8")
    result = _run(project, parameters_file=folder / "default.yaml")
    bundle = result.bundle
    assert (bundle / "incentive_plan.yaml").read_text(encoding="utf-8") == "rate: 0.05\n"
    assert not (bundle / "notes.txt").exists() and not (bundle / "default.yaml").exists()
    assert [f["name"] for f in result.manifest["parameter_files"]] == ["incentive_plan.yaml"]
    assert _run(project, parameters_file=folder / "default.yaml").status == "skipped"
    plan.write_text("rate: 0.06\n", encoding="utf-8")
    assert _run(project, parameters_file=folder / "default.yaml").status == "ok"
    assert len(execute.calls) == 2


def test_cli_run_with_defaults_reads_the_data_folder_of_the_environment(project, monkeypatch, capsys):
    # as a new user runs it: no --data, no --period (the data folder comes from $SALES_ANALYTICS_DATA)
    from sales_analytics.cli import main

    monkeypatch.setattr(monthly, "execute_notebooks", fake_execute())
    monkeypatch.setenv("SALES_ANALYTICS_DATA", str(project["data"]))
    monkeypatch.setenv("SALES_ANALYTICS_OUTPUTS", str(project["outputs"]))
    assert main(["run", "--notebooks-dir", str(project["notebooks"]), "--no-progress"]) == 0
    assert "2026-10: published" in capsys.readouterr().out
    m = read_manifest(project["outputs"] / "2026-10")
    assert {i["table"] for i in m["inputs"]} == {"orders", "reps"}
    assert main(["run", "--notebooks-dir", str(project["notebooks"]), "--wait", "0.5"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_run_on_an_in_memory_dataset_hashes_tables_by_content(project, monkeypatch):
    from sales_analytics.io import Dataset

    monkeypatch.setattr(monthly, "execute_notebooks", fake_execute())
    loaded = monthly.load_dataset(project["data"])
    ds = Dataset(tables={name: loaded.tables[name] for name in ("orders", "reps")})
    result = _run(project, dataset=ds)
    inputs = {i["table"]: i for i in result.manifest["inputs"]}
    assert inputs["orders"]["profile"] == "in-memory" and inputs["orders"]["rows"] == 5
    assert (result.bundle / "inputs" / "orders.parquet").exists()
    # the same frames give the same fingerprint: the second run is skipped
    assert _run(project, dataset=ds).status == "skipped"
    changed = Dataset(tables={**ds.tables, "orders": ds.orders.assign(amount=ds.orders["amount"] * 2)})
    assert _run(project, dataset=changed).status == "ok"


def test_run_task_reports_an_html_export_failure_in_one_line(tmp_path, monkeypatch):
    import papermill

    from sales_analytics.run import execute

    def fake_papermill(source, executed, **_kwargs):
        shutil.copy(source, executed)

    def broken_export(*_args, **_kwargs):
        raise ValueError("template\nmissing")

    monkeypatch.setattr(papermill, "execute_notebook", fake_papermill)
    monkeypatch.setattr(execute, "export_html", broken_export)
    task = execute.NotebookTask(
        name="01_publish",
        source=str(FIXTURES / "publish.ipynb"),
        executed=str(tmp_path / "out.ipynb"),
        html=str(tmp_path / "out.html"),
        parameters={},
    )
    result = execute.run_task(task)
    assert result.status == "failed"
    assert result.one_line() == "notebook 01_publish failed: HTML export failed: ValueError: template missing"
