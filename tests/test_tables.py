"""The table catalog: declarations, the publishing check, docs/tables.md, and what notebooks and views name."""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sales_analytics.errors import SalesAnalyticsError
from sales_analytics.io.dataset import CANONICAL_TABLES
from sales_analytics.notebook import NotebookContext, table_description
from sales_analytics.report.labels import all_labels
from sales_analytics.tables import catalog, check_table, describe, render_markdown, table_spec

ROOT = Path(__file__).resolve().parents[1]
PREFIXES = r"(dq|kpi|incentive|customer|survey|training|rules|feedback|goals|conflict)"


def _attainment(**over) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "period": ["2026-10", "2026-10"],
            "team": ["east", "west"],
            "revenue": [120.0, 80.0],
            "target_amount": [100.0, 100.0],
            "attainment": [1.2, 0.8],
            "gap": [20.0, -20.0],
        }
    )
    return frame.assign(**over)


# --------------------------------------------------------------------------- declarations
def test_every_declaration_is_complete_and_labelled():
    specs = catalog()
    assert len(specs) >= 70
    labels = all_labels()
    for spec in specs.values():
        assert spec.column_names[0] == "period" or "period" in spec.column_names, spec.name
        assert set(spec.grain) <= set(spec.column_names) and (spec.grain or spec.rows), spec.name
        assert spec.description["zh"] and spec.description["en"], spec.name
        assert spec.name.startswith(spec.lever), spec.name
        for c in spec.columns:
            assert not c.label or c.label in labels, (spec.name, c.name)


def test_lookup_by_name_and_by_family():
    assert table_spec("kpi_attainment_team").grain == ("period", "team")
    assert table_spec("kpi_attainment_team").column("attainment").unit == "fraction"
    # one statement table per team, declared once as a family
    assert table_spec("incentive_statement_team_02").name == "incentive_statement_<team>"
    assert table_spec("incentive_statement_team_02").columns == table_spec("incentive_statements").columns
    assert describe("kpi_attainment_team", "en") == "Target attainment and gap per team"
    assert describe("kpi_attainment_team", "zh") == "每个团队的目标达成率与差距"
    assert describe("no_such_table", "en") == ""


def test_an_undeclared_table_names_itself_and_the_catalog():
    with pytest.raises(
        SalesAnalyticsError, match=r"table 'kpi_nowhere' is not declared .*tables/catalog\.yaml"
    ):
        table_spec("kpi_nowhere")


# --------------------------------------------------------------------------- the check
def test_a_table_matching_its_declaration_passes():
    check_table("kpi_attainment_team", _attainment())
    # integers in a float column and whole floats in an int column (a merge leaves gaps as NaN) pass
    check_table("kpi_attainment_team", _attainment(revenue=[120, 80]))
    # an empty table has no values to type: its columns are checked, not their kinds
    check_table("kpi_attainment_team", _attainment().iloc[:0].astype(object))


def test_every_failure_is_reported_at_once_with_expected_and_found():
    bad = _attainment(revenue=["120", "80"], attainment=[True, False], extra=[1, 2]).drop(columns="gap")
    with pytest.raises(SalesAnalyticsError) as info:
        check_table("kpi_attainment_team", bad)
    text = str(info.value)
    assert text.startswith("table 'kpi_attainment_team' does not match its declaration")
    assert "column 'gap': declared, not found" in text
    assert "column 'extra': found, not declared" in text
    assert re.search(r"column 'revenue': expected float, found text", text)
    assert re.search(r"column 'attainment': expected float, found bool", text)


def _context(folder) -> NotebookContext:
    """A notebook context that publishes English descriptions into ``folder``."""
    return NotebookContext(
        period=None,
        language="en",
        params=None,
        dataset=None,
        data_dir=folder,
        output_dir=folder,  # type: ignore[arg-type]
    )


def test_publishing_checks_the_table_and_stores_the_catalog_description(tmp_path):
    ctx = _context(tmp_path)
    path = ctx.publish("kpi_attainment_team", _attainment())
    assert table_description(path) == "Target attainment and gap per team"
    with pytest.raises(SalesAnalyticsError, match=r"'kpi_made_up' is not declared in the table catalog"):
        ctx.publish("kpi_made_up", _attainment())
    with pytest.raises(SalesAnalyticsError, match=r"column 'gap': declared, not found"):
        ctx.publish("kpi_attainment_team", _attainment().drop(columns="gap"))
    assert not (tmp_path / "kpi_made_up.parquet").exists()


def test_an_empty_table_is_published_with_the_declared_columns(tmp_path):
    """A month with nothing to report (no survey wave): the lever's empty frame lacks most columns."""
    ctx = _context(tmp_path)
    path = ctx.publish("kpi_attainment_team", pd.DataFrame({"period": pd.Series([], dtype=str)}))
    published = pd.read_parquet(path)
    assert list(published.columns) == list(_attainment().columns) and len(published) == 0
    with pytest.raises(SalesAnalyticsError, match=r"column 'gap': declared, not found"):
        ctx.publish("kpi_attainment_team", _attainment().head(1).drop(columns="gap"))  # rows: no conforming


