"""A successful run prints no ERROR line (issue 15.8): kernels are shut down without SIGINT."""

from __future__ import annotations

import asyncio
import signal

import nbformat
import pytest
from jupyter_client import AsyncKernelManager

from sales_analytics.run.execute import NotebookTask, execute_notebooks
from sales_analytics.run.kernel import QuietShutdownKernelManager


def _signals_sent_on_shutdown(manager_class: type[AsyncKernelManager]) -> list[int]:
    sent: list[int] = []

    async def go() -> None:
        km = manager_class(kernel_name="python3")
        await km.start_kernel(extra_arguments=["--IPKernelApp.log_level=ERROR"])
        real = km._async_signal_kernel

        async def record(signum: int) -> None:
            sent.append(int(signum))
            await real(signum)

        km._async_signal_kernel = record  # type: ignore[method-assign]
        await km.shutdown_kernel(now=False)

    asyncio.run(go())
    return sent


@pytest.mark.slow
def test_the_plain_manager_interrupts_a_kernel_it_shuts_down_ours_does_not():
    # the cause: jupyter_client sends SIGINT before the shutdown request; a kernel inside a handler
    # then logs "KeyboardInterrupt caught in kernel."
    assert int(signal.SIGINT) in _signals_sent_on_shutdown(AsyncKernelManager)
    assert int(signal.SIGINT) not in _signals_sent_on_shutdown(QuietShutdownKernelManager)


@pytest.mark.slow
def test_a_successful_parallel_run_prints_no_error_line(tmp_path, capfd):
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2]); plt.show()"),
            nbformat.v4.new_code_cell("x = sum(range(10**6))"),
        ],
        metadata={"kernelspec": kernelspec},
    )
    nbformat.write(nb, tmp_path / "t.ipynb")
    tasks = [
        NotebookTask(
            name=f"n{i}",
            source=str(tmp_path / "t.ipynb"),
            executed=str(tmp_path / f"o{i}.ipynb"),
            html=None,
            parameters={},
            cwd=str(tmp_path),
        )
        for i in range(4)
    ]
    results = execute_notebooks(tasks, jobs=2)
    assert [r.status for r in results] == ["ok"] * 4
    err = capfd.readouterr().err
    assert "ERROR" not in err and "KeyboardInterrupt" not in err
