"""Raw pull folders (immutable, replayable) and the merged current view the run reads.

Layout::

    <raw_dir>/<source>/<YYYY-MM-DDTHH-MM-SSZ>/   one pull: the platform's own pages and files
        _progress.json    while the pull runs (cursor, page token, files so far): resume point
        _pull.json        written last, only when every module finished: the pull manifest
    <current_dir>/zoho_<module>.csv, fxiaoke_<object>.json, _current_<source>.json

A pull folder without ``_pull.json`` is unfinished: the next pull resumes in it and nothing
reads it. The current view is rebuilt from scratch after every complete pull by replaying the
complete pulls since the newest full pull (upserts by id, then deletions), built
in a staging folder and swapped in file by file, so a failed pull never changes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sales_analytics.connectors.common import PullError

__all__ = ["MANIFEST", "PROGRESS", "RawPull", "complete_pulls", "replay_pulls", "write_current"]

MANIFEST = "_pull.json"
PROGRESS = "_progress.json"
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$")


def stamp(now: datetime | None = None) -> str:
    """A pull folder name in UTC.

    >>> stamp(datetime(2026, 12, 2, 6, 0, tzinfo=UTC))
    '2026-12-02T06-00-00Z'
    """
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _dump(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def pull_folders(source_dir: Path) -> list[Path]:
    """Pull folders of one source, oldest first."""
    if not source_dir.is_dir():
        return []
    return sorted(p for p in source_dir.iterdir() if p.is_dir() and _STAMP.match(p.name))


def complete_pulls(source_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every complete pull (folder, manifest), oldest first."""
    out = []
    for folder in pull_folders(source_dir):
        m = folder / MANIFEST
        if m.is_file():
            out.append((folder, json.loads(m.read_text(encoding="utf-8"))))
    return out


def unfinished_pull(source_dir: Path) -> Path | None:
    """The newest pull folder that has progress but no manifest (a pull to resume)."""
    folders = pull_folders(source_dir)
    if folders and not (folders[-1] / MANIFEST).is_file() and (folders[-1] / PROGRESS).is_file():
        return folders[-1]
    return None


@dataclass
class RawPull:
    """One pull folder being written: platform files, progress checkpoints, the final manifest."""

    folder: Path
    progress: dict[str, Any]

    @classmethod
    def open(cls, source_dir: Path, source: str, mode: str, now: datetime | None = None) -> RawPull:
        """Resume the unfinished pull of ``source`` or start a new folder."""
        prev = unfinished_pull(source_dir)
        if prev is not None:
            progress = json.loads((prev / PROGRESS).read_text(encoding="utf-8"))
            if progress.get("mode") == mode or mode == "incremental":
                progress["resumed"] = int(progress.get("resumed", 0)) + 1
                return cls(prev, progress)
            shutil.rmtree(prev)  # a --full pull replaces an unfinished incremental one
        when = now or datetime.now(UTC)
        taken = {p.name for p in pull_folders(source_dir)}
        while stamp(when) in taken or (taken and stamp(when) < max(taken)):
            when += timedelta(seconds=1)  # two pulls within a second: names stay unique and ordered
        folder = source_dir / stamp(when)
        folder.mkdir(parents=True, exist_ok=False)
        started = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        pull = cls(
            folder,
            {"source": source, "mode": mode, "started_at": started, "modules": {}, "files": {}, "resumed": 0},
        )
        pull.checkpoint()
        return pull

    @property
    def pull_id(self) -> str:
        return self.folder.name

    def module(self, name: str) -> dict[str, Any]:
        return self.progress["modules"].setdefault(name, {"phase": "start"})

    def save(self, relpath: str, data: bytes, records: int | None = None) -> None:
        """Write one platform file (immutable once the pull completes) and note its hash."""
        _atomic_write(self.folder / relpath, data)
        self.progress["files"][relpath] = {
            "sha256": sha256_bytes(data),
            "bytes": len(data),
            "records": records,
        }

    def has(self, relpath: str) -> bool:
        return relpath in self.progress["files"] and (self.folder / relpath).is_file()

    def checkpoint(self) -> None:
        _atomic_write(self.folder / PROGRESS, _dump(self.progress))

    def finish(self, extra: dict[str, Any]) -> dict[str, Any]:
        """Write ``_pull.json`` (status complete) and drop the progress file."""
        from sales_analytics import __version__

        manifest = {
            "pull_id": self.pull_id,
            "status": "complete",
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "package_version": __version__,
            **{k: v for k, v in self.progress.items() if k != "files"},
            "files": [{"path": k, **v} for k, v in sorted(self.progress["files"].items())],
            **extra,
        }
        _atomic_write(self.folder / MANIFEST, _dump(manifest))
        (self.folder / PROGRESS).unlink(missing_ok=True)
        return manifest


def verify_files(folder: Path, manifest: dict[str, Any]) -> Iterator[str]:
    """Files of a complete pull whose bytes no longer match the manifest (should be none)."""
    for f in manifest.get("files", []):
        p = folder / f["path"]
        if not p.is_file() or sha256_bytes(p.read_bytes()) != f["sha256"]:
            yield f["path"]


def replay_pulls(source_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    """The complete pulls the current view is built from: the newest full pull and every later one.

    Each is checked against its manifest first; a changed or missing raw file is an error
    (raw pulls are immutable), not something to merge silently.
    """
    pulls = complete_pulls(source_dir)
    start = max((i for i, (_, m) in enumerate(pulls) if m.get("mode") == "full"), default=0)
    chosen = pulls[start:]
    for folder, manifest in chosen:
        bad = list(verify_files(folder, manifest))
        if bad:
            raise PullError(
                f"raw pull {folder} was changed after it completed ({len(bad)} files differ from "
                f"_pull.json, first {bad[0]}); restore it, or run `sales-analytics pull --full`"
            )
    return chosen


def write_current(current_dir: Path, source: str, files: dict[str, bytes], state: dict[str, Any]) -> None:
    """Replace this source's files in the current view (``<source>_*``) with ``files``.

    Built in ``.staging-<source>/`` first; then stale files are removed and new ones moved in.
    Files of other sources and the user's own files in the folder are left alone.
    """
    current_dir.mkdir(parents=True, exist_ok=True)
    staging = current_dir / f".staging-{source}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    for name, data in files.items():
        (staging / name).write_bytes(data)
    (staging / f"_current_{source}.json").write_bytes(_dump(state))
    for old in current_dir.glob(f"{source}_*"):
        if old.name not in files:
            old.unlink()
    for p in sorted(staging.iterdir()):
        os.replace(p, current_dir / p.name)
    staging.rmdir()
