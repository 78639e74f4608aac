"""KPI suite benchmark: sales_analytics.kpis (pandas API) against Polars and DuckDB on the same Parquet.

The suite: load the orders (and reps, targets) from Parquet; company monthly KPIs
with new/returning customers and growth (MoM, YoY); sales KPIs by rep, team
(via reps), product category and channel; rep attainment; RFM inputs per
customer as of the last month end. Each engine runs the whole suite in a fresh
subprocess (so its peak RSS is its own), ``--repeat`` times; the table shows
the median seconds per phase, each phase's ratio to the fastest engine, the
CPU seconds (all threads) and the peak RSS. Results of every phase are
checked equal across engines.

The peers are written as their documentation recommends: Polars reads with a
lazy ``scan_parquet`` (projection and predicate pushdown), low-cardinality
labels as ``Categorical``, and collects the filtered orders that five phases
reuse once; DuckDB runs SQL on the Parquet file directly (``read_parquet``),
materialising the same reused intermediate once as a table.

sales_analytics does the same in its load phase: as Polars collects ``live``
(the orders with refunds in full resolved and each customer's first month
joined on) and DuckDB materialises it, it builds the orders' prepared facts once
(:func:`sales_analytics.kpis.order_facts`: checked dates and amounts, month
index, status flags, full refunds, id codes, first month per customer) and
every later phase passes them to the KPI functions in place of the frame. Each
engine thus pays for its reused intermediate inside ``load``, and the phases
after it are each engine's own work on that intermediate. Its process is set up
as a monthly run sets up each of its processes (``run/allocator.py``: glibc's
malloc keeps freed memory for reuse and Arrow allocates from it), as the peers
bring their own allocators (Polars jemalloc, DuckDB its buffer manager).

Targets (issue 24), exit status 1 when one is missed: sales_analytics at most
1.0x the fastest peer in total, no phase above 1.5x the fastest engine in that
phase, peak memory at most 1.0x the fastest peer's. The load average before
and after is printed: the machine is shared, so compare ratios, not seconds.

    .venv/bin/python benchmarks/bench_kpis.py                   # sample "large" (~10M order rows), cached
    .venv/bin/python benchmarks/bench_kpis.py --size standard   # ~1M rows, a quicker check
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
ENGINES = ("sales_analytics", "polars", "duckdb")
PHASES = ("load", "company", "by_rep", "by_team", "by_category", "by_channel", "attainment", "rfm")
TIME_LIMIT = 1.0  # total, against the fastest peer
PHASE_LIMIT = 1.5  # every phase, against the fastest engine in that phase
MEMORY_LIMIT = 1.0  # peak RSS, against the fastest peer
KEY_COLS = ("period", "rep_id", "team", "product_category", "channel", "customer_id")


# ------------------------------------------------------------------ data
def ensure_data(size: str) -> Path:
    """The sample ``size`` written once into .cache/<size> (the folder bench_run.py uses too)."""
    folder = CACHE / size
    if (folder / ".complete").exists():
        return folder
    sys.path.insert(0, str(HERE.parent))
    from sales_analytics.sample_data import write_sample

    print(f"generating sample {size!r} (once; cached in {folder}) …", flush=True)
    write_sample(folder, size=size)
    return folder


def _as_of(orders_max: pd.Timestamp) -> pd.Timestamp:
    """End of the last complete month in the data."""
    last = orders_max.normalize()
    month_end = last + pd.offsets.MonthEnd(0)
    return month_end if last == month_end else last - pd.Timedelta(days=last.day)


def _label(m: pd.Series) -> pd.Series:
    m = m.astype(np.int64)
    return (m // 12).astype(str) + "-" + (m % 12 + 1).astype(str).str.zfill(2)


# --------------------------------------------------------------- engines
def run_sales_analytics(folder: Path, timer) -> dict[str, pd.DataFrame]:
    sys.path.insert(0, str(HERE.parent))
    import pyarrow.compute  # the engine imported before the clock, as the peers are
    import pyarrow.parquet  # noqa: F401

    from sales_analytics.kpis import (
        attainment,
        growth,
        order_facts,
        purchase_summary,
        read_orders,
        sales_kpis,
    )
    from sales_analytics.kpis.sales import ORDER_COLUMNS
    from sales_analytics.run.allocator import keep_freed_memory

    keep_freed_memory()  # the allocator as a run sets it in every process (run/allocator.py)
    with timer("load"):
        # the columns the suite uses (the peers' lazy scans project the same), ids dictionary-encoded once
        columns = [*ORDER_COLUMNS, "status", "product_category", "channel"]
        # every phase reuses the prepared facts: built once, as Polars collects `live`; the frame goes
        orders = order_facts(read_orders(folder / "orders.parquet", columns=columns))
        reps = pd.read_parquet(folder / "reps.parquet")
        targets = pd.read_parquet(folder / "targets.parquet")
    out = {}
    with timer("company"):
        out["company"] = growth(sales_kpis(orders), value="revenue")
    with timer("by_rep"):
        out["by_rep"] = sales_kpis(orders, by=["rep_id"])
    with timer("by_team"):
        out["by_team"] = sales_kpis(orders, by=["team"], reps=reps)
    with timer("by_category"):
        out["by_category"] = sales_kpis(orders, by=["product_category"])
    with timer("by_channel"):
        out["by_channel"] = sales_kpis(orders, by=["channel"])
    with timer("attainment"):
        out["attainment"] = attainment(orders, targets)
    with timer("rfm"):
        out["rfm"] = purchase_summary(orders, as_of=_as_of(orders.last_order_date))
    return out


def run_polars(folder: Path, timer) -> dict[str, pd.DataFrame]:
    import polars as pl

    paid = pl.col("status") == "paid"
    is_order = pl.col("is_order")
    labels = ["rep_id", "status", "product_category", "channel"]  # few distinct values: Categorical
    with timer("load"):
        o = pl.scan_parquet(folder / "orders.parquet").with_columns(
            pl.col(labels).cast(pl.Categorical),
            m=pl.col("order_date").dt.year().cast(pl.Int64) * 12 + pl.col("order_date").dt.month() - 1,
        )
        reps = pl.scan_parquet(folder / "reps.parquet").with_columns(pl.col("rep_id").cast(pl.Categorical))
        targets = pl.scan_parquet(folder / "targets.parquet")
        # a paid order that its refund lines (<order_id>-R) cancel in full within its month is no order
        refunds = (
            o.filter((pl.col("status") == "refunded") & (pl.col("amount") < 0))
            .group_by(pl.col("order_id").str.strip_suffix("-R"), "m")
            .agg(r=pl.col("amount").sum())
        )
        gone = (
            o.filter(paid)
            .group_by("order_id", "m")
            .agg(p=pl.col("amount").sum())
            .join(refunds, on=["order_id", "m"])
            .filter((pl.col("p") > 0) & (pl.col("p") + pl.col("r") <= 0.005))
            .select("order_id", "m", gone=pl.lit(True))
        )
        counted = (
            o.filter(pl.col("status") != "cancelled")
            .join(gone, on=["order_id", "m"], how="left")
            .with_columns(is_order=paid & pl.col("gone").is_null())
        )
        first = counted.filter(is_order).group_by("customer_id").agg(first=pl.col("m").min())
        # every phase reuses the counted orders: collected once, from one lazy plan
        live = (
            counted.select("order_id", "customer_id", *labels, "amount", "order_date", "m", "is_order")
            .join(first, on="customer_id", how="left")
            .collect()
        )

    def kpis(frame: pl.DataFrame, by: list[str]) -> pd.DataFrame:
        agg = (
            frame.group_by(["m", *by])
            .agg(
                revenue=pl.col("amount").sum(),
                orders=pl.col("order_id").filter(is_order).n_unique(),
                customers=pl.col("customer_id").filter(is_order).n_unique(),
                new_customers=pl.col("customer_id")
                .filter(is_order & (pl.col("first") == pl.col("m")))
                .n_unique(),
            )
            .to_pandas()
        )
        agg["period"] = _label(agg.pop("m"))
        return agg

    out = {}
    with timer("company"):
        c = kpis(live, []).sort_values("period").reset_index(drop=True)
        v = c.set_index("period")["revenue"]
        months = pd.PeriodIndex(c["period"], freq="M")
        prev = v.reindex((months - 1).strftime("%Y-%m")).to_numpy()
        ly = v.reindex((months - 12).strftime("%Y-%m")).to_numpy()
        c["pct_vs_previous"] = np.where(prev > 0, (c["revenue"] - prev) / np.where(prev > 0, prev, 1), np.nan)
        c["pct_vs_last_year"] = np.where(ly > 0, (c["revenue"] - ly) / np.where(ly > 0, ly, 1), np.nan)
        out["company"] = c
    with timer("by_rep"):
        out["by_rep"] = kpis(live, ["rep_id"])
    with timer("by_team"):
        team = reps.select("rep_id", "team").collect()
        out["by_team"] = kpis(live.join(team, on="rep_id", how="left"), ["team"])
    with timer("by_category"):
        out["by_category"] = kpis(live, ["product_category"])
    with timer("by_channel"):
        out["by_channel"] = kpis(live, ["channel"])
    with timer("attainment"):
        sales = live.group_by(["m", "rep_id"]).agg(revenue=pl.col("amount").sum()).to_pandas()
        sales["period"] = _label(sales.pop("m"))
        sales["rep_id"] = sales["rep_id"].astype(str)
        t = (
            targets.filter(pl.col("rep_id").is_not_null())
            .group_by(["period", "rep_id"])
            .agg(target_amount=pl.col("target_amount").sum())
            .collect()
            .to_pandas()
        )
        a = sales.merge(t, on=["period", "rep_id"], how="outer")
        a = a[a["period"] <= sales["period"].max()]
        a["revenue"] = a["revenue"].fillna(0.0)
        a["attainment"] = np.where(
            a["target_amount"] > 0, a["revenue"] / a["target_amount"].where(a["target_amount"] > 0), np.nan
        )
        out["attainment"] = a
    with timer("rfm"):
        as_of = _as_of(pd.Timestamp(live["order_date"].max()))
        r = (
            live.filter(pl.col("order_date") < as_of + pd.Timedelta(days=1))
            .group_by("customer_id")
            .agg(
                last=pl.col("order_date").filter(is_order).max(),
                frequency=pl.col("order_id").filter(is_order).n_unique(),
                monetary=pl.col("amount").sum(),
            )
            .filter(pl.col("frequency") > 0)
            .to_pandas()
        )
        r["recency_days"] = (as_of - r.pop("last").dt.normalize()).dt.days
        out["rfm"] = r
    return out


def run_duckdb(folder: Path, timer) -> dict[str, pd.DataFrame]:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads TO {os.cpu_count() or 1}")
    limit = os.environ.get("BENCH_DUCKDB_MEMORY_LIMIT")
    if limit:  # out of core: DuckDB spills what does not fit to its temp directory
        con.execute(f"SET memory_limit = '{limit}'")
        con.execute(f"SET temp_directory = '{tempfile.mkdtemp(prefix='bench-duckdb-spill-')}'")
    orders = f"read_parquet('{folder / 'orders.parquet'}')"
    with timer("load"):
        con.execute(
            f"CREATE VIEW o AS SELECT *, year(order_date) * 12 + month(order_date) - 1 AS m FROM {orders}"
        )
        con.execute(f"CREATE VIEW reps AS SELECT * FROM read_parquet('{folder / 'reps.parquet'}')")
        con.execute(f"CREATE VIEW targets AS SELECT * FROM read_parquet('{folder / 'targets.parquet'}')")
        # every phase reuses the counted orders: materialised once, straight from the Parquet file;
        # a paid order that its refund lines (<order_id>-R) cancel in full within its month is no order
        con.execute(
            "CREATE TABLE live AS WITH "
            "r AS (SELECT CASE WHEN suffix(order_id, '-R') THEN substr(order_id, 1, length(order_id) - 2) "
            "ELSE order_id END AS order_id, m, sum(amount) AS r FROM o "
            "WHERE status = 'refunded' AND amount < 0 GROUP BY ALL), "
            "p AS (SELECT order_id, m, sum(amount) AS p FROM o WHERE status = 'paid' GROUP BY ALL), "
            "gone AS (SELECT order_id, m, true AS gone FROM p JOIN r USING (order_id, m) "
            "WHERE p > 0 AND p + r <= 0.005), "
            "counted AS (SELECT o.*, (o.status = 'paid' AND gone.gone IS NULL) AS is_order "
            "FROM o LEFT JOIN gone USING (order_id, m) WHERE o.status <> 'cancelled'), "
            "f AS (SELECT customer_id, min(m) AS first FROM counted WHERE is_order GROUP BY ALL) "
            "SELECT c.order_id, c.customer_id, c.rep_id, c.product_category, c.channel, c.amount, "
            "c.order_date, c.m, c.is_order, f.first FROM counted c LEFT JOIN f USING (customer_id)"
        )

    measures = (
        "sum(amount) AS revenue, "
        "count(DISTINCT order_id) FILTER (WHERE is_order) AS orders, "
        "count(DISTINCT customer_id) FILTER (WHERE is_order) AS customers, "
        "count(DISTINCT customer_id) FILTER (WHERE is_order AND first = m) AS new_customers "
    )

    def kpis(source: str, by: list[str]) -> pd.DataFrame:
        cols = "".join(f", {c}" for c in by)
        agg = con.execute(f"SELECT m{cols}, {measures} FROM {source} GROUP BY ALL").df()
        agg["period"] = _label(agg.pop("m"))
        return agg

    out = {}
    with timer("company"):
        c = con.execute(
            f"WITH k AS (SELECT m, {measures} FROM live GROUP BY m) "
            "SELECT k.*, CASE WHEN p.revenue > 0 THEN (k.revenue - p.revenue) / p.revenue END AS pct_vs_previous, "
            "CASE WHEN y.revenue > 0 THEN (k.revenue - y.revenue) / y.revenue END AS pct_vs_last_year "
            "FROM k LEFT JOIN k p ON p.m = k.m - 1 LEFT JOIN k y ON y.m = k.m - 12 ORDER BY k.m"
        ).df()
        c["period"] = _label(c.pop("m"))
        out["company"] = c
    with timer("by_rep"):
        out["by_rep"] = kpis("live", ["rep_id"])
    with timer("by_team"):
        out["by_team"] = kpis("live JOIN reps USING (rep_id)", ["team"])
    with timer("by_category"):
        out["by_category"] = kpis("live", ["product_category"])
    with timer("by_channel"):
        out["by_channel"] = kpis("live", ["channel"])
    with timer("attainment"):
        a = con.execute(
            "WITH s AS (SELECT printf('%04d-%02d', m // 12, m % 12 + 1) AS period, rep_id, sum(amount) AS revenue "
            "FROM live GROUP BY ALL), t AS (SELECT period, rep_id, sum(target_amount) AS target_amount "
            "FROM targets WHERE rep_id IS NOT NULL GROUP BY ALL) "
            "SELECT coalesce(s.period, t.period) AS period, coalesce(s.rep_id, t.rep_id) AS rep_id, "
            "coalesce(s.revenue, 0) AS revenue, t.target_amount, "
            "CASE WHEN t.target_amount > 0 THEN coalesce(s.revenue, 0) / t.target_amount END AS attainment "
            "FROM s FULL JOIN t ON s.period = t.period AND s.rep_id = t.rep_id "
            "WHERE coalesce(s.period, t.period) <= (SELECT max(period) FROM s)"
        ).df()
        out["attainment"] = a
    with timer("rfm"):
        as_of = _as_of(pd.Timestamp(con.execute("SELECT max(order_date) FROM live").fetchone()[0]))
        r = con.execute(
            "SELECT customer_id, max(order_date) FILTER (WHERE is_order) AS last, "
            "count(DISTINCT order_id) FILTER (WHERE is_order) AS frequency, sum(amount) AS monetary "
            "FROM live WHERE order_date < ? GROUP BY customer_id HAVING frequency > 0",
            [as_of + pd.Timedelta(days=1)],
        ).df()
        r["recency_days"] = (as_of - pd.to_datetime(r.pop("last")).dt.normalize()).dt.days
        out["rfm"] = r
    return out


RUNNERS = {"sales_analytics": run_sales_analytics, "polars": run_polars, "duckdb": run_duckdb}


# --------------------------------------------------------------- worker
def peak_rss() -> int:
    """This process's peak resident memory in bytes, its own since it started.

    ``ru_maxrss`` also keeps the peak of the memory the process had before its
    ``exec`` (with ``vfork`` that is the parent's), so a worker could report its
    parent's peak instead of its own (every engine the same figure, seen here);
    ``VmHWM`` is the high-water mark of the memory the worker itself mapped.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kB; macOS: bytes


def worker(engine: str, folder: Path, result_dir: Path | None) -> dict:
    times: dict[str, float] = {}
    cpu: dict[str, float] = {}

    class timer:
        def __init__(self, phase: str) -> None:
            self.phase = phase

        def __enter__(self) -> None:
            self.t0, self.c0 = time.perf_counter(), time.process_time()

        def __exit__(self, *exc: object) -> None:
            times[self.phase] = time.perf_counter() - self.t0
            cpu[self.phase] = time.process_time() - self.c0  # every thread of the process

    results = RUNNERS[engine](folder, timer)
    peak = peak_rss()
    if result_dir is not None:
        result_dir.mkdir(parents=True, exist_ok=True)
        for name, frame in results.items():
            frame.reset_index(drop=True).to_parquet(result_dir / f"{name}.parquet")
    return {"times": times, "cpu": cpu, "peak_rss": peak}


# ------------------------------------------------------------- checking
COMPARE = {
    "company": ["revenue", "orders", "customers", "new_customers", "pct_vs_previous", "pct_vs_last_year"],
    "by_rep": ["revenue", "orders", "customers", "new_customers"],
    "by_team": ["revenue", "orders", "customers", "new_customers"],
    "by_category": ["revenue", "orders", "customers", "new_customers"],
    "by_channel": ["revenue", "orders", "customers", "new_customers"],
    "attainment": ["revenue", "target_amount", "attainment"],
    "rfm": ["recency_days", "frequency", "monetary"],
}


def _normal(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    keys = [c for c in KEY_COLS if c in frame.columns]
    f = frame[keys + COMPARE[name]].copy()
    if "orders" in f.columns and name != "company":  # zero rows filled for active reps/teams
        f = f[(f["orders"] != 0) | (f["revenue"] != 0)]
    for k in keys:
        f[k] = f[k].astype(str)
    for c in COMPARE[name]:
        f[c] = pd.to_numeric(f[c], errors="coerce").astype(np.float64)
    return f.sort_values(keys).reset_index(drop=True)


def check_equal(dirs: dict[str, Path]) -> list[str]:
    problems = []
    base_engine = "sales_analytics"
    for name in COMPARE:
        base = _normal(pd.read_parquet(dirs[base_engine] / f"{name}.parquet"), name)
        for engine, d in dirs.items():
            if engine == base_engine:
                continue
            other = _normal(pd.read_parquet(d / f"{name}.parquet"), name)
            try:
                pd.testing.assert_frame_equal(base, other, check_exact=False, rtol=1e-9, atol=1e-6)
            except AssertionError as exc:
                problems.append(f"{name}: sales_analytics != {engine}: {str(exc).splitlines()[0:3]}")
    return problems


# ---------------------------------------------------------------- main
def verdict(
    med: dict[str, dict[str, float]],
    total: dict[str, float],
    peak: dict[str, float],
    ours: str = "sales_analytics",
) -> tuple[list[str], list[str]]:
    """(lines to print, targets missed) for ``ours`` against the peers in ``med`` (phase -> median s)."""
    peers = [e for e in med if e != ours]
    lines: list[str] = []
    missed: list[str] = []
    if ours not in med or not peers:
        return lines, missed
    fastest = min(peers, key=lambda e: total[e])
    t_ratio = total[ours] / total[fastest]
    lines.append(f"total: {t_ratio:.2f}x the fastest peer ({fastest}); target <= {TIME_LIMIT}x")
    if t_ratio > TIME_LIMIT:
        missed.append(f"total {t_ratio:.2f}x > {TIME_LIMIT}x")
    for phase in PHASES:
        best = min(med[e][phase] for e in med)
        ratio = med[ours][phase] / best if best > 0 else 1.0
        lines.append(f"phase {phase:<12} {ratio:5.2f}x the fastest engine in it; target <= {PHASE_LIMIT}x")
        if ratio > PHASE_LIMIT:
            missed.append(f"phase {phase} {ratio:.2f}x > {PHASE_LIMIT}x")
    lowest = min(peers, key=lambda e: peak[e])
    m_ratio = peak[ours] / peak[lowest]
    lines.append(f"peak memory: {m_ratio:.2f}x the leanest peer ({lowest}); target <= {MEMORY_LIMIT}x")
    if m_ratio > MEMORY_LIMIT:
        missed.append(f"peak memory {m_ratio:.2f}x > {MEMORY_LIMIT}x")
    return lines, missed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--size", default="large", help="sample size: small | standard | medium | large (default large)"
    )
    ap.add_argument("--repeat", type=int, default=3, help="runs per engine (fresh process each)")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument(
        "--duckdb-memory-limit",
        help="run DuckDB under this memory_limit (e.g. 1GB): the out-of-core path of docs/scaling.md",
    )
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--results", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        res = worker(args.worker, Path(args.data), Path(args.results) if args.results else None)
        print(json.dumps(res))
        return 0

    if args.duckdb_memory_limit:
        os.environ["BENCH_DUCKDB_MEMORY_LIMIT"] = args.duckdb_memory_limit  # the workers inherit it
    folder = ensure_data(args.size)
    rows = pd.read_parquet(folder / "orders.parquet", columns=["amount"]).shape[0]
    engines = args.engines.split(",")
    runs: dict[str, list[dict]] = {e: [] for e in engines}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-kpis-") as tmp:
        dirs = {e: Path(tmp) / e for e in engines}
        for i in range(args.repeat):
            for e in engines:  # interleaved so that machine load hits every engine alike
                cmd = [sys.executable, __file__, "--worker", e, "--data", str(folder)]
                if i == 0:
                    cmd += ["--results", str(dirs[e])]
                proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if proc.returncode != 0:
                    print(proc.stderr, file=sys.stderr)
                    return 2
                runs[e].append(json.loads(proc.stdout.strip().splitlines()[-1]))
        problems = check_equal(dirs) if len(engines) > 1 and "sales_analytics" in engines else []
    load_after = os.getloadavg()

    med = {e: {p: statistics.median(r["times"][p] for r in runs[e]) for p in PHASES} for e in engines}
    cpu = {e: {p: statistics.median(r["cpu"][p] for r in runs[e]) for p in PHASES} for e in engines}
    total = {e: sum(med[e].values()) for e in engines}
    peak = {e: max(r["peak_rss"] for r in runs[e]) for e in engines}
    print(
        f"\nKPI suite on {rows:,} order rows ({folder.name}), median of {args.repeat} runs per engine, "
        f"{os.cpu_count()} CPU(s); load average before {load_before[0]:.1f}, after {load_after[0]:.1f}\n"
    )
    head = f"{'phase':<12}" + "".join(f"{e:>30}" for e in engines)
    print(head + "\n" + " " * 12 + "".join(f"{'wall s (ratio)  cpu s':>30}" for _ in engines))
    print("-" * len(head))
    for p in (*PHASES, "total"):
        vals = {e: (total[e] if p == "total" else med[e][p]) for e in engines}
        cpus = {e: (sum(cpu[e].values()) if p == "total" else cpu[e][p]) for e in engines}
        best = min(vals.values())
        cells = "".join(
            f"{vals[e]:>11.3f} ({vals[e] / best if best else float('nan'):5.2f}x) {cpus[e]:>9.3f}"
            for e in engines
        )
        print(f"{p:<12}{cells}")
    print(f"{'peak RSS':<12}" + "".join(f"{peak[e] / 2**20:>26,.0f} MiB" for e in engines))
    lines, missed = verdict(med, total, peak)
    print()
    for line in lines:
        print(line)
    for p in problems:
        print("RESULT MISMATCH:", p)
    print("results equal across engines" if not problems else f"{len(problems)} result mismatch(es)")
    for m in missed:
        print("TARGET MISSED:", m)
    if not missed and lines:
        print("every target met")
    return 1 if missed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
