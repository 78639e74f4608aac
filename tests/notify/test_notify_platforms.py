"""Every message kind reaches each platform's mock with a valid signature, within limits, once."""

from __future__ import annotations

import hashlib
import json

import pytest
from notify_helpers import chat_config

from sales_analytics.notify.send import SEND_LOG, notify_period


def _tables_digest(bundle):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((bundle / "tables").iterdir())}


def test_every_kind_reaches_every_platform_once(outputs, bots):
    before = _tables_digest(outputs / "2026-10")
    result = notify_period("2026-10", config=chat_config(), outputs=outputs)
    assert result.ok, result.failed
    # Cards: award top_seller (张伟), rank 1 on revenue and attainment (张伟), big deal D1 (王芳,
    # 350,000 ≥ 300,000), target reached: 张伟 125 %, 王芳 105 % (李娜 80 % is not) → 6 cards.
    # The satisfaction award (李娜, 3 responses < 5) is not shown.
    for name, bot in bots.items():
        kinds = [r["body"].get("msgtype") or r["body"].get("msg_type") for r in bot.received]
        assert len(bot.received) == 7, (name, kinds)
        assert not bot.rejected
    wecom = bots["wecom"].received
    assert [r["body"]["msgtype"] for r in wecom] == ["markdown"] + ["image"] * 6
    assert all(len(r["body"]["markdown"]["content"].encode()) <= 4096 for r in wecom[:1])
    # DingTalk: every request carried a timestamp and signature the mock verified.
    assert all("sign" in r["query"] and "timestamp" in r["query"] for r in bots["dingtalk"].received)
    assert all("sign" in r["body"] for r in bots["feishu"].received)
    assert _tables_digest(outputs / "2026-10") == before
    log = json.loads((outputs / "2026-10" / SEND_LOG).read_text(encoding="utf-8"))
    assert len(log["sends"]) == 21
    entry = log["sends"][0]
    assert set(entry) >= {"channel", "kind", "key", "sha256", "time", "status", "answer"}
    assert entry["answer"]["code"] == 0


def test_a_second_notify_sends_nothing_unless_forced(outputs, bots):
    notify_period("2026-10", config=chat_config(), outputs=outputs)
    again = notify_period("2026-10", config=chat_config(), outputs=outputs)
    assert again.sent == [] and len(again.skipped) == 21
    assert [len(b.received) for b in bots.values()] == [7, 7, 7]
    forced = notify_period(
        "2026-10", config=chat_config(), outputs=outputs, channels=["wecom-group"], force=True
    )
    assert len(forced.sent) == 7 and len(bots["wecom"].received) == 14


@pytest.mark.parametrize(
    ("platform", "channel", "answer"),
    [
        ("wecom", "wecom-group", (200, {"errcode": 45009, "errmsg": "api freq out of limit"})),
        ("wecom", "wecom-group", (429, {})),
        ("wecom", "wecom-group", (503, {})),
        (
            "dingtalk",
            "dingtalk-group",
            (200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}),
        ),
        ("feishu", "feishu-group", (200, {"code": 9499, "msg": "too many request"})),
    ],
)
def test_rate_limit_and_5xx_answers_are_retried(outputs, bots, platform, channel, answer):
    bots[platform].script.extend([answer, answer])
    result = notify_period("2026-10", config=chat_config(), outputs=outputs, channels=[channel])
    assert result.ok
    assert len(bots[platform].received) == 7
    log = json.loads((outputs / "2026-10" / SEND_LOG).read_text(encoding="utf-8"))
    assert log["sends"][0]["answer"]["attempts"] == 3  # two refusals, then success


@pytest.mark.parametrize(
    ("platform", "channel", "line"),
    [
        ("dingtalk", "dingtalk-group", "DingTalk errcode 310000: sign not match"),
        ("feishu", "feishu-group", "Feishu code 19021: sign match fail or timestamp is not within one hour"),
    ],
)
def test_a_wrong_secret_fails_with_the_platform_message(outputs, bots, monkeypatch, platform, channel, line):
    monkeypatch.setenv(f"T_{platform.upper()}_SECRET", "SEC-not-the-secret")
    result = notify_period("2026-10", config=chat_config(), outputs=outputs)
    failed = [f for f in result.failed if f[0] == channel]
    assert len(failed) == 7 and all(line in f[2] for f in failed)
    assert "\n" not in failed[0][2]
    # the other channels were not stopped
    assert {c for c, _ in result.sent} == {"wecom-group", "dingtalk-group", "feishu-group"} - {channel}
    # a failure is logged and retried on the next notify
    monkeypatch.setenv(f"T_{platform.upper()}_SECRET", bots[platform].secret)
    again = notify_period("2026-10", config=chat_config(), outputs=outputs)
    assert {c for c, _ in again.sent} == {channel} and again.ok


def test_wrong_wecom_key_is_one_line(outputs, bots, monkeypatch, mock):
    monkeypatch.setenv("T_WECOM_HOOK", mock.base + "/wecom/wecom/cgi-bin/webhook/send?key=wrong")
    result = notify_period("2026-10", config=chat_config(), outputs=outputs, channels=["wecom-group"])
    assert result.failed[0][2].startswith("WeCom errcode 93000: invalid webhook url")
    assert "key=wrong" not in " ".join(f[2] for f in result.failed)


def test_the_rate_limit_is_respected(outputs, bots):
    # The mock allows 3 messages per 0.5 s; the channel is told the same and must never exceed it.
    for bot in bots.values():
        bot.per_window, bot.window_s = 3, 0.5
    cfg = chat_config(
        **{
            name: {"rate_per_minute": 3, "rate_window_s": 0.5}
            for name in ("wecom-group", "dingtalk-group", "feishu-group")
        }
    )
    result = notify_period("2026-10", config=cfg, outputs=outputs)
    assert result.ok
    for bot in bots.values():
        assert not bot.rejected and len(bot.received) == 7
        times = [r["at"] for r in bot.received]
        assert all(times[i + 3] - times[i] >= 0.5 - 0.02 for i in range(len(times) - 3))


def test_a_missing_secret_fails_that_channel_only(outputs, bots, monkeypatch):
    monkeypatch.delenv("T_FEISHU_HOOK")
    result = notify_period("2026-10", config=chat_config(), outputs=outputs)
    assert result.failed == [
        (
            "feishu-group",
            "*",
            "notify.yaml, key 'channels.feishu-group.webhook_env': environment variable T_FEISHU_HOOK is not set.",
        )
    ]
    assert len(result.sent) == 14


def test_an_unwritable_bundle_stops_before_anything_is_sent(outputs, bots, monkeypatch):
    from sales_analytics.errors import SalesAnalyticsError
    from sales_analytics.notify import send

    def refuse(path, data):
        raise SalesAnalyticsError(f"cannot write the send log {path / SEND_LOG}: Read-only file system")

    monkeypatch.setattr(send, "_write_send_log", refuse)
    with pytest.raises(SalesAnalyticsError, match="cannot write the send log"):
        notify_period("2026-10", config=chat_config(), outputs=outputs)
    assert not any(b.received for b in bots.values())
