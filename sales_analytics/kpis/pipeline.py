"""Pipeline KPIs from deals and their stage history (docs/formulas.md §3).

- open pipeline: deals open at ``as_of`` (created on or before it, and either
  still open or closed after it), Σ amount;
- weighted pipeline: Σ amount × probability, the deal's own probability, else
  the stage's (a mapping passed in, else the median recorded for the stage);
  probabilities above 1 in a column mean percent (Zoho's ``Probability (%)``);
- win rate: won / (won + lost) over deals closed in the period;
- average sales cycle: mean days from creation to close of deals won in the period;
- pipeline velocity: open deals × average won deal size × win rate / cycle days;
- slipped deals: deals whose close date was moved, during the period, from
  inside the period to after its end (needs stage history with close_date).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, DataProblem, require_columns
from sales_analytics.kpis._core import as_datetime, bad_rows, safe_ratio
from sales_analytics.periods import Period, parse_period
from sales_analytics.vocabulary import DEAL_STATUSES

__all__ = ["PIPELINE_COLUMNS", "deal_status", "pipeline_kpis", "stage_conversion", "stage_order"]

DEAL_COLUMNS = ("deal_id", "rep_id", "stage", "created_date")
PIPELINE_COLUMNS = (
    "open_deals",
    "open_pipeline",
    "weighted_pipeline",
    "won_deals",
    "lost_deals",
    "won_amount",
    "win_rate",
    "avg_deal_size",
    "avg_cycle_days",
    "velocity",
    "slipped_deals",
    "close_date_pushes",
)
_WON_WORDS = ("won", "赢单", "成交", "赢")
_LOST_WORDS = ("lost", "输单", "丢单", "输", "失败")


def _status_from_stage(stage: str) -> str:
    s = str(stage).lower()
    if any(w in s for w in _LOST_WORDS):
        return "lost"
    if any(w in s for w in _WON_WORDS):
        return "won"
    return "open"


def _map_distinct(values: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """``values.map(func)`` with ``func`` called once per distinct value (a few stages, 10⁴-10⁵ deals).

    >>> _map_distinct(pd.Series(["a", "b", "a", None], dtype=object), lambda v: None if v is None else v * 2).tolist()
    ['aa', 'bb', 'aa', None]
    """
    codes, uniques = pd.factorize(values)
    mapped = np.empty(len(uniques) + 1, dtype=object)  # last: the empty value, as the column holds it
    mapped[: len(uniques)] = [func(u) for u in uniques]
    missing = np.flatnonzero(codes < 0)
    if len(missing):
        mapped[-1] = func(values.iloc[missing[0]])
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def deal_status(deals: pd.DataFrame) -> pd.Series:
    """Each deal's status (open | won | lost): the ``status`` column, else read from the stage name.

    >>> deal_status(pd.DataFrame({"stage": ["Closed Won", "Negotiation/Review", "Closed Lost"]})).tolist()
    ['won', 'open', 'lost']
    """
    from_stage = _map_distinct(deals["stage"].astype(str), _status_from_stage)
    if "status" not in deals.columns:
        return from_stage.astype("str")
    s = deals["status"].astype(object).where(deals["status"].notna(), None)
    norm = _map_distinct(s, lambda v: None if v is None else str(v).strip().lower())
    bad = (norm.notna() & ~norm.isin(DEAL_STATUSES)).to_numpy()
    if bad.any():
        raise DataError(
            [bad_rows("deals", "status", bad, "have an unknown status", "open | won | lost", deals["status"])]
        )
    return norm.fillna(from_stage).astype("str")


def _probabilities(values: pd.Series) -> pd.Series:
    p = pd.to_numeric(values, errors="coerce").astype(np.float64)
    return p / 100.0 if (p > 1).any() else p


def _stage_probability(
    deals: pd.DataFrame, history: pd.DataFrame | None, mapping: Mapping[str, float] | None
) -> pd.Series:
    """Probability per stage: ``mapping`` else the median recorded in deals and history."""
    if mapping:
        m = pd.Series(dict(mapping), dtype=np.float64)
        return m / 100.0 if (m > 1).any() else m
    frames = [deals[["stage", "probability"]]] if "probability" in deals.columns else []
    if history is not None and "probability" in history.columns:
        frames.append(history[["stage", "probability"]])
    if not frames:
        return pd.Series(dtype=np.float64)
    both = pd.concat(frames, ignore_index=True)
    both["probability"] = _probabilities(both["probability"])
    return both.dropna().groupby(both["stage"].astype(str))["probability"].median()


def _deal_frame(deals: pd.DataFrame, reps: pd.DataFrame | None, by: Sequence[str]) -> pd.DataFrame:
    require_columns(deals, "deals", DEAL_COLUMNS)
    d = pd.DataFrame(
        {
            "deal_id": deals["deal_id"].astype(str).to_numpy(),
            "rep_id": deals["rep_id"].astype(object).to_numpy(),
            "stage": deals["stage"].astype(str).to_numpy(),
            "status": deal_status(deals).to_numpy(),
            "amount": (
                pd.to_numeric(deals["amount"], errors="coerce").to_numpy(dtype=np.float64)
                if "amount" in deals.columns
                else np.full(len(deals), np.nan)
            ),
            "created": as_datetime(deals, "deals", "created_date"),
            "closed": (
                as_datetime(deals, "deals", "close_date")
                if "close_date" in deals.columns
                else np.full(len(deals), np.datetime64("NaT"), dtype="datetime64[ns]")
            ),
        }
    )
    if "probability" in deals.columns:
        d["probability"] = _probabilities(deals["probability"]).to_numpy()
    for col in by:
        if col in deals.columns:
            d[col] = deals[col].astype(object).to_numpy()
        elif reps is not None and col in reps.columns:
            team_of = pd.Series(reps[col].astype(object).to_numpy(), index=reps["rep_id"].astype(str))
            d[col] = d["rep_id"].astype(str).map(team_of).to_numpy()
        else:
            raise DataError(
                [
                    DataProblem(
                        "deals",
                        f"cannot group by {col!r}: not a column of deals"
                        + (" or reps" if reps is not None else " (pass `reps` for team)"),
                        column=col,
                        expected=", ".join(map(str, deals.columns)),
                    )
                ]
            )
    return d


def _history_frame(history: pd.DataFrame) -> pd.DataFrame:
    require_columns(history, "deal_stage_history", ("deal_id", "stage", "changed_at"))
    h = pd.DataFrame(
        {
            "deal_id": history["deal_id"].astype(str).to_numpy(),
            "stage": history["stage"].astype(str).to_numpy(),
            "changed_at": as_datetime(history, "deal_stage_history", "changed_at"),
        }
    )
    if "close_date" in history.columns:
        h["close_date"] = as_datetime(history, "deal_stage_history", "close_date")
    return h.sort_values(["deal_id", "changed_at"], kind="stable").reset_index(drop=True)


def _slips(history: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Per deal in the period: close-date pushes and whether the close date slipped past the period end."""
    if "close_date" not in history.columns:
        return pd.DataFrame(columns=["deal_id", "pushes", "slipped"])
    h = history.dropna(subset=["close_date"])
    prev = h.groupby("deal_id", sort=False)["close_date"].shift(1)
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    during = (h["changed_at"] >= start) & (h["changed_at"] < end + pd.Timedelta(days=1))
    pushed = during & prev.notna() & (h["close_date"] > prev)
    slipped = pushed & (prev <= end) & (h["close_date"] > end)
    out = pd.DataFrame({"deal_id": h["deal_id"], "pushes": pushed.astype(int), "slipped": slipped})
    return out.groupby("deal_id", as_index=False).agg(pushes=("pushes", "sum"), slipped=("slipped", "any"))


