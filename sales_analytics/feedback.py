"""Feedback channels (反馈渠道): the internal suggestion box, meeting cadence, customer follow-ups, complaints.

Tables used: ``feedback`` (feedback_id*, channel* internal | customer, submitted_at*, category,
text, status open | adopted | rejected | closed, resolved_at), ``activities`` (follow-ups and
meetings), ``orders`` (purchases) and, optionally, ``survey_customer_satisfaction`` (low scores).
Every function takes frames and returns a tidy frame with a ``period`` column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from sales_analytics.config import StrictModel
from sales_analytics.errors import DataError, problem_at_rows
from sales_analytics.errors import require_columns as _require
from sales_analytics.periods import Period, parse_period
from sales_analytics.rules.text import mask_contacts
from sales_analytics.vocabulary import FEEDBACK_STATUSES

__all__ = [
    "FeedbackParams",
    "complaints_summary",
    "customer_followup",
    "feedback_open_items",
    "meeting_cadence",
    "suggestion_box",
]

_STATUSES = FEEDBACK_STATUSES
NO_ACTION_CATEGORIES = ("praise", "表扬", "compliment")
#: The orders columns :func:`customer_followup` reads: the notebook reads these alone (issue 24).
FOLLOWUP_ORDER_COLUMNS = ("order_date", "customer_id", "rep_id", "amount", "status")
_DECIDED = FEEDBACK_STATUSES[1:]  # every status but open


class FeedbackParams(StrictModel):
    """The ``feedback:`` section of the parameters file."""

    stale_after_days: int = Field(30, ge=1, description="open suggestions older than this are flagged")
    followup_days: int = Field(7, ge=1, description="a 回访 counts when it comes within this many days")
    low_satisfaction_max: float = Field(2, description="a satisfaction score at or below this is low")
    satisfaction_item: str = Field("csat", description="item of survey_customer_satisfaction used")
    no_action_categories: list[str] = Field(
        default_factory=lambda: list(NO_ACTION_CATEGORIES),
        description="feedback categories that ask for nothing (praise): never listed as open or overdue",
    )
    complaint_categories: list[str] = Field(
        default_factory=lambda: ["complaint", "投诉"],
        description="customer feedback categories that are complaints ([] = all customer feedback)",
    )


def _naive(values: pd.Series) -> pd.Series:
    ts = pd.to_datetime(values)
    return ts.dt.tz_localize(None) if isinstance(ts.dtype, pd.DatetimeTZDtype) else ts


def _prepare(feedback: pd.DataFrame) -> pd.DataFrame:
    _require(feedback, "feedback", ("feedback_id", "channel", "submitted_at"))
    f = feedback.assign(
        channel=feedback["channel"].astype("str").str.strip().str.lower(),
        submitted_at=_naive(feedback["submitted_at"]),
    )
    f["status"] = (
        f["status"].astype("str").str.strip().str.lower().fillna("open") if "status" in f.columns else "open"
    )
    f["resolved_at"] = _naive(f["resolved_at"]) if "resolved_at" in f.columns else pd.NaT
    f["category"] = f["category"].astype("str").fillna("other") if "category" in f.columns else "other"
    bad = ~f["status"].isin(_STATUSES)
    if bad.any():
        raise DataError(
            [
                problem_at_rows(
                    "feedback",
                    "unknown status",
                    bad,
                    column="status",
                    expected=" | ".join(_STATUSES),
                    values=f["status"],
                )
            ]
        )
    return f


def _bounds(period: Period | str) -> tuple[Period, pd.Timestamp, pd.Timestamp]:
    p = parse_period(period)
    return p, pd.Timestamp(p.start), pd.Timestamp(p.end) + pd.Timedelta(days=1)  # [start, end)


def _days(a: pd.Series, b: pd.Series) -> pd.Series:
    return (b - a).dt.total_seconds() / 86400


def suggestion_box(
    feedback: pd.DataFrame, *, period: Period | str, stale_after_days: int = 30
) -> pd.DataFrame:
    """The internal suggestion box in one month, by category and overall.

    ``submitted`` counts suggestions submitted in the month; ``decided`` those adopted, rejected
    or closed with ``resolved_at`` in the month; ``adoption_rate`` = adopted / decided and
    ``median_days_to_response`` (submission to resolution) are over the decided ones;
    ``open_at_end`` and ``stale_open`` (older than ``stale_after_days``) are as of the month end.

    Returns
    -------
    DataFrame
        ``period, category, submitted, decided, adopted, rejected, closed, adoption_rate,
        median_days_to_response, open_at_end, stale_open``; the last row has category ``all``.

    Examples
    --------
    >>> fb = pd.DataFrame({"feedback_id": ["1", "2", "3"], "channel": "internal", "category": "tools",
    ...     "submitted_at": pd.to_datetime(["2025-10-01", "2025-10-03", "2025-08-01"]),
    ...     "status": ["adopted", "open", "rejected"],
    ...     "resolved_at": pd.to_datetime(["2025-10-05", None, "2025-10-11"])})
    >>> suggestion_box(fb, period="2025-10")[["submitted", "decided", "adoption_rate", "open_at_end"]].tail(1).to_dict("records")
    [{'submitted': 2, 'decided': 2, 'adoption_rate': 0.5, 'open_at_end': 1}]
    """
    p, start, end = _bounds(period)
    f = _prepare(feedback)
    f = f.loc[f["channel"] == "internal"]
    submitted = f.loc[(f["submitted_at"] >= start) & (f["submitted_at"] < end)]
    decided = f.loc[f["status"].isin(_DECIDED) & (f["resolved_at"] >= start) & (f["resolved_at"] < end)]
    still_open = f.loc[(f["submitted_at"] < end) & (f["resolved_at"].isna() | (f["resolved_at"] >= end))]
    age = _days(still_open["submitted_at"], pd.Series(end, index=still_open.index))

    def summarise(sub: pd.DataFrame, dec: pd.DataFrame, op: pd.DataFrame, ages: pd.Series, cat: str) -> dict:
        n_dec = len(dec)
        wait = _days(dec["submitted_at"], dec["resolved_at"]).dropna()
        return {
            "period": str(p),
            "category": cat,
            "submitted": len(sub),
            "decided": n_dec,
            "adopted": int((dec["status"] == "adopted").sum()),
            "rejected": int((dec["status"] == "rejected").sum()),
            "closed": int((dec["status"] == "closed").sum()),
            "adoption_rate": float((dec["status"] == "adopted").mean()) if n_dec else np.nan,
            "median_days_to_response": float(wait.median()) if len(wait) else np.nan,
            "open_at_end": len(op),
            "stale_open": int((ages > stale_after_days).sum()),
        }

    rows = []
    for cat in sorted(set(submitted["category"]) | set(decided["category"]) | set(still_open["category"])):
        op = still_open.loc[still_open["category"] == cat]
        rows.append(
            summarise(
                submitted.loc[submitted["category"] == cat],
                decided.loc[decided["category"] == cat],
                op,
                age.loc[op.index],
                cat,
            )
        )
    rows.append(summarise(submitted, decided, still_open, age, "all"))
    return pd.DataFrame(rows)


def feedback_open_items(
    feedback: pd.DataFrame,
    *,
    period: Period | str,
    stale_after_days: int = 30,
    no_action_categories: list[str] | tuple[str, ...] = NO_ACTION_CATEGORIES,
) -> pd.DataFrame:
    """Feedback still open at the month end (both channels), oldest first.

    Items in ``no_action_categories`` (praise) ask for no answer: they are
    never listed as open, so never as overdue.

    Returns
    -------
    DataFrame
        ``period, feedback_id, channel, category, submitted_at, age_days, stale, excerpt``;
        ``excerpt`` is the first 60 characters with contact data masked.

    Examples
    --------
    >>> fb = pd.DataFrame({"feedback_id": ["1", "2"], "channel": "internal", "status": "open",
    ...     "submitted_at": pd.to_datetime(["2025-09-01", "2025-10-20"]), "text": ["电话13812345678", "x"]})
    >>> feedback_open_items(fb, period="2025-10")[["feedback_id", "age_days", "stale", "excerpt"]].values.tolist()
    [['1', 60, True, '电话***'], ['2', 11, False, 'x']]
    """
    p, _, end = _bounds(period)
    f = _prepare(feedback)
    op = f.loc[(f["submitted_at"] < end) & (f["resolved_at"].isna() | (f["resolved_at"] >= end))]
    op = op.loc[~op["category"].isin(list(no_action_categories))]
    age = ((end - op["submitted_at"].dt.normalize()).dt.days - 1).astype(int)  # days up to the month end
    text = op["text"] if "text" in op.columns else pd.Series("", index=op.index)
    out = pd.DataFrame(
        {
            "period": str(p),
            "feedback_id": op["feedback_id"].astype("str"),
            "channel": op["channel"],
            "category": op["category"],
            "submitted_at": op["submitted_at"],
            "age_days": age,
            "stale": age > stale_after_days,
            "excerpt": text.map(lambda t: mask_contacts(t)[:60]),
        }
    )
    return out.sort_values(["submitted_at", "feedback_id"]).reset_index(drop=True)


def meeting_cadence(
    activities: pd.DataFrame, *, period: Period | str, reps: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Internal meeting cadence per team: activities of type ``meeting`` with no customer.

    Team meetings are not a canonical table; this reads them from ``activities``
    (``activity_type == "meeting"`` and an empty ``customer_id``). When the activities carry no
    ``customer_id`` column every meeting counts. Returns ``period, team, meetings,
    weeks_with_meeting, weeks_in_period, median_days_between, source``; no rows when none is
    recorded.

    >>> acts = pd.DataFrame({"rep_id": "r1", "activity_type": "meeting", "customer_id": [None, None, "c"],
    ...     "activity_at": pd.to_datetime(["2025-10-06 09:00", "2025-10-13 09:00", "2025-10-14 10:00"])})
    >>> meeting_cadence(acts, period="2025-10")[["team", "meetings", "median_days_between"]].values.tolist()
    [['all', 2, 7.0]]
    """
    _require(activities, "activities", ("rep_id", "activity_type", "activity_at"))
    p, start, end = _bounds(period)
    a = activities.assign(
        activity_at=_naive(activities["activity_at"]), rep_id=activities["rep_id"].astype("str")
    )
    m = a.loc[
        (a["activity_type"].astype("str") == "meeting")
        & (a["activity_at"] >= start)
        & (a["activity_at"] < end)
    ]
    if "customer_id" in m.columns:
        m = m.loc[m["customer_id"].isna() | (m["customer_id"].astype("str").str.strip() == "")]
    if reps is not None and {"rep_id", "team"} <= set(reps.columns):
        m = m.merge(
            reps[["rep_id", "team"]].astype({"rep_id": "str"}).drop_duplicates("rep_id"),
            on="rep_id",
            how="left",
        )
        m = m.assign(team=m["team"].fillna("unknown"))
    else:
        m = m.assign(team="all")
    weeks = len(pd.date_range(start, end - pd.Timedelta(days=1), freq="D").to_period("W").unique())
    rows = []
    for team, g in m.groupby("team", sort=True):
        times = g["activity_at"].drop_duplicates().sort_values()
        gaps = times.diff().dt.total_seconds().dropna() / 86400
        rows.append(
            {
                "period": str(p),
                "team": team,
                "meetings": len(times),
                "weeks_with_meeting": int(times.dt.to_period("W").nunique()),
                "weeks_in_period": weeks,
                "median_days_between": float(gaps.median()) if len(gaps) else np.nan,
                "source": "activities: meeting without customer",
            }
        )
    cols = [
        "period",
        "team",
        "meetings",
        "weeks_with_meeting",
        "weeks_in_period",
        "median_days_between",
        "source",
    ]
    return pd.DataFrame(rows, columns=cols)


