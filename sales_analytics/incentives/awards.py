"""Awards and recognition of the period, each with the rule that decided it (zh and en).

- ``top_seller``: highest net revenue in the period;
- ``most_improved``: highest growth of revenue over the rep's own average of
  the previous ``improvement_months`` months (reps with at least one such month
  and an average above ``min_baseline``);
- ``best_satisfaction``: highest CSAT (or NPS when there is no CSAT) with at
  least ``min_responses`` answers, when survey scores are supplied;
- ``rookie``: highest revenue among reps hired within ``rookie_months``
  before the period end;
- ``activity_leader``: most logged customer activities.

Ties share the award (one row per winner). An award nobody can win (no
survey scores, no rookies, nothing above zero) is one row with
``awarded = False`` and a sentence saying why, so the read-out is complete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sales_analytics.incentives.credits import require_columns
from sales_analytics.incentives.plan import AwardRules, IncentivePlan
from sales_analytics.periods import Period, parse_period

__all__ = ["awards"]

AWARD_COLUMNS = [
    "period",
    "award",
    "awarded",
    "rep_id",
    "rep_name",
    "team",
    "metric",
    "value",
    "baseline",
    "rule_en",
    "rule_zh",
]
_TITLE = {
    "top_seller": ("Top seller", "销售冠军"),
    "most_improved": ("Most improved", "进步之星"),
    "best_satisfaction": ("Best customer satisfaction", "客户满意之星"),
    "rookie": ("Rookie of the period", "最佳新人"),
    "activity_leader": ("Activity leader", "活动量之星"),
}


def _row(
    period: Period,
    award: str,
    *,
    rep: dict | None = None,
    metric: str = "",
    value: float = float("nan"),
    baseline: float = float("nan"),
    en: str,
    zh: str,
) -> dict:
    title_en, title_zh = _TITLE[award]
    rep = rep or {}
    return {
        "period": str(period),
        "award": award,
        "awarded": bool(rep),
        "rep_id": rep.get("rep_id", ""),
        "rep_name": rep.get("rep_name", ""),
        "team": rep.get("team", ""),
        "metric": metric,
        "value": float(value),
        "baseline": float(baseline),
        "rule_en": f"{title_en}: {en}",
        "rule_zh": f"{title_zh}：{zh}",
    }


def _winners(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    valid = frame.loc[frame[column].notna() & (frame[column] > 0)]
    if valid.empty:
        return valid
    return valid.loc[valid[column] == valid[column].max()].sort_values("rep_id")


@dataclass(frozen=True)
class AwardInputs:
    """What every award step reads: the month, its metrics, the rep card and the rules.

    ``metrics``: every month supplied (ids as text); ``current``: the rows of ``period``;
    ``reps``: indexed by ``rep_id`` with ``rep_name`` and ``team`` (empty when absent).
    """

    period: Period
    metrics: pd.DataFrame
    current: pd.DataFrame
    reps: pd.DataFrame
    rules: AwardRules
    satisfaction: pd.DataFrame | None = None

    def who(self, rep_id: str) -> dict:
        """``rep_id, rep_name, name_en, team`` of a rep (the id stands in for a missing name)."""
        info = self.reps
        known = rep_id in info.index
        name = info["rep_name"].get(rep_id, "") if known else ""
        name = str(name) if pd.notna(name) and name else rep_id
        name_en = info["rep_name_en"].get(rep_id, "") if known and "rep_name_en" in info.columns else ""
        team = info["team"].get(rep_id, "") if known else ""
        return {
            "rep_id": rep_id,
            "rep_name": name,
            "name_en": str(name_en) if pd.notna(name_en) and name_en else name,
            "team": str(team) if pd.notna(team) else "",
        }


def award_inputs(
    metrics: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    period: str | Period,
    rules: AwardRules | IncentivePlan | None = None,
    satisfaction: pd.DataFrame | None = None,
) -> AwardInputs:
    """Step 1 of :func:`awards`: check the columns and index the reps (arguments as :func:`awards`)."""
    if isinstance(rules, IncentivePlan):
        rules = rules.awards
    require_columns(metrics, "metrics", ["period", "rep_id", "revenue"])
    require_columns(reps, "reps", ["rep_id"])
    p = parse_period(period)
    info = reps.assign(rep_id=reps["rep_id"].astype(str))
    for col in ("rep_name", "team"):
        if col not in info.columns:
            info = info.assign(**{col: ""})
    m = metrics.assign(period=metrics["period"].astype(str), rep_id=metrics["rep_id"].astype(str))
    return AwardInputs(
        period=p,
        metrics=m,
        current=m.loc[m["period"] == str(p)],
        reps=info.set_index("rep_id"),
        rules=rules or AwardRules(),
        satisfaction=satisfaction,
    )


def _not_awarded(a: AwardInputs, award: str, en: str, zh: str) -> dict:
    """The one row of an award nobody can win, with the reason in both languages."""
    return _row(a.period, award, en=f"not awarded: {en}", zh=f"本期不评选：{zh}")


def _decided(
    a: AwardInputs,
    award: str,
    winners: pd.DataFrame,
    *,
    metric: str,
    say: Callable[[dict, Any], tuple[str, str]],
    nobody: tuple[str, str],
    baseline: bool = False,
) -> list[dict]:
    """One row per winner (``say(who, row)``: the en and zh sentences), else the ``nobody`` reason.

    ``winners`` carries the ``metric`` column (and ``baseline`` when asked for).
    """
    rows = []
    for r in winners.itertuples():
        who = a.who(r.rep_id)
        en, zh = say(who, r)
        base = r.baseline if baseline else float("nan")
        rows.append(
            _row(
                a.period, award, rep=who, metric=metric, value=getattr(r, metric), baseline=base, en=en, zh=zh
            )
        )
    return rows or [_not_awarded(a, award, *nobody)]


def top_seller(a: AwardInputs) -> list[dict]:
    """The highest net revenue of the month."""
    en_p, zh_p = a.period.label("en"), a.period.label("zh")
    return _decided(
        a,
        "top_seller",
        _winners(a.current, "revenue"),
        metric="revenue",
        say=lambda who, r: (
            f"{who['name_en']} had the highest net revenue in {en_p}: {r.revenue:,.2f}.",
            f"{who['rep_name']} 在{zh_p}的净营收最高，为 {r.revenue:,.2f}。",
        ),
        nobody=(f"no rep had revenue in {en_p}.", f"{zh_p}没有销售产生营收。"),
    )


def improvement(a: AwardInputs) -> pd.DataFrame:
    """The current rows with ``baseline`` (mean revenue of the previous ``improvement_months``) and
    ``revenue_growth``. Only reps with a baseline above ``max(min_baseline, 0)`` take part.
    """
    prev = [str(a.period.shift(-k)) for k in range(1, a.rules.improvement_months + 1)]
    base = a.metrics.loc[a.metrics["period"].isin(prev)].groupby("rep_id")["revenue"].mean()
    g = a.current.assign(baseline=a.current["rep_id"].map(base))
    g = g.loc[g["baseline"].notna() & (g["baseline"] > max(a.rules.min_baseline, 0))]
    return g.assign(revenue_growth=(g["revenue"] - g["baseline"]) / g["baseline"])


def most_improved(a: AwardInputs) -> list[dict]:
    """The highest growth over the rep's own average of the previous months (:func:`improvement`)."""
    n = a.rules.improvement_months
    return _decided(
        a,
        "most_improved",
        _winners(improvement(a), "revenue_growth"),
        metric="revenue_growth",
        baseline=True,
        say=lambda who, r: (
            f"{who['name_en']} grew revenue {r.revenue_growth:+.1%} against the average of the "
            f"previous {n} months ({r.baseline:,.2f} → {r.revenue:,.2f}).",
            f"{who['rep_name']} 的营收较前 {n} 个月平均增长 {r.revenue_growth:+.1%}"
            f"（{r.baseline:,.2f} → {r.revenue:,.2f}），增幅最大。",
        ),
        nobody=(
            f"nobody grew revenue over the average of the previous {n} months.",
            f"没有销售的营收高于前 {n} 个月平均。",
        ),
    )


