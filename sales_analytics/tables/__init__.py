"""The table catalog: every published table declared once.

The declarations are data, in ``catalog.yaml`` next to this module (about 70
tables with their columns read better as YAML than as Python literals): for
each table its lever, grain (key columns), zh/en description and columns with
kind, unit and label key. Publishing checks a table against its declaration
(:func:`check_table`, a pandera ``DataFrameSchema`` built from it); the Excel
contents sheet, the manifest and ``docs/tables.md`` (:func:`render_markdown`)
read the descriptions from here.

>>> spec = table_spec("kpi_sales_by_rep")
>>> spec.lever, spec.grain
('kpi', ('period', 'rep_id'))
>>> spec.column("revenue").unit, spec.column("revenue").label
('money', 'revenue')
>>> table_spec("incentive_statement_east_2").name
'incentive_statement_<team>'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from sales_analytics.errors import ConfigError, SalesAnalyticsError
from sales_analytics.vocabulary import LANGUAGES

__all__ = [
    "CATALOG_FILE",
    "KINDS",
    "UNITS",
    "ColumnSpec",
    "TableSpec",
    "catalog",
    "check_table",
    "conform_empty",
    "describe",
    "render_markdown",
    "table_spec",
]

CATALOG_FILE = Path(__file__).with_name("catalog.yaml")
LEVERS = (
    "dq",
    "kpi",
    "incentive",
    "customer",
    "survey",
    "training",
    "rules",
    "feedback",
    "goals",
    "conflict",
)
UNITS: dict[str, tuple[str, str]] = {  # unit → (zh, en) as docs/tables.md shows it
    "money": ("金额", "money (reporting currency)"),
    "cents": ("分", "money in integer cents"),
    "fraction": ("比例 0–1", "fraction 0–1 (shown as percent)"),
    "percent": ("百分数 0–100", "percent 0–100"),
    "count": ("个数", "count"),
    "days": ("天", "days"),
    "minutes": ("分钟", "minutes"),
    "hours": ("小时", "hours"),
    "months": ("月数", "months"),
    "points": ("积分", "points"),
    "score": ("得分", "score on the instrument's scale"),
    "number": ("数值", "number"),
    "text": ("文本", "text"),
    "id": ("编号", "identifier"),
    "date": ("日期", "date / time"),
    "month": ("月份 YYYY-MM", "month YYYY-MM"),
    "flag": ("是/否", "yes / no"),
    "key": ("标签键（按语言显示译文）", "label key (shown translated)"),
    "id_list": (
        "编号列表（逗号分隔；工作簿中单列明细表）",
        "comma-separated ids (a detail sheet in the workbook)",
    ),
}


def _all_null(s: pd.Series) -> bool:
    return bool(s.isna().all())


def _is_text(s: pd.Series) -> bool:
    if pd.api.types.is_string_dtype(s.dtype) and not pd.api.types.is_object_dtype(s.dtype):
        return True
    return bool(s.dropna().map(lambda v: isinstance(v, str)).all())


def _is_int(s: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(s.dtype):
        return False
    if pd.api.types.is_integer_dtype(s.dtype):
        return True
    # a merge or reindex turns an integer column with gaps into floats: whole numbers still pass
    return pd.api.types.is_float_dtype(s.dtype) and bool((s.dropna() % 1 == 0).all())


def _is_bool(s: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(s.dtype):
        return True
    return pd.api.types.is_object_dtype(s.dtype) and bool(s.dropna().map(lambda v: isinstance(v, bool)).all())


KINDS: dict[str, Callable[[pd.Series], bool]] = {
    "text": _is_text,
    "int": _is_int,
    "float": lambda s: pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype),
    "bool": _is_bool,
    "datetime": lambda s: pd.api.types.is_datetime64_any_dtype(s.dtype),
    "any": lambda s: True,
}


@dataclass(frozen=True)
class ColumnSpec:
    """One declared column: kind (checked), unit and label key ('' when the labels have none)."""

    name: str
    kind: str
    unit: str
    label: str


@dataclass(frozen=True)
class TableSpec:
    """One declared table (or, with ``pattern``, a family of tables named at run time)."""

    name: str
    lever: str
    grain: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    description: dict[str, str]
    pattern: str = ""
    rows: str = ""  # what one row is, for a table whose rows have no key (``grain`` empty)
    title: dict[str, str] = field(
        default_factory=dict
    )  # short zh/en name: a heading, an Excel sheet name (≤ 31 characters)

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} declares no column {name!r}")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def matches(self, name: str) -> bool:
        return name == self.name or bool(self.pattern and re.fullmatch(self.pattern, name))


_MAX_TITLE = 31  # Excel's limit for a sheet name
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Levers whose labels live under a namespace (``customers.recency``); the column name is tried first.
_LABEL_NAMESPACES = {"customer": "customers."}


def _column(table: str, lever: str, name: str, raw: Any, labels: dict[str, Any]) -> ColumnSpec:
    where = f"{table}.columns.{name}"
    if not isinstance(raw, list) or len(raw) not in (2, 3):
        raise ConfigError(
            str(CATALOG_FILE), where, f"must be [kind, unit] or [kind, unit, label key]; got {raw!r}"
        )
    kind, unit = str(raw[0]), str(raw[1])
    if kind not in KINDS:
        raise ConfigError(str(CATALOG_FILE), where, f"kind must be one of {sorted(KINDS)}; got {kind!r}")
    if unit not in UNITS:
        raise ConfigError(str(CATALOG_FILE), where, f"unit must be one of {sorted(UNITS)}; got {unit!r}")
    namespaced = _LABEL_NAMESPACES.get(lever, "") + name
    key = str(raw[2]) if len(raw) == 3 else next((k for k in (name, namespaced) if k in labels), "")
    if key and key not in labels:
        raise ConfigError(str(CATALOG_FILE), where, f"label key {key!r} is in no report/labels/*.yaml file")
    return ColumnSpec(name, kind, unit, key)


def _table(name: str, raw: Any, labels: dict[str, Any]) -> TableSpec:
    path = str(CATALOG_FILE)
    if not isinstance(raw, dict):
        raise ConfigError(path, name, f"must be a mapping; got {raw!r}")
    keys = ("lever", "title", "grain", "rows", *LANGUAGES, "columns", "pattern")
    unknown = sorted(set(raw) - set(keys))
    if unknown:
        raise ConfigError(path, f"{name}.{unknown[0]}", f"is not a catalog key ({', '.join(keys)})")
    if raw.get("lever") not in LEVERS:
        raise ConfigError(path, f"{name}.lever", f"must be one of {list(LEVERS)}; got {raw.get('lever')!r}")
    for lang in LANGUAGES:
        if not str(raw.get(lang) or "").strip():
            raise ConfigError(path, f"{name}.{lang}", "the description is missing")
    title = raw.get("title")
    if not isinstance(title, dict) or set(title) != set(LANGUAGES):
        raise ConfigError(path, f"{name}.title", f"must be {{zh: short name, en: short name}}; got {title!r}")
    for lang, text in title.items():
        if not str(text or "").strip() or len(str(text)) > _MAX_TITLE or _TITLE_FORBIDDEN.search(str(text)):
            raise ConfigError(
                path,
                f"{name}.title.{lang}",
                f"must be 1 to {_MAX_TITLE} characters without []:*?/\\ (it names an Excel sheet); got {text!r}",
            )
    columns = raw.get("columns")
    if not isinstance(columns, dict) or "period" not in columns:
        raise ConfigError(
            path, f"{name}.columns", "must map column names to [kind, unit] and include 'period'"
        )
    cols = tuple(_column(name, str(raw["lever"]), str(c), v, labels) for c, v in columns.items())
    grain = tuple(str(g) for g in raw.get("grain") or ())
    missing = [g for g in grain if g not in columns]
    rows = str(raw.get("rows") or "")
    if missing or not (grain or rows):
        raise ConfigError(
            path,
            f"{name}.grain",
            f"must list declared columns (or be empty with a `rows` note); not declared: {missing}",
        )
    pattern = str(raw.get("pattern") or "")
    if not pattern and not re.fullmatch(r"[a-z][a-z0-9_]{1,62}", name):
        raise ConfigError(path, name, "a table name is lower_snake_case (or the entry has a pattern)")
    return TableSpec(
        name,
        raw["lever"],
        grain,
        cols,
        {lang: str(raw[lang]) for lang in LANGUAGES},
        pattern,
        rows,
        {lang: str(title[lang]) for lang in LANGUAGES},
    )


@lru_cache(maxsize=1)
def catalog() -> dict[str, TableSpec]:
    """Every declared table by name, in the catalog file's order (read once)."""
    from sales_analytics.config import load_yaml
    from sales_analytics.report.labels import all_labels

    data = load_yaml(CATALOG_FILE)  # the package's one safe loader (the C loader when PyYAML has it)
    labels = all_labels()
    return {str(name): _table(str(name), raw, labels) for name, raw in data.items()}


