"""Sample survey tables follow the instruments; the whole survey pipeline runs on the sample."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import sales_analytics as sa
from sales_analytics.periods import month_range
from sales_analytics.sample_data._surveys import generate_survey_tables


def tiny_org(seed: int = 1) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    sizes = {"East": 8, "North": 7, "South": 4}
    reps = pd.DataFrame(
        [
            {
                "rep_id": f"R{t[0]}{i}",
                "rep_name": f"{t}{i}",
                "team": t,
                "region": t,
                "hire_date": pd.Timestamp("2023-01-01"),
                "active": True,
            }
            for t, n in sizes.items()
            for i in range(n)
        ]
    )
    n = 6000
    orders = pd.DataFrame(
        {
            "order_id": [f"O{i}" for i in range(n)],
            "order_date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 730, n), "D"),
            "customer_id": [f"C{i}" for i in rng.integers(0, 600, n)],
            "rep_id": reps["rep_id"].to_numpy()[rng.integers(0, len(reps), n)],
            "amount": 100.0,
            "status": "paid",
        }
    )
    sessions = pd.DataFrame(
        {
            "session_id": [f"S{i}" for i in range(24)],
            "topic": "t",
            "session_date": pd.date_range("2025-01-15", periods=24, freq="MS") + pd.Timedelta(days=9),
        }
    )
    attendance = sessions[["session_id"]].merge(reps[["rep_id"]], how="cross")
    attendance["attended"] = rng.random(len(attendance)) < 0.5
    return {"reps": reps, "orders": orders, "training_sessions": sessions, "training_attendance": attendance}


MONTHS = month_range("2025-01", "2026-12")


def test_generated_tables_follow_the_instruments():
    org = tiny_org()
    before = {k: v.copy() for k, v in org.items()}
    out = generate_survey_tables(np.random.default_rng(5), org, MONTHS, "small")
    insts = sa.load_instruments()
    assert set(out) == {
        "survey_customer_satisfaction",
        "survey_team_pulse",
        "survey_training_feedback",
        "survey_invitations",
    }
    for inst_id, inst in insts.items():
        t = out[f"survey_{inst_id}"]
        assert list(t.columns) == [
            "response_id",
            "submitted_at",
            *inst.grouping,
            *inst.item_ids,
            "duration_s",
        ]
        assert t["response_id"].is_unique and str(t["submitted_at"].dtype) == "datetime64[ns]"
        q = sa.response_quality(t, inst)
        for check in ("out_of_range", "straight_line", "speeder", "incomplete"):
            assert q[check].any(), (inst_id, check)
    assert "rep_id" not in out["survey_team_pulse"]
    pulse = out["survey_team_pulse"]
    assert pulse.groupby(["team", pulse["submitted_at"].dt.to_period("M")]).size().loc["South"].max() <= 4
    assert set(pulse["submitted_at"].dt.month) <= {3, 6, 9, 12}  # quarterly instrument
    inv = out["survey_invitations"]
    assert set(inv["instrument"]) == set(insts) and (inv["invited"] > 0).all()
    for k, v in org.items():
        assert_frame_equal(v, before[k])


def test_generator_is_deterministic():
    a = generate_survey_tables(np.random.default_rng(9), tiny_org(), MONTHS, "small")
    b = generate_survey_tables(np.random.default_rng(9), tiny_org(), MONTHS, "small")
    for k in a:
        assert_frame_equal(a[k], b[k])


def test_sample_items_hold_together_and_drive_the_outcome():
    out = generate_survey_tables(np.random.default_rng(2), tiny_org(), MONTHS, "standard")
    inst = sa.load_instruments()["customer_satisfaction"]
    clean = sa.clean_responses(out["survey_customer_satisfaction"], inst)
    rel = sa.reliability_table(clean, inst)
    assert ((rel["alpha"] > 0.7) & (rel["alpha"] < 0.95)).all(), rel[["dimension", "alpha"]]
    drivers = sa.key_drivers(clean, inst, sa.SurveyParams(bootstrap=0))
    assert drivers["r2"].iloc[0] > 0.3


def test_survey_tables_on_the_session_sample():
    folder = os.environ.get("SALES_ANALYTICS_DATA")
    if not folder or not (Path(folder) / "survey_team_pulse.parquet").exists():
        pytest.skip("the session's sample dataset (root conftest.py) has no survey tables")
    ds = sa.load_dataset(folder)
    month = str(sa.latest_month_in(ds.orders))
    tables = sa.survey_tables(
        ds.surveys(),
        sa.load_instruments(),
        sa.SurveyParams(bootstrap=50),
        invitations=ds.survey_invitations,
        period=month,
    )
    assert set(tables) == set(sa.SURVEY_TABLES)
    for name, t in tables.items():
        assert not t.empty and "period" in t and (t["period"] <= month).all(), name
    scores = tables["survey_scores"]
    pulse = scores[(scores["instrument"] == "team_pulse") & (scores["group_by"] == "team")]
    small = ds.reps.groupby("team").size()
    for team in small[small < 5].index:
        assert pulse.loc[pulse["group"] == team, "suppressed"].all()
    cols = [
        "period",
        "instrument",
        "group",
        "metric",
        "value",
        "moe",
        "ci_low",
        "ci_high",
        "n",
        "suppressed",
        "change",
        "significant",
        "test",
    ]
    assert set(cols) <= set(scores.columns)
    assert list(tables["survey_rep_satisfaction"].columns[:5]) == [
        "period",
        "rep_id",
        "csat",
        "nps",
        "responses",
    ]


@pytest.mark.slow
def test_notebook_runs_and_publishes(tmp_path):
    import papermill as pm

    folder = os.environ.get("SALES_ANALYTICS_DATA")
    if not folder or not (Path(folder) / "survey_team_pulse.parquet").exists():
        pytest.skip("the session's sample dataset (root conftest.py) has no survey tables")
    root = Path(__file__).resolve().parents[1]
    pm.execute_notebook(
        str(root / "notebooks" / "05_surveys.ipynb"),
        str(tmp_path / "out.ipynb"),
        parameters={"data": folder, "output_dir": str(tmp_path / "tables"), "language": "en"},
        cwd=str(root),
        progress_bar=False,
    )
    published = {p.stem for p in (tmp_path / "tables").glob("*.parquet")}
    assert set(sa.SURVEY_TABLES) <= published
