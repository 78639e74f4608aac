"""Customer analysis: RFM, segment maps, k-means, migration, churn risk, CLV.

Pure functions: canonical frames and parameters in, tidy frames (with a
``period`` column) out. Modules:

- :mod:`.rfm` — recency / frequency / monetary, quintile scores, segments, data-quality report;
- :mod:`.segment_maps` — the three published maps (YAML) and user-defined maps;
- :mod:`.summary` — segment sizes and value, the R × F heatmap;
- :mod:`.clusters` — k-means on log-RFM with k chosen by silhouette, stable cluster names;
- :mod:`.migration` — segment transitions between two months, downgraded high-value customers;
- :mod:`.churn` — customers overdue relative to their own rhythm, with the owning rep;
- :mod:`.btyd` and :mod:`.clv` — BG/NBD and Gamma-Gamma by maximum likelihood, 12-month CLV.

scikit-learn and scipy are imported inside the functions that need them, so
``import sales_analytics`` stays fast.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from sales_analytics.config import StrictModel
from sales_analytics.customers.btyd import (
    BgNbdParams,
    GammaGammaParams,
    bgnbd_expected_purchases,
    bgnbd_loglik,
    bgnbd_p_alive,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_spend,
    gamma_gamma_loglik,
    simulate_bgnbd,
    simulate_gamma_gamma,
)
from sales_analytics.customers.churn import churn_risk, owner_reps, without_contact_columns
from sales_analytics.customers.clusters import ClusterResult, align_cluster_names, kmeans_segments
from sales_analytics.customers.clv import clv_by_segment, clv_model_table, clv_summary, customer_clv
from sales_analytics.customers.migration import downgraded_customers, migration_matrix, segment_migration
from sales_analytics.customers.rfm import (
    assign_segments,
    customer_quality,
    orders_without_customer,
    quintile_scores,
    rfm_segments,
    rfm_table,
)
from sales_analytics.customers.segment_maps import (
    Segment,
    SegmentMap,
    builtin_segment_maps,
    load_segment_map,
)
from sales_analytics.customers.summary import customer_labels, rfm_heatmap, segment_summary

__all__ = [
    "BgNbdParams",
    "ClusterResult",
    "CustomerParams",
    "GammaGammaParams",
    "Segment",
    "SegmentMap",
    "align_cluster_names",
    "assign_segments",
    "bgnbd_expected_purchases",
    "bgnbd_loglik",
    "bgnbd_p_alive",
    "builtin_segment_maps",
    "churn_risk",
    "clv_by_segment",
    "clv_model_table",
    "clv_summary",
    "customer_clv",
    "customer_labels",
    "customer_quality",
    "downgraded_customers",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "gamma_gamma_expected_spend",
    "gamma_gamma_loglik",
    "kmeans_segments",
    "load_segment_map",
    "migration_matrix",
    "orders_without_customer",
    "owner_reps",
    "quintile_scores",
    "rfm_heatmap",
    "rfm_segments",
    "rfm_table",
    "segment_migration",
    "segment_summary",
    "simulate_bgnbd",
    "simulate_gamma_gamma",
    "without_contact_columns",
]


class CustomerParams(StrictModel):
    """The ``customers:`` section of the parameters file.

    >>> p = CustomerParams(k_min=2, k_max=5)
    >>> p.segment_map, p.k_min, p.k_max, p.clv_horizon_months
    ('rfm_squeezely', 2, 5, 12)
    """

    segment_map: str = Field(
        "rfm_squeezely", description="RFM segment map id: rf_regex | rfm_r_0_3 | rfm_squeezely"
    )
    segment_map_file: str = Field("", description="a user-defined segment map (YAML); overrides segment_map")
    lookback_months: int = Field(0, ge=0, le=120, description="months of history for RFM; 0 = all history")
    k_min: int = Field(3, ge=2, le=20, description="smallest number of k-means clusters tried")
    k_max: int = Field(7, ge=2, le=20, description="largest number of k-means clusters tried")
    silhouette_sample: int = Field(
        3000, ge=100, le=50_000, description="customers sampled (seeded) to score each k by silhouette"
    )
    kmeans_fit_sample: int = Field(
        100_000, ge=1000, description="customers sampled (seeded) to fit the final k-means"
    )
    kmeans_n_init: int = Field(10, ge=10, le=100, description="k-means initialisations (n_init)")
    outlier_iqr: float = Field(
        3.0, ge=0, description="leave points beyond q3 + x·IQR out of the fit; 0 = off"
    )
    seed: int = Field(42, ge=0, description="seed of every random choice (samples, k-means)")
    churn_threshold: float = Field(
        2.0, gt=1, description="at risk when days since last purchase ≥ x × usual gap"
    )
    churn_min_orders: int = Field(2, ge=2, description="purchases needed to use a customer's own rhythm")
    churn_min_days: int = Field(
        30, ge=0, description="never at risk before this many days without a purchase"
    )
    churn_lapsed_p_alive: float = Field(
        0.05,
        ge=0,
        le=1,
        description="churn list: below this BG/NBD p_alive a customer is lapsed, not slipping",
    )
    clv_horizon_months: int = Field(12, ge=1, le=120, description="CLV horizon H in months")
    clv_discount_monthly: float = Field(0.01, ge=0, lt=1, description="monthly discount rate d")
    top_n: int = Field(50, ge=1, le=10_000, description="rows in the churn-risk and downgrade lists")

    @model_validator(mode="after")
    def _k_range(self) -> CustomerParams:
        if self.k_max < self.k_min:
            raise ValueError(f"k_max ({self.k_max}) must be at least k_min ({self.k_min})")
        return self

    @property
    def segment_map_source(self) -> str:
        """The map to load: the user file when given, else the shipped map id."""
        return self.segment_map_file or self.segment_map
