"""Helpers the view tests share: Debian's Chromium under Playwright, and a kernel message as the
kernel websocket's JSON protocol carries it."""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.error
import urllib.request
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


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report a redirect (the login page) as the answer instead of following it."""

    def redirect_request(self, *args, **kwargs):
        return None


def http_get(url: str, *, timeout: float = 60, headers: dict | None = None) -> tuple[int, dict, str]:
    """(status, headers, body) of a plain GET, redirects not followed."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode("utf-8", "replace")


def kernel_processes(server) -> list:
    """The server's live kernel processes (a kernel that just exited may linger as a zombie: not counted)."""
    import psutil

    live = []
    for p in psutil.Process(server.proc.pid).children(recursive=True):
        try:
            if "ipykernel" in " ".join(p.cmdline()):
                live.append(p)
        except psutil.Error:  # a zombie or a process gone meanwhile
            continue
    return live


CLOSE_GRACE_S = 5  # ViewsKernelManager.close_grace: a page kernel outlives its last connection


def wait_kernel_shutdown(server, kernel_id: str, within: float) -> float:
    """Seconds until ``server`` logs ``kernel_id``'s shutdown; fails after ``within`` seconds."""
    started = time.monotonic()
    while f"Kernel shutdown: {kernel_id}" not in server.log.read_text(errors="replace"):
        waited = time.monotonic() - started
        assert waited < within, f"kernel {kernel_id} still running {within} s later"
        time.sleep(0.25)
    return time.monotonic() - started
