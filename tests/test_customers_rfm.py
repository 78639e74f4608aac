"""RFM: hand-computed scores, ties, refunds, segment maps, data-quality reporting, real data."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import sales_analytics as sa
from sales_analytics.customers import (
    CustomerParams,
    assign_segments,
    customer_quality,
    load_segment_map,
    orders_without_customer,
    quintile_scores,
    rfm_heatmap,
    rfm_segments,
    rfm_table,
    segment_summary,
)
from sales_analytics.customers.segment_maps import all_codes
from sales_analytics.errors import ConfigError, DataError

ROOT = Path(__file__).resolve().parents[1]
RETAIL = ROOT.parent / "shared" / "datasets" / "online_retail" / "online_retail_random20k.csv"


def tiny_orders() -> pd.DataFrame:
    """Six customers as of 2026-03 (analysis date 2026-04-01), built to exercise every rule."""
    rows = [
        # order_id, date, customer, amount, status
        ("o1", "2026-03-31", "c1", 100.0, "paid"),
        ("o2", "2026-03-01", "c1", 30.0, "paid"),  # o2 has two lines: still one order
        ("o2", "2026-03-01", "c1", 20.0, "paid"),
        ("o3", "2026-03-31", "c2", 100.0, "paid"),
        ("o12", "2026-04-05", "c2", 500.0, "paid"),  # after the report month: out of the window
        ("o4", "2026-01-31", "c3", 200.0, "paid"),
        ("o4-R", "2026-02-05", "c3", -50.0, "refunded"),  # partial refund: net 150, not an order
        ("o5", "2026-02-15", "c4", 80.0, "paid"),
        ("o5-R", "2026-02-20", "c4", -80.0, "refunded"),  # only order refunded: no net spend
        ("o6", "2025-12-01", "c5", 40.0, "paid"),
        ("o7", "2026-03-15", "c5", 999.0, "cancelled"),  # cancelled: ignored
        ("o8", "2026-03-20", "c6", 60.0, "paid"),
        ("o9", "2026-03-25", "c6", 10.0, "paid"),
        ("o10", "2026-03-28", "c6", 30.0, "paid"),
        ("o11", "2026-03-10", None, 25.0, "paid"),  # no customer id: reported
    ]
    frame = pd.DataFrame(rows, columns=["order_id", "order_date", "customer_id", "amount", "status"])
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    frame["rep_id"] = "r1"
    return frame


def test_rfm_by_hand() -> None:
    # as of 2026-04-01. recency: c1 1 (03-31), c2 1, c3 60 (01-31 → 04-01: 1 + 28 + 31), c4 45
    # (02-15: 14 + 31), c5 121 (12-01: 31 + 31 + 28 + 31), c6 4 (03-28).
    # frequency: c1 2 (o1, o2), c2 1, c3 1 (refund is no order), c4 1, c5 1 (cancelled o7 out), c6 3.
    # monetary: c1 150, c2 100, c3 200 − 50 = 150, c4 0, c5 40, c6 100.
    out = rfm_table(tiny_orders(), period="2026-03")
    assert out["customer_id"].tolist() == ["c1", "c2", "c3", "c4", "c5", "c6"]
    assert out["recency"].tolist() == [1, 1, 60, 45, 121, 4]
    assert out["frequency"].tolist() == [2, 1, 1, 1, 1, 3]
    assert out["monetary"].tolist() == [150.0, 100.0, 150.0, 0.0, 40.0, 100.0]
    assert out["scored"].tolist() == [True, True, True, False, True, True]
    # Scored: c1 c2 c3 c5 c6 (n = 5, one customer per quintile), ties broken by customer id.
    # R: recency ranks c1 1, c2 2 (tie with c1, later id), c6 3, c3 4, c5 5 → R = 6 − rank.
    # F: c2 1, c3 2, c5 3 (all frequency 1, id order), c1 4, c6 5.
    # M: c5 1 (40), c2 2 (100), c6 3 (100, later id), c1 4 (150), c3 5 (150, later id).
    scored = out[out["scored"]].set_index("customer_id")
    assert scored["r"].tolist() == [5, 4, 2, 1, 3]
    assert scored["f"].tolist() == [4, 1, 2, 3, 5]
    assert scored["m"].tolist() == [4, 2, 5, 1, 3]
    assert scored["rfm_code"].tolist() == ["544", "412", "225", "131", "353"]
    c4 = out.set_index("customer_id").loc["c4"]
    assert pd.isna(c4["r"]) and pd.isna(c4["rfm_code"])
    assert (out["period"] == "2026-03").all()
    assert out["last_order_date"].tolist()[2] == pd.Timestamp("2026-01-31")


@pytest.mark.parametrize(
    ("segment_map", "expected"),
    [
        # 544 / 412 / 225 / 131 / 353 (c4 not scored)
        (
            "rfm_squeezely",
            ["champions", "new_customers", "at_risk", "no_net_spend", "lost_customers", "potential_loyalist"],
        ),
        # RF pairs 54 / 41 / 22 / 13 / 35
        ("rf_regex", ["champions", "promising", "hibernating", "no_net_spend", "at_risk", "loyal_customers"]),
        # first match: 544 → Potential Loyalist (rule 2), 412 → New (5), 225 → At Risk (7),
        # 131 → Lost (10), 353 → Potential Loyalist (2)
        (
            "rfm_r_0_3",
            ["potential_loyalist", "new_customers", "at_risk", "no_net_spend", "lost", "potential_loyalist"],
        ),
    ],
)
def test_segments_of_tiny_frame(segment_map: str, expected: list[str]) -> None:
    out = rfm_segments(tiny_orders(), period="2026-03", segment_map=segment_map)
    assert out["segment"].tolist() == expected
    assert out.loc[out["customer_id"] == "c4", "segment_zh"].item() == "无净消费（未评分）"


def test_inputs_are_not_mutated() -> None:
    orders = tiny_orders()
    before = orders.copy()
    rfm = rfm_segments(orders, period="2026-03")
    rfm_before = rfm.copy()
    customer_quality(orders, rfm, period="2026-03")
    segment_summary(rfm, "rfm_squeezely")
    assert_frame_equal(orders, before)
    assert_frame_equal(rfm, rfm_before)


def test_missing_customer_ids_are_reported() -> None:
    orders = tiny_orders()
    missing = orders_without_customer(orders, period="2026-03")
    assert missing["row"].tolist() == [15]  # 1-based position of o11
    assert missing["amount"].tolist() == [25.0]
    q = customer_quality(orders, rfm_table(orders, period="2026-03"), period="2026-03").set_index("issue")
    assert q.loc["missing_customer_id", "rows"] == 1
    assert q.loc["missing_customer_id", "examples"] == "row 15"
    assert q.loc["no_net_spend", "customers"] == 1 and q.loc["no_net_spend", "examples"] == "c4"
    assert q.loc["no_net_spend", "rows"] == 2  # o5 and its refund
    assert q.loc["cancelled", "rows"] == 1 and q.loc["cancelled", "amount"] == 999.0


def test_lookback_window() -> None:
    # With a 2-month window (2026-02 … 2026-03) c5's December order is outside: c5 disappears;
    # c3 keeps only the refund (02-05) → no purchase in the window, net −50, not scored.
    out = rfm_table(tiny_orders(), period="2026-03", lookback_months=2).set_index("customer_id")
    assert "c5" not in out.index
    assert out.loc["c3", "monetary"] == -50.0 and not out.loc["c3", "scored"]
    assert out.loc["c3", "frequency"] == 0 and pd.isna(out.loc["c3", "recency"])


def test_bad_input_errors() -> None:
    with pytest.raises(DataError, match="column 'amount'"):
        rfm_table(tiny_orders().drop(columns="amount"), period="2026-03")
    bad = tiny_orders().assign(order_date=["2026-03-01"] * 14 + ["not a date"])
    with pytest.raises(DataError, match=r"column 'order_date': 1 rows are not dates \(row 15\)"):
        rfm_table(bad, period="2026-03")
    with pytest.raises(ValueError, match="end of a month"):
        rfm_table(tiny_orders(), period="2026-Q1")


def test_text_dates_are_parsed() -> None:
    orders = tiny_orders()
    as_text = orders.assign(order_date=orders["order_date"].dt.strftime("%Y-%m-%d"))
    assert_frame_equal(rfm_table(as_text, period="2026-03"), rfm_table(orders, period="2026-03"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=6), min_size=5, max_size=80))
def test_quintiles_match_qcut_of_first_rank(values: list[int]) -> None:
    # docs/formulas.md §6.2: qcut(rank(method="first"), 5) — the idiom the scores must reproduce.
    s = pd.Series(values, dtype="float64")
    expected = pd.qcut(s.rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int).to_numpy()
    assert quintile_scores(s.to_numpy()).tolist() == expected.tolist()
    reverse = pd.qcut(s.rank(method="first"), 5, labels=[5, 4, 3, 2, 1]).astype(int).to_numpy()
    assert quintile_scores(s.to_numpy(), descending=True).tolist() == reverse.tolist()
    counts = np.bincount(quintile_scores(s.to_numpy()), minlength=6)[1:]
    assert counts.max() - counts.min() <= 1  # five equal-sized bins


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 60), st.floats(-50, 500)), min_size=1, max_size=60)
)
def test_segment_shares_sum_to_one(rows: list[tuple[int, int, float]]) -> None:
    orders = pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(len(rows))],
            "customer_id": [f"c{c}" for c, _, _ in rows],
            "order_date": pd.Timestamp("2026-01-01") + pd.to_timedelta([d for _, d, _ in rows], unit="D"),
            "amount": [a for _, _, a in rows],
        }
    )
    rfm = rfm_segments(orders, period="2026-03")
    summary = segment_summary(rfm, "rfm_squeezely")
    assert summary["customers"].sum() == len(rfm) == orders["customer_id"].nunique()
    assert summary["share"].sum() == pytest.approx(1.0)
    assert summary["revenue"].sum() == pytest.approx(orders["amount"].sum())
    heat = rfm_heatmap(rfm)
    assert len(heat) == 25 and heat["customers"].sum() == rfm["scored"].sum()


# ------------------------------------------------------------------ segment maps
RF_TABLE = {  # docs/formulas.md §6.3 (a), written out pair by pair
    "11": "hibernating",
    "12": "hibernating",
    "21": "hibernating",
    "22": "hibernating",
    "13": "at_risk",
    "14": "at_risk",
    "23": "at_risk",
    "24": "at_risk",
    "15": "cant_loose",
    "25": "cant_loose",
    "31": "about_to_sleep",
    "32": "about_to_sleep",
    "33": "need_attention",
    "34": "loyal_customers",
    "35": "loyal_customers",
    "44": "loyal_customers",
    "45": "loyal_customers",
    "41": "promising",
    "51": "new_customers",
    "42": "potential_loyalists",
    "43": "potential_loyalists",
    "52": "potential_loyalists",
    "53": "potential_loyalists",
    "54": "champions",
    "55": "champions",
}


def test_rf_regex_map_covers_every_rf_pair_once() -> None:
    m = load_segment_map("rf_regex")
    assert len(RF_TABLE) == 25
    for code in all_codes():
        assert m.segment_for(code) == RF_TABLE[code[:2]], code  # M never matters


def test_r_package_030_first_match() -> None:
    m = load_segment_map("rfm_r_0_3")
    others = sorted(c for c in all_codes() if m.segment_for(c) == "others")
    assert others == ["215", "241", "251", "252", "341", "351", "441", "451", "541", "551"]


@pytest.mark.parametrize(
    ("code", "segment"),
    [
        ("555", "champions"),  # rule 1 only at 555
        ("554", "potential_loyalist"),  # rule 2 catches the rest of the top corner
        ("352", "potential_loyalist"),  # rule 2 lower edges r3 f3 m2
        ("351", "others"),  # m1 misses rule 2, f5 misses 3/4/9, r3 misses 5/6/7/10, m1 misses 8
        ("244", "loyal_customers"),  # rule 3: r2 below rule 2
        ("424", "loyal_customers"),
        ("413", "promising"),  # rule 4 r3-4 f1-3 m3-5 (f1 misses rules 2-3)
        ("512", "new_customers"),  # rule 5 r4-5 f1-3 m1-5
        ("145", "cant_lose_them"),  # rule 6 r1-2 f3-4 m4-5
        ("155", "at_risk"),  # rule 7 (f5 misses rule 6)
        ("125", "at_risk"),
        ("135", "cant_lose_them"),
        ("153", "need_attention"),  # rule 8 r1-3 f3-5 m3-5
        ("211", "about_to_sleep"),  # rule 9 r2-3 f1-3 m1-4
        ("111", "lost"),  # rule 10 r1
        ("151", "lost"),
    ],
)
def test_r_package_030_boundaries(code: str, segment: str) -> None:
    assert load_segment_map("rfm_r_0_3").segment_for(code) == segment


def test_squeezely_map_covers_all_codes_once() -> None:
    m = load_segment_map("rfm_squeezely")
    sizes = {s: len(m.codes_of(s)) for s in m.segment_ids}
    # list lengths of docs/formulas.md §6.3 (c): 7 + 8 + 24 + 7 + 16 + 8 + 8 + 22 + 8 + 11 + 6 = 125
    assert sizes == {
        "champions": 7,
        "loyal": 8,
        "cannot_lose_them": 8,
        "potential_loyalist": 24,
        "new_customers": 7,
        "promising": 16,
        "need_attention": 8,
        "at_risk": 22,
        "about_to_sleep": 8,
        "hibernating_customers": 11,
        "lost_customers": 6,
    }
    assert m.segment_for("111") == "lost_customers" and m.segment_for("332") == "hibernating_customers"
    assert m.label("champions", "zh") == "重要价值客户" and m.label("champions", "en") == "Champions"


@pytest.mark.parametrize(
    ("code", "segment"),
    [  # one code from each row of docs/formulas.md §6.3 (c), taken at the edges of the score ranges
        ("555", "champions"),
        ("445", "champions"),
        ("543", "loyal"),
        ("335", "loyal"),
        ("553", "potential_loyalist"),
        ("323", "potential_loyalist"),
        ("512", "new_customers"),
        ("311", "new_customers"),
        ("525", "promising"),
        ("313", "promising"),
        ("535", "need_attention"),
        ("324", "need_attention"),
        ("331", "about_to_sleep"),
        ("251", "about_to_sleep"),
        ("255", "at_risk"),
        ("124", "at_risk"),
        ("155", "cannot_lose_them"),
        ("113", "cannot_lose_them"),
        ("332", "hibernating_customers"),
        ("211", "hibernating_customers"),
        ("111", "lost_customers"),
        ("151", "lost_customers"),
    ],
)
def test_squeezely_boundaries(code: str, segment: str) -> None:
    assert load_segment_map("rfm_squeezely").segment_for(code) == segment


def test_user_map_file(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(
        "id: two\ntitle: {zh: 两类, en: Two}\nkind: ranges\n"
        "segments:\n  - {id: best, zh: 最好, en: Best, high_value: true}\n  - {id: rest, zh: 其余, en: Rest}\n"
        "ranges:\n  - {segment: best, r: [4, 5], f: [4, 5], m: [1, 5]}\ndefault: rest\n",
        encoding="utf-8",
    )
    m = load_segment_map(str(path))
    assert m.segment_for("451") == "best" and m.segment_for("351") == "rest"
    out = rfm_segments(tiny_orders(), period="2026-03", segment_map=m)
    assert out["segment"].tolist() == ["best", "rest", "rest", "no_net_spend", "rest", "rest"]


def test_user_map_problems_are_listed_together(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: bad\ntitle: {zh: 坏, en: Bad}\nkind: codes\nsegments:\n  - {id: a, zh: 甲, en: A}\n"
        "codes:\n  a: [555, 555, 999]\n  b: [111]\ncolour: red\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="colour") as info:
        load_segment_map(str(path))
    path.write_text(
        "id: bad\ntitle: {zh: 坏, en: Bad}\nkind: codes\nsegments:\n  - {id: a, zh: 甲, en: A}\n"
        "codes:\n  a: [555, 555, 999]\n  b: [111]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_segment_map(str(path))
    text = str(info.value)
    assert "999 is not an RFM code" in text
    assert "names segment 'b'" in text
    assert "match more than one rule: 555" in text
    assert "codes match no rule and there is no 'default'" in text


def test_unknown_map_name() -> None:
    with pytest.raises(ConfigError, match=r"customers.segment_map.*rf_regex.*Got 'nope'"):
        load_segment_map("nope")


def test_params_defaults_and_validation() -> None:
    p = CustomerParams()
    assert load_segment_map(p.segment_map_source).id == "rfm_squeezely"
    assert p.kmeans_n_init >= 10
    with pytest.raises(ValueError, match="k_max"):
        CustomerParams(k_min=5, k_max=3)
    with pytest.raises(ValueError):
        CustomerParams(kmeans_n_init=5)
    assert CustomerParams(segment_map_file="my.yaml").segment_map_source == "my.yaml"


def test_assign_segments_is_reexported() -> None:
    assert sa.rfm_table is rfm_table and sa.assign_segments is assign_segments


# ------------------------------------------------------------------ real data
def retail_orders() -> pd.DataFrame:
    """UCI Online Retail (random 20k rows) mapped to canonical orders with plain pandas."""
    raw = pd.read_csv(RETAIL, dtype={"InvoiceNo": "str", "CustomerID": "str"}, keep_default_na=True)
    cancelled = raw["InvoiceNo"].str.startswith("C")
    return pd.DataFrame(
        {
            "order_id": raw["InvoiceNo"],
            "order_date": pd.to_datetime(raw["InvoiceDate"]),
            "customer_id": raw["CustomerID"].str.removesuffix(".0"),
            "rep_id": "online",
            "amount": raw["Quantity"] * raw["UnitPrice"],
            # A 'C' invoice returns goods already invoiced: a refund row (negative amount) in canonical terms.
            "status": np.where(cancelled, "refunded", "paid"),
        }
    )


@pytest.mark.skipif(not RETAIL.exists(), reason=f"shared real data not found at {RETAIL}")
def test_online_retail_rfm_and_kmeans() -> None:
    orders = retail_orders()
    assert orders["customer_id"].isna().sum() == 5078
    rfm = rfm_segments(orders, period="2011-11")
    in_window = orders["order_date"] < "2011-12-01"
    missing = orders_without_customer(orders, period="2011-11")
    assert len(missing) == int((in_window & orders["customer_id"].isna()).sum()) > 4000
    # nothing silently dropped: per-customer revenue + rows without a customer = all revenue
    assert rfm["monetary"].sum() + missing["amount"].sum() == pytest.approx(
        orders.loc[in_window, "amount"].sum()
    )
    assert len(rfm) == orders.loc[in_window, "customer_id"].nunique()
    q = customer_quality(orders, rfm, period="2011-11").set_index("issue")
    assert q.loc["missing_customer_id", "rows"] == len(missing)
    assert (
        q.loc["no_net_spend", "customers"] == int((~rfm["scored"]).sum()) > 0
    )  # customers with returns only
    res = sa.kmeans_segments(rfm, k_min=2, k_max=5, silhouette_sample=1500, seed=7)
    assert 2 <= res.k <= 5
    assert len(res.assignments) == int(rfm["scored"].sum())
    assert res.profiles["customers"].sum() == len(res.assignments)


@pytest.mark.skipif(not RETAIL.exists(), reason=f"shared real data not found at {RETAIL}")
@pytest.mark.skipif(
    not (ROOT / "parameters" / "column_maps" / "online_retail.yaml").exists(),
    reason="parameters/column_maps/online_retail.yaml (the loader's column map) is not there",
)
def test_online_retail_through_load_dataset(tmp_path: Path) -> None:
    folder = tmp_path / "retail"
    folder.mkdir()
    os.symlink(RETAIL, folder / RETAIL.name)
    (folder / "reps.csv").write_text("rep_id,rep_name,team\nonline,Online shop,Online\n", encoding="utf-8")
    ds = sa.load_dataset(folder)
    assert ds.orders["customer_id"].isna().sum() == 5078  # kept by the loader, reported here
    rfm = rfm_segments(ds.orders, period="2011-11")
    plain = rfm_segments(retail_orders(), period="2011-11")
    assert rfm["customer_id"].tolist() == plain["customer_id"].tolist()
    assert rfm["frequency"].tolist() == plain["frequency"].tolist()
    assert rfm["monetary"].to_numpy() == pytest.approx(plain["monetary"].to_numpy())
    assert len(orders_without_customer(ds.orders, period="2011-11")) == len(
        orders_without_customer(retail_orders(), period="2011-11")
    )
