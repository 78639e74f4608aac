"""The monthly run: parameters → data loaded once → notebooks → tables, HTML, Excel → bundle.

:func:`run_period` does, for one month:

1. merge ``parameters/default.yaml``, ``parameters/periods/<period>.yaml`` and the
   caller's overrides into the typed parameters (unknown keys name their file);
2. load and validate the data once (a bad input stops here, before any notebook);
3. under the period lock, build ``outputs/.staging/<period>-<run id>/``: the
   validated snapshot in ``inputs/``, the merged ``parameters.yaml``, every
   notebook executed by papermill (``notebooks/``) with its code-free HTML
   (``html/``), the published ``tables/*.parquet``, ``report.xlsx`` and
   ``manifest.json``;
4. swap it in as ``outputs/<period>/`` only when every notebook succeeded.
   Otherwise the published bundle is left as it was, the staging folder moves
   to ``outputs/.failed/<period>-<run id>/`` and a RunError says, in one line,
   which notebook failed in which cell with which error.

A run whose inputs, parameters, notebooks and package version match the
published bundle's (its *fingerprint*) is skipped unless ``force=True``;
:func:`run_backfill` relies on that to resume.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import functools
import hashlib
import json
import logging
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import yaml

from sales_analytics import paths
from sales_analytics.errors import DataError, DataProblem, RunError, SalesAnalyticsError
from sales_analytics.io import Dataset, load_dataset, write_snapshot
from sales_analytics.io.dataset import file_sha256
from sales_analytics.io.snapshot import snapshot_hashes
from sales_analytics.periods import Period, latest_complete_month, month_range, parse_period
from sales_analytics.run.allocator import keep_freed_memory, release_freed_memory
from sales_analytics.run.bundle import (
    MANIFEST,
    MANIFEST_SCHEMA,
    BundleLayout,
    library_versions,
    make_private_dir,
    read_manifest,
    write_json,
)
from sales_analytics.run.execute import (
    NotebookResult,
    NotebookTask,
    check_parameter_names,
    discover_notebooks,
    execute_notebooks,
    notebook_parameters,
    result_record,
)
from sales_analytics.run.lock import PeriodLock
from sales_analytics.vocabulary import LANGUAGES, RUN_FAILED, RUN_OK, RUN_RUNNING

if TYPE_CHECKING:
    from sales_analytics.config import Parameters

__all__ = ["RUN_PARAMETERS", "RunResult", "run_backfill", "run_period"]

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

# Parameters every run passes (when the notebook declares them); callers cannot override these.
RUN_PARAMETERS: tuple[str, ...] = ("period", "data", "language", "parameters_file", "output_dir")
# Sheet order of report.xlsx follows the notebooks: data quality, KPIs, incentives, … then the rest.
_TABLE_ORDER = ("dq_", "kpi_", "incentive_", "customer_", "survey_", "training_", "rules_", "feedback_")
# Seconds each notebook took on the standard sample (benchmarks/bench_run.py, quiet machine): the
# order in which a run's jobs start them when no earlier run of this outputs folder says better.
TYPICAL_NOTEBOOK_S: dict[str, float] = {
    "01_data_quality": 4.8,
    "02_sales_performance": 8.9,
    "03_incentives": 8.9,
    "04_customers": 10.0,
    "05_surveys": 7.9,
    "06_training": 4.8,
    "07_rules_and_feedback": 4.6,
    "08_goals": 5.4,
    "09_conflicts": 15.8,
}


@dataclass
class RunResult:
    """The outcome of one period's run."""

    period: str
    run_id: str
    status: str  # ok | skipped | failed
    bundle: Path | None = None
    failed_dir: Path | None = None
    duration_s: float = 0.0
    notebooks: list[NotebookResult] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    note: str = ""  # said after the summary, e.g. the language kept from the published bundle

    def summary(self) -> str:
        tail = f"; {self.note}" if self.note else ""
        if self.status == "skipped":
            return f"{self.period}: up to date ({self.bundle}); nothing to do (use --force to rebuild){tail}"
        if self.status == "ok":
            as_of = self.manifest.get("as_of")
            partial = f", partial: as of {as_of}" if as_of else ""
            return (
                f"{self.period}: published {self.bundle} ({len(self.notebooks)} notebooks, "
                f"{len(self.manifest.get('tables', []))} tables, language {self.manifest.get('language')}"
                f"{partial}) in {self.duration_s:.1f} s{tail}"
            )
        failed = [r for r in self.notebooks if r.status != "ok"]
        line = failed[0].one_line() if failed else "the run failed"
        if len(failed) > 1:
            line += f" (and {len(failed) - 1} more failed: {', '.join(r.name for r in failed[1:])})"
        where = f"; executed notebooks kept in {self.failed_dir}" if self.failed_dir else ""
        return f"run of {self.period} failed: {line}{where}; the published bundle is unchanged"


