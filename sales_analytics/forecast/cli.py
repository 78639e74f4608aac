"""``sales-analytics propose-targets``: a company goal split into team and rep targets, written as a file.

The file has the columns of the canonical targets table (``period, rep_id,
team, target_amount``), so after review and edits it can be used as the real
``targets`` table; nothing is applied by this command. The printed table adds
each target's share, basis and probability of being reached under the forecast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__: list[str] = []


def register_cli(subparsers: Any) -> None:
    """Add the ``propose-targets`` command."""
    parser = subparsers.add_parser(
        "propose-targets",
        help="propose team and rep targets that add up to a company goal",
        description="Split a company goal for a month into team and rep targets from the revenue forecast "
        "(history, seasonality, tenure, open pipeline); write them as a targets file to review. "
        "Give the goal as an amount (--goal) or as growth over the same month last year (--growth).",
    )
    parser.add_argument("--period", required=True, metavar="YYYY-MM", help="the month to set targets for")
    goal = parser.add_mutually_exclusive_group(required=True)
    goal.add_argument("--goal", type=float, metavar="AMOUNT", help="company goal in the reporting currency")
    goal.add_argument("--growth", type=float, metavar="RATE", help="goal = same month last year × (1 + RATE)")
    parser.add_argument("--out", required=True, metavar="FILE", help="targets file to write (.csv)")
    parser.add_argument("--data", metavar="DIR", help="data folder (default: the parameters' data.dir)")
    parser.add_argument("--params", metavar="FILE", help="parameters file (default: parameters/default.yaml)")
    parser.add_argument("--force", action="store_true", help="overwrite --out when it exists")
    parser.set_defaults(func=_propose)


def _propose(args: argparse.Namespace) -> int:
    import pandas as pd

    from sales_analytics import paths
    from sales_analytics.config import load_parameters
    from sales_analytics.errors import SalesAnalyticsError
    from sales_analytics.forecast.forecast import monthly_revenue, revenue_forecast
    from sales_analytics.forecast.targets import goal_from_growth, propose_targets, targets_file
    from sales_analytics.io import load_dataset
    from sales_analytics.notebook import latest_month_in
    from sales_analytics.periods import parse_period
    from sales_analytics.report.excel import looks_like_formula

    out = Path(args.out)
    if out.suffix.lower() != ".csv":
        raise SalesAnalyticsError(f"--out must name a .csv file; got {str(out)!r}")
    if out.exists() and not args.force:
        raise SalesAnalyticsError(f"{out} exists; pass --force to overwrite it")
    params = load_parameters(args.params or None)
    month = parse_period(args.period)
    if month.grain != "month":
        raise SalesAnalyticsError(f"--period must be a month (YYYY-MM); got {args.period!r}")
    folder = paths.input_folder(args.data, params.data.dir)
    ds = load_dataset(folder)
    origin = latest_month_in(ds.orders)
    ahead = (month.start.year - origin.start.year) * 12 + month.start.month - origin.start.month
    if ahead < 1:
        raise SalesAnalyticsError(
            f"--period {month} is not after the last complete month in the data ({origin}): "
            "targets are proposed for months still to come"
        )
    gp = params.goals
    same: dict[
        str, Any
    ] = {  # the forecast and, for a conformal band, its backtest see the same data and settings
        "period": origin,
        "deals": ds.get("deals"),
        "deal_history": ds.get("deal_stage_history"),
        "horizon": max(gp.horizon_months, ahead - 1),
        "full_model_months": gp.full_model_months,
        "quiet_months": gp.quiet_months,
    }
    calibration = None
    if gp.band == "conformal":  # the band the backtest's own errors call for (docs/goals.md)
        from sales_analytics.forecast.backtest import forecast_backtest
        from sales_analytics.forecast.calibrate import interval_calibration

        calibration = interval_calibration(
            forecast_backtest(
                ds.orders, ds.reps, min_history_months=gp.min_history_months, band="conformal", **same
            )
        )
    fc = revenue_forecast(ds.orders, ds.reps, calibration=calibration, **same)
    if args.goal is not None:
        goal = float(args.goal)
    else:
        goal = goal_from_growth(
            monthly_revenue(ds.orders, ds.reps, period=origin), period=month, growth=args.growth
        )
    proposal = propose_targets(fc, ds.reps, period=month, goal=goal, ramp_months=gp.ramp_months)
    table = targets_file(proposal)
    for col in ("rep_id", "team"):
        bad = table[col].fillna("").map(looks_like_formula)
        if bad.any():
            table.loc[bad, col] = "'" + table.loc[bad, col]
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, encoding="utf-8")
    shown = proposal[proposal["level"] != "rep"][["level", "team", "target_amount", "p50", "probability"]]
    sys.stdout.write(
        f"Proposed targets for {month}: goal {goal:,.2f} split over {int((proposal['level'] == 'rep').sum())} reps "
        f"in {int((proposal['level'] == 'team').sum())} teams (forecast from data up to {origin}).\n"
    )
    with pd.option_context("display.width", 120, "display.float_format", "{:,.2f}".format):
        sys.stdout.write(shown.to_string(index=False) + "\n")
    sys.stdout.write(
        f"Wrote {out} (columns period, rep_id, team, target_amount). Review and edit it; it becomes the "
        "targets table only when you put it in the data folder.\n"
    )
    return 0
