"""report.xlsx prepared table by table (as a run's notebooks finish) and assembled afterwards (issue 24).

The workbook's bytes must not depend on the order in which its tables were prepared, a table
rewritten after it was prepared must not reach the workbook in its old form, and the kernels'
warm parent started with a run must not outlive a run that stops before its notebooks.
"""

from __future__ import annotations

import sys

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sales_analytics.errors import DataError
from sales_analytics.notebook import publish_table
from sales_analytics.report.excel import assemble_excel, prepare_table, write_excel
from sales_analytics.run import kernel, monthly
from sales_analytics.run.execute import NotebookResult


def _tables() -> dict[str, pd.DataFrame]:
    """Tables whose sheets use different cell formats: money, percent, dates, a statement's bold
    totals, quoted formula-like text, an id list (a detail sheet) and the charts' tables."""
    statements = pd.DataFrame(
        {
            "period": ["2026-10"] * 3,
            "rep_id": ["R1", "R1", "R2"],
            "rep_name": ["甲", "甲", "乙"],
            "team": ["T"] * 3,
            "plan_id": ["standard"] * 3,
            "line_no": pd.array([1, 2, 1], dtype="int64"),
            "line_type": ["commission", "clawback", "commission"],
            "description": ["a", "b", "c"],
            "tier": ["1", None, None],
            "source_order_ids": ["O1 O2", "O9-R", ""],
            "n_orders": pd.array([2, 1, 0], dtype="int64"),
            "base_amount": [1000.0, -100.0, 0.0],
            "rate": [0.03, 0.03, 0.0],
            "adjustment": [None, "=x", None],
            "amount": [30.0, -3.0, 0.0],
            "amount_cents": pd.array([3000, -300, 0], dtype="int64"),
            "amount_exact": ["30", "-3", "0"],
        }
    )
    return {
        "kpi_sales_monthly": pd.DataFrame(
            {"period": ["2026-09", "2026-10"], "revenue": [10.5, 12.25], "orders": [3, 4]}
        ),
        "kpi_attainment_team": pd.DataFrame(
            {
                "period": ["2026-10"] * 2,
                "team": ["T1", "T2"],
                "revenue": [5.0, 7.0],
                "target_amount": [10.0, 7.0],
                "attainment": [0.5, 1.0],
            }
        ),
        "incentive_statements": statements,
        "fixture_dates": pd.DataFrame(
            {
                "period": ["2026-10"] * 2,
                "day": pd.to_datetime(["2026-10-01", "2026-10-31"]),
                "note": ["-5 days", "+1"],
                "share_rate": [0.25, 0.5],
            }
        ),
    }


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(list(_tables())))
def test_tables_prepared_in_any_order_give_write_excels_bytes(tmp_path, order):
    tables = _tables()
    reference = tmp_path / "reference.xlsx"
    write_excel(tables, reference, language="en", title="Report 2026-10", period="2026-10")
    # prepared in another order (a run: as its notebooks finish), assembled in the tables' order
    prepared = {name: prepare_table(name, tables[name], language="en") for name in order}
    path = tmp_path / "assembled.xlsx"
    assemble_excel(
        [prepared[name] for name in tables], path, language="en", title="Report 2026-10", period="2026-10"
    )
    assert path.read_bytes() == reference.read_bytes()


def test_a_table_rewritten_after_it_was_prepared_is_prepared_again(tmp_path):
    staging = tmp_path / "staging"
    folder = staging / "tables"
    publish_table(pd.DataFrame({"period": ["2026-10"], "revenue": [1.0]}), "kpi_sales_monthly", folder)
    publish_table(
        pd.DataFrame({"period": ["2026-10"], "team": ["T"], "revenue": [2.0]}), "kpi_sales_by_team", folder
    )
    sheets = monthly._ReportSheets(folder, language="en", currency="CNY", enabled=True)
    sheets.notebook_done(NotebookResult("02_sales_performance", "ok", 1.0))
    sheets.notebook_done(NotebookResult("03_incentives", "failed", 1.0))  # prepares nothing
    sheets._pool.shutdown(wait=True)  # its work done, as while other notebooks still run
    prepared = sheets.finish()
    assert sheets.cpu_s > 0
    assert sorted(prepared) == ["kpi_sales_by_team", "kpi_sales_monthly"]
    # rewritten afterwards (revenue 1.0 -> 5.0): the workbook must show the file as published
    publish_table(pd.DataFrame({"period": ["2026-10"], "revenue": [5.0]}), "kpi_sales_monthly", folder)
    tables = monthly._collect_tables(folder, "en")
    monthly._PREPARED_SHEETS[str(staging)] = prepared
    monthly._write_report(staging, tables, "en", "2026-10")
    assert str(staging) not in monthly._PREPARED_SHEETS  # taken by the writer
    wb = openpyxl.load_workbook(staging / "report.xlsx")
    numbers = {  # every number of every sheet but the contents (whose row counts are 1s)
        c.value
        for ws in wb.worksheets[1:]
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)
    }
    assert 5.0 in numbers and 2.0 in numbers and 1.0 not in numbers  # the chart's block as well
    # the same bytes as a workbook written from the published files alone
    again = tmp_path / "again"
    (again / "tables").mkdir(parents=True)
    for t in tables:
        (again / t["path"]).write_bytes((staging / t["path"]).read_bytes())
    monthly._write_report(again, tables, "en", "2026-10")
    assert (again / "report.xlsx").read_bytes() == (staging / "report.xlsx").read_bytes()


