"""A view's first screen as a plain HTML page, written by the server from the view's snapshot.

A manager who opens a view gets this page at once: no kernel is started and no
JavaScript is sent. Everything in it comes from the JSON snapshot drawn at
publish time (:mod:`sales_analytics.views.snapshot`): the title, the cards, the
charts (PNG ``data:`` images) and the tables. The month, the language and each
of the page's choices (a rep, a board) are links and GET forms back to this
page, so reading every pre-drawn screen needs no kernel either; the Voila view
with its widgets (one small kernel) is one link away ("live view").

Which snapshots a request may read is decided by one function,
:func:`snapshot_source` (request identity → :class:`SnapshotSource`); the server
calls it for every request, so scoped access can hand each person the folder
of their scope.

Every value from a snapshot that is text (titles, option labels, the
publication time) is escaped here; the ``html`` nodes were escaped by the views
when they were drawn, and any ``<script`` left in them is defused as in the
live view. The page holds no script element at all.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sales_analytics import paths
from sales_analytics.report.labels import label
from sales_analytics.views import PAGE_NAMES
from sales_analytics.views.bundles import list_bundles
from sales_analytics.views.links import default_language, default_period
from sales_analytics.vocabulary import LANGUAGE_NAMES, LANGUAGES

__all__ = [
    "LANGUAGES",
    "SnapshotSource",
    "choice_values",
    "default_view",
    "empty_page",
    "first_screen_page",
    "live_url",
    "snapshot_source",
]

CHOICE_ARG = "c"  # choice i of a page travels as c<i>=<value>

_PAGE_CSS = """
<style>
body.sa-first {font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Noto Sans CJK SC",
  "Microsoft YaHei", sans-serif; margin: 0 auto; padding: 0.6em 1.2em 2em; max-width: 1240px; color: #222;}
.sa-nav {display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; align-items: center; padding: 0.5em 0;
  border-bottom: 1px solid #ddd; margin-bottom: 0.6em;}
.sa-nav a {color: #1565c0; text-decoration: none;} .sa-nav a.sa-here {font-weight: 600; color: #222;}
.sa-nav form {display: inline-flex; gap: 0.3em; align-items: center; margin: 0;}
.sa-pick {display: flex; flex-wrap: wrap; gap: 0.3em; align-items: center; margin: 0.4em 0;}
.sa-pick a, .sa-pick span.sa-here {padding: 2px 10px; border: 1px solid #bbb; border-radius: 3px;
  text-decoration: none; color: #222;}
.sa-pick span.sa-here {background: #e3ecf7; border-color: #6a8fc7;}
.sa-live-link {margin-left: auto;}
img.sa-chart {max-width: 100%; height: auto;}
/* a long table scrolls in its box: the browser lays it out only when it comes into view */
.sa-first .sa-scroll {content-visibility: auto; contain-intrinsic-size: auto 480px;}
</style>
"""


# --------------------------------------------------------------------- source
@dataclass(frozen=True)
class SnapshotSource:
    """The published bundles a request may read (``outputs``) and their snapshots."""

    outputs: Path

    def periods(self) -> list[str]:
        """Published periods, newest first."""
        return list_bundles(self.outputs)

    def load(self, period: str, page: str, language: str) -> dict | None:
        """The snapshot of ``page`` in ``language`` for ``period`` (None when not drawn yet)."""
        from sales_analytics.views.snapshot import snapshot_path

        try:
            path = snapshot_path(self.outputs, period, page, language)
            stat = path.stat()
        except OSError:
            return None
        return _read_snapshot(str(path), stat.st_mtime_ns, stat.st_size)

    def draw(self, period: str) -> None:
        """Draw every page of ``period`` (a child process; blocks until done)."""
        from sales_analytics.views.snapshot import prerender_in_subprocess

        prerender_in_subprocess(self.outputs, period)


@lru_cache(maxsize=24)
def _read_snapshot(path: str, mtime_ns: int, size: int) -> dict | None:
    """A snapshot file, parsed once per version (a file is replaced, never rewritten in place)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def snapshot_source(identity: Any, outputs: str | Path | None = None) -> SnapshotSource:
    """The snapshots the request of ``identity`` (the server's authenticated user) may read.

    The seam for scoped access: today every holder of the token reads every published bundle
    of ``outputs`` (default: ``SALES_ANALYTICS_OUTPUTS``). A scope maps an identity to its own
    folder of bundles and snapshots here; the first-screen route asks this function on every
    request and reads nothing else.
    """
    return SnapshotSource(Path(outputs) if outputs else paths.outputs_dir())


# ---------------------------------------------------------------------- pages
def choice_values(arguments: Mapping[str, str]) -> dict[int, str]:
    """The choices a request asks for: ``c0=…``, ``c1=…`` → {0: …, 1: …} (other keys ignored)."""
    out: dict[int, str] = {}
    for key, value in arguments.items():
        if key.startswith(CHOICE_ARG) and key[len(CHOICE_ARG) :].isdigit() and len(key) <= 4:
            out[int(key[len(CHOICE_ARG) :])] = value
    return out


def live_url(base_url: str, page: str, period: str, language: str, default: tuple[str, str]) -> str:
    """The Voila view of ``page`` (widgets, a kernel); the month and language travel along when
    they are not the server's defaults (a preheated kernel shows the defaults)."""
    url = f"{base_url}voila/render/{page}.ipynb"
    if (period, language) != default:
        url += "?" + urlencode({"period": period, "language": language})
    return url


def _href(base_url: str, page: str, args: Mapping[str, str]) -> str:
    query = urlencode(dict(args))
    return html.escape(f"{base_url}views/{page}" + (f"?{query}" if query else ""))


def first_screen_page(
    snapshot: dict,
    *,
    page: str,
    period: str,
    language: str,
    periods: list[str],
    chosen: Mapping[int, str] | None = None,
    base_url: str = "/",
    live: str | None = None,
) -> str:
    """The whole HTML page of one view's first screen (see the module doc). ``chosen`` maps the
    index of a choice (in page order) to the option asked for; an option the snapshot does not
    offer shows the invalid-choice note in place of that choice's body."""
    from sales_analytics.views.app import _CSS, _SCRIPT

    esc = html.escape
    chosen = dict(chosen or {})
    here = {"period": period, "language": language}
    nav: list[str] = []
    for name in PAGE_NAMES:
        text = esc(label(f"view_{name}", language))
        if name == page:
            nav.append(f'<a class="sa-here" href="{_href(base_url, name, here)}">{text}</a>')
        else:
            nav.append(f'<a href="{_href(base_url, name, here)}">{text}</a>')
    options = "".join(
        f'<option value="{esc(p)}"{" selected" if p == period else ""}>{esc(p)}</option>' for p in periods
    )
    nav.append(
        f'<form method="get" action="{esc(f"{base_url}views/{page}")}">'
        f"<label>{esc(label('view_period', language))} "
        f'<select name="period">{options}</select></label>'
        f'<input type="hidden" name="language" value="{esc(language)}">'
        f'<button type="submit">{esc(label("view_show", language))}</button></form>'
    )
    for code, text in LANGUAGE_NAMES.items():
        cls = ' class="sa-here"' if code == language else ""
        nav.append(
            f'<a{cls} lang="{code}" href="{_href(base_url, page, {**here, "language": code})}">{text}</a>'
        )
    if live:
        nav.append(f'<a class="sa-live-link" href="{esc(live)}">{esc(label("view_live", language))}</a>')

    counter = [0]

    def choice_args(values: dict[int, str]) -> dict[str, str]:
        return {**here, **{f"{CHOICE_ARG}{i}": v for i, v in sorted(values.items())}}

    def body(nodes: list[dict], taken: dict[int, str]) -> str:
        parts: list[str] = []
        for node in nodes:
            if "html" in node:
                parts.append(node["html"])
            elif "box" in node:
                parts.append(body(node["box"], taken))
            elif "choice" in node:
                index = counter[0]
                counter[0] += 1
                asked = chosen.get(index, node["value"])
                valid = asked in node["bodies"]
                value = asked if valid else node["value"]
                taken[index] = value
                parts.append(_picker(node, index, value, base_url, page, choice_args(taken), language))
                if valid:
                    parts.append(body(node["bodies"][value], taken))
                else:
                    parts.append(f'<div class="sa-note">{esc(label("view_bad_choice", language))}</div>')
        return "".join(parts)

    content = _SCRIPT.sub(r"&lt;\1script", body(snapshot["body"], {}))
    title = esc(snapshot["title"])
    published = f"{esc(label('view_published', language))}: {esc(snapshot['published'])}"
    return (
        f'<!DOCTYPE html><html lang="{esc(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:;base64,=">'
        f"<title>{title} · {esc(period)}</title>{_CSS}{_PAGE_CSS}</head>"
        f'<body class="sa-first"><nav class="sa-nav">{"".join(nav)}</nav>'
        f'<main class="sa-static"><div class="sa-title">{title}</div>'
        f'<span style="color:#666">{published}</span>{content}</main></body></html>'
    )


def _picker(
    node: dict, index: int, value: str, base_url: str, page: str, args: dict[str, str], language: str
) -> str:
    """A choice as links (toggle buttons) or a GET form with a select (a dropdown)."""
    esc = html.escape
    key = f"{CHOICE_ARG}{index}"
    description = esc(str(node.get("description") or ""))
    if node["choice"] == "dropdown":
        options = "".join(
            f'<option value="{esc(str(val))}"{" selected" if str(val) == value else ""}>{esc(str(lab))}</option>'
            for lab, val in node["options"]
        )
        hidden = "".join(
            f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">'
            for k, v in args.items()
            if k != key and not (k.startswith(CHOICE_ARG) and int(k[len(CHOICE_ARG) :]) > index)
        )
        return (
            f'<form class="sa-pick" method="get" action="{esc(f"{base_url}views/{page}")}">'
            f"<label>{description} "
            f'<select name="{key}">{options}</select></label>{hidden}'
            f'<button type="submit">{esc(label("view_show", language))}</button></form>'
        )
    links = []
    for lab, val in node["options"]:
        if str(val) == value:
            links.append(f'<span class="sa-here">{esc(str(lab))}</span>')
        else:
            kept = {
                k: v
                for k, v in args.items()
                if not (k.startswith(CHOICE_ARG) and int(k[len(CHOICE_ARG) :]) > index)
            }
            links.append(f'<a href="{_href(base_url, page, {**kept, key: str(val)})}">{esc(str(lab))}</a>')
    lead = f"<span>{description}</span>" if description else ""
    return f'<div class="sa-pick">{lead}{"".join(links)}</div>'


def empty_page(language: str) -> str:
    """The page of a server with nothing published yet (it says which command to run)."""
    text = html.escape(label("view_no_bundle", language))
    from sales_analytics.views.app import _CSS

    return (
        f'<!DOCTYPE html><html lang="{html.escape(language)}"><head><meta charset="utf-8">'
        f'<link rel="icon" href="data:;base64,=">{_CSS}{_PAGE_CSS}</head>'
        f'<body class="sa-first"><main class="sa-static"><div class="sa-empty">{text}</div></main></body></html>'
    )


def default_view(periods: list[str]) -> tuple[str | None, str]:
    """The month and language a view opens on: ``serve --period``/``--language`` (passed to the
    server as ``SALES_ANALYTICS_VIEW_PERIOD``/``…_LANGUAGE``), else the newest bundle and zh."""
    return default_period(periods), default_language()
