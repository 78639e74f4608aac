"""Posting to a bot: JSON over HTTPS with a per-bot rate limit and retries with backoff.

Only the standard library is used (``urllib``). A platform's answer is turned
into :class:`Answer`; a refusal becomes :class:`PlatformError`, whose message
is one line naming the platform and its error code ("WeCom errcode 93000:
invalid webhook url"). The webhook URL (it holds the bot's key) never appears
in a log line or an error: :func:`redact` keeps the scheme, host and path only.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sales_analytics.errors import SalesAnalyticsError
from sales_analytics.notify.config import RetryParams

__all__ = ["Answer", "PlatformError", "RateLimiter", "post_json", "redact"]

log = logging.getLogger(__name__)


class PlatformError(SalesAnalyticsError):
    """A platform refused a message (after retries where retrying made sense)."""

    def __init__(self, platform: str, code: Any, message: str, *, http_status: int | None = None) -> None:
        self.platform, self.code, self.message, self.http_status = platform, code, message, http_status
        super().__init__(f"{platform} {'errcode' if platform != 'Feishu' else 'code'} {code}: {message}")


@dataclass
class Answer:
    """What the platform said: HTTP status, its error code and message, how many tries it took."""

    http_status: int
    code: Any
    message: str
    attempts: int = 1
    body: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        return {
            "http_status": self.http_status,
            "code": self.code,
            "message": self.message,
            "attempts": self.attempts,
        }


def redact(url: str) -> str:
    """The URL without its query (where bots keep their key or token).

    >>> redact("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")
    'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…'
    """
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.hostname or "", parts.path, "", "")) + (
        "?…" if parts.query else ""
    )


class RateLimiter:
    """At most ``per_window`` requests in any ``window_s`` seconds (a sliding window).

    :meth:`wait` before a request, :meth:`sent` when its answer arrived. The
    window is counted from the answers, which is later than the platform saw
    the request, so the platform never counts more than ``per_window``.

    >>> clock = [0.0]; slept = []
    >>> def sleep(s): slept.append(s); clock[0] += s
    >>> rl = RateLimiter(2, 60, clock=lambda: clock[0], sleep=sleep)
    >>> for _ in range(3): rl.wait(); rl.sent()
    >>> slept
    [60.0]
    """

    def __init__(
        self,
        per_window: int,
        window_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_window, self.window_s = per_window, window_s
        self._clock, self._sleep = clock, sleep
        self._sent: deque[float] = deque()

    def wait(self) -> None:
        now = self._clock()
        while self._sent and now - self._sent[0] >= self.window_s:
            self._sent.popleft()
        if len(self._sent) >= self.per_window:
            pause = self.window_s - (now - self._sent[0])
            if pause > 0:
                log.info("rate limit: waiting %.1f s", pause)
                self._sleep(pause)
            self._sent.popleft()

    def sent(self) -> None:
        self._sent.append(self._clock())


def post_json(
    platform: str,
    url: Callable[[], str],
    payload: dict[str, Any] | Callable[[], dict[str, Any]],
    *,
    parse: Callable[[int, dict[str, Any]], tuple[Any, str, bool]],
    retry: RetryParams,
    limiter: RateLimiter | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Answer:
    """POST ``payload`` as JSON to ``url()`` (called per try: signed URLs carry a fresh timestamp).

    ``parse(http_status, body) -> (code, message, retryable)``; code 0 is success.
    Retries a retryable answer, an HTTP 429 or 5xx and a connection error up to
    ``retry.attempts`` tries with exponential backoff; raises :class:`PlatformError`.
    """
    last: PlatformError | None = None
    for attempt in range(1, retry.attempts + 1):
        if limiter is not None:
            limiter.wait()
        target = url()
        body_obj = payload() if callable(payload) else payload
        data = json.dumps(body_obj, ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(
            target, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
        )
        retryable = False
        try:
            with urllib.request.urlopen(req, timeout=retry.timeout_s) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            last = PlatformError(platform, "network", f"{redact(target)} unreachable: {reason}")
            retryable = True
        finally:
            if limiter is not None:
                limiter.sent()
        if not retryable:
            try:
                body = json.loads(raw.decode("utf-8")) if raw else {}
            except (UnicodeDecodeError, ValueError):
                body = {}
            if not isinstance(body, dict):
                body = {}
            code, message, retryable = parse(status, body)
            if code == 0 and status < 400:
                return Answer(status, code, message, attempt, body)
            retryable = retryable or status == 429 or status >= 500
            if not message:
                message = f"HTTP {status}"
            last = PlatformError(platform, code if code != 0 else status, message, http_status=status)
        if not retryable or attempt == retry.attempts:
            break
        pause = min(retry.backoff_s * 2 ** (attempt - 1), retry.max_backoff_s)
        log.warning("%s: %s; retry %d/%d in %.1f s", platform, last, attempt, retry.attempts - 1, pause)
        sleep(pause)
    assert last is not None
    last.attempts = attempt  # type: ignore[attr-defined]
    raise last
