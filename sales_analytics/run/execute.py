"""Executing notebooks: which ones, with which parameters, in parallel, and their HTML.

Papermill renders each injected parameter as an assignment ``name = value``;
it escapes values but not names, so a name is only ever injected when it is a
plain identifier *and* the notebook's ``parameters`` cell declares it
(:func:`declared_parameters`, checked against ``papermill.inspect_notebook``).
Anything else is refused before papermill
sees it.

Notebooks run through papermill's Python API. With ``jobs > 1`` a process pool
runs them side by side (each worker calls ``papermill.execute_notebook``,
which starts one kernel); with one job they run in this process. A worker dies
with the run (``PR_SET_PDEATHSIG`` on Linux), and a kernel dies with its
worker (ipykernel's parent poller), so a killed run leaves no notebook behind.
"""

from __future__ import annotations

import functools
import keyword
import logging
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sales_analytics.errors import RunError

__all__ = [
    "NotebookResult",
    "NotebookTask",
    "check_parameter_names",
    "declared_parameters",
    "discover_notebooks",
    "execute_notebooks",
    "export_html",
    "notebook_parameters",
]

log = logging.getLogger(__name__)

NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
_SCALARS = (str, int, float, bool, type(None))


def discover_notebooks(folder: str | Path, selection: Sequence[str] = ()) -> list[Path]:
    """The numbered notebooks ``NN_*.ipynb`` of ``folder``, sorted, optionally a subset.

    ``selection`` items are numbers (``"02"``), stems (``"02_sales_performance"``)
    or file names; an item matching no notebook is an error listing the choices.
    """
    folder = Path(folder)
    found = sorted(folder.glob(NOTEBOOK_GLOB))
    if not found:
        raise RunError(f"no notebooks named NN_<name>.ipynb in {folder}")
    if not selection:
        return found
    picked: set[Path] = set()
    for item in selection:
        token = str(item).strip()
        hits = [p for p in found if token in (p.name, p.stem) or p.stem.startswith(f"{token}_")]
        if not token or not hits:
            raise RunError(
                f"notebook {token!r} is not in {folder}; choose from "
                f"{[p.stem for p in found]} (by number, e.g. '02', or by name)"
            )
        picked.update(hits)
    return [p for p in found if p in picked]


def check_parameter_names(names: Iterable[str]) -> None:
    """Refuse any parameter name that is not a plain Python identifier.

    >>> check_parameter_names(["period", "output_dir"])
    >>> check_parameter_names(["x = __import__('os').system('id') #"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sales_analytics.errors.RunError: parameter name "x = __import__('os').system('id') #" is not a plain identifier ...
    """
    for name in names:
        if (
            not isinstance(name, str)
            or not name.isidentifier()
            or keyword.iskeyword(name)
            or not name.isascii()
        ):
            raise RunError(
                f"parameter name {name!r} is not a plain identifier (letters, digits and _, "
                "not a keyword); it is not passed to any notebook"
            )


def declared_parameters(path: str | Path) -> list[str]:
    """Names assigned at top level of the notebook's first cell tagged ``parameters``.

    The cell is found as papermill finds it and parsed with ``ast``, which sees
    every assignment however it is written. ``papermill.inspect_notebook``
    (what ``papermill --help-notebook`` shows) is asked too: its line pattern
    skips a line whose comment holds an ``=``, so a name it misses is logged as a warning (the run still passes it), instead of
    the notebook silently falling back to its defaults, e.g. reading the raw
    data rather than the run's snapshot.

    An empty list means the notebook has no ``parameters`` cell.
    """
    import ast

    import nbformat
    import papermill

    nb = nbformat.read(str(path), as_version=4)
    cell = next(
        (
            c
            for c in nb.cells
            if c.get("cell_type") == "code" and "parameters" in c.get("metadata", {}).get("tags", [])
        ),
        None,
    )
    if cell is None:
        return []
    try:
        tree = ast.parse(cell.source)
    except SyntaxError as exc:
        raise RunError(
            f"notebook {Path(path).name}: the parameters cell is not valid Python "
            f"(line {exc.lineno}: {exc.msg})"
        ) from None
    names: list[str] = []
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else ([node.target] if isinstance(node, ast.AnnAssign) else [])
        )
        names += [t.id for t in targets if isinstance(t, ast.Name) and t.id not in names]
    try:
        seen = papermill.inspect_notebook(str(path))
    except Exception as exc:  # e.g. no kernelspec: papermill cannot tell, the ast reading stands
        log.debug("papermill could not inspect %s: %s", path, exc)
        seen = names
    missed = [n for n in names if n not in seen]
    if missed:
        log.warning(
            "notebook %s: papermill's inspection cannot read the parameter line(s) of %s "
            "(an '=' in the comment?); they are passed all the same",
            Path(path).name,
            missed,
        )
    return names


