"""``sales-analytics run | backfill | runs``: the monthly run from the command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from sales_analytics.config import parse_yaml
from sales_analytics.errors import ConfigError, RunError
from sales_analytics.vocabulary import LANGUAGES

__all__: list[str] = []

log = logging.getLogger(__name__)


def _out(text: str) -> None:
    """Command output (stdout); diagnostics go through logging."""
    sys.stdout.write(f"{text}\n")


def _notebook_list(text: str) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise argparse.ArgumentTypeError("give notebook numbers or names separated by commas, e.g. 02,03")
    return items


def _wait(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--wait takes a number of seconds; got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("--wait takes a number of seconds ≥ 0")
    return value


def _scalar(name: str, text: str) -> Any:
    """A command-line parameter value: YAML scalar (number, true/false, null) or text."""
    try:
        value = parse_yaml(text, f"--param {name}")
    except ConfigError:
        return text
    if isinstance(value, (dict, list)):
        raise RunError(f"parameter {name!r} must be a single value; got {text!r}")
    return value if isinstance(value, (str, int, float, bool, type(None))) else text


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--params", metavar="FILE", help="parameters file (default parameters/default.yaml)")
    p.add_argument(
        "--data", metavar="DIR", help="input folder (default: data.dir, $SALES_ANALYTICS_DATA or data/sample)"
    )
    p.add_argument(
        "--notebooks",
        type=_notebook_list,
        metavar="LIST",
        help="only these notebooks, by number or name, comma-separated (e.g. 02,03)",
    )
    p.add_argument(
        "--notebooks-dir", metavar="DIR", help="folder of the NN_*.ipynb notebooks (default notebooks/)"
    )
    p.add_argument(
        "--jobs", "-j", type=int, metavar="N", help="notebooks executed in parallel (default run.jobs)"
    )
    p.add_argument(
        "--language", choices=list(LANGUAGES), help="report language (default: the parameters' language)"
    )
    p.add_argument(
        "--force", action="store_true", help="rebuild even when the published bundle is up to date"
    )
    p.add_argument(
        "--wait",
        nargs="?",
        const=True,
        default=False,
        type=_wait,
        metavar="SECONDS",
        help="wait for a run of the same period to finish (for ever, or at most SECONDS) instead of refusing",
    )
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="an extra notebook parameter (must be declared in a notebook's parameters cell)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--partial",
        action="store_true",
        help="allow the current, incomplete month (the bundle says 'as of <day>' on every page and sheet)",
    )


def _kwargs(args: argparse.Namespace) -> dict[str, Any]:
    if args.jobs is not None and args.jobs < 1:
        raise RunError(f"--jobs must be at least 1; got {args.jobs}")
    return {
        "parameters_file": args.params,
        "data": args.data,
        "notebooks": args.notebooks,
        "notebooks_dir": args.notebooks_dir,
        "jobs": args.jobs,
        "language": args.language,
        "force": args.force,
        "wait": args.wait,
        "progress": not args.no_progress and sys.stderr.isatty(),
        "extra_parameters": {name: _scalar(name, value) for name, value in args.parameter},
        "partial": args.partial,
    }


def _run(args: argparse.Namespace) -> int:
    from sales_analytics.connectors.step import before_run
    from sales_analytics.notify.step import after_run
    from sales_analytics.run.monthly import run_period

    for line in before_run(parameters_file=args.params):  # the optional pull: step
        _out(line)
    result = run_period(args.period, **_kwargs(args))
    _out(result.summary())
    posted = after_run(result, parameters_file=args.params)  # the optional notify: step
    for line in posted.summary() if posted else []:
        _out(line)
    return 0 if posted is None or posted.ok else 1


def _backfill(args: argparse.Namespace) -> int:
    from sales_analytics.run.monthly import run_backfill

    results = run_backfill(args.start, args.end, **_kwargs(args))
    for res in results:
        _out(res.summary())
    done = sum(r.status == "ok" for r in results)
    skipped = sum(r.status == "skipped" for r in results)
    _out(f"backfill {args.start} … {args.end}: {done} published, {skipped} up to date")
    return 0


def _runs(args: argparse.Namespace) -> int:
    from sales_analytics import paths
    from sales_analytics.run.bundle import list_runs

    table = list_runs(args.outputs)
    if args.json:
        _out(json.dumps(table.to_dict(orient="records"), ensure_ascii=False, indent=2))
    elif table.empty:
        _out(f"no published bundles in {args.outputs or paths.outputs_dir()}")
    else:
        _out(table.to_string(index=False, na_rep=""))
    return 0


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run``, ``backfill`` and ``runs`` commands."""
    run = subparsers.add_parser(
        "run",
        help="run every notebook for one month and publish outputs/<period>/",
        description="Run every notebook for one month on a validated snapshot of the data and publish the "
        "bundle outputs/<period>/ (manifest, inputs, executed notebooks, HTML, tables, report.xlsx). "
        "The published bundle is replaced only when every notebook succeeded.",
    )
    run.add_argument(
        "--period", help="month to report, e.g. 2026-10 (default: the latest complete month in the data)"
    )
    _add_common(run)
    run.set_defaults(func=_run)

    backfill = subparsers.add_parser(
        "backfill",
        help="run a range of months (skips months already up to date)",
        description="Run every month of a range. Months whose bundle already matches the current inputs, "
        "parameters and notebooks are skipped unless --force, so an interrupted backfill resumes.",
    )
    backfill.add_argument(
        "--from", dest="start", required=True, metavar="PERIOD", help="first month, e.g. 2025-01"
    )
    backfill.add_argument(
        "--to", dest="end", required=True, metavar="PERIOD", help="last month, e.g. 2026-10"
    )
    _add_common(backfill)
    backfill.set_defaults(func=_backfill)

    runs = subparsers.add_parser(
        "runs",
        help="list the published bundles",
        description="List published bundles: status, start, duration, input hashes.",
    )
    runs.add_argument(
        "--outputs", metavar="DIR", help="outputs folder (default outputs/ or $SALES_ANALYTICS_OUTPUTS)"
    )
    runs.add_argument("--json", action="store_true", help="print JSON records instead of a table")
    runs.set_defaults(func=_runs)
