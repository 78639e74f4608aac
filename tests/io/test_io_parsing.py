"""Cell parsers: numbers, dates, ids, booleans (hand-computed expectations)."""

from __future__ import annotations

import pandas as pd
import pytest

from sales_analytics.io.parsing import parse_booleans, parse_datetimes, parse_ids, parse_numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.50", 1234.5),
        ("¥1,200", 1200.0),
        ("￥ 88", 88.0),
        ("$33900", 33900.0),
        ("560.5元", 560.5),
        ("  42  ", 42.0),
        ("(40)", -40.0),  # accounting negative
        ("-3.5", -3.5),
    ],
)
def test_numbers(text: str, expected: float) -> None:
    values, bad = parse_numbers(pd.Series([text]))
    assert values.iloc[0] == expected
    assert not bad.iloc[0]


def test_bad_numbers_are_marked_not_raised() -> None:
    source = pd.Series(["10", "ten", None, "", "=SUM(A1:A2)"])
    values, bad = parse_numbers(source)
    assert bad.tolist() == [False, True, False, False, True]
    assert values.iloc[0] == 10.0 and values.isna().sum() == 4
    assert source.tolist()[1] == "ten"  # input unchanged


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-31", "2026-03-31 00:00:00"),
        ("2026-3-1", "2026-03-01 00:00:00"),
        ("2024-07-08 14:56:28", "2024-07-08 14:56:28"),
        ("2026/03/31", "2026-03-31 00:00:00"),
        ("2026/3/1 9:05", "2026-03-01 09:05:00"),
        ("2025年9月20日", "2025-09-20 00:00:00"),
        ("2018-01-01 星期五", "2018-01-01 00:00:00"),
        ("Oct 7, 2025 6:55 PM", "2025-10-07 18:55:00"),
        ("Oct 7, 2025", "2025-10-07 00:00:00"),
        ("20260331", "2026-03-31 00:00:00"),
        ("43101", "2018-01-01 00:00:00"),  # Excel serial: 1899-12-30 + 43101 days
        # epoch ms are UTC instants: 1756656000000 = 2025-08-31 16:00 UTC = 2025-09-01 00:00 in Shanghai
        ("1756656000000", "2025-09-01 00:00:00"),
        # an offset is converted: 15:11:53+05:30 = 09:41:53 UTC = 17:41:53 in Shanghai
        ("2020-07-01T15:11:53+05:30", "2020-07-01 17:41:53"),
    ],
)
def test_date_formats(text: str, expected: str) -> None:
    result = parse_datetimes(pd.Series([text]), timezone="Asia/Shanghai")
    assert str(result.values.iloc[0]) == expected
    assert not result.bad.any()


def test_numbers_as_dates() -> None:
    # 43101.5 = 2018-01-01 12:00 (Excel); 1756688400 s = 2025-09-01 01:00 UTC = 09:00 Shanghai
    values = parse_datetimes(pd.Series([43101.5, 1756688400]), timezone="Asia/Shanghai").values
    assert [str(v) for v in values] == ["2018-01-01 12:00:00", "2025-09-01 09:00:00"]


def test_utc_output_localises_naive_text() -> None:
    # WeChatMsg StrTime is local: 09:00 in Shanghai is 01:00 UTC
    values = parse_datetimes(pd.Series(["2025-09-01 09:00:00"]), timezone="Asia/Shanghai", utc=True).values
    assert str(values.iloc[0]) == "2025-09-01 01:00:00+00:00"


def test_impossible_and_mixed_dates() -> None:
    result = parse_datetimes(pd.Series(["2026-02-30", "2026-01-05", "2026/01/06", None]))
    assert result.bad.tolist() == [True, False, False, False]
    assert result.families == {"iso": 2, "slash": 1}
    assert result.mixed


def test_ids() -> None:
    assert parse_ids(pd.Series([17850.0, float("nan")])).tolist()[0] == "17850"
    assert parse_ids(pd.Series(["17850.0", " A1 ", "NA"])).tolist()[:2] == ["17850", "A1"]


def test_booleans() -> None:
    values, bad = parse_booleans(pd.Series(["true", "FALSE", "是", "否", "1", "0"]))
    assert values.tolist() == [True, False, True, False, True, False]
    assert not bad.any()