def customer_followup(
    orders: pd.DataFrame,
    activities: pd.DataFrame,
    *,
    period: Period | str,
    days: int = 7,
    satisfaction: pd.DataFrame | None = None,
    satisfaction_item: str = "csat",
    low_max: float = 2,
) -> pd.DataFrame:
    """回访 coverage: share of purchases (and low satisfaction scores) followed up within ``days`` days.

    Triggers are (customer, day) pairs: a paid purchase in the month (the customer's rep is
    responsible), and a satisfaction answer at or below ``low_max`` submitted in the month (the
    rep named on the response). A trigger is followed up when any activity with that customer
    falls after it and within ``days`` days: for purchases, from the next day to ``days`` days
    later (the order date has no time); for survey answers, after the submission time. Triggers
    whose window ends after the last recorded activity are ``pending`` and left out of the share.

    Returns
    -------
    DataFrame
        ``period, trigger, rep_id, triggers, followed_up, pending, coverage,
        median_days_to_followup``; ``trigger`` is ``purchase`` or ``low_satisfaction``, and a row
        with ``rep_id`` ``all`` per trigger sums the reps.

    Examples
    --------
    >>> o = pd.DataFrame({"order_date": pd.to_datetime(["2025-10-02", "2025-10-03"]), "customer_id": ["c1", "c2"],
    ...                   "rep_id": "r1", "amount": 10.0})
    >>> a = pd.DataFrame({"rep_id": "r1", "customer_id": ["c1", "c9"], "activity_type": "call",
    ...                   "activity_at": pd.to_datetime(["2025-10-05 10:00", "2025-10-31 10:00"])})
    >>> customer_followup(o, a, period="2025-10")[["triggers", "followed_up", "coverage"]].tail(1).to_dict("records")
    [{'triggers': 2, 'followed_up': 1, 'coverage': 0.5}]
    """
    _require(orders, "orders", ("order_date", "customer_id", "rep_id", "amount"))
    _require(activities, "activities", ("customer_id", "activity_at"))
    p, start, end = _bounds(period)
    acts = pd.DataFrame(
        {"customer_id": activities["customer_id"].astype("str"), "at": _naive(activities["activity_at"])}
    ).dropna()
    data_end = acts["at"].max() if len(acts) else pd.NaT

    o = orders.assign(order_date=_naive(orders["order_date"]))
    o = o.loc[(o["order_date"] >= start) & (o["order_date"] < end) & (pd.to_numeric(o["amount"]) > 0)]
    if "status" in o.columns:
        o = o.loc[o["status"].astype("str").fillna("paid") == "paid"]
    purchases = (
        o.assign(
            day=o["order_date"].dt.normalize(),
            customer_id=o["customer_id"].astype("str"),
            rep_id=o["rep_id"].astype("str"),
        )
        .drop_duplicates(["customer_id", "day"])
        .assign(
            from_=lambda x: x["day"] + pd.Timedelta(days=1),
            to=lambda x: x["day"] + pd.Timedelta(days=days + 1),
        )
    )
    triggers = [
        purchases.assign(trigger="purchase")[["trigger", "customer_id", "rep_id", "day", "from_", "to"]]
    ]
    if satisfaction is not None and {"customer_id", "submitted_at", satisfaction_item} <= set(
        satisfaction.columns
    ):
        s = satisfaction.assign(submitted_at=_naive(satisfaction["submitted_at"]))
        score = pd.to_numeric(s[satisfaction_item], errors="coerce")
        s = s.loc[(score <= low_max) & (s["submitted_at"] >= start) & (s["submitted_at"] < end)]
        rep = s["rep_id"].astype("str") if "rep_id" in s.columns else pd.Series("unknown", index=s.index)
        triggers.append(
            pd.DataFrame(
                {
                    "trigger": "low_satisfaction",
                    "customer_id": s["customer_id"].astype("str"),
                    "rep_id": rep.fillna("unknown"),
                    "day": s["submitted_at"],
                    "from_": s["submitted_at"] + pd.Timedelta(microseconds=1),
                    "to": s["submitted_at"] + pd.Timedelta(days=days),
                }
            )
        )
    t = pd.concat(triggers, ignore_index=True).reset_index(names="tid")
    hits = t.merge(acts, on="customer_id", how="inner")
    hits = hits.loc[(hits["at"] >= hits["from_"]) & (hits["at"] < hits["to"])]
    first = hits.groupby("tid")["at"].min()
    t["followed"] = t["tid"].isin(first.index)
    t["wait_days"] = _days(t["day"], t["tid"].map(first))
    t["pending"] = ~t["followed"] & (pd.isna(data_end) | (t["to"] > data_end))

    def summarise(g: pd.DataFrame) -> pd.Series:
        judged = g.loc[~g["pending"]]
        return pd.Series(
            {
                "triggers": len(g),
                "followed_up": int(g["followed"].sum()),
                "pending": int(g["pending"].sum()),
                "coverage": float(judged["followed"].mean()) if len(judged) else np.nan,
                "median_days_to_followup": float(g["wait_days"].median()) if g["followed"].any() else np.nan,
            }
        )

    cols = [
        "period",
        "trigger",
        "rep_id",
        "triggers",
        "followed_up",
        "pending",
        "coverage",
        "median_days_to_followup",
    ]
    if t.empty:
        return pd.DataFrame(columns=cols)
    parts = []
    for trig, g in t.groupby("trigger", sort=False):
        per = g.groupby("rep_id", sort=True).apply(summarise, include_groups=False).reset_index()
        per.insert(0, "trigger", trig)
        total = summarise(g).to_frame().T.assign(trigger=trig, rep_id="all")
        parts += [per, total]
    out = pd.concat(parts, ignore_index=True).assign(period=str(p))
    for col in ("triggers", "followed_up", "pending"):
        out[col] = out[col].astype(int)
    for col in ("coverage", "median_days_to_followup"):
        out[col] = out[col].astype(float)
    return out[cols]