@dataclass(kw_only=True)
class _Plan:
    """Everything decided before the lock is taken; _build carries it out (built by keyword only)."""

    layout: BundleLayout
    period: Period
    run_id: str
    staging: Path
    ds: Dataset
    data_folder: str
    params: Parameters
    param_doc: dict[str, Any]
    parameter_files: list[dict[str, Any]]
    nb_paths: list[Path]
    injected: dict[str, dict[str, Any]]
    nb_records: list[dict[str, Any]]
    inputs: list[dict[str, Any]]
    fingerprint: str
    jobs: int
    progress: bool
    started: datetime
    t0: float
    timings: dict[str, float]
    as_of: date | None = None
    coverage: dict[str, str] | None = None
    owns_data: bool = False  # loaded by this run: dropped once the snapshot is written
    kernels: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)  # closed after the notebooks


def new_run_id(now: datetime | None = None) -> str:
    """``20261102T063000Z-1a2b3c``: UTC start time and a random suffix.

    >>> new_run_id(datetime(2026, 11, 2, 6, 30, tzinfo=UTC))[:17]
    '20261102T063000Z-'
    """
    now = now or datetime.now(UTC)
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def _load(data: str | Path | None, params: Parameters) -> tuple[Dataset, str]:
    """Load and validate the data once; anything unreadable becomes a DataError naming the folder."""
    folder = paths.input_folder(data, params.data.dir)
    try:
        ds = load_dataset(folder, params=params)  # its data section and time zone
    except SalesAnalyticsError:
        raise
    except Exception as exc:  # a reader that failed without a DataError still stops the run, clearly
        raise DataError(
            [DataProblem(str(folder), f"could not be read: {type(exc).__name__}: {exc}")]
        ) from exc
    return ds, str(folder)


def _input_records(ds: Dataset) -> list[dict[str, Any]]:
    """Each input's origin, sha256 and rows; a table built in memory is hashed by content."""
    import pandas as pd

    out = []
    for name, frame in ds.tables.items():
        src = ds.sources.get(name)
        if src is not None:
            out.append(
                {
                    "table": name,
                    "path": src.path,
                    "profile": src.profile,
                    "sha256": src.sha256,
                    "rows": src.rows,
                }
            )
            continue
        h = hashlib.sha256(json.dumps([str(c) for c in frame.columns]).encode())
        h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        out.append(
            {
                "table": name,
                "path": "<in memory>",
                "profile": "in-memory",
                "sha256": h.hexdigest(),
                "rows": len(frame),
            }
        )
    return out


def _parameter_files(parameters_file: str | Path | None) -> list[dict[str, Any]]:
    """The plan and rule files next to the parameters file (``incentive_plan.yaml``, ``group_rules.yaml`` …).

    They are copied into the bundle next to its ``parameters.yaml``, so a lever
    that resolves its file relative to ``parameters_file`` reads the copy, the
    bundle records exactly which plan produced it, and a changed plan changes
    the run's fingerprint.
    """
    base = Path(parameters_file) if parameters_file else paths.parameters_dir() / "default.yaml"
    if not base.parent.is_dir():
        return []
    out = []
    for path in sorted(base.parent.iterdir()):
        if (
            path.is_file()
            and path.suffix in (".yaml", ".yml")
            and path.name != base.name
            and path.name not in ("parameters.yaml", MANIFEST, "notify.yaml")  # channels, not results
        ):
            out.append({"name": path.name, "source": str(path), "sha256": file_sha256(path)})
    return out


def _default_period(ds: Dataset) -> Period:
    from sales_analytics.notebook import latest_month_in

    orders = ds.orders
    if orders is None or orders.empty:
        return latest_complete_month()
    return latest_month_in(orders)


