"""parameters/notify.yaml: validated, unknown keys are errors, secrets never in the file."""

from __future__ import annotations

import pytest

from sales_analytics import paths
from sales_analytics.config import load_parameters
from sales_analytics.errors import ConfigError
from sales_analytics.notify.config import load_notify_config, read_secret


def _write(tmp_path, text: str):
    path = tmp_path / "notify.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_file_is_valid_and_holds_no_secret():
    cfg = load_notify_config(paths.parameters_dir() / "notify.yaml")
    assert {c.kind for c in cfg.channels.values()} == {"wecom", "dingtalk", "feishu", "email"}
    text = (paths.parameters_dir() / "notify.yaml").read_text(encoding="utf-8")
    assert "key=" not in text and "access_token" not in text and "hook/" not in text


def test_unknown_keys_are_errors(tmp_path):
    path = _write(tmp_path, "channels:\n  g: {kind: wecom, webhook_env: X, webhook: https://x}\n")
    with pytest.raises(ConfigError, match=r"channels\.g\.webhook.*is not a known key"):
        load_notify_config(path)


@pytest.mark.parametrize(
    ("channel", "message"),
    [
        ("{kind: wecom}", "needs webhook_env or webhook_file"),
        ("{kind: wecom, webhook_env: X, secret_env: Y}", "WeCom group bots have no signing secret"),
        ("{kind: wecom, webhook_env: X, send: [report]}", "cannot send"),
        (
            "{kind: email, smtp_env: S, sender: a@b.c, to: [d@e.f], send: [report]}",
            "send 'report' only to audience 'managers'",
        ),
        ("{kind: email, smtp_env: S, audience: managers}", "needs 'sender'"),
        ("{kind: slack, webhook_env: X}", "kind"),
    ],
)
def test_channel_rules(tmp_path, channel, message):
    with pytest.raises(ConfigError, match=message):
        load_notify_config(_write(tmp_path, f"channels:\n  g: {channel}\n"))


def test_a_missing_variable_names_it_without_a_value(monkeypatch):
    monkeypatch.delenv("SA_NOPE", raising=False)
    with pytest.raises(ConfigError, match="environment variable SA_NOPE is not set"):
        read_secret("g", "SA_NOPE", "", "webhook")


def test_a_secret_file_inside_the_project_is_refused(tmp_path):
    inside = paths.project_root() / "parameters" / "notify.yaml"
    with pytest.raises(ConfigError, match="inside the project folder"):
        read_secret("g", "", str(inside), "webhook")
    outside = tmp_path / "hook.txt"
    outside.write_text("https://example.com/hook?key=1\n", encoding="utf-8")
    assert read_secret("g", "", str(outside), "webhook") == "https://example.com/hook?key=1"


def test_the_run_parameters_have_an_optional_notify_step():
    assert load_parameters().notify.enabled is False
    p = load_parameters(overrides={"notify": {"enabled": True, "channels": ["sales-group"]}})
    assert p.notify.enabled and p.notify.channels == ["sales-group"]
    with pytest.raises(ConfigError, match=r"notify\.when.*is not a known key"):
        load_parameters(overrides={"notify": {"when": "always"}})
