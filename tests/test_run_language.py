"""A re-run or backfill keeps the published bundle's language unless --language is given (issue 15.7)."""

from __future__ import annotations

import pytest

from sales_analytics.run import list_runs, monthly, read_manifest, run_backfill, run_period
from tests.test_run import fake_execute, make_data, make_notebooks


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setattr(monthly, "execute_notebooks", fake_execute())
    return {
        "data": make_data(tmp_path / "data"),
        "notebooks_dir": make_notebooks(tmp_path / "notebooks", "publish"),
        "outputs": tmp_path / "outputs",
    }


def test_rerun_keeps_the_published_language_and_says_so(project):
    # the default parameters say zh; the bundle of 2026-10 was published in English
    first = run_period("2026-10", language="en", **project)
    assert first.manifest["language"] == "en"
    again = run_period("2026-10", force=True, **project)
    assert again.manifest["language"] == "en"
    assert "kept the published bundle's language en" in again.summary()
    assert "give --language to change it" in again.summary()
    assert read_manifest(project["outputs"] / "2026-10")["language"] == "en"
    # an explicit --language wins, and nothing is said
    changed = run_period("2026-10", language="zh", **project)
    assert changed.manifest["language"] == "zh" and "kept" not in changed.summary()


def test_backfill_keeps_each_bundles_language(project):
    run_period("2026-10", language="en", **project)
    results = run_backfill("2026-09", "2026-10", force=True, **project)
    # 2026-09 had no bundle: the parameters' zh; 2026-10 keeps en
    assert [r.manifest["language"] for r in results] == ["zh", "en"]
    table = list_runs(project["outputs"])
    assert table[["period", "language"]].values.tolist() == [["2026-09", "zh"], ["2026-10", "en"]]


def test_runs_command_shows_the_language(project, capsys):
    from sales_analytics.cli import main

    run_period("2026-10", language="en", **project)
    assert main(["runs", "--outputs", str(project["outputs"])]) == 0
    out = capsys.readouterr().out
    assert "language" in out.splitlines()[0] and " en " in out.splitlines()[1]
