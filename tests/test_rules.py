"""Group-rule compliance: working hours with 调休 and holidays, boundaries, time zones, announcements,
content rules, response times, the rules file and the ledger link."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import sales_analytics as sa
from sales_analytics.errors import ConfigError, DataError
from sales_analytics.rules import (
    GroupRules,
    classify_messages,
    compliance_by_group,
    compliance_by_member,
    ledger_summary,
    load_group_rules,
    rule_violations,
)
from sales_analytics.workdays import CalendarCoverageError

REPS = pd.DataFrame(
    {
        "rep_id": ["r1", "r2", "m1"],
        "rep_name": ["张三", "李四", "王经理"],
        "team": ["A", "A", "A"],
        "manager": ["m1", "m1", pd.NA],
    }
)


def msgs(rows: list[tuple[str, str, str, str]], tz: str = "Asia/Shanghai") -> pd.DataFrame:
    """(group, sender, LOCAL time, text) -> chat_messages with sent_at stored in UTC."""
    local = pd.to_datetime([r[2] for r in rows]).tz_localize(tz)
    return pd.DataFrame(
        {
            "message_id": [f"m{i}" for i in range(len(rows))],
            "group_id": [r[0] for r in rows],
            "sender_id": [r[1] for r in rows],
            "sent_at": local.tz_convert("UTC"),
            "msg_type": "text",
            "text": [r[3] for r in rows],
        }
    )


def test_calendar_facts_used_below() -> None:
    # The test dates rely on the 2025 National Day notice, checked against chinese-calendar itself.
    import chinese_calendar as cc

    assert cc.is_workday(date(2025, 9, 28)) and date(2025, 9, 28).weekday() == 6  # 调休 Sunday
    assert cc.is_workday(date(2025, 10, 11)) and date(2025, 10, 11).weekday() == 5  # 调休 Saturday
    assert cc.is_holiday(date(2025, 10, 1)) and date(2025, 10, 1).weekday() == 2  # holiday Wednesday


@pytest.mark.parametrize(
    ("local", "inside", "why"),
    [
        ("2025-10-11 10:00:00", True, "Saturday that is a 调休 working day"),
        ("2025-09-28 10:00:00", True, "Sunday that is a 调休 working day"),
        ("2025-10-01 10:00:00", False, "National Day: a Wednesday holiday"),
        ("2025-10-08 10:00:00", False, "Wednesday inside the National Day break"),
        ("2025-10-18 10:00:00", False, "ordinary Saturday"),
        ("2025-10-10 09:00:00", True, "start boundary is inside"),
        ("2025-10-10 08:59:59", False, "one second before the start"),
        ("2025-10-10 17:59:59", True, "one second before the end"),
        ("2025-10-10 18:00:00", False, "end boundary is outside"),
    ],
)
def test_working_hours_rule(local: str, inside: bool, why: str) -> None:
    out = classify_messages(msgs([("g", "r1", local, "好的")]), GroupRules(), reps=REPS)
    assert bool(out["in_working_hours"].iloc[0]) is inside, why


def test_rules_are_judged_in_local_time_not_utc() -> None:
    # 02:00 UTC on Fri 10 Oct is 10:00 in Shanghai (inside); 11:00 UTC is 19:00 (outside).
    # 23:30 UTC on Fri 31 Oct is 07:30 on Sat 1 Nov in Shanghai: outside hours, and in November.
    frame = pd.DataFrame(
        {
            "group_id": "g",
            "sender_id": "r1",
            "text": "x",
            "sent_at": pd.to_datetime(["2025-10-10 02:00", "2025-10-10 11:00", "2025-10-31 23:30"], utc=True),
        }
    )
    out = classify_messages(frame, GroupRules(), reps=REPS)
    assert out["in_working_hours"].tolist() == [True, False, False]
    assert out["month"].tolist() == ["2025-10", "2025-10", "2025-11"]
    assert out["local_at"].iloc[2] == pd.Timestamp("2025-11-01 07:30")


def test_other_time_zone_and_no_statutory_calendar() -> None:
    rules = GroupRules.model_validate(
        {"timezone": "Europe/Berlin", "calendar": {"statutory_holidays": False}}
    )
    # 07:30 UTC on 1 Oct 2025 is 09:30 in Berlin (CEST); without the Chinese calendar 1 Oct is a Wednesday
    frame = pd.DataFrame(
        {
            "group_id": "g",
            "sender_id": "r1",
            "text": "x",
            "sent_at": pd.to_datetime(["2025-10-01 07:30"], utc=True),
        }
    )
    out = classify_messages(frame, rules, reps=REPS)
    assert bool(out["in_working_hours"].iloc[0]) is True


def test_date_outside_calendar_coverage_is_an_error() -> None:
    frame = msgs([("g", "r1", "2099-03-02 10:00", "x")])
    with pytest.raises(CalendarCoverageError, match="2099"):
        classify_messages(frame, GroupRules(), reps=REPS)


def test_naive_send_times_are_refused() -> None:
    frame = msgs([("g", "r1", "2025-10-10 10:00", "x")])
    frame["sent_at"] = frame["sent_at"].dt.tz_localize(None)
    with pytest.raises(DataError, match="column 'sent_at'.*tz-aware"):
        classify_messages(frame, GroupRules(), reps=REPS)


def test_missing_column_is_named() -> None:
    with pytest.raises(DataError, match="column 'sender_id'"):
        classify_messages(
            pd.DataFrame({"group_id": ["g"], "sent_at": pd.to_datetime(["2025-10-10"], utc=True)}),
            GroupRules(),
        )


def test_quiet_hours_cross_midnight() -> None:
    frame = msgs(
        [
            ("g", "r1", "2025-10-10 22:00:00", "a"),
            ("g", "r1", "2025-10-11 06:59:00", "b"),
            ("g", "r1", "2025-10-11 07:00:00", "c"),
            ("g", "r1", "2025-10-10 21:59:59", "d"),
        ]
    )
    out = classify_messages(frame, GroupRules(), reps=REPS).sort_values("text")
    assert out["in_quiet_hours"].tolist() == [True, True, False, False]


def test_announcements_by_designated_and_other_members() -> None:
    frame = msgs(
        [
            ("g", "m1", "2025-10-10 10:00", "【公告】本周例会改到周五"),
            ("g", "r1", "2025-10-10 10:05", "@所有人 明天放假吗"),
            ("g", "r2", "2025-10-10 10:06", "收到 @ALL"),
        ]
    )
    out = classify_messages(frame, GroupRules(), reps=REPS)
    assert out["is_announcement"].tolist() == [True, True, False]  # '@all' is case-sensitive as written
    assert out["unauthorized_announcement"].tolist() == [False, True, False]
    allowed = GroupRules.model_validate({"announcements": {"allowed_senders": ["r1"]}})
    assert not classify_messages(frame, allowed, reps=REPS)["unauthorized_announcement"].iloc[1]


def test_content_rules_and_masked_excerpt() -> None:
    rules = load_group_rules()  # the committed parameters/group_rules.yaml
    frame = msgs(
        [
            ("g", "r1", "2025-10-10 10:00", "客户电话13812345678，给他私下返点"),
            ("g", "r2", "2025-10-10 10:01", "好的"),
        ]
    )
    out = classify_messages(frame, rules, reps=REPS)
    assert out["content_rules"].tolist() == ["private_contact;price_promise", ""]
    v = rule_violations(out, rules, period="2025-10")
    assert v["rule"].tolist() == ["price_promise", "private_contact"]
    assert v["severity"].tolist() == ["serious", "serious"]
    assert v["points"].tolist() == [5.0, 3.0]
    assert "13812345678" not in "".join(v["excerpt"])
    assert v["excerpt"].iloc[0].startswith("客户电话***")


def test_response_times_and_late_answers() -> None:
    frame = msgs(
        [
            ("g1", "c1", "2025-10-10 10:00", "这个型号有货吗？"),  # answered by r1 after 10 min
            ("g1", "r1", "2025-10-10 10:10", "有的"),
            ("g1", "c1", "2025-10-10 11:00", "什么时候发货?"),  # answered by r2 after 45 min: late
            ("g1", "c1", "2025-10-10 11:20", "谢谢"),  # not a question
            ("g1", "r2", "2025-10-10 11:45", "明天"),
            ("g2", "c2", "2025-10-10 20:00", "在吗？"),  # outside hours: measured, not judged
            ("g2", "r1", "2025-10-11 09:05", "在的"),  # Sat 11 Oct is a 调休 working day
            ("g1", "r1", "2025-10-10 09:00", "早"),  # earlier member message: not an answer
        ]
    )
    out = classify_messages(frame, GroupRules(), reps=REPS)
    q = out.loc[out["is_question"]].set_index("text")
    assert q["response_minutes"].tolist() == [10.0, 45.0, 785.0]  # 20:00 -> 09:05 next day = 13h05m
    assert q["answered_by"].tolist() == ["r1", "r2", "r1"]
    assert q["late_response"].tolist() == [False, True, False]
    groups = compliance_by_group(out, GroupRules(), period="2025-10").set_index("group_id")
    # g1: questions 10 and 45 minutes -> median 27.5; judged 2, 1 late -> on time 50%
    assert groups.loc["g1", "questions"] == 2
    assert groups.loc["g1", "median_response_minutes"] == 27.5
    assert groups.loc["g1", "on_time_share"] == 0.5
    assert np.isnan(groups.loc["g2", "on_time_share"])  # its only question was asked outside hours
    v = rule_violations(out, GroupRules(), period="2025-10")
    late = v.loc[v["rule"] == "late_response"]
    assert len(late) == 1 and pd.isna(late["rep_id"].iloc[0])
    # the reply time is stated where it applies; every row has a detail (no column empty for most rules)
    assert late["detail_en"].iloc[0] == "answered after 45 min (expected within 30)"
    assert v["detail_en"].notna().all() and (v["detail_en"] != "").all()
    assert "response_minutes" not in v.columns


def test_unanswered_question_is_late_once_the_expectation_has_passed() -> None:
    frame = msgs([("g", "c1", "2025-10-10 10:00", "有人吗?"), ("g", "c1", "2025-10-10 11:00", "喂")])
    out = classify_messages(frame, GroupRules(), reps=REPS)
    assert bool(out["late_response"].iloc[0]) and np.isnan(out["response_minutes"].iloc[0])


def test_member_compliance_hand_computed() -> None:
    frame = msgs(
        [
            ("g", "r1", "2025-10-10 10:00", "a"),  # inside
            ("g", "r1", "2025-10-10 19:00", "b"),  # outside, not quiet
            ("g", "r1", "2025-10-10 23:00", "c"),  # quiet hours
            ("g", "r1", "2025-10-01 10:00", "d"),  # holiday: outside
            ("g", "r2", "2025-10-13 10:00", "e"),  # inside
            ("g", "r2", "2025-09-30 10:00", "f"),  # September: not in the period
            ("g", "c9", "2025-10-13 10:00", "g"),  # customer: not a member
        ]
    )
    rules = GroupRules()
    out = compliance_by_member(classify_messages(frame, rules, reps=REPS), rules, period="2025-10", reps=REPS)
    r1 = out.set_index("rep_id").loc["r1"]
    # r1: 4 messages, 3 outside hours -> 0.75; 2 active days (1 and 10 Oct); 18 working days in Oct 2025
    assert (r1["messages"], r1["outside_hours"], r1["quiet_hours"], r1["active_days"]) == (4, 3, 1, 2)
    assert r1["outside_hours_share"] == 0.75
    assert r1["messages_per_workday"] == pytest.approx(4 / 18)
    # violations: 2 outside_working_hours (19:00, 1 Oct; info, 0 points) + 1 quiet_hours (1 point)
    assert (r1["violations"], r1["penalty_points"]) == (3, 1.0)
    assert out["rep_id"].tolist() == ["r1", "r2"]
    assert out.set_index("rep_id").loc["r2", "messages"] == 1
    assert (out["period"] == "2025-10").all()


def test_inputs_are_not_mutated() -> None:
    frame = msgs([("g", "r1", "2025-10-10 10:00", "a"), ("g", "c1", "2025-10-10 10:01", "b?")])
    before = frame.copy()
    classify_messages(frame, GroupRules(), reps=REPS)
    assert_frame_equal(frame, before)


def test_ledger_summary_links_violations_and_entries() -> None:
    frame = msgs([("g", "r1", "2025-10-10 23:00", "late night"), ("g", "r2", "2025-10-10 10:00", "ok")])
    rules = GroupRules.model_validate({"rewards": {"clean_month_points": 2, "min_messages": 1}})
    c = classify_messages(frame, rules, reps=REPS)
    member = compliance_by_member(c, rules, period="2025-10", reps=REPS)
    v = rule_violations(c, rules, period="2025-10")
    ledger = pd.DataFrame(
        {
            "event_id": ["e1", "e2"],
            "rep_id": ["r2", "r1"],
            "date": pd.to_datetime(["2025-10-15", "2025-09-15"]),
            "kind": ["penalty", "penalty"],
            "reason": ["迟到", "x"],
            "amount": [50.0, 10.0],
            "points": [-1.0, -1.0],
        }
    )
    s = ledger_summary(member, v, rules, period="2025-10", ledger=ledger).set_index("rep_id")
    # r1 broke quiet hours (1 point), its ledger entry is in September -> no penalty this month
    assert s.loc["r1", "status"] == "violations_without_penalty"
    assert s.loc["r1", "suggested_penalty_points"] == 1.0 and s.loc["r1", "suggested_reward_points"] == 0.0
    # r2 was clean (reward 2 suggested) but has a penalty recorded in October
    assert s.loc["r2", "status"] == "penalty_without_violation"
    # ledger totals are net (reward minus penalty), as the incentives lever reads the ledger
    assert (s.loc["r2", "suggested_reward_points"], s.loc["r2", "ledger_amount"]) == (2.0, -50.0)
    assert s.loc["r2", "ledger_points"] == -1.0
    # a file that writes penalty points as positive numbers gives the same totals
    flipped = ledger_summary(member, v, rules, period="2025-10", ledger=ledger.assign(points=[1.0, 1.0]))
    assert flipped.set_index("rep_id").loc["r2", "ledger_points"] == -1.0
    with pytest.raises(DataError, match="column 'kind'.*reward or penalty"):
        ledger_summary(member, v, rules, period="2025-10", ledger=ledger.assign(kind=["bonus", "penalty"]))


@pytest.mark.parametrize(
    ("yaml_text", "key", "message"),
    [
        ("working_hours:\n  mon: ['9-18']\n", "working_hours.mon[0]", "HH:MM-HH:MM"),
        ("quiet_hours: ['22:00-22:00']\n", "quiet_hours[0]", "same time"),
        ("timezone: Mars/Base\n", "timezone", "IANA"),
        ("content_rules:\n  - {id: x, pattern: '(['}\n", "content_rules[0].pattern", "regular expression"),
        ("content_rules:\n  - {id: x}\n", "content_rules[0]", "keywords"),
        ("announcments: {}\n", "announcments", "not a known key"),
        (
            "customer_questions: {response_minutes: 0}\n",
            "customer_questions.response_minutes",
            "greater than 0",
        ),
    ],
)
def test_rules_file_errors_name_file_and_key(tmp_path, yaml_text: str, key: str, message: str) -> None:
    path = tmp_path / "group_rules.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_group_rules(path)
    assert str(path) in str(info.value)
    assert any(i.key == key for i in info.value.issues), [i.key for i in info.value.issues]


def test_committed_rules_file_loads_and_is_exported() -> None:
    rules = sa.load_group_rules("group_rules.yaml")
    assert rules.timezone == "Asia/Shanghai"
    assert [str(r) for r in rules.working_hours.mon] == ["09:00-18:00"]
    assert {r.id for r in rules.content_rules} >= {"private_contact"}


_TIMES = st.lists(st.integers(min_value=0, max_value=30 * 24 * 3600 - 1), min_size=1, max_size=40)


@settings(max_examples=40, deadline=None)
@given(_TIMES, st.randoms(use_true_random=False))
def test_counts_add_up_and_do_not_depend_on_row_order(seconds: list[int], rnd) -> None:
    start = pd.Timestamp("2025-10-01", tz="UTC")
    frame = pd.DataFrame(
        {
            "message_id": [f"m{i}" for i in range(len(seconds))],
            "group_id": "g",
            "sender_id": [("r1", "r2", "c1")[i % 3] for i in range(len(seconds))],
            "sent_at": [start + pd.Timedelta(seconds=s) for s in seconds],
            "text": [("ok", "价格？", "【公告】x")[i % 3] for i in range(len(seconds))],
        }
    )
    rules = GroupRules()
    a = compliance_by_member(classify_messages(frame, rules, reps=REPS), rules, period="2025-10")
    shuffled = frame.sample(frac=1, random_state=rnd.randint(0, 10_000))
    b = compliance_by_member(classify_messages(shuffled, rules, reps=REPS), rules, period="2025-10")
    assert_frame_equal(a, b)
    assert ((a["outside_hours_share"] >= 0) & (a["outside_hours_share"] <= 1)).all()
    assert (a["outside_hours"] >= a["quiet_hours"]).all()


def test_info_level_findings_neither_need_a_penalty_nor_cost_the_reward() -> None:
    # r1 posts once after hours (info, 0 points): no penalty expected, still a clean month
    frame = msgs([("g", "r1", "2025-10-10 19:00", "晚上补充一句")])
    rules = GroupRules.model_validate({"rewards": {"clean_month_points": 2, "min_messages": 1}})
    c = classify_messages(frame, rules, reps=REPS)
    member = compliance_by_member(c, rules, period="2025-10", reps=REPS)
    v = rule_violations(c, rules, period="2025-10")
    ledger = pd.DataFrame({"rep_id": ["r2"], "date": pd.to_datetime(["2025-10-01"]), "kind": ["reward"]})
    s = ledger_summary(member, v, rules, period="2025-10", ledger=ledger).set_index("rep_id")
    assert s.loc["r1", ["violations", "penalised_violations", "suggested_reward_points"]].tolist() == [
        1,
        0,
        2.0,
    ]
    assert s.loc["r1", "status"] == "consistent"
