"""Kernels forked from the run's warm parent: each notebook still has a process of its own (issue 24)."""

from __future__ import annotations

import json
import os
import sys

import nbformat
import psutil
import pytest

from sales_analytics.run.execute import NotebookTask, execute_notebooks
from sales_analytics.run.kernel import warm_kernels

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fork server is Linux-only")

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

# what a kernel records about itself: its process, its parent, whether pandas was there before the
# notebook imported anything, a global set by the notebook (must not leak into the next kernel)
PROBE = """\
import json, os, sys
was_warm = "pandas" in sys.modules
leaked = "LEAK" in globals()
LEAK = 1
import numpy as np
a = np.arange(40_000, dtype=float).reshape(200, 200)
json.dump({"pid": os.getpid(), "ppid": os.getppid(), "warm": was_warm, "leaked": leaked,
           "cwd": os.getcwd(), "env": os.environ.get("SA_PROBE"), "dot": float((a @ a).trace())},
          open(OUT, "w"))
"""


def _tasks(tmp_path, n):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell('OUT = ""', metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell(PROBE),
            nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2]); plt.show()"),
        ],
        metadata={"kernelspec": KERNELSPEC},
    )
    nbformat.write(nb, tmp_path / "probe.ipynb")
    return [
        NotebookTask(
            name=f"n{i}",
            source=str(tmp_path / "probe.ipynb"),
            executed=str(tmp_path / f"o{i}.ipynb"),
            html=None,
            parameters={"OUT": str(tmp_path / f"probe{i}.json")},
            cwd=str(tmp_path),
        )
        for i in range(n)
    ]


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_warm_kernels_are_separate_fresh_processes_forked_from_one_server(tmp_path, monkeypatch, jobs):
    monkeypatch.setenv("SA_PROBE", "seen")
    results = execute_notebooks(_tasks(tmp_path, 3), jobs=jobs, warm=True)
    assert [r.status for r in results] == ["ok"] * 3
    probes = [json.loads((tmp_path / f"probe{i}.json").read_text()) for i in range(3)]
    assert len({p["pid"] for p in probes}) == 3  # a process per notebook
    assert len({p["ppid"] for p in probes}) == 1  # all forked by the one server …
    assert probes[0]["ppid"] != os.getpid()  # … which is not the run process
    assert all(p["warm"] and not p["leaked"] for p in probes)  # imports inherited, no notebook state
    assert all(p["cwd"] == str(tmp_path) and p["env"] == "seen" for p in probes)
    # trace(A·A) = Σ_ij a_ij a_ji with a_ij = 200 i + j: BLAS works in a forked kernel (its threads
    # are not inherited); the value is checked against a cold kernel below
    assert len({p["dot"] for p in probes}) == 1
    for i in range(3):  # the inline backend is wired as in a cold kernel: the chart is an image
        cells = nbformat.read(str(tmp_path / f"o{i}.ipynb"), as_version=4).cells
        [chart] = [c for c in cells if "plt.show()" in c.source]
        assert any("image/png" in o.get("data", {}) for o in chart.outputs)
    assert not psutil.pid_exists(probes[0]["ppid"]) or psutil.Process(probes[0]["ppid"]).status() in (
        psutil.STATUS_ZOMBIE,
        psutil.STATUS_DEAD,
    )  # the server is gone with the run's notebooks


@pytest.mark.slow
def test_a_cold_kernel_computes_the_same(tmp_path):
    [result] = execute_notebooks(_tasks(tmp_path, 1), warm=False)
    assert result.status == "ok"
    probe = json.loads((tmp_path / "probe0.json").read_text())
    assert not probe["warm"] and probe["ppid"] == os.getpid()  # started by this process itself
    (tmp_path / "w").mkdir()
    [warm] = execute_notebooks(_tasks(tmp_path / "w", 1))
    assert warm.status == "ok"
    assert json.loads((tmp_path / "w" / "probe0.json").read_text())["dot"] == probe["dot"]


@pytest.mark.slow
def test_a_kernel_whose_asker_goes_away_is_killed(tmp_path):
    import asyncio

    from sales_analytics.run.kernel import QuietShutdownKernelManager

    with warm_kernels() as server:
        assert server is not None

        async def start() -> int:
            km = QuietShutdownKernelManager(kernel_name="python3")
            await km.start_kernel(extra_arguments=["--IPKernelApp.log_level=ERROR"])
            pid = km.provisioner.pid
            assert psutil.Process(pid).ppid() == server.process.pid
            km.provisioner.process._sock.close()  # what the asking process's death does
            return pid

        pid = asyncio.run(start())
        psutil.wait_procs([psutil.Process(pid)], timeout=10)
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert server.process.poll() is not None  # the server stopped with the block
