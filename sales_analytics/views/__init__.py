"""Manager views rendered by Voila from ``notebooks/views/``: read published bundles only.

Each view notebook is one call::

    import sales_analytics.views as views
    views.show("overview")
"""

from __future__ import annotations

from pathlib import Path

from sales_analytics.views.app import ViewApp
from sales_analytics.views.bundles import Bundle, BundleNotFound, list_bundles, open_bundle
from sales_analytics.views.pages import PAGES

__all__ = ["PAGES", "Bundle", "BundleNotFound", "ViewApp", "list_bundles", "open_bundle", "show"]


def show(
    page: str, *, outputs: str | Path | None = None, language: str | None = None, period: str | None = None
) -> ViewApp:
    """Display one manager view (``overview``, ``leaderboard``, ``rep_scorecard``, ``customers``,
    ``voice``, ``training_rules``)."""
    if page not in PAGES:
        raise ValueError(f"page must be one of {sorted(PAGES)}; got {page!r}")
    title_key, render = PAGES[page]
    return ViewApp(title_key, render, outputs=outputs, language=language, period=period).show()
