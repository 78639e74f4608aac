"""``sales-analytics validate``: the data-quality report of a data folder or parameters file.

Prints the tables found (rows, profile, source file), every error and every
data-quality finding; exits 1 when the data cannot be used, 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

import pandas as pd

from sales_analytics.io.load import DataCheck, check_data
from sales_analytics.io.profiles import list_profiles

__all__: list[str] = []


def register_cli(subparsers: Any) -> None:
    """Add the ``validate`` command."""
    parser = subparsers.add_parser(
        "validate",
        help="check the input data and print the data-quality report",
        description="Read every input table, map it to the canonical columns, validate it and print the "
        "data-quality report. Exit code 1 when there are errors.",
    )
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="data folder (default: data.dir of the parameters, else $SALES_ANALYTICS_DATA or data/sample)",
    )
    parser.add_argument(
        "--params",
        metavar="FILE",
        help="parameters file whose data section (column maps, parts, time zone) to use; with --data, "
        "its data.dir is replaced by that folder",
    )
    parser.add_argument("--profiles", action="store_true", help="list the source profiles and exit")
    parser.set_defaults(func=_validate)


def _table(frame: pd.DataFrame, out: TextIO) -> None:
    with pd.option_context("display.max_colwidth", 120, "display.width", 200):
        out.write(frame.to_string(index=False) + "\n")


def report(result: DataCheck, out: TextIO) -> None:
    """Write the report of one check to ``out``."""
    if result.sources:
        out.write("Tables\n")
        _table(
            pd.DataFrame(
                [
                    {"table": s.table, "rows": s.rows, "profile": s.profile, "source": s.path}
                    for s in result.sources
                ]
            ),
            out,
        )
    if result.problems:
        out.write(f"\nErrors ({len(result.problems)}): the data cannot be used until these are fixed\n")
        for p in result.problems:
            out.write(f"  - {p}\n")
    skipped = [f for f in result.skipped if not f.note]
    if skipped:
        out.write(f"\nSkipped files ({len(skipped)}): not read, their rows are NOT in the data\n")
        for f in skipped:
            out.write(f"  - {f.path}: {f.reason}")
            out.write(f"; closest profile: {f.closest}\n" if f.closest else "\n")
    notes = [f for f in result.skipped if f.note]
    if notes:
        out.write(f"\nNot data ({len(notes)}): notes and markers, not read\n")
        for f in notes:
            out.write(f"  - {f.path}: {f.reason}\n")
    q = result.quality
    if len(q):
        out.write(f"\nData quality ({len(q)} findings)\n")
        _table(q[["severity", "table", "column", "kind", "count", "rows", "message"]], out)
    if not result.ok:
        out.write("\nFAILED: see the errors above.\n")
    elif skipped:
        n = len(skipped)
        out.write(
            f"\nUSABLE, BUT {n} FILE{'S' if n > 1 else ''} SKIPPED: the tables above were read; "
            "check the skipped files listed above.\n"
        )
    else:
        out.write("\nOK: the data can be used.\n")


def _validate(args: argparse.Namespace) -> int:
    if args.profiles:
        _table(list_profiles(), sys.stdout)
        return 0
    if args.params and args.data:
        from sales_analytics.config import load_parameters

        result = check_data(args.data, params=load_parameters(args.params))
    else:
        result = check_data(args.params or args.data)
    report(result, sys.stdout)
    return 0 if result.ok else 1
