"""The charts of the report pages and the views, drawn once.

Each function takes published (or just computed) tables and a language and
returns a matplotlib :class:`~matplotlib.figure.Figure`: a lever notebook
``display``\\ s it, a view turns it into an image (``views.components.chart``).
Titles and axis labels come from ``report/labels/*.yaml`` in the language
given; money axes read 万 / 亿 or k / M with the currency in their label and
shares read as percentages (:func:`~sales_analytics.report.present.money_axis`,
:func:`~sales_analytics.report.present.percent_axis`). A figure is made
without pyplot (nothing is left open in a server process) after
:func:`~sales_analytics.report.theme.use_theme`, so Chinese labels render
with the CJK font.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from sales_analytics.report.labels import label
from sales_analytics.report.present import money_axis, percent_axis

__all__ = [
    "attainment_chart",
    "clv_segment_chart",
    "dimension_heatmaps",
    "driver_charts",
    "event_study_chart",
    "funnel_chart",
    "growth_waterfall_chart",
    "leaderboard_chart",
    "leaderboard_charts",
    "migration_chart",
    "new_figure",
    "payouts_chart",
    "problems_chart",
    "revenue_trend_chart",
    "rfm_grid_chart",
    "rows_by_month_chart",
    "score_trend_charts",
    "segment_chart",
    "team_targets",
]

BLUE, ORANGE, GREEN, RED, GREY = "#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8c8c8c"


def new_figure(width: float = 7.5, height: float = 3.2, *, ncols: int = 1) -> tuple[Figure, Any]:
    """A themed figure (CJK font) and its axes (an array of ``ncols`` axes when ``ncols`` > 1)."""
    from sales_analytics.report.theme import use_theme

    use_theme()
    fig = Figure(figsize=(width, height))
    return fig, fig.subplots(1, ncols)


def _rows_of(frame: pd.DataFrame, period: str | None) -> pd.DataFrame:
    if period is None or "period" not in frame.columns:
        return frame
    return frame[frame["period"].astype(str) == str(period)]


def _names(frame: pd.DataFrame, stem: str, language: str) -> pd.Series:
    """``<stem>_<language>`` (a published table) or ``<stem>`` (a view's localized copy) as text."""
    column = f"{stem}_{language}" if f"{stem}_{language}" in frame.columns else stem
    return frame[column].astype(str)


def revenue_trend_chart(
    revenue: pd.DataFrame,
    language: str,
    *,
    targets: Mapping[str, float] | pd.Series | None = None,
    currency: str = "CNY",
    title: str = "",
    months: int | None = None,
    size: tuple[float, float] = (7.5, 3.2),
) -> Figure:
    """Revenue per month (line) and its target (dashed) where ``targets`` (period → amount) has one.

    ``revenue`` has ``period`` and ``revenue`` columns (``kpi_sales_monthly``,
    one rep's rows of ``kpi_sales_by_rep``); ``months`` keeps the latest ones.

    >>> fig = revenue_trend_chart(pd.DataFrame({"period": ["2026-09", "2026-10"], "revenue": [1e4, 2e4]}),
    ...                           "en", targets={"2026-10": 1.5e4})
    >>> ax = fig.axes[0]; ax.get_ylabel(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('Revenue (CNY)', ['Revenue', 'Target'])
    """
    rows = revenue.assign(period=revenue["period"].astype(str)).sort_values("period")
    if months is not None:
        rows = rows.tail(months)
    periods = rows["period"].tolist()
    fig, ax = new_figure(*size)
    ax.plot(periods, rows["revenue"].tolist(), marker="o", label=label("revenue", language))
    if targets is not None:
        ax.plot(
            periods,
            [targets.get(k, math.nan) for k in periods],
            linestyle="--",
            label=label("target_amount", language),
        )
    if title:
        ax.set_title(title)
    ax.set_ylabel(label("revenue", language))
    money_axis(ax, language, currency=currency)
    ax.tick_params(axis="x", rotation=45)
    ax.legend()
    return fig


def team_targets(attainment_team: pd.DataFrame | None) -> pd.Series | None:
    """The company's target per month: the sum of the team targets (``kpi_attainment_team``)."""
    if attainment_team is None or "target_amount" not in attainment_team.columns:
        return None
    return attainment_team.groupby(attainment_team["period"].astype(str))["target_amount"].sum()


def attainment_chart(
    attainment: pd.DataFrame, by: str, language: str, *, period: str | None = None, title: str = ""
) -> Figure:
    """Attainment per ``by`` (``rep_id`` / ``team``) as horizontal bars, the 100 % line dashed.

    ``period`` keeps that month's rows of a table with many months.

    >>> att = pd.DataFrame({"period": ["2026-10", "2026-10"], "team": ["A", "B"], "attainment": [0.8, 1.2]})
    >>> ax = attainment_chart(att, "team", "zh").axes[0]; ax.get_xlabel(), ax.get_yticklabels()[-1].get_text()
    ('完成率', 'B')
    """
    rows = _rows_of(attainment, period).sort_values("attainment")
    fig, ax = new_figure(7.5, 0.8 + 0.45 * max(len(rows), 1))
    ax.barh(rows[by].astype(str), rows["attainment"], color=BLUE)
    ax.axvline(1.0, color="grey", linestyle="--")
    for y, v in enumerate(rows["attainment"]):
        if pd.notna(v):
            ax.text(v, y, f" {v:.0%}", va="center")
    ax.set_xlabel(label("attainment", language))
    ax.set_ylabel(label(by, language))
    if title:
        ax.set_title(title)
    percent_axis(ax, "x")
    return fig


def growth_waterfall_chart(
    by_team: pd.DataFrame, period: str, language: str, *, currency: str = "CNY"
) -> Figure:
    """Last month's revenue, each team's change (green up, red down), this month's revenue.

    ``by_team`` is ``kpi_sales_by_team`` (``previous``, ``change_vs_previous``,
    ``revenue``); a team new this month counts its whole revenue as its change.

    >>> t = pd.DataFrame({"period": "2026-10", "team": ["A", "B"], "previous": [100.0, 50.0],
    ...                   "change_vs_previous": [20.0, -10.0], "revenue": [120.0, 40.0]})
    >>> ax = growth_waterfall_chart(t, "2026-10", "en").axes[0]
    >>> [round(p.get_height()) for p in ax.patches]  # 150, +20, -10, 160
    [150, 20, -10, 160]
    """
    now = _rows_of(by_team, period).sort_values("change_vs_previous", ascending=False)
    start = float(now["previous"].fillna(0).sum())
    steps = now["change_vs_previous"].fillna(now["revenue"]).to_numpy()
    bottoms = start + steps.cumsum() - steps
    fig, ax = new_figure(9, 3.5)
    ax.bar([label("previous", language)], [start], color=GREY)
    ax.bar(now["team"].astype(str), steps, bottom=bottoms, color=[GREEN if s >= 0 else RED for s in steps])
    ax.bar([str(period)], [start + steps.sum()], color=BLUE)
    ax.set(title=label("kpi_growth_waterfall", language), ylabel=label("revenue", language))
    money_axis(ax, language, currency=currency)
    ax.tick_params(axis="x", rotation=45)
    return fig


def funnel_chart(funnel: pd.DataFrame, language: str) -> Figure:
    """Deals reaching each stage (``kpi_stage_conversion``), with the share of the first stage.

    >>> f = pd.DataFrame({"stage": ["lead", "won"], "deals_reached": [10, 4], "conversion_from_first": [1.0, 0.4]})
    >>> [t.get_text() for t in funnel_chart(f, "en").axes[0].texts]
    [' 10 (100%)', ' 4 (40%)']
    """
    fig, ax = new_figure(9, 0.9 + 0.45 * max(len(funnel), 1))
    ax.barh(funnel["stage"].astype(str), funnel["deals_reached"], color=ORANGE)
    ax.invert_yaxis()  # the first stage on top
    for i, (n, c) in enumerate(zip(funnel["deals_reached"], funnel["conversion_from_first"], strict=True)):
        ax.text(n, i, f" {n} ({c:.0%})", va="center")
    ax.set(
        title=label("kpi_funnel_title", language),
        xlabel=label("deals_reached", language),
        ylabel=label("stage", language),
    )
    return fig


def segment_chart(segments: pd.DataFrame, language: str) -> Figure:
    """Customers per RFM segment (bars) with each segment's share of revenue (``customer_segments``).

    >>> s = pd.DataFrame({"segment_en": ["Champions", "Lost"], "customers": [3, 9], "revenue_share": [0.7, 0.1]})
    >>> ax = segment_chart(s, "en").axes[0]; ax.get_xlabel(), ax.texts[0].get_text()
    ('Customers', ' 3 · revenue share 70%')
    """
    s = segments.sort_values("customers", ascending=False).iloc[::-1]
    fig, ax = new_figure(7.5, 0.8 + 0.38 * max(len(s), 1))
    ax.barh(_names(s, "segment", language), s["customers"], color=BLUE)
    if "revenue_share" in s.columns:
        share_text = label("view_revenue_share_short", language)
        for y, (v, share) in enumerate(zip(s["customers"], s["revenue_share"], strict=True)):
            ax.text(v, y, f" {v:,} · {share_text} {share:.0%}", va="center")
    ax.set_xlabel(label("customers", language))
    return fig


def migration_chart(migration: pd.DataFrame, language: str, *, values: str = "customers") -> Figure:
    """Segment migration as a heatmap: last month's segment (rows) × this month's (columns).

    ``values`` is ``customers`` (counts) or ``share`` (of last month's segment).
    """
    import seaborn as sns

    from sales_analytics.customers.migration import migration_matrix

    matrix = migration_matrix(migration, values=values, language=language)
    fig, ax = new_figure(8.5, 0.9 + 0.42 * max(len(matrix), 1))
    fmt = "d" if values == "customers" else ".0%"
    sns.heatmap(matrix, annot=True, fmt=fmt, cmap="Blues", cbar=False, ax=ax)
    ax.grid(False)
    ax.set_xlabel(label("view_migration_to", language))
    ax.set_ylabel(label("view_migration_from", language))
    return fig


def rfm_grid_chart(heatmap: pd.DataFrame, language: str) -> Figure:
    """Mean spend per recency × frequency score (``customer_rfm_heatmap``), recent customers on top."""
    import seaborn as sns

    grid = heatmap.pivot(index="r", columns="f", values="mean_monetary").sort_index(ascending=False)
    fig, ax = new_figure(7.5, 5)
    sns.heatmap(
        grid,
        annot=True,
        fmt=",.0f",
        cmap="YlGnBu",
        cbar_kws={"label": label("customers.mean_monetary", language)},
        ax=ax,
    )
    ax.set(xlabel=label("customers.f", language), ylabel=label("customers.r", language))
    return fig


def clv_segment_chart(clv_segments: pd.DataFrame, language: str, *, currency: str = "CNY") -> Figure:
    """Expected 12-month value of each RFM segment (``customer_clv_segments``)."""
    fig, ax = new_figure(7.5, 0.8 + 0.38 * max(len(clv_segments), 1))
    rows = clv_segments.iloc[::-1]
    ax.barh(_names(rows, "segment", language), rows["clv_total"], color=GREEN)
    ax.set(xlabel=label("customers.clv_total", language), ylabel="")
    money_axis(ax, language, "x", currency=currency)
    return fig


def event_study_chart(events: pd.DataFrame, language: str) -> Figure:
    """One event-study panel per outcome (``training_event_study``): estimates by month from training."""
    from sales_analytics.training.impact import OUTCOMES
    from sales_analytics.training.plots import plot_event_study

    fig, axes = new_figure(15, 3.8, ncols=len(OUTCOMES))
    for ax, outcome in zip(axes, OUTCOMES, strict=True):
        plot_event_study(events, outcome=outcome, language=language, ax=ax)
    fig.tight_layout()
    return fig


def rows_by_month_chart(rows: pd.DataFrame, language: str) -> Figure:
    """Rows per table and month (``dq_rows_by_month``): one line per table on a log scale."""
    import seaborn as sns

    fig, ax = new_figure(10, 4)
    sns.lineplot(data=rows, x="month", y="rows", hue="table", marker="o", ax=ax)
    ax.set(
        title=label("dq_rows_by_month_title", language),
        xlabel=label("month", language),
        ylabel=label("rows", language),
        yscale="log",
    )
    ax.tick_params(axis="x", rotation=60)
    return fig


def problems_chart(by_kind: pd.DataFrame, language: str) -> Figure | None:
    """The warnings per kind and table (``None`` when there is no warning).

    ``by_kind``: ``severity, table, kind, count`` with the kind already in ``language``.
    """
    import seaborn as sns

    warnings = by_kind[by_kind["severity"] == "warning"]
    if warnings.empty:
        return None
    fig, ax = new_figure(8, 0.5 + 0.4 * len(warnings))
    sns.barplot(data=warnings, y="kind", x="count", hue="table", ax=ax)
    ax.set(title=label("dq_problems_title", language), xlabel=label("count", language), ylabel="")
    return fig


# ------------------------------------------- the levers' own chart functions, as figures to display
def _detached(fig: Figure) -> Figure:
    """A figure drawn through pyplot, closed there: a notebook shows it once, where it is displayed."""
    import matplotlib.pyplot as plt

    plt.close(fig)
    return fig


def leaderboard_charts(
    board: pd.DataFrame,
    language: str,
    *,
    boards: tuple[str, ...] = ("revenue", "attainment", "composite_score"),
    by: str = "rep_id",
    label_column: str | None = None,
) -> list[Figure]:
    """One bar chart per board of ``boards`` that ``board`` (``incentive_leaderboard_*``) holds.

    >>> b = pd.DataFrame({"board": "revenue", "rank": [1, 2], "rep_id": ["r1", "r2"], "value": [9.0, 5.0],
    ...                   "rank_change": [0, 1]})
    >>> len(leaderboard_charts(b, "en"))  # no attainment or composite board here
    1
    """
    present = set(board["board"])
    return [
        leaderboard_chart(board, name, language, by=by, label_column=label_column)
        for name in boards
        if name in present
    ]


def leaderboard_chart(
    board: pd.DataFrame, name: str, language: str, *, by: str = "rep_id", label_column: str | None = None
) -> Figure:
    """The bars of one board (``revenue``, ``composite_score`` …) with each entity's rank change."""
    from sales_analytics.incentives.charts import plot_leaderboard
    from sales_analytics.report.theme import use_theme

    use_theme()  # a view's kernel may not have set the theme (and the CJK font) yet
    return _detached(plot_leaderboard(board, name, by=by, label_column=label_column, language=language))


def payouts_chart(summary: pd.DataFrame, language: str) -> Figure:
    """Each rep's payout stacked by part (``incentive_commission_summary``)."""
    from sales_analytics.incentives.charts import plot_payouts

    return _detached(plot_payouts(summary, language=language))


def score_trend_charts(scores: pd.DataFrame, instruments: Mapping[str, Any], language: str) -> list[Any]:
    """Per instrument with NPS, CSAT or CES items: its score trend (``survey_scores``), or a line
    saying it has no responses yet."""
    from IPython.display import Markdown

    from sales_analytics.surveys.charts import headline_metrics, plot_score_trend

    out: list[Any] = []
    for inst_id, inst in instruments.items():
        metrics = headline_metrics(inst)
        if not metrics:
            continue
        rows = scores[scores["instrument"] == inst_id]
        title = inst.title(language)
        if rows.empty:
            out.append(Markdown(label("survey_no_responses", language).format(survey=title)))
        else:
            out.append(_detached(plot_score_trend(rows, metrics=metrics, language=language, title=title)))
    return out


def dimension_heatmaps(
    dimensions: pd.DataFrame, instruments: Mapping[str, Any], language: str
) -> list[Figure]:
    """Per instrument in ``survey_dimensions``: dimension means by team in its latest month."""
    from sales_analytics.surveys.charts import plot_dimension_heatmap

    out = []
    for inst_id in dimensions["instrument"].unique():
        last = dimensions.loc[dimensions["instrument"] == inst_id, "period"].max()
        fig = plot_dimension_heatmap(dimensions, instruments[inst_id], period=last, language=language)
        out.append(_detached(fig))
    return out


def driver_charts(drivers: pd.DataFrame, instruments: Mapping[str, Any], language: str) -> list[Figure]:
    """Per instrument in ``survey_drivers``: the relative weight of each driver."""
    from sales_analytics.surveys.charts import plot_drivers

    return [
        _detached(plot_drivers(drivers, instruments[inst_id], language=language))
        for inst_id in drivers["instrument"].unique()
    ]
