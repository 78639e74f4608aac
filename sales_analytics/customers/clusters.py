"""k-means on RFM with k chosen by silhouette and cluster names that survive re-runs.

Steps (docs/formulas.md §6.4):

1. the scored customers' recency, frequency and monetary go through ``log1p``
   and are standardised to mean 0 / SD 1;
2. points beyond ``q1 − x·IQR`` / ``q3 + x·IQR`` on any feature are left out of
   the fit (they are still assigned to their nearest cluster);
3. each k in ``[k_min, k_max]`` is fitted on a seeded sample and scored by the
   silhouette on that sample; the best k wins (ties → the smaller k);
4. the final model (``n_init`` ≥ 10, fixed ``random_state``) is fitted on a
   seeded sample of at most ``fit_sample`` customers and assigns everyone.

**Names.** k-means numbers clusters arbitrarily, so clusters are named from
their centroid profile: recent or lapsed (standardised log-recency below or
above 0), frequent or not, high or low spend — eight profiles with zh/en
names. Clusters sharing a profile are told apart by value order (``2``, ``3``
…). Clusters are numbered by value (``−z_recency + z_frequency + z_monetary``,
descending). With last month's profiles, :func:`align_cluster_names` matches
centroids (Hungarian algorithm on log-space distances) and keeps last month's
names for clusters that moved little.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["ClusterResult", "align_cluster_names", "kmeans_segments"]

log = logging.getLogger(__name__)

FEATURES = ("recency", "frequency", "monetary")
# (recent, frequent, high spend) → (id, zh, en)
PROFILE_NAMES: dict[tuple[bool, bool, bool], tuple[str, str, str]] = {
    (True, True, True): ("core_high_value", "核心高价值客户", "Core high-value"),
    (True, False, True): ("recent_big_spenders", "近期大额客户", "Recent big spenders"),
    (True, True, False): ("frequent_small_buyers", "高频小额客户", "Frequent small buyers"),
    (True, False, False): ("recent_occasional", "近期偶购客户", "Recent occasional buyers"),
    (False, True, True): ("lapsing_high_value", "流失中的高价值客户", "Lapsing high-value"),
    (False, True, False): ("lapsing_regulars", "流失中的常客", "Lapsing regulars"),
    (False, False, True): ("lapsed_big_spenders", "沉睡大额客户", "Lapsed big spenders"),
    (False, False, False): ("lapsed_occasional", "沉睡偶购客户", "Lapsed occasional buyers"),
}


@dataclass(frozen=True)
class ClusterResult:
    """k-means output: ``assignments`` (per customer), ``profiles`` (per cluster), ``selection`` (per k)."""

    assignments: pd.DataFrame
    profiles: pd.DataFrame
    selection: pd.DataFrame
    k: int


def _features(rfm: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    missing = [c for c in ("customer_id", *FEATURES) if c not in rfm.columns]
    if missing:
        raise ValueError(f"{missing} column(s) not in the RFM table; columns: {list(rfm.columns)}")
    mask = rfm["monetary"].to_numpy(dtype=np.float64) > 0
    if "scored" in rfm.columns:
        mask &= rfm["scored"].to_numpy(dtype=bool)
    mask &= rfm["recency"].notna().to_numpy()
    used = rfm.loc[mask]
    X = np.column_stack([np.log1p(used[c].to_numpy(dtype=np.float64)) for c in FEATURES])
    return used, X


def _inliers(Z: np.ndarray, factor: float) -> np.ndarray:
    keep = np.ones(len(Z), dtype=bool)
    if factor <= 0:
        return keep
    q1, q3 = np.quantile(Z, [0.25, 0.75], axis=0)
    iqr = q3 - q1
    for j in range(Z.shape[1]):
        if iqr[j] > 0:
            keep &= (Z[:, j] >= q1[j] - factor * iqr[j]) & (Z[:, j] <= q3[j] + factor * iqr[j])
    return keep


def _profile_names(z: np.ndarray) -> list[tuple[str, str, str]]:
    """Names for standardised centroids already in value order."""
    keys = [(bool(c[0] < 0), bool(c[1] > 0), bool(c[2] > 0)) for c in z]
    seen: dict[tuple[bool, bool, bool], int] = {}
    names = []
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
        base_id, zh, en = PROFILE_NAMES[key]
        n = seen[key]
        names.append((base_id, zh, en) if n == 1 else (f"{base_id}_{n}", f"{zh} {n}", f"{en} {n}"))
    return names


def kmeans_segments(
    rfm: pd.DataFrame,
    *,
    k_min: int = 3,
    k_max: int = 7,
    silhouette_sample: int = 3000,
    fit_sample: int = 100_000,
    n_init: int = 10,
    seed: int = 42,
    outlier_iqr: float = 3.0,
    previous_profiles: pd.DataFrame | None = None,
) -> ClusterResult:
    """Cluster customers by k-means on standardised log-RFM.

    Parameters
    ----------
    rfm : ``customer_id, recency, frequency, monetary[, scored, period]`` (e.g. :func:`rfm_table`);
        only scored customers with positive monetary are clustered.
    k_min, k_max : range of k tried (silhouette picks one).
    silhouette_sample, fit_sample : seeded sample sizes for k selection and the final fit.
    n_init, seed : k-means initialisations (≥ 10) and the seed of every random choice.
    outlier_iqr : leave points beyond ``x`` IQRs out of the fit (0 = keep all).
    previous_profiles : last month's ``profiles`` to keep names stable (see :func:`align_cluster_names`).

    Returns
    -------
    :class:`ClusterResult` with

    - ``assignments``: ``period, customer_id, cluster`` (0 = most valuable), ``cluster_name, cluster_zh,
      cluster_en``;
    - ``profiles``: ``period, cluster, cluster_name, cluster_zh, cluster_en, customers, share, revenue,
      revenue_share, centroid_recency, centroid_frequency, centroid_monetary`` (original units),
      ``mean_recency, mean_frequency, mean_monetary`` (members), ``log_recency, log_frequency,
      log_monetary`` (log1p centroids, for matching next month);
    - ``selection``: ``period, k, silhouette, chosen``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> rfm = pd.DataFrame({"customer_id": [f"c{i:03d}" for i in range(300)],
    ...     "recency": np.r_[rng.integers(1, 10, 150), rng.integers(200, 400, 150)],
    ...     "frequency": np.r_[rng.integers(8, 12, 150), rng.integers(1, 2, 150)],
    ...     "monetary": np.r_[rng.normal(5000, 300, 150), rng.normal(100, 10, 150)]})
    >>> res = kmeans_segments(rfm, k_min=2, k_max=4)
    >>> res.k, res.profiles["cluster_name"].tolist()
    (2, ['core_high_value', 'lapsed_occasional'])
    """
    import sklearn.cluster  # noqa: F401  (load the OpenMP/BLAS runtimes before limiting them)
    from threadpoolctl import threadpool_limits

    # One OpenMP thread: on a shared, busy machine scikit-learn's spinning OpenMP workers made
    # k-means on 600 customers take 15 s instead of 0.05 s; one thread is fast and predictable.
    with threadpool_limits(limits=1):
        return _kmeans_segments(
            rfm,
            k_min=k_min,
            k_max=k_max,
            silhouette_sample=silhouette_sample,
            fit_sample=fit_sample,
            n_init=n_init,
            seed=seed,
            outlier_iqr=outlier_iqr,
            previous_profiles=previous_profiles,
        )


def _kmeans_segments(
    rfm: pd.DataFrame,
    *,
    k_min: int,
    k_max: int,
    silhouette_sample: int,
    fit_sample: int,
    n_init: int,
    seed: int,
    outlier_iqr: float,
    previous_profiles: pd.DataFrame | None,
) -> ClusterResult:
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    if k_min < 2 or k_max < k_min:
        raise ValueError(f"k range must satisfy 2 ≤ k_min ≤ k_max; got k_min={k_min}, k_max={k_max}")
    if n_init < 10:
        raise ValueError(f"n_init must be at least 10; got {n_init}")
    used, X = _features(rfm)
    period = str(rfm["period"].iloc[0]) if "period" in rfm.columns and len(rfm) else ""
    if len(used) < max(k_max, 2) * 2:
        raise ValueError(
            f"k-means needs at least {max(k_max, 2) * 2} scored customers for k ≤ {k_max}; got {len(used)}"
        )
    mean, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd == 0] = 1.0
    Z = (X - mean) / sd
    pool = np.flatnonzero(_inliers(Z, outlier_iqr))
    if len(pool) < k_max * 2:
        pool = np.arange(len(Z))
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(pool, size=min(silhouette_sample, len(pool)), replace=False))
    Zs = Z[sample]
    scores = []
    for k in range(k_min, k_max + 1):
        if len(np.unique(Zs, axis=0)) <= k:
            scores.append(np.nan)
            continue
        labels = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit_predict(Zs)
        scores.append(float(silhouette_score(Zs, labels)) if len(np.unique(labels)) > 1 else np.nan)
    scores_arr = np.array(scores)
    if np.isnan(scores_arr).all():
        raise ValueError(
            "k-means: every k in the range collapsed; the customers have too few distinct profiles"
        )
    best_k = k_min + int(np.nanargmax(scores_arr))
    fit_idx = pool if len(pool) <= fit_sample else np.sort(rng.choice(pool, size=fit_sample, replace=False))
    model = KMeans(n_clusters=best_k, n_init=n_init, random_state=seed).fit(Z[fit_idx])
    centres = model.cluster_centers_
    value = -centres[:, 0] + centres[:, 1] + centres[:, 2]
    order = np.argsort(-value, kind="stable")
    renumber = np.empty(best_k, dtype=np.int64)
    renumber[order] = np.arange(best_k)
    labels = renumber[model.predict(Z)]
    centres = centres[order]
    names = _profile_names(centres)
    log_centres = centres * sd + mean
    members = used.assign(cluster=labels)
    g = members.groupby("cluster")
    counts = g.size().reindex(range(best_k), fill_value=0).to_numpy()
    revenue = g["monetary"].sum().reindex(range(best_k), fill_value=0.0).to_numpy()
    profiles = pd.DataFrame(
        {
            "period": period,
            "cluster": np.arange(best_k),
            "cluster_name": [n[0] for n in names],
            "cluster_zh": [n[1] for n in names],
            "cluster_en": [n[2] for n in names],
            "customers": counts,
            "share": counts / counts.sum(),
            "revenue": revenue,
            "revenue_share": revenue / revenue.sum() if revenue.sum() else 0.0,
            "centroid_recency": np.expm1(log_centres[:, 0]),
            "centroid_frequency": np.expm1(log_centres[:, 1]),
            "centroid_monetary": np.expm1(log_centres[:, 2]),
            "mean_recency": g["recency"].mean().astype("float64").reindex(range(best_k)).to_numpy(),
            "mean_frequency": g["frequency"].mean().astype("float64").reindex(range(best_k)).to_numpy(),
            "mean_monetary": g["monetary"].mean().reindex(range(best_k)).to_numpy(),
            "log_recency": log_centres[:, 0],
            "log_frequency": log_centres[:, 1],
            "log_monetary": log_centres[:, 2],
        }
    )
    if previous_profiles is not None and len(previous_profiles):
        profiles = align_cluster_names(profiles, previous_profiles)
    lookup = profiles.set_index("cluster")
    assignments = pd.DataFrame(
        {
            "period": period,
            "customer_id": used["customer_id"].to_numpy(),
            "cluster": labels,
            "cluster_name": lookup["cluster_name"].to_numpy()[labels],
            "cluster_zh": lookup["cluster_zh"].to_numpy()[labels],
            "cluster_en": lookup["cluster_en"].to_numpy()[labels],
        }
    )
    selection = pd.DataFrame(
        {
            "period": period,
            "k": np.arange(k_min, k_max + 1),
            "silhouette": scores_arr,
            "chosen": np.arange(k_min, k_max + 1) == best_k,
        }
    )
    log.info(
        "k-means: k=%d chosen by silhouette (%.3f) on %d of %d customers; final fit on %d",
        best_k,
        np.nanmax(scores_arr),
        len(sample),
        len(used),
        len(fit_idx),
    )
    return ClusterResult(assignments, profiles, selection, best_k)


def align_cluster_names(
    profiles: pd.DataFrame, previous: pd.DataFrame, *, max_distance: float = 0.5
) -> pd.DataFrame:
    """Keep last month's cluster names for clusters whose centroid moved little.

    Centroids are compared in log1p space (``log_recency, log_frequency, log_monetary``),
    which does not depend on the month's standardisation. Pairs are matched with the
    Hungarian algorithm (:func:`scipy.optimize.linear_sum_assignment`); a matched pair
    closer than ``max_distance`` takes the previous ``cluster_name, cluster_zh, cluster_en``.
    Other clusters keep their profile names unless that would duplicate a name.

    Examples
    --------
    >>> prev = pd.DataFrame({"cluster_name": ["x", "y"], "cluster_zh": ["甲", "乙"], "cluster_en": ["X", "Y"],
    ...                      "log_recency": [1.0, 5.0], "log_frequency": [2.0, 0.5], "log_monetary": [8.0, 4.0]})
    >>> cur = prev.assign(cluster_name=["b", "a"], log_recency=[1.1, 5.2])
    >>> align_cluster_names(cur, prev)["cluster_name"].tolist()
    ['x', 'y']
    """
    from scipy.optimize import linear_sum_assignment

    cols = ["log_recency", "log_frequency", "log_monetary"]
    a = profiles[cols].to_numpy(dtype=np.float64)
    b = previous[cols].to_numpy(dtype=np.float64)
    cost = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))
    rows, cols_idx = linear_sum_assignment(cost)
    out = profiles.copy()
    taken: set[str] = set()
    inherit = {}
    for i, j in zip(rows, cols_idx):
        if cost[i, j] <= max_distance:
            inherit[i] = j
            taken.add(str(previous["cluster_name"].iloc[j]))
    for i in range(len(out)):
        if i in inherit:
            j = inherit[i]
            for c in ("cluster_name", "cluster_zh", "cluster_en"):
                out.iloc[i, out.columns.get_loc(c)] = previous[c].iloc[j]
        elif str(out["cluster_name"].iloc[i]) in taken:
            n = 2
            base = (out["cluster_name"].iloc[i], out["cluster_zh"].iloc[i], out["cluster_en"].iloc[i])
            while f"{base[0]}_{n}" in taken:
                n += 1
            out.iloc[i, out.columns.get_loc("cluster_name")] = f"{base[0]}_{n}"
            out.iloc[i, out.columns.get_loc("cluster_zh")] = f"{base[1]} {n}"
            out.iloc[i, out.columns.get_loc("cluster_en")] = f"{base[2]} {n}"
            taken.add(f"{base[0]}_{n}")
    return out
