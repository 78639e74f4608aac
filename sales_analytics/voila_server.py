"""The Voila server of ``sales-analytics serve``: Voila 0.5 with its holes closed.

``serve`` becomes ``python -m sales_analytics.voila_server <voila options>``:
Voila's own application (:class:`ViewsVoila`), with these changes, each kept
by a test in ``tests/views/``:

Security
- every HTML page carries a Content-Security-Policy whose ``script-src`` is
  ``'self'`` plus a fresh nonce that only the template's own ``<script>`` tags
  get (:class:`NonceTransform`): an event handler or a script inside a data
  value never runs, even if a value were not escaped;
- credentials never reach a log line (:func:`redact`, installed as the log
  record factory) nor the kernels: the token is removed from the request URL
  once it has authenticated the request, so Voila's access log, the kernel's
  ``QUERY_STRING``/``VOILA_REQUEST_URL`` and the pool's next kernel never see it;
- Voila's ``/voila/query/<kernel>`` websocket (an unauthenticated socket that
  handed any caller the query string of the request that took a kernel, kept
  in a cache never cleared) is not routed, and nothing is cached for it: the
  views read no query string;
- the kernel websocket (:class:`ViewsWebsocketConnection`) drops ``error``
  messages and ``stderr`` streams on their way to the browser (a widget value
  that fails validation in the kernel logs a traceback with server paths) and
  rate-limits comm messages per kernel;
- ``/logout`` clears the login cookie and answers a short page (Voila has no
  logout template: 500), and a malformed ``/voila/templates/…`` path is a 404
  (Voila asserts on it: 500).

Capacity
- a page request takes a kernel only while fewer than ``--max-kernels`` page
  kernels run in total and fewer than ``--max-kernels-per-credential`` for its
  credential (the token's fingerprint and the client address); beyond that it
  gets a bilingual "busy, retry in N s" page with status 503 and
  ``Retry-After`` (:class:`Capacity`);
- a kernel whose page never connected its websocket (a link unfurler, a
  health check, ``curl``) is shut down after ``unconnected_grace`` seconds, not
  after the idle timeout;
- a page's kernel is shut down ``close_grace`` seconds after its tab left, however it
  left and at whatever point of loading (:meth:`ViewsKernelManager.client_left`): while the
  page is being written its request holds the kernel (a request the browser abandons lets
  it go); from its first script on, the page holds it with a presence socket
  (:class:`PresenceHandler`, ``static/presence.js`` of the views' template) and, once
  Voila's scripts are up, with the kernel websocket. Voila's own close-tab request
  is sent only once its widget manager is up, seconds into a cold load; a tab closed
  before that used to keep its kernel until the idle cull.

First screen
- ``/views/<view>`` (:class:`FirstScreenHandler`) answers with the view's first screen written
  from its publish-time snapshot (sales_analytics/views/first_screen.py): no kernel, no script,
  so a crowd costs the server a file read and a string join per page; the month, language and
  choices are GET arguments checked against the snapshot; the snapshots a request may read come
  from one function of its identity (``snapshot_source``); a month not drawn yet is drawn in a
  child process, one at a time. The Voila page (``/voila/render/<view>.ipynb``, a kernel) is its
  "live view" link, and opens on the month and language asked for.

Two corrections to how Voila handles the kernels of preheated views, kept:
closing a tab must shut its kernel down (the ``_xsrf`` cookie its shutdown
beacon needs is set on every authenticated page, voila-dashboards/voila#1458),
and a kernel handed to a page gets a full idle timeout before the cull may take
it (a cull check between the page and its websocket connecting would kill it).
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import importlib
import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tornado.httputil
import tornado.web
import tornado.websocket
from jupyter_server.auth.decorator import allow_unauthenticated, ws_authenticated
from jupyter_server.auth.identity import PasswordIdentityProvider
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float, Int, default

if TYPE_CHECKING:
    from jupyter_server.auth.identity import User

    from sales_analytics.views.first_screen import SnapshotSource

__all__ = [
    "Capacity",
    "CommRateLimit",
    "FirstScreenHandler",
    "NonceTransform",
    "PresenceHandler",
    "ViewsIdentityProvider",
    "ViewsKernelManager",
    "ViewsWebsocketConnection",
    "busy_page",
    "content_security_policy",
    "main",
    "redact",
]

log = logging.getLogger(__name__)

# ----------------------------------------------------------------- redaction
_SECRET_PARAM = re.compile(r"((?:token|_xsrf|password|session_id)=)[^&\s'\"\\]+", re.I)
_SECRET_HEADER = re.compile(
    r"((?:\"?(?:Cookie|Authorization|X-Xsrftoken|Set-Cookie)\"?)\s*[:=]\s*\"?)[^\"\n]+", re.I
)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``text`` with credentials replaced: ``token=…``, ``_xsrf=…``, ``password=…`` parameters and
    the values of ``Cookie``/``Authorization``/``X-XSRFToken`` headers (as Jupyter's access log
    prints them for a failed request)."""
    text = _SECRET_PARAM.sub(rf"\1{REDACTED}", text)
    return _SECRET_HEADER.sub(rf"\1{REDACTED}", text)