def complaints_summary(
    feedback: pd.DataFrame,
    *,
    period: Period | str,
    categories: list[str] | tuple[str, ...] = ("complaint", "投诉"),
) -> pd.DataFrame:
    """Customer complaints: received in the month, how many of them were resolved, the backlog.

    A complaint is customer-channel feedback whose category is in ``categories`` (all customer
    feedback when empty). Every figure is defined on one population so they agree:

    - ``received``: complaints received in the month;
    - ``resolved_of_received``: of those, resolved by the month end;
    - ``resolution_rate`` = ``resolved_of_received / received``;
    - ``resolved_in_month``: complaints resolved in the month whenever received (it includes
      earlier months' complaints, so it can exceed ``resolved_of_received``);
    - ``median_days_to_resolution``: over ``resolved_in_month``;
    - ``open_at_end``: received by the month end and not resolved by then.

    Returns
    -------
    DataFrame
        ``period, category, received, resolved_of_received, resolution_rate, resolved_in_month,
        median_days_to_resolution, open_at_end``; the last row has category ``all``.

    Examples
    --------
    >>> fb = pd.DataFrame({"feedback_id": ["1", "2", "3"], "channel": "customer", "category": "complaint",
    ...     "submitted_at": pd.to_datetime(["2025-10-01", "2025-10-10", "2025-10-20"]),
    ...     "status": ["closed", "closed", "open"], "resolved_at": pd.to_datetime(["2025-10-03", "2025-11-02", None])})
    >>> cols = ["received", "resolved_of_received", "resolution_rate", "open_at_end"]
    >>> complaints_summary(fb, period="2025-10")[cols].round(3).tail(1).to_dict("records")
    [{'received': 3, 'resolved_of_received': 1, 'resolution_rate': 0.333, 'open_at_end': 2}]
    """
    p, start, end = _bounds(period)
    f = _prepare(feedback)
    f = f.loc[f["channel"] == "customer"]
    if categories:
        f = f.loc[f["category"].isin(list(categories))]
    received = f.loc[(f["submitted_at"] >= start) & (f["submitted_at"] < end)]
    resolved = f.loc[(f["resolved_at"] >= start) & (f["resolved_at"] < end)]
    still_open = f.loc[(f["submitted_at"] < end) & (f["resolved_at"].isna() | (f["resolved_at"] >= end))]

    def summarise(rec: pd.DataFrame, res: pd.DataFrame, op: pd.DataFrame, cat: str) -> dict:
        done = rec["resolved_at"].notna() & (rec["resolved_at"] < end)
        wait = _days(res["submitted_at"], res["resolved_at"])
        return {
            "period": str(p),
            "category": cat,
            "received": len(rec),
            "resolved_of_received": int(done.sum()),
            "resolution_rate": float(done.mean()) if len(rec) else np.nan,
            "resolved_in_month": len(res),
            "median_days_to_resolution": float(wait.median()) if len(wait) else np.nan,
            "open_at_end": len(op),
        }

    rows = [
        summarise(
            received.loc[received["category"] == c],
            resolved.loc[resolved["category"] == c],
            still_open.loc[still_open["category"] == c],
            c,
        )
        for c in sorted(set(received["category"]) | set(resolved["category"]) | set(still_open["category"]))
    ]
    rows.append(summarise(received, resolved, still_open, "all"))
    return pd.DataFrame(rows)
