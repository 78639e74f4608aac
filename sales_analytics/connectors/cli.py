"""``sales-analytics pull [--source zoho|fxiaoke] [--full] [--dry-run]``."""

from __future__ import annotations

import argparse
import sys

from sales_analytics.connectors.pull import SOURCES

__all__ = ["register_cli"]


def register_cli(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "pull",
        help="pull CRM data (Zoho CRM, Fxiaoke) into data/raw and rebuild the current view",
        description=(
            "Pull every source enabled in parameters/sources.yaml (or --source) into a new dated raw "
            "folder, then rebuild the merged current view the run reads. Incremental after the first "
            "pull; an unfinished pull is resumed. Credentials come from the environment or a "
            "credentials file outside the project (docs/sources.md)."
        ),
    )
    p.add_argument("--source", choices=SOURCES, help="only this source (default: every enabled one)")
    p.add_argument("--full", action="store_true", help="ignore the sync cursors and fetch everything")
    p.add_argument("--dry-run", action="store_true", help="check settings and credentials, show the plan")
    p.add_argument("--sources-file", default=None, help="default: parameters/sources.yaml")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from sales_analytics.connectors.config import load_sources
    from sales_analytics.connectors.pull import plan, pull

    cfg = load_sources(args.sources_file)
    results = pull(args.source, full=args.full, dry_run=args.dry_run, config=cfg)
    out = sys.stdout
    for r in results:
        if r.folder is None:
            p = plan(cfg, r.source, args.full)
            out.write(f"{r.source}: {p['mode']} pull into {p['raw_dir']}\n")
            if p["resume"]:
                out.write(f"  resumes the unfinished pull {p['resume']}\n")
            for module, cursor in p["modules"].items():
                out.write(f"  {module}: {'changes since ' + str(cursor) if cursor else 'everything'}\n")
            out.write(f"  current view: {p['current_dir']}\n")
            continue
        total = sum(r.records.values())
        deleted = sum(r.deleted.values())
        out.write(
            f"{r.source}: {r.mode} pull {r.folder.name}{' (resumed)' if r.resumed else ''}: "
            f"{total} records, {deleted} deleted, {r.requests} requests\n"
        )
        for name, rows in sorted(r.current_files.items()):
            out.write(f"  {name}: {rows} rows\n")
    return 0
