"""Views rendered ahead of the request: one JSON snapshot per bundle, page and language.

A page's content is computed from its bundle alone, and a bundle never changes
once published; so the charts, cards and tables are drawn once — by `serve`
when it starts, or on the first request for a bundle published since — and
each viewer's kernel only reads the snapshot and shows it
(:class:`sales_analytics.views.app.ViewApp`). That kernel loads ipywidgets and
the labels, not pandas, pyarrow or matplotlib: about a quarter of the memory
and a tenth of the CPU of a kernel that draws (docs/views.md, "Capacity").

A snapshot is a tree of nodes::

    {"html": "<div>…</div>"}                          escaped HTML, as the page built it
    {"box": [node, …]}                                 a column of nodes
    {"choice": "toggle" | "dropdown", "description": str,
     "options": [[label, value], …], "value": value,
     "bodies": {value: [node, …]}}                     a picker and the body of each choice

Snapshots live in ``<outputs>/.view-cache/<period>/<key>/<page>.<language>.json``;
``key`` hashes the bundle's manifest and the code and configuration that draw
the views, so a re-published bundle or a new release is drawn afresh. Folders
are created owner/group-only (0750), files owner-only (0600), like the bundle.

    python -m sales_analytics.views.snapshot --outputs outputs [--period 2026-10]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sales_analytics import paths
from sales_analytics.vocabulary import LANGUAGES

if TYPE_CHECKING:  # ipywidgets is imported only where a snapshot is drawn (freeze)
    from ipywidgets import Widget

__all__ = ["CACHE_DIR", "freeze", "load_snapshot", "prerender", "render_snapshot", "snapshot_path"]

log = logging.getLogger(__name__)

CACHE_DIR = ".view-cache"
_FORMAT = "1"  # the node format above


def _root(outputs: str | Path | None) -> Path:
    return Path(outputs) if outputs else paths.outputs_dir()


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """The views' code, labels, chart theme and survey instruments (their names appear)."""
    package = Path(__file__).resolve().parents[1]
    files = sorted(
        [
            *(package / "views").glob("*.py"),
            *(package / "report").glob("*.py"),
            *(package / "report" / "labels").glob("*.yaml"),
            *paths.surveys_dir().glob("*.yaml"),
        ]
    )
    h = hashlib.sha256(_FORMAT.encode())
    for f in files:
        with contextlib.suppress(OSError):
            h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def snapshot_path(
    outputs: str | Path | None, period: str, page: str, language: str, scope: str | None = None
) -> Path:
    """Where the snapshot of ``page`` in ``language`` for the published ``period`` lives (with
    ``scope``, one drawn from that scope's tables only: sales_analytics.access)."""
    from sales_analytics.access.layout import DIRECTOR_SCOPE, scope_folder

    root = _root(outputs)
    manifest = (root / period / "manifest.json").read_bytes()
    key = hashlib.sha256(manifest + _code_fingerprint().encode()).hexdigest()[:16]
    folder = root / CACHE_DIR / period / key
    if scope is not None and scope != DIRECTOR_SCOPE:
        folder = folder / scope_folder("", scope).name  # a plain folder name, or ValueError
    return folder / f"{page}.{language}.json"


def load_snapshot(
    outputs: str | Path | None, period: str, page: str, language: str, scope: str | None = None
) -> dict | None:
    try:
        path = snapshot_path(outputs, period, page, language, scope)
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --------------------------------------------------------------------- render
def freeze(children: Iterable[Widget]) -> list[dict[str, Any]]:
    """The widgets a page built, as nodes. A picker (Dropdown, ToggleButtons) followed by the
    box its callback fills becomes a ``choice`` holding the body of every option."""
    import ipywidgets as w

    out: list[dict[str, Any]] = []
    children = list(children)
    i = 0
    while i < len(children):
        c = children[i]
        if isinstance(c, w.Dropdown | w.ToggleButtons):
            body = children[i + 1] if i + 1 < len(children) else None
            if not isinstance(body, w.Box):
                raise TypeError(f"a {type(c).__name__} must be followed by the box it fills")
            start = c.value
            options = [
                [str(lab), str(val)] for lab, val in zip(c._options_labels, c._options_values, strict=True)
            ]
            bodies = {}
            for _, value in options:
                c.value = value
                bodies[value] = freeze(body.children)
            c.value = start
            kind = "dropdown" if isinstance(c, w.Dropdown) else "toggle"
            out.append(
                {
                    "choice": kind,
                    "description": c.description,
                    "options": options,
                    "value": str(start),
                    "bodies": bodies,
                }
            )
            i += 2
            continue
        if isinstance(c, w.HTML):
            out.append({"html": c.value})
        elif isinstance(c, w.Box):
            out.append({"box": freeze(c.children)})
        else:
            raise TypeError(f"the views have no snapshot form for {type(c).__name__}")
        i += 1
    return out


