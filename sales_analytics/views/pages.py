"""The six manager views. Each renders tables a monthly run published; none recomputes.

Every page takes ``(bundle, language)`` and returns widgets. A section whose
tables the bundle lacks says so plainly instead of failing.
"""

from __future__ import annotations

import math

import ipywidgets as w
import pandas as pd

from sales_analytics.report.labels import label
from sales_analytics.views.app import note
from sales_analytics.views.bundles import Bundle
from sales_analytics.views.components import Card, cards, chart, fmt_money, fmt_pct, heading, table

__all__ = ["PAGES", "customers", "leaderboard", "overview", "rep_scorecard", "training_rules", "voice"]


def _missing(key: str, language: str) -> w.HTML:
    return note(label("view_missing_section", language).format(section=label(key, language)))


def _period_rows(frame: pd.DataFrame | None, period: str) -> pd.DataFrame | None:
    if frame is None:
        return None
    if "period" in frame.columns:
        return frame[frame["period"].astype(str) == period]
    return frame


def _mask_suppressed(frame: pd.DataFrame | None, language: str) -> pd.DataFrame | None:
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


def _num(x) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


def _figure(width: float = 7.5, height: float = 3.2):
    import matplotlib.pyplot as plt

    from sales_analytics.report.theme import use_theme

    use_theme()
    return plt.subplots(figsize=(width, height))


def _money_axis(ax, language: str) -> None:
    from matplotlib.ticker import FuncFormatter

    if language == "zh":
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 10_000:,.0f}万"))
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1_000:,.0f}k"))


# ---------------------------------------------------------------- overview
def overview(bundle: Bundle, language: str) -> list[w.Widget]:
    """KPI cards, revenue vs target trend, team comparison, alerts."""
    out: list[w.Widget] = []
    p = bundle.period
    monthly = bundle.table("kpi_sales_monthly")
    items: list[Card] = []
    row = None
    if monthly is not None and not monthly.empty:
        m = monthly[monthly["period"].astype(str) == p]
        row = m.iloc[-1] if not m.empty else None
    if row is not None:
        mom, yoy = _num(row.get("pct_vs_previous")), _num(row.get("pct_vs_last_year"))
        items.append(Card("revenue", fmt_money(_num(row.get("revenue")), language)))
        items.append(
            Card(
                "view_growth_mom",
                fmt_pct(mom, language, signed=True),
                mom,
                label("view_vs_previous", language),
            )
        )
        items.append(
            Card(
                "view_growth_yoy",
                fmt_pct(yoy, language, signed=True),
                yoy,
                label("view_vs_last_year", language),
            )
        )
    team = _period_rows(bundle.table("kpi_attainment_team"), p)
    if team is not None and not team.empty and {"revenue", "target_amount"} <= set(team.columns):
        target = team["target_amount"].sum()
        att = team["revenue"].sum() / target if target > 0 else math.nan
        items.append(
            Card(
                "attainment",
                fmt_pct(att, language),
                att - 1 if not math.isnan(att) else None,
                label("view_vs_target", language),
            )
        )
    scores = _period_rows(bundle.table("survey_scores"), p)
    if scores is not None and not scores.empty and "metric" in scores.columns:
        overall = scores
        if "group" in scores.columns:
            overall = scores[scores["group"].astype(str).isin(["all", "全部", "total"])]
        for metric, key, fmt in (
            ("nps", "view_nps", lambda v: f"{v:+.0f}"),
            ("csat", "view_csat", lambda v: f"{v:.1%}"),
        ):
            hit = overall[overall["metric"].astype(str).str.lower() == metric]
            if not hit.empty and not pd.isna(hit["value"].iloc[0]):
                change = _num(hit["change"].iloc[0]) if "change" in hit.columns else None
                items.append(
                    Card(key, fmt(float(hit["value"].iloc[0])), change, label("view_vs_previous", language))
                )
    if items:
        out.append(cards(items, language))
    else:
        out.append(_missing("view_kpi_section", language))

    # revenue vs target trend
    if monthly is not None and not monthly.empty:
        fig, ax = _figure()
        series = monthly.sort_values("period").tail(13)
        ax.plot(series["period"].astype(str), series["revenue"], marker="o", label=label("revenue", language))
        if "target_amount" in series.columns:
            ax.plot(
                series["period"].astype(str),
                series["target_amount"],
                linestyle="--",
                label=label("target_amount", language),
            )
        ax.set_title(label("view_revenue_vs_target", language))
        _money_axis(ax, language)
        ax.tick_params(axis="x", rotation=45)
        ax.legend()
        out += [
            heading("view_revenue_vs_target", language),
            chart(fig, alt=label("view_revenue_vs_target", language)),
        ]

    if team is not None and not team.empty and "attainment" in team.columns:
        fig, ax = _figure(7.5, 0.5 + 0.45 * len(team))
        t = team.sort_values("attainment")
        ax.barh(t["team"].astype(str), t["attainment"])
        ax.axvline(1.0, color="grey", linestyle="--")
        ax.set_xlabel(label("attainment", language))
        out += [
            heading("view_team_comparison", language),
            chart(fig, alt=label("view_team_comparison", language)),
        ]

    # alerts
    alerts: list[str] = []
    pacing = _period_rows(bundle.table("kpi_pacing"), p)
    if pacing is not None and "status" in pacing.columns:
        off = pacing[pacing["status"].astype(str).str.lower().str.replace("_", "-") == "off-track"]
        if len(off):
            alerts.append(label("view_alert_off_track", language).format(n=len(off)))
    churn = _period_rows(bundle.table("customer_churn_risk"), p)
    if churn is not None and len(churn):
        alerts.append(label("view_alert_churn", language).format(n=len(churn)))
    violations = _period_rows(bundle.table("rules_violations"), p)
    if violations is not None and len(violations):
        alerts.append(label("view_alert_violations", language).format(n=len(violations)))
    out.append(heading("view_alerts", language))
    out += [note(a) for a in alerts] or [note(label("view_alert_none", language))]
    return out


