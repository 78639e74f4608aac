"""A small hand-made bundle in the published layout, with known pay amounts and a suppressed survey cut."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd

PERIOD = "2026-10"
# Pay that must never reach a group: commission, rewards, prizes (distinctive figures).
COMMISSION = {"R001": 12_345.67, "R002": 8_765.43, "R003": 4_321.09}
REWARD = {"R001": 1_888.0, "R002": 0.0, "R003": 666.0}
PRIZE = {"R001": 3_456.0, "R002": 1_234.0}


def make_bundle(outputs: Path, period: str = PERIOD, *, language: str = "zh", threshold: int = 5) -> Path:
    folder = outputs / period
    tables = folder / "tables"
    tables.mkdir(parents=True, exist_ok=True)
    (folder / "inputs").mkdir()
    months = pd.period_range(end=period, periods=13, freq="M").astype(str)
    pd.DataFrame(
        {
            "period": months,
            "revenue": [1_000_000.0 + 10_000 * k for k in range(13)],
            "pct_vs_previous": [0.0125] * 13,
            "pct_vs_last_year": [-0.034] * 13,
        }
    ).to_parquet(tables / "kpi_sales_monthly.parquet")
    pd.DataFrame(
        {
            "period": [period] * 2,
            "team": ["华东一组", "华南一组"],
            "revenue": [700_000.0, 420_000.0],
            "target_amount": [600_000.0, 400_000.0],
            "attainment": [7 / 6, 1.05],
        }
    ).to_parquet(tables / "kpi_attainment_team.parquet")
    reps = pd.DataFrame(
        {
            "rep_id": ["R001", "R002", "R003"],
            "rep_name": ["张伟", "李娜", "王芳"],
            "team": ["华东一组", "华东一组", "华南一组"],
        }
    )
    pd.DataFrame(
        {
            "period": [period] * 3,
            "rep_id": reps["rep_id"],
            "revenue": [500_000.0, 200_000.0, 420_000.0],
            "target_amount": [400_000.0, 250_000.0, 400_000.0],
            "attainment": [1.25, 0.8, 1.05],
        }
    ).to_parquet(tables / "kpi_attainment_rep.parquet")
    reps.assign(
        period=period, revenue=[500_000.0, 200_000.0, 420_000.0], attainment=[1.25, 0.8, 1.05]
    ).to_parquet(tables / "kpi_scorecard.parquet")
    pd.DataFrame(
        {
            "period": [period] * 6,
            "rep_id": ["R001", "R003", "R002"] * 2,
            "rep_name": ["张伟", "王芳", "李娜"] * 2,
            "team": ["华东一组", "华南一组", "华东一组"] * 2,
            "board": ["revenue"] * 3 + ["attainment"] * 3,
            "rank": pd.array([1, 2, 3, 1, 2, 3], dtype="Int64"),
            "value": [500_000.0, 420_000.0, 200_000.0, 1.25, 1.05, 0.8],
            "reward_amount": [REWARD["R001"], REWARD["R003"], REWARD["R002"]] * 2,
            "net_amount": [REWARD["R001"], REWARD["R003"], REWARD["R002"]] * 2,
        }
    ).to_parquet(tables / "incentive_leaderboard_rep.parquet")
    pd.DataFrame(
        {
            "period": [period] * 2,
            "team": ["华东一组", "华南一组"],
            "board": ["revenue"] * 2,
            "rank": pd.array([1, 2], dtype="Int64"),
            "value": [700_000.0, 420_000.0],
        }
    ).to_parquet(tables / "incentive_leaderboard_team.parquet")
    pd.DataFrame(
        {
            "period": [period] * 3,
            "award": ["top_seller", "best_satisfaction", "most_improved"],
            "awarded": [True, True, False],
            "rep_id": ["R001", "R002", None],
            "rep_name": ["张伟", "李娜", None],
            "team": ["华东一组", "华东一组", None],
            "metric": ["revenue", "csat", "revenue_growth"],
            "value": [500_000.0, 100.0, float("nan")],
        }
    ).to_parquet(tables / "incentive_awards.parquet")
    # 李娜's CSAT rests on 3 responses: below the anonymity threshold of 5.
    pd.DataFrame(
        {"period": [period] * 2, "rep_id": ["R001", "R002"], "csat": [80.0, 100.0], "responses": [12, 3]}
    ).to_parquet(tables / "survey_rep_satisfaction.parquet")
    pd.DataFrame(
        {
            "period": [period] * 4,
            "instrument": ["customer_satisfaction"] * 4,
            "group_by": ["all", "all", "team", "team"],
            "group": ["all", "all", "华东一组", "华南一组"],
            "metric": ["nps", "csat_top2", "nps", "nps"],
            "value": [42.0, 81.25, 37.5, -66.6667],
            "n": [24.0, 24.0, 20.0, 4.0],
            "suppressed": [False, False, False, True],
        }
    ).to_parquet(tables / "survey_scores.parquet")
    pd.DataFrame(
        {
            "period": [period] * 2,
            "contest_id": ["monthly_top"] * 2,
            "contest": ["月度销冠赛"] * 2,
            "contest_en": ["Monthly top-seller race"] * 2,
            "metric": ["revenue"] * 2,
            "entity": ["R001", "R002"],
            "entity_name": ["张伟", "李娜"],
            "value": [500_000.0, 200_000.0],
            "rank": [1, 2],
            "prize": [f"现金奖励 {PRIZE['R001']:,.0f} 元", f"购物卡 {PRIZE['R002']:,.0f} 元"],
            "prize_amount": [PRIZE["R001"], PRIZE["R002"]],
            "winner": [True, True],
        }
    ).to_parquet(tables / "incentive_contests.parquet")
    pd.DataFrame(
        {"period": [period] * 3, "rep_id": list(COMMISSION), "commission": list(COMMISSION.values())}
    ).to_parquet(tables / "incentive_statements.parquet")
    pd.DataFrame(
        {
            "deal_id": ["D1", "D2", "D3"],
            "rep_id": ["R003", "R001", "R002"],
            "status": ["won", "won", "lost"],
            "amount": [350_000.0, 90_000.0, 500_000.0],
            "close_date": pd.to_datetime([f"{period}-12", f"{period}-20", f"{period}-21"]),
        }
    ).to_parquet(folder / "inputs" / "deals.parquet")
    wb = openpyxl.Workbook()
    wb.active["A1"] = "提成"
    wb.active["B1"] = COMMISSION["R001"]
    wb.save(folder / "report.xlsx")
    manifest = {
        "schema": 1,
        "run_id": "20261101T060000Z-abcdef",
        "period": period,
        "status": "ok",
        "language": language,
        "parameters": {
            "language": language,
            "organisation": "示例销售部",
            "surveys": {"anonymity_threshold": threshold},
        },
        "tables": [],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return folder


def pay_strings() -> list[str]:
    """Every way a pay amount of this bundle could be written."""
    from sales_analytics.views.components import fmt_money

    out = []
    for amount in [*COMMISSION.values(), *REWARD.values(), *PRIZE.values()]:
        if amount:
            out += [
                f"{amount:,.2f}",
                f"{amount:,.0f}",
                f"{amount:.2f}",
                fmt_money(amount, "zh"),
                fmt_money(amount, "en"),
            ]
    return sorted(set(out))


def leaks(text: str, strings) -> list[str]:
    """Which of ``strings`` occur in ``text`` as a whole figure (not inside a longer number:
    "¥107" is not found in "¥107.1万", "1,888" not in "11,888")."""
    import re

    return sorted(s for s in strings if re.search(r"(?<![\d.,])" + re.escape(s) + r"(?![\d,]|\.\d)", text))
