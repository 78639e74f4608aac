"""Training coverage: sessions, hours and attendance per rep, team and category; who is untrained."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.periods import Period, parse_period
from sales_analytics.training._common import attended_sessions, require, window

__all__ = ["training_coverage", "untrained_reps"]

_COLUMNS = [
    "period",
    "window_start",
    "window_end",
    "level",
    "key",
    "sessions",
    "invited",
    "attended",
    "attendance_rate",
    "hours",
    "reps",
    "reps_trained",
    "trained_share",
]


def _active_reps(reps: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    require(reps, "reps", ("rep_id", "team"))
    r = reps.assign(rep_id=reps["rep_id"].astype("str"))
    if "active" in r.columns:
        r = r.loc[r["active"].fillna(True).astype(bool)]
    if "hire_date" in r.columns:
        r = r.loc[~(pd.to_datetime(r["hire_date"]) > as_of)]
    return r


def training_coverage(
    sessions: pd.DataFrame,
    attendance: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    period: Period | str,
    months: int = 12,
) -> pd.DataFrame:
    """Sessions, invitations, attendance and hours over the ``months`` months ending with ``period``.

    Parameters
    ----------
    sessions : ``training_sessions``: session_id*, topic*, category, session_date*, cost, hours.
    attendance : ``training_attendance``: session_id*, rep_id*, attended* (one row per invited rep).
    reps : ``reps``: rep_id*, team*, active, hire_date (active reps hired by the period end count).
    period : the reporting month; the window is the trailing ``months`` months.

    Returns
    -------
    DataFrame
        ``period, window_start, window_end, level, key, sessions, invited, attended,
        attendance_rate, hours, reps, reps_trained, trained_share`` with ``level`` one of
        ``rep`` (key = rep_id), ``team``, ``category`` and ``all``. ``sessions`` counts distinct
        sessions the key was invited to; ``hours`` sums the hours of sessions attended;
        ``attendance_rate`` = attended / invited; ``trained_share`` = reps_trained / reps, both
        counted over the active reps (invitations of reps who left still count in ``invited``).

    Examples
    --------
    >>> s = pd.DataFrame({"session_id": ["s1"], "topic": ["谈判"], "category": ["sales_skills"],
    ...                   "session_date": pd.to_datetime(["2025-10-09"]), "hours": [3.0]})
    >>> a = pd.DataFrame({"session_id": ["s1", "s1"], "rep_id": ["r1", "r2"], "attended": [True, False]})
    >>> r = pd.DataFrame({"rep_id": ["r1", "r2"], "team": ["A", "A"]})
    >>> training_coverage(s, a, r, period="2025-10").query("level == 'team'")[
    ...     ["key", "invited", "attended", "attendance_rate", "hours", "trained_share"]].to_dict("records")
    [{'key': 'A', 'invited': 2, 'attended': 1, 'attendance_rate': 0.5, 'hours': 3.0, 'trained_share': 0.5}]
    """
    p, start, end = window(period, months)
    roster = _active_reps(reps, end)[["rep_id", "team"]].drop_duplicates("rep_id")
    rows = attended_sessions(sessions, attendance)
    rows = rows.loc[
        (rows["session_date"] >= start)
        & (rows["session_date"] <= end + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1))
    ]
    rows = rows.merge(roster, on="rep_id", how="left")
    rows = rows.assign(
        att_hours=np.where(rows["attended"], pd.to_numeric(rows["hours"], errors="coerce"), 0.0),
        category=rows["category"].fillna("uncategorised"),
    )

    def summarise(frame: pd.DataFrame, by: str | None) -> pd.DataFrame:
        frame = frame.assign(_key=frame[by] if by else "all")
        g = frame.groupby("_key", dropna=False)
        # reps_trained counts the roster (active reps) only, so trained_share stays a share
        current = frame["attended"] & frame["rep_id"].isin(roster["rep_id"])
        trained = frame.loc[current].groupby("_key")["rep_id"].nunique()
        out = pd.DataFrame(
            {
                "sessions": g["session_id"].nunique(),
                "invited": g.size(),
                "attended": g["attended"].sum().astype(int),
                "hours": g["att_hours"].sum().astype(float),
            }
        )
        out["reps_trained"] = trained.reindex(out.index, fill_value=0)
        return out.rename_axis("key").reset_index()

    rep_level = (
        roster.set_index("rep_id")[[]]
        .join(summarise(rows, "rep_id").set_index("key"), how="left")
        .rename_axis("key")
        .reset_index()
    )
    rep_level = rep_level.fillna(
        {"sessions": 0, "invited": 0, "attended": 0, "hours": 0.0, "reps_trained": 0}
    )
    rep_level = rep_level.assign(reps=1, level="rep")

    team_rows = summarise(rows.dropna(subset=["team"]), "team")
    team_size = roster.groupby("team").size().rename("reps")
    team_level = team_size.rename_axis("key").reset_index().merge(team_rows, on="key", how="left")
    team_level = team_level.fillna(
        {"sessions": 0, "invited": 0, "attended": 0, "hours": 0.0, "reps_trained": 0}
    ).assign(level="team")

    cat_level = summarise(rows, "category").assign(level="category", reps=len(roster))
    all_level = summarise(rows, None).assign(level="all", reps=len(roster))
    if rows.empty:
        all_level = pd.DataFrame(
            {
                "key": ["all"],
                "sessions": [0],
                "invited": [0],
                "attended": [0],
                "hours": [0.0],
                "reps_trained": [0],
                "level": ["all"],
                "reps": [len(roster)],
            }
        )
    out = pd.concat([rep_level, team_level, cat_level, all_level], ignore_index=True)
    for col in ("sessions", "invited", "attended", "reps", "reps_trained"):
        out[col] = out[col].astype(int)
    out["attendance_rate"] = out["attended"] / out["invited"].where(out["invited"] > 0)
    out["trained_share"] = out["reps_trained"] / out["reps"].where(out["reps"] > 0)
    out = out.assign(period=str(p), window_start=start, window_end=end, key=out["key"].astype("str"))
    return out[_COLUMNS]


def untrained_reps(
    sessions: pd.DataFrame,
    attendance: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    period: Period | str,
    months: int = 6,
) -> pd.DataFrame:
    """Active reps with no attended session in the ``months`` months up to the period end.

    Parameters
    ----------
    sessions, attendance : as in :func:`training_coverage`.
    reps : ``reps``: rep_id*, team*, rep_name, active, hire_date.
    period : the reporting month (its last day is the as-of date).
    months : the untrained threshold (``TrainingParams.untrained_months``).

    Returns
    -------
    DataFrame
        ``period, rep_id, rep_name, team, last_trained, last_topic, last_category,
        months_since, never_trained``; ``months_since`` = days since the last session / 30.44
        (empty when never trained). Never-trained reps first, then the longest gap.

    Examples
    --------
    >>> s = pd.DataFrame({"session_id": ["s1"], "topic": ["产品"], "category": ["product"],
    ...                   "session_date": pd.to_datetime(["2025-01-15"])})
    >>> a = pd.DataFrame({"session_id": ["s1"], "rep_id": ["r1"], "attended": [True]})
    >>> r = pd.DataFrame({"rep_id": ["r1", "r2", "r3"], "team": ["A", "A", "A"]})
    >>> untrained_reps(s, a, r, period="2025-10", months=6)[["rep_id", "never_trained"]].to_dict("records")
    [{'rep_id': 'r2', 'never_trained': True}, {'rep_id': 'r3', 'never_trained': True}, {'rep_id': 'r1', 'never_trained': False}]
    """
    p = parse_period(period)
    as_of = pd.Timestamp(p.end)
    cutoff = as_of - pd.DateOffset(months=months)
    roster = _active_reps(reps, as_of)
    rows = attended_sessions(sessions, attendance)
    rows = rows.loc[rows["attended"] & (rows["session_date"].dt.normalize() <= as_of)]
    last = (
        rows.sort_values(["session_date", "session_id"])
        .groupby("rep_id")
        .tail(1)
        .set_index("rep_id")[["session_date", "topic", "category"]]
        .rename(columns={"session_date": "last_trained", "topic": "last_topic", "category": "last_category"})
    )
    out = roster.set_index("rep_id").join(last, how="left").reset_index()
    out = out.loc[out["last_trained"].isna() | (out["last_trained"].dt.normalize() <= cutoff)]
    out = out.assign(
        period=str(p),
        never_trained=out["last_trained"].isna(),
        months_since=((as_of - out["last_trained"].dt.normalize()).dt.days / 30.44).round(1),
    )
    if "rep_name" not in out.columns:
        out["rep_name"] = out["rep_id"]
    out = out.sort_values(["never_trained", "months_since", "rep_id"], ascending=[False, False, True])
    cols = [
        "period",
        "rep_id",
        "rep_name",
        "team",
        "last_trained",
        "last_topic",
        "last_category",
        "months_since",
        "never_trained",
    ]
    return out[cols].reset_index(drop=True)
