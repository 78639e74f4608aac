"""Helpers shared by the view pages: period filtering, masking, chart set-up."""

from __future__ import annotations

import math
from typing import Any, overload

import ipywidgets as w
import pandas as pd

from sales_analytics.report.labels import label
from sales_analytics.views.app import note
from sales_analytics.vocabulary import LANGUAGES


def missing(key: str, language: str) -> w.HTML:
    """The plain note shown where a bundle lacks a section."""
    return note(label("view_missing_section", language).format(section=label(key, language)))


def churn_count(churn: pd.DataFrame) -> int:
    """Every customer at risk (the list itself is capped at ``customers.top_n``)."""
    if "at_risk_total" in churn.columns and len(churn):
        return int(churn["at_risk_total"].iloc[0])
    return len(churn)


@overload
def at(frame: None, period: str) -> None: ...
@overload
def at(frame: pd.DataFrame, period: str) -> pd.DataFrame: ...
def at(frame: pd.DataFrame | None, period: str) -> pd.DataFrame | None:
    """Rows of one period (the frame itself when it has no period column)."""
    if frame is None or "period" not in frame.columns:
        return frame
    return frame[frame["period"].astype(str) == period]


@overload
def latest_wave(frame: None, period: str, by: str = ...) -> None: ...
@overload
def latest_wave(frame: pd.DataFrame, period: str, by: str = ...) -> pd.DataFrame: ...
def latest_wave(frame: pd.DataFrame | None, period: str, by: str = "instrument") -> pd.DataFrame | None:
    """For each instrument, the rows of its latest wave on or before ``period`` (surveys are not monthly)."""
    if frame is None or frame.empty or "period" not in frame.columns:
        return frame
    f = frame[frame["period"].astype(str) <= period]
    if by not in f.columns:
        return f[f["period"].astype(str) == f["period"].astype(str).max()]
    last = f.groupby(by)["period"].transform(lambda s: s.astype(str).max())
    return f[f["period"].astype(str) == last.astype(str)]


def num(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def localized(frame: pd.DataFrame, language: str, *stems: str) -> pd.DataFrame:
    """Keep ``<stem>_<language>`` as ``<stem>`` and drop the ``<stem>_<lang>`` column of every language."""
    out = frame.copy()
    for stem in stems:
        if f"{stem}_{language}" in out.columns:
            out[stem] = out[f"{stem}_{language}"]
        out = out.drop(columns=[c for c in (f"{stem}_{lang}" for lang in LANGUAGES) if c in out.columns])
    return out


@overload
def mask_suppressed(frame: None, language: str) -> None: ...
@overload
def mask_suppressed(frame: pd.DataFrame, language: str) -> pd.DataFrame: ...
def mask_suppressed(frame: pd.DataFrame | None, language: str) -> pd.DataFrame | None:
    """Rows the survey library suppressed (group below the anonymity threshold) show no numbers at all."""
    if frame is None or "suppressed" not in frame.columns:
        return frame
    out = frame.copy()
    hidden = out["suppressed"].fillna(False).astype(bool)
    text = label("view_suppressed", language)
    for col in out.columns:
        if (
            col != "period"
            and pd.api.types.is_numeric_dtype(out[col])
            and not pd.api.types.is_bool_dtype(out[col])
        ):
            out[col] = out[col].astype(object).where(~hidden, text)
    return out.drop(columns=["suppressed"])


def figure(width: float = 7.5, height: float = 3.2):
    import matplotlib.pyplot as plt

    from sales_analytics.report.theme import use_theme

    use_theme()
    return plt.subplots(figsize=(width, height))


def revenue_target_chart(
    revenue: pd.DataFrame,
    targets,
    language: str,
    key: str,
    *,
    months: int,
    size: tuple[float, float] = (7.5, 3.2),
) -> list[w.Widget]:
    """A heading and the revenue-vs-target chart (:func:`sales_analytics.report.charts.revenue_trend_chart`)."""
    from sales_analytics.report.charts import revenue_trend_chart
    from sales_analytics.views.components import chart, heading

    fig = revenue_trend_chart(revenue, language, targets=targets, months=months, size=size)
    return [heading(key, language), chart(fig, alt=label(key, language))]
