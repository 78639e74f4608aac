"""Native Excel charts of the headline trends, on one sheet of report.xlsx.

Three charts, each drawn from a small block of values written on the same sheet
(numbers and text, never a formula): revenue against target per month, target
attainment per team for the report month, customer NPS and CSAT per survey
wave. A chart whose tables the bundle lacks is left out; with none, the sheet is
not written. :func:`chart_data` computes the blocks (pure); :func:`write_charts`
puts them and the charts on a worksheet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from sales_analytics.report.labels import label
from sales_analytics.report.present import currency_name

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

__all__ = ["ChartBlock", "chart_data", "write_charts"]

_MONTHS = 13  # the report month and the same month a year before
#: the tables the charts read (a prepared table keeps its frame for them: excel.prepare_table)
CHART_TABLES = ("kpi_sales_monthly", "kpi_attainment_team", "survey_scores")
_CJK_FONT = "Microsoft YaHei"  # Excel's usual CJK UI font; LibreOffice substitutes its own


@dataclass(frozen=True)
class ChartBlock:
    """The values of one chart: a category column and one or more series (label key → column)."""

    key: str  # label key of the chart title
    frame: pd.DataFrame  # first column: categories; the others: series
    kinds: tuple[str, ...]  # per series: column | line | bar
    number_format: str  # of the value axis and the cells ('' for plain numbers)
    axis_key: str = ""  # label key of the value axis


def _revenue_vs_target(tables: Mapping[str, pd.DataFrame], period: str) -> ChartBlock | None:
    monthly = tables.get("kpi_sales_monthly")
    if monthly is None or monthly.empty:
        return None
    rows = monthly[monthly["period"].astype(str) <= period].tail(_MONTHS)
    block = pd.DataFrame(
        {"period": rows["period"].astype(str).tolist(), "revenue": rows["revenue"].astype(float).tolist()}
    )
    kinds = ["column"]
    teams = tables.get("kpi_attainment_team")
    if teams is not None and not teams.empty:
        target = teams.groupby(teams["period"].astype(str))["target_amount"].sum(min_count=1)
        block["target_amount"] = block["period"].map(target).astype(float)
        kinds.append("line")
    return ChartBlock("excel_chart_revenue_target", block, tuple(kinds), "#,##0", "revenue")


def _attainment_by_team(tables: Mapping[str, pd.DataFrame], period: str) -> ChartBlock | None:
    teams = tables.get("kpi_attainment_team")
    if teams is None or teams.empty:
        return None
    now = teams[teams["period"].astype(str) == period].dropna(subset=["attainment"])
    if now.empty:
        return None
    now = now.sort_values("attainment", ascending=True, kind="stable")
    block = pd.DataFrame(
        {"team": now["team"].astype(str).tolist(), "attainment": now["attainment"].astype(float).tolist()}
    )
    return ChartBlock("excel_chart_attainment_team", block, ("bar",), "0%", "attainment")


def _survey_trend(tables: Mapping[str, pd.DataFrame], period: str) -> ChartBlock | None:
    scores = tables.get("survey_scores")
    if scores is None or scores.empty:
        return None
    company = scores[
        (scores["group_by"] == "all")
        & (scores["instrument"] == "customer_satisfaction")
        & (scores["period"].astype(str) <= period)
        & ~scores["suppressed"].fillna(False).astype(bool)
    ]
    wide = company[company["metric"].isin(["nps", "csat_top2"])].pivot_table(
        index="period", columns="metric", values="value", aggfunc="first"
    )
    if wide.empty:
        return None
    wide = wide.sort_index().tail(_MONTHS)
    block = pd.DataFrame({"period": [str(p) for p in wide.index]})
    for metric in ("nps", "csat_top2"):
        if metric in wide.columns:
            block[metric] = wide[metric].astype(float).tolist()
    return ChartBlock(
        "excel_chart_nps_csat", block, ("line",) * (block.shape[1] - 1), "0.0", "excel_chart_score"
    )


def chart_data(tables: Mapping[str, pd.DataFrame], period: str) -> list[ChartBlock]:
    """The chart blocks the bundle's tables allow, in sheet order.

    >>> monthly = pd.DataFrame({"period": ["2026-09", "2026-10", "2026-11"], "revenue": [10.0, 12.0, 99.0]})
    >>> [b.frame.values.tolist() for b in chart_data({"kpi_sales_monthly": monthly}, "2026-10")]
    [[['2026-09', 10.0], ['2026-10', 12.0]]]
    """
    blocks = (
        _revenue_vs_target(tables, period),
        _attainment_by_team(tables, period),
        _survey_trend(tables, period),
    )
    return [b for b in blocks if b is not None and len(b.frame)]


def _series_name(column: str, language: str) -> str:
    return label(column, language)


def write_charts(
    workbook: Workbook,
    sheet: Worksheet,
    blocks: list[ChartBlock],
    *,
    language: str,
    currency: str = "CNY",
    header: Any = None,
) -> None:
    """Write each block's values (as numbers and text) and a native chart beside them."""
    font = {"name": _CJK_FONT} if language == "zh" else {}
    row = 0
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 3, 16)
    for block in blocks:
        title = label(block.key, language)
        sheet.write_string(row, 0, title, workbook.add_format({"bold": True, "font_size": 12}))
        head = row + 1
        value_format = (
            workbook.add_format({"num_format": block.number_format}) if block.number_format else None
        )
        for c, column in enumerate(block.frame.columns):
            sheet.write_string(head, c, _series_name(str(column), language), header)
        for r, values in enumerate(block.frame.itertuples(index=False, name=None), start=head + 1):
            sheet.write_string(r, 0, str(values[0]))
            for c, v in enumerate(values[1:], start=1):
                if v is not None and pd.notna(v):
                    sheet.write_number(r, c, float(v), value_format)
        last = head + len(block.frame)
        chart = _chart(workbook, sheet.name, block, head, last, language, currency, font)
        sheet.insert_chart(row, 5, chart, {"x_scale": 1.45, "y_scale": 1.1})
        row = max(last + 2, row + 18)


