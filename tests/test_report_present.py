"""The presentation layer (sales_analytics.report.present): one format for reports, workbook and views."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sales_analytics.errors import SalesAnalyticsError
from sales_analytics.report.present import (
    MISSING,
    column_views,
    display_frame,
    excel_number_format,
    format_value,
    money_axis,
    p_value_text,
    percent_axis,
    present,
)


def _team_attainment() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": ["2026-10", "2026-10", "2026-10"],
            "team": ["华东一组", "华北一组", "<b>华南</b>"],
            "revenue": [1_318_402.2, 3_781_771.72, float("nan")],
            "target_amount": [1_297_000.0, 4_080_000.0, 1_274_000.0],
            "attainment": [1.016501, 0.926905, np.inf],
            "gap": [-21_402.2, 298_228.28, None],
        }
    )


def test_a_declared_table_reads_in_the_run_language_with_units():
    shown = present(_team_attainment(), "kpi_attainment_team", language="zh", max_rows=None)
    assert list(shown.frame.columns) == [
        "期间",
        "团队",
        "营收（元）",
        "目标（元）",
        "完成率",
        "距目标差额（元）",
    ]
    # money column reaching 100,000: whole units with thousands separators (1,318,402.2 → 1,318,402)
    assert shown.frame["营收（元）"].tolist() == ["1,318,402", "3,781,772", MISSING]
    # fraction → percent, one decimal: 1.016501 → 101.7%; infinity is missing, not "inf%"
    assert shown.frame["完成率"].tolist() == ["101.7%", "92.7%", MISSING]
    assert shown.frame["距目标差额（元）"].tolist() == ["-21,402", "298,228", MISSING]
    assert shown.frame.index.tolist() == [0, 1, 2] and shown.total_rows == 3 and shown.note == ""
    en = present(_team_attainment(), "kpi_attainment_team", language="en")
    assert list(en.frame.columns)[:3] == ["Period", "Team", "Revenue (CNY)"]


def test_html_is_escaped_has_no_index_and_right_aligns_numbers():
    html = present(_team_attainment(), "kpi_attainment_team", language="en").to_html()
    assert "<b>华南</b>" not in html and "&lt;b&gt;华南&lt;/b&gt;" in html
    assert html.count("<tr>") == 4  # a header row and three rows: no index column, no extra header row
    assert '<th class="num">Revenue (CNY)</th>' in html and "<th>Team</th>" in html
    assert '<td class="num">101.7%</td>' in html
    assert not re.search(r"nan|NaN|inf|e\+\d", html)


def test_row_cap_says_top_n_of_m_and_where_the_rest_is():
    frame = pd.DataFrame({"period": ["2026-10"] * 30, "rep_id": [f"R{i:03d}" for i in range(30)]}).assign(
        revenue=[float(i) for i in range(30)]
    )
    shown = present(frame, language="en", max_rows=5, sort_by="revenue", where="report.xlsx “Sales by rep”")
    assert shown.shown_rows == 5 and shown.total_rows == 30
    assert shown.frame.iloc[0, 1] == "R029"  # sorted first, then cut: the top five by revenue
    assert shown.note == "Top 5 of 30 rows. The full table is in report.xlsx “Sales by rep”."
    zh = present(frame, language="zh", max_rows=5)
    assert zh.note == "显示前 5 行，共 30 行。"


@pytest.mark.parametrize(
    ("value", "unit", "language", "expected"),
    [
        (0.1234, "fraction", "zh", "12.3%"),
        (12.5, "percent", "en", "12.5%"),
        (1234, "count", "en", "1,234"),
        (True, "flag", "zh", "是"),
        (False, "flag", "en", "No"),
        (None, "money", "zh", MISSING),
        (pd.NaT, "date", "zh", MISSING),
        (8.5e-14, "number", "en", "<0.001"),  # a float rest, never 8.5e-14
        (-8.5e-14, "number", "en", ">-0.001"),
        (3.235248e8, "money", "en", "323,524,800.00"),
        (-0.004, "money", "en", "0.00"),  # never "-0.00"
        (pd.Timestamp("2026-10-31"), "date", "en", "2026-10-31"),
        (pd.Timestamp("2026-10-31 14:05:09"), "date", "en", "2026-10-31 14:05"),
        ("spiff", "key", "zh", "专项奖励"),
        ("O1, O2, O3, O4", "id_list", "en", "O1, O2, O3 … (+1)"),
        ("R001", "id", "en", "R001"),
    ],
)
def test_format_value(value, unit, language, expected):
    assert format_value(value, unit, language) == expected


def test_translated_pairs_show_one_twin_under_one_header():
    frame = pd.DataFrame(
        {
            "period": ["2026-10"],
            "segment": ["at_risk"],
            "segment_zh": ["流失预警"],
            "segment_en": ["At risk"],
            "customers": [3],
        }
    )
    zh = present(frame, "customer_segments", language="zh").frame
    en = present(frame, "customer_segments", language="en").frame
    assert zh.iloc[0].tolist()[:2] == ["2026-10", "流失预警"] and "at_risk" not in zh.iloc[0].tolist()
    assert en.iloc[0].tolist()[:2] == ["2026-10", "At risk"]
    assert len(zh.columns) == len(en.columns) == 3  # the code and the other language's twin are hidden


def test_undeclared_columns_are_typed_by_dtype_not_by_name():
    frame = pd.DataFrame({"period": ["2026-10"], "attainment_like_share": [0.5], "ok": [True]})
    views = {v.source: v.unit for v in column_views(frame, language="en")}
    assert views == {"period": "text", "attainment_like_share": "number", "ok": "flag"}
    with pytest.raises(SalesAnalyticsError, match=r"table 'no_such_table' is not declared"):
        present(frame, "no_such_table")
    with pytest.raises(SalesAnalyticsError, match=r"columns \['nope'\] are not in the table"):
        present(frame, columns=["period", "nope"])


def test_statement_pay_is_exact_and_a_spiff_rate_is_an_amount():
    lines = pd.DataFrame(
        {
            "period": ["2026-10"] * 2,
            "rep_id": ["R1", "R1"],
            "line_type": ["commission", "spiff"],
            "rate": [0.03, 200.0],
            "amount": [123_456.78, 1_800.0],
        }
    )
    shown = present(lines, "incentive_statements", language="zh").frame
    # pay stays to the cent even above 100,000; a SPIFF's rate is 200.00 a unit, not 20000.0%
    assert shown["金额（元）"].tolist() == ["123,456.78", "1,800.00"]
    assert shown["比例"].tolist() == ["3.0%", "200.00"]
    assert shown["项目类型"].tolist() == ["提成", "专项奖励"]


def test_display_frame_keeps_numbers_and_does_not_touch_its_input():
    frame = _team_attainment()
    before = frame.copy()
    shown = display_frame(frame, "kpi_attainment_team", language="en")
    pd.testing.assert_frame_equal(frame, before)
    assert shown["Revenue (CNY)"].iloc[0] == 1_318_402.2 and list(shown.index) == [0, 1, 2]


def test_contact_columns_never_reach_a_table():
    frame = pd.DataFrame({"period": ["2026-10"], "customer_id": ["C1"], "phone": ["13800000000"]})
    assert "13800000000" not in present(frame, language="en").to_html()


def test_excel_number_formats_follow_the_units():
    assert excel_number_format("fraction") == "0.0%"
    assert excel_number_format("money", pd.Series([2.5e6])) == "#,##0"
    assert excel_number_format("money", pd.Series([25.5])) == "#,##0.00"
    assert excel_number_format("money", pd.Series([2.5e6]), decimals=2) == "#,##0.00"
    assert excel_number_format("text") is None


def test_p_values_never_use_scientific_notation():
    assert p_value_text(5.33e-148) == "p < 0.001" and p_value_text(0.5) == "p = 0.500"


def test_axis_formatters_give_units_and_no_offset():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sales_analytics.report.theme import use_theme

    use_theme()  # the CJK font: 亿 and 元 have glyphs
    fig, ax = plt.subplots()
    ax.bar(["a", "b"], [3.2e8, 1.5e8])
    ax.set_ylabel("营收")
    money_axis(ax, "zh")
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ax.get_ylabel() == "营收（元）"
    assert "3亿" in ticks and all("e" not in t for t in ticks)
    fig2, ax2 = plt.subplots()
    ax2.barh(["a"], [1.25])
    percent_axis(ax2, "x")
    fig2.canvas.draw()
    assert "120%" in [t.get_text() for t in ax2.get_xticklabels()]
    plt.close("all")


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-(10**15), max_value=10**15),
        st.none(),
    ),
    st.sampled_from(["money", "fraction", "percent", "count", "days", "score", "number", "points"]),
    st.sampled_from(["zh", "en"]),
)
@example(value=1.797693134862316e306, unit="fraction", language="zh")  # × 100 overflowed to "inf%"
def test_no_number_ever_reads_in_scientific_notation_or_as_nan(value, unit, language):
    text = format_value(value, unit, language)
    assert not re.search(r"e[+-]?\d|nan|inf|None", text, re.IGNORECASE), text
    assert text == MISSING or re.fullmatch(r"[<>]?-?[\d,]+(\.\d+)?%?", text), text


def test_key_values_read_by_their_names_in_either_language():
    """Codes a table keeps (survey dimensions, segments, a forecast model, a ranking method) are
    named by report/key_names.py: column-scoped labels first, then labels, instruments, segment maps."""
    dims = pd.DataFrame(
        {
            "period": ["2026-10"],
            "instrument": ["team_pulse"],
            "dimension": ["rules_clarity"],
            "missing": ["listwise"],
        }
    )
    zh = present(dims, "survey_reliability", language="zh", columns=["instrument", "dimension", "missing"])
    assert zh.frame.iloc[0].tolist() == ["团队内部反馈调查", "制度清晰", "整行剔除缺失"]
    forecast = pd.DataFrame({"level": ["team"], "model": ["level"]})
    en = present(forecast, "goals_forecast", language="en")
    # the model "level" is not the column "level": labels/goals.yaml model.level
    assert en.frame.iloc[0].tolist() == ["Team", "Level only (short history)"]
    board = pd.DataFrame({"rank_method": ["competition (1, 2, 2, 4)"]})
    assert (
        present(board, "incentive_leaderboard_rep", language="zh").frame.iloc[0, 0].startswith("并列同名次")
    )


def test_a_code_column_beside_its_translated_pair_is_hidden():
    clusters = pd.DataFrame(
        {
            "cluster": [0],
            "cluster_name": ["core_high_value"],
            "cluster_zh": ["核心高价值客户"],
            "cluster_en": ["Core"],
        }
    )
    shown = present(clusters, "customer_clusters", language="zh")
    assert shown.frame.iloc[0].tolist() == ["核心高价值客户"]  # neither the number nor the code


def test_statement_lines_read_in_the_run_language():
    lines = pd.DataFrame(
        {
            "line_type": ["spiff", "cap", "rounding"],
            "description": [
                "SPIFF 软件季末推广: 200.00 per order × 3 (…)",
                "commission capped at 5,000.00",
                "payout …",
            ],
            "tier": ["software_push", None, None],
            "n_orders": [3, 0, 0],
            "base_amount": [9000.0, 5600.0, None],
            "rate": [200.0, None, None],
            "adjustment": [None, "max_payout 5,000.00", "100.004 → 100.00"],
            "amount_cents": [60000, -60000, -0],
        }
    )
    shown = present(
        lines, "incentive_statements", language="zh", columns=["description", "tier", "adjustment"]
    )
    # the cap: base 5,600 + amount −600 = 5,000 per period
    assert shown.frame.values.tolist() == [
        ["专项奖励：软件季末推广，3 单 × 200.00", "软件季末推广", MISSING],
        ["封顶调整：每期提成上限 5,000.00", MISSING, "每期提成上限 5,000.00"],
        ["取整差额", MISSING, "100.004 → 100.00"],
    ]
    assert lines["description"].iloc[1] == "commission capped at 5,000.00"  # the frame is not changed
