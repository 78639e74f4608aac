"""The event-study chart: estimates by month relative to training, with 95% intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from sales_analytics.report.labels import label

if TYPE_CHECKING:
    import matplotlib.pyplot as plt

__all__ = ["plot_event_study"]


def plot_event_study(
    table: pd.DataFrame, *, outcome: str = "revenue", language: str = "zh", ax: plt.Axes | None = None
) -> plt.Axes:
    """Plot :func:`event_study` rows of one outcome: points, CI bars, zero line, training marker.

    >>> t = pd.DataFrame({"outcome": "revenue", "rel_month": [-1, 0, 1], "estimate": [0.0, 5, 9],
    ...                   "ci_low": [0.0, 1, 4], "ci_high": [0.0, 9, 14]})
    >>> ax = plot_event_study(t, language="en"); ax.get_xlabel()
    'Months relative to training'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    import matplotlib.pyplot as plt  # imported on use: opening a notebook does not load matplotlib

    rows = table.loc[table["outcome"] == outcome].sort_values("rel_month")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    x, y = rows["rel_month"].astype(float), rows["estimate"].astype(float)
    err = [(y - rows["ci_low"]).clip(lower=0).fillna(0), (rows["ci_high"] - y).clip(lower=0).fillna(0)]
    ax.errorbar(x, y, yerr=err, fmt="o", capsize=3)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.axvline(-0.5, color="grey", linestyle="--", linewidth=0.8)
    ax.set_xlabel(label("training_rel_month", language))
    ax.set_ylabel(label(f"training_effect_{outcome}", language))
    ax.set_title(label("training_event_study_title", language))
    return ax
