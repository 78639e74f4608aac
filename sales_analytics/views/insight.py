"""客户分析 Customers and 满意度与反馈 Voice of customer & team."""

from __future__ import annotations

import ipywidgets as w
import numpy as np
import pandas as pd

from sales_analytics.report.charts import migration_chart, segment_chart
from sales_analytics.report.labels import label
from sales_analytics.views._common import (
    at,
    churn_count,
    figure,
    latest_wave,
    localized,
    mask_suppressed,
    missing,
)
from sales_analytics.views.app import note
from sales_analytics.views.bundles import Bundle
from sales_analytics.views.components import chart, display_name, heading, table


# --------------------------------------------------------------- customers
def customers(bundle: Bundle, language: str) -> list[w.Widget]:
    p = bundle.period
    out: list[w.Widget] = [heading("view_segments", language)]
    seg = at(bundle.table("customer_segments"), p)
    if seg is None or seg.empty:
        out.append(missing("view_segments", language))
    else:
        seg = localized(seg, language, "segment")
        out += [
            chart(segment_chart(seg, language), alt=label("view_segments", language)),
            table(
                seg.drop(columns=[c for c in ("segment_rank", "period") if c in seg.columns]),
                language,
                source="customer_segments",
            ),
        ]

    mig = at(bundle.table("customer_migration"), p)
    out.append(heading("view_migration", language))
    if mig is None or mig.empty:
        out.append(missing("view_migration", language))
    else:
        out.append(chart(migration_chart(mig, language), alt=label("view_migration", language)))
    down = at(bundle.table("customer_downgrades"), p)
    if down is not None and not down.empty:
        out += [
            heading("view_downgrades", language),
            table(
                down.drop(columns=["period", "from_segment", "to_segment"], errors="ignore"),
                language,
                source="customer_downgrades",
            ),
        ]

    churn = at(bundle.table("customer_churn_risk"), p)
    out.append(heading("view_churn_risk", language))
    if churn is not None and not churn.empty:
        out.append(
            note(label("view_churn_top", language).format(shown=len(churn), total=f"{churn_count(churn):,}"))
        )
        shown = churn.drop(columns=["at_risk_total", "period"], errors="ignore")
        out.append(table(shown, language, source="customer_churn_risk"))
    else:
        out.append(missing("view_churn_risk", language))
    clv = at(bundle.table("customer_clv_segments"), p)
    if clv is not None and not clv.empty:
        clv = localized(clv, language, "segment")
        out += [
            heading("view_clv", language),
            table(
                clv.drop(columns=["segment_rank", "period"], errors="ignore"),
                language,
                source="customer_clv_segments",
            ),
        ]
    return out


# ------------------------------------------------------------------- voice
def _trend_chart(scores: pd.DataFrame, period: str, language: str) -> w.Widget | None:
    s = scores[
        (scores["instrument"] == "customer_satisfaction")
        & (scores["group_by"] == "all")
        & (scores["period"].astype(str) <= period)
    ]
    if s.empty:
        return None
    fig, axes = figure(9, 3.0)
    axes.remove()
    from matplotlib.ticker import PercentFormatter

    metrics = [("nps", "view_nps", False), ("csat_top2", "view_csat", True)]  # csat_top2 in percent
    for i, (metric, key, percent) in enumerate(metrics):
        ax = fig.add_subplot(1, 2, i + 1)
        m = s[s["metric"] == metric].sort_values("period").tail(12)
        if m.empty:
            continue
        ax.errorbar(m["period"].astype(str), m["value"], yerr=m["moe"], marker="o", capsize=3)
        if percent:
            ax.yaxis.set_major_formatter(PercentFormatter(100))
        ax.set_title(label(key, language) + " ±95%")
        ax.tick_params(axis="x", rotation=60, labelsize=8)
    fig.tight_layout()
    return chart(fig, alt=label("view_survey_scores", language))


