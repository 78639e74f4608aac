"""The frame every manager view shares: title, period and language selectors, body.

The body is a snapshot drawn ahead of the request (:mod:`sales_analytics.views.snapshot`):
this module, which runs in every viewer's kernel, reads it and shows it; it
imports ipywidgets and the labels only, never pandas or matplotlib. A missing
snapshot (a bundle published after `serve` started) is drawn once, in a child
process, for every page of that bundle. Widget values are checked in the
callbacks (a period must name a published bundle, a language must be zh or en,
a choice must be one of the snapshot's); nothing from the browser becomes a
path or is shown unescaped.
"""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import ipywidgets as w
from IPython.display import display

from sales_analytics.report.labels import label
from sales_analytics.views.bundles import list_bundles
from sales_analytics.views.links import (
    LANGUAGES,
    default_language,
    default_period,
    nav_bar,
    requested,
)
from sales_analytics.vocabulary import LANGUAGE_NAMES

__all__ = ["ViewApp", "build", "note"]

log = logging.getLogger(__name__)

_CSS = """
<style>
.sa-nav {display: flex; flex-wrap: wrap; gap: 4px 6px; margin: 0 0 0.5em 0; padding-bottom: 0.4em;
         border-bottom: 1px solid #dde3ec;}
.sa-nav a {padding: 3px 10px; border-radius: 14px; color: #1f4e8c; text-decoration: none;
           white-space: nowrap; background: #eef2f8;}
.sa-nav a.sa-here {background: #1f4e8c; color: #fff;}
.sa-title {font-size: 1.6em; font-weight: 600; margin: 0.2em 0;}
.sa-note {padding: 0.6em 1em; border-left: 4px solid #c9a227; background: #fff8e1; margin: 0.4em 0;}
.sa-note.sa-action {border-left-color: #1f4e8c; background: #eef2f8; font-weight: 600;}
.sa-empty {padding: 1.2em; border: 1px dashed #999; background: #fafafa; font-size: 1.1em;}
.sa-cards {display: flex; flex-wrap: wrap; gap: 12px; margin: 0.4em 0 1em 0;}
.sa-card {min-width: 150px; padding: 10px 14px; border-radius: 8px; background: #f4f6fa;
          box-shadow: 0 1px 2px rgba(0,0,0,.08);}
.sa-card .sa-k {color: #555; font-size: 0.9em;}
.sa-card {max-width: 100%; box-sizing: border-box;}
.sa-card .sa-v {font-size: 1.5em; font-weight: 600; word-break: keep-all;}
.sa-card .sa-s {color: #555; font-size: 0.85em;}
a.sa-card {display: block; color: inherit; text-decoration: none; flex: 1 1 220px; max-width: 360px;}
a.sa-card:hover {box-shadow: 0 2px 6px rgba(0,0,0,.18);}
a.sa-card .sa-k {font-size: 1.05em; color: #1f4e8c; font-weight: 600;}
.sa-up {color: #1a7f37;} .sa-down {color: #c62828;} .sa-flat {color: #666;}
.sa-box {max-width: 100%; overflow-x: auto; margin: 0.4em 0;}
.sa-scroll {max-height: 480px; overflow: auto;}
.sa-table {border-collapse: collapse;}
.sa-table th, .sa-table td {padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: left;
                            white-space: nowrap; word-break: keep-all;}
.sa-table th {position: sticky; top: 0; background: #fff;}
.sa-table td.num, .sa-table th.num {text-align: right; font-variant-numeric: tabular-nums;}
.sa-table td.sa-long {white-space: normal; min-width: 16em; max-width: 32em;}
.sa-table tr.sa-subtotal td {font-weight: 600; border-top: 1px solid #999;}
.sa-table tr.sa-total td {font-weight: 700; border-top: 2px solid #333; border-bottom: 3px double #333;}
.sa-h2 {font-size: 1.2em; font-weight: 600; margin-top: 1em;}
img.sa-chart {max-width: 100%; height: auto;}
.sa-static, .sa-live {max-width: 100%; overflow-wrap: anywhere;}
.sa-nav a, .sa-table, .sa-card .sa-v {overflow-wrap: normal;}
.sa-live .widget-html, .sa-live .widget-html-content, .sa-live .widget-box {min-width: 0; max-width: 100%;}
.sa-box {box-sizing: border-box;}
body:has(.sa-live .sa-title) .sa-static {display: none;}
@media (max-width: 600px) {
  .sa-title {font-size: 1.3em;}
  .sa-card {min-width: 0; flex: 1 1 140px;}
  .sa-card .sa-v {font-size: 1.25em;}
  .sa-nav a {padding: 2px 8px;}
}
</style>
"""


