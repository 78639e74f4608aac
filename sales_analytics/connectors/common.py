"""What every connector shares: errors, secret redaction, an HTTP client with retries and a budget.

The client is ``httpx`` (already a dependency of the notebook stack; kept up to date, typed, with
timeouts and mockable transports). Requests are sequential: one pull never has more than one
request in flight, which stays under every Zoho edition's concurrency limit and Fxiaoke's
per-second limit.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from sales_analytics.errors import SalesAnalyticsError

__all__ = ["Connector", "CredentialError", "HttpClient", "PullError", "RateLimited", "Redactor", "Retry"]

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class PullError(SalesAnalyticsError):
    """A pull stopped (the platform refused, the budget ran out, the network failed)."""


class CredentialError(PullError):
    """A credential is missing, refused or expired; the message names what to set."""


class RateLimited(PullError):
    """The platform kept answering 'too many requests' after every retry."""


class Redactor(logging.Filter):
    """Replaces every registered secret in log records (message and arguments) with ``***``.

    >>> r = Redactor(); r.add("s3cr3t-token")
    >>> r.scrub("Authorization: Zoho-oauthtoken s3cr3t-token")
    'Authorization: Zoho-oauthtoken ***'
    """

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add(self, *values: str | None) -> None:
        for v in values:
            if v and len(v) >= 4:
                self._secrets.add(v)

    def scrub(self, text: str) -> str:
        for s in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(s, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            record.msg = self.scrub(record.getMessage())
            record.args = None
        return True

    def install(self) -> Callable[[], None]:
        """Attach to the root logger's handlers (and the root logger); returns the undo."""
        root = logging.getLogger()
        targets: list[Any] = [root, *root.handlers]
        for t in targets:
            t.addFilter(self)
        # httpx logs every request line at INFO; keep URLs out of the logs entirely.
        quiet = [logging.getLogger(n) for n in ("httpx", "httpcore")]
        levels = [q.level for q in quiet]
        for q in quiet:
            q.setLevel(logging.WARNING)

        def undo() -> None:
            for t in targets:
                t.removeFilter(self)
            for q, lv in zip(quiet, levels):
                q.setLevel(lv)

        return undo


@dataclass
class Retry:
    """Bounded retries with exponential backoff (``base · 2^n``, capped); Retry-After honoured."""

    max_retries: int = 6
    base_s: float = 1.0
    max_s: float = 60.0
    sleep: Callable[[float], None] = time.sleep

    def wait_s(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before retry ``attempt`` (0-based).

        >>> Retry(base_s=1.0, max_s=10).wait_s(0), Retry(base_s=1.0, max_s=10).wait_s(5)
        (1.0, 10)
        >>> Retry(base_s=1.0, max_s=10).wait_s(0, "3")
        3.0
        """
        if retry_after:
            try:
                return min(self.max_s, max(0.0, float(retry_after)))
            except ValueError:
                when = email.utils.parsedate_to_datetime(retry_after)
                if when is not None:
                    return min(self.max_s, max(0.0, when.timestamp() - time.time()))
        return min(self.max_s, self.base_s * 2**attempt)


@dataclass
class HttpClient:
    """An ``httpx.Client`` with retries on 429 / 5xx / network errors and a request budget."""

    source: str
    retry: Retry
    timeout_s: float = 60.0
    max_requests: int = 20000
    transport: httpx.BaseTransport | None = None
    requests_made: int = 0
    retries_made: int = 0
    _client: httpx.Client | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._client = httpx.Client(timeout=self.timeout_s, transport=self.transport, follow_redirects=True)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        ok_statuses: Iterable[int] = (),
        **kwargs: Any,
    ) -> httpx.Response:
        """One call with retries; ``what`` names it in errors (never the URL, which may hold ids).

        Answers with a status in ``RETRY_STATUSES`` are retried; every other answer is returned
        to the caller, which interprets the platform's error body.
        """
        assert self._client is not None
        attempt = 0
        while True:
            if self.requests_made >= self.max_requests:
                raise PullError(
                    f"{self.source}: the request budget of {self.max_requests} calls is spent "
                    f"(http.max_requests in parameters/sources.yaml); run the pull again to resume"
                )
            self.requests_made += 1
            try:
                resp = self._client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                if attempt >= self.retry.max_retries:
                    raise PullError(
                        f"{self.source}: {what} failed after {attempt + 1} attempts "
                        f"({type(exc).__name__}); check the network and run the pull again"
                    ) from None
                wait = self.retry.wait_s(attempt)
            else:
                if resp.status_code not in RETRY_STATUSES or resp.status_code in set(ok_statuses):
                    return resp
                if attempt >= self.retry.max_retries:
                    kind = "rate-limited (429)" if resp.status_code == 429 else f"HTTP {resp.status_code}"
                    err = RateLimited if resp.status_code == 429 else PullError
                    raise err(
                        f"{self.source}: {what} still {kind} after {attempt + 1} attempts; "
                        f"the pull stopped and resumes where it stopped on the next run"
                    )
                wait = self.retry.wait_s(attempt, resp.headers.get("Retry-After"))
                log.info(
                    "%s: %s answered %s; retry %d in %.1fs",
                    self.source,
                    what,
                    resp.status_code,
                    attempt + 1,
                    wait,
                )
            self.retries_made += 1
            attempt += 1
            self.retry.sleep(wait)


class Connector:
    """What both platforms' pulls share: settings, credentials, the client, the access token.

    A token is renewed before it expires: at ``expires_in`` minus a tenth of it (at most 5 min).
    """

    def __init__(
        self,
        cfg: Any,
        creds: dict[str, str],
        http: HttpClient,
        redactor: Redactor,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cfg = cfg
        self.creds = creds
        self.http = http
        self.redactor = redactor
        self.clock = clock
        self.token: str | None = None
        self.expires_at = 0.0

    def token_due(self) -> bool:
        return self.token is None or self.clock() >= self.expires_at

    def set_token(self, token: str, expires_in: float) -> None:
        self.token = token
        self.redactor.add(token)
        self.expires_at = self.clock() + expires_in - min(300.0, expires_in / 10)
