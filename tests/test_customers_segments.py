"""k-means clusters, migration between months and the churn-risk list."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from sales_analytics.customers import (
    align_cluster_names,
    churn_risk,
    downgraded_customers,
    kmeans_segments,
    migration_matrix,
    owner_reps,
    rfm_segments,
    rfm_table,
    segment_migration,
    without_contact_columns,
)


def blobs(seed: int = 0, n: int = 200) -> tuple[pd.DataFrame, np.ndarray]:
    """Three well-separated kinds of customers (in log space) and their true group."""
    rng = np.random.default_rng(seed)
    groups = np.repeat([0, 1, 2], n)
    recency = np.r_[rng.integers(1, 8, n), rng.integers(60, 90, n), rng.integers(500, 700, n)]
    frequency = np.r_[rng.integers(40, 60, n), rng.integers(5, 8, n), np.ones(n, dtype=int)]
    monetary = np.r_[rng.normal(50_000, 3000, n), rng.normal(3000, 200, n), rng.normal(60, 5, n)]
    order = rng.permutation(3 * n)
    rfm = pd.DataFrame(
        {
            "period": "2026-03",
            "customer_id": [f"c{i:04d}" for i in range(3 * n)],
            "recency": recency[order],
            "frequency": frequency[order],
            "monetary": monetary[order],
            "scored": True,
        }
    )
    return rfm, groups[order]


def test_kmeans_recovers_separated_clusters() -> None:
    rfm, truth = blobs()
    res = kmeans_segments(rfm, k_min=2, k_max=6, seed=3)
    assert res.k == 3
    assert res.selection.loc[res.selection["chosen"], "k"].item() == 3
    # every true group maps onto exactly one cluster and back (a perfect contingency table)
    table = pd.crosstab(truth, res.assignments["cluster"].to_numpy())
    assert ((table > 0).sum(axis=1) == 1).all() and ((table > 0).sum(axis=0) == 1).all()
    # numbered by value and named from the centroid profile
    assert res.profiles["cluster"].tolist() == [0, 1, 2]
    top = res.profiles.iloc[0]
    assert top["cluster_name"] == "core_high_value" and top["cluster_zh"] == "核心高价值客户"
    assert top["centroid_recency"] < 10 and 40 <= top["centroid_frequency"] <= 60
    assert res.profiles.iloc[-1]["cluster_name"] == "lapsed_occasional"
    assert res.profiles["customers"].tolist() == [200, 200, 200]
    assert res.profiles["share"].sum() == pytest.approx(1.0)


def test_kmeans_is_deterministic_and_pure() -> None:
    rfm, _ = blobs(seed=5)
    before = rfm.copy()
    a = kmeans_segments(rfm, k_min=2, k_max=5, seed=11)
    b = kmeans_segments(rfm, k_min=2, k_max=5, seed=11)
    assert_frame_equal(a.assignments, b.assignments)
    assert_frame_equal(a.profiles, b.profiles)
    assert_frame_equal(a.selection, b.selection)
    assert_frame_equal(rfm, before)


def test_kmeans_input_checks() -> None:
    rfm, _ = blobs(n=20)
    with pytest.raises(ValueError, match="n_init must be at least 10"):
        kmeans_segments(rfm, n_init=5)
    with pytest.raises(ValueError, match="k_min ≤ k_max"):
        kmeans_segments(rfm, k_min=5, k_max=3)
    with pytest.raises(ValueError, match="needs at least 40 scored customers"):
        kmeans_segments(rfm.head(10), k_min=2, k_max=20)
    with pytest.raises(ValueError, match=r"\['monetary'\] column\(s\) not in the RFM table"):
        kmeans_segments(rfm.drop(columns="monetary"))


def test_unscored_customers_are_not_clustered() -> None:
    rfm, _ = blobs(n=30)
    rfm.loc[0, "scored"] = False
    res = kmeans_segments(rfm, k_min=2, k_max=4)
    assert rfm.loc[0, "customer_id"] not in set(res.assignments["customer_id"])
    assert len(res.assignments) == len(rfm) - 1


def test_align_cluster_names_follows_centroids() -> None:
    previous = pd.DataFrame(
        {
            "cluster_name": ["core_high_value", "lapsed_occasional"],
            "cluster_zh": ["核心", "沉睡"],
            "cluster_en": ["Core", "Lapsed"],
            "log_recency": [2.0, 5.5],
            "log_frequency": [4.0, 1.1],
            "log_monetary": [13.0, 7.6],
        }
    )
    # this month k-means happened to list the clusters the other way round, and profile rules
    # named the first one differently; the Hungarian match restores last month's names
    current = pd.DataFrame(
        {
            "cluster_name": ["lapsed_big_spenders", "core_high_value"],
            "cluster_zh": ["甲", "乙"],
            "cluster_en": ["A", "B"],
            "log_recency": [5.6, 2.1],
            "log_frequency": [1.0, 4.1],
            "log_monetary": [7.7, 13.1],
        }
    )
    out = align_cluster_names(current, previous)
    assert out["cluster_name"].tolist() == ["lapsed_occasional", "core_high_value"]
    assert out["cluster_en"].tolist() == ["Lapsed", "Core"]
    # a cluster far from every old centroid keeps its own (profile) name
    far = current.assign(log_recency=[9.0, 2.1], log_monetary=[1.0, 13.1])
    assert align_cluster_names(far, previous)["cluster_name"].tolist() == [
        "lapsed_big_spenders",
        "core_high_value",
    ]


def sample_orders() -> pd.DataFrame:
    data = os.environ.get("SALES_ANALYTICS_DATA")
    if not data or not (Path(data) / "orders.parquet").exists():
        pytest.skip("the small sample dataset was not generated (SALES_ANALYTICS_DATA unset)")
    return pd.read_parquet(Path(data) / "orders.parquet")


def test_cluster_names_stable_across_consecutive_months() -> None:
    orders = sample_orders()
    last = pd.Timestamp(orders["order_date"].max())
    month = (last - pd.offsets.MonthBegin(1)).to_period("M")
    current, previous = str(month), str(month - 1)
    before = kmeans_segments(rfm_table(orders, period=previous), seed=42)
    plain = kmeans_segments(rfm_table(orders, period=current), seed=42)
    aligned = kmeans_segments(rfm_table(orders, period=current), seed=42, previous_profiles=before.profiles)
    for res in (plain, aligned):
        both = before.assignments.merge(res.assignments, on="customer_id", suffixes=("_prev", "_cur"))
        assert len(both) > 100
        same = (both["cluster_name_prev"] == both["cluster_name_cur"]).mean()
        assert same >= 0.85, f"only {same:.0%} of customers kept their cluster name"
    assert set(aligned.profiles["cluster_name"]) & set(before.profiles["cluster_name"])


# ------------------------------------------------------------------ migration
def test_migration_counts_and_shares() -> None:
    prev = pd.DataFrame(
        {
            "period": "2026-02",
            "customer_id": ["a", "b", "c", "d", "e"],
            "segment": ["champions", "champions", "champions", "loyal", "lost_customers"],
            "monetary": [900.0, 800.0, 700.0, 300.0, 5.0],
        }
    )
    cur = pd.DataFrame(
        {
            "period": "2026-03",
            "customer_id": ["a", "b", "c", "d", "f"],
            "segment": ["champions", "at_risk", "lost_customers", "champions", "new_customers"],
            "monetary": [950.0, 800.0, 700.0, 320.0, 40.0],
            "recency": [3, 70, 200, 5, 2],
        }
    )
    mig = segment_migration(prev, cur, "rfm_squeezely")
    cells = {
        (f, t): (n, s)
        for f, t, n, s in mig[["from_segment", "to_segment", "customers", "share"]].itertuples(index=False)
    }
    # champions (3) → champions 1, at_risk 1, lost 1: shares 1/3 each
    assert cells[("champions", "champions")] == (1, pytest.approx(1 / 3))
    assert cells[("champions", "at_risk")] == (1, pytest.approx(1 / 3))
    assert cells[("loyal", "champions")] == (1, 1.0)
    assert cells[("new", "new_customers")] == (1, 1.0)  # f is new this month
    assert cells[("lost_customers", "gone")] == (1, 1.0)  # e left the window
    assert mig.groupby("from_segment")["share"].sum().to_numpy() == pytest.approx(1.0)
    assert mig["customers"].sum() == 6
    directions = dict(zip(zip(mig["from_segment"], mig["to_segment"]), mig["direction"]))
    assert directions[("loyal", "champions")] == "up" and directions[("champions", "at_risk")] == "down"
    wide = migration_matrix(mig, language="en")
    assert wide.loc["Champions", "Champions"] == 1 and wide.loc["Champions", "At Risk"] == 1
    assert wide.index[0] == "New this month" and wide.columns[-1] == "Not in this month"
    down = downgraded_customers(prev, cur, "rfm_squeezely", top_n=10)
    # high-value last month (champions, loyal) whose rank fell: b (→ at risk) and c (→ lost), by monetary
    assert down["customer_id"].tolist() == ["b", "c"]
    assert down["to_en"].tolist() == ["At Risk", "Lost customers"]
    assert downgraded_customers(prev, cur, "rfm_squeezely", top_n=1)["customer_id"].tolist() == ["b"]


# ------------------------------------------------------------------ churn risk
def churn_orders() -> pd.DataFrame:
    rows = [
        # a buys every 10 days, last on 2025-10-21: 162 days before 2026-04-01 → 16.2 × its rhythm
        ("o1", "2025-10-01", "a", "r1", 100.0),
        ("o2", "2025-10-11", "a", "r1", 100.0),
        ("o3", "2025-10-21", "a", "r2", 100.0),
        # b buys every 10 days and bought 2 days ago: fine
        ("o4", "2026-03-20", "b", "r1", 100.0),
        ("o5", "2026-03-30", "b", "r1", 100.0),
        # c bought once, 50 days ago; the typical repeat gap (10) stands in: 50 / 10 = 5
        ("o6", "2026-02-10", "c", "r3", 500.0),
        # d buys every 2 days and has been quiet 7 days: ratio 3.5 but under the 30-day minimum
        ("o7", "2026-03-21", "d", "r1", 10.0),
        ("o8", "2026-03-23", "d", "r1", 10.0),
        ("o9", "2026-03-25", "d", "r1", 10.0),
    ]
    frame = pd.DataFrame(rows, columns=["order_id", "order_date", "customer_id", "rep_id", "amount"])
    return frame.assign(order_date=pd.to_datetime(frame["order_date"]))


def test_churn_risk_list() -> None:
    orders = churn_orders()
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "customer_name": ["甲", "乙", "丙", "丁"],
            "owner": ["r9", None, None, None],
            "contact_phone": ["138…", "", "", ""],
            "contact_email": ["x@y", "", "", ""],
            "wechat_id": ["w", "", "", ""],
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": ["r1", "r2", "r3", "r9"],
            "rep_name": ["一", "二", "三", "九"],
            "mobile": ["1", "2", "3", "9"],
        }
    )
    rfm = rfm_segments(orders, period="2026-03")
    before = orders.copy()
    risk = churn_risk(orders, rfm, period="2026-03", customers=customers, reps=reps)
    assert_frame_equal(orders, before)
    # value at risk = monetary per year of tenure (at least one year): a 300, c 500 → c first
    assert risk["customer_id"].tolist() == ["c", "a"]
    assert risk["rank"].tolist() == [1, 2]
    a = risk.set_index("customer_id").loc["a"]
    assert (
        a["days_since_last"] == 162 and a["usual_gap_days"] == 10.0 and a["gap_ratio"] == pytest.approx(16.2)
    )
    assert a["rhythm"] == "own" and a["value_at_risk"] == pytest.approx(300.0)
    assert a["rep_id"] == "r9" and a["owner_source"] == "owner" and a["rep_name"] == "九"
    c = risk.set_index("customer_id").loc["c"]
    assert c["rhythm"] == "typical" and c["gap_ratio"] == pytest.approx(5.0)
    assert c["rep_id"] == "r3" and c["owner_source"] == "last_order"
    # never any contact data in the list
    assert not {"contact_phone", "contact_email", "wechat_id", "mobile"} & set(risk.columns)
    assert all(
        not any(w in c.lower() for w in ("phone", "email", "mobile", "wechat", "address"))
        for c in risk.columns
    )
    # a stricter threshold keeps only a
    assert churn_risk(orders, rfm, period="2026-03", churn_threshold=10)["customer_id"].tolist() == ["a"]
    # without the minimum gap d (7 quiet days, 3.5 × its 2-day rhythm) is listed too
    loose = churn_risk(orders, rfm, period="2026-03", min_days=0)
    assert "d" in set(loose["customer_id"]) and "b" not in set(loose["customer_id"])


def test_owner_reps_and_contact_filter() -> None:
    orders = churn_orders()
    owners = owner_reps(orders)
    assert owners.set_index("customer_id")["rep_id"].to_dict() == {"a": "r2", "b": "r1", "c": "r3", "d": "r1"}
    frame = pd.DataFrame(columns=["customer_id", "Contact_Phone", "EMAIL", "home_address", "hotel", "tel"])
    assert without_contact_columns(frame).columns.tolist() == ["customer_id", "hotel"]


def test_churn_list_is_capped_but_counts_every_customer_at_risk() -> None:
    orders = churn_orders()
    rfm = rfm_segments(orders, period="2026-03")
    # at risk: c (ratio 5) and a (16.2); top_n=1 keeps c (value 500 > 300) but the total stays 2
    risk = churn_risk(orders, rfm, period="2026-03", top_n=1)
    assert risk["customer_id"].tolist() == ["c"] and risk["at_risk_total"].tolist() == [2]
    assert churn_risk(orders, rfm, period="2026-03", top_n=None)["at_risk_total"].tolist() == [2, 2]


def test_churn_list_calls_slipping_customers_before_lapsed_ones_and_says_why() -> None:
    orders = churn_orders()
    rfm = rfm_segments(orders, period="2026-03")
    # c is worth more (500 a year vs 300) but the model gives it a 1% chance of still buying: lapsed;
    # a, 40% likely still active, is the first call
    clv = pd.DataFrame({"customer_id": ["a", "c"], "p_alive": [0.4, 0.01], "clv": [120.0, 5.0]})
    risk = churn_risk(orders, rfm, period="2026-03", clv=clv)
    assert risk["customer_id"].tolist() == ["a", "c"]
    assert risk["stage"].tolist() == ["slipping", "lapsed"]
    # a: every 10 days, 162 silent (16.2×), 300 a year, 40% → call first
    assert risk["reason_en"].iloc[0] == (
        "usually buys every 10 days, 162 days silent (16.2×), 300 a year, 40% chance still active: "
        "still keepable, call first"
    )
    assert risk["reason_zh"].iloc[1].endswith("已流失，宜做挽回方案")
    # a lower bar makes c slipping too: then value decides (c 500 first)
    loose = churn_risk(orders, rfm, period="2026-03", clv=clv, lapsed_p_alive=0.005)
    assert loose["customer_id"].tolist() == ["c", "a"]
