"""JSON and JSON Lines files: record lists, Zoho record pages, Fxiaoke query results, WeCom messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sales_analytics.io.rawtable import _HEAD_BYTES, RawTable, _fail, detect_encoding

__all__ = ["flatten_records", "read_json", "records_of"]


_PAGE_HELP = (
    "a list of records, a Zoho record page {data, info}, a Fxiaoke query result "
    "{data: {dataList}}, or one record per line (JSON Lines)"
)


def records_of(obj: Any, name: str) -> list[dict[str, Any]]:
    """The records of a parsed JSON document (list, Zoho page, Fxiaoke result, one message)."""
    if isinstance(obj, list):
        if all(isinstance(r, dict) for r in obj):
            return obj
        raise _fail(
            name,
            "the JSON list holds values that are not records",
            expected=_PAGE_HELP,
            found=type(next(r for r in obj if not isinstance(r, dict))).__name__,
        )
    if not isinstance(obj, dict):
        raise _fail(name, "JSON is not a record page", expected=_PAGE_HELP, found=type(obj).__name__)
    if "errorCode" in obj and obj.get("errorCode") not in (0, "0"):
        raise _fail(
            name,
            f"the Fxiaoke response is an error: {obj.get('errorMessage') or obj.get('errorDescription')}",
            expected="errorCode 0",
            found=str(obj.get("errorCode")),
        )
    data = obj.get("data")
    if isinstance(data, list) and ("info" in obj or all(isinstance(r, dict) for r in data)):
        return records_of(data, name)
    if isinstance(data, dict) and isinstance(data.get("dataList"), list):
        return records_of(data["dataList"], name)
    if isinstance(obj.get("dataList"), list):
        return records_of(obj["dataList"], name)
    if "chatdata" in obj:
        raise _fail(
            name, "holds encrypted WeCom chat data", expected="decrypted messages (one JSON per message)"
        )
    if "msgid" in obj:
        return [obj]
    raise _fail(
        name,
        "JSON is not a record page",
        expected=_PAGE_HELP,
        found="an object with keys " + ", ".join(list(map(str, obj))[:8]),
    )


def read_json(p: Path, name: str, encoding: str | None, lines: bool) -> RawTable:
    raw = p.read_bytes()
    enc = detect_encoding(raw[:_HEAD_BYTES], name, len(raw) <= _HEAD_BYTES, encoding)
    try:
        text = raw.decode(enc).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise _fail(name, f"cannot be decoded as {enc} (byte {exc.start + 1})") from None
    records: list[dict[str, Any]]
    if not lines:
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            stripped = text.strip()
            if stripped.startswith("{") and "\n{" in stripped:
                lines = True
            else:
                raise _fail(
                    name,
                    f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
                    expected=_PAGE_HELP,
                ) from None
        else:
            records = records_of(obj, name)
    row_numbers = None
    if lines:
        records, numbers, bad = [], [], []
        for no, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                bad.append(no)
                continue
            if not isinstance(rec, dict):
                bad.append(no)
                continue
            records.append(rec)
            numbers.append(no)
        if bad:
            raise _fail(
                name,
                "lines are not JSON records",
                rows=tuple(bad[:5]),
                count=len(bad),
                expected="one JSON object per line",
            )
        row_numbers = np.asarray(numbers, dtype=np.int64)
    if not records:
        raise _fail(name, "holds no records", expected=_PAGE_HELP)
    frame = flatten_records(records)
    return RawTable(
        frame, name, "jsonl" if lines else "json", first_row=1, row_numbers=row_numbers, encoding=enc
    )


def flatten_records(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Records to a frame; nested objects become ``field.key`` columns (``Owner.id``, ``text.content``).

    >>> flatten_records([{"id": "1", "Owner": {"id": "9", "name": "Li"}}]).columns.tolist()
    ['id', 'Owner.id', 'Owner.name']
    """
    frame = pd.json_normalize(records, sep=".", max_level=2)
    return frame.rename(columns=str)