def render_snapshot(
    page: str, period: str, language: str, outputs: str | Path | None = None, scope: str | None = None
) -> dict:
    """Draw ``page`` for the bundle of ``period`` (a failure inside becomes a short note, logged
    here; the snapshot then says ``failed`` and is not kept)."""
    from sales_analytics.report.labels import label
    from sales_analytics.views.app import note
    from sales_analytics.views.bundles import open_bundle
    from sales_analytics.views.pages import PAGES

    title_key, render = PAGES[page]
    bundle = open_bundle(period, outputs, scope=scope)
    failed = False
    try:
        widgets = render(bundle, language)
        as_of = bundle.manifest.get("as_of")
        if as_of:  # an incomplete month: every page says how far its figures go
            widgets = [note(label("run_partial_as_of", language).format(date=str(as_of))), *widgets]
        body = freeze(widgets)
    except Exception:  # a broken section must not show a traceback to the browser
        log.exception("view %s failed for %s", page, period)
        body = freeze([note(label("view_section_failed", language))])
        failed = True
    return {
        "page": page,
        "period": period,
        "language": language,
        "title": label(title_key, language),
        "published": bundle.created[:19].replace("T", " "),
        "body": body,
        "failed": failed,
    }


def _write(path: Path, snapshot: dict) -> None:
    path.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")  # created 0600
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(snapshot, fh, ensure_ascii=False)
    os.replace(tmp, path)


def prerender(
    outputs: str | Path | None,
    periods: list[str] | None = None,
    scopes: list[str] | None = None,
    pages: list[str] | None = None,
) -> int:
    """Draw every page in both languages for ``periods`` (default: every published bundle)
    where no current snapshot exists; older snapshots of those bundles are removed. Returns the
    number drawn. Holds a lock per period, so two processes never draw the same bundle.
    ``scopes`` (sales_analytics.access): draw those scopes of each bundle that holds them
    (default: the whole bundle only); ``pages``: only those pages (default: every page)."""
    import fcntl

    from sales_analytics.views.bundles import BundleNotFound, list_bundles
    from sales_analytics.views.pages import PAGES

    root = _root(outputs)
    logging.getLogger("matplotlib").setLevel(logging.WARNING)  # one INFO line per categorical axis
    drawn = 0
    for period in periods if periods is not None else list_bundles(root):
        cache = root / CACHE_DIR / period
        cache.mkdir(mode=0o750, parents=True, exist_ok=True)
        with open(cache / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            current = snapshot_path(root, period, "-", "-").parent
            for scope in scopes or (None,):
                for page in [p for p in PAGES if pages is None or p in pages]:
                    for language in LANGUAGES:
                        path = snapshot_path(root, period, page, language, scope)
                        if path.is_file():
                            continue
                        try:
                            snapshot = render_snapshot(page, period, language, root, scope)
                        except BundleNotFound:  # a bundle without that scope
                            break
                        if not snapshot["failed"]:
                            _write(path, snapshot)
                            drawn += 1
            for old in cache.iterdir():
                if old.is_dir() and old != current:
                    shutil.rmtree(old, ignore_errors=True)
    return drawn


def prerender_in_subprocess(
    outputs: str | Path | None, period: str, scope: str | None = None, page: str | None = None
) -> None:
    """:func:`prerender` one bundle (one scope of it, one page of it: a person's first request
    waits for their page only) in a child process: a viewer's kernel stays small."""
    cmd = [sys.executable, "-m", "sales_analytics.views.snapshot", "--period", period]
    if scope is not None:
        cmd += ["--scope", scope]
    if page is not None:
        cmd += ["--page", page]
    if outputs:
        cmd += ["--outputs", str(outputs)]
    env = dict(os.environ, MPLBACKEND="Agg")
    subprocess.run(cmd, env=env, check=False, timeout=600, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Draw the manager views of published bundles ahead of time.")
    ap.add_argument("--outputs", default="")
    ap.add_argument("--period", action="append", default=None)
    ap.add_argument(
        "--scope", action="append", default=None, help="a scope of the bundle (sales_analytics.access)"
    )
    ap.add_argument("--page", action="append", default=None, help="only these pages")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    prerender(args.outputs or None, args.period, args.scope, args.page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
