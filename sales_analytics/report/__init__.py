"""Presentation helpers: chart theme with a CJK font, bilingual labels, table formatting (present)."""

from sales_analytics.report.labels import label, label_columns
from sales_analytics.report.present import money_axis, percent_axis, present
from sales_analytics.report.theme import cjk_font_path, use_theme

__all__ = ["cjk_font_path", "label", "label_columns", "money_axis", "percent_axis", "present", "use_theme"]