def check_period_covered(
    period: Period, ds: Dataset, *, partial: bool = False, today: date | None = None
) -> date | None:
    """Refuse a month the orders do not cover; the day a partial month is as of (``None``: complete).

    Runs before any kernel starts, so a month outside the data costs the load
    only and leaves nothing in ``outputs/.failed/``.
    """
    from sales_analytics.notebook import data_coverage

    cov = data_coverage(ds.orders)
    if cov is None:
        raise RunError(f"no orders in the data: there is nothing to report for {period}")
    if not cov.contains(period):
        latest = latest_complete_in(cov, today)
        hint = f"; the latest complete month is {latest}" if latest is not None else ""
        raise RunError(f"no orders in {period}; the data covers {cov.text()}{hint}")
    as_of = cov.as_of(period, today)
    if as_of is not None and not partial:
        raise RunError(
            f"{period} is not complete (the data reach {cov.last_date}, today is {today or date.today()}): "
            f"run it with --partial for a bundle as of {as_of}, or choose an earlier month "
            f"(the data covers {cov.text()})"
        )
    return as_of


def _published_language(layout: BundleLayout, period: str) -> str | None:
    """The language of the published bundle of ``period`` (``None`` when there is none)."""
    current = read_manifest(layout.bundle(period))
    if not current or current.get("status") != "ok":
        return None
    lang = current.get("language")
    return lang if lang in LANGUAGES else None


def _coverage_record(ds: Dataset) -> dict[str, str] | None:
    """The months the run's orders cover, for the manifest (``serve`` hints read it)."""
    from sales_analytics.notebook import data_coverage

    cov = data_coverage(ds.orders)
    if cov is None:
        return None
    return {"first": str(cov.first), "last": str(cov.last), "last_date": cov.last_date.isoformat()}


def latest_complete_in(cov: Any, today: date | None = None) -> Period | None:
    """The latest month of a coverage that is complete (``None`` when none is)."""
    month = cov.last
    while month.start >= cov.first.start:
        if cov.as_of(month, today) is None:
            return month
        month = month.previous()
    return None


