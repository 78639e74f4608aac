"""Bundle folders: staging, the atomic swap into ``outputs/<period>/``, recovery, manifests.

Layout under the outputs folder::

    outputs/<period>/                       published bundle (manifest.json, inputs/, notebooks/,
                                            html/, tables/, parameters.yaml, report.xlsx)
    outputs/.staging/<period>-<run id>/     a bundle being built
    outputs/.old/<period>-<run id>/         the previous bundle, for the instant of the swap
    outputs/.failed/<period>-<run id>/      a failed run, kept with its executed notebooks
    outputs/.locks/<period>.lock            one run per period (see lock.py)

A published bundle is immutable, with one exception: ``notify.json``, the send
log that ``sales-analytics notify`` appends to (sales_analytics.notify.send).
Anything that checks a bundle's files against its manifest must skip it.

The swap renames the published bundle aside, renames the staging folder in and
then deletes the old one; each rename is atomic. A crash between the two
renames leaves ``.old/<period>-*`` and no bundle: :func:`recover` (run under
the period lock at the start of the next run) renames it back.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "BundleLayout",
    "library_versions",
    "list_runs",
    "read_manifest",
]

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MANIFEST_SCHEMA = 1
_PERIOD_DIR = re.compile(r"^\d{4}-\d{2}$")
KEY_LIBRARIES = (
    "pandas",
    "numpy",
    "pyarrow",
    "scipy",
    "scikit-learn",
    "matplotlib",
    "seaborn",
    "pandera",
    "pydantic",
    "papermill",
    "nbclient",
    "nbconvert",
    "ipykernel",
    "xlsxwriter",
)


def library_versions() -> dict[str, str]:
    """Python and the key libraries' installed versions (read from package metadata)."""
    import platform

    out = {"python": platform.python_version()}
    for name in KEY_LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass(frozen=True)
class BundleLayout:
    """Where the bundles, staging, failed runs and locks of one outputs folder are."""

    root: Path

    @property
    def staging_root(self) -> Path:
        return self.root / ".staging"

    @property
    def old_root(self) -> Path:
        return self.root / ".old"

    @property
    def failed_root(self) -> Path:
        return self.root / ".failed"

    @property
    def locks(self) -> Path:
        return self.root / ".locks"

    def bundle(self, period: str) -> Path:
        return self.root / str(period)

    def staging(self, period: str, run_id: str) -> Path:
        return self.staging_root / f"{period}-{run_id}"

    def failed(self, period: str, run_id: str) -> Path:
        return self.failed_root / f"{period}-{run_id}"

    @staticmethod
    def _of_period(folder: Path, period: str) -> list[Path]:
        # Periods are YYYY-MM, so "<period>-" cannot be the prefix of another period's folder.
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if p.is_dir() and p.name.startswith(f"{period}-"))

    def recover(self, period: str) -> list[str]:
        """Undo what a killed run of ``period`` left behind; call while holding the period lock.

        Returns what was done, one sentence per action (also logged).
        """
        actions: list[str] = []
        bundle = self.bundle(period)
        olds = self._of_period(self.old_root, period)
        if olds and not bundle.exists():
            # killed between "bundle → .old" and "staging → bundle": the old bundle is still good
            keep = max(olds, key=lambda p: p.stat().st_mtime)
            keep.rename(bundle)
            olds.remove(keep)
            actions.append(f"restored the bundle of {period} from {keep.name}")
        for old in olds:
            shutil.rmtree(old, ignore_errors=True)
            actions.append(f"removed the replaced bundle {old.name}")
        for staging in self._of_period(self.staging_root, period):
            shutil.rmtree(staging, ignore_errors=True)
            actions.append(f"removed the unfinished staging folder {staging.name}")
        for action in actions:
            log.warning("recovery: %s", action)
        return actions

    def publish(self, period: str, staging: Path, run_id: str) -> Path:
        """Swap a finished staging folder in as ``outputs/<period>/``; return the bundle path."""
        bundle = self.bundle(period)
        old = None
        if bundle.exists():
            old = self.old_root / f"{period}-{run_id}"
            old.parent.mkdir(parents=True, exist_ok=True)
            bundle.rename(old)
        staging.rename(bundle)
        _fsync_dir(self.root)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return bundle

    def keep_failed(self, period: str, staging: Path, run_id: str, keep: int) -> Path:
        """Move a failed staging folder to ``.failed/`` (without its input snapshot); prune old ones."""
        target = self.failed(period, run_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staging / "inputs", ignore_errors=True)
        staging.rename(target)
        failed = self._of_period(self.failed_root, period)
        for old in sorted(failed, key=lambda p: p.stat().st_mtime)[: max(0, len(failed) - max(keep, 1))]:
            if old != target:
                shutil.rmtree(old, ignore_errors=True)
        return target

    def periods(self) -> list[str]:
        """Periods that have a published bundle, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and _PERIOD_DIR.match(p.name))


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON with sorted keys through a temporary file (never half a file)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(
        json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    tmp.replace(path)


def read_manifest(bundle: str | Path) -> dict[str, Any] | None:
    """The manifest of a bundle folder, or None when it has none (or it is unreadable)."""
    path = Path(bundle) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def list_runs(outputs: str | Path | None = None) -> pd.DataFrame:
    """One row per published bundle: what ran, when, how long, on which inputs.

    Returns
    -------
    DataFrame
        ``period, status, language, partial, run_id, started, duration_s, notebooks, tables,
        inputs`` where ``language`` is the bundle's report language, ``partial`` the day an
        incomplete month is as of (empty when complete) and ``inputs`` is
        ``table:<first 8 hex of sha256>`` for every input, space-separated.

    >>> import tempfile
    >>> list_runs(tempfile.mkdtemp()).columns.tolist()
    ['period', 'status', 'language', 'partial', 'run_id', 'started', 'duration_s', 'notebooks', 'tables', 'inputs']
    """
    from sales_analytics import paths

    layout = BundleLayout(Path(outputs) if outputs else paths.outputs_dir())
    rows = []
    for period in layout.periods():
        m = read_manifest(layout.bundle(period)) or {}
        rows.append(
            {
                "period": period,
                "status": m.get("status", "no manifest"),
                "language": m.get("language", ""),
                "partial": m.get("as_of") or "",
                "run_id": m.get("run_id", ""),
                "started": m.get("started", ""),
                "duration_s": m.get("duration_s"),
                "notebooks": len(m.get("notebooks", [])),
                "tables": len(m.get("tables", [])),
                "inputs": " ".join(f"{i['table']}:{i['sha256'][:8]}" for i in m.get("inputs", [])),
            }
        )
    columns = [
        "period",
        "status",
        "language",
        "partial",
        "run_id",
        "started",
        "duration_s",
        "notebooks",
        "tables",
        "inputs",
    ]
    return pd.DataFrame(rows, columns=columns).astype(
        {"duration_s": "float64", "notebooks": "int64", "tables": "int64"}
    )
