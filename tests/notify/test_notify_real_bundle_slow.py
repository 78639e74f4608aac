"""The whole path on a bundle published by a real monthly run of the project's notebooks.

Slow (a real run executes every notebook): deselected by default, run with ``-m slow``.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml
from notify_bundle import leaks
from notify_helpers import FAST_RETRY

from sales_analytics import paths
from sales_analytics.cli import main
from sales_analytics.notify import cards
from sales_analytics.notify.config import NotifyConfig
from sales_analytics.notify.send import SEND_LOG, build_messages, notify_period, read_send_log
from sales_analytics.run import run_period
from sales_analytics.views.bundles import open_bundle
from sales_analytics.views.components import fmt_money

pytestmark = pytest.mark.slow

# 20 messages per window as the platforms allow, with the window shortened from 60 s to 0.5 s
# (the mocks enforce the same) so a month's ~20 cards per channel do not wait a minute.
FAST_RATE = {"rate_per_minute": 20, "rate_window_s": 0.5}


@pytest.fixture
def fast_bots(bots):
    for bot in bots.values():
        bot.window_s = 0.5
    return bots


# Tables and columns holding individual pay: none of these amounts may reach a group.
PAY = {
    "incentive_statements": ["amount"],
    "incentive_commission_summary": ["commission", "accelerator", "spiffs", "clawbacks", "earned", "payout"],
    "incentive_ledger": ["reward_amount", "penalty_amount", "net_amount"],
    "incentive_leaderboard_rep": ["reward_amount", "penalty_amount", "net_amount"],
    "incentive_contests": ["prize_amount"],
}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A real run of the latest complete month of the small sample, with its parameters folder."""
    tmp = tmp_path_factory.mktemp("notify-real")
    params = tmp / "parameters"
    shutil.copytree(paths.parameters_dir(), params)
    outputs = tmp / "outputs"
    result = run_period(parameters_file=params / "default.yaml", outputs=outputs, jobs=2)
    assert result.status == "ok"
    return result.period, outputs, params


def _config() -> NotifyConfig:
    return NotifyConfig.model_validate(
        {
            "big_deal_amount": 200_000,
            "retry": FAST_RETRY,
            "channels": {
                "wecom-group": {"kind": "wecom", "webhook_env": "T_WECOM_HOOK", **FAST_RATE},
                "dingtalk-group": {
                    "kind": "dingtalk",
                    "webhook_env": "T_DINGTALK_HOOK",
                    "secret_env": "T_DINGTALK_SECRET",
                    **FAST_RATE,
                },
                "feishu-group": {
                    "kind": "feishu",
                    "webhook_env": "T_FEISHU_HOOK",
                    "secret_env": "T_FEISHU_SECRET",
                    **FAST_RATE,
                },
            },
        }
    )


def _pay_strings(bundle) -> set[str]:
    out: set[str] = set()
    for table, columns in PAY.items():
        frame = bundle.table(table)
        if frame is None:
            continue
        frame = frame[frame["period"].astype(str) == bundle.period]
        for col in columns:
            for x in frame.get(col, pd.Series(dtype=float)).dropna():
                if abs(x) >= 100:
                    out |= {f"{x:,.2f}", f"{x:,.0f}", fmt_money(x, "zh"), fmt_money(x, "en")}
        if table == "incentive_contests":
            out |= {str(p) for p in frame["prize"].dropna() if str(p).strip()}
    return out


def test_real_bundle_posts_everywhere_once_and_privately(published, fast_bots):
    bots = fast_bots
    period, outputs, _ = published
    bundle = open_bundle(period, outputs)
    tables_before = {p.name: p.read_bytes() for p in (bundle.path / "tables").iterdir()}
    cfg = _config()
    messages = {n: build_messages(bundle, cfg, c) for n, c in cfg.channels.items()}
    pay = _pay_strings(bundle)
    assert len(pay) > 20  # the sample pays commission and prizes: the check has teeth
    for msgs in messages.values():
        assert any(m.kind == "digest" for m in msgs) and any(m.kind == "card" for m in msgs)
        for m in msgs:
            leaked = leaks(m.text, pay)
            assert not leaked, (m.key, leaked)
    result = notify_period(period, config=cfg, outputs=outputs)
    assert result.ok, result.failed
    for name, bot in bots.items():
        assert len(bot.received) == len(messages[f"{name}-group"]) and not bot.rejected
    assert {p.name: p.read_bytes() for p in (bundle.path / "tables").iterdir()} == tables_before
    again = notify_period(period, config=cfg, outputs=outputs)
    assert again.sent == [] and len(again.skipped) == sum(len(m) for m in messages.values())


