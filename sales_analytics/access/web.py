"""The server side of scoped access: who is asking, what they may open, every decision logged.

``serve`` runs in *scoped mode* when ``parameters/access.yaml`` names people
(or ``--access FILE`` is given). Then, in :mod:`sales_analytics.voila_server`:

- :class:`ScopedIdentityProvider` signs a person in by their own credential
  (``?token=sa1.…`` or ``Authorization: token sa1.…``, checked against its
  scrypt hash once, then a signed cookie naming the person and the credential's
  key), or by the trusted reverse proxy's header when, and only when, the request
  comes from one of the proxy's addresses. The access file is re-read when it
  changes: a revoked or rotated credential, and every cookie it gave, stops
  working at the next request;
- every route is wrapped by :func:`guard`: no person, or a revoked one, is a
  403 on every route (pages, kernels, websockets, static files, login, logout);
  a kernel's routes (``/api/kernels/<id>``, its websocket, its shutdown) answer
  only the person whose page started it;
- a page (:func:`admit_page`) is served only when the person's scope has the
  view; the request reaches Voila with every browser parameter removed and the
  scope set by the server (``sa_scope``, ``sa_person``, ``sa_role``), which the
  page's kernel reads from its ``QUERY_STRING`` (no preheated kernel is shared
  between people: pages are not preheated in scoped mode);
- ``/`` is the person's home page (:func:`home_page`): the views their scope
  holds, a rep sent straight to their scorecard; Voila's file tree and contents
  API are not routed;
- every decision goes to the access log (:mod:`sales_analytics.access.log`).
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from sales_analytics.access import log as access_log
from sales_analytics.access.credentials import parse_token, verify_secret
from sales_analytics.access.layout import MODE_ENV, kernel_scope, scope_folder
from sales_analytics.access.model import AccessFile, Person
from sales_analytics.access.scopes import scope_of
from sales_analytics.views.links import NAV_PAGES

__all__ = [
    "MODE_ENV",
    "KernelOwners",
    "ScopedIdentityProvider",
    "access_state",
    "admit_page",
    "guard",
    "home_page",
    "kernel_scope",
    "scoped_mode",
]

log = logging.getLogger(__name__)

PAGE_ORDER = NAV_PAGES  # the six views, in the navigation bar's order
# the tables that make a view worth listing for a scope (any one of them)
PAGE_TABLES: dict[str, tuple[str, ...]] = {
    "overview": ("kpi_sales_monthly",),
    "leaderboard": ("incentive_leaderboard_rep", "incentive_leaderboard_team", "incentive_awards"),
    "rep_scorecard": ("kpi_scorecard",),
    "customers": ("customer_segments", "customer_churn_risk"),
    "voice": ("survey_scores", "survey_dimensions"),
    "training_rules": ("training_kirkpatrick", "rules_ledger_summary", "feedback_internal"),
}
_KERNEL_IN_PATH = re.compile(r"/(?:api/kernels|voila/api/shutdown)/([0-9a-f-]{36})")


def scoped_mode() -> bool:
    return os.environ.get(MODE_ENV) == "scoped"


# ---------------------------------------------------------------- the file
class AccessState:
    """The access file, re-read when it changes on disk, and the tokens already verified."""

    def __init__(self, path: Path, outputs: Path | None) -> None:
        self.path = path
        self.outputs = outputs
        self._stamp: tuple[int, int] | None = None
        self._access = AccessFile()
        self._verified: dict[str, str] = {}  # sha256(token) -> person id (this file's version only)
        self._lock = threading.Lock()

    def current(self) -> AccessFile:
        from sales_analytics.access.store import load_access

        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        with self._lock:
            if stamp != self._stamp:
                try:
                    self._access = load_access(self.path) if stamp else AccessFile()
                except Exception:  # a broken file refuses everybody until it is fixed
                    log.exception("access file %s cannot be read: nobody is let in", self.path)
                    self._access = AccessFile()
                self._stamp = stamp
                self._verified.clear()
            return self._access

    def by_token(self, text: str) -> Person | None:
        access = self.current()
        token = parse_token(text)
        if token is None:
            return None
        digest = hashlib.sha256(str(token).encode()).hexdigest()
        known = self._verified.get(digest)
        if known is not None:
            person = access.person(known)
            return person if person is not None and person.active and person.key == token.key else None
        person = access.by_key(token.key)
        if person is None or not person.active or not verify_secret(token.secret, person.hash or ""):
            return None
        self._verified[digest] = person.id
        return person


_STATE: AccessState | None = None


def access_state() -> AccessState:
    global _STATE
    if _STATE is None:
        from sales_analytics.access.store import access_path

        outputs = os.environ.get("SALES_ANALYTICS_OUTPUTS")
        _STATE = AccessState(access_path(), Path(outputs) if outputs else None)
    return _STATE


def _client(handler) -> str:
    return str(getattr(handler.request, "remote_ip", "") or "")


def _record(handler, person: Person | None, decision: str, what: str, reason: str = "", **extra) -> None:
    try:
        access_log.record(
            access_state().outputs,
            person=person.id if person else "-",
            role=person.role if person else "",
            scope=scope_of(person) if person else "",
            decision=decision,
            what=what,
            reason=reason,
            client=_client(handler),
            **extra,
        )
    except OSError:
        log.exception("access log not written")


# ------------------------------------------------------------- identity
def _from_proxy(handler, access: AccessFile) -> Person | None:
    proxy = access.proxy
    if proxy is None:
        return None
    name = handler.request.headers.get(proxy.header)
    if not name:
        return None
    if _client(handler) not in proxy.trusted:
        # the header from anywhere else proves nothing (anyone can send it)
        return None
    person = access.person(name.strip())
    return person if person is not None and person.active else None


def _identity_provider_base():
    from sales_analytics.voila_server import ViewsIdentityProvider

    return ViewsIdentityProvider


class ScopedIdentityProvider(_identity_provider_base()):  # type: ignore[misc]
    """Per-person credentials and the trusted proxy header (see the module doc); the rest of
    :class:`~sales_analytics.voila_server.ViewsIdentityProvider` (the ``_xsrf`` cookie) is kept."""

    @property
    def login_available(self) -> bool:
        return False  # no login form: an unauthenticated request is a 403, not a redirect

    @property
    def auth_enabled(self) -> bool:
        return True

    def _user(self, person: Person, via: str):
        from jupyter_server.auth.identity import User

        user = User(username=person.id, name=person.name or person.id)
        user.via = via  # type: ignore[attr-defined]
        user.key = person.key or ""  # type: ignore[attr-defined]
        return user

    def get_user_token(self, handler):
        state = access_state()
        access = state.current()
        person = _from_proxy(handler, access)
        if person is not None:
            return self._user(person, "proxy")
        text = handler.get_argument("token", "") if hasattr(handler, "get_argument") else ""
        auth = handler.request.headers.get("Authorization", "")
        if not text and auth[:6].lower() == "token ":
            text = auth[6:].strip()
        if not text:
            return None
        person = state.by_token(text)
        if person is None:
            token = parse_token(text)
            _record(handler, None, "deny", handler.request.path, "unknown or revoked credential"
                    + (f" (key {token.key})" if token else ""))  # fmt: skip
            return None
        return self._user(person, "token")

    def user_to_cookie(self, user) -> str:
        return json.dumps({"username": user.username, "key": getattr(user, "key", ""), "via": user.via})

    def get_user_cookie(self, handler):
        name = self.get_cookie_name(handler)
        raw = handler.get_secure_cookie(name)
        if not raw:
            return None
        try:
            doc = json.loads(raw)
        except ValueError:
            return None
        access = access_state().current()
        person = access.person(str(doc.get("username", "")))
        if person is None or not person.active:
            return None
        if doc.get("via") == "proxy":
            # a proxy sign-in holds only while the request comes through the proxy
            if access.proxy is None or _client(handler) not in access.proxy.trusted:
                return None
        elif not person.key or doc.get("key") != person.key:
            return None  # rotated: the cookie of the old credential no longer works
        return self._user(person, str(doc.get("via")))


def person_of(handler) -> Person | None:
    user = getattr(handler, "current_user", None)
    name = getattr(user, "username", None)
    if not name:
        return None
    person = access_state().current().person(name)
    return person if person is not None and person.active else None


# ---------------------------------------------------------------- kernels
@dataclass
class KernelOwners:
    """Which person's page started each kernel."""

    owners: dict[str, str]

    def claim(self, kernel_id: str, person_id: str) -> None:
        self.owners[kernel_id] = person_id

    def owner(self, kernel_id: str) -> str | None:
        return self.owners.get(kernel_id)

    def release(self, kernel_id: str) -> None:
        self.owners.pop(kernel_id, None)