def rookie_hire_dates(a: AwardInputs) -> pd.Series:
    """Hire dates (indexed by ``rep_id``) of the reps hired within ``rookie_months`` before the month end."""
    hired = (
        pd.to_datetime(a.reps["hire_date"])
        if "hire_date" in a.reps.columns
        else pd.Series(dtype="datetime64[ns]")
    )
    end = pd.Timestamp(a.period.end)
    since = end - pd.DateOffset(months=a.rules.rookie_months)
    return hired.loc[(hired > since) & (hired <= end)]


def rookie(a: AwardInputs) -> list[dict]:
    """The highest revenue among the reps of :func:`rookie_hire_dates`."""
    n, hired = a.rules.rookie_months, rookie_hire_dates(a)
    rookies = set(hired.index.astype(str))
    return _decided(
        a,
        "rookie",
        _winners(a.current.loc[a.current["rep_id"].isin(rookies)], "revenue"),
        metric="revenue",
        say=lambda who, r: (
            f"{who['name_en']}, hired {hired.get(r.rep_id):%Y-%m-%d} (within {n} months), had the highest "
            f"revenue among new reps: {r.revenue:,.2f}.",
            f"{who['rep_name']}（{hired.get(r.rep_id):%Y-%m-%d} 入职，{n} 个月内新人）在新人中营收最高，为 "
            f"{r.revenue:,.2f}。",
        ),
        nobody=(f"no rep hired within {n} months had revenue.", f"没有 {n} 个月内入职且有营收的新人。"),
    )