def table_spec(name: str) -> TableSpec:
    """The declaration of table ``name``; an undeclared name is an error naming the catalog."""
    specs = catalog()
    if name in specs:
        return specs[name]
    for spec in specs.values():
        if spec.pattern and spec.matches(name):
            return spec
    raise SalesAnalyticsError(
        f"table {name!r} is not declared in the table catalog ({_catalog_ref()}): "
        "add its name, lever, grain, columns and zh/en description there before publishing it"
    )


def conform_empty(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A table with no rows gets the declared columns, in the declared order (others are dropped).

    A lever with nothing to report for a month (no survey wave, no chat) often builds its empty
    result without the columns a full one has; the published file still has the declared shape.
    A table with rows is returned unchanged (:func:`check_table` judges it).

    >>> conform_empty("kpi_attainment_team", pd.DataFrame({"period": []})).columns[:3].tolist()
    ['period', 'team', 'revenue']
    """
    if len(frame):
        return frame
    names = [c.name for c in table_spec(name).columns]
    return frame.reindex(columns=names)


def describe(name: str, language: str = "zh") -> str:
    """The one-line description of a published table in ``language`` ('' when undeclared)."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {sorted(LANGUAGES)}; got {language!r}")
    try:
        return table_spec(name).description[language]
    except SalesAnalyticsError:
        return ""


