"""Roll-ups of the conflict status for the monthly section and the training & rules view."""

from __future__ import annotations

import pandas as pd

from sales_analytics.errors import require_columns

__all__ = ["conflicts_by_team", "repeat_pairs"]


def conflicts_by_team(status: pd.DataFrame, *, period: str) -> pd.DataFrame:
    """Per team: findings, open, overdue, decided, amount at stake while open, median days to decision.

    ``status`` is :func:`conflict_status` output. Returns ``period, team, n_findings,
    n_open, n_overdue, n_decided, open_amount_at_stake, median_days_to_decision``.

    >>> s = pd.DataFrame({"team": ["A", "A", "B"], "status": ["open", "decided", "overdue"],
    ...     "amount_at_stake": [100.0, 50.0, 30.0], "days_to_decision": [float("nan"), 4.0, float("nan")]})
    >>> conflicts_by_team(s, period="2026-10")[["team", "n_open", "n_overdue", "open_amount_at_stake"]]
      team  n_open  n_overdue  open_amount_at_stake
    0    A       1          0                 100.0
    1    B       0          1                  30.0
    """
    require_columns(status, "conflict status", ["team", "status", "amount_at_stake", "days_to_decision"])
    s = status.loc[status["status"] != "finding_not_found"]
    undecided = s["status"].isin(["open", "overdue"])
    out = (
        s.assign(
            is_open=(s["status"] == "open").astype("int64"),
            is_overdue=(s["status"] == "overdue").astype("int64"),
            is_decided=(s["status"] == "decided").astype("int64"),
            open_amount=s["amount_at_stake"].where(undecided, 0.0),
        )
        .groupby("team", sort=True)
        .agg(
            n_findings=("status", "size"),
            n_open=("is_open", "sum"),
            n_overdue=("is_overdue", "sum"),
            n_decided=("is_decided", "sum"),
            open_amount_at_stake=("open_amount", "sum"),
            median_days_to_decision=("days_to_decision", "median"),
        )
        .reset_index()
    )
    out.insert(0, "period", period)
    return out.assign(open_amount_at_stake=out["open_amount_at_stake"].round(2))


def repeat_pairs(status: pd.DataFrame, *, period: str, min_findings: int = 2) -> pd.DataFrame:
    """Pairs of reps in at least ``min_findings`` findings (any kind, any customer).

    Returns ``period, rep_a, rep_b, n_findings, n_customers, amount_at_stake`` (rep_a < rep_b).
    """
    require_columns(status, "conflict status", ["owner_rep", "other_rep", "customer_id", "amount_at_stake"])
    s = status.loc[status["owner_rep"].notna() & status["other_rep"].notna()]
    a = s[["owner_rep", "other_rep"]].min(axis=1)
    b = s[["owner_rep", "other_rep"]].max(axis=1)
    out = (
        s.assign(rep_a=a, rep_b=b)
        .groupby(["rep_a", "rep_b"], sort=True)
        .agg(
            n_findings=("customer_id", "size"),
            n_customers=("customer_id", "nunique"),
            amount_at_stake=("amount_at_stake", "sum"),
        )
        .reset_index()
    )
    out = out.loc[out["n_findings"] >= min_findings].reset_index(drop=True)
    out.insert(0, "period", period)
    return out.assign(amount_at_stake=out["amount_at_stake"].round(2))