def notebook_parameters(path: str | Path, wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of ``wanted`` that the notebook's ``parameters`` cell declares.

    Every name is checked with :func:`check_parameter_names` first and every
    value must be a plain scalar (str, int, float, bool or None). A notebook
    without a cell tagged ``parameters`` is an error: it could not be run as
    documented.
    """
    check_parameter_names(wanted)
    for name, value in wanted.items():
        if not isinstance(value, _SCALARS):
            raise RunError(
                f"parameter {name!r} must be a string, number, boolean or None; got {type(value).__name__}"
            )
    declared = declared_parameters(path)
    if not declared:
        raise RunError(
            f"notebook {Path(path).name} has no code cell tagged 'parameters' "
            "(see docs/architecture.md, section Notebooks)"
        )
    return {name: value for name, value in wanted.items() if name in declared}


# The "lab" page without the scripts it would fetch from public CDNs (require.js, MathJax,
# Mermaid, widget renderers): a bundle's HTML opens offline and loads nothing from the internet.
# The report runs no script: its policy forbids every script, so even a name in the data that
# slipped past escaping and sanitising could not run (issue 14).
REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"
# The page template, its style and the sanitiser of Markdown/HTML outputs: sales_analytics.report.html.


def export_html(executed: str | Path, html: str | Path, *, title: str = "") -> Path:
    """Export an executed notebook as an offline HTML page without code.

    Only outputs are shown: no code, no prompts, no stderr streams (warnings
    and log lines stay in the executed notebook), no script from the internet.
    """
    import nbformat

    nb = nbformat.read(str(executed), as_version=4)
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    if title:
        nb.metadata["title"] = title
    body, _ = _html_exporter().from_notebook_node(nb)
    html = Path(html)
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(body, encoding="utf-8")
    return html


@functools.lru_cache(maxsize=1)
def _html_exporter() -> Any:
    """The exporter of :func:`export_html`, built once per process: its templates are compiled once."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    from sales_analytics.report.html import clean_report_html, offline_template

    return HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"offline.html.j2": offline_template(REPORT_CSP)})],
        template_file="offline.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        # Markdown and HTML outputs pass through nbconvert's sanitiser (bleach): a name in a
        # Markdown line (an award, a contest title) becomes text, not a tag (issue 14)
        sanitize_html=True,
        # nbconvert's own allow-list escapes headings and table headers (<h2>, <th>): the report's
        # keeps plain formatting and tables, still without scripts, handlers or styles
        filters={"clean_html": clean_report_html},
        # nbconvert warns about every chart without alt text; the HTML is a report, not a page to audit
        log=_QUIET_NBCONVERT,
    )


_QUIET_NBCONVERT = logging.getLogger("sales_analytics.run.nbconvert")
_QUIET_NBCONVERT.setLevel(logging.ERROR)


@dataclass(frozen=True)
class NotebookTask:
    """One notebook to execute: where from, where to, with what."""

    name: str
    source: str
    executed: str
    html: str | None
    parameters: dict[str, Any]
    kernel_name: str = "python3"
    timeout_s: float = 900.0
    start_timeout_s: float = 60.0
    cwd: str | None = None


