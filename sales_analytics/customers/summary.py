"""Segment sizes and value, the R × F heatmap, and display labels for customer tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.customers.segment_maps import NO_NET_SPEND, SegmentMap, load_segment_map
from sales_analytics.report.labels import all_labels, label

__all__ = ["customer_labels", "rfm_heatmap", "segment_summary"]


def segment_summary(rfm: pd.DataFrame, segment_map: SegmentMap | str) -> pd.DataFrame:
    """Customers and revenue per segment, every segment of the map listed (zeros included).

    Parameters
    ----------
    rfm : customer-level table with ``period, segment, recency, frequency, monetary``
        (the output of :func:`~sales_analytics.customers.rfm.rfm_segments`).
    segment_map : the map the segments came from (its order is the value order).

    Returns
    -------
    DataFrame ``period, segment, segment_zh, segment_en, segment_rank, customers, share,
    revenue, revenue_share, mean_recency, mean_frequency, mean_monetary``, one row per
    segment in value order, plus ``no_net_spend`` when some customers were not scored.
    ``share`` sums to 1 over the rows (when there are customers).

    Examples
    --------
    >>> rfm = pd.DataFrame({"period": "2026-03", "segment": ["champions", "champions", "lost_customers"],
    ...                     "recency": [2, 4, 300], "frequency": [5, 3, 1], "monetary": [500.0, 300.0, 20.0]})
    >>> s = segment_summary(rfm, "rfm_squeezely")
    >>> s.loc[s["customers"] > 0, ["segment", "customers", "share", "revenue"]].round(3)
               segment  customers  share  revenue
    0        champions          2  0.667    800.0
    10  lost_customers          1  0.333     20.0
    """
    smap = segment_map if isinstance(segment_map, SegmentMap) else load_segment_map(segment_map)
    periods = rfm["period"].dropna().unique() if "period" in rfm.columns else []
    period = str(periods[0]) if len(periods) else ""
    order = list(smap.segment_ids)
    if (rfm["segment"] == NO_NET_SPEND).any():
        order.append(NO_NET_SPEND)
    unknown = sorted(set(rfm["segment"].dropna()) - set(order))
    if unknown:
        raise ValueError(f"segments {unknown} are not in map {smap.id!r} (segments: {order})")
    g = rfm.groupby("segment", sort=False)
    stats = pd.DataFrame(
        {
            "customers": g.size(),
            "revenue": g["monetary"].sum(),
            "mean_recency": g["recency"].mean().astype("float64"),
            "mean_frequency": g["frequency"].mean().astype("float64"),
            "mean_monetary": g["monetary"].mean(),
        }
    ).reindex(order)
    stats["customers"] = stats["customers"].fillna(0).astype(np.int64)
    stats["revenue"] = stats["revenue"].fillna(0.0)
    total = stats["customers"].sum()
    total_revenue = stats["revenue"].sum()
    out = stats.reset_index(names="segment")
    out.insert(0, "period", period)
    out.insert(2, "segment_zh", [smap.label(s, "zh") for s in order])
    out.insert(3, "segment_en", [smap.label(s, "en") for s in order])
    out.insert(4, "segment_rank", [smap.rank(s) for s in order])
    out.insert(6, "share", out["customers"] / total if total else 0.0)
    out.insert(8, "revenue_share", out["revenue"] / total_revenue if total_revenue else 0.0)
    return out


def rfm_heatmap(rfm: pd.DataFrame) -> pd.DataFrame:
    """Mean monetary per R × F cell (5 × 5, every cell listed) for the scored customers.

    Parameters
    ----------
    rfm : ``period, scored, r, f, monetary`` (the output of :func:`rfm_table`).

    Returns
    -------
    DataFrame ``period, r, f, customers, mean_monetary`` with 25 rows (R 5 → 1, F 1 → 5);
    ``mean_monetary`` is missing for an empty cell.

    Examples
    --------
    >>> rfm = pd.DataFrame({"period": "2026-03", "scored": True, "r": [5, 5, 1], "f": [1, 1, 2],
    ...                     "monetary": [10.0, 30.0, 7.0]})
    >>> h = rfm_heatmap(rfm)
    >>> h[h["customers"] > 0][["r", "f", "customers", "mean_monetary"]]
        r  f  customers  mean_monetary
    0   5  1          2           20.0
    21  1  2          1            7.0
    """
    scored = rfm.loc[rfm["scored"].to_numpy(dtype=bool)]
    period = str(rfm["period"].iloc[0]) if len(rfm) else ""
    grid = pd.MultiIndex.from_product([range(5, 0, -1), range(1, 6)], names=["r", "f"])
    g = scored.assign(r=scored["r"].astype(np.int64), f=scored["f"].astype(np.int64)).groupby(["r", "f"])
    cells = pd.DataFrame({"customers": g.size(), "mean_monetary": g["monetary"].mean()}).reindex(grid)
    cells["customers"] = cells["customers"].fillna(0).astype(np.int64)
    out = cells.reset_index()
    out.insert(0, "period", period)
    return out


def customer_labels(frame: pd.DataFrame, language: str = "zh") -> pd.DataFrame:
    """A copy of ``frame`` with column names translated for display.

    Column labels specific to customer tables live under ``customers.<column>`` in
    ``report/labels/customers.yaml`` (so generic words such as ``share`` cannot clash
    with another lever's labels); other columns use the shared labels.

    >>> customer_labels(pd.DataFrame(columns=["customer_id", "recency"]), "en").columns.tolist()
    ['Customer ID', 'Recency (days)']
    """
    labels = all_labels()
    names = {}
    for col in frame.columns:
        key = f"customers.{col}"
        names[col] = label(key, language) if key in labels else label(str(col), language)
    return frame.rename(columns=names)
