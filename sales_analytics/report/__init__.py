"""Presentation helpers: chart theme with a CJK font, bilingual labels, table formatting.

Tables are formatted by :func:`sales_analytics.report.present.present` (``sa.present``); the axis
formatters ``money_axis`` / ``percent_axis`` are imported from it on first use, so that a view's
kernel reads labels without loading pandas (tests/views/test_voila_server.py).
"""

from __future__ import annotations

import importlib
from typing import Any

from sales_analytics.report.labels import label, label_columns
from sales_analytics.report.theme import cjk_font_path, use_theme

__all__ = ["cjk_font_path", "label", "label_columns", "money_axis", "percent_axis", "use_theme"]

_LAZY = {"money_axis": "present", "percent_axis": "present"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