@dataclass
class NotebookResult:
    """What happened to one notebook (picklable: it crosses the process pool)."""

    name: str
    status: str  # ok | failed
    duration_s: float
    cell: int | None = None
    exec_count: int | None = None
    source_line: str = ""
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def one_line(self) -> str:
        """``<notebook> failed at cell In [5] (`x = 1/0`): ZeroDivisionError: division by zero``."""
        where = ""
        if self.exec_count is not None:
            where = f" at cell In [{self.exec_count}]"
        elif self.cell is not None:
            where = f" at cell {self.cell + 1}"
        code = f" (`{self.source_line}`)" if self.source_line else ""
        return f"notebook {self.name} failed{where}{code}: {self.error}"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_code_line(source: str) -> str:
    for line in str(source).splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return _one_line(line.strip(), 80)
    return ""


class _PapermillNoise(logging.Filter):
    """Drop papermill's parameter-inspection warnings: the names were checked by declared_parameters."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        return not (msg.startswith("Passed unknown parameter") or msg.startswith("Unable to parse line"))


def _quiet_papermill() -> None:
    for name in ("papermill", "papermill.translators"):
        pm_log = logging.getLogger(name)
        if not any(isinstance(f, _PapermillNoise) for f in pm_log.filters):
            pm_log.addFilter(_PapermillNoise())
    # papermill logs each notebook's paths at INFO and every kernel message at DEBUG;
    # the run logs one line per notebook instead
    logging.getLogger("papermill").setLevel(logging.WARNING)


#: a kernel that dies before it answers (no cell has run) is started again, up to this many times in
#: all: jupyter_client chooses a kernel's ports before the kernel binds them, so two kernels starting
#: at once can draw the same port ("Address already in use"), and the notebook would fail for nothing.
KERNEL_START_ATTEMPTS = 2


def _died_starting(exc: BaseException) -> bool:
    """Whether ``exc`` is jupyter_client's report of a kernel that died before it answered."""
    return "Kernel died before replying to kernel_info" in str(exc)


def run_task(task: NotebookTask) -> NotebookResult:
    """Execute one notebook with papermill (and export its HTML); never raises."""
    import papermill
    from nbclient.exceptions import CellTimeoutError
    from papermill.exceptions import PapermillExecutionError

    from sales_analytics.run.kernel import QuietShutdownKernelManager

    _quiet_papermill()
    started = time.monotonic()
    deadline = started + task.timeout_s

    def remaining(_cell: object) -> int:
        # nbclient asks before each cell: the notebook's whole budget is shared by its cells.
        return max(1, int(deadline - time.monotonic() + 0.999))

    def execute() -> None:
        papermill.execute_notebook(
            task.source,
            task.executed,
            parameters=task.parameters,
            kernel_name=task.kernel_name,
            language="python",
            progress_bar=False,
            log_output=False,
            start_timeout=task.start_timeout_s,
            cwd=task.cwd,
            timeout_func=remaining,
            # the kernel's own warnings (e.g. "running over TCP without encryption" on
            # localhost) would fill the run's log; its errors still show
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
            # no SIGINT to a finished kernel on shutdown: it logged "KeyboardInterrupt caught in kernel"
            kernel_manager_class=QuietShutdownKernelManager,
        )

    result = NotebookResult(task.name, "ok", 0.0)
    try:
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            try:
                execute()
                break
            except RuntimeError as exc:
                if attempt == KERNEL_START_ATTEMPTS or not _died_starting(exc):
                    raise
                log.warning(
                    "notebook %s: its kernel died while starting (%s); starting it again", task.name, exc
                )
    except PapermillExecutionError as exc:
        result = NotebookResult(
            task.name,
            "failed",
            0.0,
            cell=exc.cell_index,
            exec_count=exc.exec_count,
            source_line=_first_code_line(exc.source),
            error=_one_line(f"{exc.ename}: {exc.evalue}"),
        )
    except CellTimeoutError:
        result = NotebookResult(
            task.name,
            "failed",
            0.0,
            error=f"timed out: the notebook ran longer than {task.timeout_s:g} s (run.notebook_timeout_s)",
        )
    except Exception as exc:  # a kernel that died, a broken notebook file …: reported, not raised
        result = NotebookResult(task.name, "failed", 0.0, error=_one_line(f"{type(exc).__name__}: {exc}"))
    if result.status == "ok" and task.html:
        try:
            export_html(task.executed, task.html, title=task.name)
        except Exception as exc:  # the notebook ran, but the bundle would lack its page
            result = NotebookResult(
                task.name, "failed", 0.0, error=_one_line(f"HTML export failed: {type(exc).__name__}: {exc}")
            )
    result.duration_s = round(time.monotonic() - started, 3)
    return result


