"""Helpers the view tests share: Debian's Chromium under Playwright, and a kernel message as the
kernel websocket's JSON protocol carries it."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def require_browser() -> None:
    """Skip without Chromium, except where SALES_ANALYTICS_REQUIRE_BROWSER is set (CI): fail."""
    if not Path(CHROMIUM).exists():
        msg = f"Chromium not found at {CHROMIUM} (apt-get install chromium; `make test` does it as root)"
        if os.environ.get("SALES_ANALYTICS_REQUIRE_BROWSER"):
            pytest.fail(msg)
        pytest.skip(msg)


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium (serve.HEADLESS_CHROMIUM_ARGS), closed on exit."""
    from playwright.sync_api import sync_playwright

    from sales_analytics.serve import HEADLESS_CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(HEADLESS_CHROMIUM_ARGS))
        yield browser
        browser.close()


def kernel_message(msg_type: str, content: dict, channel: str = "shell") -> str:
    """One message for the kernel websocket (the JSON protocol, no subprotocol)."""
    return json.dumps(
        {
            "header": {
                "msg_id": uuid.uuid4().hex,
                "username": "probe",
                "session": uuid.uuid4().hex,
                "msg_type": msg_type,
                "version": "5.3",
                "date": "2026-01-01T00:00:00Z",
            },
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": channel,
            "buffers": [],
        }
    )
