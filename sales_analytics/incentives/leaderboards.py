"""Leaderboards (排行榜): rank reps or teams per period by any metric or by a composite score.

The functions are metric-agnostic: they take a per-entity metrics frame
(``period, rep_id | team, <metric columns>``, as the KPI module's
``sales_kpis``, ``attainment`` and ``activity_kpis`` produce) and rank it.

Ties share a rank by **competition ranking** (1, 2, 2, 4): entities with
equal values get the best rank of the group and the next rank skips. The
``rank_method`` column says so on every row. An entity without a value is
not ranked. ``rank_change`` is the previous period's rank minus this one
(positive = moved up), empty when the entity was not ranked last period.

Composite score (docs/formulas.md §5)::

    score = Σ_m w_m × min(x_m / target_m, cap_m)   (x_m / max(x_m) when m has no target)
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sales_analytics.errors import ConfigError, DataError, DataProblem
from sales_analytics.incentives.credits import require_columns
from sales_analytics.incentives.plan import CompositeMetric, LeaderboardRules
from sales_analytics.periods import parse_period
from sales_analytics.vocabulary import renamed_arguments

__all__ = ["RANK_METHOD", "composite_score", "leaderboard", "leaderboards", "ranking"]

RANK_METHOD = "competition (1, 2, 2, 4)"
SURVEY_BOARDS = ("csat", "nps")  # boards on survey scores: n, interval and a minimum of responses
NOT_ENOUGH = "not enough responses"
BOARD_COLUMNS = [
    "period",
    "board",
    "rank",
    "previous_rank",
    "rank_change",
    "tied",
    "value",
    "n_ranked",
    "rank_method",
]


@renamed_arguments(entity="by")
def ranking(
    metrics: pd.DataFrame, metric: str, *, by: str = "rep_id", ascending: bool = False
) -> pd.DataFrame:
    """Rank entities per period by one metric column (one board; :func:`leaderboards` makes every board of a plan).

    Parameters
    ----------
    metrics : ``period, <by>, <metric>`` (one row per entity and period).
    metric : the column to rank by (higher is better unless ``ascending``).
    by : ``rep_id`` or ``team`` (any id column).

    Returns
    -------
    DataFrame
        ``period, <by>, board, rank, previous_rank, rank_change, tied,
        value, n_ranked, rank_method``, sorted by period then rank.

    >>> m = pd.DataFrame({"period": ["2026-02"] * 3 + ["2026-03"] * 4, "rep_id": ["a", "b", "c", "a", "b", "c", "d"],
    ...                   "revenue": [5.0, 9.0, 7.0, 8.0, 6.0, 8.0, 3.0]})
    >>> ranking(m, "revenue").query("period == '2026-03'")[["rep_id", "rank", "rank_change", "tied"]]
      rep_id  rank  rank_change   tied
    3      a     1            2   True
    4      c     1            1   True
    5      b     3           -2  False
    6      d     4         <NA>  False
    """
    require_columns(metrics, "metrics", ["period", by, metric])
    frame = metrics[["period", by, metric]].rename(columns={metric: "value"})
    frame = frame.assign(
        period=frame["period"].astype(str), value=pd.to_numeric(frame["value"], errors="coerce")
    )
    dup = frame.duplicated(["period", by])
    if dup.any():
        rows = tuple(int(i) + 1 for i in np.flatnonzero(dup.to_numpy()))
        raise DataError(
            [
                DataProblem(
                    "metrics",
                    f"more than one row per period and {by}",
                    column=by,
                    rows=rows,
                    found=str(frame.loc[dup, by].iloc[0]),
                )
            ]
        )
    rank = frame.groupby("period")["value"].rank(method="min", ascending=ascending)
    frame = frame.assign(rank=rank.astype("Int64"))
    counts = frame.groupby(["period", "rank"])["rank"].transform("size")
    n_ranked = frame.groupby("period")["value"].transform("count")
    frame = frame.assign(tied=(counts > 1).fillna(False).astype(bool), n_ranked=n_ranked.astype("int64"))
    prev = frame[["period", by, "rank"]].rename(columns={"rank": "previous_rank"})
    prev = prev.assign(
        period=prev["period"].map({p: str(parse_period(p).next()) for p in prev["period"].unique()})
    )
    frame = frame.merge(prev, on=["period", by], how="left")
    frame = frame.assign(
        previous_rank=frame["previous_rank"].astype("Int64"),
        rank_change=(frame["previous_rank"].astype("Int64") - frame["rank"]).astype("Int64"),
        board=metric,
        rank_method=RANK_METHOD,
    )
    frame = frame.sort_values(["period", "rank", by], na_position="last", kind="stable")
    return frame[["period", by] + BOARD_COLUMNS[1:]].reset_index(drop=True)


def leaderboard(
    metrics: pd.DataFrame, metric: str, *, by: str = "rep_id", ascending: bool = False
) -> pd.DataFrame:
    """Deprecated: :func:`ranking` (one board); ``leaderboard`` and :func:`leaderboards` read alike."""
    warnings.warn(
        "sa.leaderboard is deprecated: use sa.ranking (one board) or sa.leaderboards (every board of a plan); "
        "the old name goes in the next release",
        DeprecationWarning,
        stacklevel=2,
    )
    return ranking(metrics, metric, by=by, ascending=ascending)


@renamed_arguments(entity="by")
def composite_score(
    metrics: pd.DataFrame, components: Sequence[CompositeMetric | dict], *, by: str = "rep_id"
) -> pd.DataFrame:
    """The all-in-one score per entity and period (docs/formulas.md §5).

    Parameters
    ----------
    metrics : ``period, <by>`` and every component's metric column (and
        target column when a component names one).
    components : ``metric, weight, target, cap`` each; ``target`` is a column
        of ``metrics``, a number, or empty (then ``x / max(x)`` in the period).
        Weights must sum to 1.

    Returns
    -------
    DataFrame
        ``period, <by>, composite_score, <metric>_norm …``; missing
        values count as 0.

    >>> m = pd.DataFrame({"period": ["2026-03"] * 2, "rep_id": ["A", "B"], "attainment": [1.1, 0.9],
    ...                   "visit_att": [0.8, 1.3]})
    >>> composite_score(m, [{"metric": "attainment", "weight": 0.6, "target": 1.0},
    ...                     {"metric": "visit_att", "weight": 0.4, "target": 1.0}])
        period rep_id  composite_score  attainment_norm  visit_att_norm
    0  2026-03      A             0.98              1.1             0.8
    1  2026-03      B             1.06              0.9             1.3
    """
    comps = [c if isinstance(c, CompositeMetric) else CompositeMetric(**c) for c in components]
    if not comps:
        raise ConfigError("<composite>", "composite", "needs at least one metric")
    total = sum(round(c.weight, 12) for c in comps)
    if abs(total - 1) > 1e-9:
        raise ConfigError("<composite>", "composite", f"weights must sum to 1; they sum to {total:g}")
    needed = (
        ["period", by] + [c.metric for c in comps] + [c.target for c in comps if isinstance(c.target, str)]
    )
    require_columns(metrics, "metrics", list(dict.fromkeys(needed)))
    out = metrics[["period", by]].assign(period=metrics["period"].astype(str))
    score = np.zeros(len(out))
    norms = {}
    for c in comps:
        x = pd.to_numeric(metrics[c.metric], errors="coerce").astype(float)
        if c.target is None:
            top = x.groupby(out["period"]).transform("max")
            norm = (x / top.where(top > 0)).clip(upper=c.cap)
        else:
            target = (
                pd.to_numeric(metrics[c.target], errors="coerce")
                if isinstance(c.target, str)
                else pd.Series(float(c.target), index=x.index)
            )
            norm = (x / target.where(target > 0)).clip(upper=c.cap)
        norm = norm.fillna(0.0)
        norms[f"{c.metric}_norm"] = norm.round(6).to_numpy()
        score = score + c.weight * norm.to_numpy()
    return out.assign(composite_score=np.round(score, 6), **norms).reset_index(drop=True)


@renamed_arguments(entity="by")
def leaderboards(
    metrics: pd.DataFrame,
    rules: LeaderboardRules | None = None,
    *,
    by: str = "rep_id",
    boards: Sequence[str] | None = None,
    extra: pd.DataFrame | None = None,
    keep: Sequence[str] = ("rep_name", "team"),
    min_responses: int = 10,
) -> pd.DataFrame:
    """Every board of the plan in one long table: one row per period × board × entity.

    Parameters
    ----------
    metrics : ``period, <by>, <metric columns>``.
    rules : the plan's ``leaderboards`` section (boards and composite); default rules when omitted.
    boards : metric columns to rank (default ``rules.metrics``); columns absent
        from ``metrics`` are skipped. The composite board is added when every
        component's columns are present.
    extra : optional columns joined on ``period, <by>`` (e.g. reward and
        penalty totals from :func:`ledger_totals`), shown next to each row;
        numeric extra values missing for an entity are 0 (no events).
    keep : columns of ``metrics`` carried onto every row when present (names, team).
    min_responses : on a survey board (``csat``, ``nps``) an entity with fewer
        ``responses`` is not ranked; its ``status`` says "not enough responses"
        (the plan's ``awards.min_responses``).

    Returns
    -------
    DataFrame
        ``period, <by>, board, rank, previous_rank, rank_change, tied,
        value, n_ranked, rank_method`` [+ kept and extra columns]; with a survey
        board also ``responses, ci_low, ci_high`` (the score's interval: Wilson for
        CSAT, ± margin of error for NPS) and ``status`` (``ranked`` | ``not enough
        responses`` on survey boards, empty elsewhere).
    """
    rules = rules or LeaderboardRules()
    wanted = list(boards) if boards is not None else list(rules.metrics)
    parts = [
        _survey_board(metrics, b, by, min_responses) if b in SURVEY_BOARDS else ranking(metrics, b, by=by)
        for b in wanted
        if b in metrics.columns
    ]
    comp_cols = [c.metric for c in rules.composite] + [
        c.target for c in rules.composite if isinstance(c.target, str)
    ]
    if rules.composite and all(c in metrics.columns for c in comp_cols):
        scores = composite_score(metrics, rules.composite, by=by)
        parts.append(ranking(scores, "composite_score", by=by))
    if not parts:
        out = pd.DataFrame(columns=["period", by] + BOARD_COLUMNS[1:])
    else:
        out = pd.concat(parts, ignore_index=True)
    carried = [c for c in keep if c in metrics.columns and c != by]
    if carried and len(out):
        names = metrics[["period", by, *carried]].assign(period=metrics["period"].astype(str))
        out = out.merge(names.drop_duplicates(["period", by]), on=["period", by], how="left")
        out = out[["period", by, *carried] + [c for c in out.columns if c not in ("period", by, *carried)]]
    if extra is not None and len(out):
        out = out.merge(extra.assign(period=extra["period"].astype(str)), on=["period", by], how="left")
        numeric = [
            c for c in extra.columns if c not in ("period", by) and pd.api.types.is_numeric_dtype(extra[c])
        ]
        out[numeric] = out[numeric].fillna(0)
    return out.reset_index(drop=True)


def _survey_board(metrics: pd.DataFrame, metric: str, entity: str, min_responses: int) -> pd.DataFrame:
    """A board on a survey score: entities under ``min_responses`` answers are listed, not ranked."""
    n = (
        pd.to_numeric(metrics["responses"], errors="coerce")
        if "responses" in metrics.columns
        else pd.Series(np.nan, index=metrics.index)
    )
    value = pd.to_numeric(metrics[metric], errors="coerce")
    few = (n.fillna(0) < min_responses) & value.notna()
    board = ranking(metrics.assign(**{metric: value.where(~few)}), metric, by=entity)
    if metric == "csat" and {"csat_ci_low", "csat_ci_high"} <= set(metrics.columns):
        low, high = metrics["csat_ci_low"], metrics["csat_ci_high"]
    elif metric == "nps" and "nps_moe" in metrics.columns:
        low, high = value - metrics["nps_moe"], value + metrics["nps_moe"]
    else:
        low = high = pd.Series(np.nan, index=metrics.index)
    info = pd.DataFrame(
        {
            "period": metrics["period"].astype(str),
            entity: metrics[entity],
            "_value": value,
            "responses": n,
            "ci_low": pd.to_numeric(low, errors="coerce"),
            "ci_high": pd.to_numeric(high, errors="coerce"),
            "status": np.where(few, NOT_ENOUGH, np.where(value.notna(), "ranked", "")),
        }
    ).drop_duplicates(["period", entity])
    board = board.merge(info, on=["period", entity], how="left")
    # the score stays visible next to "not enough responses", it only does not rank
    board = board.assign(value=board["value"].fillna(board.pop("_value")))
    return board
