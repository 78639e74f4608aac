"""Small-group suppression and the publication rule every survey table passes through.

Within one bundle
-----------------
A *cut* is one row of a result table: a group (a team, or the total ``all``)
within a partition such as ``(period, instrument, metric)``. A cut with fewer
respondents than the threshold is suppressed (primary suppression). Because a
total minus the shown groups reveals what the hidden groups hold, a partition
whose total is shown must hide either no child group or at least two whose
combined respondents reach the threshold; more groups are hidden, smallest
first, until that holds, and the total itself is hidden when no choice of
children can satisfy it (complementary suppression). A suppressed cut leaves
**no row** in a published table: a row that existed only for a group that
answered would say who answered, so even its label is withheld.

Across bundles
--------------
Every bundle republishes tables pooled over the trailing months (reliability,
item statistics, drivers, themes, comments). Two consecutive bundles must not
differ by fewer than the threshold of people, or subtracting one from the other
isolates them. The unit of publication is therefore a *block*: the respondents
of one cut in one month. A block is published only when, in its own month, it
passes the rule above (at least the threshold, and not revealing a hidden
neighbour by difference); a pooled table is computed from published blocks
only (:func:`published_blocks`). So a pooled cut changes between any two
bundles only by whole blocks of at least the threshold entering or leaving the
window, and a late response that is alone in its month (or one of fewer than
the threshold) never enters any pooled table. A month's block is decided by
that month's responses alone, so every bundle takes the same decision for it.

Backdated responses
-------------------
A response can reach the data after its month was published: an export
re-pulled later, a platform that dates a response by when the form was opened.
Counted in its own month, it would change that month's block (its scores and
every pooled table) by one person between two bundles. So a month's block is
frozen once a bundle published it: each bundle records which respondents it
put in which month block (:func:`settle_blocks` → the run keeps the record
with the bundle), the next bundle reads the record of the latest published one
and keeps every recorded response in its recorded block, and a response dated
into a month the record already covers, but not recorded there, is counted in
the month it *arrived* in: the first month after the record's period. There it
is one respondent of that month's block, published only when the block passes
the threshold in its own month, like any other. See docs/surveys.md.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sales_analytics.vocabulary import renamed_arguments

if TYPE_CHECKING:
    from sales_analytics.surveys.instruments import Instrument
    from sales_analytics.surveys.params import SurveyParams

__all__ = [
    "BLOCK_RECORD_COLUMNS",
    "anonymity_threshold_for",
    "published_blocks",
    "published_group_responses",
    "settle_blocks",
    "suppress_small_groups",
]

log = logging.getLogger(__name__)

ALL = "all"  # the group label of a total row
#: The record of month blocks a bundle keeps (read back by ``sales_analytics.run.history``):
#: ``period`` the bundle's month, ``instrument``, ``month`` the block and ``response_id``.
BLOCK_RECORD_COLUMNS = ("period", "instrument", "month", "response_id")


def anonymity_threshold_for(instrument: Instrument, params: SurveyParams, *, comments: bool = False) -> int:
    """The anonymity threshold for an instrument: 1 unless anonymous, else the stricter setting.

    >>> from sales_analytics.surveys.instruments import load_instruments
    >>> from sales_analytics.surveys.params import SurveyParams
    >>> anonymity_threshold_for(load_instruments()["team_pulse"], SurveyParams(anonymity_threshold=7))
    7
    """
    if not instrument.anonymous:
        return 1
    if comments:
        return max(params.comment_threshold, instrument.comment_threshold or 1)
    return max(params.anonymity_threshold, instrument.anonymity_threshold or 1)


def _partition_mask(n: np.ndarray, is_total: np.ndarray, level: np.ndarray, threshold: int) -> np.ndarray:
    """Which rows of one partition to suppress (see the module docstring)."""
    if threshold <= 1:  # a named survey hides nothing but a count that does not exist
        return np.isnan(n)
    hide = ~(n >= threshold)  # NaN counts are hidden too
    changed = True
    while changed:
        changed = False
        total_rows = np.flatnonzero(is_total)
        if total_rows.size == 0 or hide[total_rows].all():
            break
        for lv in pd.unique(level[~is_total]):
            kids = np.flatnonzero(~is_total & (level == lv))
            hidden = kids[hide[kids]]
            if hidden.size == 0:
                continue
            if hidden.size >= 2 and np.nansum(n[hidden]) >= threshold:
                continue
            shown = kids[~hide[kids]]
            if shown.size:
                hide[shown[np.argsort(n[shown], kind="stable")[0]]] = True
            else:
                hide[total_rows] = True
            changed = True
            break
    return hide


def joined_keys(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    r"""Each row's ``columns`` as text joined by ``\x1f`` (one key per partition), column by column.

    >>> joined_keys(pd.DataFrame({"a": ["x", "y"], "b": [1, None]}), ["a", "b"]).tolist()
    ['x\x1f1.0', 'y\x1fnan']
    """
    text = frame[list(columns)].astype(str).fillna("nan")  # a missing value is a key of its own
    keys = text.iloc[:, 0]
    for c in range(1, text.shape[1]):
        keys = keys + "\x1f" + text.iloc[:, c]
    return keys


@renamed_arguments(threshold="anonymity_threshold", level="group_by")
def suppress_small_groups(
    table: pd.DataFrame,
    *,
    anonymity_threshold: int,
    by: Sequence[str],
    values: Sequence[str],
    n: str = "n",
    group: str = "group",
    group_by: str | None = "group_by",
    keep_hidden: bool = False,
) -> pd.DataFrame:
    """Hide cuts with fewer than ``anonymity_threshold`` respondents, and the cuts that would reveal them.

    Parameters
    ----------
    table : one row per cut: the ``by`` columns, ``group`` (``"all"`` marks the
        total of the partition), ``group_by`` (which grouping a child row belongs
        to, e.g. ``team``; optional), ``n`` (respondents) and the ``values``.
    anonymity_threshold : smallest number of respondents shown (1 shows everything).
    by : columns that define a partition (e.g. ``period, instrument, metric``).
    values : columns set to NaN in a suppressed row.
    keep_hidden : keep the suppressed rows (for a computation that needs the mask);
        a published table never does: by default they are dropped.

    Returns
    -------
    A copy of ``table`` with a boolean ``suppressed`` column. By default only
    the shown rows (``suppressed`` all False); with ``keep_hidden`` every row,
    the suppressed ones with NaN in ``values`` and in ``n``. With a threshold of
    1 (a named survey) nothing is hidden except a row whose count is missing.

    Examples
    --------
    Team C (3 respondents) is under the threshold; with the total shown, B (the
    next smallest) is hidden too, so ``all − A`` only reveals B and C together (3 + 6 ≥ 5):

    >>> t = pd.DataFrame({"metric": "enps", "group_by": ["all", "team", "team", "team"],
    ...                   "group": ["all", "A", "B", "C"], "n": [19, 10, 6, 3],
    ...                   "value": [10.0, 20.0, 0.0, -33.3]})
    >>> suppress_small_groups(t, anonymity_threshold=5, by=["metric"], values=["value"], keep_hidden=True)[
    ...     ["group", "n", "value", "suppressed"]]
      group     n  value  suppressed
    0   all  19.0   10.0       False
    1     A  10.0   20.0       False
    2     B   NaN    NaN        True
    3     C   NaN    NaN        True
    >>> suppress_small_groups(t, anonymity_threshold=5, by=["metric"], values=["value"])["group"].tolist()
    ['all', 'A']
    """
    missing = [c for c in [*by, *values, n, group] if c not in table.columns]
    if missing:
        raise KeyError(
            f"suppress_small_groups: column(s) {missing} not in the table; columns are {list(table.columns)}"
        )
    out = table.reset_index(drop=True).copy()
    out[n] = out[n].astype(float)
    hide = np.zeros(len(out), dtype=bool)
    if len(out):
        counts = out[n].to_numpy(dtype=float)
        is_total = (out[group].astype(str) == ALL).to_numpy()
        levels = (
            out[group_by].astype(str).to_numpy() if group_by and group_by in out else np.full(len(out), "")
        )
        keys = joined_keys(out, by) if by else pd.Series("", index=out.index)
        for _, idx in keys.groupby(keys, sort=False).indices.items():
            hide[idx] = _partition_mask(counts[idx], is_total[idx], levels[idx], anonymity_threshold)
    out["suppressed"] = hide
    for c in [*values, n]:
        dtype = out[c].dtype
        if pd.api.types.is_bool_dtype(dtype):
            out[c] = out[c].astype("boolean")
        elif pd.api.types.is_integer_dtype(dtype):
            out[c] = out[c].astype(float)
        if hide.any():
            out.loc[hide, c] = np.nan
    if hide.any():
        log.info(
            "suppressed %d of %d cuts under the threshold of %d",
            int(hide.sum()),
            len(out),
            anonymity_threshold,
        )
    if not keep_hidden:
        out = out.loc[~hide].reset_index(drop=True)
    return out


def _block_count(block: pd.DataFrame, columns: Sequence[str] | None) -> int:
    """Respondents a block contributes: its rows, or the fewest answering any one pair of ``columns``."""
    if not columns:
        return len(block)
    present = block[list(columns)].notna().to_numpy().astype(np.int64)
    return int((present.T @ present).min()) if len(present) else 0


@renamed_arguments(threshold="anonymity_threshold")
def published_blocks(
    frame: pd.DataFrame,
    *,
    anonymity_threshold: int,
    by: Sequence[str] = (),
    columns: Sequence[str] | None = None,
    period: str = "period",
) -> pd.DataFrame:
    """The rows of ``frame`` a pooled table may use: only those of published month blocks.

    Parameters
    ----------
    frame : one row per respondent with ``period`` and the ``by`` columns.
    anonymity_threshold : the smallest block published (1: every row is used).
    by : grouping columns; each adds one copy of the rows per group besides the total.
    columns : the answers the pooled statistic uses; a block counts the fewest
        respondents answering any one pair of them (each one alone included), so a
        pairwise statistic never rests on fewer than the threshold. ``None``: rows.

    Returns
    -------
    ``frame``'s rows stacked once per cut with ``group_by`` and ``group``
    (``all`` for the total), keeping a row only when its block — the cut in its
    month — passes :func:`suppress_small_groups` within that month.

    Examples
    --------
    A wave of 6 in March and one late response in April: April's block is
    never pooled, so adding it changes nothing that is published.

    >>> r = pd.DataFrame({"period": ["2026-03"] * 6 + ["2026-04"], "x": range(7)})
    >>> published_blocks(r, anonymity_threshold=5)["x"].tolist()
    [0, 1, 2, 3, 4, 5]
    """
    parts = [frame.assign(group_by=ALL, group=ALL)]
    for col in by:
        parts.append(frame.assign(group_by=col, group=frame[col].astype(str)))
    cut = pd.concat(parts, ignore_index=True)
    if anonymity_threshold <= 1 or cut.empty:
        return cut
    keys = [period, "group_by", "group"]
    counts = (
        cut.groupby(keys, sort=True)
        .apply(lambda b: _block_count(b, columns), include_groups=False)
        .rename("n")
        .reset_index()
    )
    shown = suppress_small_groups(counts, anonymity_threshold=anonymity_threshold, by=[period], values=[])
    return cut.merge(shown[keys], on=keys, how="inner")


@renamed_arguments(until="period")
def published_group_responses(
    responses: pd.DataFrame,
    instrument: Instrument,
    params: SurveyParams,
    *,
    by: str,
    period: str | None = None,
    published: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The responses another lever may pool per ``by`` group: published month blocks only.

    For a lever outside the survey tables that averages an anonymous survey per group over
    several months (training needs by team): each group keeps only the months in which its
    block is published (:func:`published_blocks`), so its pooled figure moves between bundles
    only by whole blocks of at least the threshold. A named instrument's responses are returned
    as they are (up to ``period``). ``published`` is the month-block record of the latest
    published bundle (:func:`settle_blocks`): a response backdated into a month it covers
    counts in the month it arrived in.

    Returns
    -------
    The prepared responses (with ``period``) of the kept blocks, up to ``period``.
    """
    from sales_analytics.surveys.quality import prepare_responses

    r = responses if "period" in responses else prepare_responses(responses, instrument)
    if instrument.anonymous:
        r = settle_blocks(r, published, instrument=instrument.id)
    if period is not None:
        r = r[r["period"] <= str(period)]
    threshold = anonymity_threshold_for(instrument, params)
    if threshold <= 1 or by not in r:
        return r.reset_index(drop=True)
    kept = published_blocks(r, anonymity_threshold=threshold, by=(by,))
    kept = kept[kept["group_by"] == by]
    return kept.drop(columns=["group_by", "group"]).reset_index(drop=True)


