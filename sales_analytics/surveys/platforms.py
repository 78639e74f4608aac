"""Survey platform exports as the platforms write them: which platform, and its layout undone.

:func:`prepare_export` takes a file as :func:`sales_analytics.io.read_source_file`
read it (first row as the header, repeated headers numbered) and returns an
:class:`Export`: one column per question with the header texts to match
against the instrument, the platform's own columns renamed to
``response_id`` / ``submitted_at`` / ``started_at`` / ``duration_s``, the
time zone the platform wrote its times in (when it says), and the file row
of each response.

======================  ========================================================
platform                what is undone
======================  ========================================================
``wjx`` 问卷星           ``序号, 提交答卷时间, 所用时间 (137秒)``; times in Beijing time
``tencent`` 腾讯问卷     BOM, quoted fields, trailing comma, repeated headers,
                        ``=Hyperlink(…)`` cells, tab-prefixed ids
``qualtrics``           three header rows (tags, question texts, ImportId JSON
                        with ``timeZone``) or the legacy two rows
``surveymonkey``        two header rows (one if the file lost the second); a
                        checkbox question spread over one column per option is
                        joined into one answer
``google_forms``        ``Timestamp`` with a zone (``GMT+8``, ``AST``)
``ms_forms``            ``ID, Start time, Completion time, Email, Name``
``generic``             anything else with question headers
======================  ========================================================
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sales_analytics.io.readers import RawTable

__all__ = ["PLATFORMS", "Export", "clean_cells", "detect_platform", "prepare_export"]

#: Platforms recognised, with their names in both languages.
PLATFORMS = {
    "wjx": "问卷星 (wjx.cn)",
    "tencent": "腾讯问卷 (wj.qq.com)",
    "qualtrics": "Qualtrics",
    "surveymonkey": "SurveyMonkey",
    "google_forms": "Google Forms",
    "ms_forms": "Microsoft Forms",
    "generic": "other (question texts as headers)",
}

#: Platform columns: canonical name -> headers, most preferred first (casefolded match).
META_COLUMNS: dict[str, tuple[str, ...]] = {
    "response_id": (
        "response_id",
        "responseid",
        "response id",
        "respondent id",
        "序号",
        "答卷编号",
        "编号",
        "id",
        "v1",
    ),
    "submitted_at": (
        "submitted_at",
        "提交答卷时间",
        "结束答题时间",
        "提交时间",
        "答题时间",
        "recordeddate",
        "recorded date",
        "enddate",
        "end date",
        "completion time",
        "timestamp",
        "时间戳记",
        "submitted at",
        "v9",
    ),
    "started_at": ("started_at", "开始答题时间", "startdate", "start date", "start time", "v8"),
    "duration_s": (
        "duration_s",
        "所用时间",
        "答题时长",
        "用时",
        "duration (in seconds)",
        "duration",
        "duration (seconds)",
    ),
}

_IMPORT_ID = re.compile(r'^\s*\{\s*"ImportId"\s*:', re.I)
_HYPERLINK = re.compile(r'^=\s*hyperlink\(\s*"([^"]*)"\s*(?:[,;]\s*"([^"]*)"\s*)?\)\s*$', re.I)
_EXCEL_TEXT = re.compile(r'^=\s*"(.*)"\s*$')
_SM_SUBHEADERS = {"response", "open-ended response", ""}


@dataclass
class Export:
    """A platform export with its layout undone (see the module docstring)."""

    frame: pd.DataFrame
    platform: str
    texts: dict[str, list[str]]
    row_numbers: np.ndarray
    timezone: str | None = None
    notes: list[str] = field(default_factory=list)


def _fold(text: object) -> str:
    return str(text).strip().casefold()


def detect_platform(columns: list[str], first_rows: pd.DataFrame | None = None) -> str:
    """The platform that wrote a file with these headers (and first data rows).

    >>> detect_platform(["序号", "提交答卷时间", "所用时间", "来源", "1、您的团队"])
    'wjx'
    >>> detect_platform(["ID", "Start time", "Completion time", "Email", "Name", "Q"])
    'ms_forms'
    """
    have = {_fold(c) for c in columns}
    first = ""
    if first_rows is not None and len(first_rows) and len(first_rows.columns):
        first = str(first_rows.iloc[:2, 0].tolist())
    if _IMPORT_ID.search(first.strip("['\"")) or '{"importid"' in first.casefold():
        return "qualtrics"
    if {"startdate", "enddate"} <= have and have & {"responseid", "finished", "recordeddate", "status"}:
        return "qualtrics"
    if {"v1", "v8", "v9"} <= have or ({"responseid", "responseset"} <= have):
        return "qualtrics"
    if {"respondent id", "collector id"} <= have:
        return "surveymonkey"
    if {"start time", "completion time"} <= have:
        return "ms_forms"
    if "提交答卷时间" in have and ("序号" in have or "所用时间" in have):
        return "wjx"
    if have & {"开始答题时间", "结束答题时间"} or ("编号" in have and "答题时长" in have):
        return "tencent"
    if have & {"timestamp", "时间戳记"}:
        return "google_forms"
    return "generic"


def clean_cells(values: pd.Series) -> pd.Series:
    """Cell texts as a person reads them: tab/space-trimmed, ``=Hyperlink("u","t")`` -> ``t``.

    >>> clean_cells(pd.Series(['\\t8812', '=HYPERLINK("https://x/1.png","查看文件")', '="007"'])).tolist()
    ['8812', '查看文件', '007']
    """
    if values.dtype != object and not pd.api.types.is_string_dtype(values.dtype):
        return values

    def one(v: object) -> object:
        if not isinstance(v, str):
            return v
        s = v.strip().strip("\t").strip()
        if s.startswith("="):
            m = _HYPERLINK.match(s)
            if m:
                return m.group(2) or m.group(1)
            m = _EXCEL_TEXT.match(s)
            if m:
                return m.group(1)
        return s if s else np.nan

    return values.map(one).astype(object)


def _time_zone_of(import_ids: pd.Series) -> str | None:
    for cell in import_ids:
        try:
            data = json.loads(str(cell))
        except (ValueError, TypeError):
            continue
        if isinstance(data, dict) and data.get("timeZone"):
            tz = str(data["timeZone"])
            return "UTC" if tz in ("Z", "z") else tz
    return None


def _qualtrics(frame: pd.DataFrame, texts: dict[str, list[str]]) -> tuple[int, str | None]:
    """Header rows under the tag row: 2 (text + ImportId) or 1 (legacy text row). Adds texts."""
    first = frame.iloc[:2].astype("str")
    if len(frame) >= 2 and first.iloc[1].str.match(_IMPORT_ID).sum() >= max(1, len(frame.columns) // 2):
        skip, tz = 2, _time_zone_of(frame.iloc[1])
    elif len(frame) >= 1 and (
        _fold(frame.iloc[0, 0]) in ("start date", "responseid", "response id")
        or first.iloc[0].str.match(_IMPORT_ID).sum() >= max(1, len(frame.columns) // 2)
    ):
        skip, tz = 1, None
    else:
        return 0, None
    for col in frame.columns:
        text = frame[col].iloc[0]
        if isinstance(text, str) and text.strip() and not _IMPORT_ID.match(text):
            texts[col].append(text)
            if " - " in text:  # matrix rows: "Question - row label"
                texts[col].append(text.rsplit(" - ", 1)[1])
    return skip, tz


def _has_subheader(frame: pd.DataFrame) -> bool:
    """SurveyMonkey's second header row leaves Respondent ID empty; a data row never does (a file
    re-saved without that row keeps every row as an answer)."""
    if not len(frame):
        return False
    rid = next(c for c in frame.columns if _fold(c) == "respondent id")
    cell = frame[rid].iloc[0]
    return bool(pd.isna(cell)) or not str(cell).strip()


def _surveymonkey(frame: pd.DataFrame, texts: dict[str, list[str]]) -> tuple[pd.DataFrame, list[str]]:
    """Undo the second header row; join a checkbox question's option columns into one answer."""
    sub = frame.iloc[0]
    body = frame.iloc[1:]
    groups: list[tuple[str, list[str]]] = []
    for col in frame.columns:
        is_blank = str(col).startswith("column_")
        if is_blank and groups:
            groups[-1][1].append(col)
        else:
            groups.append((str(col), [col]))
    out: dict[str, pd.Series] = {}
    notes = []
    for question, cols in groups:
        labels = [str(sub[c]).strip() if isinstance(sub[c], str) else "" for c in cols]
        if len(cols) == 1 and labels[0].casefold() in _SM_SUBHEADERS:
            out[cols[0]] = body[cols[0]]
            continue
        cells = [body[c] for c in cols]
        checkbox = len(cols) > 1 and all(
            cell.dropna().astype("str").str.strip().isin([lab]).all() for cell, lab in zip(cells, labels)
        )
        if checkbox:
            parts = pd.concat([c.astype(object) for c in cells], axis=1)
            joined = parts.apply(lambda r: ";".join(str(v) for v in r if isinstance(v, str) and v), axis=1)
            out[question] = joined.replace("", np.nan)
            texts[question] = [question]
            notes.append(f"checkbox question {question[:40]!r}: {len(cols)} option columns joined")
            continue
        for c, lab in zip(cols, labels):
            key = c if c not in out else f"{c}.{lab}"
            out[key] = body[c]
            texts[key] = (
                [f"{question} - {lab}", lab, question] if lab.casefold() not in _SM_SUBHEADERS else [question]
            )
    return pd.DataFrame(out, index=body.index), notes


