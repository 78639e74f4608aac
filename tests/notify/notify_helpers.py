"""Channel settings shared by the notify tests."""

from __future__ import annotations

from sales_analytics.notify.config import NotifyConfig

FAST_RETRY = {"attempts": 4, "backoff_s": 0.01, "max_backoff_s": 0.05, "timeout_s": 5}


def chat_config(**channel_overrides) -> NotifyConfig:
    channels = {
        "wecom-group": {"kind": "wecom", "webhook_env": "T_WECOM_HOOK"},
        "dingtalk-group": {
            "kind": "dingtalk",
            "webhook_env": "T_DINGTALK_HOOK",
            "secret_env": "T_DINGTALK_SECRET",
        },
        "feishu-group": {"kind": "feishu", "webhook_env": "T_FEISHU_HOOK", "secret_env": "T_FEISHU_SECRET"},
    }
    for name, extra in channel_overrides.items():
        channels[name] = {**channels.get(name, {}), **extra}
    return NotifyConfig.model_validate(
        {
            "views_url": "https://reports.example.com/",
            "big_deal_amount": 300_000,
            "retry": FAST_RETRY,
            "channels": channels,
        }
    )