def _dimension_heatmap(dims: pd.DataFrame, language: str) -> w.Widget | None:
    d = dims[(dims["instrument"] == "team_pulse") & (dims["group_by"].isin(["all", "team"]))]
    if d.empty:
        return None
    grid = d.pivot_table(index="group", columns="dimension", values="value", aggfunc="first", dropna=False)
    grid.columns = [display_name(str(c), language) for c in grid.columns]
    grid.index = [label("view_all_teams", language) if g == "all" else g for g in grid.index]
    import seaborn as sns

    fig, ax = figure(9, 0.9 + 0.5 * len(grid))
    sns.heatmap(
        grid.astype(float),
        annot=True,
        fmt=".2f",
        cmap="RdYlGn",
        vmin=1,
        vmax=5,
        cbar=False,
        ax=ax,
        mask=grid.isna(),
    )
    for y, row in enumerate(grid.itertuples(index=False)):
        for x, v in enumerate(row):
            if pd.isna(v):
                ax.text(
                    x + 0.5,
                    y + 0.5,
                    label("view_suppressed_short", language),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="#777",
                )
    ax.grid(False)  # the theme's grid would cross the hidden (suppressed) cells
    ax.set_title(label("view_team_pulse_heatmap", language))
    ax.set_xlabel("")
    ax.set_ylabel("")
    return chart(fig, alt=label("view_team_pulse_heatmap", language))


def voice(bundle: Bundle, language: str) -> list[w.Widget]:
    p = bundle.period
    out: list[w.Widget] = [heading("view_survey_scores", language)]
    scores = bundle.table("survey_scores")
    if scores is None or scores.empty:
        out.append(missing("view_survey_scores", language))
    else:
        trend = _trend_chart(scores, p, language)
        if trend is not None:
            out.append(trend)
        now = latest_wave(scores, p)
        keep = [
            c
            for c in (
                "period",
                "instrument",
                "group",
                "metric",
                "value",
                "moe",
                "n",
                "change",
                "significant",
                "suppressed",
            )
            if c in now.columns
        ]
        pulse = now[(now["instrument"] == "team_pulse") & now["metric"].isin(["enps", "nps"])]
        if not pulse.empty:  # the team survey by team: groups below the anonymity threshold show no numbers
            out += [
                heading("view_team_pulse", language),
                table(
                    mask_suppressed(pulse[keep], language), language, source="survey_scores", scroll_after=30
                ),
            ]
            now = now.drop(pulse.index)
        out += [
            heading("view_customer_scores", language),
            table(mask_suppressed(now[keep], language), language, source="survey_scores"),
        ]

    dims = latest_wave(bundle.table("survey_dimensions"), p)
    out.append(heading("view_survey_dimensions", language))
    if dims is None or dims.empty:
        out.append(missing("view_survey_dimensions", language))
    else:
        heat = _dimension_heatmap(dims, language)
        if heat is not None:
            out.append(heat)
        keep = [
            c
            for c in (
                "period",
                "instrument",
                "group",
                "dimension",
                "value",
                "moe",
                "n",
                "change",
                "suppressed",
            )
            if c in dims.columns
        ]
        out.append(table(mask_suppressed(dims[keep], language), language, source="survey_dimensions"))

    drivers = latest_wave(bundle.table("survey_drivers"), p)
    out.append(heading("view_drivers", language))
    if drivers is None or drivers.empty:
        out.append(missing("view_drivers", language))
    else:
        d = drivers[
            ~drivers.get("suppressed", pd.Series(False, index=drivers.index)).fillna(False).astype(bool)
        ]
        if not d.empty and {"driver", "weight"} <= set(d.columns):
            fig, ax = figure(7.5, 0.8 + 0.35 * len(d))
            d = d.sort_values(["instrument", "weight"])
            names = [
                f"{display_name(str(i), language)} · {display_name(str(x), language)}"
                for i, x in zip(d["instrument"], d["driver"], strict=False)
            ]
            err = None
            if {"ci_low", "ci_high"} <= set(d.columns):
                err = np.vstack([d["weight"] - d["ci_low"], d["ci_high"] - d["weight"]]).clip(min=0)
            ax.barh(names, d["weight"], xerr=err, color="#8172b3", capsize=3)
            ax.set_xlabel(label("view_driver_weight", language))
            out.append(chart(fig, alt=label("view_drivers", language)))
        out.append(table(mask_suppressed(drivers, language), language, source="survey_drivers"))

    themes = latest_wave(bundle.table("survey_themes"), p)
    out.append(heading("view_themes", language))
    out.append(
        table(mask_suppressed(themes, language), language, source="survey_themes")
        if themes is not None and not themes.empty
        else missing("view_themes", language)
    )
    return out
