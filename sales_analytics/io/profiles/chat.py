"""Chat exports into ``chat_messages``: WeCom chat-archive messages (decrypted JSON, one
message per record) and WeChatMsg / 留痕 CSV.

WeCom ``msgtime`` is UTC epoch milliseconds; one-to-one chats have an empty
``roomid`` and are filed under ``direct:<sender>``. WeChatMsg's
``CreateTime`` is Unix seconds (an instant); its ``StrTime`` is the local time
of the exporting machine and is read as the team's time zone when
``CreateTime`` is absent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.io.columns import ColumnMap, ColumnRule
from sales_analytics.io.parsing import clean_text, parse_ids

__all__ = ["CHAT_PROFILES", "WECHATMSG_TYPES", "finish_wechatmsg", "finish_wecom"]

_WECOM_TYPES = {
    "text": "text",
    "markdown": "text",
    "image": "image",
    "emotion": "image",
    "file": "file",
    "link": "link",
    "weapp": "link",
    "news": "link",
    "voice": "voice",
    "video": "video",
    "revoke": "system",
    "agree": "system",
    "disagree": "system",
}
#: WeChatMsg ``Type`` codes (49 is refined by ``SubType``: 57 reply, 6 file, 5 link).
WECHATMSG_TYPES = {
    "1": "text",
    "3": "image",
    "34": "voice",
    "43": "video",
    "47": "image",
    "10000": "system",
    "49": "link",
}

CHAT_PROFILES: list[ColumnMap] = [
    ColumnMap(
        name="wecom_archive",
        table="chat_messages",
        description="WeCom 会话内容存档 messages (decrypted JSON / JSON Lines)",
        detect=[["msgid", "msgtime", "msgtype"], ["msgid", "action", "from"]],
        columns={
            "message_id": ["msgid"],
            "group_id": ["roomid"],
            "sender_id": ["from", "user"],
            "sent_at": ["msgtime", "time"],
            "msg_type": ColumnRule(column=["msgtype"], map=_WECOM_TYPES, default="other"),
            "text": ["text.content", "markdown.content", "link.title", "file.filename"],
        },
    ),
    ColumnMap(
        name="wechatmsg",
        table="chat_messages",
        description="WeChatMsg / 留痕 CSV export",
        detect=[["localId", "StrContent", "StrTime"], ["TalkerId", "StrContent"]],
        columns={
            "message_id": ["localId", "MsgSvrID"],
            "group_id": ["TalkerId", "talker", "Remark", "NickName"],
            "sender_id": ["Sender", "NickName"],
            "sent_at": ["CreateTime", "StrTime"],
            "msg_type": ColumnRule(column=["Type"], map=WECHATMSG_TYPES, default="other"),
            "text": ["StrContent", "msg"],
        },
    ),
]


def finish_wecom(raw: pd.DataFrame, mapped: pd.DataFrame) -> pd.DataFrame:
    """Direct chats get ``direct:<sender>``; recalls and switches are system messages."""
    out = mapped.copy()
    if "group_id" in out.columns:
        group = clean_text(out["group_id"]).astype(object)
        sender = parse_ids(out["sender_id"]) if "sender_id" in out.columns else pd.Series("", index=out.index)
        out["group_id"] = group.where(group.notna(), "direct:" + sender.fillna("").astype(str))
    else:
        out["group_id"] = "direct:" + parse_ids(out["sender_id"]).fillna("").astype(str)
    if "action" in raw.columns and "msg_type" in out.columns:
        action = clean_text(raw["action"]).astype(object)
        out["msg_type"] = np.where(
            action.isin(["recall", "switch"]), "system", out["msg_type"].astype(object)
        )
    if "message_id" in out.columns:
        out["message_id"] = parse_ids(out["message_id"])
    return out


def finish_wechatmsg(raw: pd.DataFrame, mapped: pd.DataFrame) -> pd.DataFrame:
    """``Type`` 49 is split by ``SubType`` (57 reply → text, 6 file, 5 link); own messages get ``self``."""
    out = mapped.copy()
    if "Type" in raw.columns and "SubType" in raw.columns:
        typ = parse_ids(raw["Type"]).astype(object)
        sub = parse_ids(raw["SubType"]).astype(object)
        refined = np.select(
            [(typ == "49") & (sub == "57"), (typ == "49") & (sub == "6"), (typ == "49") & (sub == "5")],
            ["text", "file", "link"],
            default=out["msg_type"].astype(object),
        )
        out["msg_type"] = refined
    if "IsSender" in raw.columns and "sender_id" in out.columns:
        mine = parse_ids(raw["IsSender"]) == "1"
        sender = parse_ids(out["sender_id"]).astype(object)
        out["sender_id"] = sender.where(~(mine & sender.isna()), "self")
    if "message_id" in out.columns and "group_id" in out.columns:
        # localId counts per chat: prefix the chat so ids stay unique across chats
        out["message_id"] = (
            parse_ids(out["group_id"]).astype(str) + ":" + parse_ids(out["message_id"]).astype(str)
        )
    return out
