"""``sales-analytics notify``: post a published bundle to the team's chat groups and managers' mailboxes."""

from __future__ import annotations

import argparse
import sys

__all__: list[str] = []


def _out(text: str) -> None:
    sys.stdout.write(f"{text}\n")


def _notify(args: argparse.Namespace) -> int:
    from sales_analytics.notify.send import notify_period
    from sales_analytics.views.bundles import BundleNotFound, list_bundles

    period = args.period
    if not period:
        published = list_bundles(args.outputs)
        if not published:
            raise BundleNotFound("no bundle has been published yet; run `sales-analytics run` first")
        period = published[0]
    result = notify_period(
        period,
        channels=args.channel or None,
        dry_run=args.dry_run,
        force=args.force,
        config_file=args.config,
        outputs=args.outputs,
        review_dir=args.out,
    )
    for line in result.summary():
        _out(line)
    return 0 if result.ok else 1


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``notify`` command."""
    p = subparsers.add_parser(
        "notify",
        help="post a published month to WeCom / DingTalk / Feishu groups and managers' e-mail",
        description="Post the digest, 喜报 cards and (to managers) report.xlsx and a PDF summary of a "
        "published bundle to the channels of parameters/notify.yaml. What was sent is logged in "
        "outputs/<period>/notify.json; sending again sends nothing unless --force.",
    )
    p.add_argument("--period", help="the published month, e.g. 2026-10 (default: the latest published one)")
    p.add_argument(
        "--channel",
        action="append",
        metavar="NAME",
        help="only this channel (repeatable; default all enabled)",
    )
    p.add_argument("--dry-run", action="store_true", help="write the messages and cards to a folder instead")
    p.add_argument("--out", metavar="DIR", help="dry-run folder (default outputs/.notify-review/<period>/)")
    p.add_argument("--force", action="store_true", help="send again what was already sent")
    p.add_argument("--config", metavar="FILE", help="channels file (default parameters/notify.yaml)")
    p.add_argument(
        "--outputs", metavar="DIR", help="outputs folder (default outputs/ or $SALES_ANALYTICS_OUTPUTS)"
    )
    p.set_defaults(func=_notify)
