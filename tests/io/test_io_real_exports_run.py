"""End to end: a folder of the real export files goes through `sales-analytics run` and the KPI and
chat sections show their numbers. Slow (notebook kernels): run with ``-m slow``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_io_real_exports import real_folder

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_real_exports_through_the_monthly_run(tmp_path: Path) -> None:
    data = real_folder(tmp_path / "data")
    env = dict(os.environ)
    env["SALES_ANALYTICS_OUTPUTS"] = str(tmp_path / "outputs")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    done = subprocess.run(
        [sys.executable, "-m", "sales_analytics", "run", "--period", "2018-03", "--data", str(data)]
        + ["--notebooks", "01,02,07", "--no-progress"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    tables = tmp_path / "outputs" / "2018-03" / "tables"

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
    assert sorted(sources["profile"]) == [
        "canonical",
        "hubspot_deals",
        "pharmacy_sales",
        "pywxdump",
        "wechatmsg",
        "wechatmsg",
        "wecom_archive",
    ]
