"""How report.xlsx arranges tables for a manager: sheet titles, statement totals, id lists apart.

Pure functions over frames (no workbook here); :mod:`sales_analytics.report.excel` writes what they return.

- :func:`sheet_title`: the catalog's short title of a table in the run's language (a team
  statement gets its team's name after it); an undeclared table keeps its name.
- :func:`with_statement_totals`: a commission statement with a subtotal row under each rep and
  a total under each team (and a grand total when several teams share the sheet).
- :func:`split_id_lists`: columns declared ``id_list`` (e.g. the ~1,000 order ids behind a
  statement line) leave the sheet; :func:`id_detail` gives them one row per id on a detail sheet.
"""

from __future__ import annotations

import pandas as pd

from sales_analytics.errors import SalesAnalyticsError
from sales_analytics.report.labels import label
from sales_analytics.report.present import split_ids
from sales_analytics.tables import TableSpec, table_spec

__all__ = [
    "STATEMENT_TABLE",
    "TOTAL_LINE_TYPES",
    "id_detail",
    "report_order",
    "sheet_title",
    "split_id_lists",
    "with_statement_totals",
]

STATEMENT_TABLE = "incentive_statements"  # the declaration every statement table shares
# ``line_type`` of the total rows with_statement_totals adds (bold in the workbook).
TOTAL_LINE_TYPES = ("rep_total", "team_total", "grand_total")
# Statement columns summed on a total row (the rest stay empty there).
_STATEMENT_SUMS = ("amount", "amount_cents")


def _spec(name: str) -> TableSpec | None:
    try:
        return table_spec(name)
    except SalesAnalyticsError:
        return None


def report_order(names: list[str]) -> list[str]:
    """Table names in the order a manager reads them: by lever (data quality, KPIs, incentives,
    customers, surveys, training, rules, feedback, goals, conflicts), then as the catalog lists
    them; undeclared tables last, in the order given.

    >>> report_order(["conflict_by_team", "x_fixture", "kpi_sales_monthly", "dq_tables"])
    ['dq_tables', 'kpi_sales_monthly', 'conflict_by_team', 'x_fixture']
    """
    from sales_analytics.tables import LEVERS, catalog

    position = {spec.name: i for i, spec in enumerate(catalog().values())}

    def key(item: tuple[int, str]) -> tuple[int, int, int]:
        i, name = item
        spec = _spec(name)
        if spec is None:
            return (len(LEVERS), 0, i)
        return (LEVERS.index(spec.lever), position[spec.name], i)

    return [name for _, name in sorted(enumerate(names), key=key)]


def sheet_title(name: str, frame: pd.DataFrame, language: str) -> str:
    """The sheet title of table ``name`` (before making it a valid, unique sheet name).

    >>> sheet_title("kpi_sales_by_team", pd.DataFrame(), "zh"), sheet_title("fixture_x", pd.DataFrame(), "zh")
    ('团队销售', 'fixture_x')
    >>> sheet_title("incentive_statement_team_01", pd.DataFrame({"team": ["华东一组"]}), "zh")
    '提成明细 华东一组'
    """
    spec = _spec(name)
    if spec is None:
        return name
    title = spec.title[language]
    if spec.pattern:  # one table per team: the team's name tells the sheets apart
        teams = frame["team"].dropna().astype(str).unique() if "team" in frame.columns else []
        suffix = teams[0] if len(teams) == 1 else name.rsplit("_", 2)[-2] + "_" + name.rsplit("_", 1)[-1]
        title = f"{title} {suffix}"
    return title


def is_family(name: str) -> bool:
    """Whether table ``name`` is one of a family named at run time (one per team)."""
    spec = _spec(name)
    return spec is not None and bool(spec.pattern)


def is_statement(name: str) -> bool:
    """Whether table ``name`` is a commission statement (all teams, or one team's)."""
    spec = _spec(name)
    return spec is not None and (
        spec.name == STATEMENT_TABLE or spec.columns == table_spec(STATEMENT_TABLE).columns
    )


