"""Benchmark: the monthly run of every notebook on the ``standard`` sample (≈1M order rows).

Target (docs/architecture.md, Targets): under 60 s wall on 2 cores, data loaded and validated
once per run. The standard sample is generated once into
``benchmarks/.cache/standard`` (reused while its ``.complete`` marker exists);
each repetition runs ``sales_analytics.run.run_period`` with ``--force`` into a
temporary outputs folder and reads the phase timings from the manifest.

    .venv/bin/python benchmarks/bench_run.py [--repeat 1] [--jobs 2] [--notebooks 02,03]

Prints one row per phase (median seconds over the repetitions), one row per
notebook, the machine's load average before and after (the machine is
shared), and exits 1 when the median total misses the target.
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
CACHE = ROOT / "benchmarks" / ".cache" / "standard"
TARGET_S = 60.0


def standard_sample() -> Path:
    from sales_analytics.sample_data import write_sample

    if not (CACHE / ".complete").exists():
        t = time.monotonic()
        write_sample(CACHE, size="standard")
        print(f"generated the standard sample in {time.monotonic() - t:.1f} s → {CACHE}")
    return CACHE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--notebooks", default="", help="subset, comma-separated (default: all)")
    args = parser.parse_args(argv)

    os.environ.setdefault("SALES_ANALYTICS_HOME", str(ROOT))
    os.environ.setdefault("MPLBACKEND", "Agg")
    from sales_analytics.run import run_period

    data = standard_sample()
    import pyarrow.parquet as pq

    orders = pq.read_metadata(data / "orders.parquet").num_rows
    load_before = os.getloadavg()
    runs = []
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
            t = time.monotonic()
            result = run_period(
                data=data,
                outputs=tmp,
                jobs=args.jobs,
                force=True,
                notebooks=[n for n in args.notebooks.split(",") if n] or None,
            )
            wall = time.monotonic() - t
            runs.append((wall, result.manifest))
            print(
                f"run {i + 1}/{args.repeat}: {result.period}, {len(result.notebooks)} notebooks, "
                f"{len(result.manifest['tables'])} tables, {wall:.1f} s wall"
            )
    load_after = os.getloadavg()

    def median(values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")

    phases = ["load_s", "snapshot_s", "notebooks_s", "report_s"]
    print(
        f"\norders rows: {orders:,}; jobs: {args.jobs}; cores: {os.cpu_count()}; "
        f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f}"
    )
    print(f"{'phase':<32}{'median s':>10}")
    for phase in phases:
        print(f"{phase:<32}{median([m['timings'].get(phase, float('nan')) for _, m in runs]):>10.2f}")
    names = [n["name"] for n in runs[0][1]["notebooks"]]
    for name in names:
        values = [next(n["duration_s"] for n in m["notebooks"] if n["name"] == name) for _, m in runs]
        print(f"  notebook {name:<23}{median(values):>10.2f}")
    biggest = sorted(runs[0][1]["tables"], key=lambda t: -t["rows"] * len(t["columns"]))[:3]
    print(
        "largest tables (they dominate report_s): "
        + ", ".join(f"{t['name']} {t['rows']:,}×{len(t['columns'])}" for t in biggest)
    )
    total = median([wall for wall, _ in runs])
    print(
        f"{'total (wall)':<32}{total:>10.2f}   target < {TARGET_S:.0f} s: "
        f"{'met' if total < TARGET_S else 'MISSED'} (ratio {total / TARGET_S:.2f})"
    )
    return 0 if total < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