def _install_log_redaction() -> None:
    """Every log record of this process is redacted when it is created, whichever logger or
    handler emits it (Voila, tornado's access log, jupyter_server, ours)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_redacting", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not format: leave it to the handler
            return record
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return record

    factory._redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


# ----------------------------------------------------------------------- CSP
def content_security_policy(nonce: str) -> str:
    """The policy of a view page. Scripts: the server's own files and the template's inline
    scripts (which carry ``nonce``); nothing inline from data, no ``eval``, nothing from another
    site. Styles inline are allowed (widgets set ``style`` attributes); images may be the
    charts' ``data:`` URLs; the widgets' websocket is same-origin (``'self'``)."""
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        )
    )


_SCRIPT_TAG = re.compile(rb"<script(?=[\s>])", re.I)


class NonceTransform(tornado.web.OutputTransform):
    """Gives every ``<script`` tag of an HTML response a per-response nonce and sends the
    matching policy. Data never forms a tag: Voila writes widget state and outputs as JSON with
    ``<`` escaped (``\\u003c``), and the views escape every value they put in HTML."""

    def __init__(self, request: tornado.httputil.HTTPServerRequest) -> None:
        self.nonce: str | None = None

    def transform_first_chunk(
        self, status_code: int, headers: tornado.httputil.HTTPHeaders, chunk: bytes, finishing: bool
    ) -> tuple[int, tornado.httputil.HTTPHeaders, bytes]:
        if headers.get("Content-Type", "").startswith("text/html"):
            nonce = secrets.token_urlsafe(18)
            headers["Content-Security-Policy"] = content_security_policy(nonce)
            if "Content-Length" not in headers:  # streamed (chunked): every chunk can be rewritten
                self.nonce = nonce
                chunk = self.transform_chunk(chunk, finishing)
            elif finishing:  # the whole body at once (an error page): rewrite it, fix its length
                self.nonce = nonce
                chunk = self.transform_chunk(chunk, finishing)
                headers["Content-Length"] = str(len(chunk))
            # else a file streamed with its length announced: its scripts get no nonce (none run)
        return status_code, headers, chunk

    def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
        if self.nonce is None or not chunk:
            return chunk
        return _SCRIPT_TAG.sub(b'<script nonce="' + self.nonce.encode() + b'"', chunk)


# ------------------------------------------------------------------ capacity
@dataclass
class Capacity:
    """Page kernels in total and per credential, and the requests admitted but not yet holding
    one (so a burst cannot overshoot)."""

    max_kernels: int = 40
    per_credential: int = 30
    retry_after: int = 15
    owners: dict[str, str] = field(default_factory=dict)  # kernel id -> credential
    pending: dict[str, int] = field(default_factory=dict)  # credential -> requests in flight

    def _count(self, credential: str | None = None) -> int:
        if credential is None:
            return len(self.owners) + sum(self.pending.values())
        return sum(1 for c in self.owners.values() if c == credential) + self.pending.get(credential, 0)

    def admit(self, credential: str) -> bool:
        if self._count() >= self.max_kernels or self._count(credential) >= self.per_credential:
            return False
        self.pending[credential] = self.pending.get(credential, 0) + 1
        return True

    def settle(self, credential: str, kernel_id: str | None) -> None:
        """The admitted request ``credential`` ended, holding ``kernel_id`` (or none)."""
        left = self.pending.get(credential, 1) - 1
        if left > 0:
            self.pending[credential] = left
        else:
            self.pending.pop(credential, None)
        if kernel_id:
            self.owners[kernel_id] = credential

    def release(self, kernel_id: str) -> None:
        self.owners.pop(kernel_id, None)


CAPACITY = Capacity()


def credential_of(handler: JupyterHandler) -> str:
    """A request's credential: the fingerprint of the token it presented (or of its login
    cookie) and the client address. Never the token itself."""
    secret = handler.get_argument("token", "") or handler.get_cookie(
        handler.identity_provider.get_cookie_name(handler), ""
    )
    digest = hashlib.sha256(secret.encode()).hexdigest()[:12]
    return f"{digest}@{handler.request.remote_ip}"


def busy_page(retry_after: int) -> str:
    """The bilingual page a request gets beyond capacity (it reloads itself after the wait)."""
    from sales_analytics.report.labels import label

    zh = html.escape(label("view_busy", "zh").format(seconds=retry_after))
    en = html.escape(label("view_busy", "en").format(seconds=retry_after))
    return (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{int(retry_after)}">'
        f"<title>{zh} / {en}</title></head>"
        f'<body style="font-family:sans-serif;margin:3em"><p>{zh}</p><p lang="en">{en}</p></body></html>'
    )


_KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')


def _page_handler_class() -> type[JupyterHandler]:
    from voila.tornado.handler import TornadoVoilaHandler

    class ViewsPageHandler(TornadoVoilaHandler):
        """Voila's page handler behind the capacity gate; it records which kernel the page got."""

        def should_use_rendered_notebook(
            self,
            notebook_data: dict[str, Any],
            pool_size: int,
            template_name: str,
            theme: str,
            args: dict[str, list[bytes]],
        ) -> bool:
            # a preheated page was drawn for the default month and language: a deep link to
            # another gets a page drawn for it (its query string reaches the kernel)
            from sales_analytics.views.links import fits_preheated

            return fits_preheated(args) and super().should_use_rendered_notebook(
                notebook_data, pool_size, template_name, theme, args
            )

        @tornado.web.authenticated
        async def get(self, path: str | None = None) -> None:
            credential = credential_of(self)
            _strip_token(self.request)  # after authentication, before Voila reads the URL
            person = None
            if _scoped():  # scoped access (sales_analytics.access.web): the person's scope or 403
                from sales_analytics.access.web import _forbidden, admit_page, person_of

                if not admit_page(self, _view_name(path)):
                    return _forbidden(self)
                person = person_of(self)
            capacity: Capacity = self.settings.get("views_capacity", CAPACITY)
            if not capacity.admit(credential):
                self.set_status(503)
                self.set_header("Retry-After", str(capacity.retry_after))
                self.set_header("Content-Type", "text/html; charset=UTF-8")
                self.set_header("Cache-Control", "no-store")
                log.warning("views at capacity: busy page for %s", path)
                self.finish(busy_page(capacity.retry_after))
                return
            kernel_id = None
            clients = _clients(self.kernel_manager)
            try:
                async for chunk in self.get_generator(path=path):
                    if kernel_id is None:
                        found = _KERNEL_ID.search(chunk)
                        kernel_id = found.group(1) if found else None
                        if kernel_id:
                            capacity.settle(credential, kernel_id)
                            if clients is not None:  # the request holds its kernel while written
                                clients.client_joined(kernel_id)
                            if person is not None:
                                from sales_analytics.access.web import KERNELS

                                KERNELS.claim(kernel_id, person.id)
                    if self._abandoned:  # the tab closed while its page was being written
                        if kernel_id is not None:  # (a kernel started first is named early on)
                            break
                        continue
                    self.write(chunk)
                    self.flush()
            finally:
                if kernel_id is None:
                    capacity.settle(credential, None)
                elif clients is not None:
                    # abandoned: the tab is gone; written: its scripts connect within the grace
                    grace = clients.close_grace if self._abandoned else clients.unconnected_grace
                    clients.client_left(kernel_id, grace)

        _abandoned = False

        def on_connection_close(self) -> None:
            self._abandoned = True
            super().on_connection_close()

    return ViewsPageHandler