def activity_leader(a: AwardInputs) -> list[dict]:
    """The most logged customer activities of the month."""
    en_p, zh_p = a.period.label("en"), a.period.label("zh")
    if "activities" not in a.current.columns:
        return [_not_awarded(a, "activity_leader", "no activity data supplied.", "未提供客户活动数据。")]
    return _decided(
        a,
        "activity_leader",
        _winners(a.current, "activities"),
        metric="activities",
        say=lambda who, r: (
            f"{who['name_en']} logged the most customer activities in {en_p}: {r.activities:,.0f}.",
            f"{who['rep_name']} 在{zh_p}登记的客户活动最多，共 {r.activities:,.0f} 次。",
        ),
        nobody=(f"no activities logged in {en_p}.", f"{zh_p}没有登记客户活动。"),
    )


@dataclass(frozen=True)
class SatisfactionScores:
    """The month's survey scores that can be ranked.

    ``scores``: rows with a score and at least ``min_responses`` answers (empty when ``count``
    is None); ``score``: ``csat`` (or ``nps`` when there is no CSAT); ``count``: the response
    count column (None: the scores carry none); ``too_few``: rows left out for too few answers.
    """

    scores: pd.DataFrame
    score: str
    count: str | None
    too_few: int


def satisfaction_scores(satisfaction: pd.DataFrame, period: Period, min_responses: int) -> SatisfactionScores:
    """The scores of ``period`` that rest on ``min_responses`` answers or more."""
    score = "csat" if "csat" in satisfaction.columns else "nps"
    require_columns(satisfaction, "satisfaction", ["period", "rep_id", score])
    s = satisfaction.loc[satisfaction["period"].astype(str) == str(period)]
    s = s.assign(rep_id=s["rep_id"].astype(str))
    count = next((c for c in ("responses", "n", "n_responses") if c in s.columns), None)
    if count is None:  # without a count no score can be shown to rest on enough answers
        return SatisfactionScores(s.iloc[0:0], score, None, 0)
    s = s.loc[s[score].notna()]
    few = int((s[count] < min_responses).sum())
    return SatisfactionScores(s.loc[s[count] >= min_responses], score, count, few)


def best_satisfaction(a: AwardInputs) -> list[dict]:
    """The highest CSAT (or NPS) resting on at least ``min_responses`` answers (:func:`satisfaction_scores`)."""
    p, award, least = a.period, "best_satisfaction", a.rules.min_responses
    if a.satisfaction is None or not len(a.satisfaction):
        return [_not_awarded(a, award, "no customer survey scores supplied.", "未提供客户满意度调查得分。")]
    s = satisfaction_scores(a.satisfaction, p, least)
    if s.count is None:
        return [
            _not_awarded(a, award, "the survey scores carry no response count.", "调查得分没有回复数量。")
        ]
    if s.scores.empty:
        return [
            _not_awarded(
                a,
                award,
                f"no rep has {least} or more survey answers this period (not enough responses).",
                f"没有销售在本期获得 {least} 份以上的调查回答（回复不足）。",
            )
        ]
    return _satisfaction_winners(a, s)


