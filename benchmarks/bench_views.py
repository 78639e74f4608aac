"""Manager views in headless Chromium: time to first chart, kernel memory, closed-tab kernels.

Starts `sales-analytics serve` on a free port over the published bundles
(``--outputs``, default outputs/; run `make run` first), waits until every
view has its preheated kernel, then for each view opens a tab N+1 times in
one browser profile and measures the time from the request to the first chart
(or first table on views without charts) being visible. The first open of each
view is reported apart ("cold": the browser fetches Voila's scripts and the
server renders that page for the first time); the target applies to the
others, a manager's browser with its cache. It records the memory (RSS) of the
kernel serving an open view, closes the tab and measures how long its kernel
takes to be culled (the server runs with ``--cull-idle-timeout``, default 10 s
here). Exit status 1 when the median time to first chart of a view is 3 s or
more, or when a closed tab's kernel stays alive.

    .venv/bin/python benchmarks/bench_views.py [--outputs DIR] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
VIEWS = ("overview", "leaderboard", "rep_scorecard", "customers", "voice", "training_rules")
FIRST = "img.sa-chart, .sa-cards, table"
TOKEN = "bench-token"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TARGET_S = 3.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kernels(server: psutil.Process) -> list[psutil.Process]:
    out = []
    for child in server.children(recursive=True):
        try:
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                out.append(child)
        except psutil.Error:
            pass
    return out


def _wait_pools(log: Path, n: int, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if log.read_text(errors="replace").count("Kernel pool of") >= n:
            return
        time.sleep(0.5)
    raise SystemExit(f"views not ready within {timeout} s; log:\n{log.read_text(errors='replace')}")


def _wait_kernel_count(server: psutil.Process, n: int, timeout: float = 60) -> float:
    """Seconds until at most ``n`` kernels run (inf on timeout)."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        if len(_kernels(server)) <= n:
            return time.time() - t0
        time.sleep(0.25)
    return float("inf")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--outputs", default=str(ROOT / "outputs"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cull-idle-timeout", type=int, default=10)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from playwright.sync_api import sync_playwright

    from sales_analytics.views.bundles import list_bundles

    if not list_bundles(args.outputs):
        print(f"no published bundle in {args.outputs}: run `make run` first")
        return 2
    port = _free_port()
    log = Path(tempfile.mkdtemp()) / "serve.log"
    with log.open("w") as fh:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sales_analytics",
                "serve",
                "--port",
                str(port),
                "--token",
                TOKEN,
                "--outputs",
                args.outputs,
            ],
            stdout=fh,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
        )
    server = psutil.Process(proc.pid)
    failures: list[str] = []
    rows = []
    gone = float("inf")
    try:
        _wait_pools(log, len(VIEWS))
        baseline = len(_kernels(server))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for view in VIEWS:
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                times, rss = [], []
                for _ in range(args.repeat + 1):
                    time.sleep(3)  # the preheated pool refills after each tab takes its kernel
                    page = context.new_page()
                    t0 = time.perf_counter()
                    page.goto(f"http://127.0.0.1:{port}/voila/render/{view}.ipynb?token={TOKEN}")
                    page.wait_for_selector(FIRST, state="visible", timeout=60_000)
                    times.append(time.perf_counter() - t0)
                    rss.append(max(k.memory_info().rss for k in _kernels(server)) / 2**20)
                    page.close(run_before_unload=True)
                context.close()
                cold, warm = times[0], times[1:]
                med = statistics.median(warm)
                if med >= TARGET_S:
                    failures.append(f"{view}: median {med:.2f} s to first chart (target < {TARGET_S} s)")
                rows.append((view, cold, med, min(warm), max(warm), statistics.median(rss)))
            # every tab is closed now: their kernels must be culled, the preheated pool kept
            gone = _wait_kernel_count(server, baseline, timeout=args.cull_idle_timeout + 120)
            if gone == float("inf"):
                failures.append(
                    f"kernels of closed tabs still running {args.cull_idle_timeout + 120} s later"
                )
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    print(
        f"views benchmark: 1 cold + {args.repeat} tabs per view, preheated kernels, idle cull "
        f"{args.cull_idle_timeout} s, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'view':<16}{'cold s':>8}{'median s':>10}{'min s':>8}{'max s':>8}{'kernel MiB':>12}")
    for view, cold, med, lo, hi, mib in rows:
        print(f"{view:<16}{cold:>8.2f}{med:>10.2f}{lo:>8.2f}{hi:>8.2f}{mib:>12.0f}")
    print(
        f"kernels of closed tabs culled {gone:.0f} s after the last tab closed (preheated pool of {baseline} kept)"
    )
    for f in failures:
        print("MISSED:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
