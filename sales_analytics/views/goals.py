"""The forecast section of the overview and the rep scorecard (tables of notebook 08_goals).

The revenue chart with its forecast band, the probability of reaching this
month's target and last month's forecast against what happened; every text
goes through ``note`` / ``heading`` (escaped).
"""

from __future__ import annotations

import ipywidgets as w
import pandas as pd

from sales_analytics.report.labels import label
from sales_analytics.report.present import money_axis
from sales_analytics.views._common import figure
from sales_analytics.views.app import note
from sales_analytics.views.bundles import Bundle
from sales_analytics.views.components import chart, fmt_money, fmt_pct, heading

__all__ = ["forecast_section"]


def _pick(frame: pd.DataFrame | None, rep_id: str | None) -> pd.DataFrame | None:
    if frame is None or frame.empty or "level" not in frame.columns:
        return None
    if rep_id is None:
        return frame[frame["level"] == "company"]
    return frame[(frame["level"] == "rep") & (frame["rep_id"].astype(str) == str(rep_id))]


def forecast_section(bundle: Bundle, language: str, *, rep_id: str | None = None) -> list[w.Widget]:
    """Widgets for the company (or one rep): band chart, target probability, last forecast vs actual."""
    fc = _pick(bundle.table("goals_forecast"), rep_id)
    if fc is None or fc.empty:
        return []
    fc = fc.sort_values("month")
    out: list[w.Widget] = [heading("goals_forecast_title", language)]
    fig, ax = figure(7.5, 3.0)
    x = fc["month"].astype(str).tolist()
    ax.fill_between(x, fc["p10"], fc["p90"], alpha=0.25, label=label("goals_band", language))
    ax.plot(x, fc["p50"], linestyle="--", marker="o", label=label("p50", language))
    ax.set_ylabel(label("revenue", language))
    money_axis(ax, language)
    ax.legend(loc="upper left")
    out.append(chart(fig, alt=label("goals_forecast_title", language)))
    chances = _pick(bundle.table("goals_target_chances"), rep_id)
    month = x[0]
    if chances is not None and not chances.empty:
        r = chances.iloc[0]
        out.append(
            note(
                label("goals_target_probability", language).format(
                    month=month,
                    target=fmt_money(float(r["target_amount"]), language),
                    probability=fmt_pct(float(r["probability"]), language),
                )
            )
        )
    else:
        out.append(note(label("goals_no_target", language).format(month=month)))
    track = _pick(bundle.table("goals_track_record"), rep_id)
    if rep_id is None:
        from sales_analytics.forecast.backtest import last_forecast_sentence

        out.append(
            note(
                last_forecast_sentence(
                    track if track is not None else pd.DataFrame(), period=bundle.period, language=language
                )
            )
        )
    return out