# ------------------------------------------------------------- leaderboard
def leaderboard(bundle: Bundle, language: str) -> list[w.Widget]:
    """Rankings with rank changes, contest standings, awards to read out."""
    out: list[w.Widget] = []
    p = bundle.period
    for name, key in (
        ("incentive_leaderboard_rep", "view_leaderboard_rep"),
        ("incentive_leaderboard_team", "view_leaderboard_team"),
    ):
        board = _period_rows(bundle.table(name), p)
        out.append(heading(key, language))
        if board is None or board.empty:
            out.append(_missing(key, language))
            continue
        out.append(table(board, language))
    awards = _period_rows(bundle.table("incentive_awards"), p)
    out.append(heading("view_awards", language))
    if awards is None or awards.empty:
        out.append(_missing("view_awards", language))
    else:
        text_col = next(
            (
                c
                for c in (f"citation_{language}", f"text_{language}", f"rule_{language}")
                if c in awards.columns
            ),
            None,
        )
        if text_col:
            out += [note(str(t)) for t in awards[text_col].dropna()]
        out.append(table(awards, language))
    contests = _period_rows(bundle.table("incentive_contests"), p)
    out.append(heading("view_contests", language))
    out.append(
        table(contests, language)
        if contests is not None and not contests.empty
        else _missing("view_contests", language)
    )
    return out


# ----------------------------------------------------------- rep scorecard
def rep_scorecard(bundle: Bundle, language: str) -> list[w.Widget]:
    """Pick a rep: KPIs, trend, attainment, activities, training, satisfaction, commission statement."""
    p = bundle.period
    score = bundle.table("kpi_scorecard")
    if score is None or score.empty or "rep_id" not in score.columns:
        return [_missing("view_scorecard", language)]
    current = _period_rows(score, p)
    reps = current if current is not None and not current.empty else score
    name_col = "rep_name" if "rep_name" in reps.columns else "rep_id"
    options = sorted(
        {
            (f"{r[name_col]} ({r['rep_id']})" if name_col != "rep_id" else str(r["rep_id"]), str(r["rep_id"]))
            for _, r in reps.iterrows()
        }
    )
    picker = w.Dropdown(
        options=options, description=label("rep_name", language), layout=w.Layout(width="320px")
    )
    body = w.VBox()
    valid = {v for _, v in options}

    def render(change=None) -> None:
        rep = picker.value
        if rep not in valid:  # value from the browser: accept only listed reps
            body.children = [note(label("view_bad_choice", language))]
            return
        body.children = _rep_sections(bundle, language, rep)

    picker.observe(render, names="value")
    render()
    return [picker, body]


def _rep_sections(bundle: Bundle, language: str, rep: str) -> list[w.Widget]:
    p = bundle.period
    out: list[w.Widget] = []
    score = bundle.table("kpi_scorecard")
    mine = score[score["rep_id"].astype(str) == rep]
    now = mine[mine["period"].astype(str) == p] if "period" in mine.columns else mine
    if not now.empty:
        r = now.iloc[0]
        items = [Card("revenue", fmt_money(_num(r.get("revenue")), language))]
        if "attainment" in r:
            items.append(Card("attainment", fmt_pct(_num(r.get("attainment")), language)))
        for key in ("orders", "win_rate", "visits", "csat"):
            if key in r and not pd.isna(r.get(key)):
                v = _num(r.get(key))
                text = fmt_pct(v, language) if key in ("win_rate", "csat") else f"{v:,.0f}"
                items.append(Card(f"view_{key}", text))
        out.append(cards(items, language))
    if "period" in mine.columns and mine["period"].nunique() > 1:
        fig, ax = _figure(7.5, 2.8)
        s = mine.sort_values("period")
        ax.plot(s["period"].astype(str), s["revenue"], marker="o")
        ax.set_title(label("view_revenue_trend", language))
        _money_axis(ax, language)
        ax.tick_params(axis="x", rotation=45)
        out += [
            heading("view_revenue_trend", language),
            chart(fig, alt=label("view_revenue_trend", language)),
        ]
    out.append(heading("view_scorecard", language))
    out.append(
        table(now.T.reset_index().rename(columns={"index": "metric"}) if not now.empty else now, language)
    )
    for name, key in (
        ("incentive_statements", "view_commission_statement"),
        ("training_coverage", "view_training"),
    ):
        t = _period_rows(bundle.table(name), p)
        if t is not None and "rep_id" in t.columns:
            t = t[t["rep_id"].astype(str) == rep]
            out += [
                heading(key, language),
                table(t, language) if not t.empty else note(label("view_no_rows", language)),
            ]
    return out


