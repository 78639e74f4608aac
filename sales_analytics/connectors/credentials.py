"""Credentials: environment variables first, then a YAML file outside the project.

The file (``credentials_file`` in ``parameters/sources.yaml``, ``$SALES_ANALYTICS_CREDENTIALS``
or ``~/.config/sales-analytics/credentials.yaml``) looks like::

    zoho:
      client_id: 1000.XXXX
      client_secret: ...
      refresh_token: 1000.xxxx.yyyy
    fxiaoke:
      app_id: FSAID_...
      app_secret: ...
      permanent_code: ...
      open_user_id: FSUID_...

A file inside the project folder is refused (it could be committed or bundled).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sales_analytics.config import load_yaml
from sales_analytics.connectors.common import CredentialError

__all__ = ["CREDENTIAL_ENV", "credentials_path", "load_credentials"]

#: source → credential key → environment variable.
CREDENTIAL_ENV: dict[str, dict[str, str]] = {
    "zoho": {
        "client_id": "ZOHO_CLIENT_ID",
        "client_secret": "ZOHO_CLIENT_SECRET",
        "refresh_token": "ZOHO_REFRESH_TOKEN",
    },
    "fxiaoke": {
        "app_id": "FXIAOKE_APP_ID",
        "app_secret": "FXIAOKE_APP_SECRET",
        "permanent_code": "FXIAOKE_PERMANENT_CODE",
        "open_user_id": "FXIAOKE_OPEN_USER_ID",
    },
}


def credentials_path(configured: str = "") -> Path:
    """The credentials file to read (it need not exist)."""
    if configured:
        return Path(configured).expanduser()
    env = os.environ.get("SALES_ANALYTICS_CREDENTIALS")
    if env:
        return Path(env).expanduser()
    return Path("~/.config/sales-analytics/credentials.yaml").expanduser()


def load_credentials(source: str, configured_file: str = "") -> dict[str, str]:
    """Every credential of ``source``; a missing one is a one-line :class:`CredentialError`.

    >>> sorted(CREDENTIAL_ENV["zoho"].values())
    ['ZOHO_CLIENT_ID', 'ZOHO_CLIENT_SECRET', 'ZOHO_REFRESH_TOKEN']
    """
    from sales_analytics import paths

    wanted = CREDENTIAL_ENV[source]
    found = {k: os.environ.get(env, "").strip() for k, env in wanted.items()}
    path = credentials_path(configured_file)
    if not all(found.values()) and path.is_file():
        resolved = path.resolve()
        root = paths.project_root().resolve()
        if resolved == root or root in resolved.parents:
            raise CredentialError(
                f"credentials file {path} is inside the project folder; move it outside "
                f"(e.g. ~/.config/sales-analytics/credentials.yaml) so it is never committed or bundled"
            )
        if os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise CredentialError(
                f"credentials file {path} is readable by other users; run: chmod 600 {path}"
            )
        section = load_yaml(path).get(source) or {}
        if not isinstance(section, dict):
            raise CredentialError(f"credentials file {path}: '{source}' must be a mapping of keys to values")
        for key in wanted:
            if not found[key] and section.get(key) not in (None, ""):
                found[key] = str(section[key]).strip()
    missing = [k for k, v in found.items() if not v]
    if missing:
        names = ", ".join(wanted[k] for k in missing)
        raise CredentialError(
            f"{source}: missing credential {', '.join(missing)}: set {names} "
            f"or add them under '{source}:' in {path} (docs/sources.md)"
        )
    return found
