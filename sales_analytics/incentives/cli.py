"""``sales-analytics incentive-plan``: check the incentive plan file and, optionally, preview statements.

A manager editing ``parameters/incentive_plan.yaml`` runs this before the
monthly run: every mistake is listed with its key (exit code 2), otherwise a
short summary of the plan is printed, and with ``--period`` the commission
summary of that month on the data folder.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

import pandas as pd

from sales_analytics.incentives.commission import compute_commissions
from sales_analytics.incentives.plan import IncentivePlan, load_incentive_plan

__all__: list[str] = []


def register_cli(subparsers: Any) -> None:
    """Add the ``incentive-plan`` command."""
    parser = subparsers.add_parser(
        "incentive-plan",
        help="check the incentive plan file (and preview a month's commission)",
        description="Validate parameters/incentive_plan.yaml (or --file) against the reps of the data folder; "
        "with --period, print that month's commission summary. Exit code 2 when the plan has mistakes.",
    )
    parser.add_argument("--file", metavar="FILE", help="plan file (default: parameters/incentive_plan.yaml)")
    parser.add_argument(
        "--data", metavar="DIR", help="data folder whose reps the plan must name (default: none)"
    )
    parser.add_argument(
        "--period", metavar="YYYY-MM", help="print the commission summary of this month (needs --data)"
    )
    parser.set_defaults(func=_check_plan)


def describe(plan: IncentivePlan, out: TextIO) -> None:
    """A few lines saying what the plan contains."""
    com = plan.commission
    out.write(f"Commission plans ({len(com.plans)}):\n")
    for p in com.plans:
        who = (
            "default"
            if p.applies_to is None
            else (
                ", ".join(
                    [*(f"team {t}" for t in p.applies_to.teams), *(f"rep {r}" for r in p.applies_to.reps)]
                )
            )
        )
        size = f"{len(p.tiers)} tiers" if p.method != "curve" else "payout curve"
        draw = f", draw {p.draw.amount:,.2f}" if p.draw else ""
        out.write(f"  - {p.id}: {p.method} on {p.basis}, {size}{draw} ({who})\n")
    out.write(
        f"SPIFFs: {len(com.spiffs)}, splits: {len(com.splits)}, rounding: {com.rounding.quantum} "
        f"{com.rounding.mode}\n"
    )
    out.write(f"Contests: {', '.join(c.id for c in plan.contests) or 'none'}\n")
    out.write(
        f"Leaderboards: {', '.join(plan.leaderboards.metrics)} + composite of "
        f"{', '.join(c.metric for c in plan.leaderboards.composite) or 'nothing'}\n"
    )


def _check_plan(args: argparse.Namespace) -> int:
    ds = None
    if args.data:
        from sales_analytics.io import load_dataset

        ds = load_dataset(args.data)
    plan = load_incentive_plan(args.file, reps=ds.reps if ds is not None else None)
    sys.stdout.write(f"OK: {args.file or 'parameters/incentive_plan.yaml'} is valid.\n")
    describe(plan, sys.stdout)
    if args.period:
        if ds is None:
            sys.stderr.write("--period needs --data\n")
            return 2
        res = compute_commissions(
            ds.orders, ds.reps, plan, period=args.period, targets=ds.targets, activities=ds.activities
        ).for_period(args.period)
        cols = [
            "rep_id",
            "team",
            "credited_sales",
            "commission",
            "accelerator",
            "spiffs",
            "clawbacks",
            "draw_topup",
            "payout",
        ]
        with pd.option_context("display.width", 200):
            sys.stdout.write(res.summary[cols].to_string(index=False) + "\n")
    return 0
