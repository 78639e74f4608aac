"""Daily demand weights: Chinese New Year dip, 618 and Double-11 peaks, weekdays, growth."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from sales_analytics.workdays import spring_festival

# Month factors (Jan … Dec) before the festival effects below.
_MONTH_B2B = np.array([0.92, 0.90, 1.00, 1.00, 0.95, 1.12, 0.95, 0.95, 1.00, 0.95, 1.18, 1.15])
_MONTH_B2C = np.array([0.92, 0.90, 0.95, 0.95, 0.95, 1.10, 0.95, 0.95, 0.95, 0.95, 1.20, 1.05])
# Monday … Sunday.
_WEEKDAY_B2B = np.array([1.05, 1.05, 1.05, 1.0, 1.0, 0.35, 0.25])
_WEEKDAY_B2C = np.array([0.95, 0.95, 0.95, 1.0, 1.05, 1.25, 1.2])
YEARLY_GROWTH = 1.08  # order volume; with rookies ramping and the training uplift revenue grows ~10 % a year


def chinese_new_year(year: int) -> date:
    """The first day of the Spring Festival (春节) in ``year`` (:func:`sales_analytics.workdays.spring_festival`).

    >>> chinese_new_year(2026)
    datetime.date(2026, 2, 17)
    """
    return spring_festival(year)


def day_weights(days: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Relative order volume per day for B2B and for B2C customers.

    Both share the year-over-year volume growth (8 %) and the Spring Festival dip
    (from 10 days before to 15 days after 春节); B2C carries the strong
    e-commerce festivals (618: June 1-18, Double-11: November 1-11), B2B a
    milder June / Q4 push and quiet weekends.
    """
    t_years = (days - days[0]).days.to_numpy() / 365.25
    growth = YEARLY_GROWTH**t_years
    month = days.month.to_numpy() - 1
    dow = days.day_of_week.to_numpy()
    w_b2b = growth * _MONTH_B2B[month] * _WEEKDAY_B2B[dow]
    w_b2c = growth * _MONTH_B2C[month] * _WEEKDAY_B2C[dow]

    cny = np.ones(len(days))
    for year in sorted(set(days.year.tolist())):
        d0 = pd.Timestamp(chinese_new_year(year))
        offset = (days - d0).days.to_numpy()
        cny = np.where((offset >= -10) & (offset <= 15), np.where(np.abs(offset) <= 7, 0.1, 0.4), cny)
    w_b2b = w_b2b * cny
    w_b2c = w_b2c * np.where(cny < 1, np.sqrt(cny), 1.0)

    dom = days.day.to_numpy()
    m = month + 1
    six18 = (m == 6) & (dom <= 18)
    double11 = (m == 11) & (dom <= 11)
    w_b2c = w_b2c * np.where(six18, 1.6, 1.0) * np.where((m == 6) & (dom == 18), 3.0, 1.0)
    w_b2c = w_b2c * np.where(double11, 1.8, 1.0) * np.where((m == 11) & (dom == 11), 4.0, 1.0)
    w_b2b = w_b2b * np.where(six18, 1.15, 1.0) * np.where(double11, 1.2, 1.0)
    return w_b2b, w_b2c


def working_days(days: pd.DatetimeIndex) -> np.ndarray:
    """Boolean mask of Monday-Friday days outside the Spring Festival week."""
    mask = days.day_of_week.to_numpy() < 5
    for year in sorted(set(days.year.tolist())):
        d0 = pd.Timestamp(chinese_new_year(year))
        offset = (days - d0).days.to_numpy()
        mask &= ~((offset >= -1) & (offset <= 5))
    return mask
