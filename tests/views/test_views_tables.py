"""Issue 18, interactive tables: what the views write for the page's table script
(sa-views/static/tables.js) — raw sort values on numeric cells, the controls' labels in the page's
language, the row cap — all escaped; and the template that loads the script from this server."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from xss import PAYLOAD

from sales_analytics.report.labels import label
from sales_analytics.report.present import present
from sales_analytics.serve import TEMPLATE_ROOT
from sales_analytics.views.components import TABLE_CONTROLS, TABLE_MAX_ROWS, table

TEMPLATE = TEMPLATE_ROOT / "voila" / "templates" / "sa-views"


class _Cells(HTMLParser):
    """The attributes of every element of an HTML fragment, as a browser would decode them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(fragment: str) -> _Cells:
    parser = _Cells()
    parser.feed(fragment)
    return parser


def test_numeric_cells_carry_their_raw_value_to_sort_by():
    frame = pd.DataFrame({"rep_name": ["甲", "乙", "丙"], "revenue": [9_000.0, 100_000.0, None]})
    out = present(frame, "kpi_scorecard", language="zh").to_html(sortable=True)
    cells = [a for tag, a in _parse(out).elements if tag == "td" and "data-sort" in a]
    # the text reads "9,000.00" and "100,000.00" (text order puts 9 after 1); the keys are the numbers
    assert [c["data-sort"] for c in cells] == ["9000.0", "100000.0", ""]
    assert "data-sortable" in out
    # the reports' tables (not sortable) are written as before: no sort attribute at all
    plain = present(frame, "kpi_scorecard", language="zh").to_html()
    assert "data-sort" not in plain


def test_a_fraction_sorts_by_its_value_not_its_rounded_percentage():
    frame = pd.DataFrame({"attainment": [0.1004, 0.0996, 1.25]})
    out = present(frame, "kpi_scorecard", language="en").to_html(sortable=True)
    # 0.1004 and 0.0996 both read 10.0%; their keys keep them apart
    assert re.findall(r'data-sort="([^"]*)">([^<]*)<', out) == [
        ("0.1004", "10.0%"),
        ("0.0996", "10.0%"),
        ("1.25", "125.0%"),
    ]


def test_a_hostile_value_in_a_sortable_column_is_escaped_in_the_cell_and_in_its_sort_key():
    # a numeric column holding text (a unit override, a bad upstream value): the text is its own
    # sort key, written into an attribute; a name column beside it holds the payload too
    frame = pd.DataFrame({"rep_name": [PAYLOAD, "王芳"], "value": [PAYLOAD, 3.5]})
    out = table(frame, "zh", units={"value": "money"}).value
    assert "<img" not in out and "<script" not in out and "<svg" not in out
    parsed = _parse(out)
    tags = {tag for tag, _ in parsed.elements}
    assert tags <= {"div", "table", "thead", "tbody", "tr", "th", "td"}, tags  # no element from data
    keys = [a["data-sort"] for tag, a in parsed.elements if tag == "td" and "data-sort" in a]
    assert keys == [PAYLOAD, "3.5"]  # the attribute decodes back to the value, whole
    assert "".join(parsed.text).count("<img src=x onerror=") == 2  # shown as text: name and value
    assert all(not k.startswith("on") for _, a in parsed.elements for k in a)  # no handler attribute


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_controls_are_labelled_in_the_pages_language(language):
    out = table(pd.DataFrame({"rep_name": ["张伟"], "orders": [3]}), language).value
    box = next(a for tag, a in _parse(out).elements if tag == "div" and "sa-itable" in (a.get("class") or ""))
    assert box["data-sa-language"] == language
    for name, key in TABLE_CONTROLS.items():
        assert box[f"data-sa-{name}"] == label(key, language)
    texts = " ".join(box[f"data-sa-{name}"] for name in TABLE_CONTROLS)
    if language == "zh":  # no English chrome on a Chinese page (placeholders aside)
        assert not re.search(r"[A-Za-z]", re.sub(r"\{\w+\}", "", texts)), texts
    else:
        assert not re.search(r"[\u4e00-\u9fff]", texts), texts


def test_every_control_label_exists_in_both_languages():
    for key in TABLE_CONTROLS.values():
        zh, en = label(key, "zh"), label(key, "en")
        assert zh != key and en != key and zh != en
        # the script fills these placeholders: each label keeps them in both languages
        assert set(re.findall(r"\{(\w+)\}", zh)) == set(re.findall(r"\{(\w+)\}", en))
    assert set(re.findall(r"\{(\w+)\}", label("view_table_rows", "zh"))) == {"from", "to", "total"}


def test_a_statement_with_marked_rows_stays_a_plain_table():
    # subtotal and total rows: their order is the point, so no sorting, no paging
    frame = pd.DataFrame({"line": ["a", "小计"], "amount": [1.0, 1.0]})
    out = table(frame, "zh", row_classes=["", "sa-subtotal"]).value
    assert "sa-itable" not in out and "data-sortable" not in out and "data-sort=" not in out


def test_views_send_up_to_the_cap_and_say_top_n_of_m_beyond_it():
    frame = pd.DataFrame({"rep_name": [f"R{i}" for i in range(TABLE_MAX_ROWS + 7)], "orders": range(507)})
    out = table(frame, "en").value
    assert out.count("<tr>") == TABLE_MAX_ROWS + 1  # the header row and 500 rows
    assert html.escape(f"Top {TABLE_MAX_ROWS:,} of {TABLE_MAX_ROWS + 7:,} rows.") in out
    short = table(frame.head(40), "en").value
    assert short.count("<tr>") == 41 and "Top " not in short  # 40 rows: all sent, no note


def test_the_template_loads_the_table_script_from_this_server():
    page = (TEMPLATE / "index.html.j2").read_text(encoding="utf-8")
    assert '{{ resources.include_js("static/tables.js") }}' in page
    assert '{{ resources.include_css("static/tables.css") }}' in page
    script = (TEMPLATE / "static" / "tables.js").read_text(encoding="utf-8")
    # no library, no other site, nothing evaluated, nothing written as HTML
    assert not re.search(r"https?://", script)
    assert not re.search(
        r"\b(eval|Function|innerHTML|outerHTML|insertAdjacentHTML|document\.write)\b", script
    )
    # every label it shows comes from the attributes the views write (TABLE_CONTROLS)
    read = {re.sub(r"(?<!^)([A-Z])", r"-\1", m).lower() for m in re.findall(r"labels\.sa(\w+)", script)}
    assert read - {"language"} == set(TABLE_CONTROLS), read
    assert Path(TEMPLATE / "static" / "tables.css").exists()
