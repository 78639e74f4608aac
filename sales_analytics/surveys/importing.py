"""Importing survey exports (问卷星, 腾讯问卷, Qualtrics, SurveyMonkey, Google/Microsoft Forms) through an instrument.

Files are read by :mod:`sales_analytics.io` (encoding, delimiter, XLSX) and
their platform layout undone by :mod:`.platforms`. Headers may be item ids or
question texts as platforms write them: numbered (``1、``, ``Q3.``, ``第2题``),
with type or required marks (``(必填)``, ``【单选题】``, ``*``), in full-width
punctuation. :func:`map_response_columns` normalises every header and matches
it against each item's id, zh and en text and ``aliases``, the instrument's
``group_sources`` and the platforms' own columns (``提交答卷时间`` ->
``submitted_at``, ``所用时间`` -> ``duration_s``, ``RecordedDate``,
``Timestamp``, ``Completion time`` …). Answers are mapped too: ``10分`` / ``5 -
It's extremely important`` -> the number, option labels (``是`` / ``Yes`` /
``B.没有发现问题``, trailing punctuation and spaces ignored, ``〖…〗`` fill-in
text dropped) or option codes (按选项序号) -> option values, item and label-set
labels and the platforms' default Likert / satisfaction labels -> numbers,
multiple choices split on ``┋ ; | 、 ,`` -> ``;``, skipped markers (``(跳过)``,
``(空)``) -> missing. Every problem is reported in one DataError; a file where
no question matches an item, or whose times do not parse, is an error, never
an empty import.
"""

from __future__ import annotations

import difflib
import logging
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, DataProblem
from sales_analytics.surveys.instruments import Instrument, Item
from sales_analytics.surveys.platforms import META_COLUMNS, Export, prepare_export
from sales_analytics.vocabulary import renamed_arguments

__all__ = [
    "DEFAULT_ANSWER_LABELS",
    "apply_rosters",
    "resolve_rosters",
    "survey_export_table",
    "map_export",
    "map_response_columns",
    "normalise_answer",
    "normalise_header",
    "parse_export_times",
    "read_responses",
]

log = logging.getLogger(__name__)

_PREFIX = re.compile(r"^\s*(?:第\s*\d+\s*题|q\s*\d+(?:[_.]\d+)*|\d+)\s*[、.．:：)\]）-]?\s*", re.I)
_SUFFIX = re.compile(
    r"\s*(?:[(（\[【]\s*(?:必填|必答|单选题?|多选题?|填空题?|量表题?|评分题?|矩阵.*?|required)"
    r"\s*[)）\]】]|\*)\s*$",
    re.I,
)
_PUNCT = re.compile(r"[\s?？。.!！,，:：;；、\"'“”‘’]+")

#: Headers of grouping columns an export may already carry.
_GROUP_HEADERS = {
    "customer_id": ("customer_id", "客户编号", "客户id", "客户代码"),
    "rep_id": ("rep_id", "销售编号", "销售id", "员工编号", "工号"),
    "team": ("team", "团队", "所在团队", "部门", "小组"),
    "session_id": ("session_id", "培训编号", "课程编号", "场次编号"),
}
_SKIPPED = {
    "(跳过)",
    "（跳过）",
    "(空)",
    "（空）",
    "跳过",
    "空",
    "-3",
    "-2",
    "n/a",
    "na",
    "",
    "不适用",
    "nan",
}

#: Answer labels every numeric item understands on a 1–5 scale (问卷星 / 腾讯问卷 defaults, English CSAT
#: and Likert labels), keyed by :func:`normalise_answer`. Items and label sets can add or override.
DEFAULT_ANSWER_LABELS: dict[str, int] = {
    k: v
    for v, labels in {
        1: (
            "非常不同意",
            "非常不满意",
            "非常不符合",
            "完全不符合",
            "完全不同意",
            "很不满意",
            "strongly disagree",
            "very dissatisfied",
            "extremely dissatisfied",
            "very unsatisfied",
        ),
        2: (
            "不同意",
            "比较不同意",
            "不满意",
            "比较不满意",
            "不符合",
            "比较不符合",
            "不太符合",
            "disagree",
            "somewhat disagree",
            "dissatisfied",
            "somewhat dissatisfied",
            "unsatisfied",
        ),
        3: (
            "一般",
            "中立",
            "说不清",
            "不确定",
            "neutral",
            "neither agree nor disagree",
            "neither satisfied nor dissatisfied",
            "neither",
        ),
        4: (
            "同意",
            "比较同意",
            "满意",
            "比较满意",
            "符合",
            "比较符合",
            "agree",
            "somewhat agree",
            "satisfied",
            "somewhat satisfied",
        ),
        5: (
            "非常同意",
            "非常满意",
            "非常符合",
            "完全符合",
            "完全同意",
            "strongly agree",
            "very satisfied",
            "extremely satisfied",
        ),
    }.items()
    for k in (re.sub(r"\s+", "", lab).casefold() for lab in labels)
}
_MULTI_SEPARATORS = ("┋", ";", "；", "|", "、", ",", "，")
_LEADING_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)(?!\s*[:/-]\s*\d)")
_LETTER = re.compile(r"^[A-Za-z][.、．)）]\s*(?=\S)")
_FILL_IN = re.compile(r"[〖【\[]([^〗】\]]*)[〗】\]]\s*$")
_TRAILING = re.compile(r"[\s。.!！,，;；:：?？、…~～]+$")


def normalise_header(text: object) -> str:
    """A header or question text reduced for matching (numbering, marks, punctuation, case removed).

    A header that is only a number tag (``Q1``, ``Q2_3``) keeps it, so that
    Qualtrics' tags stay distinct.

    >>> normalise_header("1、您向朋友推荐我们的可能性有多大？(必填)")
    '您向朋友推荐我们的可能性有多大'
    >>> normalise_header("Q3. How easy was it to buy? *")
    'howeasywasittobuy'
    >>> normalise_header("Q1"), normalise_header("Q2_1")
    ('q1', 'q2_1')
    """
    s = unicodedata.normalize("NFKC", str(text)).strip()
    for _ in range(2):
        stripped = _PREFIX.sub("", _SUFFIX.sub("", s))
        if not _PUNCT.sub("", stripped):
            break
        s = stripped
    return _PUNCT.sub("", s).lower()


def normalise_answer(text: object) -> str:
    """An answer reduced for matching an option or label.

    Lettered options (``B.没有发现问题``), 问卷星 fill-in text (``其他〖…〗``),
    trailing punctuation and all spaces are dropped; case is folded.

    >>> normalise_answer("B.没有发现问题"), normalise_answer("其他〖朋友介绍〗"), normalise_answer(" Very satisfied. ")
    ('没有发现问题', '其他', 'verysatisfied')
    """
    s = unicodedata.normalize("NFKC", str(text)).strip()
    s = _FILL_IN.sub("", s).strip()
    s = _LETTER.sub("", s)
    s = _TRAILING.sub("", s)
    return re.sub(r"\s+", "", s).casefold()


def _text(v: object) -> str:
    """A cell as text; a whole number read as a float (``1.0`` from Excel) loses its ``.0``."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _is_skipped(v: object) -> bool:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return True
    return unicodedata.normalize("NFKC", str(v)).strip().casefold() in _SKIPPED


# ------------------------------------------------------------------ answers


def _labels_of(item: Item, instrument: Instrument) -> dict[str, float]:
    table: dict[str, float] = {}
    lo, hi = item.bounds
    if (lo, hi) == (1, 5):
        table.update(DEFAULT_ANSWER_LABELS)
    sets = [instrument.label_sets[item.label_set]] if item.label_set else []
    for labels in [*sets, item.labels]:
        for value, names in labels.items():
            for name in [names] if isinstance(names, str) else names:
                table[normalise_answer(name)] = float(value)
    return table


def _numeric(values: pd.Series, item: Item, instrument: Instrument) -> tuple[pd.Series, np.ndarray]:
    labels = _labels_of(item, instrument)
    codes = {float(k): float(v) for k, v in item.codes.items()}

    def one(v: object) -> float | None:
        if _is_skipped(v):
            return np.nan
        if isinstance(v, int | float) and not isinstance(v, bool):
            num = float(v)
        else:
            key = normalise_answer(v)
            if key in labels:
                return labels[key]
            m = _LEADING_NUMBER.match(unicodedata.normalize("NFKC", str(v)))
            if not m:
                return None
            num = float(m.group(1))
        return codes.get(num, num) if codes else num

    out = values.map(one)
    bad = out.isna().to_numpy() & ~values.map(_is_skipped).to_numpy().astype(bool)
    return out.astype(float), bad


def _option_table(item: Item) -> tuple[dict[str, str], dict[float, str]]:
    by_label: dict[str, str] = {}
    by_code: dict[float, str] = {}
    for pos, o in enumerate(item.options or [], start=1):
        for name in (o.value, o.zh, o.en, *o.aliases):
            by_label.setdefault(normalise_answer(name), o.value)
        by_code[float(o.code if o.code is not None else pos)] = o.value
    return by_label, by_code


def _split_multi(text: str, match: Any) -> list[str] | None:
    """Split on the first separator whose every part is an option (options may contain commas)."""
    whole = match(text)
    if whole is not None:
        return [whole]
    for sep in _MULTI_SEPARATORS:
        if sep in text:
            parts = [match(p) for p in text.split(sep) if p.strip()]
            if parts and all(p is not None for p in parts):
                return [p for p in parts if p is not None]
    return None


def _choice(values: pd.Series, item: Item) -> tuple[pd.Series, np.ndarray]:
    by_label, by_code = _option_table(item)

    def match(v: object) -> str | None:
        if isinstance(v, int | float) and not isinstance(v, bool):
            return by_code.get(float(v))
        key = normalise_answer(v)
        if key in by_label:
            return by_label[key]
        if re.fullmatch(r"\d+(?:\.0+)?", key):
            return by_code.get(float(key))
        return None

    def one(v: object) -> str | None:
        if _is_skipped(v):
            return None
        if item.type == "single_choice":
            return match(v)
        single = None if isinstance(v, str) else match(v)
        parts = _split_multi(str(v), match) if isinstance(v, str) else ([single] if single else None)
        return None if parts is None else ";".join(dict.fromkeys(parts))

    out = values.map(one)
    skipped = values.map(_is_skipped).to_numpy().astype(bool)
    bad = out.isna().to_numpy() & ~skipped
    return out.astype(object).where(out.notna(), np.nan), bad


def _duration(values: pd.Series) -> pd.Series:
    """Seconds from ``125``, ``125秒``, ``2分5秒`` or ``00:02:05``."""

    def one(v: object) -> float:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return np.nan
        if isinstance(v, int | float):
            return float(v)
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


# ------------------------------------------------------------------ times

#: Zone abbreviations platforms append to times (Google Forms); hours east of UTC.
_ZONE_ABBREVIATIONS = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "AST": -4,
    "ADT": -3,
    "EST": -5,
    "EDT": -4,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "BST": 1,
    "CET": 1,
    "CEST": 2,
    "HKT": 8,
    "SGT": 8,
    "JST": 9,
    "KST": 9,
    "CST": 8,  # China Standard Time, as Chinese platforms mean it
}
_ZONE_TAIL = re.compile(r"\s*(?:(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?|([A-Z]{1,5}))\s*$")
_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %I:%M:%S %p",
    "%Y/%m/%d %I:%M %p",
    "%Y/%m/%d",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y",
    "%m/%d/%y %H:%M:%S",  # Microsoft Forms results saved as CSV by Excel: 7/2/20 11:00:22
    "%m/%d/%y %H:%M",
    "%m/%d/%y",
    "%d-%b-%Y %H:%M:%S",
    "%d-%b-%Y %H:%M",
    "%d-%b-%Y",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
)


#: The same formats read day-first (``22/06/2022``), for exports from day-first locales.
_TIME_FORMATS_DAY_FIRST = tuple(f.replace("%m/%d/", "%d/%m/") for f in _TIME_FORMATS)


def _one_time(text: str, day_first: bool = False) -> tuple[pd.Timestamp | None, int | None]:
    """A naive timestamp and the offset in minutes east of UTC (None = not written)."""
    s = unicodedata.normalize("NFKC", text).strip()
    s = s.replace("上午", "AM").replace("下午", "PM")
    offset = None
    m = _ZONE_TAIL.search(s)
    if m:
        if m.group(1):
            offset = (int(m.group(2)) * 60 + int(m.group(3) or 0)) * (1 if m.group(1) == "+" else -1)
            s = s[: m.start()]
        elif m.group(4) in _ZONE_ABBREVIATIONS and m.group(4) not in ("AM", "PM"):
            offset = _ZONE_ABBREVIATIONS[m.group(4)] * 60
            s = s[: m.start()]
    iso = re.fullmatch(r"(.+?)([+-]\d{2}:?\d{2}|Z)", s)
    if iso and "T" in s:
        ts = pd.to_datetime(s, utc=True, errors="coerce")
        return (None, None) if pd.isna(ts) else (ts.tz_localize(None), 0)
    s = re.sub(r"\s+", " ", s.strip())
    for fmt in _TIME_FORMATS_DAY_FIRST if day_first else _TIME_FORMATS:
        try:
            return pd.Timestamp(pd.to_datetime(s, format=fmt)), offset
        except (ValueError, TypeError):
            continue
    return None, None


@renamed_arguments(tz="timezone")
def parse_export_times(
    values: pd.Series,
    *,
    source_tz: str | None = None,
    timezone: str = "Asia/Shanghai",
    day_first: bool = False,
) -> pd.Series:
    """Times as platforms write them -> naive times in ``timezone`` (NaT where unreadable).

    A written offset or zone (``GMT+8``, ``AST``, ``+00:00``) wins; times
    without one are in ``source_tz`` (the instrument's ``timezone``, or the
    zone a Qualtrics export names), else already in ``timezone``. Day-first
    ``02-Sep-2020``, month-first ``6/22/2022`` (US platforms; ``day_first``
    reads ``22/06/2022`` instead) and year-first ``2023/9/8`` are read.

    >>> parse_export_times(pd.Series(["2022/06/22 11:07:29 AM AST", "02-Sep-2020 07:44:08"]), timezone="UTC").tolist()
    [Timestamp('2022-06-22 15:07:29'), Timestamp('2020-09-02 07:44:08')]
    """
    out = []
    parsed: dict[str, tuple[pd.Timestamp | None, int | None]] = {}
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            out.append(pd.NaT)
            continue
        if isinstance(v, pd.Timestamp) or hasattr(v, "year"):
            ts, offset = pd.Timestamp(v), None
            if ts.tzinfo is not None:
                ts, offset = ts.tz_convert("UTC").tz_localize(None), 0
        elif isinstance(v, int | float):
            ts, offset = None, None
            if 20000 <= float(v) <= 80000:  # an Excel serial date
                ts = pd.Timestamp("1899-12-30") + pd.to_timedelta(round(float(v), 6), unit="D")
        else:
            text = str(v)
            if text not in parsed:  # each distinct text parsed once
                parsed[text] = _one_time(text, day_first)
            ts, offset = parsed[text]
        if ts is None or pd.isna(ts):
            out.append(pd.NaT)
            continue
        if offset is not None:
            inst = (ts - pd.Timedelta(minutes=offset)).tz_localize("UTC")
        else:
            try:
                inst = ts.tz_localize(source_tz or timezone, ambiguous="NaT", nonexistent="NaT")
            except (ValueError, TypeError):
                inst = pd.NaT
        out.append(pd.NaT if pd.isna(inst) else inst.tz_convert(timezone).tz_localize(None))
    return pd.Series(out, index=values.index, dtype="datetime64[ns]")


# ------------------------------------------------------------------ columns


def _lookup(instrument: Instrument) -> dict[str, str]:
    table: dict[str, str] = {}
    for col, names in _GROUP_HEADERS.items():
        for name in names:
            table.setdefault(normalise_header(name), col)
    for col, src in instrument.group_sources.items():
        for name in src.headers():
            table[normalise_header(name)] = f"group:{col}"
    for it in instrument.items:
        for name in (it.id, it.text.zh, it.text.en, *it.aliases):
            table[normalise_header(name)] = it.id
    return table


_META_RANK = {
    normalise_header(name): (col, rank)
    for col, names in META_COLUMNS.items()
    for rank, name in enumerate(names)
}


def _option_column(norm: str, instrument: Instrument) -> tuple[str, str] | None:
    """A multiple-choice item's option spread into its own column: ``question(option)`` / ``question - option``."""
    for it in instrument.items_of("multi_choice"):
        for name in (it.text.zh, it.text.en, *it.aliases):
            q = normalise_header(name)
            if q and norm.startswith(q) and len(norm) > len(q):
                rest = norm[len(q) :].strip("()（）-_")
                for o in it.options or []:
                    if rest in {normalise_answer(o.zh), normalise_answer(o.en), normalise_answer(o.value)}:
                        return it.id, o.value
    return None


def _at_rows(
    file: str, problem: str, mask: np.ndarray, rows: np.ndarray, values: Any, *, column: str, expected: str
) -> DataProblem:
    """A problem at the responses where ``mask`` is true, named by their file rows (``rows``)."""
    where = np.flatnonzero(mask)
    return DataProblem(
        file,
        problem.replace("{n}", str(len(where)), 1),
        column=column,
        rows=tuple(int(r) for r in rows[where[:5]]),
        count=len(where),
        expected=expected,
        found=str(np.asarray(values, dtype=object)[where[0]]),
    )


def _nearest(headers: list[str], instrument: Instrument) -> str:
    texts = {normalise_header(t): t for it in instrument.items for t in (it.text.zh, it.text.en)}
    lines = []
    for h in headers[:8]:
        close = difflib.get_close_matches(normalise_header(h), list(texts), n=1, cutoff=0.0)
        lines.append(f"{h!r} ~ {texts[close[0]]!r}" if close else repr(h))
    return "; ".join(lines)


@renamed_arguments(tz="timezone")
def map_export(
    export: Export,
    instrument: Instrument,
    *,
    file: str = "<responses>",
    timezone: str = "Asia/Shanghai",
    roster: Mapping[str, pd.DataFrame] | None = None,
    base_dir: Path | None = None,
    defer_tables: bool = False,
) -> pd.DataFrame:
    """Map a prepared export (:func:`~sales_analytics.surveys.platforms.prepare_export`) through an instrument.

    Returns ``response_id, submitted_at, <grouping>, <item ids>[, duration_s]``
    with ``submitted_at`` naive in ``timezone``. Grouping columns declared as a
    roster lookup are filled from ``roster`` (tables by name) or the roster
    file; without them the key column is kept as ``_roster_<column>`` for
    :func:`apply_rosters`.
    """
    raw = export.frame
    rows = export.row_numbers
    lookup = _lookup(instrument)
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    meta: dict[str, tuple[int, str]] = {}
    options: dict[str, list[tuple[str, str]]] = {}
    problems: list[DataProblem] = []
    unmatched: list[str] = []
    for col in raw.columns:
        texts = export.texts.get(col, [col])
        norms = [normalise_header(t) for t in texts]
        target = next((lookup[n] for n in norms if n in lookup), None)
        if target is None:
            ranked = [_META_RANK[n] for n in norms if n in _META_RANK]
            if ranked:
                name, rank = min(ranked, key=lambda r: r[1])
                if name not in meta or rank < meta[name][0]:
                    meta[name] = (rank, col)
                continue
            opt = next((o for n in norms if (o := _option_column(n, instrument)) is not None), None)
            if opt is not None:
                options.setdefault(opt[0], []).append((col, opt[1]))
                continue
            unmatched.append(str(col))
            continue
        if target in seen and re.fullmatch(re.escape(seen[target]) + r"\.\d+", str(col)):
            log.info(
                "%s: column %r repeats the header of %r (fill-in text); ignored", file, col, seen[target]
            )
            continue
        if target in seen:
            problems.append(
                DataProblem(
                    file,
                    f"two columns match {target!r}: {seen[target]!r} and {col!r}",
                    column=str(col),
                    expected="one column per item (rename one header or add an alias to the other item)",
                )
            )
            continue
        seen[target] = str(col)
        mapping[col] = target
    for name, (_, col) in meta.items():
        if name not in seen:
            seen[name] = str(col)
            mapping[col] = name
    item_ids = set(instrument.item_ids)
    matched_items = [t for t in mapping.values() if t in item_ids] + list(options)
    if not matched_items:
        raise DataError(
            [
                DataProblem(
                    file,
                    f"no question matches an item of instrument {instrument.id!r}",
                    expected="headers equal to item ids, texts or aliases (nearest: "
                    + _nearest(unmatched or [str(c) for c in raw.columns], instrument)
                    + ")",
                    found=", ".join(map(str, unmatched[:10])) or "no question columns",
                )
            ]
        )
    if unmatched:
        log.info("%s: columns not in instrument %s ignored: %s", file, instrument.id, unmatched)
    out = raw[list(mapping)].rename(columns=mapping).copy()
    for item_id, cols in options.items():
        parts = []
        for col, value in cols:
            picked = raw[col].map(
                lambda v: not _is_skipped(v) and normalise_answer(v) not in ("0", "false", "否", "no")
            )
            parts.append(np.where(picked.to_numpy(dtype=bool), value, ""))
        joined = [";".join(p for p in row if p) for row in zip(*parts)]
        out[item_id] = pd.Series(joined, index=raw.index).replace("", np.nan)
        seen[item_id] = ", ".join(c for c, _ in cols)
    if "response_id" not in out:
        stem = Path(file).stem
        out.insert(0, "response_id", [f"{stem}-{i}" for i in range(1, len(out) + 1)])
    out["response_id"] = out["response_id"].map(
        lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
    )
    # grouping
    pending_roster: list[str] = []
    for col in instrument.grouping:
        src = instrument.group_sources.get(col)
        if col in out:  # the export has the column itself
            out = out.drop(columns=[f"group:{col}"], errors="ignore")
            continue
        if src is not None and src.value is not None:
            out[col] = src.value
            continue
        if src is not None and src.roster is None and f"group:{col}" in out:
            values = out.pop(f"group:{col}")
            vmap = {normalise_answer(k): v for k, v in src.values.items()}
            out[col] = values.map(
                lambda v, vmap=vmap: (
                    np.nan if _is_skipped(v) else vmap.get(normalise_answer(_text(v)), _text(v))
                )
            )
            continue
        if src is not None and src.roster is not None:
            by = normalise_header(src.roster.by)
            if by in ("responseid", "response_id"):
                key = out["response_id"]
            else:
                hits = [
                    c for c in raw.columns if by in {normalise_header(t) for t in export.texts.get(c, [c])}
                ]
                key = raw[hits[0]] if hits else None
            if key is not None:
                out[f"_roster_{col}"] = key.to_numpy()
                pending_roster.append(col)
                continue
        wanted = (
            src.headers()
            if src is not None and src.roster is None
            else (
                [src.roster.by]
                if src is not None and src.roster is not None
                else list(_GROUP_HEADERS[col][:3])
            )
        )
        problems.append(
            DataProblem(
                file,
                f"no column for grouping {col!r}",
                expected=f"a header such as {wanted}, or a `group_sources: {{{col}: …}}` entry "
                "in the instrument (a question, a hidden field or a roster lookup)",
                found=", ".join(map(str, list(raw.columns)[:10])),
            )
        )
    if "submitted_at" not in out:
        problems.append(
            DataProblem(
                file,
                "no column for the submission time",
                expected=f"a header such as {list(META_COLUMNS['submitted_at'][1:6])}",
                found=", ".join(map(str, list(raw.columns)[:10])),
            )
        )
    for it in instrument.items:
        if it.id not in out:
            continue
        source = out[it.id]
        if it.numeric:
            out[it.id], bad = _numeric(source, it, instrument)
            lo, hi = it.bounds
            expected = f"a number from {lo} to {hi} or a label of the item (labels / label_set)"
        elif it.type in ("single_choice", "multi_choice"):
            out[it.id], bad = _choice(source, it)
            expected = f"one of {[o.zh for o in it.options or []]} / {it.option_values()} or their codes"
        else:
            out[it.id] = source.map(lambda v: np.nan if _is_skipped(v) else str(v)).astype(object)
            continue
        if bad.any():
            problems.append(
                _at_rows(
                    file,
                    "{n} " + f"answers cannot be read as item {it.id!r}",
                    bad,
                    rows,
                    source,
                    column=seen[it.id],
                    expected=expected,
                )
            )
    if problems:
        raise DataError(problems)
    source_tz = instrument.timezone or export.timezone
    day_first = instrument.day_first
    stamps = parse_export_times(
        out["submitted_at"], source_tz=source_tz, timezone=timezone, day_first=day_first
    )
    bad_time = stamps.isna().to_numpy()
    if bad_time.any():
        problems.append(
            _at_rows(
                file,
                "{n} submission times cannot be read",
                bad_time,
                rows,
                out["submitted_at"],
                column=seen["submitted_at"],
                expected="a date and time such as 2023/9/8 12:24:22, 2024-01-01 10:00:00, "
                "6/22/2022 11:07:29 AM GMT+8 or 02-Sep-2020 07:44:08",
            )
        )
        raise DataError(problems)
    out["submitted_at"] = stamps
    if "duration_s" in out:
        out["duration_s"] = _duration(out["duration_s"])
    elif "started_at" in out:
        started = parse_export_times(
            out["started_at"], source_tz=source_tz, timezone=timezone, day_first=day_first
        )
        out["duration_s"] = (stamps - started).dt.total_seconds()
    for c in instrument.grouping:
        if c in out:
            out[c] = (
                out[c]
                .map(
                    lambda v: (
                        np.nan
                        if _is_skipped(v)
                        else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                    )
                )
                .astype(object)
            )
    order = [
        "response_id",
        "submitted_at",
        *[c for c in instrument.grouping if c in out],
        *[i for i in instrument.item_ids if i in out],
        *(["duration_s"] if "duration_s" in out else []),
        *[f"_roster_{c}" for c in pending_roster],
    ]
    text_cols = [
        "response_id",
        *[c for c in instrument.grouping if c in out],
        *[it.id for it in instrument.items if it.id in out and not it.numeric],
    ]
    for c in text_cols:  # text as the canonical tables keep it (str dtype, missing = NaN)
        out[c] = out[c].astype("str")
    result = out[order]
    if pending_roster:
        result = apply_rosters(
            result,
            instrument,
            roster or {},
            file=file,
            base_dir=base_dir,
            only_files=defer_tables,
            file_rows=rows,
        )
    return result


def _roster_table(src_table: str, src_file: str, tables: Mapping[str, pd.DataFrame], base_dir: Path | None):
    if src_table:
        return tables.get(src_table), src_table
    from sales_analytics.io.readers import read_source_file

    path = Path(src_file)
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    return read_source_file(path).frame, str(path)


def apply_rosters(
    frame: pd.DataFrame,
    instrument: Instrument,
    tables: Mapping[str, pd.DataFrame],
    *,
    file: str = "<responses>",
    base_dir: Path | None = None,
    only_files: bool = False,
    file_rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """Fill grouping columns declared as roster lookups from the ``_roster_<column>`` keys.

    Keys are compared as :func:`normalise_answer` does (case, spaces); a key
    not in the roster is an error naming the rows and the key.
    """
    out = frame.copy()
    problems = []
    for col, src in instrument.group_sources.items():
        key_col = f"_roster_{col}"
        if src.roster is None or key_col not in out or (only_files and src.roster.table):
            continue
        r = src.roster
        table, where = _roster_table(r.table, r.file, tables, base_dir)
        take = r.take or col
        if table is None or r.key not in table or take not in table:
            problems.append(
                DataProblem(
                    file,
                    f"roster for {col!r} not usable",
                    expected=f"a table {r.table or r.file!r} with columns {r.key!r} and {take!r}",
                    found="no such table" if table is None else ", ".join(map(str, table.columns[:10])),
                )
            )
            continue
        lookup = {normalise_answer(k): v for k, v in zip(table[r.key], table[take]) if not _is_skipped(k)}
        keys = out.pop(key_col)
        values = keys.map(
            lambda k, lookup=lookup: lookup.get(normalise_answer(_text(k))) if not _is_skipped(k) else None
        )
        missing = values.isna().to_numpy()
        if missing.any():
            problems.append(
                _at_rows(
                    file,
                    "{n} " + f"responses have no {col!r} in the roster {where}",
                    missing,
                    np.arange(len(out)) + 2 if file_rows is None else file_rows,
                    keys,
                    column=r.by,
                    expected=f"a value of {r.key!r} in {where}",
                )
            )
            continue
        out[col] = values.astype(str).astype(object)
    if problems:
        raise DataError(problems)
    front = ["response_id", "submitted_at", *[c for c in instrument.grouping if c in out]]
    return out[front + [c for c in out.columns if c not in front]]


@renamed_arguments(tz="timezone")
def survey_export_table(
    raw: Any,
    table: str,
    *,
    timezone: str = "Asia/Shanghai",
    base_dir: Path | None = None,
    instruments_dir: str | Path | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """A platform export found in a data folder as ``survey_<id>.*``, mapped through instrument ``<id>``.

    Returns the table and the file row of each response. Roster lookups
    through a canonical table stay as ``_roster_<column>`` keys for
    :func:`apply_rosters` once the folder's tables are read. ``instruments_dir``:
    ``surveys.instruments`` of the parameters (empty: ``surveys/``).
    """
    from sales_analytics.surveys.instruments import instruments_folder, load_instruments

    instrument_id = table.removeprefix("survey_")
    instruments = load_instruments(instruments_dir)
    if instrument_id not in instruments:
        raise DataError(
            [
                DataProblem(
                    raw.path,
                    f"no survey instrument {instrument_id!r} for this {table} file",
                    expected=f"{instruments_folder(instruments_dir)}/<file>.yaml with `id: {instrument_id}`; "
                    f"known: {sorted(instruments)}",
                    found=table,
                )
            ]
        )
    export = prepare_export(raw)
    inst = instruments[instrument_id]
    frame = map_export(export, inst, file=raw.path, timezone=timezone, base_dir=base_dir, defer_tables=True)
    return frame.reset_index(drop=True), export.row_numbers


def resolve_rosters(
    frame: pd.DataFrame,
    table: str,
    tables: Mapping[str, pd.DataFrame],
    *,
    file: str,
    file_rows: Any = None,
    instruments_dir: str | Path | None = None,
) -> pd.DataFrame:
    """:func:`apply_rosters` for a survey table read from a folder (instrument from its name)."""
    from sales_analytics.surveys.instruments import load_instruments

    rows = None if file_rows is None else np.asarray(file_rows, dtype=np.int64)
    inst = load_instruments(instruments_dir)[table.removeprefix("survey_")]
    return apply_rosters(frame, inst, tables, file=file, file_rows=rows)


@renamed_arguments(tz="timezone")
def map_response_columns(
    raw: pd.DataFrame,
    instrument: Instrument,
    *,
    file: str = "<responses>",
    timezone: str = "Asia/Shanghai",
    roster: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Rename an export's columns to item ids and canonical columns, and map its answers.

    Parameters
    ----------
    raw : the export as read (one column per question, platform columns).
    instrument : the instrument the export answers.
    file : the file name used in error messages.
    timezone : the zone of the returned ``submitted_at`` (naive local time).
    roster : tables for the instrument's roster lookups (e.g. ``{"reps": reps}``).

    Returns
    -------
    ``response_id, submitted_at, <grouping>, <item ids>, duration_s`` (when
    present); a missing ``response_id`` is numbered ``<file stem>-1…``. Columns
    that match nothing are dropped (logged); an export where no column
    matches an item is an error.

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
    from sales_analytics.io.readers import RawTable
    from sales_analytics.surveys.platforms import prepare_export

    frame = raw.copy()
    frame.columns = [str(c) for c in frame.columns]
    export = prepare_export(RawTable(frame, file, "frame"))
    return map_export(export, instrument, file=file, timezone=timezone, roster=roster)


@renamed_arguments(tz="timezone")
def read_responses(
    path: str | Path,
    instrument: Instrument,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    timezone: str = "Asia/Shanghai",
    roster: Mapping[str, pd.DataFrame] | Any = None,
) -> pd.DataFrame:
    """Read a platform export (CSV or XLSX, as downloaded) and map it through the instrument.

    The file is read by :func:`sales_analytics.io.read_source_file` (UTF-8
    with or without BOM, GBK, GB18030; the first row is the header, repeated
    headers are numbered), its platform detected and its layout undone
    (:func:`~sales_analytics.surveys.platforms.prepare_export`), then mapped
    by :func:`map_export`. ``roster``: tables for roster lookups, a mapping
    or a :class:`~sales_analytics.io.Dataset`.
    """
    from sales_analytics.io.readers import read_source_file

    path = Path(path)
    raw = read_source_file(path, sheet=sheet, encoding=encoding, header_row=0, dedupe_headers=True)
    export = prepare_export(raw)
    tables = getattr(roster, "tables", roster)
    return map_export(
        export, instrument, file=path.name, timezone=timezone, roster=tables, base_dir=path.parent
    )
