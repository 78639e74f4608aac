"""The shared charts (sales_analytics/report/charts.py): a Figure with the labels and units of its language.

Each chart is drawn from a small hand-built table in Chinese and English;
the checks read the axes back (labels, tick texts, bar heights) and render
the Chinese figure to PNG without a missing-glyph warning (the CJK font).
"""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from matplotlib.figure import Figure

from sales_analytics.report import charts
from sales_analytics.report.labels import label
from sales_analytics.report.theme import use_theme

LANGUAGES = ("zh", "en")


def _rendered_without_missing_glyphs(fig: Figure, tmp_path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(tmp_path / "chart.png")
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []
    assert (tmp_path / "chart.png").stat().st_size > 1000


def _monthly() -> pd.DataFrame:
    # 14 months: the chart keeps the latest 13
    periods = [str(p) for p in pd.period_range("2025-09", "2026-10", freq="M")]
    return pd.DataFrame({"period": periods, "revenue": [10_000.0 * (i + 1) for i in range(14)]})


@pytest.mark.parametrize("language", LANGUAGES)
def test_revenue_trend_has_money_axis_target_line_and_the_latest_months(language, tmp_path):
    targets = pd.Series({"2026-10": 150_000.0})
    fig = charts.revenue_trend_chart(_monthly(), language, targets=targets, months=13, title="T")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    unit = {"zh": "营收（元）", "en": "Revenue (CNY)"}[language]
    assert ax.get_ylabel() == unit
    revenue, target = ax.get_lines()
    assert len(revenue.get_xdata()) == 13 and list(revenue.get_xdata())[0] == "2025-10"
    assert list(revenue.get_ydata())[-1] == 140_000.0  # 10,000 × 14
    assert pd.isna(list(target.get_ydata())[0]) and list(target.get_ydata())[-1] == 150_000.0
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        label("revenue", language),
        label("target_amount", language),
    ]
    ticks = ax.yaxis.get_major_formatter()(1_000_000, 0)
    assert ticks == {"zh": "100万", "en": "1M"}[language]
    _rendered_without_missing_glyphs(fig, tmp_path)


def test_team_targets_add_up_the_teams_per_month():
    att = pd.DataFrame(
        {
            "period": ["2026-09", "2026-10", "2026-10"],
            "team": ["a", "a", "b"],
            "target_amount": [5.0, 6.0, 4.0],
        }
    )
    assert charts.team_targets(att).to_dict() == {"2026-09": 5.0, "2026-10": 10.0}  # 6 + 4
    assert charts.team_targets(None) is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_attainment_of_the_month_as_percent_bars(language, tmp_path):
    att = pd.DataFrame(
        {
            "period": ["2026-09", "2026-10", "2026-10"],
            "rep_id": ["r1", "r1", "r2"],
            "attainment": [2.0, 0.85, 1.1],
        }
    )
    fig = charts.attainment_chart(att, "rep_id", language, period="2026-10")
    ax = fig.axes[0]
    assert [p.get_width() for p in ax.patches] == [0.85, 1.1]  # 2026-09 left out, lowest first
    assert ax.get_xlabel() == label("attainment", language)
    assert ax.get_ylabel() == label("rep_id", language)
    assert ax.xaxis.get_major_formatter()(0.85, 0) == "85%"
    assert [t.get_text() for t in ax.texts] == [" 85%", " 110%"]
    _rendered_without_missing_glyphs(fig, tmp_path)


@pytest.mark.parametrize("language", LANGUAGES)
def test_growth_waterfall_steps_from_last_month_to_this_month(language):
    by_team = pd.DataFrame(
        {
            "period": "2026-10",
            "team": ["east", "west", "new"],
            "previous": [100.0, 50.0, None],
            "change_vs_previous": [20.0, -10.0, None],
            "revenue": [120.0, 40.0, 7.0],
        }
    )
    ax = charts.growth_waterfall_chart(by_team, "2026-10", language).axes[0]
    # last month 150; east +20, the new team +7 (its whole revenue), west -10; this month 167
    # the largest change first, a team without a previous month last
    assert [p.get_height() for p in ax.patches] == [150.0, 20.0, -10.0, 7.0, 167.0]
    assert [p.get_y() for p in ax.patches[1:4]] == [150.0, 170.0, 160.0]  # 150 + 20 - 10 = 160
    assert ax.get_title() == label("kpi_growth_waterfall", language)
    assert [t.get_text() for t in ax.get_xticklabels()][0] == label("previous", language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_funnel_shows_counts_and_conversion(language, tmp_path):
    funnel = pd.DataFrame(
        {"stage": ["线索", "成交"], "deals_reached": [20, 5], "conversion_from_first": [1.0, 0.25]}
    )
    fig = charts.funnel_chart(funnel, language)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == [" 20 (100%)", " 5 (25%)"]
    assert ax.get_xlabel() == label("deals_reached", language)
    _rendered_without_missing_glyphs(fig, tmp_path)


def _segments() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment_zh": ["重要价值客户", "流失客户"],
            "segment_en": ["Champions", "Lost"],
            "customers": [30, 120],
            "revenue_share": [0.6, 0.05],
            "clv_total": [2_000_000.0, 50_000.0],
        }
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_segments_in_the_language_of_the_chart(language, tmp_path):
    fig = charts.segment_chart(_segments(), language)
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert names == list(_segments()[f"segment_{language}"])  # bottom to top: the largest (Lost) on top
    share = label("view_revenue_share_short", language)
    assert sorted(t.get_text() for t in ax.texts) == sorted([f" 30 · {share} 60%", f" 120 · {share} 5%"])
    _rendered_without_missing_glyphs(fig, tmp_path)


