"""The order in which a run's jobs start its notebooks: the longest first (issue 24)."""

from __future__ import annotations

import json
from pathlib import Path

from sales_analytics.run.bundle import BundleLayout
from sales_analytics.run.execute import NotebookTask, longest_first
from sales_analytics.run.monthly import TYPICAL_NOTEBOOK_S, expected_durations


def _task(name: str) -> NotebookTask:
    return NotebookTask(name, f"{name}.ipynb", f"out/{name}.ipynb", None, {})


def _bundle(root: Path, period: str, durations: dict[str, float], status: str = "ok") -> None:
    folder = root / period
    folder.mkdir(parents=True)
    notebooks = [{"name": n, "status": "ok", "duration_s": s} for n, s in durations.items()]
    (folder / "manifest.json").write_text(
        json.dumps({"status": status, "notebooks": notebooks}), encoding="utf-8"
    )


def test_longest_first_unknown_first_ties_in_order() -> None:
    tasks = [_task(n) for n in ("01_a", "02_b", "03_c", "04_d")]
    # 03_c has no estimate: it may be the longest, so it starts first; 01_a and 04_d tie at 2 s
    order = longest_first(tasks, {"01_a": 2.0, "02_b": 9.0, "04_d": 2.0})
    assert [t.name for t in order] == ["03_c", "02_b", "01_a", "04_d"]
    assert [t.name for t in tasks] == ["01_a", "02_b", "03_c", "04_d"]  # the caller's list is untouched


def test_expected_durations_from_the_published_bundles(tmp_path: Path) -> None:
    layout = BundleLayout(tmp_path)
    # nothing published: the measured typical durations (09_conflicts the longest on the standard sample)
    assert expected_durations(layout, "2026-10") == TYPICAL_NOTEBOOK_S
    assert max(TYPICAL_NOTEBOOK_S, key=TYPICAL_NOTEBOOK_S.get) == "09_conflicts"
    _bundle(tmp_path, "2026-09", {"02_sales_performance": 40.0})
    got = expected_durations(layout, "2026-10")  # another month's bundle is the best guess
    assert got["02_sales_performance"] == 40.0 and got["09_conflicts"] == TYPICAL_NOTEBOOK_S["09_conflicts"]
    _bundle(tmp_path, "2026-10", {"02_sales_performance": 3.0, "99_new": 7.5})
    got = expected_durations(layout, "2026-10")  # the same month's own bundle wins
    assert got["02_sales_performance"] == 3.0 and got["99_new"] == 7.5
    _bundle(tmp_path, "2026-11", {"02_sales_performance": 1.0}, status="failed")
    assert expected_durations(layout, "2026-11")["02_sales_performance"] == 3.0  # a failed run says nothing


def _write_pid(path: Path) -> None:
    import os

    path.write_text(str(os.getpid()), encoding="utf-8")


def _fail(message: str) -> None:
    raise ValueError(message)


def test_report_written_beside_the_scopes_in_a_second_process(tmp_path: Path) -> None:
    import os
    import sys

    import pytest

    from sales_analytics.run.monthly import _Background

    with _Background(enabled=True, jobs=2) as bg:
        bg.run(_write_pid, tmp_path / "pid")
    assert bg.parallel == sys.platform.startswith("linux")
    # forked on Linux: the call ran in another process, and it had finished when the block ended
    assert (int((tmp_path / "pid").read_text()) != os.getpid()) == bg.parallel
    with pytest.raises(ValueError, match="report.xlsx could not be written"):
        with _Background(enabled=True, jobs=2) as bg:
            bg.run(_fail, "report.xlsx could not be written")
    # one job: in line, in this process
    with _Background(enabled=True, jobs=1) as bg:
        bg.run(_write_pid, tmp_path / "pid")
    assert not bg.parallel and int((tmp_path / "pid").read_text()) == os.getpid()
