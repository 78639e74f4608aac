"""Training sessions and attendance, with the staggered sales-skills roll-out.

The sales-skills course is given in three cohorts at about 25 %, 45 % and
65 % of the window; about a quarter of the reps is never trained in it. A rep
who attended it sells ~9 % more per order afterwards (the orders generator
applies :data:`SALES_SKILLS_UPLIFT` from the returned training day on), so a
difference-in-differences of revenue per rep, trained vs not-yet-trained,
is positive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sales_analytics.sample_data._common import STR, Window
from sales_analytics.sample_data._org import Org

SALES_SKILLS_UPLIFT = 1.09
_COHORT_AT = (0.25, 0.45, 0.65)
_NEVER_SHARE = 0.25

_PRODUCT_TOPICS = [
    "新品培训：CRM 专业版",
    "产品知识：收银一体机",
    "产品知识：数据分析平台",
    "新品培训：线上训练营",
    "产品知识：网络设备套装",
    "产品知识：进销存系统",
]
_SERVICE_TOPICS = ["客户投诉处理", "售后服务规范", "客户回访技巧"]
_ONBOARDING = "新人入职培训：产品与流程"


@dataclass
class Training:
    sessions: pd.DataFrame
    attendance: pd.DataFrame
    trained_day: np.ndarray  # per rep: day the sales-skills course was attended, n_days when never


def _working_day_in_month(rng: np.random.Generator, days: pd.DatetimeIndex, month_start_day: int) -> int:
    """A random Tuesday-Thursday in the month that starts at ``month_start_day``."""
    month = days[month_start_day].month
    cand = [
        d
        for d in range(month_start_day, min(month_start_day + 31, len(days)))
        if days[d].month == month and days[d].day_of_week in (1, 2, 3)
    ]
    return int(rng.choice(cand))


def make_training(rng: np.random.Generator, org: Org, window: Window) -> Training:
    days = window.days
    n_days = org.n_days
    n_reps = len(org.rep_team)
    month_starts = np.flatnonzero(days.day == 1)
    sessions: list[dict[str, Any]] = []
    rows: list[tuple[int, int, bool]] = []  # (session index, rep, attended)
    cat_of: list[str] = []

    def employed(day: int) -> np.ndarray:
        return np.flatnonzero((org.rep_hire_day <= day) & (org.rep_leave_day > day))

    def add_session(
        topic: str,
        category: str,
        day: int,
        cost: float,
        hours: float,
        attendees: np.ndarray,
        show_rate: float,
    ) -> None:
        sessions.append({"topic": topic, "category": category, "day": day, "cost": cost, "hours": hours})
        cat_of.append(category)
        shows = rng.random(len(attendees)) < show_rate
        rows.extend((len(sessions) - 1, int(r), bool(s)) for r, s in zip(attendees, shows))

    # Sales-skills cohorts: a random order of reps, cut into three cohorts and a never-trained rest.
    # Only reps employed before the window take part: rookies ramp up and get onboarding instead.
    order = rng.permutation(np.flatnonzero(org.rep_hire_day < 0))
    n_never = int(round(_NEVER_SHARE * len(order)))
    cohort_of = np.full(n_reps, -1)
    trained = order[n_never:]
    cohort_of[trained] = np.arange(len(trained)) % len(_COHORT_AT)
    trained_day = np.full(n_reps, n_days)
    for c, frac in enumerate(_COHORT_AT):
        m = month_starts[min(int(frac * len(month_starts)), len(month_starts) - 1)]
        day = _working_day_in_month(rng, days, m)
        members = np.flatnonzero(cohort_of == c)
        members = members[np.isin(members, employed(day))]
        before = len(sessions)
        add_session(
            f"顾问式销售技巧（第{c + 1}期）",
            "sales_skills",
            day,
            round(float(rng.uniform(15_000, 30_000)), -2),
            12.0,
            members,
            0.95,
        )
        for s_idx, rep, attended in rows:
            if s_idx == before and attended:
                trained_day[rep] = day

    # Product training every quarter, customer service twice a year, onboarding for rookies.
    for k, m in enumerate(month_starts[1::3]):
        day = _working_day_in_month(rng, days, m)
        add_session(
            _PRODUCT_TOPICS[k % len(_PRODUCT_TOPICS)],
            "product",
            day,
            round(float(rng.uniform(3_000, 8_000)), -2),
            float(rng.choice([2.0, 3.0, 4.0])),
            employed(day),
            0.9,
        )
    for k, m in enumerate(month_starts[4::6]):
        day = _working_day_in_month(rng, days, m)
        add_session(
            _SERVICE_TOPICS[k % len(_SERVICE_TOPICS)],
            "customer_service",
            day,
            round(float(rng.uniform(4_000, 10_000)), -2),
            6.0,
            employed(day),
            0.9,
        )
    rookies = np.flatnonzero(org.rep_hire_day >= 0)
    if len(rookies):
        for m in np.unique(
            month_starts[np.searchsorted(month_starts, org.rep_hire_day[rookies], "right") - 1]
        ):
            nxt = month_starts[month_starts > m]
            if not len(nxt):
                continue
            day = _working_day_in_month(rng, days, nxt[0])
            joiners = rookies[(org.rep_hire_day[rookies] >= m) & (org.rep_hire_day[rookies] < nxt[0])]
            add_session(
                _ONBOARDING, "product", day, round(float(rng.uniform(1_000, 3_000)), -2), 8.0, joiners, 1.0
            )

    order_s = np.lexsort((np.arange(len(sessions)), [s["day"] for s in sessions]))
    new_index = np.empty(len(sessions), dtype=np.int64)
    new_index[order_s] = np.arange(len(sessions))
    session_ids = [f"S{i + 1:03d}" for i in range(len(sessions))]
    sess = pd.DataFrame(
        {
            "session_id": pd.Series([session_ids[new_index[i]] for i in order_s], dtype=STR),
            "topic": pd.Series([sessions[i]["topic"] for i in order_s], dtype=STR),
            "category": pd.Series([sessions[i]["category"] for i in order_s], dtype=STR),
            "session_date": (
                window.start + pd.to_timedelta([sessions[i]["day"] for i in order_s], unit="D")
            ).astype("datetime64[ns]"),
            "cost": np.array([sessions[i]["cost"] for i in order_s], dtype=np.float64),
            "hours": np.array([sessions[i]["hours"] for i in order_s], dtype=np.float64),
        }
    )

    att_session = np.array([r[0] for r in rows], dtype=np.int64)
    att_rep = np.array([r[1] for r in rows], dtype=np.int64)
    att_flag = np.array([r[2] for r in rows], dtype=bool)
    # Scores: pre ~ N(58, 10); normalised gain (post - pre) / (100 - pre) ~ N(0.4, 0.1).
    pre = np.clip(rng.normal(58, 10, len(rows)), 15, 95)
    gain = np.clip(rng.normal(0.4, 0.1, len(rows)), 0.0, 0.9)
    post = np.clip(pre + gain * (100 - pre) + rng.normal(0, 3, len(rows)), 0, 100)
    att = pd.DataFrame(
        {
            "session_id": pd.Series([session_ids[new_index[i]] for i in att_session], dtype=STR),
            "rep_id": pd.Series(np.array(org.rep_ids, dtype=object)[att_rep], dtype=STR),
            "attended": att_flag,
            "pre_score": np.where(att_flag, np.round(pre), np.nan),
            "post_score": np.where(att_flag, np.round(post), np.nan),
        }
    )
    att = att.sort_values(["session_id", "rep_id"], kind="stable").reset_index(drop=True)
    return Training(sess, att, trained_day)
