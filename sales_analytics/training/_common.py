"""Shared checks for the training modules: required columns, attendance flags, windows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, problem_at_rows
from sales_analytics.errors import require_columns as require
from sales_analytics.periods import Period, parse_period

#: Every orders column the training functions read (revenue per rep and month, product gaps): a
#: notebook reads these from a run's snapshot, not the whole table (issue 24).
TRAINING_ORDER_COLUMNS = (
    "order_id",
    "order_date",
    "rep_id",
    "amount",
    "status",
    "refunded_at",
    "product_category",
)

_TRUE = {"true", "1", "yes", "y", "是", "t", "attended", "出席"}
_FALSE = {"false", "0", "no", "n", "否", "f", "absent", "缺席", ""}


def as_bool(values: pd.Series, table: str, column: str) -> pd.Series:
    """Booleans from bool, 0/1 or yes/no text; anything else is a DataError naming the rows."""
    if values.dtype == bool:
        return values
    text = values.astype("str").str.strip().str.lower().fillna("")
    known = text.isin(_TRUE | _FALSE)
    if not known.all():
        raise DataError(
            [
                problem_at_rows(
                    table,
                    "values are not yes/no",
                    ~known.to_numpy(),
                    column=column,
                    expected="true/false, 1/0 or yes/no",
                    values=values,
                )
            ]
        )
    return text.isin(_TRUE).astype(bool)


def window(period: Period | str, months: int) -> tuple[Period, pd.Timestamp, pd.Timestamp]:
    """The period and the trailing window of ``months`` months ending with it (start, end inclusive)."""
    p = parse_period(period)
    start = pd.Timestamp(p.first_month.shift(-(months - 1)).start)
    return p, start, pd.Timestamp(p.end)


def attended_sessions(sessions: pd.DataFrame, attendance: pd.DataFrame) -> pd.DataFrame:
    """Attendance rows joined to their session: session_id, rep_id, attended, pre/post scores,
    topic, category, session_date, hours, cost (missing optional columns are added empty)."""
    require(sessions, "training_sessions", ("session_id", "topic", "session_date"))
    require(attendance, "training_attendance", ("session_id", "rep_id", "attended"))
    s = sessions.assign(
        session_id=sessions["session_id"].astype("str"), session_date=pd.to_datetime(sessions["session_date"])
    )
    for col in ("category", "hours", "cost"):
        if col not in s.columns:
            s[col] = np.nan if col != "category" else pd.Series(pd.NA, index=s.index, dtype="str")
    a = attendance.assign(
        session_id=attendance["session_id"].astype("str"),
        rep_id=attendance["rep_id"].astype("str"),
        attended=as_bool(attendance["attended"], "training_attendance", "attended"),
    )
    for col in ("pre_score", "post_score"):
        a[col] = pd.to_numeric(a[col], errors="coerce") if col in a.columns else np.nan
    unknown = ~a["session_id"].isin(s["session_id"])
    if unknown.any():
        raise DataError(
            [
                problem_at_rows(
                    "training_attendance",
                    "session ids not in training_sessions",
                    unknown,
                    column="session_id",
                    expected="a session_id of training_sessions",
                    values=a["session_id"],
                )
            ]
        )
    cols = ["session_id", "topic", "category", "session_date", "hours", "cost"]
    return a.merge(s[cols].drop_duplicates("session_id"), on="session_id", how="left")
