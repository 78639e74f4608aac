"""A response backdated into a published month, through two real monthly runs of notebook 05.

The small sample's last team-pulse wave is 2026-09 (12 respondents). The 2026-09 bundle is
published; then one response dated 2026-09-29 reaches the data and 2026-10 is run. The
2026-10 bundle reads the 2026-09 bundle's month-block record (``private/survey_blocks.parquet``)
and counts the response in 2026-10, where it is alone: no published survey figure of 2026-09
moves, and no pooled table gains a person.

Slow (a kernel per run): deselected by default, run with ``-m slow``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sales_analytics.run import run_period

pytestmark = pytest.mark.slow


def test_backdated_response_changes_no_published_table_of_its_month(tmp_path) -> None:
    data = tmp_path / "data"
    shutil.copytree(Path(os.environ["SALES_ANALYTICS_DATA"]), data)
    outputs = tmp_path / "outputs"
    first = run_period("2026-09", data=data, notebooks=["05"], outputs=outputs, jobs=1)
    assert first.status == "ok"
    record = pd.read_parquet(outputs / "2026-09" / "private" / "survey_blocks.parquet")
    pulse = pd.read_parquet(data / "survey_team_pulse.parquet")
    wave = pulse[pulse["submitted_at"].dt.strftime("%Y-%m") == "2026-09"]
    assert set(record.loc[record["month"] == "2026-09", "response_id"]) == set(wave["response_id"])

    late = wave.iloc[[0]].assign(response_id="TP-BACKDATED", submitted_at=pd.Timestamp("2026-09-29 09:00"))
    pd.concat([pulse, late], ignore_index=True).to_parquet(data / "survey_team_pulse.parquet", index=False)
    second = run_period("2026-10", data=data, notebooks=["05"], outputs=outputs, jobs=1)
    assert second.status == "ok"

    def table(period: str, name: str) -> pd.DataFrame:
        t = pd.read_parquet(outputs / period / "tables" / f"{name}.parquet")
        return t[t["instrument"] == "team_pulse"].reset_index(drop=True)

    scores1, scores2 = table("2026-09", "survey_scores"), table("2026-10", "survey_scores")
    pd.testing.assert_frame_equal(scores1, scores2[scores2["period"] <= "2026-09"].reset_index(drop=True))
    items1, items2 = table("2026-09", "survey_items"), table("2026-10", "survey_items")
    assert items1["n"].tolist() == items2["n"].tolist()  # pooled: the same people, none added
    rec2 = pd.read_parquet(outputs / "2026-10" / "private" / "survey_blocks.parquet")
    assert rec2.loc[rec2["response_id"] == "TP-BACKDATED", "month"].tolist() == ["2026-10"]
    # the record is no published table: not in report.xlsx's table list, not in tables/
    assert not (outputs / "2026-10" / "tables" / "survey_blocks.parquet").exists()