def _satisfaction_winners(a: AwardInputs, s: SatisfactionScores) -> list[dict]:
    p, score, count, least = a.period, s.score, str(s.count), a.rules.min_responses
    short_en = short_zh = ""
    if s.too_few:
        short_en = (
            f" {s.too_few} rep(s) with fewer than {least} answers were not considered (not enough responses)."
        )
        short_zh = f" {s.too_few} 位销售回复不足 {least} 份，未参评（回复不足）。"
    best = s.scores.loc[s.scores[score] == s.scores[score].max()].sort_values("rep_id")
    label = score.upper()
    rows = []
    for r in best.itertuples():
        who = a.who(r.rep_id)
        value = float(getattr(r, score))
        low, high = _interval(r, score, value)
        ci = f", 95% CI {low:.1f}–{high:.1f}" if np.isfinite(low) and np.isfinite(high) else ""
        n = f" (n = {int(getattr(r, count))}{ci})"
        n_zh = f"（n = {int(getattr(r, count))}{ci.replace(', 95% CI', '，95% 置信区间')}）"
        rows.append(
            _row(
                p,
                "best_satisfaction",
                rep=who,
                metric=score,
                value=value,
                en=f"{who['name_en']} had the highest {label} in {p.label('en')}: {value:.1f}{n}.{short_en}",
                zh=f"{who['rep_name']} 在{p.label('zh')}的 {label} 最高，为 {value:.1f}{n_zh}。{short_zh}",
            )
        )
    return rows


#: One step per award, in the names of ``AwardRules.enabled``; each returns its rows.
AWARD_STEPS: dict[str, Callable[[AwardInputs], list[dict]]] = {
    "top_seller": top_seller,
    "most_improved": most_improved,
    "best_satisfaction": best_satisfaction,
    "rookie": rookie,
    "activity_leader": activity_leader,
}


def awards(
    metrics: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    period: str | Period,
    rules: AwardRules | IncentivePlan | None = None,
    satisfaction: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Decide the period's awards.

    The steps: :func:`award_inputs`, then one step of :data:`AWARD_STEPS` per enabled award.

    Parameters
    ----------
    metrics : ``period, rep_id, revenue`` [, ``activities``], one row per rep
        and month, including the months before ``period`` (for "most improved").
    reps : ``rep_id`` [, ``rep_name, rep_name_en, team, hire_date``]; English
        sentences use ``rep_name_en`` when present.
    period : the month awarded.
    rules : the plan's ``awards`` section (or the plan); defaults when omitted.
    satisfaction : optional ``period, rep_id, csat`` or ``nps`` [, ``responses``].

    Returns
    -------
    DataFrame
        ``period, award, awarded, rep_id, rep_name, team, metric, value,
        baseline, rule_en, rule_zh``; one row per winner (ties share).

    >>> m = pd.DataFrame({"period": ["2026-03", "2026-03"], "rep_id": ["a", "b"], "revenue": [500.0, 800.0]})
    >>> reps = pd.DataFrame({"rep_id": ["a", "b"], "rep_name": ["Ann", "Bo"], "team": ["T", "T"]})
    >>> out = awards(m, reps, period="2026-03", rules=AwardRules(enabled=["top_seller"]))
    >>> print(out.loc[0, "rule_en"])
    Top seller: Bo had the highest net revenue in Mar 2026: 800.00.
    """
    a = award_inputs(metrics, reps, period=period, rules=rules, satisfaction=satisfaction)
    rows = [row for award in a.rules.enabled for row in AWARD_STEPS[award](a)]
    return pd.DataFrame(rows, columns=AWARD_COLUMNS)


def _interval(row, score: str, value: float) -> tuple[float, float]:
    """The score's interval from ``rep_satisfaction`` (Wilson for CSAT, ± margin of error for NPS)."""
    if score == "csat":
        return float(getattr(row, "csat_ci_low", np.nan)), float(getattr(row, "csat_ci_high", np.nan))
    moe = float(getattr(row, "nps_moe", np.nan))
    return value - moe, value + moe