def _worker_init() -> None:
    """Make a pool worker die with the run (Linux), so a killed run leaves nothing running."""
    from sales_analytics.run.kernel import set_death_signal

    set_death_signal()


def execute_notebooks(
    tasks: Sequence[NotebookTask],
    *,
    jobs: int = 1,
    progress: bool = False,
    description: str = "notebooks",
    on_done: Callable[[NotebookResult], None] | None = None,
    expected_s: Mapping[str, float] | None = None,
    warm: bool = True,
) -> list[NotebookResult]:
    """Run ``tasks`` (up to ``jobs`` at once); results in the order of ``tasks``.

    A progress bar (tqdm, on stderr) advances as notebooks finish, and every
    notebook gets one log line with its status and duration. With several
    jobs, the notebooks expected to take longest (``expected_s``: name →
    seconds; a name without an estimate counts as the longest) start first, so
    that a long notebook does not start last and leave the other jobs idle.
    With ``warm`` (Linux), every kernel is forked from one process that has
    imported the data and chart stack (:mod:`sales_analytics.run.kernel`).
    """
    from tqdm import tqdm

    from sales_analytics.run.kernel import warm_kernels

    results: dict[str, NotebookResult] = {}

    def finished(res: NotebookResult, bar: tqdm) -> None:
        results[res.name] = res
        if res.status == "ok":
            log.info("notebook %s ok in %.1f s", res.name, res.duration_s)
        else:
            log.error("%s (%.1f s)", res.one_line(), res.duration_s)
        bar.update(1)
        if on_done:
            on_done(res)

    jobs = max(1, min(jobs, len(tasks)))
    with warm_kernels(warm):
        _execute(tasks, jobs, progress, description, expected_s or {}, finished)
    return [results[t.name] for t in tasks]


def _execute(
    tasks: Sequence[NotebookTask],
    jobs: int,
    progress: bool,
    description: str,
    expected_s: Mapping[str, float],
    finished: Callable[[NotebookResult, Any], None],
) -> None:
    from tqdm import tqdm

    if jobs == 1:
        with tqdm(
            total=len(tasks), desc=description, unit="nb", disable=not progress, file=sys.stderr
        ) as bar:
            for task in tasks:
                bar.set_postfix_str(task.name)
                finished(run_task(task), bar)
    else:
        # Imported once here so that forked workers start with papermill and nbconvert loaded.
        import nbconvert  # noqa: F401
        import papermill  # noqa: F401

        context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_init) as pool:
            order = longest_first(tasks, expected_s)
            futures: dict[Future[NotebookResult], NotebookTask] = {pool.submit(run_task, t): t for t in order}
            with tqdm(
                total=len(tasks), desc=description, unit="nb", disable=not progress, file=sys.stderr
            ) as bar:
                for future in as_completed(futures):
                    task = futures[future]
                    try:
                        res = future.result()
                    except Exception as exc:  # the worker process itself died
                        res = NotebookResult(
                            task.name,
                            "failed",
                            0.0,
                            error=_one_line(f"worker process failed: {type(exc).__name__}: {exc}"),
                        )
                    finished(res, bar)


def longest_first(tasks: Sequence[NotebookTask], expected_s: Mapping[str, float]) -> list[NotebookTask]:
    """``tasks`` by expected duration, longest first; unknown ones first, ties in the given order.

    >>> ts = [NotebookTask(n, "", "", None, {}) for n in ("01_a", "02_b", "03_c")]
    >>> [t.name for t in longest_first(ts, {"01_a": 2.0, "02_b": 9.0})]
    ['03_c', '02_b', '01_a']
    """
    return sorted(tasks, key=lambda t: -expected_s.get(t.name, float("inf")))


def result_record(result: NotebookResult) -> dict[str, Any]:
    """A NotebookResult as a JSON-ready mapping for the manifest."""
    record = asdict(result)
    record.pop("extra", None)
    return {k: v for k, v in record.items() if v not in (None, "")}
