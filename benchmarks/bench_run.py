"""Benchmark: the monthly run of every notebook on a sample (``standard`` ≈1M order rows by default).

Targets (issue 24): the ``standard`` sample under 30 s wall with ``--jobs 2``;
the ``large`` sample (≈10M order rows) at most 90 s wall and at most 10 GB
resident for the whole process tree (the run, its job processes and their
kernels) at the peak. The sample is generated once into
``benchmarks/.cache/<size>`` (reused while its ``.complete`` marker exists);
each repetition runs ``sales_analytics.run.run_period`` with ``force`` into a
temporary outputs folder and reads the phase timings from the manifest.
While it runs, a thread samples the memory of the whole process tree every
0.2 s with psutil: the sum of RSS (pages shared by forked processes counted
in each, as ``top`` shows them) and the sum of PSS (shared pages split
between their processes: what the tree really holds).

    .venv/bin/python benchmarks/bench_run.py                      # standard sample
    .venv/bin/python benchmarks/bench_run.py --size large         # ≈10M rows
    .venv/bin/python benchmarks/bench_run.py --scaling            # standard, medium, large + fitted exponent
    .venv/bin/python benchmarks/bench_run.py [--repeat 1] [--jobs 2] [--notebooks 02,03]

Prints one row per phase (median seconds over the repetitions), one row per
notebook, the peak tree memory, the machine's load average before and after
(the machine is shared), and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache"
# wall seconds and peak tree memory (bytes, RSS summed) per size; None: not a target
TARGET_S = {"small": None, "standard": 30.0, "medium": None, "large": 90.0}
TARGET_MEMORY = {"small": None, "standard": None, "medium": None, "large": 10 * 10**9}
SCALING_SIZES = ("standard", "medium", "large")
SCALING_TARGET = 1.0  # cost grows at most linearly with the order rows


def sample(size: str) -> Path:
    from sales_analytics.sample_data import write_sample

    folder = CACHE / size
    if not (folder / ".complete").exists():
        t = time.monotonic()
        write_sample(folder, size=size)
        print(f"generated the {size} sample in {time.monotonic() - t:.1f} s → {folder}")
    return folder


class TreeMemory:
    """Peak memory of this process and all its descendants, sampled by a thread."""

    def __init__(self, interval_s: float = 0.2) -> None:
        self.interval_s = interval_s
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_processes = 0
        self.at_peak: list[tuple[str, int, int]] = []  # (role, rss, pss) of each process at the RSS peak
        self.peak_at_s = 0.0  # seconds after the start
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        procs = [me, *me.children(recursive=True)]
        rss = pss = 0
        each = []
        for proc in procs:
            try:
                info = proc.memory_full_info()  # /proc/<pid>/smaps_rollup: rss and pss
                role = _role(proc, me)
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                continue
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
            each.append((role, info.rss, getattr(info, "pss", info.rss)))
        if rss > self.peak_rss:
            self.at_peak = sorted(each, key=lambda e: -e[1])
            self.peak_at_s = time.monotonic() - self._started
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_processes = max(self.peak_processes, len(procs))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval_s)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _role(proc, run) -> str:
    """What a process of the run's tree is: the run itself, a kernel (and its notebook), a job."""
    if proc.pid == run.pid:
        return "run"
    cmd = proc.cmdline()
    if any("ipykernel" in part or "sales_analytics.run.kernel" in part for part in cmd):
        return "kernel"  # a kernel started by jupyter_client, or forked from a warm parent
    return "job" if proc.ppid() == run.pid else "child"


def fitted_exponent(rows: list[int], values: list[float]) -> float:
    """Least-squares slope of log(value) on log(rows): cost ∝ rows ** exponent.

    >>> round(fitted_exponent([1, 2, 4], [3.0, 6.0, 12.0]), 6)
    1.0
    """
    xs = [math.log(r) for r in rows]
    ys = [math.log(v) for v in values]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else float("nan")


