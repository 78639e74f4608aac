"""Team life: WeCom group messages, the feedback box, and the rewards/penalties ledger."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.sample_data._calendar import working_days
from sales_analytics.sample_data._common import STR, Window, make_ids, take_str
from sales_analytics.sample_data._orders import OrderFacts
from sales_analytics.sample_data._org import Org
from sales_analytics.sample_data._spec import SizeSpec

SERVICE_GROUP = "grp_service"
LOCAL_TZ = "Asia/Shanghai"
_MSG_TYPES = ["text", "image", "file", "link", "system"]
_MSG_TYPE_P = [0.86, 0.07, 0.04, 0.03, 0.0]
_CHATTER = [
    "收到",
    "好的，马上处理",
    "今天拜访了两家客户，都有意向",
    "客户那边要求下周再报一次价",
    "这单合同已经盖章寄回了",
    "有谁知道新版报价单在哪里？",
    "下午三点开周会，请大家准时参加",
    "本月目标还差一点，大家加油",
    "客户反馈发货慢，我去跟一下",
    "明天去苏州见客户",
    "CRM 里的商机阶段我已经更新了",
    "请把本周拜访记录补齐",
    "这个客户的发票信息已经发给财务",
    "辛苦了！",
    "👍",
    "合同模板更新了吗？",
    "已经约好周四演示",
    "客户想试用一个月",
    "收到，谢谢",
    "今天电话量完成了",
    "样品已经寄出",
    "价格申请已提交审批",
]
_MEDIA = {"image": "[图片]", "file": "[文件] 报价单.xlsx", "link": "[链接] 产品介绍页"}
_ANNOUNCEMENTS = [
    "【公告】本周销售目标已更新，请大家查看并确认",
    "【公告】周五下午进行产品培训，请准时参加",
    "@所有人 月底前请完成 CRM 数据补录",
    "@所有人 本月业绩排行已发布",
    "【公告】新的报价审批流程从下周一开始执行",
    "@所有人 明天上午九点晨会",
]
_FLAGGED = [
    "客户说可以私下转账，省点手续费",
    "这单能不能给对方一点回扣？",
    "返现的事我们私聊",
    "先私下转账给我，回头再走合同",
]
_QUESTIONS = [
    "你好，请问发票什么时候能开出来？",
    "这个型号还有货吗？",
    "请问培训课程可以开发票吗？",
    "订单发货了吗？",
    "软件到期了怎么续费？",
    "打印机连接不上网络怎么办？",
    "能不能安排工程师上门？",
    "批量采购有没有优惠？",
    "退货流程是怎样的？",
    "账号登录不了，能帮忙看一下吗？",
]
_REPLIES = [
    "您好，已经帮您查询，稍后回复您",
    "您好，这边马上安排",
    "您好，已为您登记，工程师会联系您",
    "您好，发票预计三个工作日内开出",
    "您好，有货的，可以直接下单",
    "您好，相关资料已发到您的邮箱",
]


def _local_to_utc(local_ns: np.ndarray) -> pd.Series:
    s = pd.Series(local_ns.view("datetime64[ns]"))
    return s.dt.tz_localize(LOCAL_TZ).dt.tz_convert("UTC").astype("datetime64[ns, UTC]")


def make_chat(
    rng: np.random.Generator, spec: SizeSpec, org: Org, window: Window
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """WeCom group messages and the announcements that ordinary reps posted (for penalties).

    One group per team (``grp_T01`` … in team order) and one customer-service
    group (``grp_service``). ~93 % of team messages fall in 9:00-18:00 on
    working days; weekly announcements come from the team leader, a few from
    ordinary reps.
    """
    days = window.days
    n_days = org.n_days
    work = working_days(days)
    start = window.start.value
    n_teams = len(org.team_names)
    grp_names = [f"grp_T{t + 1:02d}" for t in range(n_teams)] + [SERVICE_GROUP]
    rep_ids = np.array(org.rep_ids, dtype=object)
    sizes = np.bincount(org.rep_team)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])

    # Team chatter: Poisson per team-day (weekends/holidays at 10 % of the rate).
    lam = spec.chat_per_group_day * np.where(work, 1.0, 0.1)
    counts = rng.poisson(np.tile(lam, n_teams))
    team = np.repeat(np.repeat(np.arange(n_teams), n_days), counts)
    day = np.repeat(np.tile(np.arange(n_days), n_teams), counts)
    n = len(team)
    sender = first[team] + (rng.random(n) * sizes[team]).astype(np.int64)
    ok = (org.rep_hire_day[sender] <= day) & (org.rep_leave_day[sender] > day)
    sender = np.where(ok, sender, org.team_leader[team])
    off_hours = rng.random(n) < 0.03
    secs = np.where(off_hours, rng.uniform(19 * 3600, 23 * 3600, n), rng.uniform(9 * 3600, 18 * 3600, n))
    mtype = rng.choice(len(_MSG_TYPES), size=n, p=_MSG_TYPE_P)
    text_pool = np.array(_CHATTER, dtype=object)
    text = text_pool[rng.integers(0, len(text_pool), n)]
    for code, name in enumerate(_MSG_TYPES):
        if name in _MEDIA:
            text = np.where(mtype == code, _MEDIA[name], text)
    flagged = rng.random(n) < 0.002
    flagged[rng.choice(n, size=min(3, n), replace=False)] = True
    text = np.where(flagged, np.array(_FLAGGED, dtype=object)[rng.integers(0, len(_FLAGGED), n)], text)
    mtype = np.where(flagged, 0, mtype)

    # Announcements: Monday mornings from the leader; ~6 % posted by an ordinary team member.
    mondays = np.flatnonzero((days.day_of_week == 0) & work)
    a_team = np.repeat(np.arange(n_teams), len(mondays))
    a_day = np.tile(mondays, n_teams)
    a_sender = org.team_leader[a_team]
    rogue = rng.random(len(a_team)) < 0.06
    mate = first[a_team] + (rng.random(len(a_team)) * sizes[a_team]).astype(np.int64)
    mate_ok = (mate != a_sender) & (org.rep_hire_day[mate] <= a_day) & (org.rep_leave_day[mate] > a_day)
    rogue &= mate_ok
    a_sender = np.where(rogue, mate, a_sender)
    a_secs = rng.uniform(8.75 * 3600, 10 * 3600, len(a_team))
    a_text = np.array(_ANNOUNCEMENTS, dtype=object)[rng.integers(0, len(_ANNOUNCEMENTS), len(a_team))]

    # Join / leave system messages.
    joins = np.flatnonzero((org.rep_hire_day >= 0) & (org.rep_hire_day < n_days))
    leaves = np.flatnonzero(org.rep_leave_day < n_days)
    names = org.reps["rep_name"].to_numpy(dtype=object)
    s_team = np.concatenate([org.rep_team[joins], org.rep_team[leaves]])
    s_day = np.concatenate([org.rep_hire_day[joins], org.rep_leave_day[leaves]])
    s_text = np.concatenate([names[joins] + " 加入了群聊", names[leaves] + " 退出了群聊"]).astype(object)

    # Customer-service group: questions (ending with ？) and a rep's reply minutes to hours later.
    # Questions come mostly in office hours; a reply that would fall outside them is usually
    # given at the start of the next working day (sometimes a rep answers in the evening).
    q_lam = spec.service_questions_per_day * np.where(work, 1.0, 0.12)
    q_day = np.repeat(np.arange(n_days), rng.poisson(q_lam))
    nq = len(q_day)
    q_cust = rng.integers(0, len(org.cust_b2b), nq)
    asker, asker_code = np.unique(q_cust, return_inverse=True)
    q_sender = np.array([f"wm_{x:010x}" for x in rng.integers(0, 16**10, len(asker))], dtype=object)[
        asker_code
    ]
    q_secs = np.where(
        rng.random(nq) < 0.88, rng.uniform(9 * 3600, 18 * 3600, nq), rng.uniform(18 * 3600, 22 * 3600, nq)
    )
    q_text = np.array(_QUESTIONS, dtype=object)[rng.integers(0, len(_QUESTIONS), nq)]
    answered = rng.random(nq) < 0.9
    reply_at = q_secs + np.minimum(rng.lognormal(np.log(25 * 60), 1.2, nq), 20 * 3600)
    r_day = q_day + (reply_at // 86_400).astype(np.int64)
    r_secs = reply_at % 86_400
    work_ext = np.concatenate([work, np.ones(2, dtype=bool)])
    next_work = np.minimum.accumulate(np.where(work_ext, np.arange(n_days + 2), n_days + 1)[::-1])[::-1]
    r_day = np.minimum(r_day, n_days)
    in_hours = work_ext[r_day] & (r_secs >= 9 * 3600) & (r_secs < 18 * 3600)
    push = ~in_hours & (rng.random(nq) < 0.85)
    later = work_ext[r_day] & (r_secs >= 18 * 3600)
    target = next_work[np.minimum(r_day + later, n_days + 1)]
    r_day = np.where(push, target, r_day)
    r_secs = np.where(push, 9 * 3600 + rng.uniform(0, 2400, nq), r_secs)
    owner = org.cust_owner[q_cust]
    replier = np.where(q_day >= org.rep_leave_day[owner], org.successor(owner), owner)
    r_text = np.array(_REPLIES, dtype=object)[rng.integers(0, len(_REPLIES), nq)]

    def ns(d: np.ndarray, s: np.ndarray) -> np.ndarray:
        return start + (d.astype(np.int64) * 86_400 + s.astype(np.int64)) * 1_000_000_000

    parts = [
        (team, rep_ids[sender], ns(day, secs), mtype, text),
        (a_team, rep_ids[a_sender], ns(a_day, a_secs), np.zeros(len(a_team), np.int64), a_text),
        (
            s_team,
            np.full(len(s_team), "system", dtype=object),
            ns(s_day, rng.uniform(9.5 * 3600, 10 * 3600, len(s_day))),
            np.full(len(s_team), 4),
            s_text,
        ),
        (np.full(nq, n_teams), q_sender, ns(q_day, q_secs), np.zeros(nq, np.int64), q_text),
        (
            np.full(answered.sum(), n_teams),
            rep_ids[replier[answered]],
            ns(r_day[answered], r_secs[answered]),
            np.zeros(answered.sum(), np.int64),
            r_text[answered],
        ),
    ]
    g = np.concatenate([p[0] for p in parts])
    snd = np.concatenate([p[1] for p in parts])
    at = np.concatenate([p[2] for p in parts])
    mt = np.concatenate([p[3] for p in parts])
    tx = np.concatenate([p[4] for p in parts])
    keep = at < start + n_days * 86_400 * 1_000_000_000
    order = np.flatnonzero(keep)[np.lexsort((np.arange(keep.sum()), at[keep]))]
    chat = pd.DataFrame(
        {
            "message_id": make_ids("M", np.arange(1, len(order) + 1), 7),
            "group_id": take_str(grp_names, g[order]),
            "sender_id": pd.Series(snd[order], dtype=STR),
            "sent_at": _local_to_utc(at[order]),
            "msg_type": take_str(_MSG_TYPES, mt[order]),
            "text": pd.Series(tx[order], dtype=STR),
        }
    )
    rogue_posts = pd.DataFrame({"rep": a_sender[rogue], "day": a_day[rogue]})
    return chat, rogue_posts


_INTERNAL_CATS = {
    "process": ["报价审批流程太长，希望简化", "建议合同盖章改为电子签", "周报格式可以统一一下"],
    "incentive": ["提成方案希望更透明", "建议增加新客户开拓奖", "团队奖金分配规则需要说明"],
    "training": ["希望多一些谈判技巧培训", "新产品培训时间太短", "建议安排老销售带新人"],
    "tools": ["CRM 手机端经常卡顿", "希望报价单能一键生成", "客户资料查找不方便"],
    "product": ["客户反映软件操作复杂", "建议增加入门套餐", "硬件交付周期太长"],
}
_CUSTOMER_CATS = {
    "complaint": ["发货太慢，等了两周", "安装工程师迟到", "发票开错了", "售后电话一直打不通"],
    "suggestion": ["希望提供更详细的使用说明", "建议增加线上培训课程", "希望能按月付费"],
    "praise": ["销售顾问服务很专业", "问题解决得很及时，感谢", "产品很好用"],
}


def make_feedback(rng: np.random.Generator, spec: SizeSpec, org: Org, window: Window) -> pd.DataFrame:
    """Suggestion box (internal, from reps) and customer feedback, with status and resolution time."""
    n = spec.feedback
    n_days = org.n_days
    internal = rng.random(n) < 0.55
    day = rng.integers(0, n_days, n)
    secs = rng.uniform(9 * 3600, 21 * 3600, n)
    rep_all = np.arange(len(org.rep_team))
    rep = rng.choice(rep_all, size=n)
    ok = (org.rep_hire_day[rep] <= day) & (org.rep_leave_day[rep] > day)
    rep = np.where(ok, rep, org.team_leader[org.rep_team[rep]])
    cust = rng.integers(0, len(org.cust_b2b), n)
    owner = org.cust_owner[cust]
    cust_rep = np.where(day >= org.rep_leave_day[owner], org.successor(owner), owner)

    cats_i, cats_c = list(_INTERNAL_CATS), list(_CUSTOMER_CATS)
    ci = rng.choice(len(cats_i), size=n, p=[0.25, 0.2, 0.2, 0.25, 0.1])
    cc = rng.choice(len(cats_c), size=n, p=[0.45, 0.3, 0.25])
    category = np.where(internal, np.array(cats_i, dtype=object)[ci], np.array(cats_c, dtype=object)[cc])
    pick = rng.integers(0, 100, n)
    text = np.array(
        [
            (_INTERNAL_CATS if internal[k] else _CUSTOMER_CATS)[category[k]][
                pick[k] % len((_INTERNAL_CATS if internal[k] else _CUSTOMER_CATS)[category[k]])
            ]
            for k in range(n)
        ],
        dtype=object,
    )

    # Outcome: internal ideas are adopted / rejected / closed; customer items are closed (suggestions sometimes adopted).
    u = rng.random(n)
    status = np.where(
        internal,
        np.where(u < 0.4, "adopted", np.where(u < 0.7, "rejected", "closed")),
        np.where((category == "suggestion") & (u < 0.3), "adopted", "closed"),
    ).astype(object)
    still_open = rng.random(n) < 0.08
    wait_days = rng.lognormal(np.log(np.where(internal, 10, 3)), 0.8)
    submitted = window.start.value + ((day * 86_400) + secs.astype(np.int64)) * 1_000_000_000
    resolved = submitted + (wait_days * 86_400).astype(np.int64) * 1_000_000_000
    end = window.end.value
    still_open |= resolved >= end
    status = np.where(still_open, "open", status)
    order = np.lexsort((np.arange(n), submitted))
    resolved_s = pd.Series(resolved[order].view("datetime64[ns]"))
    return pd.DataFrame(
        {
            "feedback_id": make_ids("F", np.arange(1, n + 1), 5),
            "channel": take_str(["customer", "internal"], internal[order].astype(np.int64)),
            "submitted_at": submitted[order].view("datetime64[ns]"),
            "category": pd.Series(category[order], dtype=STR),
            "text": pd.Series(text[order], dtype=STR),
            "status": pd.Series(status[order], dtype=STR),
            "resolved_at": resolved_s.where(~still_open[order]),
            "rep_id": take_str(org.rep_ids, np.where(internal, rep, cust_rep)[order]),
            "customer_id": take_str(
                org.customers["customer_id"].to_numpy(dtype=object), np.where(internal, -1, cust)[order]
            ),
        }
    )


def make_rewards(
    rng: np.random.Generator, org: Org, window: Window, facts: OrderFacts, rogue_posts: pd.DataFrame
) -> pd.DataFrame:
    """The ledger: monthly team top seller, rookies' first order, lateness, CRM lapses, rule breaches.

    ``amount`` (CNY) and ``points`` are magnitudes (>= 0); ``kind`` gives the direction.
    """
    n_days = org.n_days
    rev = facts.revenue
    month_end_day = np.array([(pd.Timestamp(m.end) - window.start).days for m in window.months])
    ev_rep, ev_day, ev_kind, ev_reason, ev_amount, ev_points = [], [], [], [], [], []

    def add(rep: np.ndarray, day: np.ndarray, kind: str, reason: str, amount: float, points: float) -> None:
        ev_rep.append(np.asarray(rep))
        ev_day.append(np.asarray(day))
        ev_kind.extend([kind] * len(rep))
        ev_reason.extend([reason] * len(rep))
        ev_amount.append(np.full(len(rep), amount))
        ev_points.append(np.full(len(rep), points))

    for t in range(len(org.team_names)):
        members = np.flatnonzero(org.rep_team == t)
        best = members[np.argmax(rev[members], axis=0)]
        has = rev[members].max(axis=0) > 0
        # Awarded on the 3rd day after the month closes (the last month's award is not given yet).
        day = month_end_day + 3
        keep = has & (day < n_days)
        add(best[keep], day[keep], "reward", "月度销冠", 2000.0, 20.0)
    rookies = np.flatnonzero((org.rep_hire_day >= 0) & (facts.first_day >= 0))
    add(rookies, facts.first_day[rookies] + 1, "reward", "新人首单奖", 500.0, 5.0)

    d = np.arange(n_days)
    work = working_days(window.days)
    employed = (
        (org.rep_hire_day[:, None] <= d[None, :]) & (org.rep_leave_day[:, None] > d[None, :]) & work[None, :]
    )
    r, dd = np.nonzero(employed & (rng.random(employed.shape) < 0.006))
    add(r, dd, "penalty", "迟到", 50.0, 1.0)
    r, dd = np.nonzero(employed & (rng.random(employed.shape) < 0.003))
    add(r, dd, "penalty", "未按时填报CRM", 100.0, 2.0)
    add(rogue_posts["rep"].to_numpy(), rogue_posts["day"].to_numpy() + 1, "penalty", "违规发公告", 200.0, 5.0)

    rep = np.concatenate(ev_rep).astype(np.int64)
    day = np.concatenate(ev_day).astype(np.int64)
    keep = day < n_days
    order = np.flatnonzero(keep)[np.lexsort((np.arange(keep.sum()), rep[keep], day[keep]))]
    return pd.DataFrame(
        {
            "event_id": make_ids("E", np.arange(1, len(order) + 1), 5),
            "rep_id": take_str(org.rep_ids, rep[order]),
            "date": (window.start + pd.to_timedelta(day[order], unit="D")).astype("datetime64[ns]"),
            "kind": pd.Series(np.array(ev_kind, dtype=object)[order], dtype=STR),
            "reason": pd.Series(np.array(ev_reason, dtype=object)[order], dtype=STR),
            "amount": np.concatenate(ev_amount)[order],
            "points": np.concatenate(ev_points)[order],
        }
    )
