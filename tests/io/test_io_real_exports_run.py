"""End to end: a folder of the real export files goes through `sales-analytics run` — every notebook
of the monthly run — and the KPI, chat and survey sections show their numbers. Slow (notebook
kernels): run with ``-m slow``.

The folder: the chat and sales files, the HubSpot deals, a reps file (``real_folder``) and four
survey platform exports answering the test instruments of ``tests/data/real/surveys/instruments``
(found through ``surveys.instruments`` of a parameters file, as docs/surveys.md shows):

- the 问卷星 CSV (按选项文本) and the Qualtrics CSV (three header rows) of the sales satisfaction
  survey, both declared as parts of ``survey_sales_csat`` in ``data.tables``. These two are
  rebuilt files (tests/data/real/PROVENANCE.md) dated March 2026 and March 2024; the copies here are moved by whole
  years to March 2018, the month of the chat and sales files (every other byte unchanged), so the
  one run has chat, sales and survey answers in its month;
- the real Qualtrics export of ropensci/qualtRics (one response, July 2017) with its roster;
- the real 问卷星 XLSX download (200 responses, Sept.-Oct. 2023): read in the run, after its month.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_io_real_exports import REAL, real_folder

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SURVEYS = REAL / "surveys"

#: The parameters a user writes for this folder (docs/surveys.md, "Several exports of one survey").
PARAMETERS = """\
data:
  tables:
    survey_sales_csat:
      path: [销售服务满意度_问卷星.csv, sales_csat_qualtrics.csv]
surveys:
  instruments: tests/data/real/surveys/instruments