def _catalog_ref() -> str:
    return "sales_analytics/tables/catalog.yaml"


@cache
def _schema(name: str) -> Any:
    try:
        import pandera.pandas as pa
    except ImportError:  # pandera < 0.24 has the pandas API at the top level
        import pandera as pa  # type: ignore[no-redef]

    spec = catalog()[name]
    return pa.DataFrameSchema(
        {
            c.name: pa.Column(
                checks=pa.Check(lambda s, kind=c.kind: _all_null(s) or KINDS[kind](s), name=f"kind {c.kind}"),
                nullable=True,
            )
            for c in spec.columns
        },
        strict=True,
        ordered=False,
        name=spec.name,
    )


def _kind_found(s: pd.Series) -> str:
    for kind in ("bool", "int", "float", "datetime", "text"):
        if KINDS[kind](s):
            return kind if kind != "int" or pd.api.types.is_integer_dtype(s.dtype) else "float"
    return f"{s.dtype} values"


def check_table(name: str, frame: pd.DataFrame) -> None:
    """Check ``frame`` against the declaration of ``name``; every failure is reported at once.

    Missing and undeclared columns and columns of another kind are errors
    naming the table, the column, what the catalog expects and what was found.

    >>> good = pd.DataFrame({"period": ["2026-10"], "product_category": ["tea"], "revenue": [1.0], "orders": [1],
    ...     "aov": [1.0], "customers": [1], "new_customers": [1], "returning_customers": [0], "workdays": [21],
    ...     "revenue_per_workday": [0.05]})
    >>> check_table("kpi_sales_by_category", good)
    >>> check_table("kpi_sales_by_category", good.assign(revenue="1.0"))
    Traceback (most recent call last):
    ...
    sales_analytics.errors.SalesAnalyticsError: table 'kpi_sales_by_category' does not match its declaration ...
    """
    import pandera.errors

    spec = table_spec(name)
    try:
        _schema(spec.name).validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        problems = []
        for row in exc.failure_cases.drop_duplicates(["check", "column", "failure_case"]).itertuples():
            check, column, case = str(row.check), row.column, row.failure_case
            if check == "column_in_dataframe":
                problems.append(f"column {case!r}: declared, not found")
            elif check == "column_in_schema":
                problems.append(f"column {case!r}: found, not declared")
            elif check.startswith("kind "):
                found = _kind_found(frame[column])
                problems.append(
                    f"column {column!r}: expected {check[5:]}, found {found} ({frame[column].dtype})"
                )
            else:  # pragma: no cover - the schema holds no other checks
                problems.append(f"column {column!r}: {check} failed ({case!r})")
        raise SalesAnalyticsError(
            f"table {name!r} does not match its declaration in {_catalog_ref()}: " + "; ".join(problems)
        ) from None


def render_markdown() -> str:
    """``docs/tables.md``: every declared table with its grain, description and columns."""
    from sales_analytics.report.labels import all_labels

    labels = all_labels()
    lines = [
        "# Published tables",
        "",
        "Generated from `sales_analytics/tables/catalog.yaml` by `sales_analytics.tables.render_markdown()`",
        "(`python -m sales_analytics.tables > docs/tables.md`); a test checks this file equals the rendering.",
        "Every table carries a `period` column (the report month); publishing checks each table against",
        "its declaration: the declared columns, no others, each of the declared kind.",
        "",
        "| lever | table | grain | description |",
        "|---|---|---|---|",
    ]
    specs = list(catalog().values())
    for s in specs:
        grain = ", ".join(s.grain) or s.rows
        lines.append(f"| {s.lever} | [`{s.name}`](#{_anchor(s.name)}) | {grain} | {s.description['en']} |")
    lines.append("")
    for s in specs:
        lines += [f"## {s.name}", "", f"**{s.title['en']}** · **{s.title['zh']}**", ""]
        lines += [f"{s.description['en']}", "", f"{s.description['zh']}", ""]
        if s.pattern:
            lines += [f"One table per team, named by the pattern `{s.pattern}`.", ""]
        rows = ", ".join(f"`{g}`" for g in s.grain) if s.grain else f"{s.rows} (no key)"
        lines += [
            f"Lever `{s.lever}`; one row per {rows}.",
            "",
            "| column | kind | unit | label (zh / en) |",
            "|---|---|---|---|",
        ]
        for c in s.columns:
            text = f"{labels[c.label]['zh']} / {labels[c.label]['en']}" if c.label else ""
            lines.append(f"| `{c.name}` | {c.kind} | {c.unit} | {text.replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines)


def _anchor(name: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "", name.lower())
