from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from mock_platforms import MockBot, MockServer
from notify_bundle import make_bundle


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