def _clients(kernel_manager: Any) -> ViewsKernelManager | None:
    """The views' kernel manager (it counts each page kernel's clients), or None under another."""
    return kernel_manager if isinstance(kernel_manager, ViewsKernelManager) else None


def _scoped() -> bool:
    from sales_analytics.access.web import scoped_mode

    return scoped_mode()


def _view_name(path: str | None) -> str:
    name = (path or "").rsplit("/", 1)[-1]
    return name[: -len(".ipynb")] if name.endswith(".ipynb") else name


def _scoped_routes(routes: list[tuple[Any, ...]], logger: logging.Logger) -> list[tuple[Any, ...]]:
    """Scoped access: Voila's file tree and contents API are not routed, ``/`` is the person's
    home page, and every other route requires a signed-in person (403 otherwise)."""
    from voila.tornado.contentshandler import VoilaContentsHandler
    from voila.tornado.treehandler import TornadoVoilaTreeHandler

    from sales_analytics.access.web import guard

    out = []
    for route in routes:
        pattern, target = route[0], route[1]
        if target is VoilaContentsHandler:
            continue
        if target in (TornadoVoilaTreeHandler, HomeRedirectHandler):  # the person's own home page
            route = (pattern, HomeHandler)
        out.append((pattern, guard(route[1]), *route[2:]))
    for pattern, *_ in out:
        logger.info("route: %s", pattern)
    return out


