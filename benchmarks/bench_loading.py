"""Loading benchmark: sales_analytics.io against pyarrow and Polars reading the same files.

Targets (issue #3): loading + validating 10M order rows from Parquet takes at
most 2x pyarrow's own read of the file (``pq.read_table``); loading +
validating 1M order rows from CSV at most 2x Polars' ``read_csv``. Each
timing is the median of ``--repeat`` rounds after one warm-up (so every engine
reads from the page cache); each round runs every engine in turn, so a change
of load on the shared machine hits them alike. Also shown, not targeted: reading the run's
snapshot, pandas' own readers. Exit status 1 when a target is missed.

The data is the sample "large" (~10M order rows) cached by bench_kpis.py in
benchmarks/.cache/, generated once when missing; ``--synthetic`` uses a quick
synthetic frame with the canonical orders columns instead.

    .venv/bin/python benchmarks/bench_loading.py
    .venv/bin/python benchmarks/bench_loading.py --rows 200000 --csv-rows 100000 --synthetic   # quick check
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
TARGETS = {"parquet": 2.0, "csv": 2.0}
ORDER_COLUMNS = [
    "order_id",
    "order_date",
    "customer_id",
    "rep_id",
    "amount",
    "status",
    "product_id",
    "product_category",
    "quantity",
    "channel",
]


def synthetic(rows: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders and reps with the canonical columns (deterministic)."""
    rng = np.random.default_rng(seed)
    reps = pd.DataFrame(
        {
            "rep_id": [f"R{i:03d}" for i in range(300)],
            "rep_name": [f"Rep {i}" for i in range(300)],
            "team": [f"T{i % 12}" for i in range(300)],
            "hire_date": pd.Timestamp("2020-01-01"),
        }
    )
    day = np.datetime64("2024-01-01") + rng.integers(0, 730, rows).astype("timedelta64[D]")
    orders = pd.DataFrame(
        {
            "order_id": pd.Series(np.char.add("O", (np.arange(rows) // 2).astype(str)), dtype="str"),
            "order_date": day.astype("datetime64[ns]"),
            "customer_id": pd.Series(
                np.char.add("C", rng.integers(0, 200_000, rows).astype(str)), dtype="str"
            ),
            "rep_id": pd.Series(np.asarray(reps["rep_id"])[rng.integers(0, 300, rows)], dtype="str"),
            "amount": np.round(rng.gamma(2.0, 500.0, rows), 2),  # refunds are made negative below
            "status": pd.Series(
                rng.choice(["paid", "refunded", "cancelled"], rows, p=[0.95, 0.03, 0.02]), dtype="str"
            ),
            "product_id": pd.Series(np.char.add("P", rng.integers(0, 500, rows).astype(str)), dtype="str"),
            "product_category": pd.Series(rng.choice(["a", "b", "c", "d"], rows), dtype="str"),
            "quantity": rng.integers(1, 10, rows),
            "channel": pd.Series(rng.choice(["online", "store"], rows), dtype="str"),
        }
    )
    refunded = (orders["status"] == "refunded").to_numpy()
    orders["amount"] = np.where(refunded, -orders["amount"], orders["amount"])
    return orders, reps


def source_data(rows: int, use_synthetic: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not use_synthetic:
        cached = sorted(CACHE.glob("large-*/orders.parquet"))
        if cached:
            orders = pd.read_parquet(cached[-1])
            reps = pd.read_parquet(cached[-1].with_name("reps.parquet"))
            return orders.head(rows).reset_index(drop=True), reps
        sys.path.insert(0, str(HERE.parent))
        from sales_analytics.sample_data import generate_sample

        print("generating sample 'large' (once; cached in benchmarks/.cache) …", flush=True)
        tables = generate_sample("large")
        folder = CACHE / "large-generated"
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("orders", "reps", "targets"):
            tables[name].to_parquet(folder / f"{name}.parquet", index=False)
        return tables["orders"].head(rows).reset_index(drop=True), tables["reps"]
    return synthetic(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="order rows in the Parquet file")
    parser.add_argument("--csv-rows", type=int, default=1_000_000, help="order rows in the CSV file")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--synthetic", action="store_true", help="synthetic orders instead of the sample")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(HERE.parent))
    import polars as pl

    import sales_analytics as sa

    orders, reps = source_data(args.rows, args.synthetic)
    tmp = Path(tempfile.mkdtemp(prefix="bench-loading-"))
    try:
        pq_dir, csv_dir, snap_dir = tmp / "parquet", tmp / "csv", tmp / "snapshot"
        pq_dir.mkdir()
        csv_dir.mkdir()
        orders.to_parquet(pq_dir / "orders.parquet", index=False)
        reps.to_parquet(pq_dir / "reps.parquet", index=False)
        pacsv.write_csv(
            pa.Table.from_pandas(orders.head(args.csv_rows), preserve_index=False), csv_dir / "orders.csv"
        )
        reps.to_csv(csv_dir / "reps.csv", index=False)
        n_pq, n_csv = len(orders), min(args.csv_rows, len(orders))
        del orders
        params = sa.load_parameters()
        print(
            f"orders: {n_pq:,} rows in Parquet ({(pq_dir / 'orders.parquet').stat().st_size / 1e6:.0f} MB), "
            f"{n_csv:,} rows in CSV ({(csv_dir / 'orders.csv').stat().st_size / 1e6:.0f} MB); "
            f"median of {args.repeat} runs after a warm-up",
            flush=True,
        )

        holder: dict[str, object] = {}

        def load_pq() -> None:
            holder["ds"] = sa.load_dataset(pq_dir, params=params)

        load_pq()
        sa.write_snapshot(holder.pop("ds"), snap_dir)  # type: ignore[arg-type]
        # (phase, engine, function, is the baseline); engines of a phase run in turn within each
        # round, so a load change on the shared machine hits them alike
        cases = [
            ("parquet", "pyarrow pq.read_table", lambda: pq.read_table(pq_dir / "orders.parquet"), True),
            ("parquet", "pandas read_parquet", lambda: pd.read_parquet(pq_dir / "orders.parquet"), False),
            ("parquet", "sales_analytics load_dataset+validate", load_pq, False),
            ("snapshot", "sales_analytics read_snapshot", lambda: sa.read_snapshot(snap_dir), False),
            ("csv", "polars read_csv", lambda: pl.read_csv(csv_dir / "orders.csv"), True),
            ("csv", "pyarrow csv.read_csv", lambda: pacsv.read_csv(csv_dir / "orders.csv"), False),
            (
                "csv",
                "sales_analytics load_dataset+validate",
                lambda: sa.load_dataset(csv_dir, params=params),
                False,
            ),
        ]
        runs: dict[str, list[float]] = {engine + phase: [] for phase, engine, _, _ in cases}
        for _, _, fn, _ in cases:
            fn()  # warm-up: page cache, imports
        for round_no in range(args.repeat):
            for phase, engine, fn, _ in cases:
                t0 = time.perf_counter()
                fn()
                runs[engine + phase].append(time.perf_counter() - t0)
                holder.clear()
            print(f"  round {round_no + 1}/{args.repeat} done", flush=True)
        results = [
            {
                "phase": phase,
                "engine": engine,
                "seconds": statistics.median(runs[engine + phase]),
                "baseline": base,
            }
            for phase, engine, _, base in cases
        ]
        table = pd.DataFrame(results)
        base = table[table["baseline"]].set_index("phase")["seconds"]
        base["snapshot"] = base["parquet"]
        table["ratio"] = table["seconds"] / table["phase"].map(base)
        print()
        print(
            table[["phase", "engine", "seconds", "ratio"]].to_string(
                index=False, float_format=lambda v: f"{v:.3f}"
            )
        )
        failed = []
        for phase, limit in TARGETS.items():
            ours = table[(table["phase"] == phase) & (table["engine"].str.startswith("sales_analytics"))]
            ratio = float(ours["ratio"].iloc[0])
            verdict = "ok" if ratio <= limit else "MISSED"
            print(f"target {phase}: {ratio:.2f}x the baseline (limit {limit}x) {verdict}")
            if ratio > limit:
                failed.append(phase)
        return 1 if failed else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
