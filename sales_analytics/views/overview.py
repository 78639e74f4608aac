"""总览 Overview: KPI cards with arrows, revenue vs target, team comparison, alerts."""

from __future__ import annotations

import math

import ipywidgets as w

from sales_analytics.report.charts import attainment_chart, team_targets
from sales_analytics.report.labels import label
from sales_analytics.views._common import (
    at,
    churn_count,
    latest_wave,
    missing,
    num,
    revenue_target_chart,
)
from sales_analytics.views.app import note
from sales_analytics.views.bundles import Bundle
from sales_analytics.views.components import Card, cards, chart, fmt_money, fmt_pct, heading
from sales_analytics.views.goals import forecast_section
from sales_analytics.vocabulary import OFF_TRACK


def _survey_cards(bundle: Bundle, language: str) -> list[Card]:
    scores = latest_wave(bundle.table("survey_scores"), bundle.period)
    if scores is None or scores.empty or "metric" not in scores.columns:
        return []
    overall = scores[
        (scores.get("group_by", "all") == "all") & (scores["instrument"] == "customer_satisfaction")
    ]
    out = []
    for metric, key, scale, fmt in (
        ("nps", "view_nps", 1.0, "{:+.0f}"),
        ("csat_top2", "view_csat", 100.0, "{:.1%}"),
    ):
        hit = overall[overall["metric"] == metric]
        if hit.empty or math.isnan(num(hit["value"].iloc[0])):
            continue
        value = num(hit["value"].iloc[0]) / scale
        change = num(hit["change"].iloc[0]) if "change" in hit.columns else math.nan
        text = label("view_vs_previous", language)
        shown = fmt.format(value)
        if "moe" in hit.columns and not math.isnan(num(hit["moe"].iloc[0])):
            moe = f"±{num(hit['moe'].iloc[0]) / scale:{'.0f' if scale == 1 else '.1%'}}"
            text += f" ({moe})"
            shown += f" {moe}"
        if "n" in hit.columns and not math.isnan(num(hit["n"].iloc[0])):  # a survey card states its n
            shown += f" · n = {num(hit['n'].iloc[0]):,.0f}"
        out.append(Card(key, shown, None if math.isnan(change) else change, text))
    return out


def overview(bundle: Bundle, language: str) -> list[w.Widget]:
    p = bundle.period
    out: list[w.Widget] = []
    monthly = bundle.table("kpi_sales_monthly")
    team = bundle.table("kpi_attainment_team")
    items: list[Card] = []
    row = at(monthly, p)
    if row is not None and not row.empty:
        r = row.iloc[-1]
        mom, yoy = num(r.get("pct_vs_previous")), num(r.get("pct_vs_last_year"))
        items.append(Card("revenue", fmt_money(num(r.get("revenue")), language)))
        items.append(
            Card(
                "view_growth_mom",
                fmt_pct(mom, language, signed=True),
                None if math.isnan(mom) else mom,
                label("view_vs_previous", language),
            )
        )
        items.append(
            Card(
                "view_growth_yoy",
                fmt_pct(yoy, language, signed=True),
                None if math.isnan(yoy) else yoy,
                label("view_vs_last_year", language),
            )
        )
    now = at(team, p)
    if now is not None and not now.empty and {"revenue", "target_amount"} <= set(now.columns):
        target = now["target_amount"].sum()
        att = now["revenue"].sum() / target if target > 0 else math.nan
        items.append(
            Card(
                "attainment",
                fmt_pct(att, language),
                None if math.isnan(att) else att - 1,
                label("view_vs_target", language),
            )
        )
    items += _survey_cards(bundle, language)
    out.append(cards(items, language) if items else missing("view_kpi_section", language))

    if monthly is not None and not monthly.empty:
        out += revenue_target_chart(
            monthly, team_targets(team), language, "view_revenue_vs_target", months=13
        )

    if now is not None and not now.empty and "attainment" in now.columns:
        out += [
            heading("view_team_comparison", language),
            chart(attainment_chart(now, "team", language), alt=label("view_team_comparison", language)),
        ]

    out += forecast_section(bundle, language)

    alerts: list[str] = []
    pacing = at(bundle.table("kpi_pacing"), p)
    if pacing is not None and "status" in pacing.columns:
        off = pacing[pacing["status"] == OFF_TRACK]
        if len(off):
            alerts.append(label("view_alert_off_track", language).format(n=len(off)))
    churn = at(bundle.table("customer_churn_risk"), p)
    if churn is not None and len(churn):
        alerts.append(label("view_alert_churn", language).format(n=f"{churn_count(churn):,}"))
    violations = at(bundle.table("rules_violations"), p)
    if violations is not None and len(violations):
        alerts.append(label("view_alert_violations", language).format(n=len(violations)))
    out.append(heading("view_alerts", language))
    out += [note(a) for a in alerts] or [note(label("view_alert_none", language))]
    return out