def note(text: str, *, css: str = "sa-note") -> w.HTML:
    """A short boxed message (escaped)."""
    return w.HTML(f'<div class="{css}">{html.escape(text)}</div>')


_SCRIPT = re.compile(r"<(/?)script", re.I)


def static_html(nodes: list[dict]) -> str:
    """The first screen of a snapshot as one HTML string: each choice shows its current option.
    Written into the page by the views' Voila template; it may hold no script element (the
    views escape every value, and any ``<script`` left is defused here)."""
    parts: list[str] = []
    for node in nodes:
        if "html" in node:
            parts.append(node["html"])
        elif "box" in node:
            parts.append(static_html(node["box"]))
        elif "choice" in node:
            parts.append(static_html(node["bodies"].get(node["value"], [])))
    return _SCRIPT.sub(r"&lt;\1script", "".join(parts))


def _close(widgets: Iterable[w.Widget]) -> None:
    """Close widgets no longer shown (their models would otherwise stay in the kernel)."""
    for widget in widgets:
        _close(getattr(widget, "children", ()))
        widget.close()


def build(nodes: list[dict], language: str) -> list[w.Widget]:
    """Widgets for the snapshot ``nodes``; a ``choice`` becomes its picker and a body that
    shows the chosen option's nodes (a value not among the options gets a note)."""
    out: list[w.Widget] = []
    for node in nodes:
        if "html" in node:
            out.append(w.HTML(node["html"]))
        elif "box" in node:
            out.append(w.VBox(build(node["box"], language)))
        elif "choice" in node:
            out += _choice(node, language)
    return out


def _refused(what: str, value: object) -> None:
    """A widget value the page did not offer (it came from the browser): refused, and in scoped
    mode written to the access log with the person it came from."""
    from sales_analytics.access.layout import kernel_scope

    log.warning("%s: a value the page did not offer was refused", what)
    ctx = kernel_scope()
    if ctx is None:
        return
    from sales_analytics.access.log import record

    scope, person, role = ctx
    record(
        os.environ.get("SALES_ANALYTICS_OUTPUTS") or None,
        person=person or "-",
        role=role,
        scope=scope,
        decision="deny",
        what=what,
        reason=f"widget value outside the scope: {str(value)[:80]!r}",
    )


def _choice(node: dict, language: str) -> list[w.Widget]:
    options = [(str(lab), str(val)) for lab, val in node["options"]]
    bodies = node["bodies"]
    if node["choice"] == "dropdown":
        picker = w.Dropdown(
            options=options, value=node["value"], description=node.get("description", ""),
            layout=w.Layout(width="320px"),
        )  # fmt: skip
    else:
        picker = w.ToggleButtons(options=options, value=node["value"])
    body = w.VBox(build(bodies.get(node["value"], []), language))

    def render(change: dict[str, Any] | None = None) -> None:
        old = body.children
        value = picker.value
        if not isinstance(value, str) or value not in bodies:  # a value from the browser
            _refused(f"choice {node.get('description') or node['choice']}", value)
            body.children = [note(label("view_bad_choice", language))]
        else:
            body.children = build(bodies[value], language)
        _close(old)

    picker.observe(render, names="value")
    return [picker, body]


