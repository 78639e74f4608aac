"""Building blocks of the views: KPI cards, charts as images, interactive tables."""

from __future__ import annotations

import base64
import html
import io
import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import ipywidgets as w
import pandas as pd

from sales_analytics.report.labels import all_labels, label

__all__ = [
    "RATIO_COLUMNS",
    "Card",
    "cards",
    "chart",
    "display_frame",
    "display_name",
    "fmt_money",
    "fmt_number",
    "fmt_pct",
    "heading",
    "html_table",
    "survey_names",
    "table",
]


@dataclass(frozen=True)
class Card:
    """One KPI card: a label, a formatted value and an optional change with its own label."""

    key: str
    value: str
    change: float | None = None
    change_text: str = ""
    good_when_up: bool = True


def fmt_money(x: float | None, language: str = "zh") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return label("n_a", language)
    if language == "zh" and abs(x) >= 10_000:
        return f"¥{x / 10_000:,.1f}万"
    return f"¥{x:,.0f}"


def fmt_pct(x: float | None, language: str = "zh", *, signed: bool = False) -> str:
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return label("n_a", language)
    return f"{x:+.1%}" if signed else f"{x:.1%}"


def cards(items: list[Card], language: str) -> w.HTML:
    """A row of KPI cards with direction arrows (▲ up, ▼ down)."""
    parts = []
    for card in items:
        delta = ""
        if card.change is not None and not (isinstance(card.change, float) and math.isnan(card.change)):
            up = card.change > 0
            css = "sa-flat" if card.change == 0 else ("sa-up" if up == card.good_when_up else "sa-down")
            arrow = "—" if card.change == 0 else ("▲" if up else "▼")
            delta = f'<div class="{css}">{arrow} {html.escape(card.change_text)}</div>'
        parts.append(
            f'<div class="sa-card"><div class="sa-k">{html.escape(label(card.key, language))}</div>'
            f'<div class="sa-v">{html.escape(card.value)}</div>{delta}</div>'
        )
    return w.HTML('<div class="sa-cards">' + "".join(parts) + "</div>")


def heading(key: str, language: str) -> w.HTML:
    return w.HTML(f'<div class="sa-h2">{html.escape(label(key, language))}</div>')


