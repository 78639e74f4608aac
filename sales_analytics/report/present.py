"""The presentation layer: how a published table looks to a manager, defined once.

The HTML reports, the Excel workbook and the views format tables through this
module, driven by the table catalog (:mod:`sales_analytics.tables`): each
column's declared unit decides how its values read, its label key what its
header says in the run's language. Nothing is guessed from a column's name.

Two steps, for two kinds of output:

- :func:`display_frame` — the values a person reads, still typed: headers in
  the run's language, label keys (unit ``key``) and flags translated, the
  language twin of a ``_zh`` / ``_en`` column pair kept, contact columns
  dropped. Numbers stay numbers: the Excel
  writer takes this frame and gives each column :func:`excel_number_format`.
- :func:`present` — the same, as text: thousands separators, percentages,
  dates as ``YYYY-MM-DD``, ``—`` for a missing value, never scientific
  notation, no index, and at most ``max_rows`` rows with a "top N of M" note.
  The result (:class:`Presented`) renders itself as an escaped HTML table in a
  notebook (``_repr_html_``) and hands its ``frame`` of strings to a view.

Charts use the same units through :func:`money_axis` and :func:`percent_axis`.

>>> import pandas as pd
>>> t = pd.DataFrame({"period": ["2026-10"], "team": ["华东"], "revenue": [1234567.5], "orders": [3],
...                   "aov": [411522.5], "customers": [2], "target_amount": [1e6], "attainment": [1.2345678],
...                   "gap": [None], "growth_vs_previous": [8.5e-14], "active_reps": [4]})
>>> shown = present(t, "kpi_attainment_team", language="en")
>>> shown.frame.iloc[0].tolist()[:4]
['2026-10', '华东', '1,234,568', '3']
>>> shown.frame.iloc[0]["Attainment"], shown.frame.iloc[0]["Gap to target (CNY)"]
('123.5%', '—')
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from sales_analytics.errors import SalesAnalyticsError
from sales_analytics.privacy import without_contact_columns
from sales_analytics.report.key_names import key_name
from sales_analytics.report.labels import label
from sales_analytics.tables import ColumnSpec, TableSpec, table_spec
from sales_analytics.vocabulary import LANGUAGES

__all__ = [
    "MISSING",
    "NUMERIC_UNITS",
    "ColumnView",
    "Presented",
    "column_views",
    "display_frame",
    "excel_number_format",
    "format_series",
    "format_value",
    "money_axis",
    "money_text",
    "p_value_text",
    "percent_axis",
    "present",
    "table_title",
]

MISSING = "—"  # every missing, undefined or infinite value reads the same
# Units whose values are numbers (right-aligned, summable); the others are text, ids, dates, flags.
NUMERIC_UNITS = frozenset(
    {"money", "cents", "fraction", "percent", "count", "days", "minutes", "hours", "months", "points",
     "score", "number"}
)  # fmt: skip
# Units whose header names the unit, e.g. 营收（元） / Revenue (CNY); a percentage or count needs none.
_HEADER_UNIT_KEYS = {
    "days": "present_unit_days",
    "minutes": "present_unit_minutes",
    "hours": "present_unit_hours",
    "months": "present_unit_months",
    "points": "present_unit_points",
}
# Levers whose amounts are pay: shown to the cent however large (a statement must add up exactly).
_EXACT_MONEY_LEVERS = frozenset({"incentive"})
_TWIN_SUFFIXES = ("_zh", "_en")
_CODE_SUFFIXES = ("_name", "_segment")  # <stem>_name / <stem>_segment: the code of a <stem>_zh / _en pair


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise SalesAnalyticsError(f"language must be one of ['en', 'zh']; got {language!r}")


# --------------------------------------------------------------------------- columns
@dataclass(frozen=True)
class ColumnView:
    """One column as shown: where its values come from, its header and unit.

    ``source`` is the column of the published table (for a ``_zh`` / ``_en``
    pair, the twin in the run's language); ``name`` the column it stands for
    (``segment`` for ``segment_zh``); ``header`` the label in the run's
    language (with the unit for money, days, …).
    """

    name: str
    source: str
    unit: str
    header: str
    kind: str = "any"
    decimals: int | None = None  # fixed by the table's lever (pay is shown to the cent), else by the values

    @property
    def numeric(self) -> bool:
        return self.unit in NUMERIC_UNITS


def _dtype_unit(series: pd.Series) -> tuple[str, str]:
    """Kind and unit of a column no catalog declares: from its dtype only (never from its name)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool", "flag"
    if pd.api.types.is_integer_dtype(dtype):
        return "int", "count"
    if pd.api.types.is_float_dtype(dtype):
        return "float", "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime", "date"
    return "text", "text"


def _header(label_key: str, name: str, unit: str, language: str, currency: str) -> str:
    text = label(label_key or name, language)
    if unit == "money":
        return label("present_header_unit", language).format(
            label=text, unit=currency_name(currency, language)
        )
    if unit in _HEADER_UNIT_KEYS and not _names_unit(text, unit, language):
        return label("present_header_unit", language).format(
            label=text, unit=label(_HEADER_UNIT_KEYS[unit], language)
        )
    return text


def _names_unit(text: str, unit: str, language: str) -> bool:
    """Whether a label already says its unit ("首购至今（天）", "Days since last order")."""
    word = label(_HEADER_UNIT_KEYS[unit], language)
    return word.lower() in text.lower()


def currency_name(currency: str, language: str) -> str:
    """The currency as a header shows it: 元 for CNY in Chinese, the ISO code otherwise.

    >>> currency_name("CNY", "zh"), currency_name("CNY", "en"), currency_name("USD", "zh")
    ('元', 'CNY', 'USD')
    """
    return "元" if language == "zh" and currency == "CNY" else currency


def column_views(
    frame: pd.DataFrame,
    table: str | None = None,
    *,
    language: str = "zh",
    currency: str = "CNY",
    units: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> list[ColumnView]:
    """How each column of ``frame`` is shown, in order (contact columns and hidden twins left out).

    ``table`` names the catalog entry that declares the columns; a column it
    does not declare (or every column, without ``table``) is typed by its
    dtype. ``units`` / ``labels`` override a column's unit / label key (for a
    frame a notebook derives from a published table). For a column pair
    ``<name>_zh`` / ``<name>_en`` (see :func:`_twin`) only the twin in
    ``language`` is shown, under the label of the Chinese twin, and a
    ``<name>`` column holding the code is hidden.
    """
    _check_language(language)
    spec: TableSpec | None = table_spec(table) if table else None
    declared: dict[str, ColumnSpec] = {c.name: c for c in spec.columns} if spec else {}
    units, labels = dict(units or {}), dict(labels or {})
    present_cols = [str(c) for c in without_contact_columns(frame.iloc[:0]).columns]
    views = []
    for col in present_cols:
        base, twin_language = _twin(col, present_cols)
        if twin_language == "code" or (twin_language and twin_language != language):
            continue  # the code behind a translated pair, and the other language's twin
        if col in declared:
            kind, unit, key = declared[col].kind, declared[col].unit, declared[col].label
        else:
            kind, unit = _dtype_unit(frame[col])
            key = ""
        unit = units.get(col, unit)
        if twin_language or col.endswith(_TWIN_SUFFIXES):
            # both twins read the same header: the label the catalog gives the Chinese one
            zh = declared.get(f"{base}_zh") or declared.get(base)
            key = labels.get(base) or (zh.label if zh and zh.label else key)
        key = labels.get(col, key)
        exact = 2 if unit == "money" and spec is not None and spec.lever in _EXACT_MONEY_LEVERS else None
        views.append(ColumnView(base, col, unit, _header(key, col, unit, language, currency), kind, exact))
    return _unique_headers(views)


def _twin(col: str, columns: Sequence[str]) -> tuple[str, str]:
    """``(base, language)`` of a column in a translated pair; language ``code`` for a hidden code
    column, ``''`` for a column in no pair.

    Pairs are ``<base>_zh`` / ``<base>_en`` (a ``<base>``, ``<base>_name`` or ``<base>_segment``
    column next to both holds the code) or ``<base>`` / ``<base>_en`` (the base holds the Chinese text).

    >>> cols = ["segment", "segment_zh", "segment_en", "contest", "contest_en", "rep_id"]
    >>> [_twin(c, cols) for c in cols]
    [('segment', 'code'), ('segment', 'zh'), ('segment', 'en'), ('contest', 'zh'), ('contest', 'en'), ('rep_id', '')]
    >>> _twin("cluster_name", ["cluster", "cluster_name", "cluster_zh", "cluster_en"])
    ('cluster', 'code')
    """
    names = set(columns)
    base = col[:-3] if col.endswith(_TWIN_SUFFIXES) else col
    has_zh, has_en = f"{base}_zh" in names, f"{base}_en" in names
    for suffix in _CODE_SUFFIXES:  # cluster_name next to cluster_zh / cluster_en holds the code
        stem = col[: -len(suffix)]
        if col.endswith(suffix) and f"{stem}_zh" in names and f"{stem}_en" in names:
            return stem, "code"
    if col == base:
        if has_zh and has_en:
            return base, "code"
        return (base, "zh") if has_en else (base, "")
    if col.endswith("_zh"):
        return (base, "zh") if has_en else (base, "")
    return (base, "en") if has_zh or base in names else (base, "")


def _unique_headers(views: list[ColumnView]) -> list[ColumnView]:
    seen: dict[str, int] = {}
    out = []
    for v in views:
        n = seen.get(v.header, 0) + 1
        seen[v.header] = n
        out.append(v if n == 1 else replace(v, header=f"{v.header} ({n})"))
    return out


# --------------------------------------------------------------------------- values
def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float):
        return not math.isfinite(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value: float, decimals: int) -> str:
    """``value`` with thousands separators and ``decimals`` decimals; never ``-0``; ``—`` for a value
    that is not finite (a fraction near the float limit overflows to ±inf once shown in percent)."""
    if not math.isfinite(value):
        return MISSING
    text = f"{value:,.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def _number(value: float) -> str:
    """A unitless number: 2 decimals, 3 below 1, whole above 100,000; ``<0.001`` for a tiny one."""
    magnitude = abs(value)
    if magnitude == 0:
        return "0"
    if magnitude < 0.0005:
        return "<0.001" if value > 0 else ">-0.001"
    if magnitude < 1:
        return _plain(value, 3)
    return _plain(value, 0 if magnitude >= 100_000 else 2)


def p_value_text(p: float) -> str:
    """A p-value as a report states it: ``p < 0.001`` below a thousandth, else three decimals.

    >>> p_value_text(5.33e-148), p_value_text(0.04567), p_value_text(float("nan"))
    ('p < 0.001', 'p = 0.046', 'p = —')
    """
    if _is_missing(p):
        return f"p = {MISSING}"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def money_text(value: float, language: str = "zh", *, decimals: int = 2) -> str:
    """An amount with thousands separators and ``decimals`` decimals, as a table shows it.

    >>> money_text(1234567.891), money_text(-0.001, decimals=0), money_text(float("nan"))
    ('1,234,567.89', '0', '—')
    """
    if _is_missing(value):
        return MISSING
    return _plain(float(value), decimals)


def format_value(
    value: Any, unit: str, language: str = "zh", *, decimals: int | None = None, column: str = ""
) -> str:
    """One value as text for ``unit`` (see ``UNITS`` in :mod:`sales_analytics.tables`); a key is
    named by :func:`~sales_analytics.report.key_names.key_name` (``column`` scopes its label).

    >>> [format_value(v, u, "zh") for v, u in [(0.1234, "fraction"), (12.5, "percent"), (1234, "count"),
    ...  (True, "flag"), (None, "money"), (8.5e-14, "number"), (3.235248e8, "money"), (150000, "cents")]]
    ['12.3%', '12.5%', '1,234', '是', '—', '<0.001', '323,524,800.00', '150,000']
    """
    if _is_missing(value):
        return MISSING
    if unit == "flag":
        return label("present_yes" if bool(value) else "present_no", language)
    if unit == "key":
        return key_name(str(value), language, column=column)
    if unit == "date":
        return _date_text(value)
    if unit == "id_list":
        return _id_list_text(str(value), language)
    if unit not in NUMERIC_UNITS or isinstance(value, str):
        return str(value)
    v = float(value)
    if unit == "money":
        return _plain(v, 2 if decimals is None else decimals)
    if unit in ("fraction", "percent"):
        shown = _plain(v * 100 if unit == "fraction" else v, 1 if decimals is None else decimals)
        return shown if shown == MISSING else shown + "%"
    if unit == "number" and decimals is None:
        return _number(v)
    if decimals is None:
        decimals = 0 if v.is_integer() else (2 if unit == "score" else 1)
    return _plain(v, decimals)


_ID_LIST_SHOWN = 3


def _id_list_text(text: str, language: str) -> str:
    """The first ids of a comma-separated list and how many more (the workbook has them all).

    >>> _id_list_text("O1, O2, O3, O4, O5", "en"), _id_list_text("O1", "zh")
    ('O1, O2, O3 … (+2)', 'O1')
    """
    ids = split_ids(text)
    if len(ids) <= _ID_LIST_SHOWN:
        return ", ".join(ids)
    return ", ".join(ids[:_ID_LIST_SHOWN]) + f" … (+{len(ids) - _ID_LIST_SHOWN:,})"


def split_ids(text: str) -> list[str]:
    """The ids of a comma-separated list (an ``id_list`` column), blanks dropped."""
    return [part.strip() for part in str(text).split(",") if part.strip()]


def _date_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")


def _column_decimals(values: pd.Series, unit: str) -> int | None:
    """One number of decimals for a whole column, so its figures line up.

    Money is shown in whole units when the column's largest amount reaches
    100,000 (revenue, targets), else to the cent (commissions, order values);
    counts, days and points show a decimal only when some value has one.
    """
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    numbers = numbers[numbers.map(math.isfinite)] if len(numbers) else numbers
    if not len(numbers):
        return None
    if unit == "money":
        return 0 if numbers.abs().max() >= 100_000 else 2
    if unit in ("count", "cents", "days", "minutes", "hours", "months", "points"):
        return 0 if (numbers % 1 == 0).all() else 1
    if unit == "score":
        return 2
    return None


def format_series(
    values: pd.Series, unit: str, language: str = "zh", *, decimals: int | None = None, column: str = ""
) -> pd.Series:
    """Every value of a column as text (:func:`format_value`), with one precision for the column."""
    if decimals is None:
        decimals = _column_decimals(values, unit) if unit in NUMERIC_UNITS else None
    texts = [format_value(v, unit, language, decimals=decimals, column=column) for v in values.tolist()]
    return pd.Series(texts, index=values.index, dtype=object)


# --------------------------------------------------------------------------- frames
def display_frame(
    frame: pd.DataFrame,
    table: str | None = None,
    *,
    language: str = "zh",
    currency: str = "CNY",
    units: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """``frame`` as a person reads it, values still typed (for Excel and charts).

    Headers in ``language`` (:func:`column_views`), label keys and flags
    translated, a fresh 0…n-1 index; numbers, dates and empty cells stay what
    they are. ``frame`` itself is not changed.

    >>> f = pd.DataFrame({"period": ["2026-10"], "chosen": [True], "k": [3], "silhouette": [0.41]})
    >>> shown = display_frame(f, "customer_cluster_selection", language="zh")
    >>> shown.columns.tolist(), shown.iloc[0, 1], float(shown.iloc[0, 3])
    (['期间', '选中', '聚类数 k', '轮廓系数'], '是', 0.41)
    """
    views = column_views(frame, table, language=language, currency=currency, units=units, labels=labels)
    frame = _in_language(frame, table, language)
    out = {}
    for v in views:
        s = frame[v.source].reset_index(drop=True)
        if v.unit == "flag":
            s = _map_distinct(
                s, lambda x: None if _is_missing(x) else format_value(x, "flag", language)
            ).astype(object)
        elif v.unit == "key":
            s = _map_distinct(
                s, lambda x, c=v.name: x if _is_missing(x) else key_name(str(x), language, column=c)
            )
        for unit, rows in _row_units(frame, table, v.source):
            s = s.astype(object)
            s[rows] = [format_value(x, unit, language) for x in s[rows].tolist()]
        out[v.header] = s
    return pd.DataFrame(out, columns=[v.header for v in views])


def _map_distinct(values: pd.Series, fn: Any) -> pd.Series:
    """``values.map(fn)`` with ``fn`` called once per distinct value (a long table repeats its flags
    and keys in every row); a short or mixed column, or one with a missing value, is mapped as is."""
    if len(values) < 10_000 or pd.api.types.infer_dtype(values, skipna=False) not in ("string", "boolean"):
        return values.map(fn)
    distinct = pd.unique(values)
    return values.map(pd.Series([fn(v) for v in distinct], index=distinct))


# A column whose unit depends on the row: a statement's rate is a fraction of the line's base, except
# on a SPIFF line, where it is an amount per unit ("200.00 per order", as its description says).
_ROW_UNITS: dict[str, dict[str, tuple[str, dict[str, str]]]] = {
    "incentive_statements": {"rate": ("line_type", {"spiff": "money"})},
    "incentive_statement_<team>": {"rate": ("line_type", {"spiff": "money"})},
}


_STATEMENTS = frozenset({"incentive_statements", "incentive_statement_<team>"})


def _in_language(frame: pd.DataFrame, table: str | None, language: str) -> pd.DataFrame:
    """``frame`` with the prose of its rows in ``language`` (``frame`` itself when it has none).

    A commission statement's ``description`` and ``adjustment`` are the engine's English notes;
    they are rewritten from the line's own fields (:mod:`sales_analytics.report.statement_text`,
    shared with the views' payslip), and a SPIFF line's ``tier`` (the SPIFF's id) becomes its name.
    """
    if table and table_spec(table).name in _PROSE:
        return _prose_in_language(frame, table_spec(table).name, language)
    if not table or table_spec(table).name not in _STATEMENTS or "line_type" not in frame.columns:
        return frame
    from sales_analytics.report.statement_text import adjustment_text, line_text, spiff_name

    rows = frame.to_dict("records")
    out: dict[str, list[Any]] = {}
    if "description" in frame.columns:
        out["description"] = [
            r["description"] if _is_missing(r.get("description")) else line_text(r, language) for r in rows
        ]
    if "adjustment" in frame.columns:
        out["adjustment"] = [adjustment_text(r.get("adjustment"), language) for r in rows]
    if "tier" in frame.columns:
        out["tier"] = [
            (spiff_name(r) or r["tier"]) if r.get("line_type") == "spiff" else r.get("tier") for r in rows
        ]
    return frame.assign(**{k: pd.Series(v, index=frame.index, dtype=object) for k, v in out.items()})


# Published columns holding a lever's English sentence (or code) per row, said in the reader's
# language by report/prose_text.py: table → {column: how}.
_PROSE = {
    "training_kirkpatrick": {"note": "kirkpatrick"},
    "training_roi": {"basis": "roi"},
    "dq_problems": {"message": "dq"},
    "feedback_customer_followup": {"rep_id": "all_reps"},
}


def _prose_in_language(frame: pd.DataFrame, table: str, language: str) -> pd.DataFrame:
    """``frame`` with the lever sentences of ``table`` (:data:`_PROSE`) in ``language``."""
    from sales_analytics.report.prose_text import dq_message, kirkpatrick_note, roi_basis

    out: dict[str, list[Any]] = {}
    for column, how in _PROSE[table].items():
        if column not in frame.columns:
            continue
        values = frame[column].tolist()
        if how == "kirkpatrick":
            out[column] = [kirkpatrick_note(v, language) for v in values]
        elif how == "roi":
            out[column] = [roi_basis(v, language) for v in values]
        elif how == "dq":
            out[column] = [dq_message(r, language) for r in frame.to_dict("records")]
        else:  # the all-reps row of a per-rep table
            out[column] = [label("followup_all_reps", language) if v == "all" else v for v in values]
    return frame.assign(**{k: pd.Series(v, index=frame.index, dtype=object) for k, v in out.items()})


def _row_units(frame: pd.DataFrame, table: str | None, column: str) -> list[tuple[str, pd.Series]]:
    """``(unit, row mask)`` pairs overriding the declared unit of ``column`` on some rows."""
    if not table:
        return []
    rule = _ROW_UNITS.get(table_spec(table).name, {}).get(column)
    if rule is None or rule[0] not in frame.columns:
        return []
    by, units = rule
    keys = frame[by].reset_index(drop=True)
    return [(unit, (keys == value).to_numpy()) for value, unit in units.items() if (keys == value).any()]


def table_title(table: str, language: str = "zh") -> str:
    """The short title of a published table (a heading, an Excel sheet name), from the catalog."""
    _check_language(language)
    return table_spec(table).title[language]


@dataclass(frozen=True)
class Presented:
    """A table ready to show: every cell text, headers in the run's language, at most ``max_rows`` rows.

    ``frame`` (strings, a plain 0…n-1 index that no output shows) goes to a
    view's interactive table; :meth:`to_html` / ``_repr_html_`` render an
    escaped HTML table; ``note`` says "top N of M" when rows were left out.
    """

    frame: pd.DataFrame
    columns: tuple[ColumnView, ...]
    total_rows: int
    language: str
    table: str = ""
    note: str = ""
    title: str = ""
    css_class: str = "sa-table"
    extra: dict[str, Any] = field(default_factory=dict)
    # per numeric column (by header), the raw value of each shown row as a sort key (:func:`_sort_key`)
    sort_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def shown_rows(self) -> int:
        return len(self.frame)

    def to_html(self, *, sortable: bool = False) -> str:
        """An HTML table with every value escaped; numeric columns right-aligned (class ``num``).

        ``sortable`` (a view's interactive table) marks the table ``data-sortable`` and gives
        each numeric cell its raw value as ``data-sort`` (escaped like the text), so a script
        sorts 9,000 below 100,000 and 9.5% below 10%, whatever the text reads.
        """
        esc = html.escape
        head = "".join(
            f'<th class="num">{esc(c.header)}</th>' if c.numeric else f"<th>{esc(c.header)}</th>"
            for c in self.columns
        )
        numeric = [c.numeric for c in self.columns]
        keys = [self.sort_keys.get(c.header) if sortable else None for c in self.columns]
        rows = []
        for i, values in enumerate(self.frame.itertuples(index=False, name=None)):
            cells = "".join(
                f'<td class="num"{_sort_attr(k, i)}>{esc(str(v))}</td>' if num else f"<td>{esc(str(v))}</td>"
                for v, num, k in zip(values, numeric, keys)
            )
            rows.append(f"<tr>{cells}</tr>")
        caption = f"<caption>{esc(self.title)}</caption>" if self.title else ""
        note = f'<p class="sa-note">{esc(self.note)}</p>' if self.note else ""
        data_table = f' data-table="{esc(self.table)}"' if self.table else ""
        data_table += " data-sortable" if sortable else ""
        return (
            f'<div class="sa-table-wrap"{data_table}><table class="{esc(self.css_class)}">{caption}'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{note}</div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_markdown_(self) -> None:  # notebooks render the HTML table, never a Markdown copy
        return None

    def __repr__(self) -> str:
        text = self.frame.to_string(index=False) if len(self.frame) else "(no rows)"
        return f"{text}\n{self.note}" if self.note else text


def _sort_key(value: Any) -> str:
    """The raw value a view's table sorts a numeric cell by: the number as Python writes it (no
    separators, no unit, full precision), ``""`` for a missing or infinite value (sorted last),
    a text as it is.

    >>> [_sort_key(v) for v in (1234567.5, 3, 0.125, None, float("inf"), "n/a")]
    ['1234567.5', '3.0', '0.125', '', '', 'n/a']
    """
    if isinstance(value, str):
        return value
    if _is_missing(value):
        return ""
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return str(value)


def _sort_attr(keys: tuple[str, ...] | None, row: int) -> str:
    return f' data-sort="{html.escape(keys[row])}"' if keys is not None and row < len(keys) else ""


def present(
    frame: pd.DataFrame,
    table: str | None = None,
    *,
    language: str = "zh",
    max_rows: int | None = 20,
    sort_by: str | Sequence[str] | None = None,
    ascending: bool | Sequence[bool] = False,
    columns: Iterable[str] | None = None,
    currency: str = "CNY",
    units: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    decimals: Mapping[str, int] | None = None,
    title: str = "",
    where: str = "",
) -> Presented:
    """Format ``frame`` for display; ``table`` names its catalog declaration (see :func:`column_views`).

    Parameters
    ----------
    frame : the rows to show (a published table or a selection of its rows).
    table : catalog name; its columns' units and label keys drive the format.
    language : ``zh`` or ``en``.
    max_rows : show at most this many rows (``None``: all) and say "top N of M".
    sort_by, ascending : order the rows first (e.g. largest revenue on top).
    columns : show only these source columns, in this order.
    currency : the reporting currency (``params.currency``), named in money headers.
    units, labels : per-column overrides of the declared unit / label key.
    decimals : per-column number of decimals (default: one per column by unit).
    title : a caption above the table.
    where : where the full table is, for the "top N of M" note (e.g. the Excel sheet).
    """
    _check_language(language)
    if not isinstance(frame, pd.DataFrame):
        raise SalesAnalyticsError(f"present() takes a pandas DataFrame; got {type(frame).__name__}")
    frame = _in_language(frame, table, language)
    if columns is not None:
        wanted = list(columns)
        missing = [c for c in wanted if c not in frame.columns]
        if missing:
            raise SalesAnalyticsError(
                f"present(): columns {missing} are not in the table {table or ''}".strip()
            )
        frame = frame[wanted]
    if sort_by is not None:
        frame = frame.sort_values(sort_by, ascending=ascending, kind="stable")
    total = len(frame)
    shown = frame if max_rows is None or total <= max_rows else frame.iloc[:max_rows]
    views = column_views(shown, table, language=language, currency=currency, units=units, labels=labels)
    decimals = dict(decimals or {})
    out = {}
    sort_keys = {}
    for v in views:
        values = shown[v.source].reset_index(drop=True)
        if v.numeric:
            sort_keys[v.header] = tuple(_sort_key(x) for x in values.tolist())
        texts = format_series(
            values, v.unit, language, decimals=decimals.get(v.source, v.decimals), column=v.name
        )
        for unit, rows in _row_units(shown, table, v.source):
            texts[rows] = format_series(values[rows], unit, language).tolist()
        out[v.header] = texts.tolist()
    text = pd.DataFrame(out, columns=[v.header for v in views], dtype=object)
    note = ""
    if len(shown) < total:
        note = label("present_top_rows", language).format(shown=f"{len(shown):,}", total=f"{total:,}")
        if where:
            note = f"{note} {label('present_full_table', language).format(where=where)}"
    return Presented(text, tuple(views), total, language, table or "", note, title, sort_keys=sort_keys)


# --------------------------------------------------------------------------- Excel
_EXCEL_FORMATS = {
    "money": "#,##0.00",
    "cents": "#,##0",
    "fraction": "0.0%",
    "percent": '0.0"%"',
    "count": "#,##0",
    "days": "#,##0.0",
    "minutes": "#,##0.0",
    "hours": "#,##0.0",
    "months": "#,##0",
    "points": "#,##0.##",
    "score": "0.00",
    "number": "#,##0.00",
    "date": "yyyy-mm-dd",
}


def excel_number_format(
    unit: str, values: pd.Series | None = None, *, decimals: int | None = None
) -> str | None:
    """The Excel number format of a column of ``unit`` (``None``: text, shown as is).

    With ``values``, money of a column reaching 100,000 is shown in whole units
    and counts or days with no fraction without decimals, as :func:`present` does.

    >>> excel_number_format("fraction"), excel_number_format("money", pd.Series([2.5e6]))
    ('0.0%', '#,##0')
    """
    fmt = _EXCEL_FORMATS.get(unit)
    if fmt is None or values is None or decimals is not None:
        return fmt
    decimals = _column_decimals(values, unit)
    if unit in ("money", "days", "minutes", "hours", "count") and decimals == 0:
        return "#,##0"
    if unit == "date" and pd.api.types.is_datetime64_any_dtype(values.dtype):
        v = values.dropna()
        if len(v) and not (v.dt.normalize() == v).all():
            return "yyyy-mm-dd hh:mm:ss"
    return fmt


# --------------------------------------------------------------------------- charts
def _money_tick(value: float, language: str) -> str:
    """A money axis tick: 万 / 亿 in Chinese, k / M in English, never an offset like ``1e8``.

    >>> _money_tick(35_000_000, "zh"), _money_tick(350_000, "en"), _money_tick(3.2e8, "zh"), _money_tick(0, "en")
    ('3,500万', '0.35M', '3.2亿', '0')
    """
    v = abs(value)
    sign = "-" if value < 0 else ""
    if v == 0:
        return "0"
    if language == "zh":
        if v >= 1e8:
            return f"{sign}{v / 1e8:,.3g}亿"
        if v >= 1e4:
            return f"{sign}{v / 1e4:,.0f}万" if v >= 1e5 else f"{sign}{v / 1e4:,.1f}万"
        return f"{sign}{v:,.0f}"
    if v >= 1e5:
        return f"{sign}{v / 1e6:,.3g}M" if v < 1e9 else f"{sign}{v / 1e9:,.3g}B"
    if v >= 1e3:
        return f"{sign}{v / 1e3:,.0f}k"
    return f"{sign}{v:,.0f}"


def money_axis(ax: Any, language: str = "zh", axis: str = "y", *, currency: str = "CNY") -> None:
    """Money ticks on ``axis`` of a matplotlib ``ax`` (万 / 亿 or k / M) and the currency in its label.

    The axis label, when set, gets the currency: ``营收（元）`` / ``Revenue (CNY)``.
    """
    from matplotlib.ticker import FuncFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _: _money_tick(v, language)))
    text = target.get_label().get_text()
    unit = currency_name(currency, language)
    if text and unit not in text:
        target.set_label_text(label("present_header_unit", language).format(label=text, unit=unit))


def percent_axis(ax: Any, axis: str = "y", *, fraction: bool = True, decimals: int = 0) -> None:
    """Percent ticks on ``axis`` (values held as fractions 0–1 by default, else as 0–100)."""
    from matplotlib.ticker import PercentFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(PercentFormatter(xmax=1.0 if fraction else 100.0, decimals=decimals))
