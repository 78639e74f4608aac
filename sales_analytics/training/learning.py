"""Kirkpatrick levels 1 and 2: reaction scores and learning (pre/post tests).

Level 2 shows both Hake's normalized gain on class averages
``⟨g⟩ = (⟨post⟩ − ⟨pre⟩) / (max − ⟨pre⟩)`` and the mean of individual gains
``mean((post − pre) / (max − pre))`` (Bao 2006: they differ), a paired t-test
on ``d = post − pre`` with its confidence interval, and the effect size
``d_z = d̄ / s_d`` (not pingouin's d_av). Only reps with both scores count
(drop-outs between the tests are excluded, and their number is shown).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sales_analytics.periods import Period
from sales_analytics.training._common import attended_sessions, require, window

__all__ = [
    "gain_band",
    "instrument_scoring",
    "learning_by_session",
    "normalized_gain",
    "paired_test",
    "reaction_scores",
    "survey_instrument",
]


def normalized_gain(pre_mean: float, post_mean: float, max_score: float = 100.0) -> float:
    """Hake's normalized gain on class averages: ``(post − pre) / (max − pre)``.

    >>> normalized_gain(40, 70)
    0.5
    >>> normalized_gain(100, 100)
    nan
    """
    if not pre_mean < max_score:
        return float("nan")
    return (post_mean - pre_mean) / (max_score - pre_mean)


def gain_band(g: float) -> str:
    """Hake's bands: ``low`` (< 0.3), ``medium`` (0.3–0.7), ``high`` (> 0.7); '' when undefined.

    >>> gain_band(0.5), gain_band(0.71), gain_band(0.1)
    ('medium', 'high', 'low')
    """
    if g != g:  # NaN
        return ""
    return "low" if g < 0.3 else "high" if g > 0.7 else "medium"


def paired_test(
    pre: Sequence[float] | pd.Series, post: Sequence[float] | pd.Series, *, confidence: float = 0.95
) -> dict[str, float]:
    """Paired t-test of ``post − pre`` with the CI of the mean difference and ``d_z``.

    Pairs with a missing value are dropped. Returns ``n, mean_diff, sd_diff, t, df, p_value,
    ci_low, ci_high, d_z``; with fewer than 2 pairs (or no variation) the test values are NaN.

    >>> r = paired_test([50, 60, 70, 55, 62, 66], [58, 65, 74, 60, 70, 70])
    >>> round(r["mean_diff"], 2), round(r["sd_diff"], 2), round(r["t"], 2), round(r["d_z"], 2)
    (5.67, 1.86, 7.45, 3.04)
    """
    from scipy import stats  # imported on use: opening a notebook does not load scipy.stats

    a = pd.to_numeric(pd.Series(list(pre)), errors="coerce").to_numpy(dtype=float)
    b = pd.to_numeric(pd.Series(list(post)), errors="coerce").to_numpy(dtype=float)
    ok = ~(np.isnan(a) | np.isnan(b))
    a, b = a[ok], b[ok]
    d = b - a
    n = len(d)
    nan = float("nan")
    out = {
        "n": n,
        "mean_diff": float(d.mean()) if n else nan,
        "sd_diff": nan,
        "t": nan,
        "df": nan,
        "p_value": nan,
        "ci_low": nan,
        "ci_high": nan,
        "d_z": nan,
    }
    if n < 2:
        return out
    sd = float(d.std(ddof=1))
    out.update(sd_diff=sd, df=float(n - 1))
    if sd == 0:
        return out
    res = stats.ttest_rel(b, a)
    ci = res.confidence_interval(confidence_level=confidence)
    out.update(
        t=float(res.statistic),
        p_value=float(res.pvalue),
        ci_low=float(ci.low),
        ci_high=float(ci.high),
        d_z=float(d.mean() / sd),
    )
    return out


def learning_by_session(
    sessions: pd.DataFrame,
    attendance: pd.DataFrame,
    *,
    period: Period | str,
    months: int = 12,
    max_score: float = 100.0,
) -> pd.DataFrame:
    """Level 2 per session held in the ``months`` months ending with ``period``.

    Parameters
    ----------
    sessions : ``training_sessions``: session_id*, topic*, category, session_date*.
    attendance : ``training_attendance``: session_id*, rep_id*, attended*, pre_score, post_score.
    max_score : the maximum test score (100 for percent scores).

    Returns
    -------
    DataFrame
        ``period, session_id, topic, category, session_date, attended, n_paired, dropped,
        pre_mean, post_mean, class_gain, gain_band, mean_individual_gain, mean_diff, sd_diff,
        t, df, p_value, ci_low, ci_high, d_z``. ``class_gain`` is Hake's ⟨g⟩ on the class
        averages of the paired reps; ``mean_individual_gain`` averages each rep's own gain
        (reps at the maximum on the pretest are left out of it); ``dropped`` counts attendees
        missing one of the two scores.

    Examples
    --------
    >>> s = pd.DataFrame({"session_id": ["s1"], "topic": ["t"], "session_date": pd.to_datetime(["2025-10-01"])})
    >>> a = pd.DataFrame({"session_id": "s1", "rep_id": ["a", "b"], "attended": True,
    ...                   "pre_score": [30.0, 50.0], "post_score": [65.0, 75.0]})
    >>> learning_by_session(s, a, period="2025-10")[["class_gain", "mean_individual_gain"]].round(3).values.tolist()
    [[0.5, 0.5]]
    """
    p, start, end = window(period, months)
    rows = attended_sessions(sessions, attendance)
    rows = rows.loc[
        rows["attended"]
        & (rows["session_date"] >= start)
        & (rows["session_date"] < end + pd.Timedelta(days=1))
    ]
    records = []
    for sid, g in rows.groupby("session_id", sort=False):
        paired = g.dropna(subset=["pre_score", "post_score"])
        test = paired_test(paired["pre_score"], paired["post_score"])
        pre_m = float(paired["pre_score"].mean()) if len(paired) else float("nan")
        post_m = float(paired["post_score"].mean()) if len(paired) else float("nan")
        room = max_score - paired["pre_score"]
        indiv = ((paired["post_score"] - paired["pre_score"]) / room.where(room > 0)).dropna()
        cg = normalized_gain(pre_m, post_m, max_score) if len(paired) else float("nan")
        first = g.iloc[0]
        records.append(
            {
                "period": str(p),
                "session_id": sid,
                "topic": first["topic"],
                "category": first["category"],
                "session_date": first["session_date"],
                "attended": len(g),
                "n_paired": int(test["n"]),
                "dropped": len(g) - int(test["n"]),
                "pre_mean": pre_m,
                "post_mean": post_m,
                "class_gain": cg,
                "gain_band": gain_band(cg),
                "mean_individual_gain": float(indiv.mean()) if len(indiv) else math.nan,
                **{
                    k: test[k]
                    for k in ("mean_diff", "sd_diff", "t", "df", "p_value", "ci_low", "ci_high", "d_z")
                },
            }
        )
    cols = [
        "period",
        "session_id",
        "topic",
        "category",
        "session_date",
        "attended",
        "n_paired",
        "dropped",
        "pre_mean",
        "post_mean",
        "class_gain",
        "gain_band",
        "mean_individual_gain",
        "mean_diff",
        "sd_diff",
        "t",
        "df",
        "p_value",
        "ci_low",
        "ci_high",
        "d_z",
    ]
    out = pd.DataFrame(records, columns=cols)
    return out.sort_values(["session_date", "session_id"]).reset_index(drop=True)


def _mean_ci(values: pd.Series, confidence: float = 0.95) -> tuple[float, float, float, int]:
    from scipy import stats  # imported on use: opening a notebook does not load scipy.stats

    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    n = len(v)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    m = float(v.mean())
    if n < 2 or v.std(ddof=1) == 0:
        return m, math.nan, math.nan, n
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * v.std(ddof=1) / math.sqrt(n))
    return m, m - half, m + half, n


def reaction_scores(
    responses: pd.DataFrame,
    *,
    items: Sequence[str],
    period: Period | str,
    months: int = 12,
    reverse: Sequence[str] = (),
    scale: tuple[float, float] = (1, 5),
) -> pd.DataFrame:
    """Level 1: mean score per item of the training-feedback survey, with a t interval.

    Parameters
    ----------
    responses : ``survey_training_feedback``: response_id, submitted_at*, session_id, rep_id and
        one numeric column per item.
    items : the numeric item ids to score (from ``surveys/training_feedback.yaml``).
    reverse : reverse-keyed items, rescored ``(min + max) − x`` before averaging.
    scale : ``(min, max)`` of the reverse-keyed items.

    Returns
    -------
    DataFrame
        ``period, measure, value, ci_low, ci_high, n``: one row per item and an ``all_items`` row
        (the mean of each respondent's item mean, after reverse coding; not ``overall``, which an
        instrument may use as an item id, as ``surveys/training_feedback.yaml`` does).

    Examples
    --------
    >>> r = pd.DataFrame({"submitted_at": pd.to_datetime(["2025-10-02", "2025-10-03"]),
    ...                   "q1": [4, 5], "q2": [2, 1]})
    >>> reaction_scores(r, items=["q1", "q2"], reverse=["q2"], period="2025-10")[["measure", "value"]].values.tolist()
    [['q1', 4.5], ['q2', 4.5], ['all_items', 4.5]]
    """
    p, start, end = window(period, months)
    require(responses, "survey_training_feedback", ("submitted_at", *items))
    when = pd.to_datetime(responses["submitted_at"])
    if isinstance(when.dtype, pd.DatetimeTZDtype):
        when = when.dt.tz_localize(None)
    sel = responses.loc[(when >= start) & (when < end + pd.Timedelta(days=1))]
    lo, hi = scale
    scored = pd.DataFrame({i: pd.to_numeric(sel[i], errors="coerce") for i in items}, index=sel.index)
    for i in reverse:
        if i in scored:
            scored[i] = (lo + hi) - scored[i]
    rows = []
    for i in items:
        m, a, b, n = _mean_ci(scored[i])
        rows.append({"measure": i, "value": m, "ci_low": a, "ci_high": b, "n": n})
    m, a, b, n = _mean_ci(scored.mean(axis=1, skipna=True)) if len(items) else (math.nan,) * 3 + (0,)
    rows.append({"measure": "all_items", "value": m, "ci_low": a, "ci_high": b, "n": n})
    out = pd.DataFrame(rows)
    out.insert(0, "period", str(p))
    return out


def survey_instrument(instrument_id: str, folder: str | Path | None = None) -> Any:
    """The instrument ``<folder>/<instrument_id>.yaml`` validated, or ``None`` when the file is absent.

    ``folder``: ``surveys.instruments`` of the parameters (empty or None: ``surveys/``).
    """
    from sales_analytics.surveys.instruments import instruments_folder, load_instrument

    path = instruments_folder(folder) / f"{instrument_id}.yaml"
    return load_instrument(path) if path.exists() else None


def instrument_scoring(instrument: Any, types: tuple[str, ...] = ("likert", "csat")) -> dict[str, Any]:
    """Items, reverse-keyed items, scale and dimensions of an instrument's numeric items.

    Returns ``{"items": [...], "reverse": [...], "scale": (min, max), "dimensions": {dim: [items]}}``
    for the items of ``types`` (the scale is the widest of them), ready for
    :func:`reaction_scores` and :func:`~sales_analytics.training.needs.skill_dimension_scores`.
    """
    chosen = [it for it in instrument.items if it.type in types]
    bounds = [it.bounds for it in chosen]
    dims: dict[str, list[str]] = {}
    for it in chosen:
        if it.dimension:
            dims.setdefault(it.dimension, []).append(it.id)
    return {
        "items": [it.id for it in chosen],
        "reverse": [it.id for it in chosen if it.reverse],
        "scale": (min(b[0] for b in bounds), max(b[1] for b in bounds)) if bounds else (1, 5),
        "dimensions": dims,
    }