class HomeHandler(JupyterHandler):
    """Scoped access: the person's home page (the views of their scope), or a rep's scorecard."""

    def get(self, path: str | None = None) -> None:
        from sales_analytics.access.web import home_page

        page = home_page(self)
        if page is None:
            self.redirect(self.base_url + "voila/render/rep_scorecard.ipynb")
            return
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(page)


# comm targets a page may open from the browser: ipywidgets' control and version comms (the
# page's widgets themselves are opened by its kernel)
_BROWSER_COMM_TARGETS = frozenset({"jupyter.widget.control", "jupyter.widget.version"})


def _own_comm(connection: ZMQChannelsWebsocketConnection, incoming_msg: str | bytes) -> bool:
    """Whether a message from the browser may reach the kernel: any comm message except a
    ``comm_open`` of another target than the widgets' control (logged when refused)."""
    try:
        from jupyter_server.services.kernels.connection import base as ws

        if getattr(connection, "subprotocol", None) == "v1.kernel.websocket.jupyter.org":
            _, parts = ws.deserialize_msg_from_ws_v1(incoming_msg)
            msg = {"header": json.loads(parts[0]), "content": json.loads(parts[3])}
        elif isinstance(incoming_msg, bytes):
            msg = ws.deserialize_binary_message(incoming_msg)
        else:
            msg = json.loads(incoming_msg)
        header, content = msg.get("header") or {}, msg.get("content") or {}
    except Exception:  # unreadable: it reaches nothing
        connection.log.warning("kernel %s: unreadable message from the browser refused", connection.kernel_id)
        return False
    if header.get("msg_type") == "comm_open" and content.get("target_name") not in _BROWSER_COMM_TARGETS:
        connection.log.warning(
            "kernel %s: comm_open of target %r from the browser refused",
            connection.kernel_id,
            str(content.get("target_name"))[:60],
        )
        return False
    return True


def _strip_token(request: tornado.httputil.HTTPServerRequest) -> None:
    """Remove the ``token`` parameter from ``request`` (its URI, query and arguments)."""
    if "token" not in request.query_arguments:
        return
    request.query_arguments.pop("token", None)
    request.arguments.pop("token", None)
    from urllib.parse import urlencode

    request.query = urlencode([(k, v.decode()) for k, vs in request.query_arguments.items() for v in vs])
    request.uri = request.path + (f"?{request.query}" if request.query else "")


# --------------------------------------------------------------- first screen
DRAW_WAIT_S = 20.0  # how long a request for a month not drawn yet waits before the retry page


class FirstScreen:
    """The first-screen route's state: the function choosing a request's snapshots, and one
    drawing at a time of a month whose snapshots are missing (a child process each)."""

    def __init__(self, source: Callable[[Any], SnapshotSource] | None = None) -> None:
        from sales_analytics.views.first_screen import snapshot_source

        self.source = source or snapshot_source
        self.drawing: dict[tuple[str, str], asyncio.Future] = {}
        self.lock = asyncio.Lock()

    async def draw(self, source: SnapshotSource, period: str) -> None:
        key = (str(source.outputs), period)
        if key not in self.drawing:

            async def run() -> None:
                try:
                    async with self.lock:  # one child process drawing at a time, whoever asks
                        await asyncio.get_running_loop().run_in_executor(None, source.draw, period)
                finally:
                    self.drawing.pop(key, None)

            self.drawing[key] = asyncio.ensure_future(run())
        await asyncio.wait_for(asyncio.shield(self.drawing[key]), DRAW_WAIT_S)


