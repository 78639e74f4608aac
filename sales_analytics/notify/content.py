"""What a notification says, read from a published bundle only (never recomputed).

:func:`digest_of` turns a bundle into a :class:`Digest` (headline figures, the
top of each board, contest winners, awards) and :func:`milestones_of` into the
list of 喜报 :class:`Milestone` cards (rank 1 on a board, target reached, an
award, a big deal won).

Privacy by construction: these are the only fields that leave the bundle for a
group. Pay, commission, reward and prize amounts are never read; a
survey-based award is kept only when the person's survey cut reaches the
anonymity threshold; survey figures are shown only for the whole company and
only when the survey library did not suppress them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sales_analytics.report.labels import label
from sales_analytics.views.bundles import Bundle
from sales_analytics.views.components import fmt_money, fmt_pct

__all__ = ["BoardTop", "Digest", "Milestone", "digest_of", "milestones_of"]

# Awards whose metric comes from a customer survey: shown only above the anonymity threshold.
SURVEY_METRICS = frozenset({"csat", "nps", "csat_top2", "ces", "survey"})
# Boards whose value is an amount of money, a share, or a count.
_MONEY_BOARDS = frozenset({"revenue"})
_SHARE_BOARDS = frozenset({"attainment", "revenue_growth"})


def _num(x: Any) -> float:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return math.nan
    return value


def _at(frame: pd.DataFrame | None, period: str) -> pd.DataFrame | None:
    if frame is None or "period" not in frame.columns:
        return frame
    return frame[frame["period"].astype(str) == period]


def board_value(board: str, value: Any, language: str) -> str:
    """A board's value as shown: money, a percentage or a plain number.

    >>> board_value("revenue", 1865884.54, "zh"), board_value("attainment", 1.5, "en")
    ('¥186.6万', '150.0%')
    >>> board_value("activities", 93.0, "en"), board_value("composite_score", 0.8123, "en")
    ('93', '0.81')
    """
    v = _num(value)
    if board in _MONEY_BOARDS:
        return fmt_money(v, language)
    if board in _SHARE_BOARDS:
        return fmt_pct(v, language)
    if math.isnan(v):
        return label("n_a", language)
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def board_name(board: str, language: str) -> str:
    """``board_<name>`` label when defined, else the metric's label."""
    key = f"board_{board}"
    text = label(key, language)
    return text if text != key else label(board, language)


@dataclass(frozen=True)
class BoardTop:
    """The first rows of one leaderboard: ``(rank, name, team, value text)``."""

    level: str  # rep | team
    board: str
    title: str
    rows: tuple[tuple[int, str, str, str], ...]


@dataclass(frozen=True)
class Milestone:
    """One 喜报 card: who achieved what, in which period."""

    key: str  # stable id: kind-detail-person (used in file names and the send log)
    kind: str  # award | rank1 | target | big_deal
    name: str
    team: str
    headline: str  # e.g. 销售冠军
    detail: str  # e.g. 营收 ¥186.6万
    period: str


@dataclass(frozen=True)
class Digest:
    """The monthly digest: every field here may be seen by the whole group."""

    period: str
    language: str
    organisation: str
    revenue: str | None = None
    mom: str | None = None
    yoy: str | None = None
    attainment: str | None = None
    survey: tuple[tuple[str, str], ...] = ()  # (label, value) company-wide, not suppressed
    boards: tuple[BoardTop, ...] = ()
    contests: tuple[tuple[str, int, str, str], ...] = ()  # (contest, rank, winner, value)
    awards: tuple[tuple[str, str, str], ...] = ()  # (award, name, team)
    views_url: str = ""

    def title(self) -> str:
        org = f"{self.organisation} · " if self.organisation else ""
        return org + label("notify_digest_title", self.language).format(period=self.period)


def _threshold(bundle: Bundle) -> int:
    params = bundle.manifest.get("parameters") or {}
    surveys = params.get("surveys") if isinstance(params, dict) else None
    value = surveys.get("anonymity_threshold") if isinstance(surveys, dict) else None
    return int(value) if isinstance(value, (int, float)) and value > 0 else 5


def _organisation(bundle: Bundle) -> str:
    params = bundle.manifest.get("parameters") or {}
    return str(params.get("organisation") or "") if isinstance(params, dict) else ""


def _survey_cut_ok(bundle: Bundle, rep_id: str, threshold: int) -> bool:
    """True when the rep's survey cut for the period has at least ``threshold`` responses."""
    sat = _at(bundle.table("survey_rep_satisfaction"), bundle.period)
    if sat is None or "responses" not in sat.columns or "rep_id" not in sat.columns:
        return False
    hit = sat[sat["rep_id"].astype(str) == str(rep_id)]
    return bool(len(hit)) and _num(hit["responses"].iloc[0]) >= threshold