"""


def survey_folder(folder: Path) -> Path:
    """``real_folder`` plus the survey exports (see the module docstring)."""
    real_folder(folder)
    wjx = (SURVEYS / "wjx_csv_by_text.csv").read_bytes().decode("gb18030")
    assert wjx.count("2026/3/") == 4
    (folder / "销售服务满意度_问卷星.csv").write_bytes(wjx.replace("2026/3/", "2018/3/").encode("gb18030"))
    qualtrics = (SURVEYS / "qualtrics_3row.csv").read_bytes()
    assert qualtrics.count(b"2024-03-") == 6
    (folder / "sales_csat_qualtrics.csv").write_bytes(qualtrics.replace(b"2024-03-", b"2018-03-"))
    shutil.copy(SURVEYS / "qualtrics_qualtRics_sample.csv", folder / "survey_qualtrics_sample.csv")
    shutil.copy(SURVEYS / "qualtrics_roster.csv", folder)
    shutil.copy(SURVEYS / "wjx_xlsx_by_code_parenting.xlsx", folder / "survey_parenting.xlsx")
    return folder


def test_real_exports_through_the_whole_monthly_run(tmp_path: Path) -> None:
    data = survey_folder(tmp_path / "data")
    # a user's parameters file sits in their copy of parameters/, beside the plan and rule files
    shutil.copytree(ROOT / "parameters", tmp_path / "parameters")
    params = tmp_path / "parameters" / "real_exports.yaml"
    params.write_text(PARAMETERS, encoding="utf-8")
    env = dict(os.environ)
    env["SALES_ANALYTICS_OUTPUTS"] = str(tmp_path / "outputs")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    done = subprocess.run(
        [sys.executable, "-m", "sales_analytics", "run", "--period", "2018-03", "--data", str(data)]
        + ["--params", str(params), "--no-progress"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    bundle = tmp_path / "outputs" / "2018-03"
    tables = bundle / "tables"
    ran = sorted(p.stem for p in (bundle / "notebooks").glob("*.ipynb"))
    shipped = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert ran == shipped and len(ran) >= 8

    # KPI: the 31 rows of March 2018 among the workbook's first 200 (none a return);
    # their 实收金额 add up to 1903.33
    monthly = pd.read_parquet(tables / "kpi_sales_monthly.parquet").set_index("period")
    assert monthly.loc["2018-03", "revenue"] == pytest.approx(1903.33)
    assert monthly.loc["2018-03", "orders"] == 31

    # chat: messages per conversation, system messages not counted —
    # WeChatMsg 1:1 (6 rows), WeChatMsg group (6 rows, 2 of Type 10000),
    # WeCom 1:1 (2 texts; the recall and the agree are system), PyWxDump (6 rows, 1 系统通知)
    groups = pd.read_parquet(tables / "rules_compliance_group.parquet").set_index("group_id")
    assert groups.loc["217", "messages"] == 6
    assert groups.loc["88", "messages"] == 4
    assert groups.loc["direct:LiLei|wmErxtDgAA9AW32cGMJTwtA", "messages"] == 2
    assert groups.loc["wxid_customer0001", "messages"] == 5
    assert groups.loc["88", "announcements"] == 1  # 【公告】本周五前提交周报

    sources = pd.read_parquet(tables / "dq_tables.parquet")
    assert sorted(sources["profile"]) == sorted(
        ["canonical", "hubspot_deals", "pharmacy_sales", "pywxdump", "wechatmsg", "wechatmsg"]
        + ["wecom_archive", "survey_export", "survey_export", "survey_export", "survey_export"]
    )

    # surveys. sales_csat, March 2018: 问卷星 rows 1-4 (team 华东一组, 华南组, 华东一组, 华南组 →
    # east, south, east, south; NPS 10, 6, 9, 3; 非常满意 5, 一般 3, 比较满意 4, 非常不满意 1) and
    # Qualtrics data rows 1-2 (East team, South team; NPS 9, 5; Very satisfied 5, Somewhat
    # dissatisfied 2). 6 responses; promoters (9-10) 10, 9, 9 = 3, detractors (0-6) 6, 3, 5 = 3
    # → NPS (3 − 3)/6 = 0; CSAT top-two (4-5) 5, 4, 5 = 3 of 6 → 50 %; CSAT mean 20/6 = 3.33.
    # east: 10, 9, 9 all promoters → NPS 100; CSAT 5, 4, 5 → top-two 100 %, mean 14/3 = 4.67.
    # south: 6, 3, 5 all detractors → NPS −100; CSAT 3, 1, 2 → top-two 0 %, mean 6/3 = 2.
    scores = pd.read_parquet(tables / "survey_scores.parquet")
    csat = scores[(scores["instrument"] == "sales_csat") & (scores["period"] == "2018-03")]
    got = {(r.group, r.metric): (round(r.value, 2), int(r.n)) for r in csat.itertuples()}
    assert got == {
        ("all", "nps"): (0.0, 6),
        ("all", "csat_top2"): (50.0, 6),
        ("all", "csat_mean"): (3.33, 6),
        ("east", "nps"): (100.0, 3),
        ("east", "csat_top2"): (100.0, 3),
        ("east", "csat_mean"): (4.67, 3),
        ("south", "nps"): (-100.0, 3),
        ("south", "csat_top2"): (0.0, 3),
        ("south", "csat_mean"): (2.0, 3),
    }
    assert not csat["suppressed"].any()  # a customer survey, not anonymous: small teams are shown

    # responses per instrument and month: the 6 above; the real Qualtrics export's one response
    # (2017-07-18, within the 12 months up to March 2018); the real 问卷星 download (Sept.-Oct.
    # 2023) is read — 200 rows in the snapshot — but after the report month, so not scored
    quality = pd.read_parquet(tables / "survey_quality.parquet")
    responses = quality.groupby(["instrument", "period"])["responses"].first().to_dict()
    assert responses == {("qualtrics_sample", "2017-07"): 1, ("sales_csat", "2018-03"): 6}
    assert quality["flagged"].sum() == 0
    read = sources.groupby("table")["rows"].sum().to_dict()
    assert read["survey_sales_csat"] == 6 and read["survey_parenting"] == 200
    assert read["survey_qualtrics_sample"] == 1

    # open answers: 回复很快 (问卷星 row 1, east), 希望多回访 (row 4, south), "Quick answers."
    # (Qualtrics row 1, East team); (空) and empty cells are no comment. The real Qualtrics
    # response R_2YPOQ602ER1jkf1 is team east through qualtrics_roster.csv: "Hello World!"
    comments = pd.read_parquet(tables / "survey_comments.parquet")
    by_team = comments[comments["group"] != "all"].groupby(["instrument", "group"])["comment"].apply(sorted)
    assert by_team.to_dict() == {
        ("qualtrics_sample", "east"): ["Hello World!"],
        ("sales_csat", "east"): ["Quick answers.", "回复很快"],
        ("sales_csat", "south"): ["希望多回访"],
    }

    # goals: the data starts in January 2018, so there is no April 2017 to grow from: the proposal
    # is empty and notebook 08 says so in one line instead of failing the run
    assert pd.read_parquet(tables / "goals_target_proposal.parquet").empty
    goals = (bundle / "notebooks" / "08_goals.ipynb").read_text(encoding="utf-8")
    assert "2017-04 没有营收记录" in goals
