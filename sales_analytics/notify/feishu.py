"""Feishu (飞书) custom bot: signature in the body; interactive cards with markdown.

Signing (Feishu custom-bot documentation, 签名校验): ``string_to_sign =
f"{timestamp}\\n{secret}"`` with the timestamp in seconds, used as the HMAC-SHA256
*key* over an empty message; ``sign = base64(digest)``; both go into the JSON
body as ``"timestamp"`` and ``"sign"`` (within an hour of Feishu's clock). The
request body may be at most 20 KB. The answer is ``{"code": 0, "msg": "success"}``;
19021 is a failed signature check; 9499 / 11232 mean too many requests (retried).
A custom bot cannot upload images (that needs an app's image_key), so a 喜报 card
is sent as a red interactive card with the same text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

from sales_analytics.notify.transport import Answer, post_json

__all__ = ["NAME", "FeishuBot", "card_payload", "parse_answer", "sign"]

NAME = "Feishu"
RATE_LIMIT_CODES = frozenset({9499, 11232})


def sign(timestamp_s: int, secret: str) -> str:
    """The base64 signature.

    >>> sign(1700000000, "test")
    'eSJQnOl8XqPTMPHWz9e5IzeHS/tqoc68g2967ekIPmg='
    """
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def parse_answer(status: int, body: dict[str, Any]) -> tuple[Any, str, bool]:
    code = body.get("code", body.get("StatusCode", 0 if status < 400 else status))
    message = str(body.get("msg", body.get("StatusMessage", "")))
    return code, message, code in RATE_LIMIT_CODES


def card_payload(title: str, text: str, template: str = "blue") -> dict[str, Any]:
    return {
        "msg_type": "interactive",
        "card": {
            "header": {"title": {"tag": "plain_text", "content": title}, "template": template},
            "elements": [{"tag": "markdown", "content": text}],
        },
    }


class FeishuBot:
    """Posts to one Feishu custom bot."""

    images = False

    def __init__(
        self, webhook: str, *, secret: str = "", now_s: Callable[[], int] | None = None, **kw: Any
    ) -> None:
        self.webhook, self.secret, self.kw = webhook, secret, kw
        self.now_s = now_s or (lambda: int(time.time()))

    def _post(self, payload: dict[str, Any]) -> Answer:
        def body() -> dict[str, Any]:
            if not self.secret:
                return payload
            ts = self.now_s()
            return {"timestamp": str(ts), "sign": sign(ts, self.secret), **payload}

        return post_json(NAME, lambda: self.webhook, body, parse=parse_answer, **self.kw)

    def send_markdown(self, text: str, title: str) -> Answer:
        # The card header shows the title; the markdown element the rest.
        return self._post(card_payload(title, text))

    def send_image(self, png: bytes, text: str, title: str) -> Answer:
        return self._post(card_payload(title, text, template="red"))
