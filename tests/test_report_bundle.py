"""What a manager opens, checked on a real run of the small sample (issue 18): every HTML report
page and report.xlsx.

Slow: one monthly run of the sample (about 90 s) for the module. The checks are functions so that
other slow tests holding a real bundle (tests/test_tables.py runs one in English) reuse them.
"""

from __future__ import annotations

import html as html_lib
import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sales_analytics.report.present import split_ids
from sales_analytics.tables import catalog, table_spec

pytestmark = pytest.mark.slow

PERIOD = "2026-10"
SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)+")
# numbers in scientific notation (3.235248e+08, 8.5e-14), Python/pandas missing markers
BAD_VALUE = re.compile(r"\d(\.\d+)?e[+-]\d|\bNaN\b|\bnan\b|<NA>|\bNaT\b|\bNone\b|\bTrue\b|\bFalse\b")


def _declared_columns() -> set[str]:
    return {c.name for spec in catalog().values() for c in spec.columns}


def _text(fragment: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment))


def check_html_reports(bundle: Path, language: str) -> dict[str, int]:
    """Every report page: formatted tables only, no raw values, headers translated, summary and contents."""
    from sales_analytics.run.execute import REPORT_CSP

    raw_columns = _declared_columns()
    pages = sorted((bundle / "html").glob("*.html"))
    assert len(pages) == 9, [p.name for p in pages]
    tables = {}
    for page in pages:
        source = page.read_text(encoding="utf-8")
        body = source[source.index("<body") :]
        shown = _text(re.sub(r"<img[^>]*>", "", body))
        bad = [m.group(0) for m in BAD_VALUE.finditer(shown)]
        assert not bad, f"{page.name}: {bad[:5]}"
        # pandas' own tables (class "dataframe") carry the 0…N index column; every table goes
        # through the presentation layer instead
        assert 'class="dataframe"' not in body, page.name
        assert "&lt;h2" not in body and "&lt;th" not in body and "&lt;table" not in body, page.name
        headers = [_text(h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", body, re.S)]
        # a raw column name or snake_case key; statistical symbols (k, z, T) read the same in English
        untranslated = sorted({h for h in headers if (h in raw_columns and len(h) > 2) or SNAKE.fullmatch(h)})
        assert not untranslated, f"{page.name}: untranslated headers {untranslated}"
        # the period at a glance and the page's contents, under its title
        assert 'class="sa-summary"' in body and 'class="sa-toc"' in body, page.name
        assert f'<html lang="{language}">' in source
        # static, offline, script-free: the policy is unchanged and nothing is fetched
        policy = re.search(r'<meta content="([^"]*)" http-equiv="Content-Security-Policy"/>', source)
        assert policy and html_lib.unescape(policy.group(1)) == REPORT_CSP, page.name
        assert "<script" not in source and not re.search(r"""(src|href)=["']https?://""", source), page.name
        tables[page.name] = body.count('class="sa-table"')
    assert sum(tables.values()) >= 60, tables
    return tables


def _sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")}


def check_workbook(bundle: Path, language: str) -> openpyxl.Workbook:
    """report.xlsx: named and linked in the run's language, described, charted, formula-free."""
    path = bundle / "report.xlsx"
    xml = _sheet_xml(path)
    assert xml and not any("<f>" in part or "<f " in part for part in xml.values())  # no formula cell
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
    assert len(charts) == 3  # revenue vs target, attainment by team, NPS / CSAT

    wb = openpyxl.load_workbook(path)
    names = wb.sheetnames
    assert len({n.lower() for n in names}) == len(names) and max(map(len, names)) <= 31
    assert not [n for n in names if SNAKE.search(n)], names
    if language == "zh":  # every sheet is named in Chinese
        assert all(re.search(r"[\u4e00-\u9fff]", n) for n in names), names
    contents = wb.worksheets[0]
    rows = list(contents.iter_rows(min_row=1))
    header_row = next(i for i, r in enumerate(rows) if r[0].value in ("工作表", "Sheet"))
    listed = {}
    for r in rows[header_row + 1 :]:
        sheet, description, count, table = (c for c in r[:4])
        assert sheet.hyperlink is not None and sheet.hyperlink.location == f"'{sheet.value}'!A1", sheet.value
        assert str(description.value or "").strip(), f"{sheet.value}: no description"
        listed[sheet.value] = (count.value, table.value)
    assert set(listed) == set(names[1:])  # every sheet but the contents is listed, with a link
    published = {p.stem: p for p in (bundle / "tables").glob("*.parquet")}
    for sheet, (count, table) in listed.items():
        if table in published:  # the row count is the published table's
            assert count == pd.read_parquet(published[table]).shape[0], sheet
    for ws in wb.worksheets[2:]:  # tables: headers in the run's language, a link back
        headers = [c.value for c in ws[1] if c.value is not None]
        assert headers[-1] in ("← 返回目录", "← Contents"), ws.title
        assert not [h for h in headers if SNAKE.fullmatch(str(h))], (ws.title, headers)
    return wb


def check_statements(wb: openpyxl.Workbook, bundle: Path, language: str) -> None:
    """Statements add up per rep and per team; the order ids are on a detail sheet, one per row."""
    lines = pd.read_parquet(bundle / "tables" / "incentive_statements.parquet")
    title = table_spec("incentive_statements").title[language]
    ws = wb[title]
    header = [c.value for c in ws[1]]
    rep_at, type_at = (
        header.index("销售编号" if language == "zh" else "Rep ID"),
        header.index("项目类型" if language == "zh" else "Line type"),
    )
    amount_at = header.index("金额（元）" if language == "zh" else "Amount (CNY)")
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    rep_total = "个人合计" if language == "zh" else "Rep total"
    team_total = "团队合计" if language == "zh" else "Team total"
    totals = {r[rep_at]: r[amount_at] for r in rows if r[type_at] == rep_total}
    expected = lines.groupby("rep_id")["amount_cents"].sum() / 100  # the engine's cents, summed
    assert totals == pytest.approx(expected.to_dict(), abs=0.005)
    team_sums = [r[amount_at] for r in rows if r[type_at] == team_total]
    assert sorted(team_sums) == pytest.approx(
        sorted(lines.groupby("team")["amount_cents"].sum() / 100), abs=0.005
    )
    assert "来源订单" not in header and "Source orders" not in header  # the id lists left the sheet
    detail = wb[[n for n in wb.sheetnames if n.startswith(title + " · ")][0]]
    ids = sum(len(split_ids(v)) for v in lines["source_order_ids"].fillna(""))
    assert detail.max_row - 1 == ids and ids > 0


# --------------------------------------------------------------------------- values
SNAKE_TOKEN = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]")
CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
# Columns whose values are identifiers or locations, never words: read as they are in every language.
ID_UNITS = frozenset({"id", "id_list", "month", "date"})
# Columns quoting the team's own free text (comments, chat and feedback excerpts, a comment theme's
# words): read in whatever language the team wrote them.
TEAM_TEXT = frozenset(
    {
        ("survey_themes", "term"),
        ("survey_comments", "comment"),
        ("feedback_open_items", "excerpt"),
        ("rules_violations", "excerpt"),
        ("customer_quality", "examples"),
    }
)
TEAM_WORD_CHARS = 40  # a longer input value is free text: its words are not names
# Columns still holding English prose written by a lever (a sentence per row), not yet in the run's
# language; each is named here so that the list can only shrink (a Chinese run fails when one reads
# in Chinese).
PENDING_PROSE: dict[tuple[str, str], str] = {}  # (table, column) → what the English is


def _words(text: str) -> set[str]:
    return set(SNAKE_TOKEN.findall(text)) | set(LATIN_WORD.findall(text)) | set(CJK_RUN.findall(text))


def _team_words(bundle: Path) -> set[str]:
    """Words of the team's own names (reps, teams, customers, categories, stages, topics): every
    short string of the input snapshot, and the names the bundle's plan gives its contests and SPIFFs."""
    import pyarrow.parquet as pq

    words: set[str] = set()
    for path in sorted((bundle / "inputs").glob("*.parquet")):
        table = pq.read_table(path)
        for name in table.column_names:
            column = table.column(name)
            if str(column.type) in ("string", "large_string"):
                for value in set(column.to_pylist()):
                    if isinstance(value, str) and len(value) <= TEAM_WORD_CHARS:
                        words |= _words(value)
    plan = bundle / "incentive_plan.yaml"
    if plan.exists():
        words |= _words(plan.read_text(encoding="utf-8"))
    return words


def _label_words(language: str) -> set[str]:
    """Words the labels and the catalog's titles and descriptions use in ``language`` (CES,
    BG/NBD, Gamma-Gamma, k-means in Chinese text)."""
    from sales_analytics.report.key_names import known_names
    from sales_analytics.report.labels import all_labels

    texts = [t[language] for t in all_labels().values()] + list(known_names(language).values())
    texts += [t for spec in catalog().values() for t in (spec.title[language], spec.description[language])]
    return set().union(*(_words(t) for t in texts))


def _column_names(table: str, language: str) -> dict[str, tuple[str, str]]:
    """header → (column, unit) of a published table's columns as the presentation layer heads them."""
    from sales_analytics.report.present import column_views

    spec = table_spec(table)
    empty = pd.DataFrame({c.name: pd.Series(dtype="object") for c in spec.columns})
    return {v.header: (v.name, v.unit) for v in column_views(empty, table, language=language)}


def _foreign(text: str, language: str, allowed: set[str], chinese: str = "") -> list[str]:
    """Words of ``text`` that do not belong on a page in ``language``: snake_case keys, and Latin
    words in Chinese or Chinese in English, unless ``allowed`` (the team's data, the labels' terms)
    or, for Chinese, part of the team's Chinese text ``chinese`` (a comment's theme words)."""
    if re.search(r"[/\\]|\.(parquet|csv|xlsx|yaml|md|json)\b", text):
        text = " ".join(w for w in text.split() if not re.search(r"[/\\.]", w))  # file paths
    found = set(SNAKE_TOKEN.findall(text))
    found |= set(LATIN_WORD.findall(text)) if language == "zh" else set(CJK_RUN.findall(text))
    return sorted(
        w
        for w in found
        if w not in allowed and w.lower() not in allowed and not (CJK_RUN.fullmatch(w) and w in chinese)
    )


def check_values(bundle: Path, language: str) -> dict[str, list[str]]:
    """Every cell of every report page and every sheet of report.xlsx in the run's language.

    Returns the problems found as ``{where: [cell text, …]}`` (empty when every value reads in
    ``language``): a snake_case key, a Latin word in a Chinese cell or Chinese in an English
    cell, beyond the team's own names and ids, identifier columns and ``PENDING_PROSE``.
    """
    allowed = _team_words(bundle) | _label_words(language)
    allowed |= {w.lower() for w in allowed}  # a theme term is a lower-cased word of a comment
    chinese = "\n".join(sorted(w for w in allowed if CJK_RUN.fullmatch(w)))
    problems: dict[str, list[str]] = {}
    seen_pending: set[tuple[str, str]] = set()

    def check(where: str, table: str | None, header: object, value: object) -> None:
        if not isinstance(value, str) or not value.strip():
            return
        column = _names.get(table, {}).get(str(header)) if table else None
        if column and (column[1] in ID_UNITS or (table_spec(table).name, column[0]) in TEAM_TEXT):
            return
        bad = _foreign(value, language, allowed, chinese)
        if bad and column and (table_spec(table).name, column[0]) in PENDING_PROSE:
            seen_pending.add((table_spec(table).name, column[0]))
        elif bad:
            problems.setdefault(f"{where} [{header}]", []).append(f"{value[:80]} ({', '.join(bad[:3])})")

    _names: dict[str, dict[str, tuple[str, str]]] = {}

    def names_of(table: str | None) -> None:
        if table and table not in _names:
            try:
                _names[table] = _column_names(table, language)
            except Exception:  # not a catalog table (an id detail sheet): every cell is checked
                _names[table] = {}

    for page in sorted((bundle / "html").glob("*.html")):
        source = page.read_text(encoding="utf-8")
        for table, block in re.findall(
            r'<div class="sa-table-wrap"(?: data-table="([^"]*)")?>(.*?)</table>', source, re.S
        ):
            names_of(table or None)
            headers = [_text(h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", block, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", block, re.S):
                cells = [_text(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
                for header, value in zip(headers, cells):
                    check(page.name, table or None, header, value)

    wb = openpyxl.load_workbook(bundle / "report.xlsx", read_only=True)
    contents = list(wb.worksheets[0].iter_rows(values_only=True))
    tables = {r[0]: r[3] for r in contents if len(r) > 3 and r[0] and r[3]}
    for ws in wb.worksheets[1:]:
        table = tables.get(ws.title)
        names_of(table)
        rows = ws.iter_rows(values_only=True)
        headers = next(rows, ())
        for row in rows:
            for header, value in zip(headers, row):
                check(f"report.xlsx「{ws.title}」", table, header, value)
    for row in contents[1:]:  # the contents: titles and descriptions (the table names are ids)
        for value in row[:2]:
            check("report.xlsx「contents」", None, "", value)
    clean = set(PENDING_PROSE) - seen_pending
    if clean and language == "zh":  # English prose reads fine in English: only Chinese tells
        problems["PENDING_PROSE"] = [f"{t}.{c} reads in Chinese now: drop it from the list" for t, c in clean]
    return problems


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    from sales_analytics.run import run_period

    outputs = tmp_path_factory.mktemp("outputs")
    result = run_period(
        PERIOD, data=os.environ["SALES_ANALYTICS_DATA"], outputs=outputs, jobs=2, language="zh"
    )
    assert result.status == "ok", result
    return outputs / PERIOD


def test_every_html_report_reads_as_a_finished_page(bundle):
    per_page = check_html_reports(bundle, "zh")
    assert per_page["02_sales_performance.html"] >= 10


def test_the_summary_states_the_months_figures(bundle):
    monthly = pd.read_parquet(bundle / "tables" / "kpi_sales_monthly.parquet").set_index("period")
    row = monthly.loc[PERIOD]
    page = _text((bundle / "html" / "02_sales_performance.html").read_text(encoding="utf-8"))
    assert f"{row['revenue']:,.0f}" in page  # the month's revenue, in whole yuan with separators
    assert f"环比 {row['pct_vs_previous']:+.1%}" in page


def test_report_xlsx_is_a_workbook_a_manager_navigates(bundle):
    wb = check_workbook(bundle, "zh")
    check_statements(wb, bundle, "zh")
    assert wb.sheetnames[:2] == ["目录", "图表"]


def test_every_value_reads_in_chinese(bundle):
    """No raw key and no English fragment in a value of a Chinese page or sheet (issue 18)."""
    problems = check_values(bundle, "zh")
    assert problems == {}, "\n".join(f"{k}: {v[:3]}" for k, v in problems.items())
