"""Survey charts: score trends with error bars, dimension heatmap by team, key-driver bars.

Each function draws from a result table (never from responses), labels in the
report language and returns the matplotlib Figure; suppressed cuts are left
blank and said so in the title.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sales_analytics.report.labels import label
from sales_analytics.surveys.anonymity import ALL
from sales_analytics.surveys.instruments import Instrument

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["headline_metrics", "plot_dimension_heatmap", "plot_drivers", "plot_score_trend"]


def headline_metrics(instrument: Instrument) -> list[str]:
    """The metrics of an instrument's score trend, from the types of its items: NPS (``enps``
    for an employee survey), CSAT top-two box, CES mean; empty when it has none of them.

    >>> from sales_analytics.surveys.instruments import load_instruments
    >>> {k: headline_metrics(v) for k, v in sorted(load_instruments().items())}
    {'customer_satisfaction': ['nps', 'csat_top2', 'ces_mean'], 'team_pulse': ['enps'], 'training_feedback': ['csat_top2']}
    """
    types = {it.type for it in instrument.items}
    nps = "enps" if instrument.audience == "employee" else "nps"
    return [m for t, m in (("nps", nps), ("csat", "csat_top2"), ("ces", "ces_mean")) if t in types]


def plot_score_trend(
    scores: pd.DataFrame, *, metrics: list[str], language: str = "zh", title: str = ""
) -> Figure:
    """Total (``group == all``) of each metric per period, with its interval as error bars.

    >>> s = pd.DataFrame({"period": ["2026-01", "2026-02"], "group": "all", "metric": "nps",
    ...                   "value": [10.0, 20.0], "ci_low": [0.0, 8.0], "ci_high": [20.0, 32.0]})
    >>> fig = plot_score_trend(s, metrics=["nps"], language="en"); len(fig.axes)
    1
    """
    data = scores[(scores["group"] == ALL) & scores["metric"].isin(metrics)].sort_values("period")
    import matplotlib.pyplot as plt  # imported on use: the command line starts without matplotlib

    fig, axes = plt.subplots(
        1, max(len(metrics), 1), figsize=(5.5 * max(len(metrics), 1), 3.6), squeeze=False
    )
    for ax, metric in zip(axes[0], metrics):
        d = data[data["metric"] == metric]
        if d.empty:
            ax.set_axis_off()
            continue
        err = np.vstack([(d["value"] - d["ci_low"]).to_numpy(), (d["ci_high"] - d["value"]).to_numpy()])
        ax.errorbar(d["period"], d["value"], yerr=err, fmt="o-", capsize=3)
        ax.set_title(label(metric, language))
        ax.set_xlabel(label("period", language))
        ax.tick_params(axis="x", rotation=60)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_dimension_heatmap(
    dimensions: pd.DataFrame, instrument: Instrument, *, period: str, language: str = "zh"
) -> Figure:
    """Dimension means by team (rows: dimensions, columns: teams and the total) for one period.

    Suppressed cells stay empty; the colour scale spans the item scale.
    """
    d = dimensions[(dimensions["instrument"] == instrument.id) & (dimensions["period"] == period)]
    names = {k: v(language) for k, v in instrument.dimensions.items()}
    table = d.assign(dim=d["dimension"].map(names)).pivot_table(
        index="dim", columns="group", values="value", aggfunc="first", dropna=False
    )
    cols = [c for c in table.columns if c != ALL] + ([ALL] if ALL in table.columns else [])
    table = table.reindex(columns=cols).rename(columns={ALL: label("survey_all_groups", language)})
    lo, hi = (
        instrument.dimension_items(next(iter(instrument.dimensions)))[0].bounds
        if instrument.dimensions
        else (1, 5)
    )
    import matplotlib.pyplot as plt  # imported on use: the command line starts without matplotlib
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(1.2 * max(len(cols), 3) + 2, 0.6 * max(len(table), 2) + 1.5))
    sns.heatmap(
        table.astype(float),
        annot=True,
        fmt=".2f",
        vmin=lo,
        vmax=hi,
        cmap="RdYlGn",
        ax=ax,
        cbar_kws={"label": label("value", language)},
    )
    ax.grid(False)
    ax.tick_params(axis="y", rotation=0)
    hidden = int(d["suppressed"].sum()) if "suppressed" in d else 0
    title = f"{instrument.title(language)} · {period}"
    if hidden:
        title += f" ({label('survey_hidden', language)}: {hidden})"
    ax.set_title(title)
    ax.set_xlabel(label("team", language))
    ax.set_ylabel(label("dimension", language))
    fig.tight_layout()
    return fig


def plot_drivers(drivers: pd.DataFrame, instrument: Instrument, *, language: str = "zh") -> Figure:
    """Relative weight of each driver with its bootstrap interval, largest first."""
    d = drivers[drivers["instrument"] == instrument.id].sort_values("weight", ascending=True)
    names = {k: v(language) for k, v in instrument.dimensions.items()}
    import matplotlib.pyplot as plt  # imported on use: the command line starts without matplotlib
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(6.5, 0.5 * max(len(d), 2) + 1.5))
    if d.empty or d["weight"].isna().all():
        ax.set_axis_off()
        return fig
    y = d["driver"].map(lambda x: names.get(x, x))
    err = np.vstack(
        [
            (d["weight"] - d["ci_low"]).clip(lower=0).to_numpy(),
            (d["ci_high"] - d["weight"]).clip(lower=0).to_numpy(),
        ]
    )
    ax.barh(y, d["weight"], xerr=err, capsize=3, color=sns.color_palette()[0])
    outcome = instrument.item(instrument.outcome).text(language) if instrument.outcome else ""
    ax.set_title(
        f"{instrument.title(language)} · {label('driver', language)} → {label(instrument.outcome or '', language)}"
    )
    ax.set_xlabel(f"{label('weight', language)} (R² = {d['r2'].iloc[0]:.2f})")
    ax.set_ylabel("")
    if outcome:
        fig.text(0.01, 0.01, outcome, fontsize=8)
    fig.tight_layout()
    return fig