def test_real_bundle_cards_and_pdf_are_byte_identical(published):
    period, outputs, _ = published
    bundle = open_bundle(period, outputs)
    email = NotifyConfig.model_validate(
        {
            "channels": {
                "m": {
                    "kind": "email",
                    "audience": "managers",
                    "smtp_env": "S",
                    "sender": "a@b.c",
                    "to": ["d@e.f"],
                    "send": ["digest", "report", "summary", "cards"],
                }
            }
        }
    )
    first = build_messages(bundle, email, email.channels["m"])[0]
    cards.card_png.cache_clear()
    second = build_messages(open_bundle(period, outputs), email, email.channels["m"])[0]
    assert [(n, d) for n, d, _ in first.attachments] == [(n, d) for n, d, _ in second.attachments]
    names = [n for n, _, _ in first.attachments]
    assert names[0].endswith(".xlsx") and names[1].endswith(".pdf") and len(names) > 5


def test_run_command_with_the_notify_step(published, fast_bots, capsys, monkeypatch):
    bots = fast_bots
    period, outputs, params = published
    doc = yaml.safe_load((params / "default.yaml").read_text(encoding="utf-8"))
    doc["notify"] = {"enabled": True, "channels": ["wecom-group"]}
    (params / "default.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    (params / "notify.yaml").write_text(yaml.safe_dump(_config().model_dump(mode="json")), encoding="utf-8")
    (outputs / period / SEND_LOG).unlink(missing_ok=True)
    # Switching the step on does not change the run's fingerprint: the run is skipped, the step posts.
    monkeypatch.setenv("SALES_ANALYTICS_OUTPUTS", str(outputs))
    code = main(["run", "--period", period, "--params", str(params / "default.yaml"), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "up to date" in out and f"{period}: " in out.splitlines()[-1]
    assert bots["wecom"].received and not bots["dingtalk"].received
    sends = read_send_log(outputs / period)["sends"]
    assert {s["channel"] for s in sends} == {"wecom-group"}


_CHAT_PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ background: #ededed; font-family: 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif; margin: 0; }}
.chat {{ width: 520px; padding: 16px; }}
.who {{ color: #888; font-size: 12px; margin: 0 0 4px 52px; }}
.row {{ display: flex; gap: 10px; }}
.avatar {{ width: 42px; height: 42px; border-radius: 6px; background: #2b7de9; color: white;
  font-size: 20px; display: flex; align-items: center; justify-content: center; }}
.bubble {{ background: white; border-radius: 6px; padding: 10px 14px; font-size: 14px; line-height: 1.5; }}
.bubble h2 {{ font-size: 17px; margin: 4px 0 8px; }} .bubble h3 {{ font-size: 15px; margin: 10px 0 4px; }}
.bubble ul, .bubble ol {{ margin: 0; padding-left: 20px; }} .bubble a {{ color: #2b7de9; }}
</style></head><body><div class="chat"><div class="who">{bot}</div>
<div class="row"><div class="avatar">报</div><div class="bubble">{html}</div></div></div></body></html>"""


@pytest.mark.browser
def test_screenshots_of_a_digest_and_a_card(published, tmp_path):
    """The digest as a WeCom group shows it (its markdown rendered in a chat bubble by headless
    Chromium) and the first 喜报 card. ``SALES_ANALYTICS_SCREENSHOTS=docs/screenshots`` keeps them."""
    import html
    import os
    import shutil as sh
    from pathlib import Path

    import mistune
    from playwright.sync_api import sync_playwright

    from sales_analytics.serve import HEADLESS_CHROMIUM_ARGS

    chromium = sh.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip(f"Chromium not found at {chromium}")
    period, outputs, _ = published
    bundle = open_bundle(period, outputs)
    cfg = _config()
    msgs = build_messages(bundle, cfg, cfg.channels["wecom-group"])
    digest = next(m for m in msgs if m.kind == "digest")
    card = next(m for m in msgs if m.kind == "card")
    page_html = _CHAT_PAGE.format(bot=html.escape("月度战报机器人"), html=mistune.html(digest.text))
    shot = tmp_path / "notify_digest.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=list(HEADLESS_CHROMIUM_ARGS))
        page = browser.new_page(viewport={"width": 560, "height": 400}, device_scale_factor=1)
        page.set_content(page_html)
        page.locator(".chat").screenshot(path=str(shot))
        browser.close()
    assert shot.stat().st_size > 10_000
    if os.environ.get("SALES_ANALYTICS_SCREENSHOTS"):
        folder = Path(os.environ["SALES_ANALYTICS_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        sh.copyfile(shot, folder / "notify_digest.png")
        (folder / "notify_card.png").write_bytes(card.image)
