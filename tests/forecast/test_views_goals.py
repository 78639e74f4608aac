"""The forecast section of the overview and rep scorecard, from a hand-made bundle."""

from __future__ import annotations

import sys
from pathlib import Path

import ipywidgets as w
import pandas as pd
import pytest

import sales_analytics.views as views

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "views"))

from bundle_factory import make_bundle


def _text(widget) -> str:
    parts = [widget.value] if isinstance(widget, w.HTML) else []
    for child in getattr(widget, "children", ()):
        parts.append(_text(child))
    return "\n".join(parts)


def _forecast(level: str, team, rep) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": "2026-10",
            "month": ["2026-11", "2026-12"],
            "horizon": [1, 2],
            "level": level,
            "team": team,
            "rep_id": rep,
            "p10": [900_000.0, 950_000.0],
            "p50": [1_000_000.0, 1_050_000.0],
            "p90": [1_100_000.0, 1_200_000.0],
        }
    )


@pytest.fixture
def outputs(tmp_path):
    make_bundle(tmp_path)
    tables = tmp_path / "2026-10" / "tables"
    fc = pd.concat(
        [_forecast("company", None, None), _forecast("rep", "华东一组", "R001")], ignore_index=True
    )
    fc.astype({"team": "str", "rep_id": "str"}).to_parquet(tables / "goals_forecast.parquet")
    pd.DataFrame(
        {
            "period": ["2026-11"],
            "level": ["company"],
            "team": [None],
            "rep_id": [None],
            "target_amount": [1_000_000.0],
            "p10": [900_000.0],
            "p50": [1_000_000.0],
            "p90": [1_100_000.0],
            "probability": [0.5],
        }
    ).to_parquet(tables / "goals_target_chances.parquet")
    pd.DataFrame(
        {
            "period": ["2026-10"],
            "forecast_made": ["2026-09"],
            "month": ["2026-10"],
            "horizon": [1],
            "level": ["company"],
            "team": [None],
            "rep_id": [None],
            "p10": [3_100_000.0],
            "p50": [3_300_000.0],
            "p90": [3_600_000.0],
            "actual": [3_400_000.0],
            "error": [100_000.0],
            "inside": [True],
        }
    ).to_parquet(tables / "goals_track_record.parquet")
    return tmp_path


def test_overview_shows_band_probability_and_last_forecast(outputs) -> None:
    text = _text(views.show("overview", outputs=outputs, language="en", period="2026-10").body)
    assert "Revenue forecast (p10–p90 band)" in text
    # fmt_pct(0.5) and fmt_money in English
    assert "This month&#x27;s (2026-11) target is ¥1,000,000; the forecast gives it a 50.0% chance." in text
    assert "Last month we said ¥3,100,000–¥3,600,000 for 2026-10; it was ¥3,400,000." in text


def test_overview_without_goals_tables_shows_no_forecast_section(tmp_path) -> None:
    make_bundle(tmp_path)
    text = _text(views.show("overview", outputs=tmp_path, language="en", period="2026-10").body)
    assert "Revenue forecast" not in text
