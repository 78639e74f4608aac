"""Building blocks of the views: KPI cards, charts as images, interactive tables.

A table is plain, escaped HTML from the presentation layer; in the live view (the Voila page) a
script of the views' template (``sa-views/static/tables.js``) makes it sortable, searchable and
paged, with its controls labelled in the page's language from the data attributes written here.
Without script (the first screen) it stays a plain table in a box that scrolls.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ipywidgets as w
import pandas as pd

from sales_analytics.report.key_names import key_name
from sales_analytics.report.key_names import known_names as survey_names
from sales_analytics.report.labels import label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "KEY_COLUMNS",
    "TABLE_CONTROLS",
    "TABLE_MAX_ROWS",
    "Card",
    "cards",
    "chart",
    "display_name",
    "fmt_money",
    "fmt_pct",
    "heading",
    "survey_names",
    "table",
    "table_controls",
    "translate_keys",
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


def chart(fig: Figure, *, alt: str = "") -> w.HTML:
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


# Columns whose values are keys (a metric, a board, a survey dimension …): a view shows each value by
# its label, or its survey dimension or item name (:func:`display_name`), never the raw key.
KEY_COLUMNS = (
    "metric", "board", "dimension", "driver", "measure", "status", "level_name", "instrument", "rule",
    "severity", "category", "group", "level", "line_type", "source", "item", "theme", "group_by",
    "rank_method", "rhythm", "owner_source", "measure_kind", "outcome", "cohort", "method", "kind",
    "award", "channel", "missing", "reason", "stage", "trigger",
)  # fmt: skip


def display_name(key: str, language: str) -> str:
    """The label of ``key``, else its survey dimension or item name, else ``key`` itself
    (:func:`sales_analytics.report.key_names.key_name`, as the reports and report.xlsx name it)."""
    return key_name(key, language)


def translate_keys(frame: pd.DataFrame, language: str, columns: Iterable[str] = KEY_COLUMNS) -> pd.DataFrame:
    """A copy of ``frame`` whose key columns (``metric``, ``board`` …) hold their names in
    ``language`` instead of their keys."""
    out = frame.copy()
    for col in columns:
        if col in out.columns and not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(lambda v: v if pd.isna(v) else display_name(str(v), language))
    return out


# Rows a view sends at most: beyond, the layer's "top N of M" note (report.xlsx holds every row).
# The page sorts, searches and pages what it was sent, so this bounds the page's size, not a screen.
TABLE_MAX_ROWS = 500
# The interactive table's controls: data attribute (data-sa-<name>) -> label key. Their texts are
# written into the page in its language; the script reads them, it has no text of its own.
TABLE_CONTROLS = {
    "search": "view_table_search",
    "rows": "view_table_rows",
    "filtered": "view_table_filtered",
    "none": "view_table_none",
    "previous": "view_table_previous",
    "next": "view_table_next",
    "page-size": "view_table_page_size",
    "sort": "view_table_sort",
}


def table_controls(language: str) -> str:
    """The data attributes naming an interactive table's controls in ``language`` (escaped)."""
    attrs = "".join(
        f' data-sa-{name}="{html.escape(label(key, language))}"' for name, key in TABLE_CONTROLS.items()
    )
    return f' data-sa-language="{html.escape(language)}"{attrs}'


def table(
    frame: pd.DataFrame,
    language: str,
    *,
    source: str | None = None,
    max_rows: int | None = TABLE_MAX_ROWS,
    scroll_after: int = 12,
    sort_by: str | list[str] | None = None,
    ascending: bool | list[bool] = False,
    units: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    decimals: dict[str, int] | None = None,
    row_classes: list[str] | None = None,
    interactive: bool | None = None,
) -> w.HTML:
    """A table as the presentation layer formats it (:func:`sales_analytics.report.present.present`,
    driven by the catalog entry ``source``; every header and value escaped), key values shown by
    their names. It sits in a box of its own that scrolls sideways when the page is narrower than
    the table (a phone), and down when it has more than ``scroll_after`` rows; ``row_classes``
    marks rows (``sa-subtotal``, ``sa-total``).

    ``interactive`` (default: unless rows are marked, as a statement's subtotals are, whose order
    is the point) lets the page sort, search and page the table: each numeric cell carries its raw
    value to sort by (``data-sort``) and the box the controls' labels (:func:`table_controls`).
    At most ``max_rows`` rows are sent (:data:`TABLE_MAX_ROWS`)."""
    from sales_analytics.report.present import present

    shown = present(
        translate_keys(frame, language),
        source,
        language=language,
        max_rows=max_rows,
        sort_by=sort_by,
        ascending=ascending,
        units=units,
        labels=labels,
        decimals=decimals,
    )
    if interactive is None:
        interactive = not row_classes
    body = shown.to_html(sortable=interactive)
    if row_classes:  # the layer writes each body row as a plain <tr>: give the marked ones a class
        head, rows = body.split("<tbody>", 1)
        parts = rows.split("<tr>")
        classes = [*row_classes, *[""] * len(parts)]
        body = (
            head
            + "<tbody>"
            + parts[0]
            + "".join(
                (f'<tr class="{html.escape(css)}">' if css else "<tr>") + part
                for part, css in zip(parts[1:], classes, strict=False)
            )
        )
    scroll = " sa-scroll" if shown.shown_rows > scroll_after else ""
    box = f'<div class="sa-box{scroll}">{body}</div>'
    if interactive:
        box = f'<div class="sa-itable"{table_controls(language)}>{box}</div>'
    return w.HTML(box)
