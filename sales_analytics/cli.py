"""``sales-analytics``: the command line. Each command lives next to its code.

A module that offers a command defines ``register_cli(subparsers)``, which adds
its parser and sets ``func`` to a handler ``(args) -> exit code``. This file
only collects them, sets up logging and turns package errors into one clear
line on stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from sales_analytics.errors import SalesAnalyticsError

# "module:function" of every command registrar, in the order shown by --help.
COMMAND_MODULES: tuple[str, ...] = (
    "sales_analytics.serve:register_cli",
    "sales_analytics.run.cli:register_cli",
    "sales_analytics.sample_data:register_cli",
    "sales_analytics.io.cli:register_cli",
    "sales_analytics.incentives.cli:register_cli",
    "sales_analytics.connectors.cli:register_cli",
    "sales_analytics.notify.cli:register_cli",
    "sales_analytics.forecast.cli:register_cli",
    "sales_analytics.access.cli:register_cli",
)


def build_parser() -> argparse.ArgumentParser:
    from sales_analytics import __version__

    parser = argparse.ArgumentParser(
        prog="sales-analytics",
        description="Sales Team Workbook: monthly management reports for a sales team.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for ref in COMMAND_MODULES:
        module, func = ref.split(":")
        getattr(importlib.import_module(module), func)(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose + 1, 2)
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S"
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except SalesAnalyticsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
