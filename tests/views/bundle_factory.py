"""A small hand-made bundle in the published layout, for testing the views without a run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd


def make_bundle(
    outputs: Path, period: str = "2026-10", *, previous: str | None = "2026-09", with_surveys: bool = True
) -> Path:
    periods = [p for p in (previous, period) if p]
    for i, p in enumerate(periods):
        folder = outputs / p
        tables = folder / "tables"
        tables.mkdir(parents=True, exist_ok=True)
        scale = 1.0 + 0.1 * i
        months = pd.period_range(end=p, periods=13, freq="M").astype(str)
        pd.DataFrame(
            {
                "period": months,
                "revenue": [1_000_000 * scale + 10_000 * k for k in range(13)],
                "target_amount": [1_050_000.0] * 13,
                "pct_vs_previous": [0.02] * 13,
                "pct_vs_last_year": [-0.05 if i == 0 else 0.12] * 13,
            }
        ).to_parquet(tables / "kpi_sales_monthly.parquet")
        pd.DataFrame(
            {
                "period": [p] * 3,
                "team": ["华东一组", "华北二组", "华南一组"],
                "revenue": [400_000.0 * scale, 350_000.0, 250_000.0],
                "target_amount": [380_000.0, 400_000.0, 300_000.0],
                "attainment": [400_000 * scale / 380_000, 0.875, 250 / 300],
            }
        ).to_parquet(tables / "kpi_attainment_team.parquet")
        pd.DataFrame(
            {
                "period": [p] * 2,
                "rep_id": ["R001", "R002"],
                "rep_name": ["张伟", "李娜"],
                "revenue": [120_000.0 * scale, 90_000.0],
                "attainment": [1.1, 0.8],
                "orders": [30, 22],
            }
        ).to_parquet(tables / "kpi_scorecard.parquet")
        pd.DataFrame(
            {
                "period": [p] * 2,
                "rep_id": ["R001", "R002"],
                "status": ["On-Track", "Off-Track"],
            }
        ).to_parquet(tables / "kpi_pacing.parquet")
        pd.DataFrame(
            {
                "period": [p] * 3,
                "rank": [1, 2, 2],
                "rep_id": ["R001", "R003", "R002"],
                "rep_name": ["张伟", "王芳", "李娜"],
                "revenue": [120_000.0, 90_000.0, 90_000.0],
                "rank_change": [1, 0, -1],
            }
        ).to_parquet(tables / "incentive_leaderboard_rep.parquet")
        pd.DataFrame(
            {
                "period": [p],
                "customer_id": ["C000001"],
                "customer_name": ["上海某某科技有限公司"],
                "contact_phone": ["138****1234"],
                "rep_id": ["R001"],
                "value_at_risk": [52_000.0],
            }
        ).to_parquet(tables / "customer_churn_risk.parquet")
        if with_surveys:
            pd.DataFrame(
                {
                    "period": [p] * 4,
                    "instrument": ["customer_satisfaction"] * 2 + ["team_pulse"] * 2,
                    "group_by": ["all", "all", "team", "team"],
                    "group": ["all", "all", "华东一组", "华南一组"],
                    "metric": ["nps", "csat_top2", "enps", "enps"],
                    "value": [32.0, 81.0, 20.0, None],
                    "moe": [11.3, 5.2, 30.0, None],
                    "n": [210, 210, 9, None],
                    "change": [4.0, -1.0, None, None],
                    "suppressed": [False, False, False, True],
                }
            ).to_parquet(tables / "survey_scores.parquet")
        manifest = {
            "run_id": f"test-{p}",
            "status": "ok",
            "period": p,
            "started": f"{p}-28T08:00:00",
            "ended": f"{p}-28T08:00:40",
            "parameters": {"language": "zh"},
        }
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return outputs / period
