"""首页 Home: the six views as cards, each with the month's headline figure and a link that
carries the month and language (``<view>.ipynb?period=…&language=…``)."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import ipywidgets as w
import pandas as pd

from sales_analytics.report.labels import label
from sales_analytics.views._common import at, churn_count, latest_wave, num
from sales_analytics.views.bundles import Bundle
from sales_analytics.views.components import fmt_money, fmt_pct
from sales_analytics.views.links import NAV_PAGES, href

__all__ = ["headline", "home"]


@dataclass(frozen=True)
class Headline:
    """A view's headline figure: the value and the line under it (both already in the language)."""

    value: str
    caption: str


def _overview(bundle: Bundle, language: str) -> Headline | None:
    monthly = at(bundle.table("kpi_sales_monthly"), bundle.period)
    if monthly is None or monthly.empty or "revenue" not in monthly.columns:
        return None
    caption = label("revenue", language)
    team = at(bundle.table("kpi_attainment_team"), bundle.period)
    if team is not None and {"revenue", "target_amount"} <= set(team.columns) and team["target_amount"].sum():
        attainment = team["revenue"].sum() / team["target_amount"].sum()
        caption += f" · {label('attainment', language)} {fmt_pct(attainment, language)}"
    return Headline(fmt_money(num(monthly["revenue"].iloc[-1]), language), caption)


def _leaderboard(bundle: Bundle, language: str) -> Headline | None:
    board = at(bundle.table("incentive_leaderboard_rep"), bundle.period)
    if board is None or board.empty or not {"board", "rank"} <= set(board.columns):
        return None
    first = str(board["board"].iloc[0])
    top = board[board["board"].astype(str) == first].sort_values("rank").iloc[0]
    name = str(top.get("rep_name") or top.get("rep_id") or "")
    board_name = label(f"board_{first}", language)
    if board_name == f"board_{first}":
        board_name = label(first, language)
    return Headline(name, label("view_home_top_of", language).format(board=board_name))


def _rep_scorecard(bundle: Bundle, language: str) -> Headline | None:
    score = at(bundle.table("kpi_scorecard"), bundle.period)
    if score is None or score.empty or "attainment" not in score.columns:
        return None
    reached = int((pd.to_numeric(score["attainment"], errors="coerce") >= 1).sum())
    return Headline(f"{reached} / {len(score)}", label("view_home_reps_on_target", language))


def _customers(bundle: Bundle, language: str) -> Headline | None:
    churn = at(bundle.table("customer_churn_risk"), bundle.period)
    if churn is None:
        return None
    return Headline(f"{churn_count(churn):,}", label("view_home_at_risk", language))


def _voice(bundle: Bundle, language: str) -> Headline | None:
    scores = latest_wave(bundle.table("survey_scores"), bundle.period)
    if scores is None or scores.empty or not {"metric", "value", "instrument"} <= set(scores.columns):
        return None
    overall = scores[
        (scores.get("group_by", "all") == "all")
        & (scores["instrument"] == "customer_satisfaction")
        & (scores["metric"] == "nps")
    ]
    if overall.empty or math.isnan(num(overall["value"].iloc[0])):
        return None
    r = overall.iloc[0]
    caption = label("view_nps", language)
    if "n" in overall.columns and not math.isnan(num(r.get("n"))):
        caption += f" · n = {num(r.get('n')):,.0f}"
    return Headline(f"{num(r['value']):+.0f}", caption)


def _training_rules(bundle: Bundle, language: str) -> Headline | None:
    coverage = at(bundle.table("training_coverage"), bundle.period)
    violations = at(bundle.table("rules_violations"), bundle.period)
    caption = []
    value = None
    if coverage is not None and not coverage.empty and "trained_share" in coverage.columns:
        company = coverage[coverage["level"] == "company"] if "level" in coverage.columns else coverage
        if not company.empty and not math.isnan(num(company["trained_share"].iloc[0])):
            value = fmt_pct(num(company["trained_share"].iloc[0]), language)
            caption.append(label("view_home_trained_share", language))
    if violations is not None:
        n = label("view_home_violations", language).format(n=f"{len(violations):,}")
        if value is None:
            return Headline(f"{len(violations):,}", label("view_violations", language))
        caption.append(n)
    return Headline(value, " · ".join(caption)) if value is not None else None


_HEADLINES = {
    "overview": _overview,
    "leaderboard": _leaderboard,
    "rep_scorecard": _rep_scorecard,
    "customers": _customers,
    "voice": _voice,
    "training_rules": _training_rules,
}


def headline(page: str, bundle: Bundle, language: str) -> Headline | None:
    """The headline figure of ``page`` for ``bundle`` (None when the bundle lacks its tables)."""
    return _HEADLINES[page](bundle, language)


def home(bundle: Bundle, language: str) -> list[w.Widget]:
    cards = []
    for page in NAV_PAGES:
        figure = headline(page, bundle, language)
        value = figure.value if figure else label("n_a", language)
        caption = figure.caption if figure else label("view_home_not_in_bundle", language)
        cards.append(
            f'<a class="sa-card" href="{html.escape(href(page, bundle.period, language))}">'
            f'<div class="sa-k">{html.escape(label(f"view_{page}", language))}</div>'
            f'<div class="sa-v">{html.escape(value)}</div>'
            f'<div class="sa-s">{html.escape(caption)}</div></a>'
        )
    return [w.HTML('<div class="sa-cards sa-home">' + "".join(cards) + "</div>")]
