"""Chat exports into ``chat_messages``: WeCom chat-archive messages (decrypted JSON, one
message per record), WeChatMsg / 留痕 CSV and PyWxDump CSV.

WeCom ``msgtime`` is UTC epoch milliseconds (``time`` on ``switch`` records);
one-to-one chats have an empty ``roomid`` and are filed under
``direct:<a>|<b>`` (the two parties sorted, so both directions are one
conversation). Records without a sender (``switch``; ``revoke`` / ``agree``
variants) are ``system`` messages from ``system``.

WeChatMsg's ``CreateTime`` is Unix seconds (an instant); its ``StrTime`` is
the local time of the exporting machine and is read as the team's time zone
when ``CreateTime`` is absent. One-to-one chats are written with 9 fields
under the 12-name header (no ``Remark, NickName, Sender``): the sender is
``self`` (``IsSender`` 1) or the chat partner (``TalkerId``). Group system
messages (``Type`` 10000) have no sender and become ``system`` messages.

PyWxDump (``export_csv``) writes ``id, MsgSvrID, type_name, is_sender, talker,
room_name, content, CreateTime``; ``content`` is JSON ``{"src": …, "msg": …}``,
the own sender is written ``我`` (→ ``self``) and ``系统`` is the system.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.io.columns import ColumnMap, ColumnRule
from sales_analytics.io.parsing import clean_text, parse_datetimes, parse_ids

__all__ = [
    "CHAT_PROFILES",
    "SELF_SENDER",
    "SYSTEM_SENDER",
    "WECHATMSG_TYPES",
    "finish_pywxdump",
    "finish_wechatmsg",
    "finish_wecom",
]

#: The sender id of the exporting person's own messages and of system messages.
SELF_SENDER = "self"
SYSTEM_SENDER = "system"

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

#: PyWxDump ``type_name`` (its Chinese names) → msg_type, by the first keyword found.
PYWXDUMP_TYPES: tuple[tuple[str, str], ...] = (
    ("系统", "system"),
    ("撤回", "system"),
    ("通话", "other"),
    ("引用", "text"),
    ("文本", "text"),
    ("图片", "image"),
    ("表情", "image"),
    ("语音", "voice"),
    ("视频", "video"),
    ("文件", "file"),
    ("链接", "link"),
    ("分享", "link"),
    ("小程序", "link"),
)

_PYWXDUMP_COLUMNS: dict[str, str | list[str] | ColumnRule] = {
    "message_id": ["id", "MsgSvrID"],
    "group_id": ["room_name"],
    "sender_id": ColumnRule(column=["talker"], map={"我": SELF_SENDER, "系统": SYSTEM_SENDER}),
    "sent_at": ["CreateTime"],
    "msg_type": ["type_name"],
}

CHAT_PROFILES: list[ColumnMap] = [
    ColumnMap(
        name="wecom_archive",
        table="chat_messages",
        description="WeCom 会话内容存档 messages (decrypted JSON / JSON Lines)",
        detect=[
            ["msgid", "msgtime", "msgtype"],
            ["msgid", "action", "from"],
            ["msgid", "action", "time", "user"],
        ],
        columns={
            "message_id": ["msgid"],
            "group_id": ColumnRule(column=["roomid"], default=""),
            "sender_id": ColumnRule(column=["from", "user"], default=""),
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
            "sender_id": ColumnRule(column=["Sender", "NickName"], default=""),
            "sent_at": ["CreateTime", "StrTime"],
            "msg_type": ColumnRule(column=["Type"], map=WECHATMSG_TYPES, default="other"),
            "text": ["StrContent", "msg"],
        },
    ),
    ColumnMap(
        name="pywxdump",
        table="chat_messages",
        description="PyWxDump CSV export (content as JSON, own messages from 我)",
        detect=[["type_name", "is_sender", "room_name", "content"]],
        columns={**_PYWXDUMP_COLUMNS, "text": ColumnRule(column="content", from_json="msg")},
    ),
    ColumnMap(  # older PyWxDump versions wrote `msg, src` columns instead of the JSON `content`
        name="pywxdump_v1",
        table="chat_messages",
        description="PyWxDump CSV export, older layout (msg and src columns)",
        detect=[["type_name", "is_sender", "room_name", "msg", "src"]],
        columns={**_PYWXDUMP_COLUMNS, "text": ["msg"]},
    ),
]


def _text(raw: pd.DataFrame, column: str) -> pd.Series:
    if column not in raw.columns:
        return pd.Series(np.nan, index=raw.index, dtype=object)
    return clean_text(
        raw[column].astype(object).map(lambda v: v if not isinstance(v, list) else None)
    ).astype(object)


def _parties(raw: pd.DataFrame) -> pd.Series:
    """``direct:<a>|<b>``: the sender and the receivers of a one-to-one chat, sorted."""
    sender = _text(raw, "from")
    tolist = raw["tolist"] if "tolist" in raw.columns else pd.Series([None] * len(raw), index=raw.index)
    out = []
    for s, to in zip(sender.to_numpy(dtype=object), tolist.to_numpy(dtype=object)):
        people = {str(x) for x in (to if isinstance(to, list | tuple | np.ndarray) else []) if str(x)}
        if isinstance(s, str):
            people.add(s)
        out.append("direct:" + "|".join(sorted(people)) if people else SYSTEM_SENDER)
    return pd.Series(out, index=raw.index, dtype=object)


def finish_wecom(raw: pd.DataFrame, mapped: pd.DataFrame) -> pd.DataFrame:
    """One-to-one chats become ``direct:<a>|<b>``; sender-less, recall and switch records are system."""
    out = mapped.copy()
    group = clean_text(out["group_id"]).astype(object) if "group_id" in out.columns else None
    direct = _parties(raw)
    out["group_id"] = direct if group is None else group.where(group.notna(), direct)
    sender = _text(raw, "from")
    user = _text(raw, "user")
    no_sender = (sender.isna() & user.isna()).to_numpy()
    out["sender_id"] = sender.where(sender.notna(), user).where(~no_sender, SYSTEM_SENDER)
    if "time" in raw.columns and "sent_at" in out.columns:  # switch records carry `time`, not `msgtime`
        alt = parse_datetimes(raw["time"], utc=True).values
        out["sent_at"] = out["sent_at"].where(out["sent_at"].notna(), alt)
    action = _text(raw, "action")
    system = action.isin(["recall", "switch"]).to_numpy() | no_sender
    out["msg_type"] = np.where(system, "system", out["msg_type"].astype(object))
    if "message_id" in out.columns:
        out["message_id"] = parse_ids(out["message_id"])
    return out


def finish_wechatmsg(raw: pd.DataFrame, mapped: pd.DataFrame) -> pd.DataFrame:
    """``Type`` 49 split by ``SubType`` (57 reply → text, 6 file, 5 link); senders of one-to-one rows,
    own messages and system messages filled in (see the module docstring)."""
    out = mapped.copy()
    typ = _text(raw, "Type")
    if "SubType" in raw.columns:
        sub = _text(raw, "SubType")
        out["msg_type"] = np.select(
            [(typ == "49") & (sub == "57"), (typ == "49") & (sub == "6"), (typ == "49") & (sub == "5")],
            ["text", "file", "link"],
            default=out["msg_type"].astype(object),
        )
    sender = _text(raw, "Sender") if "Sender" in raw.columns else _text(raw, "NickName")
    mine = (_text(raw, "IsSender") == "1").to_numpy()
    system = (typ == "10000").to_numpy()
    partner = _text(raw, "TalkerId") if "Sender" not in raw.columns else pd.Series(np.nan, index=raw.index)
    filled = sender.where(~(mine & sender.isna().to_numpy()), SELF_SENDER)
    filled = filled.where(~(system & filled.isna().to_numpy()), SYSTEM_SENDER)
    filled = filled.where(filled.notna(), partner)
    out["sender_id"] = filled
    out["msg_type"] = np.where(system, "system", out["msg_type"].astype(object))
    if "message_id" in out.columns and "group_id" in out.columns:
        # localId counts per chat: prefix the chat so ids stay unique across chats
        out["message_id"] = (
            parse_ids(out["group_id"]).astype(str) + ":" + parse_ids(out["message_id"]).astype(str)
        )
    return out


def finish_pywxdump(raw: pd.DataFrame, mapped: pd.DataFrame) -> pd.DataFrame:
    """``type_name`` → msg_type by keyword; message ids prefixed with the chat (ids count per export)."""
    out = mapped.copy()
    names = clean_text(out["msg_type"]).astype(object)
    kinds = pd.Series("other", index=out.index, dtype=object)
    done = np.zeros(len(out), dtype=bool)
    for word, kind in PYWXDUMP_TYPES:
        hit = names.str.contains(word, regex=False).fillna(False).to_numpy(dtype=bool) & ~done
        kinds[hit] = kind
        done |= hit
    out["msg_type"] = kinds
    # PyWxDump writes 未知 (unknown) where it found no sender: on a system notice that is the system
    sender = clean_text(out["sender_id"]).astype(object)
    unknown = (sender.isna() | (sender == "未知")).to_numpy() & (kinds == "system").to_numpy()
    out["sender_id"] = sender.where(~unknown, SYSTEM_SENDER)
    if "message_id" in out.columns:
        out["message_id"] = (
            parse_ids(out["group_id"]).astype(str) + ":" + parse_ids(out["message_id"]).astype(str)
        )
    return out
