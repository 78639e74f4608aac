"""Building blocks of the views: KPI cards, charts as images, interactive tables."""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass

import ipywidgets as w
import pandas as pd

from sales_analytics.report.labels import label, label_columns

__all__ = ["Card", "cards", "chart", "fmt_money", "fmt_pct", "heading", "table"]


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


def table(frame: pd.DataFrame, language: str, *, max_plain_rows: int = 12, float_digits: int = 2) -> w.Widget:
    """A table: plain HTML when short, an interactive (sortable, searchable) itables widget when long.

    itables serves its JavaScript from the Python package, nothing from the internet.
    """
    shown = label_columns(frame.reset_index(drop=True), language)
    shown.columns = [str(c) for c in shown.columns]
    if len(shown) <= max_plain_rows:
        styled = shown.style.hide(axis="index").format(precision=float_digits, na_rep=label("n_a", language))
        return w.HTML(styled.to_html())
    from itables.widget import ITable

    return ITable(shown, pageLength=15, lengthMenu=[15, 50, 100], maxBytes=2**20, classes="display compact")
