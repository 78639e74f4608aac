"""Benchmark: RFM + segment map + k-means for 1M customers, RFM side by side with Polars and DuckDB.

Targets (issue #7):

- RFM + segment map + k-means (with k selection) for 1M customers in at most 15 s;
- the RFM part within 1.3x of the fastest of Polars and DuckDB doing the same work
  (same filters, distinct order counts, ranks with the customer-id tie-break, quintile scores),
  results checked equal.

Each engine starts from its own in-memory table built from the same orders (pandas DataFrame
with ``str`` columns, Polars DataFrame, Arrow table registered in DuckDB). A second RFM row
measures the same work starting from the Parquet file (read included), for information.

Usage::

    .venv/bin/python benchmarks/bench_customers.py [--customers 1000000] [--repeats 3] [--seed 7]

Prints a table (phase x engine: median seconds, ratio to the fastest other engine) and exits
with status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sales_analytics.customers import assign_segments, kmeans_segments, load_segment_map, rfm_table  # noqa: E402

PERIOD = "2026-03"
END = pd.Timestamp("2026-03-31")
AS_OF = END + pd.Timedelta(days=1)
TOTAL_TARGET_S = 15.0
RATIO_TARGET = 1.3


def build_orders(n_customers: int, seed: int) -> pd.DataFrame:
    """Synthetic canonical orders: ~3 orders per customer over two years, refunds, cancellations,
    rows without a customer, a few rows after the report month."""
    rng = np.random.default_rng(seed)
    per_customer = rng.poisson(2.0, n_customers) + 1
    cust = np.repeat(np.arange(n_customers), per_customer)
    n = len(cust)
    start = np.datetime64("2024-04-01")
    day = start + rng.integers(0, 745, n).astype("timedelta64[D]")  # a few days past the report month
    seconds = rng.integers(0, 86_400, n).astype("timedelta64[s]")
    amount = np.round(rng.lognormal(5.5, 1.0, n), 2)
    status = np.where(rng.random(n) < 0.01, "cancelled", "paid")
    customer_ids = np.char.add("C", np.char.zfill(np.arange(n_customers).astype(str), 7))
    order_ids = np.char.add("O", np.char.zfill(np.arange(n).astype(str), 9))
    ids = customer_ids[cust].astype(object)
    ids[rng.random(n) < 0.003] = None
    paid = status == "paid"
    refund_of = np.flatnonzero(paid & (rng.random(n) < 0.02))
    frame = pd.DataFrame(
        {
            "order_id": np.concatenate([order_ids, np.char.add(order_ids[refund_of], "-R")]),
            "order_date": np.concatenate([day + seconds, day[refund_of] + np.timedelta64(3, "D")]).astype(
                "datetime64[ns]"
            ),
            "customer_id": np.concatenate([ids, ids[refund_of]]),
            "rep_id": "R001",
            "amount": np.concatenate(
                [amount, -np.round(amount[refund_of] * rng.uniform(0.2, 1.0, len(refund_of)), 2)]
            ),
            "status": np.concatenate([status, np.full(len(refund_of), "refunded")]),
        }
    )
    for col in ("order_id", "customer_id", "rep_id", "status"):
        frame[col] = frame[col].astype("str")
    return frame


def score_edges(n: int) -> np.ndarray:
    """The four interior quintile edges of ranks 1..n (as pd.qcut computes them)."""
    return pd.Series(np.arange(1, n + 1, dtype=np.float64)).quantile(np.linspace(0, 1, 6)).to_numpy()[1:-1]


# ------------------------------------------------------------------ engines
def pandas_rfm(orders: pd.DataFrame) -> pd.DataFrame:
    return rfm_table(orders, period=PERIOD)


def polars_rfm(df: pl.DataFrame) -> pl.DataFrame:
    purchase = pl.col("status") != "refunded"
    kept = df.filter(
        (pl.col("order_date") < AS_OF)
        & (pl.col("status") != "cancelled")
        & pl.col("customer_id").is_not_null()
    )
    agg = kept.group_by("customer_id").agg(
        last=pl.col("order_date").filter(purchase).max(),
        frequency=pl.col("order_id").filter(purchase).n_unique(),
        monetary=pl.col("amount").sum(),
    )
    scored = (
        agg.filter(pl.col("last").is_not_null() & (pl.col("monetary") > 1e-9))
        .with_columns(recency=(pl.lit(AS_OF) - pl.col("last").dt.truncate("1d")).dt.total_days())
        .sort("customer_id")
    )
    e = score_edges(scored.height)

    def score(col: str) -> pl.Expr:
        rank = pl.col(col).rank("ordinal")  # ties keep row order = customer-id order
        return 1 + sum((rank > float(x)).cast(pl.Int8) for x in e)

    return scored.with_columns(r=6 - score("recency"), f=score("frequency"), m=score("monetary"))


def duckdb_rfm(con: duckdb.DuckDBPyConnection, n_edges_from: Callable[[int], np.ndarray]) -> pd.DataFrame:
    base = f"""
        with kept as (
            select * from orders
            where order_date < TIMESTAMP '{AS_OF:%Y-%m-%d}' and status <> 'cancelled' and customer_id is not null),
        agg as (
            select customer_id,
                   max(order_date) filter (where status <> 'refunded') as last,
                   count(distinct order_id) filter (where status <> 'refunded') as frequency,
                   sum(amount) as monetary
            from kept group by customer_id)
        select customer_id, date_diff('day', cast(last as date), DATE '{AS_OF:%Y-%m-%d}') as recency,
               frequency, monetary
        from agg where last is not null and monetary > 1e-9"""
    con.execute(f"create or replace temp table scored as {base}")
    n = con.execute("select count(*) from scored").fetchone()[0]
    e = n_edges_from(n)

    def score(col: str) -> str:
        rank = f"row_number() over (order by {col}, customer_id)"
        return "1 + " + " + ".join(f"cast({rank} > {float(x)!r} as integer)" for x in e)

    sql = f"""select customer_id, recency, frequency, monetary,
                     6 - ({score("recency")}) as r, {score("frequency")} as f, {score("monetary")} as m
              from scored order by customer_id"""
    return con.execute(sql).df()


# ------------------------------------------------------------------ harness
Row = tuple[str, str, float, float]  # phase, engine, median wall s, median CPU s


def measure(rows: list[Row], phase: str, engine: str, fn: Callable[[], object], repeats: int) -> object:
    """Run ``fn`` ``repeats`` times; record the median wall and CPU seconds; return its last result."""
    wall, cpu, out = [], [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    rows.append((phase, engine, statistics.median(wall), statistics.median(cpu)))
    return out


def check_equal(pandas_out: pd.DataFrame, other: pd.DataFrame, engine: str) -> None:
    ours = pandas_out.loc[pandas_out["scored"]].reset_index(drop=True)
    other = other.sort_values("customer_id").reset_index(drop=True)
    if len(ours) != len(other):
        raise SystemExit(f"{engine}: {len(other)} scored customers, pandas has {len(ours)}")
    for col in ("customer_id", "recency", "frequency", "r", "f", "m"):
        a = ours[col].astype(str if col == "customer_id" else "int64").to_numpy()
        b = other[col].astype(str if col == "customer_id" else "int64").to_numpy()
        if not np.array_equal(a, b):
            bad = int(np.flatnonzero(a != b)[0])
            raise SystemExit(
                f"{engine}: column {col!r} differs from pandas at row {bad}: {b[bad]!r} vs {a[bad]!r}"
            )
    if not np.allclose(ours["monetary"].to_numpy(), other["monetary"].to_numpy(), rtol=1e-9, atol=1e-6):
        raise SystemExit(f"{engine}: monetary differs from pandas")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    logging.getLogger("sales_analytics").setLevel(logging.ERROR)  # the planted missing ids are expected

    t0 = time.perf_counter()
    orders = build_orders(args.customers, args.seed)
    table = pa.Table.from_pandas(orders, preserve_index=False)
    pl_orders = pl.from_arrow(table)
    con = duckdb.connect()
    con.execute("set threads to 2")
    con.register("orders", table)
    tmp = Path(tempfile.mkdtemp(prefix="bench-customers-"))
    parquet = tmp / "orders.parquet"
    pq.write_table(table, parquet)
    print(
        f"built {len(orders):,} order rows for {args.customers:,} customers in {time.perf_counter() - t0:.1f} s"
    )

    # import scikit-learn once, outside the timings, as a notebook would
    import sklearn.cluster
    import sklearn.metrics  # noqa: F401

    load_before = os.getloadavg()[0]
    rows: list[Row] = []
    n = args.repeats
    rfm = measure(rows, "rfm", "pandas", lambda: pandas_rfm(orders), n)
    out_pl = measure(rows, "rfm", "polars", lambda: polars_rfm(pl_orders), n)
    out_dd = measure(rows, "rfm", "duckdb", lambda: duckdb_rfm(con, score_edges), n)
    check_equal(rfm, out_pl.to_pandas(), "polars")
    check_equal(rfm, out_dd, "duckdb")

    con_file = duckdb.connect()
    con_file.execute("set threads to 2")

    def duck_file() -> pd.DataFrame:
        con_file.execute(f"create or replace view orders as select * from read_parquet('{parquet}')")
        return duckdb_rfm(con_file, score_edges)

    used = ["order_id", "order_date", "customer_id", "amount", "status"]  # DuckDB reads only these too
    measure(rows, "rfm from parquet", "pandas", lambda: pandas_rfm(pd.read_parquet(parquet, columns=used)), n)
    measure(rows, "rfm from parquet", "polars", lambda: polars_rfm(pl.read_parquet(parquet, columns=used)), n)
    measure(rows, "rfm from parquet", "duckdb", duck_file, n)

    smap = load_segment_map("rfm_squeezely")
    segmented = measure(rows, "segment map", "pandas", lambda: assign_segments(rfm, smap), n)
    clusters = measure(
        rows, "k-means (k 3-7)", "pandas", lambda: kmeans_segments(segmented), max(1, min(n, 2))
    )
    wall = {(p, e): w for p, e, w, _ in rows}
    cpu = {(p, e): c for p, e, _, c in rows}
    pandas_phases = [("rfm", "pandas"), ("segment map", "pandas"), ("k-means (k 3-7)", "pandas")]
    total = sum(wall[k] for k in pandas_phases)
    rows.append(("total rfm+map+k-means", "pandas", total, sum(cpu[k] for k in pandas_phases)))

    fastest_other: dict[str, float] = {}
    for phase, engine, w, _ in rows:
        if engine != "pandas":
            fastest_other[phase] = min(fastest_other.get(phase, np.inf), w)
    print(f"\n{'phase':<24}{'engine':<9}{'median s':>10}{'cpu s':>8}{'ratio':>8}")
    for phase, engine, w, c in rows:
        ratio = f"{w / fastest_other[phase]:.2f}" if phase in fastest_other else ""
        print(f"{phase:<24}{engine:<9}{w:>10.3f}{c:>8.2f}{ratio:>8}")
    print("(ratio = wall time / fastest of polars and duckdb; cpu s sums all threads of the process)")
    print(
        f"load average (1 min) before {load_before:.1f}, after {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"k = {clusters.k}; {int(rfm['scored'].sum()):,} scored customers; "
        f"largest segments: {segmented['segment'].value_counts().head(3).to_dict()}"
    )

    t_pd = wall[("rfm", "pandas")]
    failures = []
    if total > TOTAL_TARGET_S:
        failures.append(f"RFM + map + k-means took {total:.1f} s (target ≤ {TOTAL_TARGET_S:.0f} s)")
    ratio = t_pd / fastest_other["rfm"]
    if ratio > RATIO_TARGET:
        failures.append(f"RFM is {ratio:.2f}x the fastest other engine (target ≤ {RATIO_TARGET})")
    for f in failures:
        print("MISSED:", f)
    if not failures:
        print("all targets met")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
