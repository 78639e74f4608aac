"""The forecast chart: monthly revenue so far, then the p50 line inside its p10-p90 band."""

from __future__ import annotations

import pandas as pd

from sales_analytics.report.labels import label
from sales_analytics.vocabulary import renamed_arguments

__all__ = ["forecast_chart"]


@renamed_arguments(level="by")
def forecast_chart(
    revenue: pd.DataFrame,
    forecast: pd.DataFrame,
    *,
    language: str = "zh",
    by: str = "company",
    team: str | None = None,
    rep_id: str | None = None,
    months: int = 18,
):
    """A matplotlib figure of one series: ``revenue`` (``month, revenue`` summed as needed) and its band.

    ``revenue`` is :func:`~sales_analytics.forecast.monthly_revenue` (per rep);
    ``forecast`` the :func:`~sales_analytics.forecast.revenue_forecast` table.
    """
    import matplotlib.pyplot as plt

    hist = revenue
    fc = forecast[forecast["level"] == by]
    if team is not None:
        hist, fc = hist[hist["team"] == team], fc[fc["team"] == team]
    if rep_id is not None:
        hist, fc = hist[hist["rep_id"] == rep_id], fc[fc["rep_id"] == rep_id]
    actual = hist.groupby("month")["revenue"].sum().sort_index().tail(months)
    fc = fc.sort_values("month")
    fig, ax = plt.subplots(figsize=(8, 3.4))
    ax.plot(actual.index, actual.to_numpy() / 1e4, marker="o", label=label("actual", language))
    x = fc["month"].tolist()
    if len(actual):
        x = [actual.index[-1], *x]
        joined = lambda col: [actual.iloc[-1] / 1e4, *(fc[col] / 1e4).tolist()]  # noqa: E731
    else:
        joined = lambda col: (fc[col] / 1e4).tolist()  # noqa: E731
    ax.fill_between(x, joined("p10"), joined("p90"), alpha=0.25, label=label("goals_band", language))
    ax.plot(x, joined("p50"), linestyle="--", marker="o", label=label("p50", language))
    ax.set_title(label("goals_forecast_title", language))
    ax.set_ylabel("万" if language == "zh" else "10k")
    ax.tick_params(axis="x", rotation=45)
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig
