"""A lever's English sentences in the reader's language, read back from the published values.

Some published columns hold a sentence a lever writes for whoever audits the Parquet table: the
Kirkpatrick notes (``training_kirkpatrick.note``), the ROI's arithmetic (``training_roi.basis``) and
the loaders' data-quality messages (``dq_problems.message``). The table keeps its stable English
value; a person reads it through this module, in the run's or the page's language (the report
pages, report.xlsx and the views, through :func:`sales_analytics.report.present.display_frame` and
:func:`~sales_analytics.report.present.present`).

- :func:`sentence_text` — an English sentence written from an ``en`` label template (the training
  levers write theirs with ``label(key, "en").format(...)``) matched back against the template and
  said with the same fields in ``language``;
- :func:`kirkpatrick_note`, :func:`roi_basis` — the two training columns;
- :func:`dq_message` — a data-quality finding: the row's own ``kind``, ``count`` and ``column``
  for the loaders' row checks, the file's path kept as it is, the reason of a skipped file or a
  reading note by its template.

A sentence of no known shape is returned as it is (a later lever's note, an unusual message).

>>> kirkpatrick_note("paired t = 20.45, df = 65, p < 0.001", "zh")
'配对 t 检验：t = 20.45，自由度 = 65，p < 0.001'
>>> dq_message({"kind": "file_skipped", "message": "data/.complete: not read: a hidden file"}, "zh")
'data/.complete：未读取：隐藏文件'
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from sales_analytics.report.key_names import key_name
from sales_analytics.report.labels import label

__all__ = ["dq_message", "kirkpatrick_note", "roi_basis", "sentence_text"]

_FIELD = re.compile(r"\{(\w+)\}")


@cache
def _pattern(key: str) -> re.Pattern[str]:
    """The English template of ``key`` as an anchored pattern, each ``{field}`` a named group."""
    template = label(key, "en")
    parts, at = [], 0
    for m in _FIELD.finditer(template):
        parts += [re.escape(template[at : m.start()]), f"(?P<{m.group(1)}>.+?)"]
        at = m.end()
    parts.append(re.escape(template[at:]))
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def sentence_text(
    text: Any,
    keys: Sequence[str],
    language: str,
    fields: Callable[[str, str], str] | None = None,
) -> Any:
    """``text`` said in ``language`` when it is one of the English templates ``keys``.

    ``fields(name, value)`` may translate a field's value (a band, a category); a text of no
    template is returned unchanged.

    >>> sentence_text("costs / monthly benefit", ["kirk_note_payback"], "zh")
    '成本 / 每月收益'
    >>> sentence_text("D-17", ["kirk_note_payback"], "zh")
    'D-17'
    """
    if not isinstance(text, str):
        return text
    for key in keys:
        m = _pattern(key).match(text.strip())
        if m:
            values = m.groupdict()
            if fields is not None:
                values = {k: fields(k, v) for k, v in values.items()}
            return label(key, language).format(**values)
    return text


_KIRKPATRICK = (
    "kirk_note_reaction",
    "kirk_note_class_gain",
    "kirk_note_individual_gain",
    "kirk_note_paired",
    "kirk_note_dz",
    "kirk_note_per_week",
    "kirk_note_did",
    "kirk_note_bcr",
    "kirk_note_payback",
)


def _training_field(language: str) -> Callable[[str, str], str]:
    def field(name: str, value: str) -> str:
        if name == "band" and value and language != "en":
            return label(value, language)  # Hake's band: low / medium / high (mid-sentence in English)
        if name == "category":
            return key_name(value, language, column="category")
        if name == "effect":
            try:
                return f"{float(value):,.2f}"
            except ValueError:
                return value
        return value

    return field


def roi_basis(text: Any, language: str) -> Any:
    """The ROI's arithmetic (``training_roi.basis``) in ``language``.

    >>> roi_basis("benefits = DiD revenue effect 66448.56 per rep-month × 12 months × 9 trained reps × "
    ...           "margin 1; costs = 3 sales_skills sessions in cohort months 2025-06, 2025-10", "zh")
    '收益 = DiD 营收效应 每人每月 66,448.56 × 12 个月 × 9 名受训销售 × 利润率 1；成本 = 批次月份 2025-06, 2025-10 中的 3 场销售技巧培训'
    """
    return sentence_text(text, ["roi_basis"], language, _training_field(language))


def kirkpatrick_note(text: Any, language: str) -> Any:
    """A Kirkpatrick level's note (``training_kirkpatrick.note``) in ``language``; the ROI rows'
    notes are the ROI's basis or ratio followed by why they carry no interval."""
    if not isinstance(text, str):
        return text
    why = label("kirk_note_roi_why", "en")
    head, tail = (
        (text[: -len(why)], label("kirk_note_roi_why", language)) if text.endswith(why) else (text, "")
    )
    said = sentence_text(head, [*_KIRKPATRICK, "roi_basis"], language, _training_field(language))
    return f"{said}{tail}"


# --------------------------------------------------------------------------- data quality
# The loaders' row checks (io/validate.py ``check.warn``): the sentence follows from the row's kind,
# count and column, so it is said from those fields rather than parsed.
_DQ_KINDS = (
    "future_date",
    "missing_value",
    "zero_amount",
    "refunded_order",
    "negative_sale",
    "negative_quantity",
    "duplicate_row",
    "outside_employment",
)
# The reasons and notes the loaders write after a file's path (io/load.py, io/readers.py).
_DQ_TEMPLATES = (
    "dq_msg_hidden_file",
    "dq_msg_readme",
    "dq_msg_underscore",
    "dq_msg_folder",
    "dq_msg_office_lock",
    "dq_msg_not_scanned",
    "dq_msg_unsupported",
    "dq_msg_not_recognised_closest",
    "dq_msg_not_recognised",
    "dq_msg_lines_before_header",
    "dq_msg_lines_after_data",
    "dq_msg_rows_before_header",
    "dq_msg_blank_rows",
    "dq_msg_note_rows_after",
    "dq_msg_absent_columns",
    "dq_msg_snapshot_untrusted",
)
# Why a snapshot marker is not trusted (io/snapshot.py ``snapshot_distrust``), inside its message.
_DQ_WHY = (
    "dq_why_not_inputs",
    "dq_why_no_hashes",
    "dq_why_bad_marker",
    "dq_why_files_differ",
    "dq_why_hash_differs",
)
_PATH = re.compile(r"^(?P<path>.+?): (?P<rest>.+)\Z", re.DOTALL)


def _get(row: Mapping[str, Any], key: str) -> Any:
    value = row.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def dq_message(row: Mapping[str, Any], language: str) -> Any:
    """A data-quality finding's ``message`` in ``language``, from the row's fields (in English, the
    loaders' own sentence: it already reads in English, singular or plural).

    >>> row = {"kind": "duplicate_row", "count": 3, "column": "", "message": "o.csv: 3 rows repeat …"}
    >>> dq_message(row, "zh"), dq_message(row, "en")
    ('o.csv：3 行与前面的某一行完全相同', 'o.csv: 3 rows repeat …')
    """
    text = _get(row, "message")
    if not isinstance(text, str) or language == "en":
        return text
    kind = str(_get(row, "kind") or "")
    if kind == "duplicate_check_skipped":  # a note on the whole table: no file's path first
        return sentence_text(text, ["dq_msg_duplicate_check_skipped"], language)
    m = _PATH.match(text)
    if m is None:
        return text
    path, rest = m.group("path"), m.group("rest")
    if kind in _DQ_KINDS and _get(row, "count") is not None:
        said = label(f"dq_msg_{kind}", language).format(
            n=f"{int(row['count']):,}", column=label(str(_get(row, "column") or ""), language)
        )
    else:
        said = sentence_text(
            rest,
            _DQ_TEMPLATES,
            language,
            lambda name, value: sentence_text(value, _DQ_WHY, language) if name == "reason" else value,
        )
        if said is rest:
            return text
    return f"{path}：{said}"
