"""Manager views rendered by Voila from ``notebooks/views/``: read published bundles only.

Each view notebook is one call::

    import sales_analytics.views as views
    views.show("overview")

That call runs in a viewer's kernel and shows the page's snapshot, drawn ahead
of time (:mod:`sales_analytics.views.snapshot`); the pages that draw
(:data:`PAGES`) load pandas and matplotlib and are imported only where a
snapshot is drawn.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sales_analytics.views.app import ViewApp

__all__ = ["PAGES", "Bundle", "BundleNotFound", "ViewApp", "list_bundles", "open_bundle", "show"]

_LAZY = {
    "PAGES": "sales_analytics.views.pages",
    "Bundle": "sales_analytics.views.bundles",
    "BundleNotFound": "sales_analytics.views.bundles",
    "list_bundles": "sales_analytics.views.bundles",
    "open_bundle": "sales_analytics.views.bundles",
    "ViewApp": "sales_analytics.views.app",
}
PAGE_NAMES = ("home", "overview", "leaderboard", "rep_scorecard", "customers", "voice", "training_rules")


def show(
    page: str, *, outputs: str | Path | None = None, language: str | None = None, period: str | None = None
) -> ViewApp:
    """Display the home page (``home``) or one manager view (``overview``, ``leaderboard``,
    ``rep_scorecard``, ``customers``, ``voice``, ``training_rules``)."""
    from sales_analytics.views.app import ViewApp

    if page not in PAGE_NAMES:
        raise ValueError(f"page must be one of {sorted(PAGE_NAMES)}; got {page!r}")
    return ViewApp(page, outputs=outputs, language=language, period=period).show()


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
