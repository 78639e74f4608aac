"""Benchmark: forecast accuracy of the goals lever on the ``standard`` sample's history.

A rolling-origin backtest over the whole history (every month from the 12th on
is an origin) records, per level and horizon, WAPE, MAPE, bias and the
coverage of the 80 % band of the forecast as published (open month seen on the
same day with its pipeline, bands calibrated from earlier origins' errors), the
same for the model alone (``*_model``), and how long the forecast and the
backtest take.

Targets (issue 19): team-month WAPE ≤ 12 % at horizon 1, 80 % band coverage
between 75 % and 85 %. Not a timed unit test: the figures are printed and
recorded in the closing note.

    .venv/bin/python benchmarks/bench_goals.py [--period 2026-11] [--band model|conformal]

Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_run import standard_sample


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--period", default="", help="report month (default: the latest complete month)")
    ap.add_argument("--band", default="model", choices=["model", "conformal"], help="the published band")
    args = ap.parse_args()
    import pandas as pd

    import sales_analytics as sa

    print(f"load average before: {os.getloadavg()}; band: {args.band}")
    ds = sa.load_dataset(standard_sample())
    period = args.period or str(sa.latest_month_in(ds.orders))
    deals = {"deals": ds.get("deals"), "deal_history": ds.get("deal_stage_history")}
    t = time.monotonic()
    bt = sa.forecast_backtest(ds.orders, ds.reps, period=period, band=args.band, **deals)
    t_bt = time.monotonic() - t
    t = time.monotonic()
    sa.revenue_forecast(ds.orders, ds.reps, period=period, calibration=sa.interval_calibration(bt), **deals)
    t_fc = time.monotonic() - t
    acc = sa.forecast_accuracy(bt)
    with pd.option_context("display.width", 160):
        print(acc.round(3).to_string(index=False))
    print(f"forecast {t_fc:.2f} s, backtest ({bt['origin'].nunique()} origins) {t_bt:.2f} s")
    for _, row in acc.iterrows():  # the coverage's own sampling error: an honest 80 % band lands here
        half = 1.96 * (0.8 * 0.2 / row["n"]) ** 0.5
        print(
            f"{row['level']:>8} h{row['horizon']}: coverage {row['coverage_80']:.1%} "
            f"({round(row['coverage_80'] * row['n'])}/{row['n']}), 95 % range of an honest band "
            f"{0.8 - half:.1%}-{0.8 + half:.1%}; model alone {row['coverage_80_model']:.1%}"
        )
    print(f"load average after: {os.getloadavg()}")
    team1 = acc[(acc["level"] == "team") & (acc["horizon"] == 1)].iloc[0]
    ok_wape = team1["wape"] <= 0.12
    ok_cov = 0.75 <= team1["coverage_80"] <= 0.85
    print(
        f"team, horizon 1: WAPE {team1['wape']:.1%} (target ≤ 12 %: {'met' if ok_wape else 'MISSED'}), "
        f"80 % coverage {team1['coverage_80']:.1%} (target 75-85 %: {'met' if ok_cov else 'MISSED'})"
    )
    return 0 if ok_wape and ok_cov else 1


if __name__ == "__main__":
    raise SystemExit(main())
