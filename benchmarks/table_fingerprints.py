"""Fingerprints of every table a monthly run publishes: to show a change left the results alone.

Runs every notebook on a sample (``small`` by default, a fixed month) into a
temporary outputs folder and prints one line per published table: its name,
rows and the SHA-256 of its *content* (column names, dtypes and values, read
back from the Parquet file; not the file's bytes, which carry the writer's
version). Run it on two checkouts and compare the output:

    PYTHONPATH=/work/main .venv/bin/python benchmarks/table_fingerprints.py > /tmp/main.txt
    PYTHONPATH=$PWD .venv/bin/python benchmarks/table_fingerprints.py > /tmp/branch.txt
    diff /tmp/main.txt /tmp/branch.txt && echo "published tables unchanged"

``--compare FILE`` does the diff itself and exits 1 when a table differs.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache"


def content_sha256(path: Path) -> str:
    """SHA-256 of a Parquet table's columns, dtypes and values (row order included)."""
    import pandas as pd

    frame = pd.read_parquet(path)
    h = hashlib.sha256()
    h.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    if len(frame):
        h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def fingerprints(
    size: str, period: str, jobs: int, notebooks: list[str] | None = None, keep: Path | None = None
) -> list[str]:
    import pandas as pd

    from sales_analytics.run import run_period
    from sales_analytics.sample_data import write_sample

    data = CACHE / f"{size}-{period}"
    if not (data / ".complete").exists():
        write_sample(data, size=size, end=period)
    with tempfile.TemporaryDirectory(prefix="fingerprints-") as tmp:
        result = run_period(period, data=data, outputs=tmp, jobs=jobs, force=True, notebooks=notebooks)
        tables = Path(result.bundle) / "tables"
        if keep is not None:
            shutil.copytree(tables, keep, dirs_exist_ok=True)
        return [
            f"{p.stem} {len(pd.read_parquet(p)):,} {content_sha256(p)}"
            for p in sorted(tables.glob("*.parquet"))
        ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="small")
    ap.add_argument("--period", default="2026-10", help="the sample's last month, and the month run")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--notebooks", default="", help="a subset, comma-separated (default: all)")
    ap.add_argument("--keep", help="copy the published tables into this folder")
    ap.add_argument("--compare", help="a file this tool printed before: exit 1 when a table differs")
    args = ap.parse_args(argv)
    os.environ.setdefault("SALES_ANALYTICS_HOME", str(ROOT))
    os.environ.setdefault("MPLBACKEND", "Agg")
    lines = fingerprints(
        args.size,
        args.period,
        args.jobs,
        [n for n in args.notebooks.split(",") if n] or None,
        Path(args.keep) if args.keep else None,
    )
    print("\n".join(lines))
    if args.compare:
        before = Path(args.compare).read_text(encoding="utf-8").split("\n")
        before = [line for line in before if line.strip()]
        differ = sorted(set(before) ^ set(lines))
        names = sorted({line.split()[0] for line in differ})
        if names:
            print(f"{len(names)} table(s) differ: {', '.join(names)}", file=sys.stderr)
            return 1
        print(f"all {len(lines)} published tables unchanged", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
