"""Run every benchmark in turn and summarise which targets were met.

    .venv/bin/python benchmarks/run_all.py            # all of them (tens of minutes: 10M-row data)
    .venv/bin/python benchmarks/run_all.py kpis run   # a subset

Each benchmark prints its own table (medians, ratios against Polars/DuckDB or
pyarrow, peak memory) and exits non-zero when it misses a target; this script
runs them one after another (never in parallel: they measure the machine) and
exits non-zero when any missed. The views benchmark needs a published bundle
(`make run` first).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("loading", "kpis", "customers", "run", "views")


def main(argv: list[str]) -> int:
    chosen = argv or list(BENCHMARKS)
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}")
        return 2
    results = []
    for name in chosen:
        print(f"\n=== benchmarks/bench_{name}.py", flush=True)
        t0 = time.monotonic()
        code = subprocess.call([sys.executable, str(HERE / f"bench_{name}.py")])
        results.append((name, code, time.monotonic() - t0))
    print("\nsummary")
    for name, code, seconds in results:
        status = "met" if code == 0 else ("MISSED" if code == 1 else f"error (exit {code})")
        print(f"  {name:<10} {status:<16} {seconds:7.0f} s")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