def _fingerprint(
    inputs: list[dict[str, Any]],
    parameters: dict[str, Any],
    notebooks: list[dict[str, Any]],
    extra: Mapping[str, Any],
    parameter_files: list[dict[str, Any]],
) -> str:
    from sales_analytics import __version__

    doc = {
        "inputs": sorted((i["table"], i["sha256"]) for i in inputs),
        # the notify step does not change the results: toggling it does not force a rebuild
        "parameters": {k: v for k, v in parameters.items() if k != "notify"},
        "notebooks": [(n["name"], n["source_sha256"]) for n in notebooks],
        "extra_parameters": dict(sorted(extra.items())),
        "parameter_files": [(f["name"], f["sha256"]) for f in parameter_files],
        "package": __version__,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def _table_key(name: str) -> tuple[int, str]:
    for i, prefix in enumerate(_TABLE_ORDER):
        if name.startswith(prefix):
            return i, name
    return len(_TABLE_ORDER), name


def _collect_tables(folder: Path, language: str = "zh") -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    out = []
    for path in sorted(folder.glob("*.parquet"), key=lambda p: _table_key(p.stem)):
        meta = pq.read_metadata(path)
        out.append(
            {
                "name": path.stem,
                "path": f"tables/{path.name}",
                "rows": meta.num_rows,
                "columns": list(pq.read_schema(path).names),
                "sha256": file_sha256(path),
                "description": _table_description(path, language),
            }
        )
    return out


def _table_description(path: Path, language: str) -> str:
    """A published table's one-line description: the catalog's, else the one its file carries."""
    from sales_analytics.notebook import table_description
    from sales_analytics.tables import describe

    return describe(path.stem, language) or table_description(path)


# The sheets of report.xlsx prepared while the notebooks ran, by staging folder: the forked process
# that writes the workbook (_Background) inherits them with the run's memory (as an argument, the
# hundreds of megabytes of cell XML a 10M-row run prepares would be pickled to it).
_PREPARED_SHEETS: dict[str, dict[str, tuple[str, str, Any]]] = {}


def _write_report(
    staging: Path,
    tables: list[dict[str, Any]],
    language: str,
    period: str,
    as_of: date | None = None,
    currency: str = "CNY",
) -> None:
    import pandas as pd

    from sales_analytics.notebook import as_of_text
    from sales_analytics.report.excel import assemble_excel, prepare_table
    from sales_analytics.report.excel_layout import report_order
    from sales_analytics.report.labels import label

    ready = _PREPARED_SHEETS.pop(str(staging), {})
    records = {t["name"]: t for t in tables}
    prepared = []
    for name in report_order(list(records)):  # the sheets' order: the catalog's, not the notebooks'
        t = records[name]
        kept = ready.get(name)
        if kept is not None and kept[:2] == (t["sha256"], t["description"]):
            prepared.append(kept[2])  # prepared from this very file while the notebooks ran
            continue
        prepared.append(
            prepare_table(
                name,
                pd.read_parquet(staging / t["path"]),
                description=t["description"],
                language=language,
                currency=currency,
                source=t["path"],  # a sheet cut at Excel's row limit names its whole table's file
            )
        )
    assemble_excel(
        prepared,
        staging / "report.xlsx",
        language=language,
        title=label("run_report_title", language).format(period=period),
        note=as_of_text(as_of, language) if as_of is not None else "",
        period=period,
        currency=currency,
    )


class _ReportSheets:
    """The sheets of report.xlsx, prepared by a thread of the run process as the notebooks finish.

    When a notebook has finished, every table in ``tables/`` not prepared yet is prepared
    (:func:`sales_analytics.report.excel.prepare_table`: labels, widths, formats and the cell XML
    of its rows, most of the workbook's cost) while the other notebooks run; a notebook writes a
    table under a temporary name and renames it, so a ``.parquet`` file there is whole. A
    prepared table carries the SHA-256 of the bytes it was read from and its description:
    :func:`_write_report` uses it only when both still match the published table, and prepares
    anything else itself (a table whose preparation failed here fails there, as it did before).
    The workbook is assembled in the catalog's order whatever order the notebooks finished in.
    """

    def __init__(self, folder: Path, *, language: str, currency: str, enabled: bool) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.folder, self.language, self.currency = folder, language, currency
        self.prepared: dict[str, tuple[str, str, Any]] = {}  # name -> (sha256, description, table)
        self.cpu_s = 0.0
        self._stopping = False
        self._pool = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-sheets") if enabled else None
        )

    def notebook_done(self, result: NotebookResult) -> None:
        if self._pool is not None and result.status == "ok" and not self._stopping:
            self._pool.submit(self._prepare_new)

    def _prepare_new(self) -> None:
        started = time.thread_time()
        try:
            for path in sorted(self.folder.glob("*.parquet")):
                if path.stem in self.prepared:
                    continue
                if self._stopping:  # the notebooks are done: the report's writer prepares the rest
                    return
                try:
                    self.prepared[path.stem] = self._prepare(path)
                except Exception as exc:  # prepared again, and reported, when the workbook is written
                    log.debug(
                        "report sheet of %s not prepared early: %s: %s", path.stem, type(exc).__name__, exc
                    )
        finally:
            self.cpu_s += time.thread_time() - started

    def _prepare(self, path: Path) -> tuple[str, str, Any]:
        import io

        import pandas as pd

        from sales_analytics.report.excel import prepare_table

        data = path.read_bytes()  # hashed and read from the same bytes: a later rewrite cannot slip in
        description = _table_description(path, self.language)
        table = prepare_table(
            path.stem,
            pd.read_parquet(io.BytesIO(data)),
            description=description,
            language=self.language,
            currency=self.currency,
            source=f"tables/{path.name}",
        )
        return hashlib.sha256(data).hexdigest(), description, table

    def finish(self) -> dict[str, tuple[str, str, Any]]:
        """The tables prepared so far: the table under way is finished, no other one is started
        (the forked writer of the report prepares the rest beside the HTML pages and the scopes)."""
        self._stopping = True
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        return self.prepared


def _check_extra(extra: Mapping[str, Any]) -> None:
    check_parameter_names(extra)
    reserved = sorted(set(extra) & set(RUN_PARAMETERS))
    if reserved:
        raise RunError(
            f"notebook parameters {reserved} are set by the run itself; "
            "use --period, --data, --language or --params instead"
        )


#: the exit stack holding the kernels' warm parent of the run in progress (see _with_warm_kernels)
_RUN_KERNELS: contextvars.ContextVar[contextlib.ExitStack | None] = contextvars.ContextVar(
    "run_kernels", default=None
)


def _with_warm_kernels(run: Callable[P, R]) -> Callable[P, R]:
    """Start the kernels' warm parent with the run, so that its imports overlap the load.

    The run closes it once the notebooks are done (``_build``, through :data:`_RUN_KERNELS`),
    and a run that ends before them does not wait for its imports: it is killed.
    """

    @functools.wraps(run)
    def with_kernels(*args: P.args, **kwargs: P.kwargs) -> R:
        from sales_analytics.run.kernel import warm_kernels

        kernels = contextlib.ExitStack()
        server = kernels.enter_context(warm_kernels())
        token = _RUN_KERNELS.set(kernels)
        try:
            return run(*args, **kwargs)
        finally:
            _RUN_KERNELS.reset(token)
            if server is not None and server.process.poll() is None:
                server.process.kill()
            kernels.close()

    return with_kernels


