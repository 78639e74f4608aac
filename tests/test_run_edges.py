"""The notebooks at the edges of a valid run (issue 15.3), with real kernels.

The first month of the data, cut short on its 15th day (so the run needs
--partial), with no survey response and no feedback up to that month and no
training session at all: every notebook says so in a line and the run
publishes a bundle marked "as of" on every page and sheet, without an ERROR line.
"""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sales_analytics.errors import RunError
from sales_analytics.notebook import data_coverage
from sales_analytics.run import run_period

pytestmark = pytest.mark.slow

DATES = {
    "orders": "order_date",
    "activities": "activity_at",
    "deals": "created_date",
    "deal_stage_history": "changed_at",
    "chat_messages": "sent_at",
    "rewards_penalties": "date",
    "training_sessions": "session_date",
    "survey_team_pulse": "submitted_at",
    "survey_training_feedback": "submitted_at",
}


def _edge_data(sample: Path, folder: Path) -> tuple[str, str]:
    """The sample's first month up to its 15th; surveys and feedback only from the next month on."""
    folder.mkdir(parents=True)
    first = data_coverage(pd.read_parquet(sample / "orders.parquet")).first
    cut = pd.Timestamp(first.start) + pd.Timedelta(days=15)
    later = pd.Timestamp(first.next().start)
    for path in sample.glob("*.parquet"):
        t = pd.read_parquet(path)
        name = path.stem
        if name in ("survey_customer_satisfaction", "feedback"):
            t = t.loc[(pd.to_datetime(t["submitted_at"]) >= later).to_numpy()]  # none in the month
        elif name in DATES:
            d = pd.to_datetime(t[DATES[name]])
            if getattr(d.dt, "tz", None) is not None:
                d = d.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
            t = t.loc[(d < cut).to_numpy()]
        elif name in ("targets", "survey_invitations") and "period" in t.columns:
            t = t.loc[t["period"] <= str(first)]
        if len(t):  # an optional table with no rows is simply not supplied
            t.to_parquet(folder / path.name, index=False)
    return str(first), (cut - pd.Timedelta(days=1)).date().isoformat()


def test_first_month_cut_short_without_surveys_runs_with_partial(tmp_path, capfd):
    sample = os.environ.get("SALES_ANALYTICS_DATA")
    if not sample or not Path(sample, "orders.parquet").exists():
        pytest.skip("the small sample was not generated")
    data = tmp_path / "data"
    period, as_of = _edge_data(Path(sample), data)
    outputs = tmp_path / "outputs"
    with pytest.raises(RunError, match=f"{period} is not complete.*--partial for a bundle as of {as_of}"):
        run_period(period, data=data, outputs=outputs, language="en")
    result = run_period(period, data=data, outputs=outputs, language="en", partial=True, jobs=2)
    assert result.status == "ok"
    assert result.manifest["partial"] is True and result.manifest["as_of"] == as_of
    banner = f"as of {as_of}"
    for page in sorted((result.bundle / "html").glob("*.html")):
        assert banner in page.read_text(encoding="utf-8"), page.name
    surveys = (result.bundle / "html" / "05_surveys.html").read_text(encoding="utf-8")
    assert f"No survey responses up to {period}" in surveys
    book = openpyxl.load_workbook(result.bundle / "report.xlsx")
    assert banner in book.worksheets[0]["A2"].value
    assert all(banner in sheet.oddHeader.center.text for sheet in book.worksheets[1:])
    err = capfd.readouterr().err
    assert "KeyboardInterrupt" not in err and "| ERROR |" not in err
