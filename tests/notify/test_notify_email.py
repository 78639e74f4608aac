"""Managers' e-mail through a local SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import email
import json
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from sales_analytics.notify.config import NotifyConfig
from sales_analytics.notify.send import SEND_LOG, notify_period


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch):
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("T_SMTP", f"smtp://127.0.0.1:{port}")
    yield inbox
    controller.stop()


def _config(to=("director@example.com",), send=("digest", "report", "summary", "cards")) -> NotifyConfig:
    return NotifyConfig.model_validate(
        {
            "big_deal_amount": 300_000,
            "channels": {
                "managers": {
                    "kind": "email",
                    "audience": "managers",
                    "smtp_env": "T_SMTP",
                    "sender": "reports@example.com",
                    "to": list(to),
                    "send": list(send),
                }
            },
        }
    )


def test_managers_get_digest_report_pdf_and_cards(outputs, smtp):
    result = notify_period("2026-10", config=_config(), outputs=outputs)
    assert result.ok and result.sent == [("managers", "email")]
    (msg,) = smtp.messages
    assert msg["Subject"] == "示例销售部 · 2026-10 月度战报"
    assert smtp.envelopes[0].rcpt_tos == ["director@example.com"]
    body = msg.get_body(("plain",)).get_content()
    assert "营收: ¥112.0万" in body and "销售冠军: 张伟 · 华东一组" in body
    names = [part.get_filename() for part in msg.iter_attachments()]
    assert names[:2] == ["report-2026-10.xlsx", "summary-2026-10.pdf"]
    assert len(names) == 2 + 6  # six 喜报 cards
    report = next(p for p in msg.iter_attachments() if p.get_filename().endswith(".xlsx"))
    assert report.get_content() == (outputs / "2026-10" / "report.xlsx").read_bytes()
    pdf = next(p for p in msg.iter_attachments() if p.get_filename().endswith(".pdf")).get_content()
    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf
    # sent once
    again = notify_period("2026-10", config=_config(), outputs=outputs)
    assert again.sent == [] and len(smtp.messages) == 1


def test_a_refused_recipient_is_one_line_and_logged(outputs, smtp):
    result = notify_period("2026-10", config=_config(to=("nobody@example.com",)), outputs=outputs)
    assert result.failed == [
        ("managers", "email", "SMTP errcode 550: recipients refused: nobody@example.com")
    ]
    log = json.loads((outputs / "2026-10" / SEND_LOG).read_text(encoding="utf-8"))
    assert log["sends"][0]["status"] == "failed" and log["sends"][0]["answer"]["code"] == 550


def test_an_unreachable_server_fails_that_channel(outputs, monkeypatch):
    monkeypatch.setenv("T_SMTP", f"smtp://127.0.0.1:{_free_port()}")
    result = notify_period("2026-10", config=_config(), outputs=outputs)
    assert len(result.failed) == 1 and result.failed[0][2].startswith("SMTP errcode network: 127.0.0.1:")


def test_dry_run_writes_the_mail_for_review(outputs, tmp_path):
    result = notify_period(
        "2026-10", config=_config(), outputs=outputs, dry_run=True, review_dir=tmp_path / "review"
    )
    folder = tmp_path / "review" / "managers"
    assert (folder / "01_email.md").read_text(encoding="utf-8").startswith("示例销售部 · 2026-10 月度战报")
    assert (folder / "report-2026-10.xlsx").is_file() and (folder / "summary-2026-10.pdf").is_file()
    assert len(list(folder.glob("card-*.png"))) == 6
    assert not (outputs / "2026-10" / SEND_LOG).exists() and result.dry_run