def test_a_table_not_prepared_when_the_notebooks_end_is_left_to_the_writer(tmp_path):
    publish_table(pd.DataFrame({"period": ["2026-10"], "revenue": [1.0]}), "kpi_sales_monthly", tmp_path)
    sheets = monthly._ReportSheets(tmp_path, language="zh", currency="CNY", enabled=True)
    sheets.finish()  # the notebooks are done before the thread took the table up
    sheets.notebook_done(NotebookResult("02_sales_performance", "ok", 1.0))  # too late: nothing starts
    assert sheets.prepared == {}


def test_preparing_nothing_when_the_workbook_is_off(tmp_path):
    publish_table(pd.DataFrame({"period": ["2026-10"], "revenue": [1.0]}), "kpi_sales_monthly", tmp_path)
    sheets = monthly._ReportSheets(tmp_path, language="zh", currency="CNY", enabled=False)
    sheets.notebook_done(NotebookResult("02_sales_performance", "ok", 1.0))
    assert sheets.finish() == {} and sheets.cpu_s == 0.0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fork server is Linux-only")
def test_the_warm_parent_started_with_a_run_ends_with_a_run_that_stops_at_its_load(tmp_path, monkeypatch):
    started = []
    original = kernel.KernelForkServer.__init__

    def record(self):
        original(self)
        started.append(self)

    monkeypatch.setattr(kernel.KernelForkServer, "__init__", record)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "orders.csv").write_text("not,an,orders,file\n1,2,3,4\n", encoding="utf-8")
    with pytest.raises(DataError):
        monthly.run_period("2026-10", data=tmp_path / "data", outputs=tmp_path / "out")
    assert len(started) == 1  # started before the load
    assert started[0].process.poll() is not None  # and gone with the run
    assert kernel._server_address is None


def test_a_format_not_numbered_up_front_is_numbered_when_the_rows_are_spliced(tmp_path, monkeypatch):
    from sales_analytics.report import excel

    tables = _tables()
    reference = tmp_path / "reference.xlsx"
    write_excel(tables, reference, language="zh", period="2026-10")
    # as if no format of a data cell were known up front: every style is a token, replaced later
    monkeypatch.setattr(excel, "_row_styles", lambda: {})
    prepared = [prepare_table(name, frame, language="zh") for name, frame in tables.items()]
    assert any("\x01" in s.xml.decode() for t in prepared for s in t.sheets)
    path = tmp_path / "tokens.xlsx"
    assemble_excel(prepared, path, language="zh", period="2026-10")
    assert path.read_bytes() == reference.read_bytes()


@pytest.mark.slow
def test_a_run_of_the_conflicts_notebook_alone_writes_its_workbook(tmp_path):
    """A defect until the formats were numbered up front: a run of notebook 09 alone stopped at
    report.xlsx ("a cell format was not registered by xlsxwriter"), its bundle never published."""
    import os

    from sales_analytics.run import run_period

    data = os.environ["SALES_ANALYTICS_DATA"]  # the session's small sample (conftest.py)
    result = run_period("2026-10", data=data, notebooks=["09"], outputs=tmp_path / "out", jobs=1)
    assert result.status == "ok"
    book = openpyxl.load_workbook(tmp_path / "out" / "2026-10" / "report.xlsx", read_only=True)
    assert any("conflict" in name.lower() or "冲突" in name for name in book.sheetnames), book.sheetnames
