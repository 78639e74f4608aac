from datetime import date

import numpy as np
import pandas as pd
import pytest

from sales_analytics.workdays import (
    CalendarCoverageError,
    holiday_name,
    is_workday,
    workdays_in,
    workdays_in_month,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 10, 1), False),  # National Day, a Wednesday
        (date(2025, 10, 11), True),  # Saturday made a working day (调休)
        (date(2025, 9, 28), True),  # Sunday made a working day (调休)
        (date(2025, 10, 12), False),  # ordinary Sunday
        (date(2025, 10, 9), True),  # ordinary Thursday
        (date(2026, 2, 17), False),  # Spring Festival 2026
    ],
)
def test_is_workday(day, expected):
    assert is_workday(day) is expected


def test_vectorised_and_timestamps():
    s = pd.Series(pd.to_datetime(["2025-10-01 09:00", "2025-10-11 23:59", None]))
    assert is_workday(s).tolist() == [False, True, False]


def test_tz_aware_values_use_their_wall_clock():
    s = pd.Series(pd.to_datetime(["2025-10-10 23:30"]).tz_localize("Asia/Shanghai"))
    assert is_workday(s).tolist() == [True]


def test_outside_coverage_is_an_error_not_a_guess():
    with pytest.raises(CalendarCoverageError, match=r"covers 2004–20\d\d"):
        is_workday(date(2099, 3, 2))


def test_extra_days_extend_the_calendar():
    assert is_workday(date(2099, 3, 2), extra_years=[2099]) is True
    assert is_workday(date(2099, 3, 2), extra_years=[2099], extra_holidays=["2099-03-02"]) is False
    assert is_workday(date(2099, 3, 7), extra_years=[2099], extra_workdays=["2099-03-07"]) is True


def test_counts():
    # October 2025: 23 weekdays − 6 holiday weekdays (1-3, 6-8) + 1 调休 Saturday (11th) = 18
    assert workdays_in_month("2025-10") == 18
    assert workdays_in(date(2025, 10, 9), date(2025, 10, 12)) == 3
    assert workdays_in(date(2025, 10, 12), date(2025, 10, 9)) == 0
    assert isinstance(is_workday([date(2025, 1, 2)]), np.ndarray)


def test_holiday_name():
    assert holiday_name(date(2025, 10, 1)) == "National Day"
    assert holiday_name(date(2025, 10, 9)) is None
