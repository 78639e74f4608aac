"""Kirkpatrick level 3: the activity mix of trained reps in the weeks before vs after their training."""

from __future__ import annotations

import pandas as pd

from sales_analytics.periods import Period
from sales_analytics.training._common import attended_sessions, require, window
from sales_analytics.training.learning import paired_test

__all__ = ["behaviour_change", "first_sessions"]


def first_sessions(
    sessions: pd.DataFrame,
    attendance: pd.DataFrame,
    *,
    category: str | None = None,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Each rep's first attended session (of ``category`` when given) dated in ``[start, end]``.

    Returns ``rep_id, session_id, session_date, category`` sorted by rep.
    """
    rows = attended_sessions(sessions, attendance)
    rows = rows.loc[rows["attended"]]
    if category:
        rows = rows.loc[rows["category"] == category]
    if start is not None:
        rows = rows.loc[rows["session_date"] >= start]
    if end is not None:
        rows = rows.loc[rows["session_date"] <= end]
    first = rows.sort_values(["session_date", "session_id"]).groupby("rep_id").head(1)
    return (
        first[["rep_id", "session_id", "session_date", "category"]]
        .sort_values("rep_id")
        .reset_index(drop=True)
    )


def behaviour_change(
    sessions: pd.DataFrame,
    attendance: pd.DataFrame,
    activities: pd.DataFrame,
    *,
    period: Period | str,
    weeks: int = 4,
    months: int = 12,
    category: str | None = None,
) -> pd.DataFrame:
    """Activities per week in the ``weeks`` weeks before vs after each rep's first session.

    A rep counts once, with the first session attended in the ``months``-month window (of
    ``category`` when given) whose after-window has ended by the period end. Before =
    ``[day − weeks, day)``, after = ``[day + 1, day + 1 + weeks)``; the training day itself is in
    neither.

    Parameters
    ----------
    sessions, attendance : ``training_sessions`` and ``training_attendance``.
    activities : ``activities``: rep_id*, activity_type*, activity_at*.

    Returns
    -------
    DataFrame
        ``period, activity_type, n_reps, before_per_week, after_per_week, change, ci_low, ci_high,
        p_value, share_before, share_after``: the paired change per activity type (mean of
        after − before per rep, t interval) and the type's share of all activities (the mix).

    Examples
    --------
    >>> s = pd.DataFrame({"session_id": ["s1"], "topic": ["t"], "session_date": pd.to_datetime(["2025-09-15"])})
    >>> a = pd.DataFrame({"session_id": ["s1"], "rep_id": ["r1"], "attended": [True]})
    >>> acts = pd.DataFrame({"rep_id": "r1", "activity_type": "visit",
    ...     "activity_at": pd.to_datetime(["2025-09-01", "2025-09-17", "2025-09-20", "2025-09-25", "2025-10-01"])})
    >>> behaviour_change(s, a, acts, period="2025-10", weeks=2)[["before_per_week", "after_per_week"]].values.tolist()
    [[0.5, 1.5]]
    """
    require(activities, "activities", ("rep_id", "activity_type", "activity_at"))
    p, start, end = window(period, months)
    span = pd.Timedelta(weeks=weeks)
    first = first_sessions(sessions, attendance, category=category, start=start, end=end)
    first = first.loc[
        first["session_date"].dt.normalize() + pd.Timedelta(days=1) + span <= end + pd.Timedelta(days=1)
    ]
    acts = activities.assign(
        rep_id=activities["rep_id"].astype("str"),
        activity_type=activities["activity_type"].astype("str"),
        activity_at=pd.to_datetime(activities["activity_at"]),
    )
    acts = acts.merge(first[["rep_id", "session_date"]], on="rep_id", how="inner")
    day = acts["session_date"].dt.normalize()
    before = (acts["activity_at"] >= day - span) & (acts["activity_at"] < day)
    after = (acts["activity_at"] >= day + pd.Timedelta(days=1)) & (
        acts["activity_at"] < day + pd.Timedelta(days=1) + span
    )
    acts = acts.assign(
        phase=pd.Series(pd.NA, index=acts.index, dtype="str").mask(before, "before").mask(after, "after")
    )
    acts = acts.dropna(subset=["phase"])
    types = sorted(acts["activity_type"].unique())
    counts = acts.groupby(["rep_id", "activity_type", "phase"]).size()
    full = pd.MultiIndex.from_product(
        [first["rep_id"], types, ["before", "after"]], names=["rep_id", "activity_type", "phase"]
    )
    counts = counts.reindex(full, fill_value=0).unstack("phase") / weeks
    totals = counts.groupby(level="activity_type").sum()
    rows = []
    for t in types:
        c = counts.xs(t, level="activity_type")
        test = paired_test(c["before"], c["after"])
        rows.append(
            {
                "activity_type": t,
                "n_reps": len(c),
                "before_per_week": float(c["before"].mean()),
                "after_per_week": float(c["after"].mean()),
                "change": test["mean_diff"],
                "ci_low": test["ci_low"],
                "ci_high": test["ci_high"],
                "p_value": test["p_value"],
                "share_before": float(totals.loc[t, "before"] / totals["before"].sum())
                if totals["before"].sum()
                else float("nan"),
                "share_after": float(totals.loc[t, "after"] / totals["after"].sum())
                if totals["after"].sum()
                else float("nan"),
            }
        )
    cols = [
        "period",
        "activity_type",
        "n_reps",
        "before_per_week",
        "after_per_week",
        "change",
        "ci_low",
        "ci_high",
        "p_value",
        "share_before",
        "share_after",
    ]
    out = pd.DataFrame(rows, columns=cols[1:])
    out.insert(0, "period", str(p))
    return out
