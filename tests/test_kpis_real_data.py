"""KPIs on real public data (../shared/datasets), checked against direct pandas computations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sales_analytics as sa

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
RETAIL = DATASETS / "online_retail" / "online_retail_random20k.csv"
MAVEN = DATASETS / "maven_crm" / "sales_pipeline.csv"


@pytest.fixture(scope="module")
def retail_orders() -> pd.DataFrame:
    if not RETAIL.exists():
        pytest.skip(f"real data not available: {RETAIL} (the shared datasets folder is absent)")
    raw = pd.read_csv(RETAIL, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str})
    raw = raw.dropna(subset=["CustomerID"])
    cancelled = raw["InvoiceNo"].str.startswith("C")
    # UCI cancellations (C-prefixed invoices, negative quantity) play the part of refund rows
    return pd.DataFrame(
        {
            "order_id": raw["InvoiceNo"],
            "order_date": pd.to_datetime(raw["InvoiceDate"]),
            "customer_id": raw["CustomerID"],
            "rep_id": raw["Country"],
            "amount": raw["Quantity"] * raw["UnitPrice"],
            "status": np.where(cancelled, "refunded", "paid"),
            "product_category": raw["StockCode"].str[:2],
        }
    )


def test_online_retail_monthly_matches_direct_computation(retail_orders):
    o = retail_orders
    k = sa.sales_kpis(o).set_index("period")
    month = o["order_date"].dt.strftime("%Y-%m")
    paid = o["status"] == "paid"
    direct_rev = o.groupby(month)["amount"].sum()
    direct_orders = o[paid].groupby(month[paid])["order_id"].nunique()
    direct_customers = o[paid].groupby(month[paid])["customer_id"].nunique()
    first = o[paid].groupby("customer_id")["order_date"].min().dt.strftime("%Y-%m")
    new = first.value_counts()
    assert np.allclose(k.loc[direct_rev.index, "revenue"], direct_rev)
    assert (k.loc[direct_orders.index, "orders"] == direct_orders).all()
    assert (k.loc[direct_customers.index, "customers"] == direct_customers).all()
    assert (k.loc[new.index, "new_customers"] == new).all()
    # every dimension sums to the same revenue
    for by in (["rep_id"], ["product_category"]):
        assert sa.sales_kpis(o, by=by)["revenue"].sum() == pytest.approx(o["amount"].sum())


def test_maven_pipeline_win_rate_and_cycle():
    if not MAVEN.exists():
        pytest.skip(f"real data not available: {MAVEN} (the shared datasets folder is absent)")
    raw = pd.read_csv(MAVEN).dropna(subset=["engage_date"])
    deals = pd.DataFrame(
        {
            "deal_id": raw["opportunity_id"],
            "rep_id": raw["sales_agent"],
            "stage": raw["deal_stage"],
            "status": raw["deal_stage"].map({"Won": "won", "Lost": "lost"}).fillna("open"),
            "amount": raw["close_value"].astype(float),
            "created_date": pd.to_datetime(raw["engage_date"]),
            "close_date": pd.to_datetime(raw["close_date"]),
        }
    )
    k = sa.pipeline_kpis(deals, period="2017-06").iloc[0]
    closed = deals[(deals["close_date"] >= "2017-06-01") & (deals["close_date"] <= "2017-06-30")]
    won = (closed["status"] == "won").sum()
    lost = (closed["status"] == "lost").sum()
    assert k["win_rate"] == pytest.approx(won / (won + lost))
    cycle = (
        closed.loc[closed["status"] == "won", "close_date"]
        - closed.loc[closed["status"] == "won", "created_date"]
    ).dt.days.mean()
    assert k["avg_cycle_days"] == pytest.approx(cycle)
