"""The period at a glance: headline figures and what changed, read from a bundle's published tables.

The HTML reports open with it (:mod:`sales_analytics.report.html`); it reads
only published tables (``tables/*.parquet``), never raw data, and a figure
whose table is missing or empty is left out rather than guessed.

>>> import pandas as pd
>>> monthly = pd.DataFrame({"period": ["2026-09", "2026-10"], "revenue": [100.0, 125.0], "orders": [4, 5],
...     "pct_vs_previous": [None, 0.25], "pct_vs_last_year": [None, None]})
>>> [(h.key, h.value, h.change) for h in headlines({"kpi_sales_monthly": monthly}, "2026-10", "en")]
[('revenue', '125.00', '+25.0% vs previous month'), ('orders', '5', '+25.0% vs previous month')]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sales_analytics.report.labels import label
from sales_analytics.report.present import format_value, money_text

__all__ = ["Headline", "headlines", "load_summary_tables", "what_changed"]

# The tables the summary reads (the rest of the bundle is not loaded).
SUMMARY_TABLES = (
    "kpi_sales_monthly",
    "kpi_sales_by_team",
    "kpi_attainment_team",
    "incentive_commission_summary",
    "survey_scores",
    "customer_churn_risk",
    "training_coverage",
    "feedback_open_items",
)


@dataclass(frozen=True)
class Headline:
    """One headline figure: its label key, the value as text and the change as text ('' when none)."""

    key: str
    value: str
    change: str = ""
    direction: int = 0  # +1 better, -1 worse, 0 flat or unknown


def load_summary_tables(tables_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The published tables the summary uses, by name (missing ones left out)."""
    folder = Path(tables_dir)
    return {
        n: pd.read_parquet(folder / f"{n}.parquet")
        for n in SUMMARY_TABLES
        if (folder / f"{n}.parquet").is_file()
    }


def _num(value: object) -> float | None:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _row(frame: pd.DataFrame | None, period: str) -> pd.Series | None:
    if frame is None or frame.empty or "period" not in frame.columns:
        return None
    rows = frame[frame["period"].astype(str) == period]
    return rows.iloc[-1] if len(rows) else None


def _pct_change(value: float | None, language: str, key: str = "summary_vs_previous") -> tuple[str, int]:
    if value is None:
        return "", 0
    text = f"{value:+.1%}"
    return label(key, language).format(change=text), (value > 0) - (value < 0)


def _money(value: float, language: str) -> str:
    return money_text(value, language, decimals=0 if abs(value) >= 100_000 else 2)


def _sales(tables: Mapping[str, pd.DataFrame], period: str, language: str) -> list[Headline]:
    row = _row(tables.get("kpi_sales_monthly"), period)
    if row is None:
        return []
    out = []
    revenue, pct = _num(row.get("revenue")), _num(row.get("pct_vs_previous"))
    if revenue is not None:
        change, up = _pct_change(pct, language)
        out.append(Headline("revenue", _money(revenue, language), change, up))
    orders = _num(row.get("orders"))
    if orders is not None:
        previous = _row(tables["kpi_sales_monthly"], _previous(tables["kpi_sales_monthly"], period))
        before = _num(previous.get("orders")) if previous is not None else None
        change, up = _pct_change(orders / before - 1 if before else None, language)
        out.append(Headline("orders", format_value(orders, "count", language), change, up))
    return out


def _previous(frame: pd.DataFrame, period: str) -> str:
    earlier = sorted(p for p in frame["period"].astype(str).unique() if p < period)
    return earlier[-1] if earlier else ""


def _attainment(tables: Mapping[str, pd.DataFrame], period: str, language: str) -> list[Headline]:
    frame = tables.get("kpi_attainment_team")
    if frame is None or frame.empty:
        return []

    def company(p: str) -> float | None:
        rows = frame[frame["period"].astype(str) == p]
        target = _num(rows["target_amount"].sum()) if len(rows) else None
        return _num(rows["revenue"].sum()) / target if target else None  # type: ignore[operator]

    now = company(period)
    if now is None:
        return []
    before = company(_previous(frame, period))
    change = ""
    up = 0
    if before is not None:
        points = (now - before) * 100
        change = label("summary_points_vs_previous", language).format(change=f"{points:+.1f}")
        up = (points > 0) - (points < 0)
    return [Headline("summary_attainment", format_value(now, "fraction", language), change, up)]


def _commission(tables: Mapping[str, pd.DataFrame], period: str, language: str) -> list[Headline]:
    frame = tables.get("incentive_commission_summary")
    if frame is None or frame.empty:
        return []
    rows = frame[frame["period"].astype(str) == period]
    if rows.empty:
        return []
    total = float(rows["payout"].sum())
    reps = label("summary_reps", language).format(n=f"{rows['rep_id'].nunique():,}")
    return [Headline("summary_payout", money_text(total, language), reps)]


