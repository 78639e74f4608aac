"""``sales-analytics incentive-plan``: plan check from the command line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sales_analytics.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_valid_plan_prints_a_summary(capsys):
    assert main(["incentive-plan", "--file", str(ROOT / "parameters" / "incentive_plan.yaml")]) == 0
    out = capsys.readouterr().out
    assert "is valid" in out and "Commission plans (1)" in out


def test_broken_plan_exits_2_naming_every_key(tmp_path, capsys):
    bad = tmp_path / "plan.yaml"
    bad.write_text(
        "commission:\n  plans:\n    - {id: x, method: marginal, threshold: 1, cap: 0.5,\n"
        "       tiers: [{from: 0, to: 10, rate: 0.1}, {from: 5, rate: 0.2}]}\n",
        encoding="utf-8",
    )
    assert main(["incentive-plan", "--file", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "'commission.plans[0].tiers[1].from': overlaps" in err
    assert "'commission.plans[0].cap': must be above the threshold 1" in err


def test_preview_of_a_month(tmp_path, capsys):
    pd.DataFrame(
        {
            "order_id": ["O1"],
            "order_date": pd.to_datetime(["2026-03-05"]),
            "customer_id": ["c"],
            "rep_id": ["r1"],
            "amount": [1000.0],
        }
    ).to_csv(tmp_path / "orders.csv", index=False)
    pd.DataFrame({"rep_id": ["r1"], "rep_name": ["Li"], "team": ["A"]}).to_csv(
        tmp_path / "reps.csv", index=False
    )
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "commission:\n  plans:\n    - {id: flat, method: marginal, tiers: [{from: 0, rate: 0.1}]}\n",
        encoding="utf-8",
    )
    assert main(["incentive-plan", "--file", str(plan), "--data", str(tmp_path), "--period", "2026-03"]) == 0
    out = capsys.readouterr().out
    assert "100.0" in out.splitlines()[-1]  # 10% × 1,000
