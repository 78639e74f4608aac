"""Reporting periods: months, quarters and years, with a fiscal-year start.

A :class:`Period` is an immutable value. Months are the base grain: a quarter
or a year is a run of months, and every result table carries a ``period``
column holding ``str(Period)``.

Forms accepted by :func:`parse_period` (and ``Period.parse``)::

    month    2026-10  2026/10  202610  2026.10  2026年10月  Oct 2026
    quarter  2026-Q3  2026Q3  2026 Q3  2026年Q3  2026年第3季度
    year     2026  2026年  FY2026

Quarters and years are *fiscal* when ``fiscal_year_start`` is not January:
with a fiscal year starting in April, ``FY2026`` runs 2026-04 … 2027-03 and
``2026-Q1`` is 2026-04 … 2026-06 (the fiscal year is named by the calendar
year it starts in). A month is the same month whatever the fiscal start.

>>> p = Period.parse("2026年10月")
>>> str(p), str(p.previous()), str(p.same_period_last_year())
('2026-10', '2026-09', '2025-10')
>>> [str(m) for m in Period.parse("2026-Q3").months()]
['2026-07', '2026-08', '2026-09']
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sales_analytics.errors import SalesAnalyticsError

__all__ = [
    "Period",
    "PeriodError",
    "latest_complete_month",
    "month_range",
    "parse_period",
]

Grain = Literal["month", "quarter", "year"]

ACCEPTED_FORMS = (
    "month: 2026-10, 2026/10, 202610, 2026.10, 2026年10月, Oct 2026; "
    "quarter: 2026-Q3, 2026Q3, 2026年第3季度; year: 2026, 2026年, FY2026"
)

_MONTH_NAMES = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTH_NAMES.update({name.lower(): i for i, name in enumerate(calendar.month_name) if name})

_PATTERNS: list[tuple[Grain, re.Pattern[str]]] = [
    ("month", re.compile(r"^(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})$")),
    ("month", re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})$")),
    ("month", re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(份)?$")),
    ("quarter", re.compile(r"^(?:FY)?(?P<y>\d{4})\s*[-/ ]?\s*Q(?P<q>[1-4])$", re.I)),
    (
        "quarter",
        re.compile(r"^(?P<y>\d{4})\s*年\s*(?:第\s*(?P<q2>[1-4一二三四])\s*季度|Q(?P<q>[1-4]))$", re.I),
    ),
    ("year", re.compile(r"^(?:FY\s*)?(?P<y>\d{4})\s*(?:年|财年|年度)?$", re.I)),
]
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


class PeriodError(SalesAnalyticsError, ValueError):
    """A period string or value that cannot be understood."""


@dataclass(frozen=True, order=True)
class Period:
    """A month, quarter or year.

    ``year`` is the fiscal year for quarters and years (the calendar year the
    fiscal year starts in) and the calendar year for months. ``index`` is the
    month (1-12), the fiscal quarter (1-4) or 1 for a year.
    """

    grain: Grain
    year: int
    index: int = 1
    fiscal_year_start: int = 1

    def __post_init__(self) -> None:
        if self.grain not in ("month", "quarter", "year"):
            raise PeriodError(f"grain must be one of month, quarter, year; got {self.grain!r}")
        if not 1 <= self.fiscal_year_start <= 12:
            raise PeriodError(
                f"fiscal_year_start must be a month number from 1 to 12; got {self.fiscal_year_start!r}"
            )
        limit = {"month": 12, "quarter": 4, "year": 1}[self.grain]
        if not 1 <= self.index <= limit:
            raise PeriodError(f"{self.grain} index must be from 1 to {limit}; got {self.index!r}")
        if not 1900 <= self.year <= 2999:
            raise PeriodError(f"year must be from 1900 to 2999; got {self.year!r}")

    # ------------------------------------------------------------------ build
    @classmethod
    def parse(cls, text: str | Period | date, *, fiscal_year_start: int = 1) -> Period:
        """Parse one of the accepted forms (see the module docstring)."""
        return parse_period(text, fiscal_year_start=fiscal_year_start)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls("month", year, month)

    @classmethod
    def of(cls, day: date | datetime, grain: Grain = "month", *, fiscal_year_start: int = 1) -> Period:
        """The period of ``grain`` that contains ``day``.

        >>> str(Period.of(date(2026, 2, 10), "quarter", fiscal_year_start=4))
        '2025-Q4'
        """
        m = cls("month", day.year, day.month)
        if grain == "month":
            return m
        return m.rollup(grain, fiscal_year_start=fiscal_year_start)

    # ------------------------------------------------------------ properties
    @property
    def first_month(self) -> Period:
        if self.grain == "month":
            return self
        offset = (self.fiscal_year_start - 1) + (3 * (self.index - 1) if self.grain == "quarter" else 0)
        y, m = divmod(offset, 12)
        return Period("month", self.year + y, m + 1)

    @property
    def n_months(self) -> int:
        return {"month": 1, "quarter": 3, "year": 12}[self.grain]

    @property
    def start(self) -> date:
        """First day of the period."""
        fm = self.first_month
        return date(fm.year, fm.index, 1)

    @property
    def end(self) -> date:
        """Last day of the period (inclusive)."""
        last = self.months()[-1]
        return date(last.year, last.index, calendar.monthrange(last.year, last.index)[1])

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def months(self) -> list[Period]:
        """The months making up this period, in order."""
        fm = self.first_month
        return [fm.shift(i) for i in range(self.n_months)]

    def contains(self, day: date | datetime) -> bool:
        d = day.date() if isinstance(day, datetime) else day
        return self.start <= d <= self.end

    # ------------------------------------------------------------ arithmetic
    def shift(self, n: int) -> Period:
        """The period ``n`` steps of the same grain later (earlier when negative)."""
        if self.grain == "year":
            return Period("year", self.year + n, 1, self.fiscal_year_start)
        size = 12 if self.grain == "month" else 4
        y, i = divmod(self.year * size + (self.index - 1) + n, size)
        return Period(self.grain, y, i + 1, self.fiscal_year_start)

    def previous(self) -> Period:
        """The immediately preceding period of the same grain (环比 base)."""
        return self.shift(-1)

    def next(self) -> Period:
        return self.shift(1)

    def same_period_last_year(self) -> Period:
        """The same period one year earlier (同比 base)."""
        return Period(self.grain, self.year - 1, self.index, self.fiscal_year_start)

    def rollup(self, grain: Grain, *, fiscal_year_start: int | None = None) -> Period:
        """The quarter or year (fiscal when configured) that contains this month."""
        if self.grain != "month":
            raise PeriodError(f"only a month rolls up; {self} is a {self.grain}")
        fys = self.fiscal_year_start if fiscal_year_start is None else fiscal_year_start
        if grain == "month":
            return self
        months_into = (self.index - fys) % 12
        fy = self.year if self.index >= fys else self.year - 1
        if grain == "quarter":
            return Period("quarter", fy, months_into // 3 + 1, fys)
        if grain == "year":
            return Period("year", fy, 1, fys)
        raise PeriodError(f"grain must be one of month, quarter, year; got {grain!r}")

    # ---------------------------------------------------------------- output
    def __str__(self) -> str:
        if self.grain == "month":
            return f"{self.year:04d}-{self.index:02d}"
        if self.grain == "quarter":
            return f"{self.year:04d}-Q{self.index}"
        return f"{self.year:04d}" if self.fiscal_year_start == 1 else f"FY{self.year:04d}"

    def label(self, language: str = "en") -> str:
        """A human label: ``2026年10月`` / ``Oct 2026``."""
        if language == "zh":
            if self.grain == "month":
                return f"{self.year}年{self.index}月"
            if self.grain == "quarter":
                return f"{self.year}年第{self.index}季度"
            return f"{self.year}财年" if self.fiscal_year_start != 1 else f"{self.year}年"
        if self.grain == "month":
            return f"{calendar.month_abbr[self.index]} {self.year}"
        return str(self)


def parse_period(text: str | Period | date, *, fiscal_year_start: int = 1) -> Period:
    """Parse a period typed by a user.

    >>> parse_period("202610")
    Period(grain='month', year=2026, index=10, fiscal_year_start=1)
    >>> str(parse_period("2026年第3季度")), str(parse_period("FY2026", fiscal_year_start=4))
    ('2026-Q3', 'FY2026')
    >>> parse_period("2026-13")
    Traceback (most recent call last):
    ...
    sales_analytics.periods.PeriodError: '2026-13' is not a period: month must be from 1 to 12. Accepted forms: month: 2026-10, 2026/10, 202610, 2026.10, 2026年10月, Oct 2026; quarter: 2026-Q3, 2026Q3, 2026年第3季度; year: 2026, 2026年, FY2026.
    """
    if isinstance(text, Period):
        return text
    if isinstance(text, (date, datetime)):
        return Period("month", text.year, text.month)
    if not isinstance(text, str):
        raise PeriodError(f"a period must be text such as '2026-10'; got {type(text).__name__} {text!r}")
    raw = text
    s = text.strip().replace("－", "-").replace("／", "/")
    named = re.match(r"^([A-Za-z]+)\.?\s+(\d{4})$", s)
    if named and named.group(1).lower() in _MONTH_NAMES:
        return Period("month", int(named.group(2)), _MONTH_NAMES[named.group(1).lower()])
    for grain, pattern in _PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        year = int(m.group("y"))
        try:
            if grain == "month":
                month = int(m.group("m"))
                if not 1 <= month <= 12:
                    raise PeriodError("month must be from 1 to 12")
                return Period("month", year, month)
            if grain == "quarter":
                q = m.groupdict().get("q") or m.groupdict().get("q2")
                qi = _CN_DIGITS.get(q or "", None) or int(q or 0)
                return Period("quarter", year, qi, fiscal_year_start)
            return Period("year", year, 1, fiscal_year_start)
        except PeriodError as exc:
            raise PeriodError(f"{raw!r} is not a period: {exc}. Accepted forms: {ACCEPTED_FORMS}.") from None
    raise PeriodError(f"{raw!r} is not a period. Accepted forms: {ACCEPTED_FORMS}.")


def month_range(start: str | Period, end: str | Period) -> list[Period]:
    """Every month from ``start`` to ``end`` inclusive.

    >>> [str(p) for p in month_range("2025-11", "2026-02")]
    ['2025-11', '2025-12', '2026-01', '2026-02']
    """
    a = parse_period(start).first_month
    b = parse_period(end).months()[-1]
    if b < a:
        raise PeriodError(f"the range ends ({b}) before it starts ({a})")
    out: list[Period] = []
    cur = a
    while cur <= b:
        out.append(cur)
        cur = cur.next()
    return out


def iter_days(period: Period) -> Iterator[date]:
    d = period.start
    while d <= period.end:
        yield d
        d += timedelta(days=1)


def latest_complete_month(today: date | None = None) -> Period:
    """The last month that has fully ended before ``today``.

    >>> str(latest_complete_month(date(2026, 11, 26)))
    '2026-10'
    >>> str(latest_complete_month(date(2026, 1, 1)))
    '2025-12'
    """
    today = today or date.today()
    return Period("month", today.year, today.month).previous()
