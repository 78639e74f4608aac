"""WeCom (企业微信) group bot: the key is part of the webhook URL; markdown and image messages.

Format (WeCom group-bot documentation): POST JSON to
``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY``;
``{"msgtype": "markdown", "markdown": {"content": …}}`` with content at most
4096 bytes; ``{"msgtype": "image", "image": {"base64": …, "md5": …}}`` where md5
is of the image bytes before base64 and the image is a JPG/PNG of at most 2 MB.
Each bot takes at most 20 messages a minute. The answer is
``{"errcode": 0, "errmsg": "ok"}``; 45009 means the rate limit was hit (retried).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from sales_analytics.notify.cards import MAX_IMAGE_BYTES
from sales_analytics.notify.transport import Answer, post_json

__all__ = ["NAME", "WeComBot", "image_payload", "markdown_payload", "parse_answer"]

NAME = "WeCom"
RATE_LIMIT_CODES = frozenset({45009})


def parse_answer(status: int, body: dict[str, Any]) -> tuple[Any, str, bool]:
    code = body.get("errcode", 0 if status < 400 else status)
    return code, str(body.get("errmsg", "")), code in RATE_LIMIT_CODES


def markdown_payload(text: str) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"content": text}}


def image_payload(png: bytes) -> dict[str, Any]:
    if len(png) > MAX_IMAGE_BYTES:
        raise ValueError(f"a WeCom image may be at most {MAX_IMAGE_BYTES} bytes; got {len(png)}")
    return {
        "msgtype": "image",
        "image": {"base64": base64.b64encode(png).decode("ascii"), "md5": hashlib.md5(png).hexdigest()},
    }


class WeComBot:
    """Posts to one WeCom group bot."""

    images = True

    def __init__(self, webhook: str, *, secret: str = "", **kw: Any) -> None:
        self.webhook, self.kw = webhook, kw

    def _post(self, payload: dict[str, Any]) -> Answer:
        return post_json(NAME, lambda: self.webhook, payload, parse=parse_answer, **self.kw)

    def send_markdown(self, text: str, title: str) -> Answer:
        return self._post(markdown_payload(text))

    def send_image(self, png: bytes, text: str, title: str) -> Answer:
        return self._post(image_payload(png))
