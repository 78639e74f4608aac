from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sales_analytics.periods import Period, PeriodError, latest_complete_month, month_range, parse_period


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10", "2026-10"),
        ("2026/10", "2026-10"),
        ("202610", "2026-10"),
        ("2026.1", "2026-01"),
        ("2026年10月", "2026-10"),
        ("2026年3月份", "2026-03"),
        (" 2026-03 ", "2026-03"),
        ("Oct 2026", "2026-10"),
        ("October 2026", "2026-10"),
        ("2026-Q3", "2026-Q3"),
        ("2026Q3", "2026-Q3"),
        ("2026 q1", "2026-Q1"),
        ("2026年第3季度", "2026-Q3"),
        ("2026年第四季度", "2026-Q4"),
        ("2026", "2026"),
        ("2026年", "2026"),
        ("FY2026", "2026"),
    ],
)
def test_parse_accepted_forms(text, expected):
    assert str(parse_period(text)) == expected


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "26-10", "2026-Q5", "next month", "", "2026年13月", "10/2026"]
)
def test_parse_rejects_bad_input_naming_accepted_forms(text):
    with pytest.raises(PeriodError, match="Accepted forms: month: 2026-10"):
        parse_period(text)


def test_parse_rejects_non_text():
    with pytest.raises(PeriodError, match="must be text"):
        parse_period(202610)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("period", "previous", "last_year"),
    [
        ("2026-01", "2025-12", "2025-01"),
        ("2026-03", "2026-02", "2025-03"),
        ("2026-Q1", "2025-Q4", "2025-Q1"),
        ("2026-Q3", "2026-Q2", "2025-Q3"),
        ("2026", "2025", "2025"),
    ],
)
def test_previous_and_same_period_last_year(period, previous, last_year):
    p = parse_period(period)
    assert str(p.previous()) == previous
    assert str(p.same_period_last_year()) == last_year


def test_calendar_quarter_bounds():
    q = parse_period("2026-Q1")
    assert (q.start, q.end, q.days) == (date(2026, 1, 1), date(2026, 3, 31), 90)


@pytest.mark.parametrize(
    ("fys", "month", "quarter", "year", "first_month_of_quarter"),
    [
        (1, "2026-02", "2026-Q1", "2026", "2026-01"),
        (4, "2026-02", "2025-Q4", "FY2025", "2026-01"),  # FY2025 = 2025-04 … 2026-03
        (4, "2026-04", "2026-Q1", "FY2026", "2026-04"),
        (7, "2026-06", "2025-Q4", "FY2025", "2026-04"),
        (10, "2026-10", "2026-Q1", "FY2026", "2026-10"),
    ],
)
def test_fiscal_rollup(fys, month, quarter, year, first_month_of_quarter):
    m = parse_period(month)
    q = m.rollup("quarter", fiscal_year_start=fys)
    assert str(q) == quarter
    assert str(m.rollup("year", fiscal_year_start=fys)) == year
    assert str(q.first_month) == first_month_of_quarter
    assert m in q.months()


def test_fiscal_year_months_and_end():
    fy = parse_period("FY2026", fiscal_year_start=4)
    months = [str(m) for m in fy.months()]
    assert months[0] == "2026-04" and months[-1] == "2027-03" and len(months) == 12
    assert fy.end == date(2027, 3, 31)


def test_labels():
    assert parse_period("2026-10").label("zh") == "2026年10月"
    assert parse_period("2026-10").label("en") == "Oct 2026"
    assert parse_period("2026-Q3").label("zh") == "2026年第3季度"


def test_month_range_and_errors():
    assert [str(p) for p in month_range("2026-Q1", "2026-04")] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    with pytest.raises(PeriodError, match="ends"):
        month_range("2026-05", "2026-01")


@pytest.mark.parametrize(
    ("today", "expected"),
    [(date(2026, 11, 26), "2026-10"), (date(2026, 11, 1), "2026-10"), (date(2026, 1, 31), "2025-12")],
)
def test_latest_complete_month(today, expected):
    assert str(latest_complete_month(today)) == expected


def test_invalid_construction():
    with pytest.raises(PeriodError, match="fiscal_year_start"):
        Period("year", 2026, 1, 13)
    with pytest.raises(PeriodError, match="quarter index"):
        Period("quarter", 2026, 5)


months = st.builds(Period.month, st.integers(1990, 2090), st.integers(1, 12))


@given(months, st.integers(-400, 400))
def test_shift_round_trips(m, n):
    assert m.shift(n).shift(-n) == m
    assert parse_period(str(m)) == m


@given(months, st.integers(1, 12))
def test_every_month_in_exactly_one_fiscal_quarter(m, fys):
    q = m.rollup("quarter", fiscal_year_start=fys)
    assert m in q.months()
    assert q.start <= m.start and m.end <= q.end
    y = m.rollup("year", fiscal_year_start=fys)
    assert q.months()[0] in y.months()
