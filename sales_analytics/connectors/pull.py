"""``pull``: one pull per enabled source, then the current view rebuilt from complete pulls."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from filelock import FileLock, Timeout

from sales_analytics.connectors import fxiaoke, zoho
from sales_analytics.connectors.common import HttpClient, PullError, Redactor, Retry
from sales_analytics.connectors.config import ORDER_SOURCES, SourcesConfig, load_sources
from sales_analytics.connectors.credentials import load_credentials
from sales_analytics.connectors.store import RawPull, complete_pulls, unfinished_pull, write_current

__all__ = ["SOURCES", "PullResult", "cursors_of", "plan", "pull", "rebuild_current"]

log = logging.getLogger(__name__)

SOURCES = ("zoho", "fxiaoke")
_CONNECTORS: dict[str, Any] = {"zoho": zoho.ZohoPull, "fxiaoke": fxiaoke.FxiaokePull}
_REPLAY: dict[str, Callable[[Path], tuple[dict[str, bytes], dict[str, Any]]]] = {
    "zoho": zoho.replay_current,
    "fxiaoke": fxiaoke.replay_current,
}


@dataclass
class PullResult:
    """What one source's pull did (``folder`` None for a dry run)."""

    source: str
    mode: str
    folder: Path | None
    records: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    resumed: bool = False
    current_files: dict[str, int] = field(default_factory=dict)


def cursors_of(source_dir: Path) -> dict[str, dict[str, Any]]:
    """module → {modified, deleted}: the sync cursors of the newest complete pulls."""
    out: dict[str, dict[str, Any]] = {}
    for _, manifest in complete_pulls(source_dir):
        for module, st in manifest.get("modules", {}).items():
            cur = out.setdefault(module, {})
            for key in ("modified", "deleted"):
                value = st.get(f"cursor_{key}")
                if value is not None:
                    cur[key] = value
    return out


def _enabled(cfg: SourcesConfig, source: str | None) -> list[str]:
    if source is not None:
        if source not in SOURCES:
            raise PullError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
        if not getattr(cfg.sources, source).enabled:
            raise PullError(
                f"{cfg.file or 'parameters/sources.yaml'}, key 'sources.{source}.enabled' is false; "
                f"set it to true to pull from {source}"
            )
        return [source]
    chosen = [s for s in SOURCES if getattr(cfg.sources, s).enabled]
    if not chosen:
        raise PullError(
            f"no source is enabled in {cfg.file or 'parameters/sources.yaml'}; "
            f"set sources.zoho.enabled or sources.fxiaoke.enabled to true"
        )
    return chosen


def plan(cfg: SourcesConfig, source: str, full: bool) -> dict[str, Any]:
    """What a pull of ``source`` would do (no network): mode, modules, cursors, target folder."""
    source_dir = cfg.raw_path / source
    cursors = cursors_of(source_dir)
    src = getattr(cfg.sources, source)
    modules = list(src.modules) if source == "zoho" else list(src.objects)
    if source == "zoho" and src.users:
        modules.append("Users")  # always pulled in full (small)
    unfinished = unfinished_pull(source_dir)
    return {
        "source": source,
        "mode": "full" if full or not cursors else "incremental",
        "modules": {m: (cursors.get(m) or {}).get("modified") for m in modules},
        "resume": str(unfinished) if unfinished else "",
        "raw_dir": str(source_dir),
        "current_dir": str(cfg.current_path_of(source)),
    }


def rebuild_current(cfg: SourcesConfig, source: str) -> dict[str, int]:
    """Rebuild ``source``'s files in the current view from its complete pulls."""
    files, replayed = _REPLAY[source](cfg.raw_path / source)
    state = {"source": source, **replayed, "built_at": datetime.now(UTC).isoformat(timespec="seconds")}
    write_current(cfg.current_path_of(source), source, files, state)
    return dict(state["rows"])


def pull(
    source: str | None = None,
    *,
    full: bool = False,
    dry_run: bool = False,
    config: SourcesConfig | str | Path | None = None,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: datetime | None = None,
) -> list[PullResult]:
    """Pull every enabled source (or ``source``) into a new raw folder and rebuild the current view.

    ``full`` ignores the saved cursors; ``dry_run`` checks configuration and credentials and
    returns the plan without calling the platform. A failure raises :class:`PullError` (one
    line) and leaves the current view untouched; the next call resumes the unfinished pull.
    """
    cfg = config if isinstance(config, SourcesConfig) else load_sources(config)
    results = []
    for name in _enabled(cfg, source):
        src = getattr(cfg.sources, name)
        chosen = [m for m in ORDER_SOURCES[name] if m in (src.modules if name == "zoho" else src.objects)]
        if len(chosen) > 1:
            log.warning(
                "%s: %s all feed the orders table; a sale recorded in both counts twice in revenue "
                "(keep one in parameters/sources.yaml, docs/sources.md)",
                name,
                " and ".join(chosen),
            )
        creds = load_credentials(name, cfg.credentials_file)
        p = plan(cfg, name, full)
        if dry_run:
            results.append(PullResult(name, p["mode"], None))
            continue
        results.append(_pull_one(cfg, name, creds, p["mode"] == "full", transport, sleep, now))
    return results


def _pull_one(
    cfg: SourcesConfig,
    name: str,
    creds: dict[str, str],
    full: bool,
    transport: httpx.BaseTransport | None,
    sleep: Callable[[float], None],
    now: datetime | None,
) -> PullResult:
    source_dir = cfg.raw_path / name
    source_dir.mkdir(parents=True, exist_ok=True)
    redactor = Redactor()
    redactor.add(*creds.values())
    undo = redactor.install()
    lock = FileLock(str(source_dir / ".lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        undo()
        raise PullError(f"{name}: another pull is running ({source_dir / '.lock'})") from None
    h = cfg.http
    http = HttpClient(
        name,
        Retry(h.max_retries, h.backoff_base_s, h.backoff_max_s, sleep),
        h.timeout_s,
        h.max_requests,
        transport,
    )
    try:
        raw = RawPull.open(source_dir, name, "full" if full else "incremental", now)
        full = raw.progress["mode"] == "full"  # a resumed full pull stays full
        cursors = {} if full else cursors_of(source_dir)
        connector = _CONNECTORS[name](cfg, creds, http, redactor)
        try:
            stats = connector.run(raw, cursors, full)
        except PullError as exc:
            raw.checkpoint()
            # scrubbed too: a platform's own error text is quoted and must not echo a secret
            raise type(exc)(
                redactor.scrub(f"{exc} (pull {raw.pull_id} kept unfinished; the current data is unchanged)")
            ) from None
        modules = raw.progress["modules"]
        for st in modules.values():
            st.pop("ids", None)  # resume bookkeeping, not part of the manifest
        manifest = raw.finish({"requests": stats["requests"], "retries": stats["retries"]})
        log.info("%s: pull %s complete (%d requests)", name, raw.pull_id, stats["requests"])
        current = rebuild_current(cfg, name)
        return PullResult(
            name,
            manifest["mode"],
            raw.folder,
            {m: int(s.get("records", 0)) for m, s in modules.items()},
            {m: int(s.get("deleted", 0)) for m, s in modules.items()},
            stats["requests"],
            bool(manifest.get("resumed")),
            current,
        )
    finally:
        http.close()
        lock.release()
        undo()
