"""Small-group suppression: the one rule every survey table passes through.

A *cut* is one row of a result table: a group (a team, or the total ``all``)
within a partition such as ``(period, instrument, metric)``. A cut with fewer
respondents than the threshold is suppressed (primary suppression). Because a
total minus the shown groups reveals what the hidden groups hold, a partition
whose total is shown must hide either no child group or at least two whose
combined respondents reach the threshold; more groups are hidden, smallest
first, until that holds, and the total itself is hidden when no choice of
children can satisfy it (complementary suppression). Suppressed rows keep their
labels, get ``suppressed = True`` and have their values *and* their ``n`` set
to NaN.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["suppress_small_groups"]

log = logging.getLogger(__name__)

ALL = "all"  # the group label of a total row


def _partition_mask(n: np.ndarray, is_total: np.ndarray, level: np.ndarray, threshold: int) -> np.ndarray:
    """Which rows of one partition to suppress (see the module docstring)."""
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


def suppress_small_groups(
    table: pd.DataFrame,
    *,
    threshold: int,
    by: Sequence[str],
    values: Sequence[str],
    n: str = "n",
    group: str = "group",
    level: str | None = "group_by",
) -> pd.DataFrame:
    """Hide cuts with fewer than ``threshold`` respondents, and the cuts that would reveal them.

    Parameters
    ----------
    table : one row per cut: the ``by`` columns, ``group`` (``"all"`` marks the
        total of the partition), ``level`` (which grouping a child row belongs
        to, e.g. ``team``; optional), ``n`` (respondents) and the ``values``.
    threshold : smallest number of respondents shown (1 shows everything).
    by : columns that define a partition (e.g. ``period, instrument, metric``).
    values : columns set to NaN in a suppressed row.

    Returns
    -------
    A copy of ``table`` with a boolean ``suppressed`` column; suppressed rows
    have NaN in ``values`` and in ``n``.

    Examples
    --------
    Team C (3 respondents) is under the threshold; with the total shown, B (the
    next smallest) is hidden too, so ``all − A`` only reveals B and C together (3 + 6 ≥ 5):

    >>> t = pd.DataFrame({"metric": "enps", "group_by": ["all", "team", "team", "team"],
    ...                   "group": ["all", "A", "B", "C"], "n": [19, 10, 6, 3],
    ...                   "value": [10.0, 20.0, 0.0, -33.3]})
    >>> suppress_small_groups(t, threshold=5, by=["metric"], values=["value"])[["group", "n", "value", "suppressed"]]
      group     n  value  suppressed
    0   all  19.0   10.0       False
    1     A  10.0   20.0       False
    2     B   NaN    NaN        True
    3     C   NaN    NaN        True
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
        levels = out[level].astype(str).to_numpy() if level and level in out else np.full(len(out), "")
        keys = out[list(by)].astype(str).agg("\x1f".join, axis=1) if by else pd.Series("", index=out.index)
        for _, idx in keys.groupby(keys, sort=False).indices.items():
            hide[idx] = _partition_mask(counts[idx], is_total[idx], levels[idx], threshold)
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
        log.info("suppressed %d of %d cuts under the threshold of %d", int(hide.sum()), len(out), threshold)
    return out