def _surveys(tables: Mapping[str, pd.DataFrame], period: str, language: str) -> list[Headline]:
    frame = tables.get("survey_scores")
    if frame is None or frame.empty:
        return []
    out = []
    company = frame[
        (frame["group_by"] == "all") & (frame["period"].astype(str) <= period) & ~frame["suppressed"]
    ]
    for instrument, metric, key in (
        ("customer_satisfaction", "nps", "summary_nps"),
        ("customer_satisfaction", "csat_top2", "summary_csat"),
    ):
        rows = company[(company["instrument"] == instrument) & (company["metric"] == metric)]
        if rows.empty:
            continue
        last = rows.sort_values("period").iloc[-1]
        value = _num(last["value"])
        if value is None:
            continue
        shown = f"{value:.1f}" if metric == "nps" else format_value(value, "percent", language)
        change_value = _num(last.get("change"))
        change = ""
        up = 0
        if change_value is not None:
            change = label("summary_change_since", language).format(
                change=f"{change_value:+.1f}", period=str(last.get("previous_period") or "")
            )
            up = (change_value > 0) - (change_value < 0)
        if str(last["period"]) != period:
            change = label("summary_last_wave", language).format(period=str(last["period"]))
        out.append(Headline(key, shown, change, up))
    return out


def _customers(tables: Mapping[str, pd.DataFrame], period: str, language: str) -> list[Headline]:
    row = _row(tables.get("customer_churn_risk"), period)
    if row is None:
        return []
    total = _num(row.get("at_risk_total"))
    return [] if total is None else [Headline("summary_at_risk", format_value(total, "count", language))]


def _training(tables: Mapping[str, pd.DataFrame], period: str, language: str) -> list[Headline]:
    frame = tables.get("training_coverage")
    if frame is None or frame.empty:
        return []
    rows = frame[(frame["period"].astype(str) == period) & (frame["level"] == "all")]
    if rows.empty:
        return []
    share = _num(rows.iloc[0]["trained_share"])
    return [] if share is None else [Headline("summary_trained", format_value(share, "fraction", language))]


def _feedback(tables: Mapping[str, pd.DataFrame], period: str, language: str) -> list[Headline]:
    frame = tables.get("feedback_open_items")
    if frame is None:
        return []
    rows = frame[frame["period"].astype(str) == period]
    stale = int(rows["stale"].fillna(False).astype(bool).sum()) if "stale" in rows else 0
    change = label("summary_stale", language).format(n=f"{stale:,}") if stale else ""
    return [
        Headline(
            "summary_open_feedback", format_value(len(rows), "count", language), change, -1 if stale else 0
        )
    ]


_SECTIONS: tuple[Callable[[Mapping[str, pd.DataFrame], str, str], list[Headline]], ...] = (
    _sales,
    _attainment,
    _commission,
    _surveys,
    _customers,
    _training,
    _feedback,
)


def headlines(tables: Mapping[str, pd.DataFrame], period: str, language: str = "zh") -> list[Headline]:
    """The period's headline figures, in a fixed order; a figure without its table is left out."""
    return [h for section in _SECTIONS for h in section(tables, str(period), language)]


def what_changed(tables: Mapping[str, pd.DataFrame], period: str, language: str = "zh") -> list[str]:
    """Sentences on what moved most since the previous month (teams' revenue, attainment).

    >>> teams = pd.DataFrame({"period": ["2026-10"] * 2, "team": ["A", "B"], "revenue": [120.0, 80.0],
    ...     "change_vs_previous": [20.0, -40.0], "pct_vs_previous": [0.2, -1 / 3]})
    >>> what_changed({"kpi_sales_by_team": teams}, "2026-10", "en")
    ['Largest rise: A +20.00 (+20.0%).', 'Largest fall: B -40.00 (-33.3%).']
    """
    out: list[str] = []
    teams = tables.get("kpi_sales_by_team")
    if teams is not None and not teams.empty:
        now = teams[teams["period"].astype(str) == period].dropna(subset=["change_vs_previous"])
        if len(now):
            ranked = now.sort_values("change_vs_previous", kind="stable")
            best, worst = ranked.iloc[-1], ranked.iloc[0]
            for key, row, sign in (("summary_top_riser", best, 1), ("summary_top_faller", worst, -1)):
                change = float(row["change_vs_previous"])
                if change * sign <= 0:
                    continue
                pct = _num(row.get("pct_vs_previous"))
                text = ("+" if change > 0 else "-") + _money(abs(change), language)
                if pct is not None:
                    text += f" ({pct:+.1%})"
                out.append(label(key, language).format(name=row["team"], change=text))
    att = tables.get("kpi_attainment_team")
    if att is not None and not att.empty:
        now = att[att["period"].astype(str) == period]
        below = now[now["attainment"] < 1]
        if len(now):
            out.append(
                label("summary_teams_below", language).format(below=f"{len(below):,}", teams=f"{len(now):,}")
            )
    return out
