"""Presentation helpers: chart theme with a CJK font, bilingual labels."""

from sales_analytics.report.labels import label, label_columns
from sales_analytics.report.theme import cjk_font_path, use_theme

__all__ = ["cjk_font_path", "label", "label_columns", "use_theme"]