def _headline(bundle: Bundle, language: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    p = bundle.period
    monthly = _at(bundle.table("kpi_sales_monthly"), p)
    if monthly is not None and not monthly.empty:
        r = monthly.iloc[-1]
        out["revenue"] = fmt_money(_num(r.get("revenue")), language)
        out["mom"] = fmt_pct(_num(r.get("pct_vs_previous")), language, signed=True)
        out["yoy"] = fmt_pct(_num(r.get("pct_vs_last_year")), language, signed=True)
    team = _at(bundle.table("kpi_attainment_team"), p)
    if team is not None and not team.empty and {"revenue", "target_amount"} <= set(team.columns):
        target = team["target_amount"].sum()
        out["attainment"] = fmt_pct(team["revenue"].sum() / target if target > 0 else math.nan, language)
    return out


def _survey(bundle: Bundle, language: str) -> tuple[tuple[str, str], ...]:
    scores = bundle.table("survey_scores")
    if scores is None or scores.empty or not {"metric", "value", "group_by"} <= set(scores.columns):
        return ()
    s = scores[scores["period"].astype(str) <= bundle.period]
    overall = s[
        (s["group_by"].astype(str) == "all") & (s["instrument"].astype(str) == "customer_satisfaction")
    ]
    if "suppressed" in overall.columns:
        overall = overall[~overall["suppressed"].fillna(True).astype(bool)]
    if overall.empty:
        return ()
    latest = overall[overall["period"].astype(str) == overall["period"].astype(str).max()]
    out = []
    for metric, key, fmt in (("nps", "view_nps", "{:+.0f}"), ("csat_top2", "view_csat", "{:.1f}%")):
        hit = latest[latest["metric"].astype(str) == metric]
        if len(hit) and not math.isnan(_num(hit["value"].iloc[0])):
            out.append((label(key, language), fmt.format(_num(hit["value"].iloc[0]))))
    return tuple(out)


def _boards(bundle: Bundle, language: str, top_n: int) -> tuple[BoardTop, ...]:
    out = []
    for level, table in (("rep", "incentive_leaderboard_rep"), ("team", "incentive_leaderboard_team")):
        frame = _at(bundle.table(table), bundle.period)
        if frame is None or frame.empty or not {"board", "rank", "value"} <= set(frame.columns):
            continue
        name_col = "rep_name" if level == "rep" and "rep_name" in frame.columns else level
        for board in dict.fromkeys(frame["board"].astype(str)):
            b = frame[frame["board"].astype(str) == board].sort_values(["rank", name_col], kind="stable")
            b = b[b["rank"].notna() & (b["rank"] <= top_n)]
            rows = tuple(
                (
                    int(r["rank"]),
                    str(r[name_col]),
                    str(r["team"]) if level == "rep" and "team" in b.columns else "",
                    board_value(board, r["value"], language),
                )
                for _, r in b.iterrows()
            )
            if rows:
                title = f"{label('view_leaderboard_' + level, language)} · {board_name(board, language)}"
                out.append(BoardTop(level, board, title, rows))
    return tuple(out)


def _contests(bundle: Bundle, language: str) -> tuple[tuple[str, int, str, str], ...]:
    frame = _at(bundle.table("incentive_contests"), bundle.period)
    if frame is None or frame.empty or "winner" not in frame.columns:
        return ()
    won = frame[frame["winner"].fillna(False).astype(bool)]
    name_col = "contest_en" if language == "en" and "contest_en" in won.columns else "contest"
    out = []
    for _, r in won.sort_values(["contest_id", "rank"], kind="stable").iterrows():
        out.append(
            (
                str(r[name_col]),
                int(r["rank"]),
                str(r.get("entity_name") or r.get("entity")),
                board_value(str(r.get("metric", "")), r.get("value"), language),
            )
        )
    return tuple(out)


def _awards(bundle: Bundle) -> pd.DataFrame:
    """Awarded rows the group may see (survey awards only above the anonymity threshold)."""
    frame = _at(bundle.table("incentive_awards"), bundle.period)
    if frame is None or frame.empty:
        return pd.DataFrame(columns=["award", "rep_id", "rep_name", "team", "metric", "value"])
    given = frame[frame["awarded"].fillna(False).astype(bool)] if "awarded" in frame.columns else frame
    threshold = _threshold(bundle)
    keep = [
        str(r.get("metric", "")) not in SURVEY_METRICS or _survey_cut_ok(bundle, str(r["rep_id"]), threshold)
        for _, r in given.iterrows()
    ]
    return given[keep].sort_values(["award", "rep_id"], kind="stable")


def digest_of(bundle: Bundle, *, language: str | None = None, views_url: str = "", top_n: int = 3) -> Digest:
    """The monthly digest of a published bundle (in the run's language unless given)."""
    lang = language or bundle.language
    head = _headline(bundle, lang)
    awards = tuple(
        (label(str(r["award"]), lang), str(r["rep_name"]), str(r.get("team") or ""))
        for _, r in _awards(bundle).iterrows()
    )
    return Digest(
        period=bundle.period,
        language=lang,
        organisation=_organisation(bundle),
        revenue=head.get("revenue"),
        mom=head.get("mom"),
        yoy=head.get("yoy"),
        attainment=head.get("attainment"),
        survey=_survey(bundle, lang),
        boards=_boards(bundle, lang, top_n),
        contests=_contests(bundle, lang),
        awards=awards,
        views_url=views_url,
    )


def milestones_of(
    bundle: Bundle, *, language: str | None = None, big_deal_amount: float = 0, limit: int = 20
) -> list[Milestone]:
    """The period's 喜报 cards, in a fixed order: awards, rank 1 on each rep board, big deals,
    targets reached (by attainment, highest first); at most ``limit``; one card per person and reason."""
    lang = language or bundle.language
    p = bundle.period
    out: list[Milestone] = []
    seen: set[str] = set()

    def add(m: Milestone) -> None:
        if m.key not in seen:
            seen.add(m.key)
            out.append(m)

    for _, r in _awards(bundle).iterrows():
        metric = str(r.get("metric", ""))
        value = board_value(metric, r.get("value"), lang)
        detail = f"{label(metric, lang)} {value}" if metric not in SURVEY_METRICS else label(metric, lang)
        add(
            Milestone(
                f"award-{r['award']}-{r['rep_id']}",
                "award",
                str(r["rep_name"]),
                str(r.get("team") or ""),
                label(str(r["award"]), lang),
                detail,
                p,
            )
        )
    reps = _at(bundle.table("incentive_leaderboard_rep"), p)
    if reps is not None and not reps.empty and {"board", "rank"} <= set(reps.columns):
        first = reps[reps["rank"] == 1].sort_values(["board", "rep_id"], kind="stable")
        for _, r in first.iterrows():
            board = str(r["board"])
            add(
                Milestone(
                    f"rank1-{board}-{r['rep_id']}",
                    "rank1",
                    str(r["rep_name"]),
                    str(r.get("team") or ""),
                    label("notify_rank1", lang).format(board=board_name(board, lang)),
                    f"{board_name(board, lang)} {board_value(board, r['value'], lang)}",
                    p,
                )
            )
    if big_deal_amount > 0:
        out += _big_deals(bundle, lang, big_deal_amount, seen)
    att = _at(bundle.table("kpi_attainment_rep"), p)
    if att is not None and not att.empty and "attainment" in att.columns:
        names = _rep_names(bundle)
        hit = att[att["attainment"] >= 1.0].sort_values(["attainment", "rep_id"], ascending=[False, True])
        for _, r in hit.iterrows():
            rep = str(r["rep_id"])
            add(
                Milestone(
                    f"target-{rep}",
                    "target",
                    names.get(rep, (rep, ""))[0],
                    names.get(rep, (rep, ""))[1],
                    label("notify_target_reached", lang),
                    f"{label('attainment', lang)} {fmt_pct(_num(r['attainment']), lang)}",
                    p,
                )
            )
    return out[:limit]


def _rep_names(bundle: Bundle) -> dict[str, tuple[str, str]]:
    card = _at(bundle.table("kpi_scorecard"), bundle.period)
    if card is None or card.empty or "rep_name" not in card.columns:
        return {}
    return {str(r["rep_id"]): (str(r["rep_name"]), str(r.get("team") or "")) for _, r in card.iterrows()}


def _big_deals(bundle: Bundle, language: str, amount: float, seen: set[str]) -> list[Milestone]:
    """Deals won in the period of at least ``amount``, from the bundle's validated input snapshot."""
    path = bundle.path / "inputs" / "deals.parquet"
    if not path.is_file():
        return []
    deals = pd.read_parquet(path, columns=None)
    if not {"deal_id", "rep_id", "status", "amount", "close_date"} <= set(deals.columns):
        return []
    close = pd.to_datetime(deals["close_date"], errors="coerce").dt.strftime("%Y-%m")
    won = deals[
        (deals["status"].astype(str) == "won") & (close == bundle.period) & (deals["amount"] >= amount)
    ]
    names = _rep_names(bundle)
    out = []
    for _, r in won.sort_values(["amount", "deal_id"], ascending=[False, True]).iterrows():
        key = f"big_deal-{r['deal_id']}"
        if key in seen:
            continue
        seen.add(key)
        rep = str(r["rep_id"])
        out.append(
            Milestone(
                key,
                "big_deal",
                names.get(rep, (rep, ""))[0],
                names.get(rep, (rep, ""))[1],
                label("notify_big_deal", language),
                f"{label('notify_deal_amount', language)} {fmt_money(_num(r['amount']), language)}",
                bundle.period,
            )
        )
    return out