def tree_cpu_s() -> float:
    """CPU seconds (user + system) of this process and of every child it waited for, theirs included."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bench(size: str, repeat: int, jobs: int, notebooks: list[str] | None) -> dict:
    """Run the sample ``repeat`` times; print the phase table; return wall, memory and the verdict."""
    import pyarrow.parquet as pq

    from sales_analytics.errors import RunError
    from sales_analytics.run import run_period

    data = sample(size)
    orders = pq.read_metadata(data / "orders.parquet").num_rows
    load_before = os.getloadavg()
    runs = []
    peaks = []
    cpus = []
    for i in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
            t, c = time.monotonic(), tree_cpu_s()
            with TreeMemory() as mem:
                try:
                    result = run_period(data=data, outputs=tmp, jobs=jobs, force=True, notebooks=notebooks)
                except RunError as exc:  # a failed run still says how long it ran and what it held
                    failed = exc
                else:
                    failed = None
            wall = time.monotonic() - t
            if failed is not None:
                print(
                    f"run {i + 1}/{repeat} ({size}) FAILED after {wall:.1f} s wall, {tree_cpu_s() - c:.1f} CPU s, "
                    f"peak tree memory {mem.peak_rss / 1e9:.2f} GB RSS summed / {mem.peak_pss / 1e9:.2f} GB PSS "
                    f"until then: {failed}",
                    flush=True,
                )
                return {"size": size, "rows": 0, "missed": [f"the run failed: {failed}"]}
            cpus.append(tree_cpu_s() - c)
            runs.append((wall, result.manifest))
            peaks.append(mem)
            print(
                f"run {i + 1}/{repeat} ({size}): {result.period}, {len(result.notebooks)} notebooks, "
                f"{len(result.manifest['tables'])} tables, {wall:.1f} s wall, {cpus[-1]:.1f} CPU s, peak tree memory "
                f"{mem.peak_rss / 1e9:.2f} GB RSS summed / {mem.peak_pss / 1e9:.2f} GB PSS "
                f"({mem.peak_processes} processes)",
                flush=True,
            )
    load_after = os.getloadavg()

    def median(values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")

    phases = ["load_s", "snapshot_s", "notebooks_s", "report_s", "scopes_s"]
    print(
        f"\nsample {size}: orders rows {orders:,}; jobs: {jobs}; cores: {os.cpu_count()}; "
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
    rss = max(m.peak_rss for m in peaks)
    pss = max(m.peak_pss for m in peaks)
    missed: list[str] = []
    print(
        f"{'total (wall)':<32}{total:>10.2f}{_verdict(total, TARGET_S.get(size), 's', 1.0, missed, 'wall')}"
    )
    cpu = median(cpus)
    print(
        f"{'CPU s, whole tree (steadier)':<32}{cpu:>10.2f}   (the wall time of a quiet machine is about CPU / jobs)"
    )
    memory = _verdict(rss, TARGET_MEMORY.get(size), "GB", 1e9, missed, "peak tree memory")
    print(f"{'peak tree memory (RSS summed)':<32}{rss / 1e9:>8.2f} GB{memory}")
    print(f"{'peak tree memory (PSS summed)':<32}{pss / 1e9:>8.2f} GB")
    worst = max(peaks, key=lambda m: m.peak_rss)
    print(
        f"  at the peak ({worst.peak_at_s:.0f} s after the start): "
        + ", ".join(f"{role} {r / 1e9:.2f} GB RSS ({p / 1e9:.2f} PSS)" for role, r, p in worst.at_peak)
    )
    return {"size": size, "rows": orders, "wall": total, "cpu": cpu, "rss": rss, "pss": pss, "missed": missed}


def _verdict(value: float, limit: float | None, unit: str, scale: float, missed: list[str], what: str) -> str:
    """The ``target <= …: met/MISSED (ratio)`` tail of a result line; a miss is appended to ``missed``."""
    if limit is None:
        return ""
    ok = value <= limit
    if not ok:
        missed.append(f"{what} {value / scale:.2f} {unit} > {limit / scale:.0f} {unit}")
    return f"   target <= {limit / scale:.0f} {unit}: {'met' if ok else 'MISSED'} (ratio {value / limit:.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="standard", help="small | standard | medium | large")
    parser.add_argument(
        "--scaling", action="store_true", help=f"run {', '.join(SCALING_SIZES)}; fit the exponent"
    )
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--notebooks", default="", help="subset, comma-separated (default: all)")
    args = parser.parse_args(argv)

    os.environ.setdefault("SALES_ANALYTICS_HOME", str(ROOT))
    os.environ.setdefault("MPLBACKEND", "Agg")
    notebooks = [n for n in args.notebooks.split(",") if n] or None
    sizes = SCALING_SIZES if args.scaling else (args.size,)
    results = [bench(size, args.repeat, args.jobs, notebooks) for size in sizes]
    missed = [f"{r['size']}: {m}" for r in results for m in r["missed"]]
    results = [r for r in results if r["rows"]]  # a failed size is left out of the fit
    if len(results) > 1:
        rows = [r["rows"] for r in results]
        print(f"\n{'cost scaling':<14}" + "".join(f"{r['size']:>14}" for r in results) + f"{'exponent':>10}")
        print(f"{'order rows':<14}" + "".join(f"{n:>14,}" for n in rows))
        for key, label, unit, scale in (
            ("wall", "wall", "s", 1.0),
            ("cpu", "CPU", "s", 1.0),
            ("rss", "RSS summed", "GB", 1e9),
            ("pss", "PSS summed", "GB", 1e9),
        ):
            values = [r[key] for r in results]
            exponent = fitted_exponent(rows, values)
            cells = "".join(f"{v / scale:>11.2f} {unit:<2}" for v in values)
            print(f"{label:<14}{cells}{exponent:>10.2f}")
            if key == "wall" and exponent > SCALING_TARGET:
                missed.append(f"run time grows as rows^{exponent:.2f} (target <= {SCALING_TARGET})")
            if key == "rss" and exponent > SCALING_TARGET:
                missed.append(f"peak memory grows as rows^{exponent:.2f} (target <= {SCALING_TARGET})")
    for m in missed:
        print("TARGET MISSED:", m)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
