"""The pipeline's word on the open month: today's weighted open deals against the usual pipeline.

:func:`pipeline_adjustment` is what :func:`~sales_analytics.forecast.revenue_forecast`
adds to the open month when the deals table and its stage history exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

__all__ = ["pipeline_adjustment"]  # PipelineBook: used by the backtest, not re-exported


def _weighted_open(state: pd.DataFrame, t: pd.Timestamp, end: pd.Timestamp, stage_p: pd.Series) -> pd.Series:
    """Σ amount × probability per rep of deals open at ``t`` (``state``: one row per deal as of
    ``t``: rep_id, stage, status, amount, probability, close) closing after ``t`` and by ``end``."""
    prob = state["probability"].fillna(state["stage"].map(stage_p)).fillna(0.0).clip(0, 1)
    closing = (state["close"] > t) & (state["close"] <= end)
    weighted = (state["amount"].fillna(0.0) * prob).where((state["status"] == "open") & closing, 0.0)
    return weighted.groupby(state["rep_id"]).sum()


def _deal_tables(deals: pd.DataFrame, history: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deals (deal_id, rep_id, created) and their stage history with probabilities as 0-1, sorted."""
    from sales_analytics.errors import require_columns as _require
    from sales_analytics.kpis.pipeline import _deal_frame, _probabilities, _status_from_stage

    d = _deal_frame(deals, None, [])
    d = pd.DataFrame(
        {
            "deal_id": d["deal_id"].astype(str),
            "rep_id": d["rep_id"].astype(str),
            "created": d["created"],
            "deal_amount": d["amount"],
            "deal_close": d["closed"],
        }
    )
    _require(history, "deal_stage_history", ("deal_id", "stage", "changed_at"))
    n = len(history)
    h = pd.DataFrame(
        {
            "deal_id": history["deal_id"].astype(str).to_numpy(),
            "stage": history["stage"].astype(str).to_numpy(),
            "changed_at": pd.to_datetime(history["changed_at"]).to_numpy(),
            "amount": pd.to_numeric(history["amount"], errors="coerce").to_numpy()
            if "amount" in history.columns
            else np.full(n, np.nan),
            "probability": _probabilities(history["probability"]).to_numpy()
            if "probability" in history.columns
            else np.full(n, np.nan),
            "close": pd.to_datetime(history["close_date"]).to_numpy()
            if "close_date" in history.columns
            else np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"),
        }
    )
    stages = h["stage"].unique()  # the status of each distinct stage, not of each of 10⁴-10⁵ rows
    h["status"] = h["stage"].map(dict(zip(stages, map(_status_from_stage, stages), strict=True)))
    return d, h.sort_values("changed_at", kind="stable", ignore_index=True)


def _states_at(deals: pd.DataFrame, history: pd.DataFrame, t: pd.Timestamp) -> pd.DataFrame:
    """Each deal as it stood at ``t``: its last stage-history row up to ``t`` (from :func:`_deal_tables`);
    deals created later, or without a history row by then, are left out."""
    last = history[history["changed_at"] <= t].drop_duplicates("deal_id", keep="last")
    alive = deals[deals["created"] <= t]
    out = last.merge(alive, on="deal_id", how="inner")
    # a history without amount or close date: the deal's own
    return out.assign(
        amount=out["amount"].fillna(out["deal_amount"]), close=out["close"].fillna(out["deal_close"])
    )


