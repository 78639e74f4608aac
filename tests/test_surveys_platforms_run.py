"""End to end: survey platform exports in a data folder go through `sales-analytics run`.

The small sample's team pulse is written as a 问卷星 按选项文本 XLSX download and
its customer satisfaction as a Qualtrics three-header-row CSV (customer, rep and
team as embedded data); the survey notebook run on that folder must publish the
same survey tables as the run on the canonical files. Slow: kernels start.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_surveys_platforms import to_wjx

import sales_analytics as sa

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
LIKERT_EN = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither agree nor disagree",
    4: "Agree",
    5: "Strongly agree",
}


def to_qualtrics(frame: pd.DataFrame, inst) -> str:
    """A canonical response table written back as a Qualtrics CSV (tags, texts, ImportId rows)."""
    meta = [
        "StartDate",
        "EndDate",
        "Status",
        "Duration (in seconds)",
        "Finished",
        "RecordedDate",
        "ResponseId",
    ]
    texts = [
        "Start Date",
        "End Date",
        "Response Type",
        "Duration (in seconds)",
        "Finished",
        "Recorded Date",
        "Response ID",
    ]
    zone = ',"timeZone":"Asia/Shanghai"}'
    ids = [
        '{"ImportId":"startDate"' + zone,
        '{"ImportId":"endDate"' + zone,
        '{"ImportId":"status"}',
        '{"ImportId":"duration"}',
        '{"ImportId":"finished"}',
        '{"ImportId":"recordedDate"' + zone,
        '{"ImportId":"_recordId"}',
    ]
    end = frame["submitted_at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    start = (frame["submitted_at"] - pd.to_timedelta(frame["duration_s"], unit="s")).dt.strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    out = pd.DataFrame(
        {
            "StartDate": start,
            "EndDate": end,
            "Status": "IP Address",
            "Duration (in seconds)": frame["duration_s"].map(lambda s: str(int(s))),
            "Finished": "True",
            "RecordedDate": end,
            "ResponseId": frame["response_id"],
        }
    )
    for col in inst.grouping:  # embedded data fields
        out[col] = frame[col]
        meta.append(col)
        texts.append(col)
        ids.append(f'{{"ImportId":"{col}"}}')
    for n, it in enumerate(inst.items, start=1):
        values = frame[it.id]
        if it.type == "likert":
            col = values.map(lambda v: LIKERT_EN.get(int(v), str(int(v))) if pd.notna(v) else "")
        elif it.numeric:
            col = values.map(lambda v: str(int(v)) if pd.notna(v) else "")
        elif it.type in ("single_choice", "multi_choice"):
            en = {o.value: o.en for o in it.options or []}
            col = values.map(
                lambda v, en=en: ",".join(en[p] for p in str(v).split(";")) if pd.notna(v) else ""
            )
        else:
            col = values.fillna("")
        out[f"Q{n}"] = col
        meta.append(f"Q{n}")
        texts.append(it.text.en)
        ids.append(f'{{"ImportId":"QID{n}"}}')
    header = pd.DataFrame([texts, ids], columns=meta)
    return pd.concat([header, out[meta]], ignore_index=True).to_csv(index=False)


def _run(data: Path, outputs: Path, period: str) -> Path:
    env = dict(os.environ)
    env["SALES_ANALYTICS_OUTPUTS"] = str(outputs)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    cmd = [sys.executable, "-m", "sales_analytics", "run", "--period", period, "--data", str(data)]
    cmd += ["--notebooks", "05", "--no-progress"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return outputs / period


def test_platform_exports_in_a_folder_give_the_same_survey_numbers(tmp_path):
    source = os.environ.get("SALES_ANALYTICS_DATA")
    if not source or not Path(source, "survey_team_pulse.parquet").exists():
        pytest.skip("the small sample was not generated")
    insts = sa.load_instruments()
    canon = tmp_path / "canonical"
    shutil.copytree(source, canon)
    for name in ("survey_team_pulse", "survey_customer_satisfaction"):
        # platforms write whole seconds: the canonical copy gets the same times
        frame = pd.read_parquet(canon / f"{name}.parquet")
        frame["submitted_at"] = frame["submitted_at"].dt.floor("s")
        frame["duration_s"] = frame["duration_s"].map(float).__floordiv__(1)
        frame.to_parquet(canon / f"{name}.parquet", index=False)
    platform = tmp_path / "platform"
    shutil.copytree(canon, platform)
    pulse = pd.read_parquet(platform / "survey_team_pulse.parquet")
    to_wjx(pulse, insts["team_pulse"]).to_excel(platform / "survey_team_pulse.xlsx", index=False)
    csat = pd.read_parquet(platform / "survey_customer_satisfaction.parquet")
    (platform / "survey_customer_satisfaction.csv").write_text(
        to_qualtrics(csat, insts["customer_satisfaction"]), encoding="utf-8"
    )
    for name in ("survey_team_pulse.parquet", "survey_customer_satisfaction.parquet"):
        (platform / name).unlink()
    period = str(pulse["submitted_at"].max().to_period("M"))
    a = _run(canon, tmp_path / "out_canonical", period)
    b = _run(platform, tmp_path / "out_platform", period)
    manifest = json.loads((b / "manifest.json").read_text(encoding="utf-8"))
    assert any("survey_export" in json.dumps(s) for s in manifest.get("inputs", manifest.get("sources", [])))
    tables = sorted(p.name for p in (a / "tables").glob("survey_*.parquet"))
    assert "survey_scores.parquet" in tables and "survey_dimensions.parquet" in tables
    for name in tables:
        left, right = pd.read_parquet(a / "tables" / name), pd.read_parquet(b / "tables" / name)
        pd.testing.assert_frame_equal(left, right, obj=name)
    scores = pd.read_parquet(b / "tables" / "survey_scores.parquet")
    shown = scores[(scores["instrument"] == "customer_satisfaction") & (scores["metric"] == "nps")]
    assert len(shown) and shown["n"].sum() > 0
