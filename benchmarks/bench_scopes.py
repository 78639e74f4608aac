"""Benchmark: what publishing the scopes (issue 22) adds to the monthly run on the ``standard`` sample.

Target (issue 22): writing one scoped copy of the tables per scope (company, each team, each rep;
60+ reps in the standard sample) adds at most 20 % to the run's wall time.

    .venv/bin/python benchmarks/bench_scopes.py [--data DIR] [--repeat 3] [--jobs 2]

One monthly run (``run_period``, every notebook) into a temporary outputs folder gives the run's
wall time and its ``scopes_s`` phase (manifest timings); the scopes are then rewritten on the
published bundle ``--repeat`` times (``sales_analytics.access.publish.write_scopes``) for a
steadier figure. Prints both and the share of the run without scopes; exits 1 above 20 %.
The machine is shared: the load average before and after is printed too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SHARE = 0.20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", default="", help="data folder (default: the standard sample, generated once)"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)

    os.environ.setdefault("SALES_ANALYTICS_HOME", str(ROOT))
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import pandas as pd

    from sales_analytics.access.publish import write_scopes
    from sales_analytics.config import load_parameters
    from sales_analytics.run import run_period

    if args.data:
        data = Path(args.data)
    else:
        from bench_run import standard_sample

        data = standard_sample()
    reps = pd.read_parquet(data / "reps.parquet")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-scopes-") as tmp:
        t = time.monotonic()
        result = run_period(data=data, outputs=tmp, jobs=args.jobs, force=True)
        wall = time.monotonic() - t
        in_run = float(result.manifest["timings"].get("scopes_s", float("nan")))
        bundle = Path(tmp) / result.period
        params = load_parameters()
        again = []
        for _ in range(args.repeat):
            t = time.monotonic()
            index = write_scopes(bundle, pd.read_parquet(bundle / "inputs" / "reps.parquet"), params=params)
            again.append(time.monotonic() - t)
        n_scopes = len(index["scopes"])
        n_tables = len(result.manifest["tables"])
    load_after = os.getloadavg()
    rewrite = statistics.median(again)
    base = wall - in_run
    share_run, share_rewrite = in_run / base, rewrite / base
    print(
        f"reps: {reps['rep_id'].nunique()} in {reps['team'].nunique()} teams; scopes: {n_scopes}; "
        f"tables: {n_tables}; jobs: {args.jobs}; cores: {os.cpu_count()}; "
        f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f}"
    )
    print(f"run wall time                 {wall:8.1f} s (without scopes {base:.1f} s)")
    print(f"scopes in the run (scopes_s)  {in_run:8.2f} s  = {share_run:.1%} of the run without them")
    print(f"scopes rewritten, median of {args.repeat} {rewrite:6.2f} s  = {share_rewrite:.1%}")
    worst = max(share_run, share_rewrite)
    print(f"target ≤ {TARGET_SHARE:.0%}: {'met' if worst <= TARGET_SHARE else 'MISSED'}")
    return 0 if worst <= TARGET_SHARE else 1


if __name__ == "__main__":
    sys.exit(main())