def with_statement_totals(frame: pd.DataFrame, language: str = "zh") -> pd.DataFrame:
    """A statement with a total row after each rep's lines and after each team (values, no formulas).

    A total row carries the rep (or team), ``line_type`` ``rep_total`` / ``team_total`` /
    ``grand_total`` (label keys, shown translated) and the sums of ``amount`` and
    ``amount_cents``; the lines keep their order within a rep. ``frame`` is not changed.

    >>> lines = pd.DataFrame({"period": ["2026-10"] * 3, "rep_id": ["R1", "R1", "R2"], "rep_name": ["甲", "甲", "乙"],
    ...     "team": ["T"] * 3, "line_no": [1, 2, 1], "line_type": ["commission"] * 3, "amount": [10.0, 5.5, 7.0],
    ...     "amount_cents": [1000, 550, 700]})
    >>> out = with_statement_totals(lines)
    >>> out[["rep_id", "line_type", "amount"]].values.tolist()  # R1 10 + 5.5 = 15.5; team 15.5 + 7 = 22.5
    [['R1', 'commission', 10.0], ['R1', 'commission', 5.5], ['R1', 'rep_total', 15.5], ['R2', 'commission', 7.0], ['R2', 'rep_total', 7.0], ['', 'team_total', 22.5]]
    """
    if frame.empty or not {"rep_id", "team", "amount"} <= set(frame.columns):
        return frame
    sums = [c for c in _STATEMENT_SUMS if c in frame.columns]
    ordered = frame.sort_values(["team", "rep_id"], kind="stable").reset_index(drop=True)
    pieces: list[pd.DataFrame] = []
    teams = list(dict.fromkeys(ordered["team"].tolist()))

    def total_row(part: pd.DataFrame, kind: str, **keys: object) -> pd.DataFrame:
        row: dict[str, object] = {c: None for c in frame.columns}
        # amounts are cents-exact: their sum is rounded to the cent (no 7018.589999999999)
        row.update({c: round(float(part[c].sum()), 2) if c == "amount" else part[c].sum() for c in sums})
        row.update(period=part["period"].iloc[0] if "period" in part else None, line_type=kind, **keys)
        return pd.DataFrame([row], columns=frame.columns)

    for team in teams:
        team_lines = ordered[ordered["team"] == team]
        for rep in dict.fromkeys(team_lines["rep_id"].tolist()):
            rep_lines = team_lines[team_lines["rep_id"] == rep]
            pieces.append(rep_lines)
            names = {"rep_name": rep_lines["rep_name"].iloc[0]} if "rep_name" in frame.columns else {}
            pieces.append(total_row(rep_lines, "rep_total", rep_id=rep, team=team, **names))
        pieces.append(total_row(team_lines, "team_total", rep_id="", team=team))
    if len(teams) > 1:
        pieces.append(total_row(ordered, "grand_total", rep_id="", team=""))
    out = pd.concat(pieces, ignore_index=True)
    for c in sums:  # integer cents stay integers
        if pd.api.types.is_integer_dtype(frame[c].dtype):
            out[c] = out[c].astype(frame[c].dtype)
    return out


def split_id_lists(name: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` without its ``id_list`` columns, and their names (none for an undeclared table)."""
    spec = _spec(name)
    if spec is None:
        return frame, []
    lists = [c.name for c in spec.columns if c.unit == "id_list" and c.name in frame.columns]
    return (frame.drop(columns=lists) if lists else frame), lists


def id_detail(name: str, frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per id of the ``id_list`` column ``column``, keyed by the table's grain.

    >>> f = pd.DataFrame({"period": ["2026-10"] * 2, "rep_id": ["R1", "R2"], "line_no": [1, 1],
    ...     "source_order_ids": ["O1, O2", ""]})
    >>> id_detail("incentive_statements", f, "source_order_ids").values.tolist()
    [['2026-10', 'R1', 1, 'O1'], ['2026-10', 'R1', 1, 'O2']]
    """
    spec = table_spec(name)
    keys = [g for g in spec.grain if g in frame.columns]
    rows = [
        (*key, one)
        for key, ids in zip(frame[keys].itertuples(index=False, name=None), frame[column].tolist())
        for one in (split_ids(ids) if isinstance(ids, str) else [])
    ]
    return pd.DataFrame(rows, columns=[*keys, _detail_column(column)])


def _detail_column(column: str) -> str:
    """The column of one id: ``source_order_ids`` → ``order_id``."""
    base = column.removesuffix("_ids")
    return (base.split("_")[-1] + "_id") if base != column else column


def detail_title(name: str, column: str, language: str) -> str:
    """The sheet title of an id detail: the table's title and the column's label."""
    spec = table_spec(name)
    return f"{spec.title[language]} · {label(column, language)}"


def detail_labels() -> dict[str, str]:
    """Label keys of the id columns a detail sheet shows."""
    return {"order_id": "tables.order_id"}
