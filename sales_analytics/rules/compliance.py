"""Group-rule compliance from ``chat_messages``: what each message did, per member and per group.

``classify_messages`` looks at every message once, in the team's local time
(``sent_at`` is stored tz-aware in UTC and converted to the rules' time zone):
working hours on that local day (statutory holidays and 调休 adjusted working
days through :mod:`sales_analytics.workdays`), quiet hours, announcements and
who posted them, content rules, and customer questions with the time to the
first answer by a member. The per-member, per-group and violation tables are
summaries of that one classified frame, restricted to one reporting month
(by the local date of the message).

A working-hours range contains its start and not its end: with ``09:00-18:00``
a message at 09:00:00 is inside and one at 18:00:00 is outside.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, DataProblem, problem_at_rows
from sales_analytics.errors import require_columns as _require
from sales_analytics.periods import Period, parse_period
from sales_analytics.rules.model import GroupRules, TimeRange
from sales_analytics.rules.text import mask_contacts

__all__ = [
    "classify_messages",
    "compliance_by_group",
    "compliance_by_member",
    "rule_violations",
    "working_day_hours",
]

log = logging.getLogger(__name__)

_REQUIRED = ("group_id", "sender_id", "sent_at")
_EXCERPT_CHARS = 60


def _utc_times(messages: pd.DataFrame) -> pd.Series:
    sent = messages["sent_at"]
    if not isinstance(sent.dtype, pd.DatetimeTZDtype):
        found = str(sent.iloc[0]) if len(sent) else str(sent.dtype)
        raise DataError(
            [
                DataProblem(
                    "chat_messages",
                    "sent_at must be tz-aware (UTC); the rules convert it to "
                    "local time and will not guess the zone of naive times",
                    column="sent_at",
                    expected="tz-aware timestamps, e.g. 2025-10-11 01:00:00+00:00",
                    found=found,
                )
            ]
        )
    bad = sent.isna()
    if bad.any():
        raise DataError(
            [
                problem_at_rows(
                    "chat_messages",
                    "messages without a send time",
                    bad,
                    column="sent_at",
                    expected="a timestamp",
                )
            ]
        )
    return sent


def _in_ranges(seconds: np.ndarray, ranges: list[TimeRange] | tuple[TimeRange, ...]) -> np.ndarray:
    """Whether each second-of-day lies in any range (start inside, end outside)."""
    out = np.zeros(len(seconds), dtype=bool)
    for r in ranges:
        start = r.start.hour * 3600 + r.start.minute * 60 + r.start.second
        end = r.end.hour * 3600 + r.end.minute * 60 + r.end.second + (1 if r.end.microsecond else 0)
        if r.crosses_midnight:
            out |= (seconds >= start) | (seconds < end)
        else:
            out |= (seconds >= start) & (seconds < end)
    return out


def working_day_hours(days: pd.Series | pd.DatetimeIndex, rules: GroupRules) -> list[tuple[TimeRange, ...]]:
    """The working-hour ranges of each local calendar day (empty tuple = not a working day).

    With ``calendar.statutory_holidays`` a statutory holiday has no hours and an
    adjusted working day (调休) on a weekend gets ``adjusted_workday_hours``;
    without it, the weekday's hours apply. A day outside the holiday
    calendar's coverage raises :class:`sales_analytics.workdays.CalendarCoverageError`.

    >>> rules = GroupRules()
    >>> [len(h) for h in working_day_hours(pd.to_datetime(["2025-10-01", "2025-10-11", "2025-10-12"]), rules)]
    [0, 1, 0]
    """
    idx = pd.DatetimeIndex(days).normalize()
    if rules.calendar.statutory_holidays:
        from sales_analytics.workdays import is_workday

        workday = np.asarray(is_workday(idx, **rules.calendar.workday_options()), dtype=bool)
    else:
        workday = np.array([bool(rules.working_hours.of(d.weekday())) for d in idx], dtype=bool)
    out: list[tuple[TimeRange, ...]] = []
    for day, wd in zip(idx, workday):
        if not wd:
            out.append(())
            continue
        hours = rules.working_hours.of(day.weekday()) or rules.calendar.adjusted_workday_hours
        out.append(tuple(hours))
    return out


def _members(rules: GroupRules, reps: pd.DataFrame | None) -> tuple[set[str], dict[str, set[str]]]:
    """Rep ids known as members, and role -> rep ids (managers also from ``reps.manager``)."""
    ids: set[str] = set(rules.members.values()) | set(rules.internal_senders)
    roles = {role: set(v) for role, v in rules.roles.items()}
    if reps is not None and "rep_id" in reps.columns:
        rep_ids = set(reps["rep_id"].dropna().astype(str))
        ids |= rep_ids
        if "manager" in reps.columns:
            named = set(reps["manager"].dropna().astype(str))
            by_name = set()
            if "rep_name" in reps.columns:
                by_name = set(reps.loc[reps["rep_name"].astype(str).isin(named), "rep_id"].astype(str))
            roles.setdefault("manager", set())
            roles["manager"] |= (named & rep_ids) | by_name
    return ids, roles


def classify_messages(
    messages: pd.DataFrame, rules: GroupRules, *, reps: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Classify every chat message against the group rules.

    Parameters
    ----------
    messages : ``chat_messages``: message_id, group_id*, sender_id*, sent_at* (tz-aware UTC), msg_type, text.
        ``system`` messages are dropped.
    rules : the validated group rules (:func:`load_group_rules`).
    reps : ``reps`` (rep_id, rep_name, manager): who is a member and who is a manager.

    Returns
    -------
    DataFrame
        The messages sorted by group and time, with ``message_id, group_id, sender_id, text,
        msg_type`` and: ``rep_id`` (member id after ``rules.members`` mapping; NA for others),
        ``is_member``, ``is_external``, ``local_at`` (naive local time), ``local_date``, ``month``,
        ``working_day``, ``in_working_hours``, ``in_quiet_hours``, ``is_announcement``,
        ``unauthorized_announcement``, ``content_rules`` (``;``-joined ids of the content rules
        matched, '' when none), ``is_question``, ``response_minutes``, ``answered_by``, ``late_response``.

    Examples
    --------
    >>> msgs = pd.DataFrame({"group_id": ["g", "g"], "sender_id": ["c1", "r1"],
    ...     "sent_at": pd.to_datetime(["2025-10-10 01:00", "2025-10-10 01:12"], utc=True),
    ...     "text": ["价格多少？", "您好，报价已发"]})
    >>> out = classify_messages(msgs, GroupRules(), reps=pd.DataFrame({"rep_id": ["r1"]}))
    >>> r = out.iloc[0]  # 01:00 UTC is 09:00 in Shanghai: inside 09:00-18:00 (start included)
    >>> str(r.local_at), bool(r.in_working_hours), bool(r.is_question), float(r.response_minutes)
    ('2025-10-10 09:00:00', True, True, 12.0)
    """
    _require(messages, "chat_messages", _REQUIRED)
    sent = _utc_times(messages)
    frame = messages.assign(sent_at=sent)
    for col, default in (("message_id", pd.NA), ("msg_type", "text"), ("text", "")):
        if col not in frame.columns:
            frame = frame.assign(**{col: default})
    frame = frame.loc[frame["msg_type"].fillna("text").astype(str) != "system"]
    # ties in time are broken by message_id so the result does not depend on row order
    frame = frame.assign(_key=frame["message_id"].astype("str").fillna(""))
    frame = frame.sort_values(["group_id", "sent_at", "_key"], kind="stable").reset_index(drop=True)
    text = frame["text"].fillna("").astype(str)
    sender = frame["sender_id"].astype(str)

    local = frame["sent_at"].dt.tz_convert(rules.timezone).dt.tz_localize(None)
    local_date = local.dt.normalize()
    seconds = ((local - local_date).dt.total_seconds()).to_numpy()

    # working hours: ranges per distinct local day
    days = pd.DatetimeIndex(local_date.unique())
    hours_by_day = dict(zip(days, working_day_hours(days, rules))) if len(days) else {}
    day_hours = local_date.map(hours_by_day)
    in_hours = np.zeros(len(frame), dtype=bool)
    for hours in set(hours_by_day.values()):
        mask = (day_hours == hours).to_numpy() if hours else np.zeros(len(frame), dtype=bool)
        if hours and mask.any():
            in_hours[mask] = _in_ranges(seconds[mask], hours)
    working_day = day_hours.map(bool).to_numpy(dtype=bool) if len(frame) else np.zeros(0, dtype=bool)
    quiet = _in_ranges(seconds, rules.quiet_hours)

    # members and roles
    member_ids, roles = _members(rules, reps)
    rep_id = sender.map(lambda s: rules.members.get(s, s))
    is_member = rep_id.isin(member_ids)
    cq = rules.customer_questions
    if cq.external_sender_pattern:
        is_external = sender.str.contains(cq.external_sender_pattern, regex=True)
    else:
        is_external = ~is_member
    rep_id = rep_id.where(is_member, pd.NA)

    # announcements
    announce_re = "|".join(f"(?:{p})" for p in rules.announcements.patterns)
    is_announcement = (
        text.str.contains(announce_re, regex=True) if announce_re else pd.Series(False, index=frame.index)
    )
    allowed = set(rules.announcements.allowed_senders)
    for role in rules.announcements.allowed_roles:
        allowed |= roles.get(role, set())
    unauthorized = is_announcement & ~rep_id.isin(allowed)

    # content rules
    hits = pd.Series("", index=frame.index, dtype="str")
    for rule in rules.content_rules:
        matched = text.str.contains(rule.regex(), regex=True)
        hits = hits.where(~matched, hits.where(hits == "", hits + ";") + rule.id)

    # customer questions and responses
    is_question = is_external & text.str.contains(cq.question_pattern, regex=True)
    response, answered_by = _responses(frame, is_question.to_numpy(), is_member.to_numpy(), rep_id)
    judged = is_question & (in_hours if cq.only_in_working_hours else True)
    data_end = frame["sent_at"].max() if len(frame) else pd.NaT
    waited = (data_end - frame["sent_at"]).dt.total_seconds() / 60 if len(frame) else pd.Series(dtype=float)
    unanswered_late = pd.isna(response) & (waited > cq.response_minutes)
    late = judged & ((response > cq.response_minutes) | unanswered_late)

    return pd.DataFrame(
        {
            "message_id": frame["message_id"],
            "group_id": frame["group_id"].astype(str),
            "sender_id": sender,
            "rep_id": rep_id.astype("str").where(rep_id.notna(), pd.NA),
            "is_member": is_member.to_numpy(dtype=bool),
            "is_external": is_external.to_numpy(dtype=bool),
            "sent_at": frame["sent_at"],
            "local_at": local,
            "local_date": local_date,
            "month": local.dt.strftime("%Y-%m"),
            "msg_type": frame["msg_type"].fillna("text").astype(str),
            "text": text,
            "working_day": working_day,
            "in_working_hours": in_hours,
            "in_quiet_hours": quiet,
            "is_announcement": is_announcement.to_numpy(dtype=bool),
            "unauthorized_announcement": unauthorized.to_numpy(dtype=bool),
            "content_rules": hits,
            "is_question": is_question.to_numpy(dtype=bool),
            "response_minutes": response,
            "answered_by": answered_by,
            "late_response": late.to_numpy(dtype=bool),
        }
    )


