from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from bundle import make_bundle
from mock_platforms import MockBot, MockServer

from sales_analytics.notify.config import NotifyConfig

FAST_RETRY = {"attempts": 4, "backoff_s": 0.01, "max_backoff_s": 0.05, "timeout_s": 5}


@pytest.fixture
def outputs(tmp_path):
    make_bundle(tmp_path / "outputs")
    return tmp_path / "outputs"


@pytest.fixture
def mock():
    with MockServer() as server:
        yield server


@pytest.fixture
def bots(mock, monkeypatch):
    """One bot per chat platform, with secrets where the platform signs; webhooks in the environment."""
    made = {
        "wecom": MockBot("wecom", token="wk-123"),
        "dingtalk": MockBot("dingtalk", token="dt-456", secret="SEC-dingtalk-secret"),
        "feishu": MockBot("feishu", token="fs-789", secret="feishu-secret"),
    }
    for name, bot in made.items():
        monkeypatch.setenv(f"T_{name.upper()}_HOOK", mock.add(name, bot))
        if bot.secret:
            monkeypatch.setenv(f"T_{name.upper()}_SECRET", bot.secret)
    return made


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
