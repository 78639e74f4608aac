"""KPI suite benchmark: sales_analytics.kpis (pandas API) against Polars and DuckDB on the same Parquet.

The suite: load the orders (and reps, targets) from Parquet; company monthly KPIs
with new/returning customers and growth (MoM, YoY); sales KPIs by rep, team
(via reps), product category and channel; rep attainment; RFM inputs per
customer as of the last month end. Each engine runs the whole suite in a fresh
subprocess (so its peak RSS is its own), ``--repeat`` times; the table shows
the median seconds per phase, the ratio to the fastest engine and the peak
RSS. Results of every phase are checked equal across engines. Exit status 1
when sales_analytics is slower than 1.3x the fastest engine in total, or uses
more than 1.3x its peak memory.

    .venv/bin/python benchmarks/bench_kpis.py                # sample "large" (~10M order rows), cached
    .venv/bin/python benchmarks/bench_kpis.py --size small   # quick check of the harness
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
TIME_LIMIT = 1.3
MEMORY_LIMIT = 1.3
KEY_COLS = ("period", "rep_id", "team", "product_category", "channel", "customer_id")


# ------------------------------------------------------------------ data
def ensure_data(size: str, end: str) -> Path:
    """Parquet files of the sample ``size`` (orders, reps, targets), generated once into .cache/."""
    folder = CACHE / f"{size}-{end}"
    if all((folder / f"{t}.parquet").exists() for t in ("orders", "reps", "targets")):
        return folder
    sys.path.insert(0, str(HERE.parent))
    from sales_analytics.sample_data import generate_sample

    print(f"generating sample {size!r} (once; cached in {folder}) …", flush=True)
    tables = generate_sample(size, end=end)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("orders", "reps", "targets"):
        tables[name].to_parquet(folder / f"{name}.parquet", index=False)
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
    import sales_analytics as sa

    with timer("load"):
        orders = sa.prepare_orders(pd.read_parquet(folder / "orders.parquet"))
        reps = pd.read_parquet(folder / "reps.parquet")
        targets = pd.read_parquet(folder / "targets.parquet")
    out = {}
    with timer("company"):
        out["company"] = sa.growth(sa.sales_kpis(orders), value="revenue")
    with timer("by_rep"):
        out["by_rep"] = sa.sales_kpis(orders, by=["rep_id"])
    with timer("by_team"):
        out["by_team"] = sa.sales_kpis(orders, by=["team"], reps=reps)
    with timer("by_category"):
        out["by_category"] = sa.sales_kpis(orders, by=["product_category"])
    with timer("by_channel"):
        out["by_channel"] = sa.sales_kpis(orders, by=["channel"])
    with timer("attainment"):
        out["attainment"] = sa.attainment(orders, targets)
    with timer("rfm"):
        out["rfm"] = sa.purchase_summary(orders, as_of=_as_of(orders["order_date"].max()))
    return out


def run_polars(folder: Path, timer) -> dict[str, pd.DataFrame]:
    import polars as pl

    paid = pl.col("status") == "paid"
    with timer("load"):
        o = pl.read_parquet(folder / "orders.parquet").with_columns(
            m=pl.col("order_date").dt.year().cast(pl.Int64) * 12 + pl.col("order_date").dt.month() - 1
        )
        reps = pl.read_parquet(folder / "reps.parquet")
        targets = pl.read_parquet(folder / "targets.parquet")
        first = o.filter(paid).group_by("customer_id").agg(first=pl.col("m").min())
        live = o.filter(pl.col("status") != "cancelled").join(first, on="customer_id", how="left")

    def kpis(frame: pl.DataFrame, by: list[str]) -> pd.DataFrame:
        agg = (
            frame.group_by(["m", *by])
            .agg(
                revenue=pl.col("amount").sum(),
                orders=pl.col("order_id").filter(paid).n_unique(),
                customers=pl.col("customer_id").filter(paid).n_unique(),
                new_customers=pl.col("customer_id")
                .filter(paid & (pl.col("first") == pl.col("m")))
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
        out["by_team"] = kpis(live.join(reps.select("rep_id", "team"), on="rep_id", how="left"), ["team"])
    with timer("by_category"):
        out["by_category"] = kpis(live, ["product_category"])
    with timer("by_channel"):
        out["by_channel"] = kpis(live, ["channel"])
    with timer("attainment"):
        sales = live.group_by(["m", "rep_id"]).agg(revenue=pl.col("amount").sum()).to_pandas()
        sales["period"] = _label(sales.pop("m"))
        t = (
            targets.filter(pl.col("rep_id").is_not_null())
            .group_by(["period", "rep_id"])
            .agg(target_amount=pl.col("target_amount").sum())
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
        as_of = _as_of(pd.Timestamp(o["order_date"].max()))
        upto = o.filter(pl.col("order_date") < as_of + pd.Timedelta(days=1))
        r = (
            upto.group_by("customer_id")
            .agg(
                last=pl.col("order_date").filter(paid).max(),
                frequency=pl.col("order_id").filter(paid).n_unique(),
                monetary=pl.col("amount").filter(pl.col("status") != "cancelled").sum(),
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
    with timer("load"):
        con.execute(
            f"CREATE TABLE o AS SELECT *, year(order_date) * 12 + month(order_date) - 1 AS m "
            f"FROM read_parquet('{folder / 'orders.parquet'}')"
        )
        con.execute(f"CREATE TABLE reps AS SELECT * FROM read_parquet('{folder / 'reps.parquet'}')")
        con.execute(f"CREATE TABLE targets AS SELECT * FROM read_parquet('{folder / 'targets.parquet'}')")
        con.execute(
            "CREATE TABLE live AS SELECT o.*, f.first FROM o LEFT JOIN (SELECT customer_id, min(m) AS first "
            "FROM o WHERE status = 'paid' GROUP BY ALL) f USING (customer_id) WHERE status <> 'cancelled'"
        )

    def kpis(source: str, by: list[str]) -> pd.DataFrame:
        cols = "".join(f", {c}" for c in by)
        agg = con.execute(
            f"SELECT m{cols}, sum(amount) AS revenue, "
            "count(DISTINCT order_id) FILTER (WHERE status = 'paid') AS orders, "
            "count(DISTINCT customer_id) FILTER (WHERE status = 'paid') AS customers, "
            "count(DISTINCT customer_id) FILTER (WHERE status = 'paid' AND first = m) AS new_customers "
            f"FROM {source} GROUP BY ALL"
        ).df()
        agg["period"] = _label(agg.pop("m"))
        return agg

    out = {}
    with timer("company"):
        c = con.execute(
            "WITH k AS (SELECT m, sum(amount) AS revenue, "
            "count(DISTINCT order_id) FILTER (WHERE status = 'paid') AS orders, "
            "count(DISTINCT customer_id) FILTER (WHERE status = 'paid') AS customers, "
            "count(DISTINCT customer_id) FILTER (WHERE status = 'paid' AND first = m) AS new_customers "
            "FROM live GROUP BY m) "
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
        as_of = _as_of(pd.Timestamp(con.execute("SELECT max(order_date) FROM o").fetchone()[0]))
        r = con.execute(
            "SELECT customer_id, max(order_date) FILTER (WHERE status = 'paid') AS last, "
            "count(DISTINCT order_id) FILTER (WHERE status = 'paid') AS frequency, "
            "sum(amount) FILTER (WHERE status <> 'cancelled') AS monetary "
            "FROM o WHERE order_date < ? GROUP BY customer_id HAVING frequency > 0",
            [as_of + pd.Timedelta(days=1)],
        ).df()
        r["recency_days"] = (as_of - pd.to_datetime(r.pop("last")).dt.normalize()).dt.days
        out["rfm"] = r
    return out


RUNNERS = {"sales_analytics": run_sales_analytics, "polars": run_polars, "duckdb": run_duckdb}


# --------------------------------------------------------------- worker
def worker(engine: str, folder: Path, result_dir: Path | None) -> dict:
    times: dict[str, float] = {}

    class timer:
        def __init__(self, phase: str) -> None:
            self.phase = phase

        def __enter__(self) -> None:
            self.t0 = time.perf_counter()

        def __exit__(self, *exc: object) -> None:
            times[self.phase] = time.perf_counter() - self.t0

    results = RUNNERS[engine](folder, timer)
    if result_dir is not None:
        result_dir.mkdir(parents=True, exist_ok=True)
        for name, frame in results.items():
            frame.reset_index(drop=True).to_parquet(result_dir / f"{name}.parquet")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kB
    return {"times": times, "peak_rss": peak}


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
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="large", help="sample size: small | standard | large (default large)")
    ap.add_argument("--end", default="2026-10", help="last month of the sample")
    ap.add_argument("--repeat", type=int, default=3, help="runs per engine (fresh process each)")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--results", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        res = worker(args.worker, Path(args.data), Path(args.results) if args.results else None)
        print(json.dumps(res))
        return 0

    folder = ensure_data(args.size, args.end)
    rows = pd.read_parquet(folder / "orders.parquet", columns=["amount"]).shape[0]
    engines = args.engines.split(",")
    runs: dict[str, list[dict]] = {e: [] for e in engines}
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

    med = {e: {p: statistics.median(r["times"][p] for r in runs[e]) for p in PHASES} for e in engines}
    total = {e: sum(med[e].values()) for e in engines}
    peak = {e: max(r["peak_rss"] for r in runs[e]) for e in engines}
    print(
        f"\nKPI suite on {rows:,} order rows ({folder.name}), median of {args.repeat} runs per engine, "
        f"{os.cpu_count()} CPU(s)\n"
    )
    head = f"{'phase':<12}" + "".join(f"{e:>18}" for e in engines)
    print(head)
    print("-" * len(head))
    for p in (*PHASES, "total"):
        vals = {e: (total[e] if p == "total" else med[e][p]) for e in engines}
        best = min(vals.values())
        cells = "".join(
            f"{vals[e]:>9.3f}s ({vals[e] / best if best else float('nan'):4.2f}x)" for e in engines
        )
        print(f"{p:<12}{cells}")
    print(f"{'peak RSS':<12}" + "".join(f"{peak[e] / 2**20:>14,.0f} MiB" for e in engines))
    others = [e for e in engines if e != "sales_analytics"]
    failed = False
    if "sales_analytics" in engines and others:
        fastest = min(others, key=lambda e: total[e])
        t_ratio = total["sales_analytics"] / total[fastest]
        m_ratio = peak["sales_analytics"] / peak[fastest]
        print(
            f"\nsales_analytics vs fastest engine ({fastest}): time {t_ratio:.2f}x (target <= {TIME_LIMIT}x), "
            f"peak memory {m_ratio:.2f}x (target <= {MEMORY_LIMIT}x)"
        )
        failed = t_ratio > TIME_LIMIT or m_ratio > MEMORY_LIMIT
    for p in problems:
        print("RESULT MISMATCH:", p)
    print("results equal across engines" if not problems else f"{len(problems)} result mismatch(es)")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
