"""Calendar regressors of a month: working days, the Spring Festival season, 618, Double 11, year end.

Monthly revenue of a team in China moves with the calendar more than with
anything else: the Spring Festival (春节) empties January or February depending
on the year, the e-commerce festivals 618 (June 1-18) and Double 11 (November
1-11) lift June and November, many B2B teams push at the year end, and a month
with fewer working days sells less. The forecast models carry one regressor per
effect, so a January that holds the festival is compared with Januaries that did.

Working days come from :mod:`sales_analytics.workdays` (the State Council's
notices). For a year the notices do not cover yet (the months ahead of a
forecast often fall there) the count is estimated as Monday-Friday minus the
statutory holidays of the ``holidays`` package and flagged ``workdays_estimated``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta
from functools import lru_cache

import numpy as np
import pandas as pd

from sales_analytics.periods import Period, parse_period
from sales_analytics.workdays import calendar_coverage, spring_festival, workdays_in_month

__all__ = ["CALENDAR_REGRESSORS", "SPRING_FESTIVAL_SEASON", "calendar_features"]

# Days relative to 春节 (正月初一) that count as the festival season: people leave about ten
# days before and business is back after 元宵 (the 15th day).
SPRING_FESTIVAL_SEASON: tuple[int, int] = (-10, 15)
# The regressors of the full calendar model, in design-matrix order.
CALENDAR_REGRESSORS: tuple[str, ...] = ("log_workdays", "spring_festival", "m618", "double11", "year_end")


@lru_cache(maxsize=512)
def _month_workdays(month: str) -> tuple[int, bool]:
    p = parse_period(month)
    first, last = calendar_coverage()
    if first <= p.start.year <= last:
        return workdays_in_month(p), False
    import holidays

    off = set(holidays.China(years=p.start.year))
    days = pd.date_range(p.start, p.end, freq="D")
    return int(sum(1 for d in days if d.weekday() < 5 and d.date() not in off)), True


@lru_cache(maxsize=512)
def _festival_share(month: str, before: int, after: int) -> float:
    p = parse_period(month)
    length = after - before + 1
    share = 0
    for year in (p.start.year - 1, p.start.year, p.start.year + 1):
        d0 = spring_festival(year)
        start, end = d0 + timedelta(days=before), d0 + timedelta(days=after)
        lo, hi = max(start, p.start), min(end, p.end)
        share += max(0, (hi - lo).days + 1)
    return share / length


def calendar_features(
    months: Sequence[Period | str], *, season: tuple[int, int] = SPRING_FESTIVAL_SEASON
) -> pd.DataFrame:
    """The calendar regressors of each month.

    Returns
    -------
    DataFrame indexed by month (``YYYY-MM``) with ``workdays`` (int),
    ``workdays_estimated`` (bool), ``log_workdays``, ``spring_festival`` (the
    share of the festival season's days that fall in the month, 0-1),
    ``m618`` (June), ``double11`` (November), ``year_end`` (December), the last
    three 0/1.

    >>> f = calendar_features(["2025-01", "2025-02", "2026-01", "2026-02"])
    >>> f["spring_festival"].round(2).tolist()  # season 2025: Jan 19-Feb 13 (13 + 13 days); 2026: Feb 7-Mar 4
    [0.5, 0.5, 0.0, 0.85]
    """
    labels = [str(parse_period(m)) for m in months]
    wd = [_month_workdays(m) for m in labels]
    month_no = np.array([int(m[5:7]) for m in labels])
    return pd.DataFrame(
        {
            "workdays": np.array([w for w, _ in wd], dtype=np.int64),
            "workdays_estimated": np.array([e for _, e in wd], dtype=bool),
            "log_workdays": [math.log(max(w, 1)) for w, _ in wd],
            "spring_festival": [_festival_share(m, *season) for m in labels],
            "m618": (month_no == 6).astype(np.float64),
            "double11": (month_no == 11).astype(np.float64),
            "year_end": (month_no == 12).astype(np.float64),
        },
        index=pd.Index(labels, name="month"),
    )
