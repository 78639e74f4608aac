"""DingTalk (钉钉) custom robot: access token in the URL, timestamp + HMAC-SHA256 signature.

Signing (DingTalk custom-robot documentation, 加签): ``string_to_sign =
f"{timestamp}\\n{secret}"`` with the timestamp in milliseconds; ``sign =
base64(HMAC-SHA256(key=secret, msg=string_to_sign))``, URL-encoded, appended to
the webhook as ``&timestamp=…&sign=…``; the timestamp must be within an hour of
DingTalk's clock. Markdown: ``{"msgtype": "markdown", "markdown": {"title", "text"}}``.
At most 20 messages a minute per robot; errcode 130101 ("send too fast") is retried;
310000 is a failed security check (wrong secret, stale timestamp).
A custom robot cannot upload images, so a 喜报 card goes out as a markdown message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from sales_analytics.notify.transport import Answer, post_json

__all__ = ["NAME", "DingTalkBot", "parse_answer", "sign"]

NAME = "DingTalk"
RATE_LIMIT_CODES = frozenset({130101})


def sign(timestamp_ms: int, secret: str) -> str:
    """The base64 signature (not yet URL-encoded).

    >>> sign(1700000000000, "SECtest")
    'aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g='
    """
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_url(webhook: str, secret: str, now_ms: Callable[[], int]) -> str:
    if not secret:
        return webhook
    ts = now_ms()
    sep = "&" if "?" in webhook else "?"
    return f"{webhook}{sep}timestamp={ts}&sign={urllib.parse.quote_plus(sign(ts, secret))}"


def parse_answer(status: int, body: dict[str, Any]) -> tuple[Any, str, bool]:
    code = body.get("errcode", 0 if status < 400 else status)
    return code, str(body.get("errmsg", "")), code in RATE_LIMIT_CODES


class DingTalkBot:
    """Posts to one DingTalk custom robot."""

    images = False

    def __init__(
        self, webhook: str, *, secret: str = "", now_ms: Callable[[], int] | None = None, **kw: Any
    ) -> None:
        self.webhook, self.secret, self.kw = webhook, secret, kw
        self.now_ms = now_ms or (lambda: int(time.time() * 1000))

    def send_markdown(self, text: str, title: str) -> Answer:
        payload = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        return post_json(
            NAME,
            lambda: signed_url(self.webhook, self.secret, self.now_ms),
            payload,
            parse=parse_answer,
            **self.kw,
        )

    def send_image(self, png: bytes, text: str, title: str) -> Answer:
        return self.send_markdown(text, title)
