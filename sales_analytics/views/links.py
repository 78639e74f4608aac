"""Addresses of the manager views: deep links ``<page>.ipynb?period=…&language=…`` and the
navigation bar every view shows.

A view's period and language come from its address, so a link (from the home page, the
navigation bar, a message) opens the month and language it names, and a reload keeps them.
Both values are checked: a period must name a published bundle, a language must be zh or en;
anything else falls back to the default. This module imports neither pandas nor ipywidgets:
the Voila server asks it whether a request can take a preheated page
(:func:`fits_preheated`).
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from sales_analytics.report.labels import label
from sales_analytics.views import PAGE_NAMES
from sales_analytics.vocabulary import DEFAULT_LANGUAGE, LANGUAGES

__all__ = [
    "HOME",
    "LANGUAGES",
    "NAV_PAGES",
    "default_language",
    "default_period",
    "fits_preheated",
    "href",
    "nav_bar",
    "requested",
]

# the home page, then the six views in the order of the navigation bar
HOME, *_views = PAGE_NAMES
NAV_PAGES: tuple[str, ...] = tuple(_views)


def default_language() -> str:
    lang = os.environ.get("SALES_ANALYTICS_VIEW_LANGUAGE", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def default_period(periods: list[str]) -> str | None:
    """``serve --period`` when published, else the newest bundle (``periods`` newest first)."""
    wanted = os.environ.get("SALES_ANALYTICS_VIEW_PERIOD", "")
    if wanted in periods:
        return wanted
    return periods[0] if periods else None


def requested(query: str | None) -> tuple[str | None, str | None]:
    """``(period, language)`` as a query string names them (unchecked, ``None`` when absent; a
    query with more fields than a page link has gives neither)."""
    try:
        args = parse_qs(query or "", keep_blank_values=False, max_num_fields=10)
    except ValueError:
        return None, None
    period = args.get("period", [None])[-1]
    language = args.get("language", [None])[-1]
    return period, language


def href(page: str, period: str | None, language: str) -> str:
    """The relative address of ``page`` (``overview.ipynb?period=2026-10&language=zh``); the views
    are siblings under ``/voila/render/``."""
    query = {"period": period, "language": language} if period else {"language": language}
    return f"{page}.ipynb?{urlencode(query)}"


def nav_bar(current: str, period: str | None, language: str) -> str:
    """The navigation bar: the home page and the six views, each link carrying ``period`` and
    ``language``; the current page is marked. ``data-period``/``data-language`` tell the page's
    script which address to show after the month or language was switched in place."""
    items = []
    for page in (HOME, *NAV_PAGES):
        text = html.escape(label(f"view_{page}", language))
        attrs = ' class="sa-here" aria-current="page"' if page == current else ""
        items.append(f'<a href="{html.escape(href(page, period, language))}"{attrs}>{text}</a>')
    return (
        f'<nav class="sa-nav" aria-label="{html.escape(label("view_nav", language))}" '
        f'data-page="{html.escape(current)}" data-period="{html.escape(period or "")}" '
        f'data-language="{html.escape(language)}">' + "".join(items) + "</nav>"
    )


def fits_preheated(query: dict[str, list[bytes]], outputs: str | Path | None = None) -> bool:
    """Whether a page request with the query arguments ``query`` is served by a preheated page,
    which was drawn for the default period and language: only when the request names neither
    or names the defaults. Any other request gets a page drawn for what it names."""
    from sales_analytics.views.bundles import list_bundles

    def one(name: str) -> str | None:
        values = query.get(name) or []
        return values[-1].decode("utf-8", "replace") if values else None

    period, language = one("period"), one("language")
    if language is not None and language != default_language():
        return False
    if period is not None:
        root = outputs or os.environ.get("SALES_ANALYTICS_OUTPUTS") or None
        return period == default_period(list_bundles(root))
    return True
