"""The pieces the incentive notebook composes: metrics frame, statement sheets, charts, plan lookup."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from sales_analytics.incentives import (
    compute_commissions,
    incentive_metrics,
    leaderboards,
    ledger_totals,
    load_incentive_plan,
    parse_incentive_plan,
    plot_leaderboard,
    plot_payouts,
    statement_tables,
)
from sales_analytics.report import use_theme

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]

ORDERS = pd.DataFrame(
    {
        "order_id": ["1", "2", "3", "4"],
        "order_date": pd.to_datetime(["2026-02-03", "2026-03-02", "2026-03-09", "2026-03-10"]),
        "customer_id": ["c1", "c2", "c3", "c1"],
        "rep_id": ["a", "a", "b", "b"],
        "amount": [100.0, 200.0, 300.0, 50.0],
        "status": ["paid"] * 4,
    }
)
REPS = pd.DataFrame(
    {
        "rep_id": ["a", "b", "x"],
        "rep_name": ["Ann", "Bo", "Xi"],
        "team": ["T1", "T2", "T1"],
        "hire_date": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-01-01"]),
        "active": [True, True, False],
    }
)


def test_incentive_metrics_joins_sales_targets_and_activities():
    targets = pd.DataFrame(
        {
            "period": ["2026-03", "2026-03"],
            "rep_id": ["a", "b"],
            "team": [None, None],
            "target_amount": [400.0, 350.0],
        }
    )
    acts = pd.DataFrame(
        {
            "activity_id": ["A1"],
            "rep_id": ["a"],
            "activity_type": ["visit"],
            "activity_at": pd.to_datetime(["2026-03-04 10:00"]),
        }
    )
    m = incentive_metrics(ORDERS, REPS, targets=targets, activities=acts, period="2026-03")
    mar = m.loc[m["period"] == "2026-03"].set_index("rep_id")
    # a: 200 / 400 = 0.5; b: (300 + 50) / 350 = 1.0
    assert mar["revenue"].to_dict() == {"a": 200.0, "b": 350.0}
    assert mar["attainment"].to_dict() == {"a": 0.5, "b": 1.0}
    assert mar["visits"].to_dict() == {"a": 1.0, "b": 0.0}
    assert mar["rep_name"].to_dict() == {"a": "Ann", "b": "Bo"}
    teams = incentive_metrics(ORDERS, REPS, by="team")
    assert teams.loc[teams["period"] == "2026-03"].set_index("team")["revenue"].to_dict() == {
        "T1": 200.0,
        "T2": 350.0,
    }


def test_incentive_metrics_of_the_prepared_order_facts_equal_those_of_the_frame():
    from sales_analytics.kpis import order_facts

    orders = pd.concat(
        [
            ORDERS,
            pd.DataFrame(
                {
                    "order_id": ["5", "2-R", "6"],
                    "order_date": pd.to_datetime(["2026-03-11", "2026-03-20", "2026-03-12"]),
                    "customer_id": ["c4", "c2", "c5"],
                    "rep_id": ["a", "a", "b"],
                    "amount": [80.0, -200.0, 40.0],
                    "status": ["paid", "refunded", "cancelled"],
                }
            ),
        ],
        ignore_index=True,
    )
    targets = pd.DataFrame({"period": ["2026-03"] * 2, "rep_id": ["a", "b"], "target_amount": [400.0, 350.0]})
    facts = order_facts(orders)
    for by in ("rep_id", "team"):
        from_frame = incentive_metrics(orders, REPS, targets=targets, by=by, period="2026-03")
        from_facts = incentive_metrics(facts, REPS, targets=targets, by=by, period="2026-03")
        pd.testing.assert_frame_equal(from_facts, from_frame, check_exact=True)
    # a in March: 200 − 200 (order 2 refunded in full the same month) + 80 = 80 over 1 order; 80 / 400 = 0.2
    mar = from_facts.loc[from_facts["period"] == "2026-03"].set_index("team")
    assert mar.loc["T1", ["revenue", "orders", "attainment"]].tolist() == [80.0, 1, 0.2]


def test_statement_tables_one_per_team_with_ascii_names():
    plan = parse_incentive_plan(
        {"commission": {"plans": [{"id": "p", "method": "marginal", "tiers": [{"from": 0, "rate": 0.1}]}]}}
    )
    res = compute_commissions(ORDERS, REPS, plan, period="2026-03").for_period("2026-03")
    sheets = statement_tables(res.statements)
    assert list(sheets) == ["incentive_statement_t1", "incentive_statement_t2"]
    assert sum(len(s) for s in sheets.values()) == len(res.statements)
    # the inactive rep x has no sales: no statement; a and b have one each
    assert sorted(res.summary["rep_id"]) == ["a", "b"]


def test_charts_draw_with_rank_changes():
    use_theme()  # as open_notebook does: CJK font registered
    m = incentive_metrics(ORDERS, REPS)
    board = leaderboards(m, boards=["revenue"])
    board = board[board["period"] == "2026-03"]
    fig = plot_leaderboard(board, "revenue", label_column="rep_name", language="en")
    texts = [t.get_text() for t in fig.axes[0].texts]
    # the KPI frame lists b in February with revenue 0 (rank 2): March b (350) first → ▲1; a second, was first → ▼1
    assert texts == ["▲1", "▼1"]
    fresh = plot_leaderboard(
        board[board["rep_id"] == "b"].assign(rank_change=pd.NA), "revenue", language="zh"
    )
    assert [t.get_text() for t in fresh.axes[0].texts] == ["新上榜"]
    plan = parse_incentive_plan(
        {"commission": {"plans": [{"id": "p", "method": "marginal", "tiers": [{"from": 0, "rate": 0.1}]}]}}
    )
    summary = compute_commissions(ORDERS, REPS, plan, period="2026-03").summary
    assert len(plot_payouts(summary.loc[summary["period"] == "2026-03"]).axes[0].patches) > 0
    matplotlib.pyplot.close("all")


def test_payout_chart_shows_the_top_reps_and_says_of_how_many():
    # 30 reps paid 1..30: the chart draws the 20 largest, largest first, and its title says so;
    # with 20 reps or fewer it draws them all under the plain title
    summary = pd.DataFrame(
        {
            "rep_id": [f"r{i:02d}" for i in range(1, 31)],
            "rep_name": [f"销售{i}" for i in range(1, 31)],
            "commission": [float(i) for i in range(1, 31)],
            "payout": [float(i) for i in range(1, 31)],
        }
    )
    for part in ("accelerator", "spiffs", "draw_topup", "clawbacks", "balance_recovery", "cap_adjustment"):
        summary[part] = 0.0
    ax = plot_payouts(summary, language="en").axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"销售{i}" for i in range(30, 10, -1)]
    assert ax.get_title() == "Payout this period by rep · top 20 of 30"
    zh = plot_payouts(summary, language="zh", top=5).axes[0]
    assert zh.get_title() == "本期应发提成（按销售） · 前 5 位（共 30 位）"
    assert len(zh.get_xticklabels()) == 5
    few = plot_payouts(summary.head(20), language="en").axes[0]
    assert few.get_title() == "Payout this period by rep" and len(few.get_xticklabels()) == 20
    matplotlib.pyplot.close("all")


def test_empty_ledger_table_when_none_supplied():
    empty = ledger_totals(None)
    assert empty.empty and "period" in empty.columns and "net_points" in empty.columns


def test_plan_file_is_found_next_to_the_parameters_file(tmp_path):
    shutil.copy(ROOT / "parameters" / "incentive_plan.yaml", tmp_path / "incentive_plan.yaml")
    (tmp_path / "default.yaml").write_text("language: en\n", encoding="utf-8")
    plan = load_incentive_plan(parameters_file=tmp_path / "default.yaml")
    assert plan.commission.plans
    with pytest.raises(Exception, match="file not found"):
        load_incentive_plan(parameters_file=tmp_path / "sub" / "default.yaml")


@pytest.mark.slow
def test_notebook_runs_on_the_sample(tmp_path):
    data = os.environ.get("SALES_ANALYTICS_DATA")
    if not data or not Path(data).is_dir():
        pytest.skip("no sample data: the root conftest generates it once sales_analytics.sample_data exists")
    import papermill as pm

    out = tmp_path / "tables"
    pm.execute_notebook(
        str(ROOT / "notebooks" / "03_incentives.ipynb"),
        str(tmp_path / "out.ipynb"),
        parameters={"data": data, "language": "en", "output_dir": str(out)},
        kernel_name="python3",
        progress_bar=False,
    )
    names = {p.stem for p in out.glob("*.parquet")}
    assert {
        "incentive_leaderboard_rep",
        "incentive_leaderboard_team",
        "incentive_contests",
        "incentive_awards",
        "incentive_commission_summary",
        "incentive_statements",
        "incentive_team_summary",
        "incentive_ledger",
    } <= names
    statements = pd.read_parquet(out / "incentive_statements.parquet")
    summary = pd.read_parquet(out / "incentive_commission_summary.parquet")
    per = statements.groupby("rep_id")["amount_cents"].sum().sort_index()
    assert per.to_dict() == summary.set_index("rep_id")["payout_cents"].sort_index().to_dict()