class ViewApp:
    """Header with period and language selectors above the snapshot of the chosen bundle."""

    def __init__(
        self,
        page: str,
        *,
        outputs: str | Path | None = None,
        language: str | None = None,
        period: str | None = None,
    ) -> None:
        from sales_analytics.access.layout import kernel_scope

        self.page = page
        self.outputs = outputs
        # scoped access: the scope the server set for this page's person (None: no scopes, the
        # whole bundle); only bundles holding that scope exist for this page
        self.access = kernel_scope()
        self.scope = None if self.access is None else self.access[0]
        self.periods = (
            list_bundles(outputs)
            if self.access is None
            else (list_bundles(outputs, scope=self.scope) if self.scope else [])
        )
        # the page's address (``?period=…&language=…``, a deep link or a reload) unless the caller
        # says; Voila gives a page drawn on request its query string (without the token); the
        # scoped server strips the browser's query, so there it is inert
        asked_period, asked_language = requested(os.environ.get("QUERY_STRING"))
        lang = language or asked_language or default_language()
        self.language = lang if lang in LANGUAGES else default_language()
        wanted = period or asked_period
        initial = wanted if wanted in self.periods else default_period(self.periods)
        self.nav = w.HTML()
        self.title = w.HTML()
        self.period_picker = w.Dropdown(
            options=self.periods,
            value=initial,
            layout=w.Layout(width="220px", max_width="100%"),
            style={"description_width": "48px"},
        )
        self.language_picker = w.ToggleButtons(
            options=[(name, code) for code, name in LANGUAGE_NAMES.items()],
            value=self.language,
            style={"button_width": "76px"},
        )
        self.status = w.HTML()
        self.body = w.VBox()
        self.first_screen = ""  # the page's first screen, shown before the widgets are up
        self.period_picker.observe(self._on_change, names="value")
        self.language_picker.observe(self._on_change, names="value")
        self.root = w.VBox(
            [
                w.HTML(_CSS),
                self.nav,
                self.title,
                w.HBox(
                    [self.period_picker, self.language_picker],
                    layout=w.Layout(flex_flow="row wrap", max_width="100%"),
                ),
                self.status,
                self.body,
            ],
            layout=w.Layout(max_width="100%"),
        )

    # -------------------------------------------------------------- callbacks
    def _on_change(self, change: dict) -> None:
        self.refresh()

    def _selected(self) -> tuple[str | None, str]:
        period = self.period_picker.value
        language = self.language_picker.value
        if language not in LANGUAGES:  # widget values come from the browser: check them
            _refused(f"{self.page} language", language)
            language = default_language()
        if period not in self.periods:
            if period is not None:
                _refused(f"{self.page} period", period)
            period = None
        return period, language

    def _snapshot(self, period: str, language: str) -> dict | None:
        from sales_analytics.views.snapshot import load_snapshot, prerender_in_subprocess

        snapshot = load_snapshot(self.outputs, period, self.page, language, self.scope)
        if snapshot is None:
            # scoped: this page of this scope only (the person waits for their page, not all six)
            prerender_in_subprocess(self.outputs, period, self.scope, self.page if self.scope else None)
            snapshot = load_snapshot(self.outputs, period, self.page, language, self.scope)
        if snapshot is not None and self.access is not None:
            from sales_analytics.access.log import record

            scope, person, role = self.access
            record(
                self.outputs or os.environ.get("SALES_ANALYTICS_OUTPUTS") or None,
                person=person or "-", role=role, scope=scope, decision="allow",
                what=f"view {self.page}", period=period,
            )  # fmt: skip
        return snapshot

    def refresh(self) -> None:
        period, language = self._selected()
        self.language = language
        self.period_picker.description = label("view_period", language)
        old = self.body.children
        self.nav.value = nav_bar(self.page, period, language)
        if period is None:
            self.title.value = (
                f'<div class="sa-title">{html.escape(label("view_" + self.page, language))}</div>'
            )
            self.status.value = ""
            self.body.children = [note(label("view_no_bundle", language), css="sa-empty")]
            self.first_screen = self.nav.value + self.title.value + self.body.children[0].value
            _close(old)
            return
        snapshot = self._snapshot(period, language)
        if snapshot is None:
            log.error("view %s: no snapshot of %s could be drawn", self.page, period)
            self.title.value = (
                f'<div class="sa-title">{html.escape(label("view_" + self.page, language))}</div>'
            )
            self.status.value = ""
            self.body.children = [note(label("view_section_failed", language))]
            _close(old)
            return
        self.title.value = f'<div class="sa-title">{html.escape(snapshot["title"])}</div>'
        self.status.value = (
            f'<span style="color:#666">{html.escape(label("view_published", language))}: '
            f"{html.escape(snapshot['published'])}</span>"
        )
        self.body.children = build(snapshot["body"], language)
        self.first_screen = (
            self.nav.value + self.title.value + self.status.value + static_html(snapshot["body"])
        )
        _close(old)

    def show(self) -> ViewApp:
        """Display the first screen as HTML (visible as soon as the page arrives), then the live
        view, which hides it once its widgets are rendered."""
        from IPython.display import HTML

        self.refresh()
        self.root.add_class("sa-live")
        first = _SCRIPT.sub(r"&lt;\1script", self.first_screen)
        display(HTML(f'{_CSS}<div class="sa-static">{first}</div>'))
        display(self.root)
        return self