class FirstScreenHandler(JupyterHandler):
    """``/views/<page>``: a view's first screen, written from its snapshot. No kernel, no script
    (sales_analytics/views/first_screen.py); the month, language and choices are GET arguments,
    each checked against what the snapshot offers."""

    @tornado.web.authenticated
    async def get(self, page: str) -> None:
        from sales_analytics.report.labels import label
        from sales_analytics.views import PAGE_NAMES
        from sales_analytics.views import first_screen as fs

        started = time.perf_counter()
        _strip_token(self.request)
        state: FirstScreen = self.settings["views_first_screen"]
        source = state.source(self.current_user)
        periods = source.periods()
        default_period, default_language = fs.default_view(periods)
        language = self.get_argument("language", default_language)
        if page not in PAGE_NAMES or language not in fs.LANGUAGES:
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        if default_period is None:
            self.finish(fs.empty_page(language))
            return
        period = self.get_argument("period", default_period)
        if period not in periods:
            raise tornado.web.HTTPError(404)
        snapshot = source.load(period, page, language)
        if snapshot is None:
            try:
                await state.draw(source, period)
            except TimeoutError:
                pass
            snapshot = source.load(period, page, language)
        if snapshot is None:
            self.set_status(503)
            self.set_header("Retry-After", "10")
            self.finish(_retry_page(label("view_drawing", language).format(seconds=10), 10, language))
            return
        chosen = fs.choice_values({k: self.get_argument(k) for k in self.request.arguments})
        text = fs.first_screen_page(
            snapshot,
            page=page,
            period=period,
            language=language,
            periods=periods,
            chosen=chosen,
            base_url=self.base_url,
            live=fs.live_url(self.base_url, page, period, language, (default_period, default_language)),
        )
        self.set_header("Server-Timing", f"render;dur={(time.perf_counter() - started) * 1000:.1f}")
        self.finish(text)


def _retry_page(text: str, seconds: int, language: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="{html.escape(language)}"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{int(seconds)}"><title>{html.escape(text)}</title></head>'
        f'<body style="font-family:sans-serif;margin:3em"><p>{html.escape(text)}</p></body></html>'
    )


# -------------------------------------------------------------------- handlers
class HomeRedirectHandler(tornado.web.RequestHandler):
    """``/`` and ``/voila/tree…``: the views' home page (not Voila's list of files), with the
    request's query (month, language, a token) kept."""

    def get(self, *args: str) -> None:
        query = f"?{self.request.query}" if self.request.query else ""
        self.redirect(f"{self.settings.get('base_url', '/')}voila/render/home.ipynb{query}")


def fontawesome_dir() -> str:
    """Font Awesome's CSS and web fonts from the installed ``fontawesomefree`` package: the
    views' template links them here instead of a public CDN (no request leaves the machine)."""
    import fontawesomefree

    return str(Path(fontawesomefree.__file__).parent / "static" / "fontawesomefree")


class LogoutHandler(JupyterHandler):
    """``/logout``: clears the login cookie and says so (Voila has no logout template)."""

    @allow_unauthenticated
    def get(self) -> None:
        from sales_analytics.report.labels import label

        self.identity_provider.clear_login_cookie(self)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(
            '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
            f"<p>{html.escape(label('view_logged_out', 'zh'))}</p>"
            f"<p>{html.escape(label('view_logged_out', 'en'))}</p></body></html>"
        )


def _template_handler_class() -> type[tornado.web.StaticFileHandler]:
    from voila.static_file_handler import TemplateStaticFileHandler

    class ViewsTemplateStaticFileHandler(TemplateStaticFileHandler):
        """Voila's template assets; a path that is not ``<template>/static/<file>`` inside the
        template is a 404 instead of an AssertionError (500)."""

        def parse_url_path(self, path: str) -> str:
            parts = path.split("/")
            if len(parts) < 3 or parts[1] != "static" or not parts[0] or ".." in parts or "\\" in path:
                raise tornado.web.HTTPError(404)
            return super().parse_url_path(path)

        @classmethod
        def get_absolute_path(cls, root: str, path: str) -> str:
            try:
                return super().get_absolute_path(root, path)
            except (AssertionError, ValueError) as exc:
                raise tornado.web.HTTPError(404) from exc

        def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
            try:
                return super().validate_absolute_path(root, absolute_path)
            except AssertionError as exc:
                raise tornado.web.HTTPError(404) from exc
            except tornado.web.HTTPError as exc:
                raise tornado.web.HTTPError(404) from exc

    return ViewsTemplateStaticFileHandler


