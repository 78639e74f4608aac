"""排行榜 Leaderboard & contests, and 个人绩效 the rep scorecard."""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as w
import pandas as pd

from sales_analytics.report.charts import leaderboard_chart
from sales_analytics.report.labels import label
from sales_analytics.views._common import (
    at,
    missing,
    num,
    revenue_target_chart,
)
from sales_analytics.views.app import note
from sales_analytics.views.bundles import Bundle
from sales_analytics.views.components import (
    Card,
    cards,
    chart,
    fmt_money,
    fmt_pct,
    heading,
    table,
)
from sales_analytics.views.goals import forecast_section
from sales_analytics.views.statement import payslip

_BOARD_TABLES = {"rep": "incentive_leaderboard_rep", "team": "incentive_leaderboard_team"}
_BOARD_COLUMNS = ("rank", "rank_change", "rep_name", "team", "value", "tied")


def _boards(frame: pd.DataFrame | None, level: str, language: str) -> list[w.Widget]:
    key = f"view_leaderboard_{level}"
    if frame is None or frame.empty or "board" not in frame.columns:
        return [heading(key, language), missing(key, language)]
    names = list(dict.fromkeys(frame["board"].astype(str)))
    picker = w.ToggleButtons(
        options=[
            (
                label(f"board_{n}", language)
                if label(f"board_{n}", language) != f"board_{n}"
                else label(n, language),
                n,
            )
            for n in names
        ],
        value=names[0],
    )
    body = w.VBox()
    name_col = (
        "rep_name"
        if level == "rep" and "rep_name" in frame.columns
        else ("team" if level == "team" else "rep_id")
    )

    def render(change: dict[str, Any] | None = None) -> None:
        board = picker.value
        if board not in names:  # value from the browser
            body.children = [note(label("view_bad_choice", language))]
            return
        b = frame[frame["board"].astype(str) == board].sort_values("rank")
        cols = [c for c in ("rank", "rank_change", name_col, "team", "value", "tied") if c in b.columns]
        cols = list(dict.fromkeys(cols))
        body.children = [
            chart(
                leaderboard_chart(
                    b, board, language, by="team" if level == "team" else "rep_id", label_column=name_col
                ),
                alt=picker.label,
            ),
            table(b[cols], language, source=_BOARD_TABLES[level], units=_board_units(board)),
        ]

    picker.observe(render, names="value")
    render()
    return [heading(key, language), picker, body]


def leaderboard(bundle: Bundle, language: str) -> list[w.Widget]:
    p = bundle.period
    out = _boards(at(bundle.table("incentive_leaderboard_rep"), p), "rep", language)
    out += _boards(at(bundle.table("incentive_leaderboard_team"), p), "team", language)

    awards = at(bundle.table("incentive_awards"), p)
    out.append(heading("view_awards", language))
    if awards is None or awards.empty:
        out.append(missing("view_awards", language))
    else:
        text_col = f"rule_{language}"
        given = (
            awards[awards["awarded"].fillna(False).astype(bool)] if "awarded" in awards.columns else awards
        )
        if text_col in given.columns:
            out += [note(str(t)) for t in given[text_col].dropna()]
        shown = awards.drop(columns=["period"], errors="ignore")
        out.append(table(shown, language, source="incentive_awards"))

    contests = at(bundle.table("incentive_contests"), p)
    out.append(heading("view_contests", language))
    if contests is None or contests.empty:
        out.append(missing("view_contests", language))
    else:
        shown = contests.copy()
        if language == "en" and "contest_en" in shown.columns:
            shown["contest"] = shown["contest_en"]
        shown = shown.drop(
            columns=[c for c in ("contest_en", "contest_id", "as_of", "period") if c in shown.columns]
        )
        out.append(table(shown, language, source="incentive_contests"))
    return out


# ----------------------------------------------------------- rep scorecard
def _board_units(board: str) -> dict[str, str]:
    """The unit of a board's ``value`` (money, a fraction, a count or a score)."""
    unit = {"revenue": "money", "credited_sales": "money", "attainment": "fraction"}.get(board)
    if unit is None and board in ("new_customers", "activities", "orders", "visits", "calls"):
        unit = "count"
    return {"value": unit or "number"}


def _metrics_table(row: pd.DataFrame, language: str) -> w.HTML:
    """A rep's scorecard row as a two-column table (metric, value): each value formatted by the
    presentation layer for its declared unit, then read down instead of across."""
    from sales_analytics.report.present import present

    shown = present(row, "kpi_scorecard", language=language, max_rows=None)
    pairs = pd.DataFrame(
        {"metric": list(shown.frame.columns), "value": list(shown.frame.iloc[0])},
    )
    return table(pairs, language, units={"metric": "text", "value": "text"}, scroll_after=60,
                 labels={"metric": "view_metric", "value": "view_value"}, interactive=False)  # fmt: skip


