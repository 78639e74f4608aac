"""Response validation: checking a response table against its instrument, flagging bad responses.

:func:`prepare_responses` checks the columns and types (a :class:`DataError`
lists every problem) and adds ``period``; :func:`response_quality` flags each
response; :func:`clean_responses` drops the flagged responses named in
``SurveyParams.exclude`` and blanks out-of-range answers, which are never scored.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, DataProblem
from sales_analytics.surveys.anonymity import anonymity_threshold_for
from sales_analytics.surveys.instruments import Instrument
from sales_analytics.surveys.params import QUALITY_CHECKS, SurveyParams

__all__ = ["clean_responses", "prepare_responses", "quality_summary", "response_quality"]

log = logging.getLogger(__name__)

_MAX_ROWS = 5


def _rows(mask: np.ndarray) -> tuple[int, ...]:
    """1-based data-row numbers of the first few True entries."""
    return tuple(int(i) + 1 for i in np.flatnonzero(mask)[:_MAX_ROWS])


def prepare_responses(
    responses: pd.DataFrame, instrument: Instrument, *, file: str | None = None
) -> pd.DataFrame:
    """Check a response table against its instrument and coerce its types.

    Parameters
    ----------
    responses : ``response_id, submitted_at, <grouping columns>, <item ids>`` and
        optionally ``duration_s`` (seconds).
    instrument : the instrument the table answers.
    file : the name used in error messages (default ``survey_<id>``).

    Returns
    -------
    A copy with numeric items as float, ``submitted_at`` as datetime, ids as
    text and a ``period`` column (``YYYY-MM`` of ``submitted_at``).

    Examples
    --------
    >>> from sales_analytics.surveys.instruments import load_instruments
    >>> inst = load_instruments()["team_pulse"]
    >>> prepare_responses(pd.DataFrame({"response_id": ["r1"], "team": ["A"], "enps": [9]}), inst)
    Traceback (most recent call last):
    ...
    sales_analytics.errors.DataError: survey_team_pulse: missing columns ['submitted_at']. Expected response_id, submitted_at, team and one column per item id, found 'response_id, team, enps'.
    """
    name = file or f"survey_{instrument.id}"
    required = ["response_id", "submitted_at", *instrument.grouping]
    missing = [c for c in required if c not in responses.columns]
    items = [c for c in instrument.item_ids if c in responses.columns]
    if missing or not items:
        problem = f"missing columns {missing}" if missing else "no item column"
        raise DataError(
            [
                DataProblem(
                    name,
                    problem,
                    expected=f"response_id, submitted_at, {', '.join(instrument.grouping)} "
                    "and one column per item id",
                    found=", ".join(map(str, responses.columns[:12])),
                )
            ]
        )
    absent = [c for c in instrument.item_ids if c not in responses.columns]
    if absent:
        log.warning("%s: items %s are not in the table; they count as unanswered", name, absent)
    out = responses.copy()
    problems: list[DataProblem] = []
    when = pd.to_datetime(out["submitted_at"], errors="coerce")
    bad = (when.isna() & out["submitted_at"].notna()).to_numpy() | out["submitted_at"].isna().to_numpy()
    if bad.any():
        problems.append(
            DataProblem(
                name,
                f"{int(bad.sum())} rows have no valid submission time",
                column="submitted_at",
                rows=_rows(bad),
                count=int(bad.sum()),
                expected="a date and time",
                found=str(out["submitted_at"].to_numpy()[bad][0]),
            )
        )
    out["submitted_at"] = when.astype("datetime64[ns]")
    for col in ["response_id", *instrument.grouping]:
        empty = out[col].isna().to_numpy()
        if empty.any():
            problems.append(
                DataProblem(
                    name,
                    f"{int(empty.sum())} rows are empty",
                    column=col,
                    rows=_rows(empty),
                    count=int(empty.sum()),
                    expected="an id in every row",
                )
            )
        out[col] = out[col].astype("str")
    for it in instrument.items:
        if it.id not in out:
            out[it.id] = pd.Series(
                np.nan if it.numeric else None, index=out.index, dtype=float if it.numeric else "str"
            )
            continue
        if it.numeric:
            num = pd.to_numeric(out[it.id], errors="coerce")
            bad = (num.isna() & out[it.id].notna()).to_numpy()
            if bad.any():
                problems.append(
                    DataProblem(
                        name,
                        f"{int(bad.sum())} answers are not numbers",
                        column=it.id,
                        rows=_rows(bad),
                        count=int(bad.sum()),
                        expected=f"a number from {it.bounds[0]} to {it.bounds[1]}",
                        found=str(out[it.id].to_numpy()[bad][0]),
                    )
                )
            out[it.id] = num.astype(float)
        else:
            out[it.id] = out[it.id].astype("str")
    if "duration_s" in out:
        out["duration_s"] = pd.to_numeric(out["duration_s"], errors="coerce").astype(float)
    if problems:
        raise DataError(problems)
    out["period"] = out["submitted_at"].dt.strftime("%Y-%m").astype("str")
    return out


def response_quality(
    responses: pd.DataFrame, instrument: Instrument, params: SurveyParams | None = None
) -> pd.DataFrame:
    """One row per response with its quality flags.

    Checks: ``out_of_range`` (a numeric answer outside its scale or a choice
    outside its options), ``duplicate`` (a repeated response_id, or for a named
    respondent — customer / rep / session — a second response in the same
    period; for an anonymous instrument the same answers to every item from the
    same group in the same period), ``straight_line`` (at least
    ``straight_line_min_items`` Likert answers, all identical), ``speeder``
    (``duration_s`` below ``speeder_fraction`` × the median duration of the
    instrument's responses in the same period; only when durations exist) and ``incomplete`` (a required item
    unanswered).

    Returns
    -------
    ``response_id, period, <grouping>, out_of_range, duplicate, straight_line,
    speeder, incomplete, answered, excluded, reasons`` (``reasons`` lists the
    flags joined by ``;``; ``excluded`` applies ``params.exclude``).

    Examples
    --------
    >>> from sales_analytics.surveys.instruments import load_instruments
    >>> inst = load_instruments()["training_feedback"]
    >>> r = pd.DataFrame({"response_id": ["a", "b"], "submitted_at": ["2026-03-02", "2026-03-03"],
    ...     "session_id": "S1", "rep_id": ["R1", "R2"], "team": "T", "overall": [4, 9],
    ...     "re_trainer": 4, "re_materials": 4, "re_engaging": [4, 5], "re_boring": 4,
    ...     "rl_job": 4, "rl_apply": 4, "rl_confident": 4, "pace": "just_right", "comment": None})
    >>> response_quality(prepare_responses(r, inst), inst)[["response_id", "reasons"]]
      response_id        reasons
    0           a  straight_line
    1           b   out_of_range
    """
    params = params or SurveyParams()
    r = responses if "period" in responses else prepare_responses(responses, instrument)
    n = len(r)
    flags = {k: np.zeros(n, dtype=bool) for k in QUALITY_CHECKS}
    for it in instrument.items:
        col = r[it.id]
        if it.numeric:
            lo, hi = it.bounds
            v = col.to_numpy(dtype=float)
            flags["out_of_range"] |= ~np.isnan(v) & ((v < lo) | (v > hi) | (v != np.rint(v)))
        elif it.type == "single_choice":
            flags["out_of_range"] |= (col.notna() & ~col.isin(it.option_values())).to_numpy()
        elif it.type == "multi_choice":
            allowed = set(it.option_values())
            answered = col.dropna()
            bad = np.array(
                [any(x.strip() not in allowed for x in str(v).split(";")) for v in answered], dtype=bool
            )
            flags["out_of_range"][np.flatnonzero(col.notna().to_numpy())] |= bad
        if it.required:
            flags["incomplete"] |= col.isna().to_numpy()
    # duplicates: a repeated id, or the same respondent twice in one period
    order = np.argsort(r["submitted_at"].to_numpy(), kind="stable")
    ranked = r.iloc[order]
    dup = ranked["response_id"].duplicated().to_numpy().copy()
    who = [c for c in ("customer_id", "rep_id", "session_id") if c in instrument.grouping]
    if instrument.anonymous or not who:
        keys = ["period", *instrument.grouping, *instrument.item_ids]
    else:
        keys = ["period", *who]
    dup |= ranked.duplicated(subset=keys, keep="first").to_numpy()
    flags["duplicate"][order] = dup
    likert = [it.id for it in instrument.items_of("likert")]
    if len(likert) >= params.straight_line_min_items:
        block = r[likert].to_numpy(dtype=float)
        answered = (~np.isnan(block)).sum(axis=1)
        spread = np.nanmax(np.where(np.isnan(block), -np.inf, block), axis=1) - np.nanmin(
            np.where(np.isnan(block), np.inf, block), axis=1
        )
        flags["straight_line"] = (answered >= params.straight_line_min_items) & (spread == 0)
    if "duration_s" in r and r["duration_s"].notna().any():
        # the median of each period (wave), so a later response never changes an earlier
        # wave's speeders and with them the respondents of a published month
        dur = r["duration_s"].astype(float)
        median = dur.groupby(r["period"].to_numpy()).transform("median").to_numpy(dtype=float)
        d = dur.to_numpy(dtype=float)
        flags["speeder"] = ~np.isnan(d) & (d < params.speeder_fraction * median)
    answered_items = r[[it.id for it in instrument.items]].notna().sum(axis=1).to_numpy()
    out = r[["response_id", "period", *instrument.grouping]].copy()
    for k in QUALITY_CHECKS:
        out[k] = flags[k]
    out["answered"] = answered_items
    out["excluded"] = np.logical_or.reduce([flags[k] for k in params.exclude]) if params.exclude else False
    names = np.array(QUALITY_CHECKS, dtype=object)
    matrix = np.column_stack([flags[k] for k in QUALITY_CHECKS])
    out["reasons"] = pd.Series([";".join(names[row]) for row in matrix], index=out.index, dtype="str")
    return out.reset_index(drop=True)


def clean_responses(
    responses: pd.DataFrame, instrument: Instrument, params: SurveyParams | None = None
) -> pd.DataFrame:
    """Responses fit for scoring: excluded responses dropped, out-of-range answers blanked.

    Returns
    -------
    The prepared response table (see :func:`prepare_responses`, with ``period``)
    without the responses whose flags are in ``params.exclude``; a numeric
    answer outside its scale becomes NaN and an unknown choice missing.
    """
    params = params or SurveyParams()
    r = responses if "period" in responses else prepare_responses(responses, instrument)
    q = response_quality(r, instrument, params)
    out = r.loc[~q["excluded"].to_numpy()].copy()
    for it in instrument.items:
        if it.numeric:
            lo, hi = it.bounds
            v = out[it.id]
            out[it.id] = v.where((v >= lo) & (v <= hi) & (v == v.round()))
        elif it.type == "single_choice":
            out[it.id] = out[it.id].where(out[it.id].isin(it.option_values()))
    log.info("%s: %d of %d responses kept for scoring", instrument.id, len(out), len(r))
    return out.reset_index(drop=True)


def quality_summary(
    quality: pd.DataFrame, instrument: Instrument, params: SurveyParams | None = None
) -> pd.DataFrame:
    """Counts of flagged and excluded responses per period and check.

    Parameters
    ----------
    quality : the output of :func:`response_quality`.

    Returns
    -------
    ``period, instrument, check, responses, flagged, share, excluded`` where
    ``excluded`` tells whether the check's responses are left out of the scores.
    For an anonymous instrument a period with fewer responses than the anonymity
    threshold has no rows (its flags would describe the few people who answered).
    """
    params = params or SurveyParams()
    threshold = anonymity_threshold_for(instrument, params)
    rows = []
    for period, g in quality.groupby("period", sort=True):
        if len(g) < threshold:
            continue
        for k in QUALITY_CHECKS:
            flagged = int(g[k].sum())
            rows.append(
                {
                    "period": period,
                    "instrument": instrument.id,
                    "check": k,
                    "responses": len(g),
                    "flagged": flagged,
                    "share": flagged / len(g),
                    "excluded": k in params.exclude,
                }
            )
    out = pd.DataFrame(
        rows, columns=["period", "instrument", "check", "responses", "flagged", "share", "excluded"]
    )
    return out.astype({"period": "str", "instrument": "str", "check": "str"})
