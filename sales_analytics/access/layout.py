"""Where a bundle's scopes live, and which scope a view's kernel serves (no data library loaded:
the views' kernels import this)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs

__all__ = ["DIRECTOR_SCOPE", "INDEX", "MODE_ENV", "SCOPES_DIR", "kernel_scope", "scope_folder"]

SCOPES_DIR = "scopes"
INDEX = "index.json"
DIRECTOR_SCOPE = "all"  # the bundle's own tables/
MODE_ENV = "SALES_ANALYTICS_ACCESS_MODE"  # "scoped" in the server's and its kernels' environment


def scope_folder(bundle: str | Path, scope_id: str) -> Path:
    """Where a scope's ``tables/`` and ``manifest.json`` live in ``bundle`` (the director's are
    the bundle's own). ``scope_id`` comes from the server, never from the browser; anything but a
    plain folder name is refused all the same."""
    bundle = Path(bundle)
    if scope_id == DIRECTOR_SCOPE:
        return bundle
    if not scope_id or "/" in scope_id or "\\" in scope_id or scope_id.startswith("."):
        raise ValueError(f"not a scope: {scope_id!r}")
    return bundle / SCOPES_DIR / scope_id


def kernel_scope(environ: dict[str, str] | None = None) -> tuple[str, str, str] | None:
    """In a view's kernel: ``(scope, person, role)`` the server set, or ``None`` when serving
    without scopes. Scoped mode without them gives an empty scope (nothing is shown)."""
    env = os.environ if environ is None else environ
    if env.get(MODE_ENV) != "scoped":
        return None
    q = parse_qs(env.get("QUERY_STRING", ""))

    def one(key: str) -> str:
        return (q.get(key) or [""])[0]

    return one("sa_scope"), one("sa_person"), one("sa_role")