def test_a_view_localized_segment_column_is_read_too():
    view_copy = _segments().drop(columns=["segment_en"]).rename(columns={"segment_zh": "segment"})
    ax = charts.segment_chart(view_copy, "zh").axes[0]
    assert {t.get_text() for t in ax.get_yticklabels()} == {"重要价值客户", "流失客户"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_clv_by_segment_on_a_money_axis(language):
    ax = charts.clv_segment_chart(_segments(), language).axes[0]
    unit = {"zh": "终身价值合计（元）", "en": "Total CLV (CNY)"}[language]
    assert ax.get_xlabel() == unit
    assert ax.xaxis.get_major_formatter()(2_000_000, 0) == {"zh": "200万", "en": "2M"}[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_migration_counts_and_shares(language, tmp_path):
    migration = pd.DataFrame(
        {
            "from_zh": ["甲", "甲"],
            "from_en": ["A", "A"],
            "to_zh": ["甲", "乙"],
            "to_en": ["A", "B"],
            "from_order": [1, 1],
            "to_order": [1, 2],
            "customers": [3, 1],
            "share": [0.75, 0.25],
        }
    )
    counts = charts.migration_chart(migration, language).axes[0]
    assert [t.get_text() for t in counts.texts] == ["3", "1"]
    assert counts.get_xlabel() == label("view_migration_to", language)
    assert counts.get_ylabel() == label("view_migration_from", language)
    shares = charts.migration_chart(migration, language, values="share")
    assert [t.get_text() for t in shares.axes[0].texts] == ["75%", "25%"]
    _rendered_without_missing_glyphs(shares, tmp_path)


@pytest.mark.parametrize("language", LANGUAGES)
def test_rfm_grid_puts_recent_customers_on_top(language):
    heatmap = pd.DataFrame(
        {"r": [1, 1, 5, 5], "f": [1, 5, 1, 5], "mean_monetary": [10.0, 20.0, 30.0, 40_000.0]}
    )
    ax = charts.rfm_grid_chart(heatmap, language).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["5", "1"]
    assert [t.get_text() for t in ax.texts] == ["30", "40,000", "10", "20"]
    assert ax.get_xlabel() == label("customers.f", language)


def test_event_study_has_one_panel_per_outcome():
    rows = [
        {"outcome": o, "rel_month": m, "estimate": 1.0, "ci_low": 0.0, "ci_high": 2.0}
        for o in ("revenue", "win_rate", "satisfaction")
        for m in (-1, 0, 1)
    ]
    fig = charts.event_study_chart(pd.DataFrame(rows), "en")
    assert len(fig.axes) == 3
    assert {ax.get_xlabel() for ax in fig.axes} == {label("training_rel_month", "en")}


def test_data_quality_charts(tmp_path):
    rows = pd.DataFrame({"table": ["orders", "orders"], "month": ["2026-09", "2026-10"], "rows": [10, 100]})
    ax = charts.rows_by_month_chart(rows, "zh").axes[0]
    assert (ax.get_yscale(), ax.get_ylabel(), ax.get_title()) == ("log", "行数", "各表每月行数")
    kinds = pd.DataFrame(
        {
            "severity": ["warning", "info"],
            "table": ["orders", "orders"],
            "kind": ["未来日期", "x"],
            "count": [3, 9],
        }
    )
    fig = charts.problems_chart(kinds, "zh")
    assert [p.get_width() for p in fig.axes[0].patches if p.get_width()] == [3]  # warnings only
    _rendered_without_missing_glyphs(fig, tmp_path)
    assert charts.problems_chart(kinds[kinds["severity"] == "info"], "zh") is None


def test_the_charts_use_the_cjk_font():
    family = use_theme()
    fig = charts.attainment_chart(
        pd.DataFrame({"team": ["华东"], "attainment": [1.0]}), "team", "zh", title="完成率"
    )
    assert fig.axes[0].title.get_fontfamily()[0] == "sans-serif"
    assert matplotlib.rcParams["font.sans-serif"][0] == family
