"""The `notify` command and the optional notify: step after a run."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import yaml

from sales_analytics.cli import main
from sales_analytics.notify.step import after_run

CHANNELS = {
    "channels": {
        "g": {"kind": "wecom", "webhook_env": "T_WECOM_HOOK", "send": ["digest"]},
        "d": {
            "kind": "dingtalk",
            "webhook_env": "T_DINGTALK_HOOK",
            "secret_env": "T_DINGTALK_SECRET",
            "send": ["digest"],
        },
    },
    "retry": {"attempts": 2, "backoff_s": 0.01},
}


def _params(tmp_path: Path, notify: dict) -> Path:
    folder = tmp_path / "params"
    folder.mkdir()
    (folder / "notify.yaml").write_text(yaml.safe_dump(CHANNELS), encoding="utf-8")
    (folder / "default.yaml").write_text(yaml.safe_dump({"notify": notify}), encoding="utf-8")
    return folder / "default.yaml"


def test_cli_sends_then_sends_nothing(outputs, bots, tmp_path, capsys):
    config = _params(tmp_path, {}).with_name("notify.yaml")
    args = ["notify", "--period", "2026-10", "--config", str(config), "--outputs", str(outputs)]
    assert main(args) == 0
    assert capsys.readouterr().out.startswith("2026-10: 2 sent, 0 already sent")
    assert main(args) == 0
    assert capsys.readouterr().out.startswith("2026-10: 0 sent, 2 already sent (use --force to send again)")
    assert main([*args, "--channel", "g", "--force"]) == 0
    assert len(bots["wecom"].received) == 2


def test_cli_dry_run_and_a_platform_error(outputs, bots, tmp_path, capsys, monkeypatch):
    config = _params(tmp_path, {}).with_name("notify.yaml")
    base = ["notify", "--period", "2026-10", "--config", str(config), "--outputs", str(outputs)]
    assert main([*base, "--dry-run", "--out", str(tmp_path / "review")]) == 0
    assert (tmp_path / "review" / "g" / "01_digest-1.md").is_file()
    assert not bots["wecom"].received
    capsys.readouterr()
    monkeypatch.setenv("T_DINGTALK_SECRET", "SEC-wrong")
    assert main(base) == 1
    out = capsys.readouterr().out.splitlines()
    assert (
        out[1]
        == "  d digest-1: DingTalk errcode 310000: sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"
    )


def test_cli_unknown_channel_is_a_clear_error(outputs, tmp_path, capsys):
    config = _params(tmp_path, {}).with_name("notify.yaml")
    assert (
        main(
            [
                "notify",
                "--period",
                "2026-10",
                "--config",
                str(config),
                "--outputs",
                str(outputs),
                "--channel",
                "x",
            ]
        )
        == 2
    )
    assert "no channel named ['x']; the file declares ['d', 'g']" in capsys.readouterr().err


def test_the_step_posts_after_a_published_run_only(outputs, bots, tmp_path):
    params = _params(tmp_path, {"enabled": True, "channels": ["g"]})
    failed = SimpleNamespace(status="failed", bundle=None, period="2026-10", manifest={})
    assert after_run(failed, parameters_file=params) is None
    ok = SimpleNamespace(status="ok", bundle=outputs / "2026-10", period="2026-10", manifest={})
    result = after_run(ok, parameters_file=params)
    assert result.ok and result.sent == [("g", "digest-1")]
    assert not bots["dingtalk"].received


def test_the_step_is_off_by_default(outputs, bots, tmp_path):
    params = _params(tmp_path, {"enabled": False})
    ok = SimpleNamespace(status="ok", bundle=outputs / "2026-10", period="2026-10", manifest={})
    assert after_run(ok, parameters_file=params) is None
    assert not bots["wecom"].received


def test_cli_defaults_to_the_latest_published_period(outputs, bots, tmp_path, capsys):
    from notify_bundle import make_bundle

    make_bundle(outputs, "2026-09")
    config = _params(tmp_path, {}).with_name("notify.yaml")
    assert (
        main(
            [
                "notify",
                "--config",
                str(config),
                "--outputs",
                str(outputs),
                "--dry-run",
                "--out",
                str(tmp_path / "r"),
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith("2026-10: dry run, 2 messages")


def test_the_notify_cron_line_runs_and_notifies():
    from sales_analytics import paths

    text = (paths.project_root() / "deploy" / "cron" / "sales-workbook-notify.cron").read_text(
        encoding="utf-8"
    )
    (line,) = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    fields = line.split(None, 5)
    assert fields[:5] == ["30", "6", "2", "*", "*"]
    command = fields[5]
    assert "%" not in command  # cron turns % into a newline
    assert ". /etc/sales-workbook/notify.env" in command and "sales-analytics run" in command
