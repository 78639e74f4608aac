"""The column coercers of ``io.validate``: one per column kind, each tested on its own."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from sales_analytics.io import schemas
from sales_analytics.io.readers import RawTable
from sales_analytics.io.schemas import ColumnSpec
from sales_analytics.io.validate import (
    COERCERS,
    Segment,
    TableCheck,
    _coerce_bool,
    _coerce_category,
    _coerce_column,
    _coerce_datetime,
    _coerce_month,
    _coerce_number,
    _coerce_text,
    _Source,
)

NOW = pd.Timestamp("2026-04-01 12:00", tz="Asia/Shanghai")
CSV = _Source(tz="Asia/Shanghai", text_source=True, now=NOW, csv_only=True)


def _check(n: int) -> TableCheck:
    raw = RawTable(pd.DataFrame(index=range(n)), "t.csv", "csv")
    return TableCheck("t", [Segment(raw, 0, n)])


def _only_problem(check: TableCheck):
    assert len(check.problems) == 1, check.problems
    return check.problems[0]


def test_every_kind_the_schemas_use_has_a_coercer():
    kinds = {c.kind for s in schemas.TABLE_SCHEMAS.values() for c in s.columns}
    assert kinds <= set(COERCERS), kinds - set(COERCERS)
    # and the kinds the schemas module documents
    documented = set(re.findall(r"^``(\w+)``", schemas.__doc__ or "", flags=re.M))
    assert documented == set(COERCERS)


def test_an_unknown_kind_is_a_schema_bug():
    with pytest.raises(ValueError, match="unknown column kind 'colour'"):
        _coerce_column(pd.Series(["x"]), ColumnSpec("c", "colour"), _check(1), CSV)


def test_text_trims_and_flags_formula_ids():
    chk = _check(3)
    out = _coerce_text(pd.Series([" r1 ", "=A1+1", None], dtype="str"), ColumnSpec("rep_id", "id"), chk, CSV)
    assert out.tolist()[:2] == ["r1", "=A1+1"] and pd.isna(out.iloc[2])
    assert out.dtype == "str"
    p = _only_problem(chk)
    # row 2 of the file's data is the second record: header line 1, first_row 2 → rows (3,)
    assert (p.column, p.rows, p.count, p.found) == ("rep_id", (3,), 1, "=A1+1")
    # free text keeps a leading =
    chk = _check(1)
    assert _coerce_text(pd.Series(["=x "], dtype="str"), ColumnSpec("t", "text"), chk, CSV).tolist() == ["=x"]
    assert chk.problems == []


def test_text_of_a_typed_source_comes_through_unchanged():
    parquet = _Source(tz="UTC", text_source=False, now=NOW)
    col = pd.Series([" keep "], dtype="str")
    assert _coerce_text(col, ColumnSpec("rep_id", "id"), _check(1), parquet) is col


def test_number_reads_money_text_and_reports_bad_infinite_and_out_of_range():
    chk = _check(5)
    spec = ColumnSpec("score", "number", min=0, max=2000)
    out = _coerce_number(pd.Series(["¥1,234.5", "abc", "inf", "-1", "2001"], dtype="str"), spec, chk, CSV)
    assert out.iloc[0] == 1234.5 and np.isnan(out.iloc[1]) and np.isnan(out.iloc[2])  # inf becomes empty
    assert out.iloc[3] == -1.0 and out.iloc[4] == 2001.0  # out-of-range values are kept, and reported
    messages = [(p.problem, p.rows) for p in chk.problems]
    assert messages == [
        ("1 row is not a number", (3,)),
        ("1 row is infinite", (4,)),
        ("1 row is below 0", (5,)),
        ("1 row is above 2000", (6,)),
    ]
    assert [p.expected for p in chk.problems[2:]] == ["≥ 0", "≤ 2000"]


def test_integer_numbers_stay_integer():
    col = pd.Series([1, 2, 3], dtype="int64")
    out = _coerce_number(col, ColumnSpec("quantity", "number"), _check(3), CSV)
    assert out.dtype == "int64" and out.tolist() == [1, 2, 3]


def test_dates_naive_instants_utc_and_implausible_or_future_rows_reported():
    chk = _check(3)
    out = _coerce_datetime(
        pd.Series(["2026-03-31", "1900-01-01", "2026-05-01"], dtype="str"),
        ColumnSpec("order_date", "date"),
        chk,
        CSV,
    )
    assert out.dtype == "datetime64[ns]" and out.iloc[0] == pd.Timestamp("2026-03-31")
    p = _only_problem(chk)
    assert (p.problem, p.rows) == ("1 row has an implausible date", (3,))
    # 2026-05-01 is after NOW (2026-04-01): a warning, not an error
    assert [(q["kind"], q["rows"]) for q in chk.quality] == [("future_date", "4")]
    # an instant: 08:00 in Shanghai is 00:00 UTC
    inst = _coerce_datetime(
        pd.Series(["2026-03-01 08:00"], dtype="str"), ColumnSpec("sent_at", "instant"), _check(1), CSV
    )
    assert str(inst.dt.tz) == "UTC" and inst.iloc[0] == pd.Timestamp("2026-03-01 00:00", tz="UTC")


def test_a_future_close_date_is_not_a_finding():
    chk = _check(1)
    _coerce_datetime(pd.Series(["2026-12-31"], dtype="str"), ColumnSpec("close_date", "date"), chk, CSV)
    assert chk.quality == [] and chk.problems == []


def test_bool_reads_both_languages():
    chk = _check(4)
    out = _coerce_bool(
        pd.Series(["是", "no", "1", "maybe"], dtype="str"), ColumnSpec("active", "bool"), chk, CSV
    )
    assert out.tolist()[:3] == [True, False, True]
    assert _only_problem(chk).found == "maybe"


def test_category_lower_cases_and_names_the_column_map_fix():
    chk = _check(3)
    spec = ColumnSpec("status", "category", allowed=("paid", "refunded"))
    out = _coerce_category(pd.Series([" Paid", "refunded", "void"], dtype="str"), spec, chk, CSV)
    assert out.tolist()[:2] == ["paid", "refunded"]
    p = _only_problem(chk)
    assert (p.rows, p.found) == ((4,), "void")
    assert "map: {void: paid}" in p.expected


def test_month_accepts_chinese_and_slash_forms_and_dates():
    chk = _check(5)
    col = pd.Series(["2026-03", "2026年4月", "2026/5", "2026-06-15", "spring"], dtype="str")
    out = _coerce_month(col, ColumnSpec("period", "month"), chk, CSV)
    assert out.tolist()[:4] == ["2026-03", "2026-04", "2026-05", "2026-06"]
    p = _only_problem(chk)
    assert (p.problem, p.rows, p.found) == ("1 row is not a month", (6,), "spring")