def rep_scorecard(bundle: Bundle, language: str) -> list[w.Widget]:
    p = bundle.period
    score = at(bundle.table("kpi_scorecard"), p)
    if score is None or score.empty or "rep_id" not in score.columns:
        return [missing("view_scorecard", language)]
    name_col = "rep_name" if "rep_name" in score.columns else "rep_id"
    options = [
        (f"{r[name_col]} ({r['rep_id']})" if name_col != "rep_id" else str(r["rep_id"]), str(r["rep_id"]))
        for _, r in score.sort_values("rep_id").iterrows()
    ]
    picker = w.Dropdown(
        options=options, description=label("rep_name", language), layout=w.Layout(width="320px")
    )
    body = w.VBox()
    valid = {v for _, v in options}

    def render(change: dict[str, Any] | None = None) -> None:
        rep = picker.value
        if rep not in valid:  # value from the browser: accept only listed reps
            body.children = [note(label("view_bad_choice", language))]
            return
        body.children = _rep_sections(bundle, language, rep)

    picker.observe(render, names="value")
    render()
    return [picker, body]


def _rep_rows(bundle: Bundle, name: str, rep: str, period: str | None = None) -> pd.DataFrame | None:
    t = bundle.table(name)
    if t is None or "rep_id" not in t.columns:
        return None
    t = t[t["rep_id"].astype(str) == rep]
    return at(t, period) if period else t


def _rep_sections(bundle: Bundle, language: str, rep: str) -> list[w.Widget]:
    p = bundle.period
    out: list[w.Widget] = []
    now = _rep_rows(bundle, "kpi_scorecard", rep, p)
    sat = _rep_rows(bundle, "survey_rep_satisfaction", rep, p)
    if now is not None and not now.empty:
        r = now.iloc[0]
        items = [
            Card("revenue", fmt_money(num(r.get("revenue")), language)),
            Card("attainment", fmt_pct(num(r.get("attainment")), language)),
        ]
        for key in ("orders", "win_rate", "visits"):
            v = num(r.get(key))
            if not math.isnan(v):
                items.append(Card(f"view_{key}", fmt_pct(v, language) if key == "win_rate" else f"{v:,.0f}"))
        if sat is not None and not sat.empty and not math.isnan(num(sat["csat"].iloc[0])):
            items.append(Card("view_csat", _csat_text(sat.iloc[0])))
        out.append(cards(items, language))

    hist = _rep_rows(bundle, "kpi_sales_by_rep", rep)
    att = _rep_rows(bundle, "kpi_attainment_rep", rep)
    if hist is not None and not hist.empty:
        h = hist[hist["period"].astype(str) <= p]
        targets = None
        if att is not None and "target_amount" in att.columns:
            targets = att.set_index(att["period"].astype(str))["target_amount"]
        out += revenue_target_chart(h, targets, language, "view_revenue_trend", months=12, size=(7.5, 3.0))

    if now is not None and not now.empty:
        detail = now.drop(columns=[c for c in ("period", "rep_id", "rep_name", "team") if c in now.columns])
        out += [heading("view_scorecard", language), _metrics_table(detail.iloc[:1], language)]
    acts = _rep_rows(bundle, "kpi_activities", rep)
    if acts is not None and not acts.empty:
        a = acts[acts["period"].astype(str) <= p].sort_values("period").tail(6)
        out += [
            heading("view_activities", language),
            table(a.drop(columns=["rep_id"]), language, source="kpi_activities", sort_by="period"),
        ]
    training = bundle.table("training_coverage")
    if training is not None and {"level", "key"} <= set(training.columns):
        t = at(training[(training["level"] == "rep") & (training["key"].astype(str) == rep)], p)
        out += [
            heading("view_training", language),
            table(t.drop(columns=["level", "key"]), language, source="training_coverage")
            if not t.empty
            else note(label("view_no_rows", language)),
        ]
    out += payslip(bundle, language, rep)
    out += forecast_section(bundle, language, rep_id=rep)
    return out


def _csat_text(row: pd.Series) -> str:
    """A rep's CSAT with its n and 95% interval (surveys give percent): ``92.3% · n = 14 · 70.1–98.6%``."""
    text = f"{num(row.get('csat')) / 100:.1%}"
    n = num(row.get("responses"))
    if not math.isnan(n):
        text += f" · n = {n:,.0f}"
    low, high = num(row.get("csat_ci_low")), num(row.get("csat_ci_high"))
    if not (math.isnan(low) or math.isnan(high)):
        text += f" · 95% CI {low / 100:.1%}–{high / 100:.1%}"
    return text