def settle_blocks(prepared: pd.DataFrame, published: pd.DataFrame | None, *, instrument: str) -> pd.DataFrame:
    """Put every response in its month block, keeping months an earlier bundle published frozen.

    Parameters
    ----------
    prepared : responses of one instrument with ``response_id`` and ``period`` (the
        month of ``submitted_at``, from :func:`~sales_analytics.surveys.prepare_responses`).
    published : the block record of the latest published bundle
        (:data:`BLOCK_RECORD_COLUMNS`; its ``period`` is that bundle's month), or ``None``
        / empty when no bundle recorded one: then every response stays in its own month.
    instrument : the instrument id whose rows of ``published`` apply.

    Returns
    -------
    A copy of ``prepared`` whose ``period`` is the response's block: its recorded
    month when the record has it; the month after the record's period (the month it
    arrived in) when it is dated into a month the record covers but is not recorded;
    else its own month. ``submitted_at`` is left as it was.

    Examples
    --------
    March was published with a and b; c, dated in March, arrived afterwards:

    >>> r = pd.DataFrame({"response_id": ["a", "b", "c", "d"],
    ...                   "period": ["2026-03", "2026-03", "2026-03", "2026-04"]})
    >>> rec = pd.DataFrame({"period": "2026-03", "instrument": "team_pulse", "month": "2026-03",
    ...                     "response_id": ["a", "b"]})
    >>> settle_blocks(r, rec, instrument="team_pulse")["period"].tolist()
    ['2026-03', '2026-03', '2026-04', '2026-04']
    """
    out = prepared.copy()
    if published is None or published.empty:
        return out
    missing = [c for c in BLOCK_RECORD_COLUMNS if c not in published.columns]
    if missing:
        raise KeyError(
            f"settle_blocks: the block record lacks column(s) {missing}; it has {list(published.columns)}"
        )
    through = str(published["period"].astype(str).max())
    rec = published[published["instrument"].astype(str) == str(instrument)]
    recorded = pd.Series(rec["month"].astype(str).to_numpy(), index=rec["response_id"].astype(str).to_numpy())
    recorded = recorded[~recorded.index.duplicated(keep="first")]
    ids = out["response_id"].astype(str)
    month = ids.map(recorded)
    arrived = str((pd.Period(through, freq="M") + 1).strftime("%Y-%m"))
    late = month.isna() & (out["period"].astype(str) <= through)
    if late.any():
        log.info(
            "%s: %d responses dated into months published by %s arrived later: counted in %s",
            instrument,
            int(late.sum()),
            through,
            arrived,
        )
    out["period"] = month.where(month.notna(), out["period"].where(~late, arrived)).astype("str")
    return out