# ------------------------------------------------------------------ websocket
@dataclass
class CommRateLimit:
    """A token bucket per kernel: ``burst`` comm messages at once, refilled at ``rate`` a second."""

    rate: float = 20.0
    burst: int = 60
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # kernel -> (tokens, time)
    dropped: dict[str, int] = field(default_factory=dict)

    def allow(self, kernel_id: str, now: float) -> bool:
        tokens, last = self.buckets.get(kernel_id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        ok = tokens >= 1.0
        self.buckets[kernel_id] = (tokens - 1.0 if ok else tokens, now)
        if not ok:
            self.dropped[kernel_id] = self.dropped.get(kernel_id, 0) + 1
        return ok

    def forget(self, kernel_id: str) -> None:
        self.buckets.pop(kernel_id, None)
        self.dropped.pop(kernel_id, None)


COMM_LIMIT = CommRateLimit()


class ViewsWebsocketConnection(ZMQChannelsWebsocketConnection):
    """The kernel websocket: no traceback reaches the browser; comm messages are rate-limited
    per kernel (:data:`COMM_LIMIT`, shared by every connection to a kernel)."""

    def handle_incoming_message(self, incoming_msg: str | bytes) -> None:
        if self.channels and not _own_comm(self, incoming_msg):
            return
        if self.channels and not COMM_LIMIT.allow(self.kernel_id, time.monotonic()):
            dropped = COMM_LIMIT.dropped[self.kernel_id]
            if dropped == 1 or dropped % 1000 == 0:
                self.log.warning("kernel %s: over the comm rate limit, %d dropped", self.kernel_id, dropped)
            return
        # jupyter_server annotates the message as str, but a websocket message is str or bytes and
        # its own handler deserializes bytes (the v1 protocol, binary buffers)
        super().handle_incoming_message(incoming_msg)  # type: ignore[arg-type]

    def handle_outgoing_message(self, stream: str, outgoing_msg: list[Any]) -> None:
        try:
            _, fed = self.session.feed_identities(outgoing_msg)
            header = self.session.unpack(fed[1])
            msg_type = header.get("msg_type")
            if msg_type == "error":
                return
            if msg_type in ("stream", "execute_reply"):
                content = self.session.unpack(fed[4])
                if content.get("name") == "stderr" or content.get("status") == "error":
                    return
        except Exception:  # not a message we can read: it carries no traceback of ours either
            self.log.debug("unreadable outgoing message", exc_info=True)
        super().handle_outgoing_message(stream, outgoing_msg)


class PresenceHandler(WebSocketMixin, tornado.websocket.WebSocketHandler, JupyterHandler):
    """``/api/kernels/<kernel>/presence``: a websocket a view page opens with its first script
    (the views' template, ``static/presence.js``) and holds while the tab is open. Nothing is
    sent either way; its closing tells the kernel manager the tab left, also when the tab
    closes while still loading, before Voila's scripts connect the kernel websocket (and
    before they send their own close-tab request)."""

    kernel_id: str | None = None

    def set_default_headers(self) -> None:
        """None of JupyterHandler's page headers on a websocket upgrade."""

    @ws_authenticated
    async def get(self, kernel_id: str) -> None:
        if kernel_id not in self.kernel_manager:
            raise tornado.web.HTTPError(404)
        self.kernel_id = kernel_id
        await super().get(kernel_id)

    def open(self, *args: str, **kwargs: str) -> None:
        super().open()  # WebSocketMixin: the ping loop that notices a vanished client
        clients = _clients(self.kernel_manager)
        if clients is not None and self.kernel_id is not None:
            clients.client_joined(self.kernel_id)

    def on_message(self, message: str | bytes) -> None:
        """The page sends nothing; whatever comes is ignored."""

    def on_close(self) -> None:
        clients = _clients(self.kernel_manager)
        if clients is not None and self.kernel_id is not None:
            clients.client_left(self.kernel_id)


# ------------------------------------------------------- identity and kernels
class ViewsIdentityProvider(PasswordIdentityProvider):
    """Voila's default identity provider, plus the ``_xsrf`` cookie on every page it serves."""

    @default("logout_handler_class")
    def _logout_handler(self) -> type[LogoutHandler]:
        return LogoutHandler

    async def _get_user(self, handler: tornado.web.RequestHandler) -> User | None:
        user = await super()._get_user(handler)
        if user is not None and handler.request.method == "GET" and _is_page(handler):
            # the handler stores the user right after this returns; tornado's ``xsrf_token``
            # reads it (for the cookie's expiry), so store it first
            handler.current_user = user
            handler.xsrf_token  # noqa: B018 (reading the property sets the ``_xsrf`` cookie)
        return user


def _is_page(handler: tornado.web.RequestHandler) -> bool:
    from voila.handler import VoilaHandler

    return isinstance(handler, VoilaHandler)


class ViewsKernelManager(AsyncMappingKernelManager):
    """The kernel manager Voila wraps with its pools: a full idle timeout after hand-out, a short
    one for a kernel whose page never connected, the kernel of a closed tab shut down
    ``close_grace`` seconds after its last client left, and the capacity freed at shutdown.

    A page kernel's clients: the request writing its page, the page's presence socket
    (:class:`PresenceHandler`) and kernel websockets. When the last one leaves a timer starts;
    a client joining (Voila reconnecting a channel, the presence socket after a network blip)
    cancels it. Kernels waiting in a preheat pool have no clients and no timer."""

    unconnected_grace = Int(
        60, config=True, help="seconds a page's kernel may wait for its websocket before shutdown"
    )
    close_grace = Float(
        5.0,
        config=True,
        help="seconds a page's kernel outlives its tab (its last connection) unless one comes back",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._clock_restarted: dict[str, float] = {}  # kernel id -> monotonic time of hand-out
        self._ever_connected: set[str] = set()
        self._clients: dict[str, int] = {}  # kernel id -> page request, presence and kernel sockets
        self._close_timers: dict[str, asyncio.TimerHandle] = {}
        self._closing: set[str] = set()

    # ------------------------------------------------ the clients of a page kernel
    def client_joined(self, kernel_id: str) -> None:
        """A client of ``kernel_id`` came: its page request, presence socket or a websocket."""
        if kernel_id not in self._kernels or kernel_id in self._closing:
            return
        self._clients[kernel_id] = self._clients.get(kernel_id, 0) + 1
        timer = self._close_timers.pop(kernel_id, None)
        if timer is not None:
            timer.cancel()

    def client_left(self, kernel_id: str, grace: float | None = None) -> None:
        """A client of ``kernel_id`` left; the last one starts the kernel's shutdown timer
        (``grace`` seconds, ``close_grace`` unless given)."""
        if kernel_id not in self._clients:
            return
        self._clients[kernel_id] = max(0, self._clients[kernel_id] - 1)
        if self._clients[kernel_id] > 0:
            return
        seconds = self.close_grace if grace is None else grace
        previous = self._close_timers.pop(kernel_id, None)
        if previous is not None:
            previous.cancel()
        self._close_timers[kernel_id] = asyncio.get_running_loop().call_later(
            seconds, lambda: asyncio.ensure_future(self._close_if_alone(kernel_id, seconds))
        )

    async def _close_if_alone(self, kernel_id: str, waited: float) -> None:
        self._close_timers.pop(kernel_id, None)
        if self._clients.get(kernel_id, 0) > 0 or kernel_id not in self._kernels:
            return
        self.log.info(
            "Kernel %s: no page connected for %.0f s (its tab left); shutting it down", kernel_id, waited
        )
        try:
            await self.shutdown_kernel(kernel_id)
        except (KeyError, tornado.web.HTTPError):  # gone meanwhile (its page's own shutdown request)
            pass

    def notify_connect(self, kernel_id: str) -> None:
        super().notify_connect(kernel_id)
        self.client_joined(kernel_id)

    def notify_disconnect(self, kernel_id: str) -> None:
        super().notify_disconnect(kernel_id)
        self.client_left(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        # Voila's pool wrapper returns before reaching here for kernels still in a pool
        if kernel_id not in self._kernels:
            return
        if self._kernel_connections.get(kernel_id, 0) > 0:
            self._ever_connected.add(kernel_id)
        if kernel_id not in self._clock_restarted:
            self._clock_restarted[kernel_id] = time.monotonic()
            self._kernels[kernel_id].last_activity = datetime.now(UTC)
            return
        waited = time.monotonic() - self._clock_restarted[kernel_id]
        if kernel_id not in self._ever_connected and waited >= self.unconnected_grace:
            self.log.info("Kernel %s: its page never connected; shutting it down", kernel_id)
            await self.shutdown_kernel(kernel_id)
            return
        await super().cull_kernel_if_idle(kernel_id)

    # jupyter_client types MultiKernelManager.shutdown_kernel as its blocking wrapper; the async
    # manager this class extends replaces it with a coroutine function (this override's kind)
    async def shutdown_kernel(  # type: ignore[override]
        self, kernel_id: str, *args: Any, **kwargs: Any
    ) -> None:
        if kernel_id in self._closing or kernel_id not in self._kernels:
            return None  # shut down already, or being: a tab's close request after the timer's
        self._closing.add(kernel_id)
        timer = self._close_timers.pop(kernel_id, None)
        if timer is not None:
            timer.cancel()
        self._clients.pop(kernel_id, None)
        self._clock_restarted.pop(kernel_id, None)
        self._ever_connected.discard(kernel_id)
        CAPACITY.release(kernel_id)
        if _scoped():
            from sales_analytics.access.web import KERNELS

            KERNELS.release(kernel_id)
        COMM_LIMIT.forget(kernel_id)
        try:
            return await super().shutdown_kernel(kernel_id, *args, **kwargs)
        finally:
            self._closing.discard(kernel_id)


# ------------------------------------------------------------------------ app
def _app_class() -> type[Any]:
    from jupyter_server.utils import url_path_join
    from voila.app import Voila
    from voila.request_info_handler import RequestInfoSocketHandler

    class ViewsVoila(Voila):
        """Voila with the routes, transform, classes and limits described in the module doc."""

        max_kernels = Int(40, config=True, help="page kernels in total")
        max_kernels_per_credential = Int(30, config=True, help="page kernels per credential")
        retry_after = Int(15, config=True, help="seconds the busy page asks to wait")

        def init_handlers(self) -> list[tuple[Any, ...]]:
            handlers = super().init_handlers()
            page, templates = _page_handler_class(), _template_handler_class()
            from voila.static_file_handler import TemplateStaticFileHandler
            from voila.tornado.handler import TornadoVoilaHandler
            from voila.tornado.treehandler import TornadoVoilaTreeHandler

            kept = []
            for route in handlers:
                pattern, target = route[0], route[1]
                if target is RequestInfoSocketHandler:
                    continue  # not routed: 404 (see the module doc)
                if target is TornadoVoilaTreeHandler:  # the home page instead of a file list
                    route = (pattern, HomeRedirectHandler)
                if target is TornadoVoilaHandler:
                    route = (pattern, page, *route[2:])
                elif target is TemplateStaticFileHandler:
                    route = (pattern, templates, *route[2:])
                kept.append(route)
            # the presence socket of a page (before the kernels' routes, which it extends)
            kept.insert(
                0,
                (
                    url_path_join(
                        self.server_url, r"/api/kernels/(?P<kernel_id>\w+-\w+-\w+-\w+-\w+)/presence"
                    ),
                    PresenceHandler,
                ),
            )
            kept.append(  # fonts and icons served locally (views/jupyter template links them)
                (
                    url_path_join(self.server_url, r"/voila/fontawesome/(.*)"),
                    tornado.web.StaticFileHandler,
                    {"path": fontawesome_dir()},
                )
            )
            # before chunked encoding, which frames the chunks this rewrites
            self.app.transforms.insert(0, NonceTransform)
            CAPACITY.max_kernels = self.max_kernels
            CAPACITY.per_credential = self.max_kernels_per_credential
            CAPACITY.retry_after = self.retry_after
            self.app.settings["views_capacity"] = CAPACITY
            if _scoped():  # every route behind the person check (sales_analytics.access.web)
                # no first screen here: it is drawn from the whole bundle's snapshots, and a
                # person's scope has its own live pages (docs/views.md, "Roles")
                kept = _scoped_routes(kept, self.log)
            else:
                self.app.settings["views_first_screen"] = FirstScreen()
                for module in ("sales_analytics.views.app", "sales_analytics.views.first_screen"):
                    importlib.import_module(module)  # loaded now, not on the first request
                # the first screen of each view, served from its snapshot without a kernel
                kept.insert(0, (url_path_join(self.server_url, r"/views/([a-z_]+)"), FirstScreenHandler))
            return kept

    return ViewsVoila


def _no_request_info(cls: type, msg: object) -> None:
    """Voila would cache each page request's query string (with its token) for the unrouted
    ``/voila/query`` socket, forever; nothing is kept."""


def main(argv: list[str] | None = None) -> None:
    _install_log_redaction()
    from voila.request_info_handler import RequestInfoSocketHandler

    RequestInfoSocketHandler.send_updates = classmethod(_no_request_info)
    _app_class().launch_instance(argv)


def __getattr__(name: str) -> Any:
    if name == "ViewsVoila":
        return _app_class()
    raise AttributeError(name)


if __name__ == "__main__":
    # run the imported module's main, not this ``__main__`` copy: the classes Voila loads by name
    # from sales_analytics.voila_server must share its CAPACITY and COMM_LIMIT
    from sales_analytics.voila_server import main as _main

    _main(sys.argv[1:])
