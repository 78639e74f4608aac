"""A stored-XSS payload planted in the free-text columns of an input folder and in every text
column of a published bundle: the views and reports must show it as text, never run it.

Each part of the payload sets ``window.__xss`` when it runs: an event handler (``onerror``,
``onload``), a script element, a ``javascript:`` link. The flag has no digit, so a test that
reads numbers beside a name is not misled by the payload.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

PAYLOAD = (
    "<img src=x onerror=\"window.__xss='img'\">"
    "<script>window.__xss='script'</script>"
    "<svg onload=\"window.__xss='svg'\"></svg>"
    "<a href=\"javascript:window.__xss='link'\">x</a>\"'>"
)
MARK = "<img src=x onerror="  # a reader of the page must see this text

# Input columns that hold names and free text (identifiers, codes, enums and dates stay clean
# so the run still validates and joins); ``team`` is poisoned in every file alike.
INPUT_TEXT_COLUMNS = (
    "rep_name", "rep_name_en", "team", "customer_name", "industry", "region", "product_category",
    "outcome", "reason", "text", "comment", "suggestion", "topic",
)  # fmt: skip


def poison_inputs(source: Path, target: Path) -> Path:
    """A copy of the input folder ``source`` with :data:`PAYLOAD` appended to every value of the
    :data:`INPUT_TEXT_COLUMNS` (the same value gets the same suffix, so joins hold)."""
    shutil.copytree(source, target)
    for path in target.glob("*.parquet"):
        frame = pd.read_parquet(path)
        hit = [c for c in INPUT_TEXT_COLUMNS if c in frame.columns]
        for col in hit:
            frame[col] = frame[col].map(lambda v: v if pd.isna(v) or v == "" else f"{v}{PAYLOAD}")
        if hit:
            frame.to_parquet(path)
    return target


def poison_bundle(bundle: Path) -> int:
    """Append :data:`PAYLOAD` to every value of every text column of every table of a published
    bundle, except ``period`` (the bundle's key). Returns the number of columns poisoned."""
    n = 0
    for path in sorted((bundle / "tables").glob("*.parquet")):
        frame = pd.read_parquet(path)
        cols = [
            c
            for c in frame.columns
            if c != "period"
            and (pd.api.types.is_string_dtype(frame[c]) or pd.api.types.is_object_dtype(frame[c]))
            and frame[c].map(lambda v: isinstance(v, str)).any()
        ]
        for col in cols:
            frame[col] = frame[col].map(
                lambda v: f"{v}{PAYLOAD}" if isinstance(v, str) and PAYLOAD not in v else v
            )
        if cols:
            frame.to_parquet(path)
            n += len(cols)
    return n
