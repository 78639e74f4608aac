"""Scoped access to the manager views: people, roles, hashed credentials, scopes.

- :mod:`~sales_analytics.access.model` — ``parameters/access.yaml`` (people with a role:
  director, team_lead, rep, viewer; a trusted reverse proxy);
- :mod:`~sales_analytics.access.credentials` — tokens shown once, stored as scrypt hashes;
- :mod:`~sales_analytics.access.store` — reading and changing the file (``sales-analytics access``);
- :mod:`~sales_analytics.access.scopes` — which rows of which table each scope receives;
- :mod:`~sales_analytics.access.publish` — the scopes written into a bundle at publish time;
- :mod:`~sales_analytics.access.log` — the access log under ``outputs/``.

The views of a signed-in person read their scope's folder only; see docs/views.md, "Roles".
"""

from __future__ import annotations

import importlib

__all__ = [
    "AccessFile",
    "Person",
    "Scope",
    "load_access",
    "publish_scopes",
    "scope_of",
    "scope_tables",
    "write_scopes",
]

_LAZY = {
    "AccessFile": "sales_analytics.access.model",
    "Person": "sales_analytics.access.model",
    "Scope": "sales_analytics.access.scopes",
    "scope_of": "sales_analytics.access.scopes",
    "scope_tables": "sales_analytics.access.scopes",
    "load_access": "sales_analytics.access.store",
    "publish_scopes": "sales_analytics.access.publish",
    "write_scopes": "sales_analytics.access.publish",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
