"""Charts of the incentive notebook: a leaderboard with rank changes, payouts by component."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from sales_analytics.report.labels import label
from sales_analytics.report.present import money_axis, percent_axis
from sales_analytics.vocabulary import renamed_arguments

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_leaderboard", "plot_payouts"]


def _change_text(change: float, language: str) -> str:
    if pd.isna(change):
        return "新上榜" if language == "zh" else "new"
    c = int(change)
    return f"▲{c}" if c > 0 else (f"▼{-c}" if c < 0 else "=")


def _board_unit(name: str) -> str:
    """The unit of a board's metric: as the scorecard declares that column in the table catalog."""
    from sales_analytics.tables import table_spec

    try:
        return table_spec("kpi_scorecard").column(name).unit
    except KeyError:
        return "number"


@renamed_arguments(entity="by")
def plot_leaderboard(
    board: pd.DataFrame,
    name: str,
    *,
    by: str = "rep_id",
    label_column: str | None = None,
    language: str = "zh",
    top: int = 15,
) -> Figure:
    """Horizontal bars of one board of one period, best first, each annotated with its rank change.

    ``board`` is :func:`leaderboards` output for one period; ``name`` the
    board to draw (``revenue``, ``composite_score`` …); ``label_column`` the
    column naming each bar (default the entity id).
    """
    rows = board.loc[(board["board"] == name) & board["rank"].notna()].sort_values("rank").head(top)
    names = rows[label_column or by].astype(str) if len(rows) else pd.Series(dtype=str)
    names = [f"{int(r)}. {n}" for r, n in zip(rows["rank"], names)]
    import matplotlib.pyplot as plt  # imported on use: the command line starts without matplotlib
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(8, 0.35 * max(len(rows), 3) + 1))
    sns.barplot(x=rows["value"].to_numpy(), y=names, color=sns.color_palette()[0], ax=ax, orient="h")
    for i, (value, change) in enumerate(zip(rows["value"], rows["rank_change"])):
        text = _change_text(change, language)
        ax.annotate(
            text,
            (value, i),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
            color="seagreen" if text.startswith("▲") else ("crimson" if text.startswith("▼") else "grey"),
        )
    ax.set(
        title=f"{label('inc_leaderboards', language)} · {label(name, language)}",
        xlabel=label(name, language),
        ylabel="",
    )
    unit = _board_unit(name)
    if unit == "money":
        money_axis(ax, language, "x")
    elif unit == "fraction":
        percent_axis(ax, "x")
    ax.margins(x=0.12)
    fig.tight_layout()
    return fig


def plot_payouts(
    summary: pd.DataFrame, *, label_column: str = "rep_name", language: str = "zh", top: int = 20
) -> Figure:
    """Stacked bars of each rep's payout: commission, accelerator, SPIFFs, draw top-up, minus clawbacks.

    The ``top`` reps by payout, largest first (the title says how many of how
    many when there are more: the commission table lists every rep).
    """
    parts = [
        "commission",
        "accelerator",
        "spiffs",
        "draw_topup",
        "clawbacks",
        "balance_recovery",
        "cap_adjustment",
    ]
    data = summary.sort_values("payout", ascending=False, kind="stable")
    total = len(data)
    data = data.head(top)
    names = (
        data[label_column].fillna(data["rep_id"]).astype(str).tolist()
        if label_column in data
        else data["rep_id"].astype(str).tolist()
    )
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(data) + 2), 4))
    pos = [0.0] * len(data)
    neg = [0.0] * len(data)
    colors = sns.color_palette("deep", len(parts))
    for part, color in zip(parts, colors):
        values = data[part].fillna(0.0).to_numpy()
        bottoms = [p if v >= 0 else n for v, p, n in zip(values, pos, neg)]
        ax.bar(range(len(data)), values, bottom=bottoms, color=color, label=label(part, language))
        pos = [p + max(v, 0) for p, v in zip(pos, values)]
        neg = [n + min(v, 0) for n, v in zip(neg, values)]
    ax.scatter(
        range(len(data)),
        data["payout"],
        color="black",
        marker="_",
        s=200,
        zorder=3,
        label=label("payout", language),
    )
    ax.set_xticks(range(len(data)), names, rotation=45, ha="right")
    ax.axhline(0, color="grey", linewidth=0.8)
    title = label("inc_payout_by_rep", language)
    if total > len(data):
        title += " · " + label("inc_payout_top", language).format(shown=len(data), total=total)
    ax.set(title=title, ylabel=label("amount", language))
    money_axis(ax, language)  # 万 / k ticks and the currency, no "1e5" offset
    ax.legend(fontsize=8, ncols=2)
    fig.tight_layout()
    return fig