@_with_warm_kernels
def run_period(
    period: str | Period | None = None,
    *,
    parameters_file: str | Path | None = None,
    data: str | Path | None = None,
    notebooks: Sequence[str] | None = None,
    jobs: int | None = None,
    language: str | None = None,
    force: bool = False,
    wait: bool | float = False,
    progress: bool = False,
    extra_parameters: Mapping[str, Any] | None = None,
    dataset: Dataset | None = None,
    notebooks_dir: str | Path | None = None,
    outputs: str | Path | None = None,
    partial: bool = False,
) -> RunResult:
    """Run every notebook for one month and publish the bundle ``outputs/<period>/``.

    Parameters
    ----------
    period : the month (``2026-10``); default the latest complete month in the orders
        (the latest complete calendar month when there are no orders).
    parameters_file : default ``parameters/default.yaml``; ``parameters/periods/<period>.yaml``
        next to it is overlaid when it exists.
    data : input folder; default the parameters' ``data.dir``, else ``$SALES_ANALYTICS_DATA`` or data/sample.
    notebooks : a subset by number or name (``["02", "03"]``); default ``run.notebooks`` or all.
    jobs, language : override ``run.jobs`` and ``language``.
    force : rebuild even when the published bundle has the same fingerprint.
    wait : when another run holds the period: ``False`` refuse, ``True`` wait, or seconds to wait.
    extra_parameters : further notebook parameters (plain identifiers a notebook declares).
    dataset : an already loaded Dataset (backfills load once for every period).
    notebooks_dir, outputs : override ``notebooks/`` and the outputs folder.
    partial : allow the current, incomplete month (the bundle says "as of <day>"
        on every page and sheet). A month the orders do not cover, or an
        incomplete one without ``partial``, is refused before anything runs.

    Returns
    -------
    RunResult
        ``status`` ok or skipped. A failed notebook raises :class:`RunError` whose
        message is one line (notebook, cell, error); its ``result`` attribute is the RunResult.
    """
    started = datetime.now(UTC)
    t0 = time.monotonic()
    run_id = new_run_id(started)
    extra = dict(extra_parameters or {})
    _check_extra(extra)
    keep_freed_memory()  # 10M-row temporaries reuse freed pages (run/allocator.py)

    from sales_analytics.config import load_parameters

    overrides: dict[str, Any] = {"language": language} if language else {}
    base = load_parameters(parameters_file, overrides=overrides or None)
    timings: dict[str, float] = {}
    if dataset is None:
        ds, data_folder = _load(data, base)
        timings["load_s"] = round(time.monotonic() - t0, 3)
    else:
        ds, data_folder = dataset, str(data or "<in memory>")
    p = parse_period(period) if period is not None else _default_period(ds)
    if p.grain != "month":
        raise RunError(f"a run reports one month; got {p} (a {p.grain}): use backfill for a range")
    as_of = check_period_covered(p, ds, partial=partial)
    layout = BundleLayout(Path(outputs) if outputs else paths.outputs_dir())
    note = ""
    if not language:  # a re-run keeps the published bundle's language unless --language says otherwise
        kept = _published_language(layout, str(p))
        if kept is not None:
            overrides["language"] = kept
            if kept != base.language:
                note = (
                    f"kept the published bundle's language {kept} "
                    f"(the parameters say {base.language}; give --language to change it)"
                )
                log.warning("%s: %s", p, note)
    params = load_parameters(parameters_file, period=str(p), overrides=overrides or None)
    settings = params.run
    jobs = jobs or settings.jobs
    lang = params.language

    nb_paths = discover_notebooks(
        Path(notebooks_dir) if notebooks_dir else paths.notebooks_dir(),
        list(notebooks) if notebooks else settings.notebooks,
    )
    staging = layout.staging(str(p), run_id)

    # Every name is checked against each notebook's parameters cell before anything runs.
    wanted = {
        "period": str(p),
        "data": str(staging / "inputs"),
        "language": lang,
        "parameters_file": str(staging / "parameters.yaml"),
        "output_dir": str(staging / "tables"),
        **extra,
    }
    injected = {nb.stem: notebook_parameters(nb, wanted) for nb in nb_paths}
    unused = sorted(k for k in extra if not any(k in inj for inj in injected.values()))
    if unused:
        raise RunError(f"notebook parameters {unused} are declared by none of {[nb.stem for nb in nb_paths]}")

    relative = {"data": "inputs", "parameters_file": "parameters.yaml", "output_dir": "tables"}
    nb_records = [
        {
            "name": nb.stem,
            "source": nb.name,
            "source_sha256": file_sha256(nb),
            "parameters": {k: relative.get(k, v) for k, v in injected[nb.stem].items()},
        }
        for nb in nb_paths
    ]
    inputs = _input_records(ds)
    param_doc = params.model_dump(mode="json")
    parameter_files = _parameter_files(parameters_file)
    fingerprint = _fingerprint(inputs, param_doc, nb_records, extra, parameter_files)
    plan = _Plan(
        layout=layout,
        period=p,
        run_id=run_id,
        staging=staging,
        ds=ds,
        data_folder=data_folder,
        params=params,
        param_doc=param_doc,
        parameter_files=parameter_files,
        nb_paths=nb_paths,
        injected=injected,
        nb_records=nb_records,
        inputs=inputs,
        fingerprint=fingerprint,
        jobs=jobs,
        progress=progress,
        started=started,
        t0=t0,
        timings=timings,
        as_of=as_of,
        coverage=_coverage_record(ds),
        owns_data=dataset is None,
        kernels=_RUN_KERNELS.get() or contextlib.ExitStack(),
    )
    del ds  # the plan holds it; _build drops it once the snapshot is written

    try:
        layout.restore_half_swapped()  # any month a killed swap left missing, whatever its period
        with PeriodLock(layout.locks, str(p), run_id=run_id, wait=wait):
            layout.recover(str(p))
            current = read_manifest(layout.bundle(str(p)))
            if (
                not force
                and current
                and current.get("status") == "ok"
                and current.get("fingerprint") == fingerprint
            ):
                log.info("%s is up to date (run %s); skipped", p, current.get("run_id"))
                return RunResult(
                    str(p), run_id, "skipped", bundle=layout.bundle(str(p)), manifest=current, note=note
                )
            try:
                result = _build(plan)
                result.note = note
                return result
            except BaseException:
                if staging.exists():
                    shutil.rmtree(staging, ignore_errors=True)
                raise
    except OSError as exc:
        if not _disk_full(exc):
            raise
        raise RunError(
            f"run of {p} stopped: no space left on the disk of {layout.root}"
            + (f" (while writing {exc.filename})" if exc.filename else "")
            + "; the published bundle is unchanged. Free some space and run again"
        ) from None


