"""Feedback channels: suggestion box, open items, meeting cadence, 回访 coverage, complaints."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import sales_analytics as sa
from sales_analytics.errors import DataError
from sales_analytics.feedback import (
    complaints_summary,
    customer_followup,
    feedback_open_items,
    meeting_cadence,
    suggestion_box,
)

FEEDBACK = pd.DataFrame(
    {
        "feedback_id": ["F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8"],
        "channel": [
            "internal",
            "internal",
            "internal",
            "internal",
            "internal",
            "customer",
            "customer",
            "customer",
        ],
        "category": ["tools", "tools", "incentive", "incentive", "tools", "complaint", "complaint", "praise"],
        "submitted_at": pd.to_datetime(
            [
                "2025-10-01 09:00",
                "2025-10-03 09:00",
                "2025-08-20 09:00",
                "2025-10-15 09:00",
                "2025-09-01 09:00",
                "2025-10-02 09:00",
                "2025-09-25 09:00",
                "2025-10-05 09:00",
            ]
        ),
        "text": [
            "加个报表",
            "CRM 慢",
            "提成规则",
            "x",
            "电话 13812345678 打不通",
            "发货慢",
            "质量问题",
            "很好",
        ],
        "status": ["adopted", "open", "rejected", "closed", "open", "closed", "closed", "closed"],
        "resolved_at": pd.to_datetime(
            [
                "2025-10-05 09:00",
                None,
                "2025-10-10 09:00",
                "2025-11-02 09:00",
                None,
                "2025-10-06 09:00",
                "2025-10-04 09:00",
                "2025-10-06 09:00",
            ]
        ),
    }
)


def test_suggestion_box_hand_computed() -> None:
    out = suggestion_box(FEEDBACK, period="2025-10", stale_after_days=30).set_index("category")
    # submitted in October: F1, F2 (tools), F4 (incentive) -> 3
    # decided in October: F1 adopted (4 days), F3 rejected (51 days); F4 resolved in November -> not yet
    # adoption 1/2; median days (4 + 51) / 2 = 27.5
    assert out.loc["all", ["submitted", "decided", "adopted", "rejected"]].tolist() == [3, 2, 1, 1]
    assert out.loc["all", "adoption_rate"] == 0.5
    assert out.loc["all", "median_days_to_response"] == 27.5
    # open at 31 Oct: F2 (29 days), F4 (resolved later), F5 (61 days) -> 3, of which F5 > 30 days
    assert out.loc["all", ["open_at_end", "stale_open"]].tolist() == [3, 1]
    assert out.loc["tools", ["submitted", "decided", "open_at_end", "stale_open"]].tolist() == [2, 1, 2, 1]
    assert list(out.index)[-1] == "all" and set(out["period"]) == {"2025-10"}


def test_open_items_are_masked_and_aged() -> None:
    out = feedback_open_items(FEEDBACK, period="2025-10", stale_after_days=30)
    assert out["feedback_id"].tolist() == ["F5", "F2", "F4"]
    assert out["age_days"].tolist() == [60, 28, 16]  # to 31 Oct from 1 Sep, 3 Oct, 15 Oct
    assert out["stale"].tolist() == [True, False, False]
    assert out["excerpt"].iloc[0] == "电话 *** 打不通"


def test_complaints_hand_computed() -> None:
    out = complaints_summary(FEEDBACK, period="2025-10").set_index("category")
    # complaints: F6 (received Oct, resolved after 4 days), F7 (received Sep, resolved 4 Oct after 9 days)
    # received 1 (F6), of which resolved 1 → rate 1/1; resolved in October 2 (F6, F7: F7 came in September)
    cols = ["received", "resolved_of_received", "resolved_in_month", "open_at_end"]
    assert out.loc["all", cols].tolist() == [1, 1, 2, 0]
    assert out.loc["all", "resolution_rate"] == 1.0
    assert out.loc["all", "median_days_to_resolution"] == 6.5
    every = complaints_summary(FEEDBACK, period="2025-10", categories=[]).set_index("category")
    assert every.loc["all", "received"] == 2  # praise counts when every customer item is a complaint


def test_customer_followup_purchases_and_low_scores() -> None:
    orders = pd.DataFrame(
        {
            "order_date": pd.to_datetime(
                ["2025-10-01", "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-29", "2025-10-04"]
            ),
            "customer_id": ["c1", "c1", "c2", "c3", "c4", "c5"],
            "rep_id": ["r1", "r1", "r1", "r2", "r2", "r2"],
            "amount": [10.0, 5.0, 10.0, 10.0, 10.0, -10.0],
            "status": ["paid", "paid", "paid", "paid", "paid", "refunded"],
        }
    )
    acts = pd.DataFrame(
        {
            "rep_id": "r1",
            "activity_type": "call",
            "customer_id": ["c1", "c2", "c3", "c6", "zz"],
            # c1 after 2 days; c2 on the day of purchase (not a follow-up); c3 after 8 days (too late)
            "activity_at": pd.to_datetime(
                [
                    "2025-10-03 10:00",
                    "2025-10-02 15:00",
                    "2025-10-11 10:00",
                    "2025-10-20 12:00",
                    "2025-11-01 09:00",
                ]
            ),
        }
    )
    sat = pd.DataFrame(
        {
            "customer_id": ["c6", "c7"],
            "rep_id": ["r2", "r2"],
            "csat": [1, 5],
            "submitted_at": pd.to_datetime(["2025-10-20 09:00", "2025-10-21 09:00"]),
        }
    )
    out = customer_followup(orders, acts, period="2025-10", days=7, satisfaction=sat)
    purchase = out.loc[out["trigger"] == "purchase"].set_index("rep_id")
    # purchases: c1 (1 Oct, once), c2, c3, c4 (29 Oct: window to 5 Nov passes the last activity -> pending)
    assert purchase.loc["all", ["triggers", "followed_up", "pending"]].tolist() == [4, 1, 1]
    assert purchase.loc["all", "coverage"] == pytest.approx(1 / 3)
    assert purchase.loc["r1", ["triggers", "followed_up", "coverage"]].tolist() == [2, 1, 0.5]
    assert purchase.loc["r1", "median_days_to_followup"] == pytest.approx(2 + 10 / 24)
    low = out.loc[out["trigger"] == "low_satisfaction"].set_index("rep_id")
    # only c6 scored low (1 <= 2); called 3 hours later
    assert low.loc["all", ["triggers", "followed_up", "coverage"]].tolist() == [1, 1, 1.0]


def test_meeting_cadence_uses_meetings_without_customer() -> None:
    acts = pd.DataFrame(
        {
            "rep_id": ["r1", "r1", "r2", "r1", "r2"],
            "activity_type": ["meeting", "meeting", "meeting", "meeting", "visit"],
            "customer_id": [None, None, None, "c1", None],
            "activity_at": pd.to_datetime(
                [
                    "2025-10-06 09:00",
                    "2025-10-20 09:00",
                    "2025-10-08 09:00",
                    "2025-10-07 09:00",
                    "2025-10-09 09:00",
                ]
            ),
        }
    )
    reps = pd.DataFrame({"rep_id": ["r1", "r2"], "team": ["A", "B"]})
    out = meeting_cadence(acts, period="2025-10", reps=reps).set_index("team")
    assert out.loc["A", ["meetings", "weeks_with_meeting", "median_days_between"]].tolist() == [2, 2, 14.0]
    assert out.loc["B", "meetings"] == 1 and math.isnan(out.loc["B", "median_days_between"])
    assert out.loc["A", "weeks_in_period"] == 5  # 1 Oct (Wed) … 31 Oct (Fri) touch 5 ISO weeks
    assert meeting_cadence(acts.assign(activity_type="call"), period="2025-10").empty


def test_bad_feedback_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="column 'status'.*open \\| adopted.*'done'"):
        suggestion_box(FEEDBACK.assign(status=["done"] + ["open"] * 7), period="2025-10")
    with pytest.raises(DataError, match="column 'channel'"):
        suggestion_box(FEEDBACK.drop(columns="channel"), period="2025-10")


def test_inputs_not_mutated_and_names_exported() -> None:
    before = FEEDBACK.copy()
    suggestion_box(FEEDBACK, period="2025-10")
    feedback_open_items(FEEDBACK, period="2025-10")
    complaints_summary(FEEDBACK, period="2025-10")
    assert_frame_equal(FEEDBACK, before)
    for name in ("suggestion_box", "customer_followup", "complaints_summary", "FeedbackParams"):
        assert hasattr(sa, name)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 120),
            st.sampled_from(["open", "adopted", "rejected", "closed"]),
            st.integers(0, 60),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_suggestion_box_counts_are_consistent(items: list[tuple[int, str, int]]) -> None:
    base = pd.Timestamp("2025-08-01")
    fb = pd.DataFrame(
        {
            "feedback_id": [f"F{i}" for i in range(len(items))],
            "channel": "internal",
            "category": [("a", "b")[i % 2] for i in range(len(items))],
            "submitted_at": [base + pd.Timedelta(days=d) for d, _, _ in items],
            "status": [s for _, s, _ in items],
            "resolved_at": [pd.NaT if s == "open" else base + pd.Timedelta(days=d + w) for d, s, w in items],
        }
    )
    out = suggestion_box(fb, period="2025-10").set_index("category")
    parts = out.drop(index="all")
    for col in ("submitted", "decided", "adopted", "open_at_end", "stale_open"):
        assert parts[col].sum() == out.loc["all", col]
    assert (out["adopted"] + out["rejected"] + out["closed"] == out["decided"]).all()
    assert (out["stale_open"] <= out["open_at_end"]).all()


def test_complaint_figures_agree_with_each_other() -> None:
    # the case: "收到投诉 32 · 本月解决 32 · 解决率 78.1%" mixed two populations.
    # 4 complaints received in October, 3 of them resolved in October (rate 3/4 = 75%);
    # 1 September complaint resolved in October → resolved in the month 3 + 1 = 4, not "4 of 4"
    fb = pd.DataFrame(
        {
            "feedback_id": ["a", "b", "c", "d", "e"],
            "channel": "customer",
            "category": "complaint",
            "submitted_at": pd.to_datetime(
                ["2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04", "2025-09-20"]
            ),
            "status": ["closed", "closed", "closed", "open", "closed"],
            "resolved_at": pd.to_datetime(["2025-10-05", "2025-10-06", "2025-10-07", None, "2025-10-02"]),
        }
    )
    row = complaints_summary(fb, period="2025-10").set_index("category").loc["all"]
    assert row[["received", "resolved_of_received", "resolved_in_month", "open_at_end"]].tolist() == [
        4,
        3,
        4,
        1,
    ]
    assert row["resolution_rate"] == row["resolved_of_received"] / row["received"] == 0.75


def test_praise_is_never_an_open_or_overdue_item() -> None:
    fb = pd.DataFrame(
        {
            "feedback_id": ["P1", "S1"],
            "channel": ["customer", "internal"],
            "category": ["praise", "tools"],
            "submitted_at": pd.to_datetime(["2025-08-01", "2025-08-01"]),
            "status": ["open", "open"],
            "resolved_at": pd.to_datetime([None, None]),
            "text": ["服务很好", "CRM 慢"],
        }
    )
    # both are 91 days old on 31 Oct; only the suggestion is overdue, the praise asks for nothing
    out = feedback_open_items(fb, period="2025-10")
    assert out["feedback_id"].tolist() == ["S1"] and out["stale"].tolist() == [True]