def prepare_export(raw: RawTable) -> Export:
    """Detect the platform of a read file and undo its layout (see the module docstring)."""
    frame = raw.frame.copy()
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    # a trailing comma on every line (腾讯问卷) leaves an empty last column
    empty_tail = [c for c in frame.columns if c.startswith("column_") and frame[c].isna().all()]
    frame = frame.drop(columns=empty_tail)
    rows = (
        raw.row_numbers
        if raw.row_numbers is not None
        else np.arange(len(frame), dtype=np.int64) + raw.first_row
    )
    rows = np.asarray(rows, dtype=np.int64)
    platform = detect_platform(list(frame.columns), frame.head(2))
    texts: dict[str, list[str]] = {
        c: [re.sub(r"\.\d+$", "", c)] if re.search(r"\.\d+$", c) else [c] for c in frame.columns
    }
    tz: str | None = None
    notes: list[str] = []
    if platform == "qualtrics":
        skip, tz = _qualtrics(frame, texts)
        if skip:
            notes.append(f"Qualtrics: {skip} header row(s) under the export tags")
        frame, rows = frame.iloc[skip:], rows[skip:]
    elif platform == "surveymonkey" and _has_subheader(frame):
        frame, more = _surveymonkey(frame, texts)
        rows = rows[1:]
        notes += more
    if platform in ("wjx", "tencent"):
        tz = "Asia/Shanghai"  # both write Beijing time, whatever the team's zone
    frame = frame.apply(clean_cells)
    frame = frame.reset_index(drop=True)
    return Export(frame, platform, texts, rows, tz, notes)