def _disk_full(exc: OSError) -> bool:
    """Whether an OSError means the disk (or the user's quota) is full; Arrow's carry no errno."""
    return exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left on device" in str(exc)


def expected_durations(layout: BundleLayout, period: str) -> dict[str, float]:
    """How long each notebook is expected to take: as in the published bundle of ``period``, else the
    latest published bundle of the outputs folder, else :data:`TYPICAL_NOTEBOOK_S`."""
    candidates = [layout.bundle(period)]
    if layout.root.is_dir():
        others = [d for d in layout.root.iterdir() if d.is_dir() and not d.name.startswith(".")]
        candidates += sorted(
            others, key=lambda d: (d / MANIFEST).stat().st_mtime if (d / MANIFEST).is_file() else 0
        )[::-1]
    for folder in candidates:
        manifest = read_manifest(folder)
        if manifest and manifest.get("status") == "ok":
            found = {
                n["name"]: float(n["duration_s"])
                for n in manifest.get("notebooks", [])
                if isinstance(n, dict) and isinstance(n.get("duration_s"), (int, float)) and "name" in n
            }
            if found:
                return {**TYPICAL_NOTEBOOK_S, **found}
    return dict(TYPICAL_NOTEBOOK_S)


def _release_memory() -> None:
    """Hand the memory of dropped tables back to the system (Python's collector, Arrow's pool, then
    the C allocator's free pages: every job process forked afterwards starts with less resident)."""
    import gc

    gc.collect()
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):  # pragma: no cover - an Arrow without release_unused
        pass
    release_freed_memory()


