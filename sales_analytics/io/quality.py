"""The data-quality report as tables: rows per table and month, sources, problems.

Pure functions of a :class:`Dataset` (no file access); the data-quality
notebook publishes them as ``dq_tables`` and ``dq_problems``.
"""

from __future__ import annotations

import pandas as pd

from sales_analytics.io.dataset import Dataset
from sales_analytics.io.validate import QUALITY_COLUMNS
from sales_analytics.vocabulary import renamed_arguments

__all__ = ["DATE_COLUMNS", "dq_problems", "dq_rows_by_month", "dq_tables"]

#: The column that places a table's rows in time (for rows per month).
DATE_COLUMNS: dict[str, str] = {
    "orders": "order_date",
    "customers": "created_date",
    "deals": "created_date",
    "deal_stage_history": "changed_at",
    "activities": "activity_at",
    "training_sessions": "session_date",
    "chat_messages": "sent_at",
    "feedback": "submitted_at",
    "rewards_penalties": "date",
    "handovers": "effective_date",
}


def dq_tables(ds: Dataset, period: str) -> pd.DataFrame:
    """One row per source file: ``period, table, rows, source, profile, sha256``.

    >>> from sales_analytics.io.dataset import SourceInfo
    >>> ds = Dataset(tables={"reps": pd.DataFrame({"rep_id": ["r1"]})},
    ...              sources={"reps": SourceInfo("reps", "data/reps.csv", "canonical", "ab12", 1)})
    >>> dq_tables(ds, "2026-03").to_dict("records")
    [{'period': '2026-03', 'table': 'reps', 'rows': 1, 'source': 'data/reps.csv', 'profile': 'canonical', 'sha256': 'ab12'}]
    """
    rows = [
        {
            "period": str(period),
            "table": s.table,
            "rows": int(s.rows),
            "source": s.path,
            "profile": s.profile,
            "sha256": s.sha256,
        }
        for s in ds.sources.values()
    ]
    listed = {s.table for s in ds.sources.values()}
    rows += [  # by name: a snapshot's tables are read only when one has no source listed
        {
            "period": str(period),
            "table": t,
            "rows": len(ds.tables[t]),
            "source": "",
            "profile": "",
            "sha256": "",
        }
        for t in ds.tables
        if t not in listed
    ]
    out = pd.DataFrame(rows, columns=["period", "table", "rows", "source", "profile", "sha256"])
    return out.astype({"rows": "int64"}).sort_values(["table", "source"], ignore_index=True)


def dq_problems(ds: Dataset, period: str) -> pd.DataFrame:
    """The data-quality findings with a ``period`` column first (severity warning, then info).

    >>> dq_problems(Dataset(), "2026-03").columns.tolist()
    ['period', 'table', 'column', 'kind', 'rows', 'count', 'message', 'severity']
    """
    q = ds.quality if ds.quality is not None else pd.DataFrame(columns=QUALITY_COLUMNS)
    q = q.reindex(columns=QUALITY_COLUMNS)
    order = {"error": 0, "warning": 1, "info": 2}
    out = q.assign(period=str(period))[["period", *QUALITY_COLUMNS]]
    out = out.assign(count=pd.to_numeric(out["count"], errors="coerce").fillna(0).astype("int64"))
    rank = out["severity"].map(order).fillna(3)
    return out.iloc[rank.argsort(kind="stable")].reset_index(drop=True)


@renamed_arguments(tz="timezone")
def dq_rows_by_month(ds: Dataset, timezone: str = "Asia/Shanghai") -> pd.DataFrame:
    """Rows per table and month: ``table, month, rows`` (``month`` as ``YYYY-MM``).

    Chat timestamps (UTC) are counted in the team's time zone ``timezone``.

    >>> ds = Dataset(tables={"orders": pd.DataFrame({"order_date": pd.to_datetime(["2026-01-05", "2026-01-20", "2026-02-01"])})})
    >>> dq_rows_by_month(ds).to_dict("records")
    [{'table': 'orders', 'month': '2026-01', 'rows': 2}, {'table': 'orders', 'month': '2026-02', 'rows': 1}]
    """
    parts = []
    for table in ds.tables:
        col = DATE_COLUMNS.get(table) or ("submitted_at" if table.startswith("survey_") else None)
        frame = ds.peek(table, [col]) if col is not None else None  # that column alone, not the table
        if frame is None or col not in frame.columns:
            continue
        when = frame[col]
        if isinstance(when.dtype, pd.DatetimeTZDtype):
            when = when.dt.tz_convert(timezone).dt.tz_localize(None)
        month = when.dt.to_period("M")
        counts = month.value_counts().sort_index()
        parts.append(
            pd.DataFrame(
                {"table": table, "month": counts.index.astype("str"), "rows": counts.to_numpy(dtype="int64")}
            )
        )
    if not parts:
        return pd.DataFrame(
            {
                "table": pd.Series(dtype="str"),
                "month": pd.Series(dtype="str"),
                "rows": pd.Series(dtype="int64"),
            }
        )
    return pd.concat(parts, ignore_index=True)
