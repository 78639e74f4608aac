"""Working days in mainland China: weekends, statutory holidays and 调休.

Built on the maintained ``chinese-calendar`` package, which records each
year's State Council holiday notice (statutory holidays and the weekend days
that become working days, 调休). A date in a year the package does not cover
is a :class:`CalendarCoverageError`, never a guess; a team can add the days of
a newly published notice through ``extra_holidays`` / ``extra_workdays``
(and extend coverage to that year with ``extra_years``).

>>> from datetime import date
>>> bool(is_workday(date(2025, 10, 1))), bool(is_workday(date(2025, 10, 11)))  # National Day; a 调休 Saturday
(False, True)
>>> workdays_in(date(2025, 10, 1), date(2025, 10, 12))
3
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Protocol, TypeAlias

import numpy as np
import pandas as pd

from sales_analytics.errors import SalesAnalyticsError
from sales_analytics.periods import Period, parse_period

__all__ = [
    "CalendarCoverageError",
    "WorkdayCalendar",
    "calendar_coverage",
    "calendar_options",
    "holiday_name",
    "is_workday",
    "spring_festival",
    "workdays_in",
    "workdays_in_month",
]

DateLike: TypeAlias = date | datetime | pd.Timestamp | str


class CalendarCoverageError(SalesAnalyticsError):
    """A date falls in a year the holiday calendar does not cover."""


@lru_cache(maxsize=1)
def _calendar() -> tuple[np.ndarray, np.ndarray, int, int]:
    import chinese_calendar as cc

    holidays = np.array(sorted(cc.holidays), dtype="datetime64[D]")
    workdays = np.array(sorted(cc.workdays), dtype="datetime64[D]")
    first = int(str(holidays.min())[:4])
    last = int(str(max(holidays.max(), workdays.max()))[:4])
    return holidays, workdays, first, last


def calendar_coverage() -> tuple[int, int]:
    """First and last year the holiday calendar covers."""
    _, _, first, last = _calendar()
    return first, last


def _as_days(days: DateLike | Iterable[DateLike] | pd.Series | pd.DatetimeIndex) -> np.ndarray:
    if isinstance(days, (date, datetime, pd.Timestamp, str)):
        days = [days]
    idx = pd.DatetimeIndex(pd.to_datetime(pd.Series(list(days) if not isinstance(days, pd.Series) else days)))
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    return idx.values.astype("datetime64[D]")


def _to_array(values: Iterable[DateLike] | None) -> np.ndarray:
    if not values:
        return np.array([], dtype="datetime64[D]")
    return _as_days(list(values))


class WorkdayCalendar(Protocol):
    """The team's own calendar days: ``rules.calendar`` of the group-rules file (``parameters/group_rules.yaml``)."""

    @property
    def extra_holidays(self) -> list[date]: ...
    @property
    def extra_workdays(self) -> list[date]: ...
    @property
    def extra_years(self) -> list[int]: ...


def calendar_options(calendar: WorkdayCalendar | None) -> dict[str, Any]:
    """Keyword arguments of :func:`is_workday` for the team's calendar (none: the statutory calendar alone).

    The values are tuples, so the options can key a cache.
    """
    if calendar is None:
        return {}
    return {
        "extra_holidays": tuple(calendar.extra_holidays),
        "extra_workdays": tuple(calendar.extra_workdays),
        "extra_years": tuple(calendar.extra_years),
    }


def is_workday(
    days: DateLike | Iterable[DateLike] | pd.Series,
    *,
    extra_holidays: Iterable[DateLike] | None = None,
    extra_workdays: Iterable[DateLike] | None = None,
    extra_years: Iterable[int] = (),
) -> np.ndarray | bool:
    """Whether each day is a working day (a bool for one day, else a bool array).

    Monday–Friday are working days unless a statutory holiday; a weekend day
    is one only when it is an adjusted working day (调休). Times are ignored;
    tz-aware timestamps should be converted to local time first.
    """
    single = isinstance(days, (date, datetime, pd.Timestamp, str))
    arr = _as_days(days)
    holidays, workdays, first, last = _calendar()
    valid = ~np.isnat(arr)
    years = arr[valid].astype("datetime64[Y]").astype(int) + 1970
    allowed = set(range(first, last + 1)) | set(extra_years)
    outside = sorted(set(years.tolist()) - allowed)
    if outside:
        raise CalendarCoverageError(
            f"the holiday calendar (chinese-calendar) covers {first}–{last}; dates in {outside} cannot be "
            "classified. Add that year's State Council holiday notice as rules.extra_holidays / "
            "extra_workdays and list the year in extra_years, or upgrade chinese-calendar."
        )
    weekday = (arr.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday (3)
    result = weekday < 5
    result &= ~np.isin(arr, holidays)
    result |= np.isin(arr, workdays)
    extra_h, extra_w = _to_array(extra_holidays), _to_array(extra_workdays)
    result &= ~np.isin(arr, extra_h)
    result |= np.isin(arr, extra_w)
    result &= valid
    return bool(result[0]) if single else result


def workdays_in(start: DateLike, end: DateLike, **extra: object) -> int:
    """Number of working days from ``start`` to ``end``, both included."""
    s, e = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if e < s:
        return 0
    return int(np.sum(is_workday(pd.date_range(s, e, freq="D"), **extra)))  # type: ignore[arg-type]


def workdays_in_month(period: Period | str, **extra: object) -> int:
    """Working days in a month (or any period).

    >>> workdays_in_month("2025-10")  # 8 days off 1-8 Oct, 调休 on 11 Oct (Sat)
    18
    """
    p = parse_period(period) if not isinstance(period, Period) else period
    return workdays_in(p.start, p.end, **extra)


def holiday_name(day: DateLike) -> str | None:
    """The English name of the statutory holiday on ``day`` (None on other days)."""
    import chinese_calendar as cc

    d = pd.Timestamp(day).date()
    try:
        on_holiday, name = cc.get_holiday_detail(d)
    except NotImplementedError as exc:
        raise CalendarCoverageError(str(exc)) from None
    return name if on_holiday and name else None


@lru_cache(maxsize=64)
def spring_festival(year: int) -> date:
    """The first day of the Spring Festival (春节, 正月初一) in ``year``.

    From the ``holidays`` package's lunar calendar, so years the State Council
    has not yet published a notice for are covered too.

    >>> spring_festival(2026), spring_festival(2027)
    (datetime.date(2026, 2, 17), datetime.date(2027, 2, 6))
    """
    import holidays

    cn = holidays.China(years=year, language="en_US")
    days = sorted(d for d, name in cn.items() if "Spring Festival" in name)
    if not days:
        raise CalendarCoverageError(f"the holidays package has no Spring Festival date for {year}")
    return days[0]