class _Background:
    """One call run by a forked process while the caller goes on (in line when it may not fork).

    The call's exception, if any, is raised when the block ends, as it would have been in line;
    with ``jobs`` 1, or where processes are not forked (not Linux), the call runs at once.
    """

    def __init__(self, *, enabled: bool, jobs: int) -> None:
        self.parallel = enabled and jobs > 1 and sys.platform.startswith("linux")
        self._pool: Any = None
        self._future: Any = None

    def __enter__(self) -> _Background:
        if self.parallel:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            from sales_analytics.run.execute import _worker_init

            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("fork"), initializer=_worker_init
            )
        return self

    def run(self, fn: Any, *args: Any) -> None:
        if self._pool is None:
            fn(*args)
        else:
            self._future = self._pool.submit(fn, *args)

    def __exit__(self, *exc: object) -> None:
        if self._pool is None:
            return
        try:
            if self._future is not None and exc[0] is None:
                self._future.result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _build(plan: _Plan) -> RunResult:
    p, run_id, staging, layout, params, jobs = (
        plan.period,
        plan.run_id,
        plan.staging,
        plan.layout,
        plan.params,
        plan.jobs,
    )
    nb_paths, nb_records, inputs, timings = plan.nb_paths, plan.nb_records, plan.inputs, plan.timings
    from sales_analytics import __version__

    settings = params.run
    make_private_dir(staging)  # owner/group only from the start: inputs/ holds contact data
    for sub in ("inputs", "notebooks", "html", "tables"):
        (staging / sub).mkdir(parents=True, exist_ok=True)
    log.info(
        "run %s of %s: data from %s, %d notebooks, %d jobs", run_id, p, plan.data_folder, len(nb_paths), jobs
    )
    mark = time.monotonic()
    snapshot = write_snapshot(plan.ds, staging / "inputs")
    # The notebooks trust the snapshot only against the hashes recorded here, before they start
    # (a _snapshot.json planted in a data folder proves nothing: sales_analytics.io.snapshot).
    snapshot_record = snapshot_hashes(snapshot)
    write_json(
        staging / MANIFEST,
        {
            "schema": MANIFEST_SCHEMA,
            "run_id": run_id,
            "period": str(p),
            "status": RUN_RUNNING,
            "snapshot": snapshot_record,
        },
    )
    for record in inputs:
        snap = snapshot.get(record["table"])
        if snap is not None:
            record["snapshot"] = f"inputs/{Path(snap).name}"
            record["snapshot_sha256"] = snapshot_record[record["snapshot"]]  # hashed once, just above
    (staging / "parameters.yaml").write_text(
        yaml.safe_dump(plan.param_doc, allow_unicode=True, sort_keys=True), encoding="utf-8"
    )
    for f in plan.parameter_files:
        shutil.copyfile(f["source"], staging / f["name"])

    tasks = [
        NotebookTask(
            name=nb.stem,
            source=str(nb),
            executed=str(staging / "notebooks" / nb.name),
            html=str(staging / "html" / f"{nb.stem}.html") if settings.html else None,
            parameters=plan.injected[nb.stem],
            kernel_name=settings.kernel_name,
            timeout_s=settings.notebook_timeout_s,
            start_timeout_s=settings.start_timeout_s,
            cwd=str(paths.project_root()),
        )
        for nb in nb_paths
    ]
    if plan.owns_data:
        # the notebooks read the snapshot: the run process need not hold every table meanwhile
        # (at 10M order rows that is gigabytes, counted again in every forked job); the roster
        # stays: the scopes are cut from it after the notebooks
        reps = plan.ds.get("reps")
        plan.ds = Dataset(tables={} if reps is None else {"reps": reps})
        _release_memory()
    timings["snapshot_s"] = round(time.monotonic() - mark, 3)
    mark = time.monotonic()
    # report.xlsx's sheets are prepared, table by table, as each notebook finishes
    sheets = _ReportSheets(
        staging / "tables", language=params.language, currency=params.currency, enabled=settings.excel
    )
    try:
        results = execute_notebooks(
            tasks,
            jobs=jobs,
            progress=plan.progress,
            description=f"run {p}",
            expected_s=expected_durations(layout, str(p)),
            on_done=sheets.notebook_done,
        )
    finally:
        plan.kernels.close()  # the kernels' warm parent, started with the run
        prepared = sheets.finish()
    timings["notebooks_s"] = round(time.monotonic() - mark, 3)
    timings["report_sheets_cpu_s"] = round(sheets.cpu_s, 3)  # spent on report.xlsx during the notebooks
    by_name = {r.name: r for r in results}
    for record in nb_records:
        res = by_name[record["name"]]
        record.update(result_record(res))
        record["executed"] = f"notebooks/{record['source']}"
        if settings.html and res.status == "ok":
            record["html"] = f"html/{record['name']}.html"

    ok = all(r.status == "ok" for r in results)
    mark = time.monotonic()
    tables = _collect_tables(staging / "tables", params.language) if ok else []
    scopes = None
    # report.xlsx (the longest step after the notebooks) is written by a second process while this
    # one finishes the HTML pages and the scopes, when the run may use more than one job
    _PREPARED_SHEETS[str(staging)] = prepared
    with _Background(enabled=ok and settings.excel, jobs=jobs) as background:
        if ok and settings.excel:
            background.run(
                _write_report, staging, tables, params.language, str(p), plan.as_of, params.currency
            )
        _PREPARED_SHEETS.pop(str(staging), None)
        del prepared
        if ok and settings.html:
            from sales_analytics.report.html import finish_reports

            finish_reports(staging, period=str(p), language=params.language)
        if ok:  # one copy of the tables per scope (director, viewer, team, rep): sales_analytics.access
            from sales_analytics.access.publish import publish_scopes

            scopes_mark = time.monotonic()
            scope_manifest = {
                "period": str(p),
                "run_id": run_id,
                "status": RUN_OK,
                "started": plan.started.isoformat(timespec="seconds"),
                "ended": datetime.now(UTC).isoformat(timespec="seconds"),
                "as_of": plan.as_of.isoformat() if plan.as_of is not None else None,
                "language": params.language,
            }
            scopes = publish_scopes(staging, plan.ds.get("reps"), params, manifest=scope_manifest)
            timings["scopes_s"] = round(time.monotonic() - scopes_mark, 3)
    # report_s: from the notebooks' end until report.xlsx and the HTML pages are written; the
    # scopes (scopes_s) ran meanwhile, or, in line with one job, are not counted twice
    timings["report_s"] = round(
        time.monotonic() - mark - (0 if background.parallel else timings.get("scopes_s", 0)), 3
    )
    ended = datetime.now(UTC)
    manifest = {
        "schema": MANIFEST_SCHEMA,
        "run_id": run_id,
        "period": str(p),
        "status": RUN_OK if ok else RUN_FAILED,
        "started": plan.started.isoformat(timespec="seconds"),
        "ended": ended.isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - plan.t0, 3),
        "timings": timings,
        "fingerprint": plan.fingerprint,
        "language": params.language,
        "coverage": plan.coverage,
        "partial": plan.as_of is not None,
        "as_of": plan.as_of.isoformat() if plan.as_of is not None else None,
        "package": {"name": "sales-analytics", "version": __version__},
        "libraries": library_versions(),
        "parameters": plan.param_doc,
        "parameter_files": plan.parameter_files,
        "inputs": inputs,
        "snapshot": snapshot_record,
        "notebooks": nb_records,
        "tables": tables,
        "report": "report.xlsx" if ok and settings.excel else None,
        "scopes": len(scopes["scopes"]) if scopes else 0,
    }
    write_json(staging / MANIFEST, manifest)
    duration = round(time.monotonic() - plan.t0, 3)
    if ok:
        bundle = layout.publish(str(p), staging, run_id)
        result = RunResult(
            str(p), run_id, "ok", bundle=bundle, duration_s=duration, notebooks=results, manifest=manifest
        )
        log.info("%s", result.summary())
        return result
    failed_dir = layout.keep_failed(str(p), staging, run_id, settings.keep_failed)
    result = RunResult(
        str(p),
        run_id,
        "failed",
        failed_dir=failed_dir,
        duration_s=duration,
        notebooks=results,
        manifest=manifest,
    )
    err = RunError(result.summary())
    err.result = result  # type: ignore[attr-defined]
    raise err


def run_backfill(
    start: str | Period,
    end: str | Period,
    *,
    force: bool = False,
    parameters_file: str | Path | None = None,
    data: str | Path | None = None,
    **kwargs: Any,
) -> list[RunResult]:
    """Run every month from ``start`` to ``end``; months whose bundle is up to date are skipped.

    The data are loaded and validated once for the whole range. The first
    failing month stops the backfill (its RunError propagates); running the
    same command again resumes after the months already published.
    """
    from sales_analytics.config import load_parameters
    from sales_analytics.run.kernel import warm_kernels

    months = month_range(start, end)
    base = load_parameters(
        parameters_file, overrides={"language": kwargs["language"]} if kwargs.get("language") else None
    )
    keep_freed_memory()
    with warm_kernels():  # one warm parent for every month, importing while the data load
        ds, folder = _load(data, base)
        for month in months:  # every month is checked before the first one runs
            check_period_covered(month, ds, partial=bool(kwargs.get("partial")))
        results = []
        for i, month in enumerate(months, 1):
            log.info("backfill %d/%d: %s", i, len(months), month)
            res = run_period(
                month, parameters_file=parameters_file, data=folder, dataset=ds, force=force, **kwargs
            )
            results.append(res)
    return results
