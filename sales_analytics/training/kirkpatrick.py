"""The Kirkpatrick summary: one table of levels 1–4 and Phillips ROI (level 5)."""

from __future__ import annotations

import math

import pandas as pd

from sales_analytics.periods import Period, parse_period
from sales_analytics.report.labels import label
from sales_analytics.report.present import p_value_text
from sales_analytics.training._common import attended_sessions, window
from sales_analytics.training.learning import gain_band, normalized_gain, paired_test

__all__ = ["kirkpatrick_levels"]


def _note(key: str, **fields: object) -> str:
    """A level's note: the English sentence of label ``key`` (the published table's stable value;
    :mod:`sales_analytics.report.prose_text` reads it back and says it in the reader's language)."""
    return label(key, "en").format(**fields)


_COLUMNS = ["period", "level", "measure", "value", "ci_low", "ci_high", "n", "note"]


def kirkpatrick_levels(
    *,
    period: Period | str,
    sessions: pd.DataFrame | None = None,
    attendance: pd.DataFrame | None = None,
    reaction: pd.DataFrame | None = None,
    behaviour: pd.DataFrame | None = None,
    did: pd.DataFrame | None = None,
    roi: pd.DataFrame | None = None,
    months: int = 12,
    max_score: float = 100.0,
    behaviour_types: tuple[str, ...] = ("visit",),
) -> pd.DataFrame:
    """Summarise the four levels (and ROI) in one tidy table.

    Parameters
    ----------
    sessions, attendance : for level 2, every paired pre/post score in the ``months`` window.
    reaction : :func:`reaction_scores` (level 1; its ``all_items`` row and items).
    behaviour : :func:`behaviour_change` (level 3; the ``behaviour_types`` rows).
    did : :func:`did_by_cohort` (level 4; the pooled ``all`` row of each outcome).
    roi : :func:`training_roi` (level 5).

    Returns
    -------
    DataFrame
        ``period, level, measure, value, ci_low, ci_high, n, note``; ``level`` is ``L1`` … ``L5``.
        Level 2 shows the class-average gain ⟨g⟩ (``class_gain``), the mean of individual gains,
        the paired mean change with its CI and the effect size d_z (``d̄ / s_d``).

    Examples
    --------
    >>> s = pd.DataFrame({"session_id": ["s"], "topic": ["t"], "session_date": pd.to_datetime(["2025-10-01"])})
    >>> a = pd.DataFrame({"session_id": "s", "rep_id": list("abcdef"), "attended": True,
    ...                   "pre_score": [40.0] * 6, "post_score": [48.0, 45, 44, 45, 48, 44]})
    >>> k = kirkpatrick_levels(period="2025-10", sessions=s, attendance=a)
    >>> k.set_index("measure")["value"].round(2)[["score_change", "effect_size_dz"]].tolist()
    [5.67, 3.04]
    """
    p = parse_period(period)
    rows: list[dict] = []

    def add(
        level: str,
        measure: str,
        value: float,
        lo: float = math.nan,
        hi: float = math.nan,
        n: int = 0,
        note: str = "",
    ) -> None:
        rows.append(
            {
                "level": level,
                "measure": measure,
                "value": value,
                "ci_low": lo,
                "ci_high": hi,
                "n": n,
                "note": note,
            }
        )

    if reaction is not None and len(reaction):
        for _, r in reaction.iterrows():
            add(
                "L1",
                f"reaction_{r['measure']}",
                r["value"],
                r["ci_low"],
                r["ci_high"],
                int(r["n"]),
                _note("kirk_note_reaction"),
            )
    if sessions is not None and attendance is not None:
        _, start, end = window(p, months)
        rows_ = attended_sessions(sessions, attendance)
        rows_ = rows_.loc[
            rows_["attended"]
            & (rows_["session_date"] >= start)
            & (rows_["session_date"] < end + pd.Timedelta(days=1))
        ]
        paired = rows_.dropna(subset=["pre_score", "post_score"])
        if len(paired):
            pre, post = paired["pre_score"], paired["post_score"]
            g = normalized_gain(float(pre.mean()), float(post.mean()), max_score)
            room = (max_score - pre).where(max_score - pre > 0)
            indiv = ((post - pre) / room).dropna()
            t = paired_test(pre, post)
            n = int(t["n"])
            add(
                "L2",
                "class_gain",
                g,
                n=n,
                note=_note("kirk_note_class_gain", band=gain_band(g)),
            )
            lo_i, hi_i = _mean_interval(indiv)
            add(
                "L2",
                "mean_individual_gain",
                float(indiv.mean()) if len(indiv) else math.nan,
                lo_i,
                hi_i,
                n=len(indiv),
                note=_note("kirk_note_individual_gain"),
            )
            add(
                "L2",
                "score_change",
                t["mean_diff"],
                t["ci_low"],
                t["ci_high"],
                n,
                _note(
                    "kirk_note_paired", t=f"{t['t']:.2f}", df=f"{t['df']:.0f}", p=p_value_text(t["p_value"])
                ),
            )
            lo_d, hi_d = _dz_interval(float(t["d_z"]), n)
            add(
                "L2",
                "effect_size_dz",
                t["d_z"],
                lo_d,
                hi_d,
                n=n,
                note=_note("kirk_note_dz"),
            )
    if behaviour is not None and len(behaviour):
        for _, b in behaviour.loc[behaviour["activity_type"].isin(behaviour_types)].iterrows():
            add(
                "L3",
                f"{b['activity_type']}_per_week_change",
                b["change"],
                b["ci_low"],
                b["ci_high"],
                int(b["n_reps"]),
                _note(
                    "kirk_note_per_week",
                    before=f"{b['before_per_week']:.2f}",
                    after=f"{b['after_per_week']:.2f}",
                ),
            )
    if did is not None and len(did):
        for _, d in did.loc[did["cohort"] == "all"].iterrows():
            add(
                "L4",
                f"did_{d['outcome']}",
                d["did"],
                d["ci_low"],
                d["ci_high"],
                int(d["n_treated"]),
                _note("kirk_note_did", n=int(d["n_control"])),
            )
    if roi is not None and len(roi):
        r = roi.iloc[0]
        why = _note("kirk_note_roi_why")
        add("L5", "roi_pct", r["roi_pct"], n=int(r["trained_reps"]), note=str(r["basis"]) + why)
        add("L5", "bcr", r["bcr"], n=int(r["trained_reps"]), note=_note("kirk_note_bcr") + why)
        add(
            "L5",
            "payback_months",
            r["payback_months"],
            n=int(r["trained_reps"]),
            note=_note("kirk_note_payback") + why,
        )
    out = pd.DataFrame(rows, columns=_COLUMNS[1:])
    out.insert(0, "period", str(p))
    return out


def _mean_interval(values: pd.Series, confidence: float = 0.95) -> tuple[float, float]:
    """t interval of a mean (NaN with fewer than 2 values)."""
    from scipy import stats

    n = len(values)
    if n < 2:
        return math.nan, math.nan
    m, se = float(values.mean()), float(values.std(ddof=1)) / math.sqrt(n)
    h = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * se
    return m - h, m + h


def _dz_interval(d: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Normal interval of the paired effect size d_z: SE = √(1/n + d²/(2n)) (NaN with n < 2)."""
    from scipy import stats

    if n < 2 or not math.isfinite(d):
        return math.nan, math.nan
    se = math.sqrt(1 / n + d * d / (2 * n))
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    return d - z * se, d + z * se