def test_excel_contents_read_the_catalog_in_the_run_language(tmp_path):
    import openpyxl

    from sales_analytics.report.excel import write_excel

    write_excel({"kpi_attainment_team": _attainment()}, tmp_path / "r.xlsx", language="zh")
    rows = list(openpyxl.load_workbook(tmp_path / "r.xlsx").worksheets[0].iter_rows(values_only=True))
    # sheet (the catalog's title) · description · rows · table
    assert ("团队目标完成率", "每个团队的目标达成率与差距", 2, "kpi_attainment_team") in rows


# --------------------------------------------------------------------------- docs
def test_docs_tables_md_is_the_rendered_catalog():
    committed = (ROOT / "docs" / "tables.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), "regenerate: python -m sales_analytics.tables > docs/tables.md"


# --------------------------------------------------------------------------- notebooks and views
def _code(path: Path) -> str:
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    lines = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code").splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))


def _literals(source: str) -> set[str]:
    pattern = re.compile(rf"^{PREFIXES}_[a-z0-9_]+$")
    return {
        n.value
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and pattern.match(n.value)
    }


def _not_tables() -> set[str]:
    """Names that look like table names and are something else."""
    from sales_analytics.views.pages import PAGES

    instruments = {
        yaml.safe_load(p.read_text(encoding="utf-8"))["id"] for p in (ROOT / "surveys").glob("*.yaml")
    }
    columns = {c.name for s in catalog().values() for c in s.columns}
    return (
        set(CANONICAL_TABLES)  # input tables
        | {f"survey_{i}" for i in instruments}  # survey response tables (input)
        | set(PAGES)  # view pages
        | set(all_labels())  # label keys
        | columns  # customer_id, …
        | {"dq_kind_", "survey_names"}  # a label-key prefix; a function in views.components.__all__
    )


def test_notebooks_and_views_name_only_declared_tables():
    files = [
        *sorted((ROOT / "notebooks").glob("*.ipynb")),
        *sorted((ROOT / "notebooks" / "views").glob("*.ipynb")),
        *sorted((ROOT / "sales_analytics" / "views").glob("*.py")),
    ]
    skip = _not_tables()
    undeclared = {}
    for path in files:
        for name in sorted(_literals(_code(path)) - skip):
            try:
                table_spec(name)
            except SalesAnalyticsError:
                undeclared.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert undeclared == {}, (
        f"tables named but not declared in sales_analytics/tables/catalog.yaml: {undeclared}"
    )


def test_the_scan_catches_a_view_naming_an_undeclared_table():
    source = 'def page(bundle):\n    return bundle.table("kpi_sales_by_rpe")\n'
    assert _literals(source) - _not_tables() == {"kpi_sales_by_rpe"}


def _published_by_notebooks() -> set[str]:
    names = set()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        source = _code(path)
        names |= set(re.findall(r"""publish(?:_and_show|_month)?\(\s*["']([a-z0-9_]+)["']""", source))
        if "sa.statement_tables(" in source:  # one incentive_statement_<team> per team
            names.add("incentive_statement_<team>")
        if (
            "survey_tables(" in source
        ):  # sa.survey_tables or its notebook section: the keys of surveys.summary's parts
            summary = (ROOT / "sales_analytics" / "surveys" / "summary.py").read_text(encoding="utf-8")
            names |= set(re.findall(r"""parts\[["'](survey_[a-z_]+)["']\]""", summary))
    return names


def test_every_declared_table_is_published_by_some_notebook():
    published = _published_by_notebooks()
    assert "survey_scores" in published and "kpi_sales_by_rep" in published  # the scan itself works
    unpublished = [name for name in catalog() if name not in published]
    assert unpublished == [], f"declared in the catalog but published by no notebook: {unpublished}"


# --------------------------------------------------------------------------- a real run
@pytest.mark.slow
def test_every_table_of_a_sample_run_matches_its_declaration(tmp_path):
    from sales_analytics.run import read_manifest, run_period

    result = run_period(data=os.environ["SALES_ANALYTICS_DATA"], outputs=tmp_path / "outputs", language="en")
    assert result.status == "ok", result
    tables = sorted((result.bundle / "tables").glob("*.parquet"))
    assert len(tables) >= 60
    for path in tables:
        frame = pd.read_parquet(path)
        spec = table_spec(path.stem)
        check_table(path.stem, frame)
        assert list(frame.columns) == spec.column_names, path.stem  # declared in the published order
        if spec.grain:
            assert not frame.duplicated(list(spec.grain)).any(), (
                f"{path.stem}: grain {spec.grain} is not a key"
            )
    manifest = read_manifest(result.bundle)
    by_name = {t["name"]: t["description"] for t in manifest["tables"]}
    assert by_name["kpi_attainment_team"] == "Target attainment and gap per team"
    # the same bundle, read as a manager in English: report pages and workbook (issue 18)
    from test_report_bundle import check_html_reports, check_statements, check_values, check_workbook

    check_html_reports(result.bundle, "en")
    check_statements(check_workbook(result.bundle, "en"), result.bundle, "en")
    problems = check_values(result.bundle, "en")  # no Chinese fragment or raw key in an English value
    assert problems == {}, "\n".join(f"{k}: {v[:3]}" for k, v in problems.items())