# --------------------------------------------------------------- customers
def customers(bundle: Bundle, language: str) -> list[w.Widget]:
    """Segments, migration, churn-risk follow-up list (contact data excluded)."""
    p = bundle.period
    out: list[w.Widget] = []
    seg = _period_rows(bundle.table("customer_segments"), p)
    out.append(heading("view_segments", language))
    if seg is None or seg.empty:
        out.append(_missing("view_segments", language))
    else:
        value_col = next((c for c in ("customers", "n_customers", "count") if c in seg.columns), None)
        name_col = next(
            (c for c in (f"segment_{language}", "segment_label", "segment") if c in seg.columns), None
        )
        if value_col and name_col:
            fig, ax = _figure(7.5, 0.5 + 0.4 * len(seg))
            s = seg.sort_values(value_col)
            ax.barh(s[name_col].astype(str), s[value_col])
            out.append(chart(fig, alt=label("view_segments", language)))
        out.append(table(seg, language))
    mig = _period_rows(bundle.table("customer_migration"), p)
    out.append(heading("view_migration", language))
    out.append(
        table(mig, language) if mig is not None and not mig.empty else _missing("view_migration", language)
    )
    churn = _period_rows(bundle.table("customer_churn_risk"), p)
    out.append(heading("view_churn_risk", language))
    out.append(
        table(churn, language)
        if churn is not None and not churn.empty
        else _missing("view_churn_risk", language)
    )
    clv = _period_rows(bundle.table("customer_clv_segments"), p)
    if clv is not None and not clv.empty:
        out += [heading("view_clv", language), table(clv, language)]
    return out


# ------------------------------------------------------------------- voice
def voice(bundle: Bundle, language: str) -> list[w.Widget]:
    """NPS/CSAT with error bars, dimension heatmap (small groups suppressed), drivers, themes."""
    p = bundle.period
    out: list[w.Widget] = []
    scores = bundle.table("survey_scores")
    out.append(heading("view_survey_scores", language))
    if scores is None or scores.empty:
        out.append(_missing("view_survey_scores", language))
    else:
        out.append(table(_mask_suppressed(_period_rows(scores, p), language), language))
    dims = _period_rows(bundle.table("survey_dimensions"), p)
    out.append(heading("view_survey_dimensions", language))
    if dims is None or dims.empty:
        out.append(_missing("view_survey_dimensions", language))
    else:
        out.append(table(_mask_suppressed(dims, language), language))
    for name, key in (("survey_drivers", "view_drivers"), ("survey_themes", "view_themes")):
        t = _period_rows(bundle.table(name), p)
        out.append(heading(key, language))
        t = _mask_suppressed(t, language)
        out.append(table(t, language) if t is not None and not t.empty else _missing(key, language))
    return out


# ---------------------------------------------------------- training/rules
def training_rules(bundle: Bundle, language: str) -> list[w.Widget]:
    """Kirkpatrick summary, coverage gaps, rule compliance and feedback-channel health."""
    p = bundle.period
    out: list[w.Widget] = []
    for name, key in (
        ("training_kirkpatrick", "view_kirkpatrick"),
        ("training_untrained", "view_training_gaps"),
        ("rules_compliance_group", "view_rules_compliance"),
        ("rules_violations", "view_violations"),
        ("feedback_internal", "view_feedback_internal"),
        ("feedback_customer_followup", "view_feedback_followup"),
    ):
        t = _period_rows(bundle.table(name), p)
        out.append(heading(key, language))
        out.append(table(t, language) if t is not None and not t.empty else _missing(key, language))
    return out


PAGES = {
    "overview": ("view_overview", overview),
    "leaderboard": ("view_leaderboard", leaderboard),
    "rep_scorecard": ("view_rep_scorecard", rep_scorecard),
    "customers": ("view_customers", customers),
    "voice": ("view_voice", voice),
    "training_rules": ("view_training_rules", training_rules),
}
