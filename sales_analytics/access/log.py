"""The access log: who opened which view of which month, and every refusal.

One JSON object per line in ``<outputs>/.access/access.log`` (folder 0700, file
0600): ``at`` (UTC), ``person`` (the access file's id, or ``-`` for an unknown
credential), ``role``, ``scope``, ``decision`` (``allow`` | ``deny``),
``what`` (the route or view), ``period``, ``reason`` and ``client`` (address).
No token, cookie or secret is ever written: an unknown credential is logged by
its public key id at most. ``sales-analytics access log`` prints it for a
director. The server and the views' kernels append to it (``O_APPEND``, one
``write`` per line, so lines from several processes do not interleave).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sales_analytics import paths

__all__ = ["LOG_NAME", "log_path", "read_log", "record"]

LOG_NAME = "access.log"
_FIELDS = ("at", "person", "role", "scope", "decision", "what", "period", "reason", "client")


def log_path(outputs: str | Path | None = None) -> Path:
    root = Path(outputs) if outputs else paths.outputs_dir()
    return root / ".access" / LOG_NAME


def _clean(value: Any) -> str:
    text = "" if value is None else str(value)
    return text[:200]


def record(
    outputs: str | Path | None,
    *,
    person: str,
    decision: str,
    what: str,
    role: str = "",
    scope: str = "",
    period: str = "",
    reason: str = "",
    client: str = "",
) -> None:
    """Append one decision to the log (a failure to write is not raised: the request goes on,
    and the server's own log says why)."""
    entry = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "person": person,
        "role": role,
        "scope": scope,
        "decision": decision,
        "what": what,
        "period": period,
        "reason": reason,
        "client": client,
    }
    line = json.dumps({k: _clean(entry[k]) for k in _FIELDS}, ensure_ascii=False) + "\n"
    path = log_path(outputs)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def read_log(outputs: str | Path | None = None) -> list[dict[str, str]]:
    """Every entry of the log, oldest first (a line that is not an entry is skipped)."""
    path = log_path(outputs)
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            out.append({k: str(entry.get(k, "")) for k in _FIELDS})
    return out