def chart(fig, *, alt: str = "") -> w.HTML:
    """A matplotlib figure as an inline PNG (closed after rendering)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return w.HTML(
        f'<img class="sa-chart" alt="{html.escape(alt)}" src="data:image/png;base64,{data}" '
        'style="max-width:100%">'
    )


# Columns the bundles hold as fractions (0.932 = 93.2%), shown as percentages. Others that look
# alike are not: survey ``share`` columns and ``response_rate`` are percentages already, a
# commission ``rate`` may be an amount per unit.
RATIO_COLUMNS = frozenset(
    {
        "attainment",
        "expected_attainment",
        "forecast_attainment",
        "win_rate",
        "followup_share",
        "outside_hours_share",
        "on_time_share",
        "attendance_rate",
        "trained_share",
        "resolution_rate",
        "adoption_rate",
        "revenue_share",
        "clv_share",
    }
)
_VALUE_COLUMNS = (
    "metric", "board", "dimension", "driver", "measure", "status", "level_name", "instrument", "rule",
    "severity", "category", "group",
)  # fmt: skip


def _label_or_none(key: str, language: str) -> str | None:
    return label(key, language) if key in all_labels() else None


@lru_cache(maxsize=2)
def survey_names(language: str) -> dict[str, str]:
    """Survey dimension and item names from the instruments in ``surveys/`` (configuration, like
    the labels): ``rules_clarity`` → 制度清晰, ``re_trainer`` and the training measure
    ``reaction_re_trainer`` → the item's question. Files that cannot be read are skipped.

    The YAML is read for its texts only (the monthly run validates the instruments): importing
    ``sales_analytics.surveys`` would load scipy and matplotlib into a view that draws no chart,
    about 100 MiB per kernel.
    """
    from sales_analytics import paths
    from sales_analytics.config import load_yaml  # the package's one safe YAML loader
    from sales_analytics.errors import ConfigError

    def text(t) -> str | None:
        return t.get(language) if isinstance(t, dict) and isinstance(t.get(language), str) else None

    names: dict[str, str] = {}
    reaction = label("view_reaction_prefix", language)
    for path in sorted(paths.surveys_dir().glob("*.yaml")):
        try:
            doc = load_yaml(path)
        except (OSError, ConfigError):
            continue
        if not isinstance(doc, dict):
            continue
        for dim, t in (doc.get("dimensions") or {}).items():
            if text(t):
                names.setdefault(str(dim), text(t))
        for item in doc.get("items") or []:
            if isinstance(item, dict) and "id" in item and text(item.get("text")):
                names.setdefault(str(item["id"]), text(item["text"]))
                if doc.get("id") == "training_feedback":  # Kirkpatrick level 1: reaction_<item>
                    names.setdefault(f"reaction_{item['id']}", reaction + text(item["text"]))
    return names


def display_name(key: str, language: str) -> str:
    """The label of ``key``, else its survey dimension or item name, else ``key`` itself."""
    return _label_or_none(key, language) or survey_names(language).get(key, key)


def fmt_number(v) -> str:
    """Thousands separators, at most two decimals, no trailing zeros: 95,244,455 · 3.91 · 12.3."""
    text = f"{v:,.2f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text == "-0" else text


def display_frame(
    frame: pd.DataFrame,
    language: str,
    *,
    namespace: str | None = None,
    ratios: Iterable[str] = RATIO_COLUMNS,
) -> pd.DataFrame:
    """``frame`` as a manager reads it: labelled columns and names, ratios as percentages,
    yes/no for flags. Numbers stay numbers (a long table still sorts them as numbers).

    Column ``c`` takes the label ``c``, else ``<namespace>.c``; the ``ratios`` columns
    (fractions) become percentages with "(%)" in the header.
    """
    ratios = frozenset(ratios)
    out = frame.reset_index(drop=True).copy()
    yes, no = label("view_yes", language), label("view_no", language)
    names = {}
    for col in out.columns:
        c = str(col)
        s = out[col]
        heading_text = (
            _label_or_none(c, language) or (namespace and _label_or_none(f"{namespace}.{c}", language)) or c
        )
        if pd.api.types.is_bool_dtype(s) or (
            s.dtype == object and s.dropna().map(type).isin([bool]).all() and s.notna().any()
        ):
            out[col] = s.map(lambda v: pd.NA if pd.isna(v) else (yes if v else no)).astype(object)
        elif c in ratios and pd.api.types.is_numeric_dtype(s):
            out[col] = (s.astype(float) * 100).round(1)
            heading_text = f"{heading_text} (%)"
        elif c in _VALUE_COLUMNS and not pd.api.types.is_numeric_dtype(s):
            out[col] = s.map(lambda v: v if pd.isna(v) else display_name(str(v), language))
        names[col] = heading_text
    return out.rename(columns=names)


def table(
    frame: pd.DataFrame,
    language: str,
    *,
    max_plain_rows: int = 12,
    namespace: str | None = None,
    ratios: Iterable[str] = RATIO_COLUMNS,
) -> w.HTML:
    """A table as escaped HTML: every header and value goes through ``html.escape`` (names in
    a bundle come from the team's own data). A table longer than ``max_plain_rows`` scrolls
    inside a box of its own."""
    shown = display_frame(frame, language, namespace=namespace, ratios=ratios)
    return w.HTML(html_table(shown, scroll=len(shown) > max_plain_rows))


def _cell(value) -> str:
    """One ``<td>``: numbers right-aligned, long text allowed to wrap (at words, never per
    character), everything escaped."""
    if value is None or (pd.api.types.is_scalar(value) and not isinstance(value, str) and pd.isna(value)):
        return "<td>—</td>"
    if isinstance(value, numbers.Number) and not pd.api.types.is_bool(value):
        return f'<td class="sa-num">{fmt_number(value)}</td>'
    text = str(value)
    css = ' class="sa-long"' if len(text) > 40 else ""
    return f"<td{css}>{html.escape(text)}</td>"


def html_table(frame: pd.DataFrame, *, scroll: bool = False, row_classes: list[str] | None = None) -> str:
    """``frame`` (labelled, without its index) as an HTML table, every header and cell escaped.
    The table sits in a box of its own that scrolls sideways when the page is narrower than the
    table (a phone), and also down when ``scroll``; ``row_classes`` gives each row a CSS class
    (``sa-subtotal``, ``sa-total``)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    classes = row_classes or [""] * len(frame)
    rows = "".join(
        (f'<tr class="{html.escape(css)}">' if css else "<tr>") + "".join(_cell(v) for v in row) + "</tr>"
        for row, css in zip(frame.itertuples(index=False, name=None), classes, strict=True)
    )
    table_html = f'<table class="sa-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    return f'<div class="sa-box{" sa-scroll" if scroll else ""}">{table_html}</div>'
