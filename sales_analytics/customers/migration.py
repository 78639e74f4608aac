"""Segment migration between two months: transition counts and shares, downgraded customers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.customers.segment_maps import NO_NET_SPEND, SegmentMap, load_segment_map

__all__ = ["downgraded_customers", "migration_matrix", "segment_migration"]

NEW = "new"  # in the current month only (first purchase after the previous month)
GONE = "gone"  # in the previous month only (outside the current window)
_EXTRA_LABELS = {NEW: ("新进入", "New this month"), GONE: ("本期无记录", "Not in this month")}


def _labels(smap: SegmentMap, seg: str, language: str) -> str:
    if seg in _EXTRA_LABELS:
        return _EXTRA_LABELS[seg][0 if language == "zh" else 1]
    return smap.label(seg, language)


def _order(smap: SegmentMap) -> list[str]:
    return [*smap.segment_ids, NO_NET_SPEND]


def segment_migration(
    previous: pd.DataFrame, current: pd.DataFrame, segment_map: SegmentMap | str
) -> pd.DataFrame:
    """Transition counts and shares from last month's segments to this month's.

    Parameters
    ----------
    previous, current : customer-level ``period, customer_id, segment`` (e.g. ``customer_rfm`` of the
        previous and the report month).
    segment_map : the map both were segmented with (gives order and names).

    Returns
    -------
    DataFrame ``period, previous_period, from_segment, to_segment, from_zh, from_en, to_zh, to_en,
    customers, share`` (of the ``from_segment`` row; each row's shares sum to 1), ``direction``
    (``up`` | ``same`` | ``down`` by value rank, ``in`` / ``out`` for ``new`` / ``gone``),
    ``from_order, to_order`` (display order: ``new``, the map's segments, ``gone``). Only
    non-empty cells are listed; customers appearing in one month only come from ``new`` or go to
    ``gone``.

    Examples
    --------
    >>> prev = pd.DataFrame({"period": "2026-02", "customer_id": ["a", "b", "c"],
    ...                      "segment": ["champions", "champions", "loyal"]})
    >>> cur = pd.DataFrame({"period": "2026-03", "customer_id": ["a", "b", "c", "d"],
    ...                     "segment": ["champions", "at_risk", "loyal", "new_customers"]})
    >>> segment_migration(prev, cur, "rfm_squeezely")[["from_segment", "to_segment", "customers", "share",
    ...                                                 "direction"]]
      from_segment     to_segment  customers  share direction
    0          new  new_customers          1    1.0        in
    1    champions      champions          1    0.5      same
    2    champions        at_risk          1    0.5      down
    3        loyal          loyal          1    1.0      same
    """
    smap = segment_map if isinstance(segment_map, SegmentMap) else load_segment_map(segment_map)
    merged = previous[["customer_id", "segment"]].merge(
        current[["customer_id", "segment"]], on="customer_id", how="outer", suffixes=("_from", "_to")
    )
    merged = merged.fillna({"segment_from": NEW, "segment_to": GONE})
    order = [NEW, *_order(smap), GONE]
    pos = {s: i for i, s in enumerate(order)}
    unknown = sorted(set(merged["segment_from"]).union(merged["segment_to"]) - set(pos))
    if unknown:
        raise ValueError(f"segments {unknown} are not in map {smap.id!r}")
    counts = merged.groupby(["segment_from", "segment_to"]).size().rename("customers").reset_index()
    counts["_a"] = counts["segment_from"].map(pos)
    counts["_b"] = counts["segment_to"].map(pos)
    counts = counts.sort_values(["_a", "_b"]).reset_index(drop=True)
    totals = counts.groupby("segment_from")["customers"].transform("sum")
    rank_from = counts["segment_from"].map(lambda s: smap.rank(s) if s in pos else 0)
    rank_to = counts["segment_to"].map(lambda s: smap.rank(s))
    direction = np.select(
        [
            counts["segment_from"] == NEW,
            counts["segment_to"] == GONE,
            rank_to < rank_from,
            rank_to > rank_from,
        ],
        ["in", "out", "up", "down"],
        "same",
    )
    period = str(current["period"].iloc[0]) if len(current) else ""
    prev_period = str(previous["period"].iloc[0]) if len(previous) else ""
    return pd.DataFrame(
        {
            "period": period,
            "previous_period": prev_period,
            "from_segment": counts["segment_from"].to_numpy(),
            "to_segment": counts["segment_to"].to_numpy(),
            "from_zh": [_labels(smap, s, "zh") for s in counts["segment_from"]],
            "from_en": [_labels(smap, s, "en") for s in counts["segment_from"]],
            "to_zh": [_labels(smap, s, "zh") for s in counts["segment_to"]],
            "to_en": [_labels(smap, s, "en") for s in counts["segment_to"]],
            "customers": counts["customers"].to_numpy(dtype=np.int64),
            "share": (counts["customers"] / totals).to_numpy(),
            "direction": direction,
            "from_order": counts["_a"].to_numpy(dtype=np.int64),
            "to_order": counts["_b"].to_numpy(dtype=np.int64),
        }
    )


def migration_matrix(
    migration: pd.DataFrame, *, values: str = "customers", language: str = "zh"
) -> pd.DataFrame:
    """The migration table as a from × to matrix for display (rows: last month, columns: this month).

    >>> mig = pd.DataFrame({"from_en": ["A", "A"], "to_en": ["A", "B"], "from_order": [1, 1],
    ...                     "to_order": [1, 2], "customers": [3, 1], "share": [0.75, 0.25]})
    >>> m = migration_matrix(mig, values="share", language="en")
    >>> m.index.tolist(), m.columns.tolist(), m.loc["A"].tolist()
    (['A'], ['A', 'B'], [0.75, 0.25])
    """
    if values not in ("customers", "share"):
        raise ValueError(f"values must be one of ['customers', 'share']; got {values!r}")
    f, t = f"from_{language}", f"to_{language}"
    rows = list(dict.fromkeys(migration.sort_values("from_order", kind="stable")[f]))
    cols = list(dict.fromkeys(migration.sort_values("to_order", kind="stable")[t]))
    wide = migration.pivot_table(index=f, columns=t, values=values, aggfunc="sum", fill_value=0)
    wide = wide.reindex(index=rows, columns=cols, fill_value=0)
    wide.index.name, wide.columns.name = "from", "to"
    return wide


def downgraded_customers(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    segment_map: SegmentMap | str,
    *,
    top_n: int = 50,
    owners: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """High-value customers of last month whose segment fell (or who went unscored) this month.

    Parameters
    ----------
    previous, current : customer-level ``period, customer_id, segment, monetary[, recency]``.
    segment_map : defines which segments are high-value and their value order.
    top_n : keep the customers with the highest previous monetary.
    owners : optional ``customer_id, rep_id[, rep_name]`` (see :func:`owner_reps`).

    Returns
    -------
    DataFrame ``period, customer_id, from_segment, to_segment, from_zh, from_en, to_zh, to_en,
    previous_monetary, monetary, recency[, rep_id, rep_name]`` sorted by previous monetary.

    Examples
    --------
    >>> prev = pd.DataFrame({"period": "2026-02", "customer_id": ["a", "b"], "segment": ["champions", "loyal"],
    ...                      "monetary": [900.0, 500.0]})
    >>> cur = pd.DataFrame({"period": "2026-03", "customer_id": ["a", "b"], "segment": ["champions", "at_risk"],
    ...                     "monetary": [950.0, 500.0], "recency": [3, 90]})
    >>> downgraded_customers(prev, cur, "rfm_squeezely")[["customer_id", "from_segment", "to_segment"]]
      customer_id from_segment to_segment
    0           b        loyal    at_risk
    """
    smap = segment_map if isinstance(segment_map, SegmentMap) else load_segment_map(segment_map)
    high = set(smap.high_value)
    prev = previous.loc[previous["segment"].isin(high), ["customer_id", "segment", "monetary"]]
    cur_cols = ["customer_id", "segment", "monetary"] + (["recency"] if "recency" in current.columns else [])
    merged = prev.merge(current[cur_cols], on="customer_id", how="left", suffixes=("_from", "_to"))
    merged = merged.fillna({"segment_to": GONE})
    rank_from = merged["segment_from"].map(smap.rank)
    rank_to = merged["segment_to"].map(lambda s: len(smap.segments) + 1 if s == GONE else smap.rank(s))
    down = (
        merged.loc[rank_to > rank_from]
        .sort_values(["monetary_from", "customer_id"], ascending=[False, True], kind="stable")
        .head(top_n)
    )
    period = str(current["period"].iloc[0]) if len(current) else ""
    out = pd.DataFrame(
        {
            "period": period,
            "customer_id": down["customer_id"].to_numpy(),
            "from_segment": down["segment_from"].to_numpy(),
            "to_segment": down["segment_to"].to_numpy(),
            "from_zh": [_labels(smap, s, "zh") for s in down["segment_from"]],
            "from_en": [_labels(smap, s, "en") for s in down["segment_from"]],
            "to_zh": [_labels(smap, s, "zh") for s in down["segment_to"]],
            "to_en": [_labels(smap, s, "en") for s in down["segment_to"]],
            "previous_monetary": down["monetary_from"].to_numpy(),
            "monetary": down["monetary_to"].to_numpy(),
        }
    )
    if "recency" in down.columns:
        out["recency"] = down["recency"].to_numpy()
    if owners is not None:
        keep = [c for c in ("customer_id", "rep_id", "rep_name") if c in owners.columns]
        out = out.merge(owners[keep], on="customer_id", how="left")
    return out
