"""report.xlsx's cell XML: the Arrow-built cells equal the per-value rules they replace."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from sales_analytics.report.excel import _column_cells, _escaped, _rows_xml

STYLE, QUOTED = ' s="3"', ' s="9"'


def _cells(values: list, kind: str = "object") -> list[str]:
    refs = pa.array([f"A{r}" for r in range(2, len(values) + 2)], pa.large_string())
    out = _column_cells(
        pd.Series(values, dtype="str" if kind == "object" else None), kind, refs, STYLE, QUOTED
    )
    return [c or "" for c in out.to_pylist()]


def test_text_cells_escape_quote_and_keep_spaces():
    got = _cells(["华东", "a&b<c>", "=1+1", " lead", None, "x_x0041_y", "华东"])
    assert got == [
        '<c r="A2" s="3" t="inlineStr"><is><t>华东</t></is></c>',
        '<c r="A3" s="3" t="inlineStr"><is><t>a&amp;b&lt;c&gt;</t></is></c>',
        '<c r="A4" s="9" t="inlineStr"><is><t>=1+1</t></is></c>',  # a formula's text: quote prefix
        '<c r="A5" s="3" t="inlineStr"><is><t xml:space="preserve"> lead</t></is></c>',
        "",  # a missing value: no cell
        '<c r="A7" s="3" t="inlineStr"><is><t>x_x005F_x0041_y</t></is></c>',  # a literal _xHHHH_ kept
        '<c r="A8" s="3" t="inlineStr"><is><t>华东</t></is></c>',  # a repeated value, its own reference
    ]


def test_an_ideographic_space_at_either_end_is_preserved():
    # U+3000 is whitespace to Python's \s (the rule the cells follow), not to RE2's \s
    assert _cells(["\u3000华东", "东\u00a0"]) == [
        '<c r="A2" s="3" t="inlineStr"><is><t xml:space="preserve">\u3000华东</t></is></c>',
        '<c r="A3" s="3" t="inlineStr"><is><t xml:space="preserve">东\u00a0</t></is></c>',
    ]


def test_number_cells_and_empty_rows():
    assert _cells([1.5, float("nan"), -0.0, 0.1 + 0.2, 1e20], "float") == [
        '<c r="A2" s="3"><v>1.5</v></c>',
        "",
        '<c r="A4" s="3"><v>-0</v></c>',  # the sign of a negative zero kept, as written before
        '<c r="A5" s="3"><v>0.3</v></c>',  # 16 significant digits: 0.30000000000000004 → 0.3
        '<c r="A6" s="3"><v>1E+20</v></c>',
    ]
    frame = pd.DataFrame({"a": pd.Series(["x", None, "z"], dtype="str"), "b": [1.0, float("nan"), 2.0]})
    xml = _rows_xml(frame, ["object", "float"], [STYLE, ""], QUOTED, ([2], [' s="7"', ' s="8"']))
    # row 3 holds no value and is left out; row 4 is bold (styles 7 and 8)
    assert xml.decode() == (
        '<row r="2"><c r="A2" s="3" t="inlineStr"><is><t>x</t></is></c><c r="B2"><v>1</v></c></row>'
        '<row r="4"><c r="A4" s="7" t="inlineStr"><is><t>z</t></is></c><c r="B4" s="8"><v>2</v></c></row>'
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=8))
def test_text_cells_follow_the_per_value_rule(texts):
    expected = []
    for row, text in enumerate(texts, start=2):
        tail, formula = _escaped(text)
        expected.append(f'<c r="A{row}"{QUOTED if formula else STYLE}{tail}')
    assert _cells(texts) == expected
