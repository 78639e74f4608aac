"""Importing survey exports (问卷星, 腾讯问卷, Google Forms, or canonical files) through an instrument.

Headers may be item ids or question texts as platforms write them: numbered
(``1、``, ``Q3.``, ``第2题``), with type or required marks (``(必填)``,
``【单选题】``, ``*``), in full-width punctuation. :func:`map_response_columns`
normalises every header and matches it against each item's id, zh and en text
and ``aliases``, and the platforms' own columns (``提交答卷时间`` →
``submitted_at``, ``所用时间`` → ``duration_s``, ``Timestamp`` …). Answers are
mapped too: ``10分`` → 10, option labels (``是`` / ``Yes``) → option values,
platform separators of multiple choices (``┋``, ``|``, ``、``, ``,``) → ``;``,
Likert labels (非常同意 … / Strongly agree …) → 1–5, skipped markers
(``(跳过)``, ``(空)``) → missing. Every problem is reported in one DataError.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, DataProblem
from sales_analytics.surveys.instruments import Instrument, Item

__all__ = ["map_response_columns", "normalise_header", "read_responses"]

log = logging.getLogger(__name__)

_PREFIX = re.compile(r"^\s*(?:第\s*\d+\s*题|q\s*\d+|\d+)\s*[、.．:：)\]）-]?\s*", re.I)
_SUFFIX = re.compile(
    r"\s*(?:[(（\[【]\s*(?:必填|必答|单选题?|多选题?|填空题?|量表题?|评分题?|矩阵.*?|required)"
    r"\s*[)）\]】]|\*)\s*$",
    re.I,
)
_PUNCT = re.compile(r"[\s?？。.!！,，:：;；、\"'“”‘’]+")

_PLATFORM_COLUMNS = {
    "response_id": ["response_id", "序号", "答卷编号", "编号", "id", "response id"],
    "submitted_at": [
        "submitted_at",
        "提交答卷时间",
        "提交时间",
        "答题时间",
        "timestamp",
        "submitted at",
        "时间戳记",
        "结束答题时间",
    ],
    "duration_s": ["duration_s", "所用时间", "答题时长", "用时", "duration", "duration (seconds)"],
    "customer_id": ["customer_id", "客户编号", "客户id", "客户代码"],
    "rep_id": ["rep_id", "销售编号", "销售id", "员工编号", "工号"],
    "team": ["team", "团队", "所在团队", "部门", "小组"],
    "session_id": ["session_id", "培训编号", "课程编号", "场次编号"],
}
_SKIPPED = {"(跳过)", "（跳过）", "(空)", "（空）", "-3", "-2", "n/a", "na", "", "不适用"}
_LIKERT_LABELS = {
    "非常不同意": 1,
    "不同意": 2,
    "一般": 3,
    "中立": 3,
    "说不清": 3,
    "同意": 4,
    "非常同意": 5,
    "strongly disagree": 1,
    "disagree": 2,
    "neutral": 3,
    "neither agree nor disagree": 3,
    "agree": 4,
    "strongly agree": 5,
    "非常不满意": 1,
    "不满意": 2,
    "满意": 4,
    "非常满意": 5,
}
_MULTI_SEPARATORS = re.compile(r"\s*(?:┋|\||、|;|；|,|，)\s*")
_LEADING_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)")


def normalise_header(text: object) -> str:
    """A header or question text reduced for matching (numbering, marks, punctuation, case removed).

    >>> normalise_header("1、您向朋友推荐我们的可能性有多大？(必填)")
    '您向朋友推荐我们的可能性有多大'
    >>> normalise_header("Q3. How easy was it to buy? *")
    'howeasywasittobuy'
    """
    s = unicodedata.normalize("NFKC", str(text)).strip()
    for _ in range(2):
        s = _SUFFIX.sub("", s)
        s = _PREFIX.sub("", s)
    return _PUNCT.sub("", s).lower()


def _lookup(instrument: Instrument) -> dict[str, str]:
    table: dict[str, str] = {}
    for col, names in _PLATFORM_COLUMNS.items():
        for name in names:
            table.setdefault(normalise_header(name), col)
    for it in instrument.items:
        for name in (it.id, it.text.zh, it.text.en, *it.aliases):
            table[normalise_header(name)] = it.id
    return table


def _numeric(values: pd.Series, item: Item) -> tuple[pd.Series, np.ndarray]:
    text = values.astype("str").str.strip()
    nfkc = text.map(lambda v: unicodedata.normalize("NFKC", v) if isinstance(v, str) else v)
    skipped = nfkc.str.lower().isin(_SKIPPED) | nfkc.isna()
    label = (
        nfkc.str.lower().map(_LIKERT_LABELS)
        if item.type in ("likert", "csat")
        else pd.Series(np.nan, index=values.index)
    )
    num = pd.to_numeric(nfkc.str.extract(_LEADING_NUMBER, expand=False), errors="coerce")
    out = num.where(num.notna(), label).where(~skipped)
    bad = (out.isna() & ~skipped).to_numpy()
    return out.astype(float), bad


def _choice(values: pd.Series, item: Item) -> tuple[pd.Series, np.ndarray]:
    by_label = {}
    for o in item.options or []:
        for name in (o.value, o.zh, o.en):
            by_label[unicodedata.normalize("NFKC", name).strip().lower()] = o.value
    text = values.astype("str").str.strip()
    skipped = text.isna() | text.str.lower().isin(_SKIPPED)
    if item.type == "single_choice":
        out = text.map(
            lambda v: by_label.get(unicodedata.normalize("NFKC", v).lower()) if isinstance(v, str) else None
        )
    else:

        def many(v: object) -> str | None:
            if not isinstance(v, str):
                return None
            parts = [
                by_label.get(unicodedata.normalize("NFKC", p).lower())
                for p in _MULTI_SEPARATORS.split(v)
                if p
            ]
            return None if any(p is None for p in parts) else ";".join(parts)

        out = text.map(many)
    out = out.where(~skipped)
    bad = (out.isna() & ~skipped).to_numpy()
    return out.astype("str"), bad


def _duration(values: pd.Series) -> pd.Series:
    """Seconds from ``125``, ``125秒``, ``2分5秒`` or ``00:02:05``."""

    def one(v: object) -> float:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return np.nan
        s = str(v).strip()
        m = re.fullmatch(
            r"(?:(\d+)\s*(?:小时|h))?\s*(?:(\d+)\s*(?:分钟?|m|min))?\s*(?:(\d+(?:\.\d+)?)\s*(?:秒|s))?", s
        )
        if m and any(m.groups()):
            h, mi, se = (float(x) if x else 0.0 for x in m.groups())
            return h * 3600 + mi * 60 + se
        if re.fullmatch(r"\d+:\d{1,2}(:\d{1,2})?", s):
            parts = [float(p) for p in s.split(":")]
            return sum(p * 60**i for i, p in enumerate(reversed(parts)))
        try:
            return float(s)
        except ValueError:
            return np.nan

    return values.map(one).astype(float)


def map_response_columns(
    raw: pd.DataFrame, instrument: Instrument, *, file: str = "<responses>"
) -> pd.DataFrame:
    """Rename an export's columns to item ids and canonical columns, and map its answers.

    Parameters
    ----------
    raw : the export as read (one column per question, platform columns).
    instrument : the instrument the export answers.
    file : the file name used in error messages.

    Returns
    -------
    ``response_id, submitted_at, <grouping>, <item ids>, duration_s`` (when
    present); a missing ``response_id`` is numbered ``<file stem>-1…``. Unmatched
    columns are dropped (logged).

    Examples
    --------
    >>> from sales_analytics.surveys.instruments import load_instruments
    >>> inst = load_instruments()["customer_satisfaction"]
    >>> raw = pd.DataFrame({"序号": [1, 2], "提交答卷时间": ["2026/3/5 10:01:02", "2026/3/6 11:00:00"],
    ...     "所用时间": ["95秒", "2分5秒"], "客户编号": ["C1", "C2"], "销售编号": "R1", "团队": "A",
    ...     "1、您向朋友推荐我们的可能性有多大？(必填)": ["10", "6分"],
    ...     "2、近一个月销售顾问是否对您进行过回访？【单选题】": ["是", "否"],
    ...     "3、您希望通过哪些方式接收回访？": ["电话┋微信", "(跳过)"]})
    >>> map_response_columns(raw, inst)[["response_id", "nps", "followup_visit", "followup_channel", "duration_s"]]
      response_id   nps followup_visit followup_channel  duration_s
    0           1  10.0            yes     phone;wechat        95.0
    1           2   6.0             no              NaN       125.0
    """
    lookup = _lookup(instrument)
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    problems: list[DataProblem] = []
    for col in raw.columns:
        target = lookup.get(normalise_header(col))
        if target is None:
            continue
        if target in seen:
            problems.append(
                DataProblem(
                    file,
                    f"two columns map to {target!r}: {seen[target]!r} and {col!r}",
                    column=str(col),
                    expected="one column per item",
                )
            )
            continue
        seen[target] = str(col)
        mapping[col] = target
    ignored = [c for c in raw.columns if c not in mapping]
    if ignored:
        log.info("%s: columns not in instrument %s ignored: %s", file, instrument.id, ignored)
    out = raw[list(mapping)].rename(columns=mapping).copy()
    if "response_id" not in out:
        stem = Path(file).stem
        out.insert(0, "response_id", [f"{stem}-{i}" for i in range(1, len(out) + 1)])
    out["response_id"] = out["response_id"].astype("str")
    missing = [c for c in ("submitted_at", *instrument.grouping) if c not in out]
    if missing:
        wanted = {c: _PLATFORM_COLUMNS[c][:3] for c in missing}
        problems.append(
            DataProblem(
                file,
                f"no column for {missing}",
                expected=f"headers such as {wanted}",
                found=", ".join(map(str, raw.columns[:10])),
            )
        )
    for it in instrument.items:
        if it.id not in out:
            continue
        if it.numeric:
            out[it.id], bad = _numeric(out[it.id], it)
            expected = f"a number from {it.bounds[0]} to {it.bounds[1]}"
        elif it.type in ("single_choice", "multi_choice"):
            col_raw = out[it.id]
            out[it.id], bad = _choice(col_raw, it)
            expected = f"one of {[o.zh for o in it.options or []]} / {it.option_values()}"
        else:
            out[it.id] = out[it.id].astype("str")
            continue
        if bad.any():
            rows = tuple(int(i) + 2 for i in np.flatnonzero(bad)[:5])  # +2: 1-based, after the header row
            problems.append(
                DataProblem(
                    file,
                    f"{int(bad.sum())} answers cannot be read",
                    column=seen[it.id],
                    rows=rows,
                    count=int(bad.sum()),
                    expected=expected,
                    found=str(raw[seen[it.id]].to_numpy()[bad][0]),
                )
            )
    if problems:
        raise DataError(problems)
    if "submitted_at" in out:
        out["submitted_at"] = pd.to_datetime(out["submitted_at"], errors="coerce", format="mixed")
    if "duration_s" in out:
        out["duration_s"] = _duration(out["duration_s"])
    for c in instrument.grouping:
        out[c] = out[c].astype("str")
    order = [
        "response_id",
        "submitted_at",
        *instrument.grouping,
        *[i for i in instrument.item_ids if i in out],
        *(["duration_s"] if "duration_s" in out else []),
    ]
    return out[order]


def read_responses(path: str | Path, instrument: Instrument, *, sheet: str | int = 0) -> pd.DataFrame:
    """Read a CSV or XLSX export and map it through the instrument (see :func:`map_response_columns`).

    CSV encodings are detected (UTF-8 with or without BOM, GB18030 as 问卷星 and
    Excel in China write, others by charset detection).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError([DataProblem(str(path), "file not found", expected="a CSV or XLSX survey export")])
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xls", ".xlsm"):
            raw = pd.read_excel(path, sheet_name=sheet, dtype=object)
        elif suffix in (".csv", ".txt"):
            data = path.read_bytes()
            text = None
            for enc in ("utf-8-sig", "gb18030"):
                try:
                    text = data.decode(enc)
                    break
                except UnicodeDecodeError:
                    continue
            if text is None:
                from charset_normalizer import from_bytes

                best = from_bytes(data).best()
                if best is None:
                    raise DataError(
                        [
                            DataProblem(
                                str(path), "cannot tell the text encoding", expected="UTF-8 or GB18030 text"
                            )
                        ]
                    )
                text = str(best)
            raw = pd.read_csv(io.StringIO(text), dtype=object, keep_default_na=False, na_values=[""])
        else:
            raise DataError(
                [
                    DataProblem(
                        str(path), f"unsupported file type {suffix!r}", expected=".csv or .xlsx", found=suffix
                    )
                ]
            )
    except (ValueError, OSError) as exc:
        raise DataError(
            [DataProblem(str(path), f"cannot be read: {exc}", expected="a CSV or XLSX export")]
        ) from None
    return map_response_columns(raw, instrument, file=path.name)