def pipeline_kpis(
    deals: pd.DataFrame,
    *,
    stage_history: pd.DataFrame | None = None,
    by: Sequence[str] = (),
    as_of: date | datetime | str | None = None,
    period: Period | str | None = None,
    reps: pd.DataFrame | None = None,
    stage_probabilities: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Open and weighted pipeline at a date, and win rate, cycle, velocity and slips over a period.

    Parameters
    ----------
    deals : canonical deals: deal_id, rep_id, stage, created_date [, status,
        amount, probability, close_date].
    stage_history : deal_stage_history (deal_id, stage, changed_at [, close_date]);
        without it (or its close_date) slipped deals and pushes are NaN.
    by : group columns of deals (rep_id, …) or of ``reps`` (team, region).
    as_of : the snapshot date of the open pipeline (default: the end of
        ``period``, else the latest created or close date).
    period : the period of closed-deal measures (default: the month of ``as_of``).
    reps : canonical reps, to group by team, region or manager.
    stage_probabilities : stage → probability, for deals without their own.

    Returns
    -------
    DataFrame
        ``period, <by…>, open_deals, open_pipeline, weighted_pipeline,
        won_deals, lost_deals, won_amount, win_rate, avg_deal_size,
        avg_cycle_days, velocity, slipped_deals, close_date_pushes``.

    Examples
    --------
    >>> d = pd.DataFrame({"deal_id": ["d1", "d2", "d3", "d4"], "rep_id": "r1",
    ...     "stage": ["Proposal", "Negotiation", "Closed Won", "Closed Lost"],
    ...     "status": ["open", "open", "won", "lost"], "amount": [100000.0, 50000.0, 20000.0, 9000.0],
    ...     "probability": [20, 60, 100, 0],
    ...     "created_date": pd.to_datetime(["2026-01-05", "2026-02-01", "2026-02-10", "2026-02-11"]),
    ...     "close_date": pd.to_datetime(["2026-04-30", "2026-04-15", "2026-03-12", "2026-03-20"])})
    >>> k = pipeline_kpis(d, period="2026-03")
    >>> k[["open_deals", "open_pipeline", "weighted_pipeline", "win_rate", "avg_cycle_days"]]
       open_deals  open_pipeline  weighted_pipeline  win_rate  avg_cycle_days
    0           2       150000.0            50000.0       0.5            30.0
    """
    by = list(by)
    d = _deal_frame(deals, reps, by)
    if period is not None:
        p = parse_period(period)
        day = pd.Timestamp(as_of).normalize() if as_of is not None else pd.Timestamp(p.end)
    else:
        if as_of is None:
            cands = np.concatenate([d["created"].to_numpy(), d["closed"].dropna().to_numpy()])
            if len(cands) == 0:
                raise DataError([DataProblem("deals", "is empty: there is no date to report on")])
            day = pd.Timestamp(cands.max()).normalize()
        else:
            day = pd.Timestamp(as_of).normalize()
        p = Period.of(day.date())
    cut = day + pd.Timedelta(days=1)
    stage_p = _stage_probability(deals, stage_history, stage_probabilities)
    own = d["probability"] if "probability" in d.columns else pd.Series(np.nan, index=d.index)
    prob = own.fillna(d["stage"].map(stage_p))
    is_open = (d["created"] < cut) & ((d["status"] == "open") | (d["closed"] >= cut))
    start, stop = pd.Timestamp(p.start), pd.Timestamp(p.end) + pd.Timedelta(days=1)
    closed_in = (d["status"] != "open") & (d["closed"] >= start) & (d["closed"] < stop) & (d["closed"] < cut)
    won = closed_in & (d["status"] == "won")
    lost = closed_in & (d["status"] == "lost")
    cycle = (d["closed"] - d["created"]).dt.days.astype(np.float64)
    work = d.assign(
        _open=is_open.astype(np.int64),
        _open_amt=d["amount"].where(is_open, 0.0).fillna(0.0),
        _wamt=(d["amount"] * prob).where(is_open, 0.0),
        _won=won.astype(np.int64),
        _lost=lost.astype(np.int64),
        _won_amt=d["amount"].where(won, np.nan),
        _cycle=cycle.where(won, np.nan),
        _wmiss=(is_open & (d["amount"] * prob).isna()).astype(np.int64),
    )
    if stage_history is not None:
        sl = _slips(_history_frame(stage_history), p)
        work = work.merge(sl, on="deal_id", how="left")
        work["pushes"] = work["pushes"].fillna(0).astype(np.int64)
        work["slipped"] = work["slipped"].fillna(False).astype(np.int64)
    keys = by if by else (lambda _: 0)
    g = work.groupby(keys, dropna=False, sort=True)
    agg = g.agg(
        open_deals=("_open", "sum"),
        open_pipeline=("_open_amt", "sum"),
        weighted_pipeline=("_wamt", "sum"),
        _wmiss=("_wmiss", "sum"),
        won_deals=("_won", "sum"),
        lost_deals=("_lost", "sum"),
        won_amount=("_won_amt", "sum"),
        avg_deal_size=("_won_amt", "mean"),
        avg_cycle_days=("_cycle", "mean"),
    )
    if stage_history is not None and "close_date" in stage_history.columns:
        agg["slipped_deals"] = g["slipped"].sum().astype(np.float64)
        agg["close_date_pushes"] = g["pushes"].sum().astype(np.float64)
    else:
        agg["slipped_deals"] = np.nan
        agg["close_date_pushes"] = np.nan
    agg = agg.reset_index(drop=not by)
    # a weighted pipeline with open deals of unknown probability would understate: NaN instead
    all_unknown = (agg["_wmiss"] > 0) & (agg["_wmiss"] == agg["open_deals"])
    agg.loc[all_unknown, "weighted_pipeline"] = np.nan
    agg["win_rate"] = safe_ratio(agg["won_deals"], agg["won_deals"] + agg["lost_deals"])
    cycle_days = agg["avg_cycle_days"].to_numpy(dtype=np.float64)
    agg["velocity"] = safe_ratio(
        agg["open_deals"] * agg["avg_deal_size"] * agg["win_rate"],
        np.where(cycle_days > 0, cycle_days, np.nan),
    )
    agg.insert(0, "period", str(p))
    cols = ["period", *by, *PIPELINE_COLUMNS]
    out = agg[cols].copy()
    out["period"] = out["period"].astype("str")
    for c in ("open_deals", "won_deals", "lost_deals"):
        out[c] = out[c].astype(np.int64)
    return out.reset_index(drop=True)


def stage_order(deals: pd.DataFrame, stage_history: pd.DataFrame | None = None) -> list[str]:
    """The funnel's stages in order, inferred from the data; the won stage last, lost stages left out.

    Open stages are ordered by their mean position in the deals' histories
    when every stage appears there, else by their median probability; the won
    stage is the most common stage of won deals.

    >>> d = pd.DataFrame({"deal_id": ["a", "b"], "stage": ["Closed Won", "Proposal"],
    ...                   "probability": [100, 40], "status": ["won", "open"]})
    >>> h = pd.DataFrame({"deal_id": ["a", "a", "a"], "stage": ["Qualification", "Proposal", "Closed Won"],
    ...                   "changed_at": pd.to_datetime(["2026-01-01", "2026-01-05", "2026-01-09"])})
    >>> stage_order(d, h)
    ['Qualification', 'Proposal', 'Closed Won']
    """
    status = deal_status(deals) if "stage" in deals.columns else pd.Series(dtype=str)
    won_stage = deals["stage"].astype(str)[status.to_numpy() == "won"]
    won_name = won_stage.mode().iloc[0] if len(won_stage) else None
    stages = pd.Series(deals["stage"].astype(str).to_numpy())
    pos = pd.Series(dtype=np.float64)
    if stage_history is not None:
        h = _history_frame(stage_history)
        stages = pd.concat([stages, h["stage"]], ignore_index=True)
        h = h.assign(_rank=h.groupby("deal_id").cumcount() / h.groupby("deal_id")["stage"].transform("size"))
        pos = h.groupby("stage")["_rank"].mean()
    names = [s for s in pd.unique(stages) if s != won_name and _status_from_stage(s) == "open"]
    prob = _stage_probability(deals, stage_history, None)
    inf = float("inf")
    by_pos = all(s in pos.index for s in names)
    key = {
        s: (pos.get(s, inf), prob.get(s, inf)) if by_pos else (prob.get(s, inf), pos.get(s, inf))
        for s in names
    }
    names.sort(key=lambda s: (*key[s], s))
    return names + ([won_name] if won_name else [])


def stage_conversion(
    deals: pd.DataFrame,
    stage_history: pd.DataFrame | None = None,
    stages: Sequence[str] | None = None,
    *,
    period: Period | str | None = None,
    fiscal_year_start: int = 1,
) -> pd.DataFrame:
    """Stage-to-stage conversion of the deals created in a period (or of all deals).

    A deal *reached* a stage when it entered it (stage history) or is in it
    now; a deal that skipped a stage counts as having reached it once it
    reaches a later one, so the funnel never widens. Won deals reach the won
    (last) stage; lost stages are not funnel steps.

    Parameters
    ----------
    deals : canonical deals (deal_id, stage, created_date [, status, probability]).
    stage_history : deal_stage_history (deal_id, stage, changed_at).
    stages : the funnel's stages in order; default :func:`stage_order`.
    period : keep deals created in this period (any grain); default all deals.

    Returns
    -------
    DataFrame
        ``period, step, stage, deals_reached, conversion_from_previous,
        conversion_from_first`` (period "all" without ``period``).

    Examples
    --------
    >>> d = pd.DataFrame({"deal_id": ["a", "b", "c", "d"], "rep_id": "r1",
    ...     "stage": ["Closed Won", "Proposal", "Qualification", "Closed Lost"],
    ...     "status": ["won", "open", "open", "lost"], "created_date": pd.to_datetime(["2026-01-02"] * 4)})
    >>> h = pd.DataFrame({"deal_id": ["d", "d"], "stage": ["Qualification", "Closed Lost"],
    ...     "changed_at": pd.to_datetime(["2026-01-03", "2026-01-09"])})
    >>> stage_conversion(d, h, ["Qualification", "Proposal", "Closed Won"])[
    ...     ["stage", "deals_reached", "conversion_from_previous"]]
               stage  deals_reached  conversion_from_previous
    0  Qualification              4                       NaN
    1       Proposal              2                       0.5
    2     Closed Won              1                       0.5
    """
    require_columns(deals, "deals", ("deal_id", "stage", "created_date"))
    order = list(stages) if stages is not None else stage_order(deals, stage_history)
    if not order:
        raise DataError([DataProblem("deals", "has no stages to build a funnel from", column="stage")])
    index = {s: i for i, s in enumerate(order)}
    d = pd.DataFrame(
        {
            "deal_id": deals["deal_id"].astype(str).to_numpy(),
            "stage": deals["stage"].astype(str).to_numpy(),
            "status": deal_status(deals).to_numpy(),
            "created": as_datetime(deals, "deals", "created_date"),
        }
    )
    label = "all"
    if period is not None:
        p = parse_period(period, fiscal_year_start=fiscal_year_start)
        label = str(p)
        d = d[
            (d["created"] >= pd.Timestamp(p.start))
            & (d["created"] < pd.Timestamp(p.end) + pd.Timedelta(days=1))
        ]
    reached = d["stage"].map(index).astype(np.float64)
    reached = reached.where(d["status"] != "won", float(len(order) - 1))
    best = pd.Series(reached.to_numpy(), index=d["deal_id"].to_numpy())
    if stage_history is not None:
        h = _history_frame(stage_history)
        h = h[h["deal_id"].isin(set(d["deal_id"]))]
        hist = h["stage"].map(index).astype(np.float64).groupby(h["deal_id"].to_numpy()).max()
        best = pd.concat([best, hist]).groupby(level=0).max()
    best = best.dropna().astype(np.int64).to_numpy()
    counts = np.bincount(best, minlength=len(order))
    reached_k = np.cumsum(counts[::-1])[::-1]  # reaching stage k means reaching every earlier stage
    prev = np.concatenate([[np.nan], reached_k[:-1]])
    return pd.DataFrame(
        {
            "period": pd.Series([label] * len(order), dtype="str"),
            "step": np.arange(1, len(order) + 1, dtype=np.int64),
            "stage": pd.Series(order, dtype="str"),
            "deals_reached": reached_k.astype(np.int64),
            "conversion_from_previous": safe_ratio(reached_k, prev),
            "conversion_from_first": safe_ratio(
                reached_k, np.full(len(order), reached_k[0] if len(order) else 0)
            ),
        }
    )