def _chart(
    workbook: Workbook,
    sheet_name: str,
    block: ChartBlock,
    head: int,
    last: int,
    language: str,
    currency: str,
    font: dict,
) -> Any:
    charts = []
    for c, kind in enumerate(block.kinds, start=1):
        chart = workbook.add_chart({"type": kind})
        series: dict[str, Any] = {
            "name": [sheet_name, head, c],
            "categories": [sheet_name, head + 1, 0, last, 0],
            "values": [sheet_name, head + 1, c, last, c],
        }
        if kind == "line":
            series["marker"] = {"type": "circle", "size": 5}
        if kind == "bar":
            series["data_labels"] = {
                "value": True,
                "num_format": block.number_format,
                **({"font": font} if font else {}),
            }
        charts.append((chart, series))
    main = charts[0][0]
    for chart, series in charts:
        chart.add_series(series)
        if chart is not main:
            main.combine(chart)
    main.set_title({"name": label(block.key, language), "name_font": {**font, "size": 12}})
    axis_name = label(block.axis_key, language) if block.axis_key else ""
    if block.number_format == "#,##0":  # money: the axis in millions, said in its title
        axis_name = label("excel_axis_millions", language).format(
            label=axis_name, unit=currency_name(currency, language)
        )
        number_format = "#,##0.0,,"
    else:
        number_format = block.number_format
    value_axis = {"name": axis_name, "num_format": number_format, "name_font": font, "num_font": font}
    category_axis = {"num_font": {**font, "rotation": -45} if block.kinds[0] != "bar" else font}
    if block.kinds[0] == "bar":
        main.set_x_axis(value_axis)
        main.set_y_axis(category_axis)
    else:
        main.set_y_axis(value_axis)
        main.set_x_axis(category_axis)
    main.set_legend({"position": "bottom", "font": font})
    return main