def _responses(
    frame: pd.DataFrame, question: np.ndarray, member: np.ndarray, rep_id: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Minutes from each question to the next member message in the same group, and who sent it."""
    minutes = np.full(len(frame), np.nan)
    answered_by = np.full(len(frame), None, dtype=object)
    times = frame["sent_at"].to_numpy(dtype="datetime64[ns]").astype("int64")
    groups = frame["group_id"].astype(str).to_numpy()
    reps_arr = rep_id.to_numpy(dtype=object)
    # rows are sorted by group then time, so each group is one contiguous block
    bounds = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:]):
        q = np.flatnonzero(question[a:b]) + a
        if not len(q):
            continue
        m = np.flatnonzero(member[a:b]) + a
        if not len(m):
            continue
        nxt = np.searchsorted(times[m], times[q], side="right")
        ok = nxt < len(m)
        answer = m[nxt[ok]]
        minutes[q[ok]] = (times[answer] - times[q[ok]]) / 60e9
        answered_by[q[ok]] = reps_arr[answer]
    return (
        pd.Series(minutes, index=frame.index),
        pd.Series(answered_by, index=frame.index, dtype=object)
        .astype("str")
        .where(pd.notna(answered_by), pd.NA),
    )


def _in_period(classified: pd.DataFrame, period: Period | str) -> tuple[Period, pd.DataFrame]:
    p = parse_period(period)
    start, end = pd.Timestamp(p.start), pd.Timestamp(p.end)
    sel = classified.loc[(classified["local_date"] >= start) & (classified["local_date"] <= end)]
    return p, sel


def _period_working_days(period: Period, rules: GroupRules) -> int:
    days = pd.date_range(period.start, period.end, freq="D")
    return sum(1 for h in working_day_hours(days, rules) if h)


def _median(values: pd.Series) -> float:
    v = values.dropna()
    return float(v.median()) if len(v) else float("nan")


def compliance_by_member(
    classified: pd.DataFrame, rules: GroupRules, *, period: Period | str, reps: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per member: activity level, messages outside working hours, announcements, content, responses.

    Parameters
    ----------
    classified : the output of :func:`classify_messages`.
    rules : the group rules (for the working-day count and the penalties).
    period : the reporting month (messages by local date).
    reps : optional ``reps`` (rep_id, rep_name, team) to name members.

    Returns
    -------
    DataFrame
        ``period, rep_id, rep_name, team, messages, active_days, messages_per_workday,
        outside_hours, outside_hours_share, quiet_hours, announcements,
        unauthorized_announcements, flagged_content, questions_answered_first,
        median_response_minutes, violations, penalty_points``; one row per member who posted.
    """
    p, in_period = _in_period(classified, period)
    sel = in_period.loc[in_period["is_member"]]
    workdays = _period_working_days(p, rules)
    viol = rule_violations(classified, rules, period=p)
    per_rep_viol = (
        viol.dropna(subset=["rep_id"])
        .groupby("rep_id")
        .agg(violations=("rule", "size"), penalty_points=("points", "sum"))
    )
    answers = in_period.loc[in_period["is_question"] & in_period["answered_by"].notna()]
    first = answers.groupby("answered_by").agg(
        questions_answered_first=("response_minutes", "size"),
        median_response_minutes=("response_minutes", "median"),
    )
    g = sel.groupby("rep_id")
    out = pd.DataFrame(
        {
            "messages": g.size(),
            "active_days": g["local_date"].nunique(),
            "outside_hours": g["in_working_hours"].agg(lambda s: int((~s).sum())),
            "quiet_hours": g["in_quiet_hours"].sum().astype(int),
            "announcements": g["is_announcement"].sum().astype(int),
            "unauthorized_announcements": g["unauthorized_announcement"].sum().astype(int),
            "flagged_content": g["content_rules"].agg(lambda s: int((s != "").sum())),
        }
    )
    out = out.join(first.rename_axis("rep_id")).join(per_rep_viol)
    out = out.reset_index()
    out["questions_answered_first"] = out["questions_answered_first"].fillna(0).astype(int)
    out["violations"] = out["violations"].fillna(0).astype(int)
    out["penalty_points"] = out["penalty_points"].fillna(0.0).astype(float)
    out["outside_hours_share"] = out["outside_hours"] / out["messages"]
    out["messages_per_workday"] = out["messages"] / workdays if workdays else np.nan
    out.insert(0, "period", str(p))
    out = _with_names(out, reps)
    cols = [
        "period",
        "rep_id",
        "rep_name",
        "team",
        "messages",
        "active_days",
        "messages_per_workday",
        "outside_hours",
        "outside_hours_share",
        "quiet_hours",
        "announcements",
        "unauthorized_announcements",
        "flagged_content",
        "questions_answered_first",
        "median_response_minutes",
        "violations",
        "penalty_points",
    ]
    return out[cols].sort_values("rep_id").reset_index(drop=True)


def _with_names(frame: pd.DataFrame, reps: pd.DataFrame | None) -> pd.DataFrame:
    if reps is not None and "rep_id" in reps.columns:
        names = reps[[c for c in ("rep_id", "rep_name", "team") if c in reps.columns]].astype(
            {"rep_id": "str"}
        )
        frame = frame.merge(names.drop_duplicates("rep_id"), on="rep_id", how="left")
    for col in ("rep_name", "team"):
        if col not in frame.columns:
            frame[col] = pd.Series(pd.NA, index=frame.index, dtype="str")
    return frame


def compliance_by_group(classified: pd.DataFrame, rules: GroupRules, *, period: Period | str) -> pd.DataFrame:
    """Per chat group: volume, members active, outside-hours share, announcements, questions answered.

    Returns
    -------
    DataFrame
        ``period, group_id, messages, member_messages, members_active, outside_hours,
        outside_hours_share, quiet_hours, announcements, unauthorized_announcements,
        flagged_content, questions, questions_answered, median_response_minutes,
        late_responses, on_time_share`` (``on_time_share`` among the questions judged, i.e. asked
        in working hours when ``only_in_working_hours``).
    """
    p, sel = _in_period(classified, period)
    cq = rules.customer_questions
    rows = []
    for gid, g in sel.groupby("group_id", sort=True):
        mem = g.loc[g["is_member"]]
        q = g.loc[g["is_question"]]
        judged = q.loc[q["in_working_hours"]] if cq.only_in_working_hours else q
        rows.append(
            {
                "period": str(p),
                "group_id": gid,
                "messages": len(g),
                "member_messages": len(mem),
                "members_active": int(mem["rep_id"].nunique()),
                "outside_hours": int((~mem["in_working_hours"]).sum()),
                "outside_hours_share": float((~mem["in_working_hours"]).mean()) if len(mem) else np.nan,
                "quiet_hours": int(mem["in_quiet_hours"].sum()),
                "announcements": int(g["is_announcement"].sum()),
                "unauthorized_announcements": int(g["unauthorized_announcement"].sum()),
                "flagged_content": int((g["content_rules"] != "").sum()),
                "questions": len(q),
                "questions_answered": int(q["response_minutes"].notna().sum()),
                "median_response_minutes": _median(q["response_minutes"]),
                "late_responses": int(q["late_response"].sum()),
                "on_time_share": float(1 - judged["late_response"].mean()) if len(judged) else np.nan,
            }
        )
    cols = [
        "period",
        "group_id",
        "messages",
        "member_messages",
        "members_active",
        "outside_hours",
        "outside_hours_share",
        "quiet_hours",
        "announcements",
        "unauthorized_announcements",
        "flagged_content",
        "questions",
        "questions_answered",
        "median_response_minutes",
        "late_responses",
        "on_time_share",
    ]
    return pd.DataFrame(rows, columns=cols)


def rule_violations(classified: pd.DataFrame, rules: GroupRules, *, period: Period | str) -> pd.DataFrame:
    """Every violation in the period, one row per message and rule broken.

    Rules: ``outside_working_hours`` (a member's message outside working hours but not in
    quiet hours), ``quiet_hours``, ``unauthorized_announcement``, each content rule id, and
    ``late_response`` (a customer question answered later than the expectation, or not at all;
    ``rep_id`` is empty because the group, not one member, owed the answer).

    Returns
    -------
    DataFrame
        ``period, local_at, group_id, message_id, rep_id, rule, severity, points, amount,
        detail_zh, detail_en, excerpt`` sorted by time. ``detail`` says what broke the rule in
        one line (the local time, or for a late response the reply time against the
        expectation, "not answered" when there was none), so no column is empty for most
        rules; ``excerpt`` is the first 60 characters of the text with phone numbers, e-mail
        addresses and account ids masked.
    """
    p, sel = _in_period(classified, period)
    parts: list[pd.DataFrame] = []

    def add(mask: Any, rule: str) -> None:
        rows = sel.loc[mask]
        if len(rows):
            parts.append(rows.assign(rule=rule))

    mem = sel["is_member"]
    add(mem & ~sel["in_working_hours"] & ~sel["in_quiet_hours"], "outside_working_hours")
    add(mem & sel["in_quiet_hours"], "quiet_hours")
    add(sel["unauthorized_announcement"], "unauthorized_announcement")
    for rule in rules.content_rules:
        add(sel["content_rules"].str.contains(rf"(?:^|;){re.escape(rule.id)}(?:;|$)", regex=True), rule.id)
    add(sel["late_response"], "late_response")
    cols = [
        "period",
        "local_at",
        "group_id",
        "message_id",
        "rep_id",
        "rule",
        "severity",
        "points",
        "amount",
        "detail_zh",
        "detail_en",
        "excerpt",
    ]
    if not parts:
        return pd.DataFrame(
            {
                c: pd.Series(
                    dtype="float"
                    if c in ("points", "amount")
                    else "datetime64[ns]"
                    if c == "local_at"
                    else "str"
                )
                for c in cols
            }
        )
    v = pd.concat(parts, ignore_index=True)
    penalties = {r: rules.penalty_of(r) for r in v["rule"].unique()}
    v["severity"] = v["rule"].map(lambda r: penalties[r].severity)
    v["points"] = v["rule"].map(lambda r: float(penalties[r].points))
    v["amount"] = v["rule"].map(lambda r: float(penalties[r].amount))
    v.loc[v["rule"] == "late_response", "rep_id"] = pd.NA
    expected = rules.customer_questions.response_minutes
    v["detail_zh"] = [
        _detail(r, t, m, expected, "zh") for r, t, m in zip(v["rule"], v["local_at"], v["response_minutes"])
    ]
    v["detail_en"] = [
        _detail(r, t, m, expected, "en") for r, t, m in zip(v["rule"], v["local_at"], v["response_minutes"])
    ]
    v["excerpt"] = v["text"].map(lambda t: mask_contacts(t)[:_EXCERPT_CHARS])
    v["period"] = str(p)
    return v[cols].sort_values(["local_at", "group_id", "rule"], kind="stable").reset_index(drop=True)


def _detail(rule: str, at: pd.Timestamp, minutes: float, expected: float, language: str) -> str:
    """What broke the rule, in one line."""
    when = f"{at:%H:%M}" if pd.notna(at) else ""
    zh = language == "zh"
    if rule == "late_response":
        if pd.isna(minutes):
            return (
                f"未回复（应在 {expected:g} 分钟内）"
                if zh
                else f"not answered (expected within {expected:g} min)"
            )
        return (
            f"{minutes:.0f} 分钟后回复（应在 {expected:g} 分钟内）"
            if zh
            else f"answered after {minutes:.0f} min (expected within {expected:g})"
        )
    if rule == "outside_working_hours":
        return f"{when} 发送，非工作时间" if zh else f"sent {when}, outside working hours"
    if rule == "quiet_hours":
        return f"{when} 发送，免打扰时段" if zh else f"sent {when}, in quiet hours"
    if rule == "unauthorized_announcement":
        return (
            f"{when} 发布公告，无发布权限" if zh else f"announcement at {when} without the right to post one"
        )
    return f"{when} 触发内容规则 {rule}" if zh else f"content rule {rule} matched at {when}"
