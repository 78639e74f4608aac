"""Read-only access to published bundles (``outputs/<period>/``) for the views.

Views never read raw data and never recompute: they list the bundles a run
published, read their manifest and their result tables, and nothing else.
A period coming from the browser is accepted only when it names a published
bundle, so no request can make a view open another path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sales_analytics import paths
from sales_analytics.errors import SalesAnalyticsError
from sales_analytics.privacy import without_contact_columns
from sales_analytics.vocabulary import DEFAULT_LANGUAGE, RUN_OK

if TYPE_CHECKING:  # a viewer's kernel lists bundles without loading pandas
    import pandas as pd

__all__ = ["Bundle", "BundleNotFound", "list_bundles", "open_bundle"]

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class BundleNotFound(SalesAnalyticsError):
    """No published bundle for the requested period."""


@dataclass
class Bundle:
    """One published bundle: its manifest and its result tables (read lazily, cached)."""

    period: str
    path: Path
    manifest: dict[str, Any]
    _cache: dict[str, pd.DataFrame | None] = field(default_factory=dict, repr=False)

    @property
    def tables(self) -> list[str]:
        return sorted(p.stem for p in (self.path / "tables").glob("*.parquet"))

    def has(self, name: str) -> bool:
        return (self.path / "tables" / f"{name}.parquet").is_file()

    def table(self, name: str) -> pd.DataFrame | None:
        """A result table without contact columns, or None when the bundle lacks it."""
        if name not in self._cache:
            path = self.path / "tables" / f"{name}.parquet"
            if not path.is_file():
                self._cache[name] = None
            else:
                import pandas as pd

                frame = pd.read_parquet(path)
                self._cache[name] = without_contact_columns(frame)
        cached = self._cache[name]
        return None if cached is None else cached.copy()

    @property
    def created(self) -> str:
        return str(
            self.manifest.get("ended")
            or self.manifest.get("finished_at")
            or self.manifest.get("started")
            or ""
        )

    @property
    def language(self) -> str:
        params = self.manifest.get("parameters") or {}
        return params.get("language", DEFAULT_LANGUAGE) if isinstance(params, dict) else DEFAULT_LANGUAGE


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def list_bundles(outputs: str | Path | None = None, *, scope: str | None = None) -> list[str]:
    """Periods with a published bundle, newest first (with ``scope``: those that hold that
    scope, sales_analytics.access)."""
    root = Path(outputs) if outputs else paths.outputs_dir()
    if not root.is_dir():
        return []
    found = []
    for folder in root.iterdir():
        if folder.is_dir() and _PERIOD.match(folder.name) and (folder / "manifest.json").is_file():
            manifest = _read_manifest(folder)
            if manifest is not None and manifest.get("status", RUN_OK) == RUN_OK:
                if scope is None or _scope_dir(folder, scope) is not None:
                    found.append(folder.name)
    return sorted(found, reverse=True)


def _scope_dir(bundle: Path, scope: str) -> Path | None:
    """The folder of ``scope`` in ``bundle`` when it was published there."""
    from sales_analytics.access.layout import scope_folder

    try:
        folder = scope_folder(bundle, scope)
    except ValueError:
        return None
    return folder if (folder / "manifest.json").is_file() and (folder / "tables").is_dir() else None


def open_bundle(period: str, outputs: str | Path | None = None, *, scope: str | None = None) -> Bundle:
    """The published bundle of ``period``; BundleNotFound when there is none. With ``scope``
    (sales_analytics.access) the bundle is that scope's folder: its tables are the only ones
    that exist for the caller."""
    if not isinstance(period, str) or not _PERIOD.match(period):
        raise BundleNotFound(f"{period!r} is not a period of the form YYYY-MM")
    root = Path(outputs) if outputs else paths.outputs_dir()
    if period not in list_bundles(root):
        from sales_analytics.run.hint import publish_hint

        raise BundleNotFound(f"no bundle has been published for {period}; {publish_hint(period, root)}")
    folder = root / period
    if scope is not None:
        scoped = _scope_dir(folder, scope)
        if scoped is None:
            raise BundleNotFound(f"the bundle of {period} holds no scope {scope!r}")
        folder = scoped
    return Bundle(period=period, path=folder, manifest=_read_manifest(folder) or {})
