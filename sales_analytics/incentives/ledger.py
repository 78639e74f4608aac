"""Rewards and penalties ledger (``rewards_penalties``): totals per rep and period.

The sign convention is taken from ``kind``, whatever sign the file uses: a
reward adds ``|amount|`` and ``|points|``, a penalty subtracts them, so a
ledger that writes penalty points as ``-1`` and one that writes ``1`` give
the same totals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, DataProblem
from sales_analytics.incentives.credits import month_labels, require_columns
from sales_analytics.periods import Period, parse_period

__all__ = ["ledger_totals"]

LEDGER_COLUMNS = [
    "period",
    "rep_id",
    "rewards",
    "penalties",
    "reward_amount",
    "penalty_amount",
    "net_amount",
    "reward_points",
    "penalty_points",
    "net_points",
]


def ledger_totals(ledger: pd.DataFrame | None, *, period: str | Period | None = None) -> pd.DataFrame:
    """Count and sum rewards and penalties per rep and month.

    Parameters
    ----------
    ledger : ``rep_id, date, kind`` (reward | penalty) [, ``amount, points,
        event_id, reason``]; ``None`` (no ledger supplied) gives an empty table.
    period : keep only this month (all months when omitted).

    Returns
    -------
    DataFrame
        ``period, rep_id, rewards, penalties, reward_amount, penalty_amount,
        net_amount, reward_points, penalty_points, net_points`` (penalty
        columns positive; ``net = reward − penalty``).

    >>> led = pd.DataFrame({"rep_id": ["r1", "r1", "r2"], "kind": ["reward", "penalty", "penalty"],
    ...     "date": pd.to_datetime(["2026-03-02", "2026-03-09", "2026-03-10"]),
    ...     "amount": [200.0, 50.0, 20.0], "points": [2.0, -1.0, -1.0]})
    >>> ledger_totals(led)[["rep_id", "rewards", "penalties", "net_amount", "net_points"]]
      rep_id  rewards  penalties  net_amount  net_points
    0     r1        1          1       150.0         1.0
    1     r2        0          1       -20.0        -1.0
    """
    if ledger is None:
        return pd.DataFrame(
            {c: pd.Series(dtype="str" if c in ("period", "rep_id") else "float64") for c in LEDGER_COLUMNS}
        ).astype({"rewards": "int64", "penalties": "int64"})
    require_columns(ledger, "rewards_penalties", ["rep_id", "date", "kind"])
    kind = ledger["kind"].astype(str).str.strip().str.lower()
    bad = ~kind.isin(["reward", "penalty"])
    if bad.any():
        rows = tuple(int(i) + 1 for i in np.flatnonzero(bad.to_numpy()))
        raise DataError(
            [
                DataProblem(
                    "rewards_penalties",
                    "unknown kind",
                    column="kind",
                    rows=rows,
                    expected="reward or penalty",
                    found=str(ledger["kind"][bad].iloc[0]),
                )
            ]
        )
    dates = pd.to_datetime(ledger["date"], errors="coerce")
    if dates.isna().any():
        rows = tuple(int(i) + 1 for i in np.flatnonzero(dates.isna().to_numpy()))
        raise DataError(
            [
                DataProblem(
                    "rewards_penalties",
                    "dates missing or not dates",
                    column="date",
                    rows=rows,
                    expected="YYYY-MM-DD",
                )
            ]
        )
    amount = (
        pd.to_numeric(ledger["amount"], errors="coerce").fillna(0.0).abs()
        if "amount" in ledger.columns
        else pd.Series(0.0, index=ledger.index)
    )
    points = (
        pd.to_numeric(ledger["points"], errors="coerce").fillna(0.0).abs()
        if "points" in ledger.columns
        else pd.Series(0.0, index=ledger.index)
    )
    reward = (kind == "reward").to_numpy()
    f = pd.DataFrame(
        {
            "period": month_labels(dates).to_numpy(),
            "rep_id": ledger["rep_id"].astype(str).to_numpy(),
            "rewards": reward.astype(int),
            "penalties": (~reward).astype(int),
            "reward_amount": np.where(reward, amount, 0.0),
            "penalty_amount": np.where(reward, 0.0, amount),
            "reward_points": np.where(reward, points, 0.0),
            "penalty_points": np.where(reward, 0.0, points),
        }
    )
    if period is not None:
        f = f.loc[f["period"] == str(parse_period(period))]
    out = f.groupby(["period", "rep_id"], sort=True).sum().reset_index()
    out = out.assign(
        net_amount=out["reward_amount"] - out["penalty_amount"],
        net_points=out["reward_points"] - out["penalty_points"],
    )
    return out[LEDGER_COLUMNS].astype({"rewards": "int64", "penalties": "int64"})
