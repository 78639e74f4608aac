"""The frame every manager view shares: title, period and language selectors, body.

A view is a function ``render(bundle, language) -> list of widgets``; the
:class:`ViewApp` re-renders it when the manager picks another period or
language. Widget values are validated in the callbacks (a period must name a
published bundle, a language must be zh or en); a failure inside a section is
logged on the server and shown as a short note, never as a traceback.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import ipywidgets as w
from IPython.display import display

from sales_analytics.report.labels import label
from sales_analytics.views.bundles import Bundle, list_bundles, open_bundle

__all__ = ["ViewApp", "note"]

log = logging.getLogger(__name__)

Render = Callable[[Bundle, str], list[w.Widget]]
LANGUAGES = ("zh", "en")

_CSS = """
<style>
.sa-title {font-size: 1.6em; font-weight: 600; margin: 0.2em 0;}
.sa-note {padding: 0.6em 1em; border-left: 4px solid #c9a227; background: #fff8e1; margin: 0.4em 0;}
.sa-empty {padding: 1.2em; border: 1px dashed #999; background: #fafafa; font-size: 1.1em;}
.sa-cards {display: flex; flex-wrap: wrap; gap: 12px; margin: 0.4em 0 1em 0;}
.sa-card {min-width: 160px; padding: 10px 14px; border-radius: 8px; background: #f4f6fa;
          box-shadow: 0 1px 2px rgba(0,0,0,.08);}
.sa-card .sa-k {color: #555; font-size: 0.9em;}
.sa-card .sa-v {font-size: 1.5em; font-weight: 600;}
.sa-up {color: #1a7f37;} .sa-down {color: #c62828;} .sa-flat {color: #666;}
.sa-h2 {font-size: 1.2em; font-weight: 600; margin-top: 1em;}
</style>
"""


def note(text: str, *, css: str = "sa-note") -> w.HTML:
    """A short boxed message (escaped)."""
    import html

    return w.HTML(f'<div class="{css}">{html.escape(text)}</div>')


class ViewApp:
    """Header with period and language selectors above a re-rendered body."""

    def __init__(
        self,
        title_key: str,
        render: Render,
        *,
        outputs: str | Path | None = None,
        language: str | None = None,
        period: str | None = None,
    ) -> None:
        self.title_key = title_key
        self.render_body = render
        self.outputs = outputs
        self.periods = list_bundles(outputs)
        lang = language or os.environ.get("SALES_ANALYTICS_VIEW_LANGUAGE", "zh")
        self.language = lang if lang in LANGUAGES else "zh"
        wanted = period or os.environ.get("SALES_ANALYTICS_VIEW_PERIOD", "")
        initial = wanted if wanted in self.periods else (self.periods[0] if self.periods else None)
        self.title = w.HTML()
        self.period_picker = w.Dropdown(
            options=self.periods,
            value=initial,
            layout=w.Layout(width="240px"),
            style={"description_width": "60px"},
        )
        self.language_picker = w.ToggleButtons(
            options=[("中文", "zh"), ("English", "en")], value=self.language, style={"button_width": "80px"}
        )
        self.status = w.HTML()
        self.body = w.VBox()
        self.period_picker.observe(self._on_change, names="value")
        self.language_picker.observe(self._on_change, names="value")
        self.root = w.VBox(
            [
                w.HTML(_CSS),
                self.title,
                w.HBox([self.period_picker, self.language_picker]),
                self.status,
                self.body,
            ]
        )

    # -------------------------------------------------------------- callbacks
    def _on_change(self, change: dict) -> None:
        self.refresh()

    def _selected(self) -> tuple[str | None, str]:
        period = self.period_picker.value
        language = self.language_picker.value
        if language not in LANGUAGES:  # widget values come from the browser: check them
            language = "zh"
        if period not in self.periods:
            period = None
        return period, language

    def refresh(self) -> None:
        period, language = self._selected()
        self.language = language
        self.title.value = f'<div class="sa-title">{label(self.title_key, language)}</div>'
        self.period_picker.description = label("view_period", language)
        if period is None:
            self.status.value = ""
            self.body.children = [note(label("view_no_bundle", language), css="sa-empty")]
            return
        try:
            bundle = open_bundle(period, self.outputs)
            children = self.render_body(bundle, language)
        except Exception:  # a broken section must not show a traceback to the browser
            log.exception("view %s failed for %s", self.title_key, period)
            children = [note(label("view_section_failed", language))]
            bundle = None
        if bundle is not None:
            self.status.value = (
                f'<span style="color:#666">{label("view_published", language)}: '
                f"{bundle.created[:19].replace('T', ' ')}</span>"
            )
            as_of = bundle.manifest.get("as_of")
            if as_of:  # an incomplete month: every page says how far its figures go
                children = [note(label("run_partial_as_of", language).format(date=str(as_of))), *children]
        self.body.children = children

    def show(self) -> ViewApp:
        self.refresh()
        display(self.root)
        return self
