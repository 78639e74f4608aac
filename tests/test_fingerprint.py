"""Behaviour unchanged, proven: a full run's published tables against a stored fingerprint.

A run of every project notebook on the ``small`` sample (fixed seed, months
through 2026-10) publishes its tables; each table's content hash (columns,
dtypes and values, floats to 8 significant digits, row order kept) must equal
the one stored in ``tests/data/fingerprint_small_2026-10.json``. A refactoring
that changes any published figure fails here, naming the tables.

When a change of published figures is intended, regenerate the fingerprint and
name the change in the commit message:

    SALES_ANALYTICS_WRITE_FINGERPRINT=1 PYTHONPATH=$PWD python -m pytest tests/test_fingerprint.py -m "" -q
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from sales_analytics.run import run_period
from sales_analytics.sample_data import write_sample

ROOT = Path(__file__).resolve().parents[1]
STORED = ROOT / "tests" / "data" / "fingerprint_small_2026-10.json"
PERIOD = "2026-10"


_FOLDERS = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\\/\s'\"]+)+[\\/]")


def table_fingerprint(frame: pd.DataFrame) -> dict[str, object]:
    """Rows and a sha256 over the columns, their dtypes and the values as CSV (floats to 8 digits).

    Folders in text values are dropped (``/tmp/…/inputs/orders.parquet`` -> ``orders.parquet``):
    the data-quality tables name the run's input files, whose folder changes with every run.
    """
    text = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    if text:
        frame = frame.assign(**{c: frame[c].map(_strip_folders) for c in text})
    header = json.dumps([[str(c), str(frame[c].dtype)] for c in frame.columns], ensure_ascii=False)
    body = frame.to_csv(index=False, float_format="%.8g", lineterminator="\n")
    digest = hashlib.sha256((header + "\n" + body).encode("utf-8")).hexdigest()
    return {"rows": len(frame), "sha256": digest}


def _strip_folders(value: object) -> object:
    return _FOLDERS.sub("", value) if isinstance(value, str) else value


def test_table_fingerprint_sees_values_dtypes_and_order_but_not_float_noise():
    a = pd.DataFrame({"rep_id": ["R1", "R2"], "revenue": [100.0, 1 / 3]})
    same = pd.DataFrame({"rep_id": ["R1", "R2"], "revenue": [100.0, 1 / 3 + 1e-15]})
    assert table_fingerprint(a) == table_fingerprint(same)
    assert table_fingerprint(a) != table_fingerprint(a.assign(revenue=[100.0, 0.3334]))
    assert table_fingerprint(a) != table_fingerprint(a.iloc[::-1])
    assert table_fingerprint(a) != table_fingerprint(a.astype({"revenue": "float32"}))
    assert table_fingerprint(a)["rows"] == 2
    f1 = pd.DataFrame({"source": ["/tmp/run-1/inputs/orders.parquet: 3 rows"]})
    f2 = pd.DataFrame({"source": ["/tmp/other/run-2/inputs/orders.parquet: 3 rows"]})
    assert table_fingerprint(f1) == table_fingerprint(f2)
    assert table_fingerprint(f1) != table_fingerprint(
        f1.replace({"source": {f1.iloc[0, 0]: "/a/reps.parquet"}})
    )


@pytest.mark.slow
def test_published_tables_of_a_small_sample_run_match_the_stored_fingerprint(tmp_path):
    data = tmp_path / "data"
    write_sample(data, size="small", end=PERIOD)
    result = run_period(PERIOD, data=data, outputs=tmp_path / "outputs", jobs=2)
    assert result.status == "ok"
    found = {
        t["name"]: table_fingerprint(pd.read_parquet(result.bundle / t["path"]))
        for t in result.manifest["tables"]
    }
    if os.environ.get("SALES_ANALYTICS_WRITE_FINGERPRINT"):
        STORED.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    stored = json.loads(STORED.read_text(encoding="utf-8"))
    assert sorted(found) == sorted(stored), "the set of published tables changed"
    changed = sorted(name for name in stored if found[name] != stored[name])
    assert not changed, f"published tables changed: {changed}"