KERNELS = KernelOwners({})


# ------------------------------------------------------------------- guard
async def _signed_in(handler, jupyter: bool) -> Person | None:
    """The active person a request comes from (a Jupyter handler through the identity provider,
    which also sets the login cookie; a plain static-file handler by token, proxy or cookie)."""
    provider = handler.settings.get("identity_provider")
    if provider is None:
        return None
    if jupyter:
        user = provider.get_user(handler)
        if hasattr(user, "__await__"):
            user = await user
    else:
        user = provider.get_user_token(handler) or provider.get_user_cookie(handler)
    handler.current_user = user
    if user is None:
        return None
    person = access_state().current().person(user.username)
    return person if person is not None and person.active else None


def _forbidden(handler) -> None:
    """A plain 403 (no error template, nothing about the server)."""
    handler.clear()
    handler.set_status(403)
    handler.set_header("Content-Type", "text/plain; charset=UTF-8")
    handler.set_header("Cache-Control", "no-store")
    handler.finish("403 Forbidden\n")


def guard(handler_class: type) -> type:
    """``handler_class`` that first requires a signed-in, active person (403 otherwise, logged)
    and, on a kernel's route, the person whose page started that kernel."""

    from jupyter_server.base.handlers import JupyterHandler

    jupyter = issubclass(handler_class, JupyterHandler)

    class Guarded(handler_class):
        async def prepare(self, *args, **kwargs):
            person = await _signed_in(self, jupyter)
            if person is None:
                _record(self, None, "deny", self.request.path, "not signed in")
                return _forbidden(self)
            found = _KERNEL_IN_PATH.search(self.request.path)
            if found and KERNELS.owner(found.group(1)) != person.id:
                _record(self, person, "deny", self.request.path, "another person's kernel")
                return _forbidden(self)
            parent = super().prepare(*args, **kwargs)
            if hasattr(parent, "__await__"):
                await parent
            return None

    Guarded.__name__ = Guarded.__qualname__ = f"Scoped{handler_class.__name__}"
    return Guarded


# ------------------------------------------------------------------ pages
def scope_pages(outputs: Path, scope: str) -> list[str]:
    """The views whose tables ``scope`` holds in the newest bundle that has it."""
    from sales_analytics.views.bundles import list_bundles

    for period in list_bundles(outputs):
        folder = scope_folder(outputs / period, scope) / "tables"
        if folder.is_dir():
            have = {p.stem for p in folder.glob("*.parquet")}
            return [p for p in PAGE_ORDER if have & set(PAGE_TABLES[p])]
    return []


def admit_page(handler, view: str) -> bool:
    """Whether the signed-in person may open ``view``; on yes the request is rewritten to carry
    their scope (and nothing from the browser) into the page's kernel."""
    person = person_of(handler)
    if person is None:
        _record(handler, None, "deny", f"view {view}", "not signed in")
        return False
    scope = scope_of(person)
    outputs = access_state().outputs
    if outputs is not None and view not in scope_pages(outputs, scope):
        _record(handler, person, "deny", f"view {view}", "not in the person's scope")
        return False
    request = handler.request
    request.query_arguments.clear()
    request.arguments.clear()
    request.query = urlencode({"sa_scope": scope, "sa_person": person.id, "sa_role": person.role})
    request.uri = f"{request.path}?{request.query}"
    _record(handler, person, "allow", f"view {view}")
    return True


def home_page(handler) -> str | None:
    """The person's home page (``None``: send a rep to their scorecard)."""
    from sales_analytics.report.labels import label

    person = person_of(handler)
    outputs = access_state().outputs
    pages = scope_pages(outputs, scope_of(person)) if outputs is not None and person else []
    if person is not None and person.role == "rep" and "rep_scorecard" in pages:
        return None
    items = "".join(
        f'<li><a href="voila/render/{p}.ipynb">{html.escape(label("view_" + p, "zh"))} · '
        f"{html.escape(label('view_' + p, 'en'))}</a></li>"
        for p in pages
    )
    who = html.escape(person.name or person.id) if person else ""
    empty = "" if pages else (
        f"<p>{html.escape(label('view_no_bundle', 'zh'))}</p><p>{html.escape(label('view_no_bundle', 'en'))}</p>"
    )  # fmt: skip
    return (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>Sales Team Workbook</title></head>'
        f'<body style="font-family:sans-serif;margin:2em"><p>{who}</p><ul>{items}</ul>{empty}'
        '<p><a href="logout">退出 · Sign out</a></p></body></html>'
    )
