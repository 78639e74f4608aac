"""Compliance on chat exports read through the loaders: a WeCom chat-archive JSON and a WeChatMsg CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import sales_analytics as sa
from sales_analytics.rules import GroupRules, classify_messages, compliance_by_group, rule_violations

if not hasattr(sa, "read_table"):
    pytest.skip(
        "the chat loaders (sales_analytics.io profiles) are not in this checkout", allow_module_level=True
    )

REPS = pd.DataFrame(
    {
        "rep_id": ["lilei", "hanmei", "R9"],
        "rep_name": ["李雷", "韩梅", "王"],
        "team": ["A", "A", "A"],
        "manager": ["hanmei", pd.NA, "hanmei"],
    }
)


def _epoch_ms(local: str) -> int:
    return int(pd.Timestamp(local, tz="Asia/Shanghai").tz_convert("UTC").timestamp() * 1000)


def test_wecom_archive_json(tmp_path: Path) -> None:
    msgs = [  # 11 Oct 2025 is a Saturday and a 调休 working day
        {
            "msgid": "a1",
            "action": "send",
            "from": "wmCust01",
            "roomid": "wr-1",
            "msgtype": "text",
            "msgtime": _epoch_ms("2025-10-11 10:00:00"),
            "text": {"content": "这款有现货吗？"},
        },
        {
            "msgid": "a2",
            "action": "send",
            "from": "lilei",
            "roomid": "wr-1",
            "msgtype": "text",
            "msgtime": _epoch_ms("2025-10-11 10:20:00"),
            "text": {"content": "有的，今天发"},
        },
        {
            "msgid": "a3",
            "action": "send",
            "from": "lilei",
            "roomid": "wr-1",
            "msgtype": "text",
            "msgtime": _epoch_ms("2025-10-11 18:00:00"),
            "text": {"content": "@所有人 明天开会"},
        },
        {
            "msgid": "a4",
            "action": "send",
            "from": "hanmei",
            "roomid": "wr-1",
            "msgtype": "text",
            "msgtime": _epoch_ms("2025-10-01 09:30:00"),
            "text": {"content": "【公告】国庆值班表"},
        },
        {
            "msgid": "a5",
            "action": "recall",
            "from": "lilei",
            "roomid": "wr-1",
            "msgtype": "revoke",
            "msgtime": _epoch_ms("2025-10-11 10:21:00"),
        },
    ]
    path = tmp_path / "wecom_messages.jsonl"
    path.write_text("\n".join(json.dumps(m, ensure_ascii=False) for m in msgs) + "\n", encoding="utf-8")
    chat = sa.read_table(path)
    out = classify_messages(chat, GroupRules(), reps=REPS).set_index("message_id")
    # 10:00 on the 调休 Saturday is inside working hours; 18:00:00 is the end boundary (outside);
    # 1 Oct is National Day (outside); the recall is a system message and is dropped
    assert out.loc[["a1", "a2", "a3", "a4"], "in_working_hours"].tolist() == [True, True, False, False]
    assert "a5" not in out.index
    assert out.loc["a1", "response_minutes"] == 20.0 and out.loc["a1", "answered_by"] == "lilei"
    assert out.loc["a3", "unauthorized_announcement"] and not out.loc["a4", "unauthorized_announcement"]
    v = rule_violations(classify_messages(chat, GroupRules(), reps=REPS), GroupRules(), period="2025-10")
    assert sorted(v["rule"]) == [
        "outside_working_hours",
        "outside_working_hours",
        "unauthorized_announcement",
    ]


def test_wechatmsg_csv(tmp_path: Path) -> None:
    def secs(local: str) -> int:
        return _epoch_ms(local) // 1000

    rows = [  # localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender
        f"1,12,1,0,0,{secs('2025-10-13 09:00:00')},2,请问什么时候到货?,2025-10-13 09:00:00,销售一组,销售一组,wxid_cust",
        f"2,12,1,0,1,{secs('2025-10-13 09:45:00')},2,明天上午,2025-10-13 09:45:00,销售一组,销售一组,",
        f"3,12,1,0,0,{secs('2025-10-13 23:10:00')},2,客户电话 13812345678,2025-10-13 23:10:00,销售一组,销售一组,wxid_r9",
    ]
    header = (
        "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender"
    )
    path = tmp_path / "销售一组_utf8.csv"
    path.write_text("\ufeff" + header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    chat = sa.read_table(path)
    # the exporter's own messages come as sender 'self'; wxids are mapped to rep ids by the rules file
    rules = sa.load_group_rules().model_copy(update={"members": {"self": "lilei", "wxid_r9": "R9"}})
    out = classify_messages(chat, rules, reps=REPS)
    assert out["rep_id"].tolist()[1:] == ["lilei", "R9"] and pd.isna(out["rep_id"].iloc[0])
    assert out["response_minutes"].iloc[0] == 45.0 and out["late_response"].iloc[0]
    v = rule_violations(out, rules, period="2025-10")
    assert set(v["rule"]) == {"late_response", "quiet_hours", "private_contact"}
    assert "13812345678" not in "".join(v["excerpt"])
    g = compliance_by_group(out, rules, period="2025-10")
    assert g[["questions", "late_responses", "quiet_hours"]].iloc[0].tolist() == [1, 1, 1]
