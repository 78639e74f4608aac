"""Group messages carry no pay, commission or prize amount and no suppressed survey cut.

Checked on every message kind a group can receive: the digest in each platform's
markdown, every 喜报 card's text, the plain-text digest; and on the PDF summary's text.
"""

from __future__ import annotations

import pytest
from notify_bundle import leaks, pay_strings
from notify_helpers import chat_config

from sales_analytics.notify.cards import summary_texts
from sales_analytics.notify.config import NotifyConfig
from sales_analytics.notify.content import digest_of
from sales_analytics.notify.send import build_messages
from sales_analytics.views.bundles import open_bundle

# The suppressed cut: 华南一组's NPS of -66.6667 on 4 responses, and 李娜's CSAT award on 3 responses.
SUPPRESSED = ["-66.7", "-67", "66.67", "客户满意之星", "Best customer satisfaction"]


def _texts(bundle, language):
    cfg = chat_config()
    out = []
    for channel in cfg.channels.values():
        out += [m.text for m in build_messages(bundle, cfg, channel, language=language)]
    email = NotifyConfig.model_validate(
        {
            "channels": {
                "m": {
                    "kind": "email",
                    "smtp_env": "S",
                    "sender": "a@b.c",
                    "to": ["d@e.f"],
                    "send": ["digest", "cards"],
                }
            }
        }
    )
    out += [m.text for m in build_messages(bundle, email, email.channels["m"], language=language)]
    out += summary_texts(digest_of(bundle, language=language))
    return out


@pytest.mark.parametrize("language", ["zh", "en"])
def test_no_message_carries_pay_or_a_suppressed_survey_cut(outputs, language):
    bundle = open_bundle("2026-10", outputs)
    texts = _texts(bundle, language)
    kinds = {t.splitlines()[0] for t in texts}
    assert len(texts) >= 4 * 7 and len(kinds) > 3  # digests, cards, e-mail body, PDF lines
    for text in texts:
        assert not leaks(text, pay_strings()), text[:80]
        for cut in SUPPRESSED:
            assert cut not in text, f"suppressed survey cut {cut!r} in: {text[:80]}"
    assert any("张伟" in t for t in texts)  # the checks look at real content
