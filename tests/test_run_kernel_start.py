"""A kernel that dies while starting (two kernels drew the same port) is started once more; a
notebook whose kernel dies twice, or that fails in a cell, is reported as before."""

from __future__ import annotations

import logging

import papermill
import pytest

from sales_analytics.run.execute import KERNEL_START_ATTEMPTS, NotebookTask, run_task

DIED = RuntimeError("Kernel died before replying to kernel_info")


def _task(tmp_path) -> NotebookTask:
    return NotebookTask("02_sleep", str(tmp_path / "in.ipynb"), str(tmp_path / "out.ipynb"), None, {})


def _papermill_raising(monkeypatch, errors: list[BaseException]) -> list[int]:
    calls: list[int] = []

    def execute_notebook(*args, **kwargs):
        calls.append(1)
        if errors:
            raise errors.pop(0)

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)
    return calls


def test_a_kernel_that_died_starting_is_started_again(tmp_path, monkeypatch, caplog):
    calls = _papermill_raising(monkeypatch, [DIED])
    with caplog.at_level(logging.WARNING, logger="sales_analytics.run.execute"):
        result = run_task(_task(tmp_path))
    assert (result.status, len(calls)) == ("ok", 2)
    assert "02_sleep: its kernel died while starting" in caplog.text


def test_a_kernel_that_dies_at_every_start_fails_the_notebook(tmp_path, monkeypatch):
    calls = _papermill_raising(monkeypatch, [DIED] * (KERNEL_START_ATTEMPTS + 1))
    result = run_task(_task(tmp_path))
    assert (result.status, len(calls)) == ("failed", KERNEL_START_ATTEMPTS)
    assert result.error == "RuntimeError: Kernel died before replying to kernel_info"


@pytest.mark.parametrize("error", [RuntimeError("something else"), ValueError("bad notebook")])
def test_any_other_failure_is_not_retried(tmp_path, monkeypatch, error):
    calls = _papermill_raising(monkeypatch, [error])
    result = run_task(_task(tmp_path))
    assert (result.status, len(calls)) == ("failed", 1)