def pipeline_adjustment(
    deals: pd.DataFrame,
    rep_ids: Sequence[str],
    *,
    as_of: date | datetime | str,
    month_end: date | datetime | str,
    elapsed: float,
    history: pd.DataFrame,
    lookback_months: int = 6,
) -> np.ndarray:
    """What the open deals say beyond the usual, per rep, for the rest of the open month.

    ``now`` = Σ amount × probability of deals open at ``as_of`` whose close date
    falls after it and by ``month_end``. ``usual`` = the same sum taken at the
    start of each of the last ``lookback_months`` months for deals closing in
    that month, averaged, times the share of the month still to come
    (``1 - elapsed``): the pipeline the model's history already reflects. The
    adjustment is ``now - usual``: a pipeline fuller than usual raises the
    forecast, a thinner one lowers it. The pipelines are rebuilt from the stage
    history (``deal_stage_history``: stage, probability, close date and amount
    as they stood at each moment; today's deals table alone cannot say what a
    since-closed deal looked like). Probabilities are the deal's own, else the
    median recorded for its stage.

    >>> d = pd.DataFrame({"deal_id": ["d1", "d2"], "rep_id": ["r1", "r1"], "stage": ["Proposal", "Closed Won"],
    ...     "status": ["open", "won"], "amount": [1000.0, 600.0], "probability": [50, 100],
    ...     "created_date": pd.to_datetime(["2026-10-20", "2026-05-20"]),
    ...     "close_date": pd.to_datetime(["2026-11-20", "2026-06-10"])})
    >>> h = pd.DataFrame({"deal_id": ["d1", "d2", "d2"], "stage": ["Proposal", "Proposal", "Closed Won"],
    ...     "changed_at": pd.to_datetime(["2026-10-20", "2026-05-20", "2026-06-10"]),
    ...     "probability": [50, 50, 100], "close_date": pd.to_datetime(["2026-11-20", "2026-06-10", "2026-06-10"])})
    >>> pipeline_adjustment(d, ["r1"], as_of="2026-10-31", month_end="2026-11-30", elapsed=0.0, history=h,
    ...                     lookback_months=6).tolist()  # 1000 × 0.5 now; d2 was 600 × 0.5 open on 1 June, / 6
    [450.0]
    """
    return PipelineBook.of(deals, history).adjustment(
        rep_ids, as_of=as_of, month_end=month_end, elapsed=elapsed, lookback_months=lookback_months
    )


@dataclass
class PipelineBook:
    """The deals and their stage history prepared once, to rebuild the pipeline at many moments.

    :func:`pipeline_adjustment` uses one for one moment; the backtest asks one book for
    the open month of every origin, and the weighted pipeline at each month start is
    computed once however many origins look back at it.
    """

    deals: pd.DataFrame
    history: pd.DataFrame
    stage_p: pd.Series
    _cache: dict[tuple[pd.Timestamp, pd.Timestamp], pd.Series] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, deals: pd.DataFrame, history: pd.DataFrame) -> PipelineBook:
        from sales_analytics.kpis.pipeline import _stage_probability

        stage_p = _stage_probability(deals, history, None)
        d, h = _deal_tables(deals, history)
        return cls(d, h, stage_p)

    def weighted_open(self, t: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        """Σ amount × probability per rep of deals open at ``t`` closing after ``t`` and by ``end``."""
        key = (t, end)
        if key not in self._cache:
            self._cache[key] = _weighted_open(_states_at(self.deals, self.history, t), t, end, self.stage_p)
        return self._cache[key]

    def adjustment(
        self,
        rep_ids: Sequence[str],
        *,
        as_of: date | datetime | str,
        month_end: date | datetime | str,
        elapsed: float,
        lookback_months: int = 6,
    ) -> np.ndarray:
        """:func:`pipeline_adjustment` at ``as_of`` for the month ending ``month_end``."""
        t = pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
        end = pd.Timestamp(month_end).normalize() + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
        now = self.weighted_open(t, end)
        total = pd.Series(0.0, index=now.index)
        open_month = pd.Timestamp(month_end).to_period("M")
        for k in range(1, lookback_months + 1):
            m = open_month - k
            start = m.start_time - pd.Timedelta(microseconds=1)
            total = total.add(self.weighted_open(start, m.end_time), fill_value=0.0)
        usual = total / lookback_months * (1 - min(max(elapsed, 0.0), 1.0))
        both = pd.DataFrame({"now": now, "usual": usual}).fillna(0.0).reindex(list(rep_ids), fill_value=0.0)
        return (both["now"] - both["usual"]).to_numpy(dtype=np.float64)
