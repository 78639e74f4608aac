"""Codes reused within a notebook, and the integer-code paths of the activity and customer KPIs (issue 24).

Each faster path is checked against the plain pandas computation it replaces,
on hand-built frames and on hypothesis-generated ones.
"""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sales_analytics as sa
from sales_analytics.customers._orders import factorize
from sales_analytics.kpis import _core
from sales_analytics.kpis._core import _ENCODED, encode, index_in, month_index
from sales_analytics.kpis.activities import _buyers_followed_up

STR = pd.StringDtype(na_value=np.nan)  # the snapshot's string columns (Arrow-backed)


def test_encode_reuses_the_codes_of_the_same_arrow_column() -> None:
    ids = pd.Series(["c2", "c1", None, "c2"], dtype=STR)
    first = encode(ids)
    # order of first appearance, the empty value -1; uniques keep the column's dtype
    assert first.codes.tolist() == [0, 1, -1, 0]
    assert first.uniques.tolist() == ["c2", "c1"] and first.uniques.dtype == ids.dtype
    # the same column (a filtered copy shares nothing, a plain reference shares the Arrow array)
    assert encode(ids) is first
    assert encode(ids.reset_index(drop=True)) is first
    # shared codes are read-only: a caller editing them would corrupt every later caller
    with pytest.raises(ValueError, match="read-only"):
        first.codes[0] = 5


def test_encode_sees_an_edited_column_as_new() -> None:
    ids = pd.Series(["a", "b", "a"], dtype=STR)
    before = encode(ids)
    ids.iloc[1] = "a"  # pandas swaps in a new Arrow array: the old codes must not be handed out
    after = encode(ids)
    assert after is not before
    assert after.codes.tolist() == [0, 0, 0] and after.uniques.tolist() == ["a"]


def test_encode_forgets_a_freed_column() -> None:
    ids = pd.Series([f"o{i}" for i in range(50)], dtype=STR)
    encode(ids)
    key = id(ids.array._pa_array)
    assert key in _ENCODED
    del ids
    gc.collect()
    assert key not in _ENCODED


def test_encode_without_arrow_is_pd_factorize() -> None:
    values = pd.Series(["b", None, "a", "b"], dtype=object)
    c = encode(values)
    assert c.codes.tolist() == [0, -1, 1, 0] and c.uniques.tolist() == ["b", "a"]
    cat = pd.Series(pd.Categorical(["x", "y", "x"], categories=["y", "x"]))
    assert encode(cat).codes.tolist() == [1, 0, 1]


def test_factorize_matches_pandas() -> None:
    ids = pd.Series(["z", "y", "z", None, "x"], dtype=STR)
    codes, uniques = factorize(ids)
    want_codes, want_uniques = pd.factorize(ids, sort=False, use_na_sentinel=True)
    assert codes.tolist() == want_codes.tolist()
    assert uniques.tolist() == list(want_uniques)


def test_index_in() -> None:
    values = pd.Series(["o2", "o9", None, "o1"], dtype=STR)
    # o2 at 1, o9 absent, the empty value never found, o1 at 0
    assert index_in(values, pd.Index(["o1", "o2"])).tolist() == [1, -1, -1, 0]
    assert index_in(values, pd.Index([], dtype=object)).tolist() == [-1, -1, -1, -1]
    # types Arrow cannot put in one array fall back to pandas
    mixed = pd.Series(["a", 1, None], dtype=object)
    assert index_in(mixed, pd.Index([1, "a"], dtype=object)).tolist() == [1, 0, -1]


def test_index_in_of_few_values_among_many_probes_in_halves(monkeypatch: pytest.MonkeyPatch) -> None:
    # a few values among many distinct ones: the many are probed, in two halves on two threads from
    # _PROBE_SPLIT values on (lowered here so that 40 are split); either way the same positions
    known = pd.Index([f"o{i}" for i in range(40)])
    values = pd.Series(["o31", "o0", None, "o5", "o99", "o5"], dtype=STR)
    want = [31, 0, -1, 5, -1, 5]
    assert index_in(values, known).tolist() == want
    import pyarrow.compute as pc

    probed = []
    index_in_arrow = pc.index_in
    monkeypatch.setattr(_core, "_PROBE_SPLIT", 8)
    monkeypatch.setattr(pc, "index_in", lambda k, **kw: probed.append(len(k)) or index_in_arrow(k, **kw))
    assert index_in(values, known).tolist() == want and sorted(probed) == [20, 20]  # two halves of 40
    assert known.get_indexer(values.astype(object)).tolist() == want


def test_activity_kinds_and_counts() -> None:
    acts = pd.DataFrame(
        {
            "rep_id": ["r1", "r1", "r1", "r2", "r2"],
            "activity_type": [" Call", "visit", None, "fax", "CALL"],
            "activity_at": pd.to_datetime(
                ["2026-03-02", "2026-03-05", "2026-03-09", "2026-03-10", "2026-04-01"]
            ),
        }
    ).astype({"rep_id": STR, "activity_type": STR})
    out = sa.activity_kpis(acts)
    # r1 in March: " Call" -> call, visit, empty -> other: 1 call, 1 visit, 3 activities;
    # r2: "fax" (other) in March -> 0 calls, 1 activity; "CALL" in April -> 1 call
    got = out[["period", "rep_id", "calls", "visits", "activities"]].values.tolist()
    assert got == [["2026-03", "r1", 1, 1, 3], ["2026-03", "r2", 0, 0, 1], ["2026-04", "r2", 1, 0, 1]]


def _plain_followed_up(
    orders: pd.DataFrame, period: np.ndarray, is_order: np.ndarray, acts: pd.DataFrame, a_period: np.ndarray
) -> pd.DataFrame:
    """What activity_outcomes computed before: object columns, drop_duplicates, a merge and a group-by."""
    bought = pd.DataFrame(
        {
            "period": period,
            "rep_id": orders["rep_id"].astype(object).to_numpy(),
            "customer_id": orders["customer_id"].astype(object).to_numpy(),
        }
    )[is_order].drop_duplicates()
    touched = (
        pd.DataFrame(
            {
                "period": a_period,
                "rep_id": acts["rep_id"].astype(object).to_numpy(),
                "customer_id": acts["customer_id"].astype(object).to_numpy(),
                "_touched": 1,
            }
        )
        .dropna(subset=["customer_id"])
        .drop_duplicates()
    )
    bought = bought.merge(touched, on=["period", "rep_id", "customer_id"], how="left")
    bought["_touched"] = bought["_touched"].fillna(0).astype(np.int64)
    return bought.groupby(["period", "rep_id"], as_index=False).agg(
        active_customers=("customer_id", "size"), followed_up_customers=("_touched", "sum")
    )


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 3),  # month
            st.sampled_from(["r1", "r2", None]),
            st.sampled_from(["c1", "c2", "c3", None]),
            st.booleans(),
        ),
        max_size=40,
    ),
    touches=st.lists(
        st.tuples(
            st.integers(0, 4),  # month (4: a month without orders)
            st.sampled_from(["r1", "r2", "r9", None]),
            st.sampled_from(["c1", "c2", "c9", None]),
        ),
        max_size=30,
    ),
    dtype=st.sampled_from([STR, "category", object]),
)
def test_buyers_followed_up_equals_the_merge_and_group_by(
    rows: list[tuple], touches: list[tuple], dtype: object
) -> None:
    month, rep, cust, is_order = zip(*rows) if rows else ((), (), (), ())
    days = (np.datetime64("2026-01-15") + np.array(month, dtype="timedelta64[D]") * 31).astype(
        "datetime64[ns]"
    )
    orders = pd.DataFrame({"rep_id": pd.Series(rep, dtype=STR), "customer_id": pd.Series(cust, dtype=STR)})
    orders = orders.astype(dtype)  # the snapshot's strings, prepare_orders' categoricals, plain objects
    flags = np.asarray(is_order, dtype=bool)
    a_month, a_rep, a_cust = zip(*touches) if touches else ((), (), ())
    a_days = (np.datetime64("2026-01-15") + np.array(a_month, dtype="timedelta64[D]") * 31).astype(
        "datetime64[ns]"
    )
    acts = pd.DataFrame(
        {
            "rep_id": pd.Series(a_rep, dtype=STR),
            "customer_id": pd.Series(a_cust, dtype=STR),
            "activity_at": a_days,
            "activity_type": "call",
        }
    )
    got = _buyers_followed_up(
        month_index(days), encode(orders["rep_id"]), encode(orders["customer_id"]), flags, acts, "month", 1
    )
    period = pd.Series(days).dt.strftime("%Y-%m").to_numpy(dtype=object)
    a_period = pd.Series(a_days).dt.strftime("%Y-%m").to_numpy(dtype=object)
    expected = _plain_followed_up(orders, period, flags, acts, a_period)
    got = got.sort_values(["period", "rep_id"], ignore_index=True)
    pd.testing.assert_frame_equal(
        got.astype({"period": object, "rep_id": object}),
        expected.astype({"period": object, "rep_id": object}),
        check_index_type=False,
    )


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["o1", "o2", "o3", "o4"]),
            st.sampled_from(["c1", "c2"]),
            st.integers(0, 40),
            st.sampled_from([-30.0, 10.0, 25.0, 40.0]),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_clv_summary_refunds_match_by_code(rows: list[tuple]) -> None:
    """A refund line (id + "-R") adds its value to its order's first paid row's purchase day."""
    ids, custs, day, amount = zip(*rows)
    refund = np.asarray(amount) < 0
    orders = pd.DataFrame(
        {
            "order_id": [i + "-R" if r else i for i, r in zip(ids, refund)],
            "order_date": pd.Timestamp("2026-02-01") + pd.to_timedelta(day, unit="D"),
            "customer_id": custs,
            "amount": amount,
            "status": np.where(refund, "refunded", "paid"),
        }
    ).astype({"order_id": STR, "customer_id": STR, "status": STR})
    got = sa.clv_summary(orders, period="2026-03")
    # the same summary by hand: each refund's value moved to the (customer, day) of its order's first paid row
    paid = orders.loc[~refund]
    first = paid.drop_duplicates("order_id").set_index("order_id")
    lines = [paid[["customer_id", "order_date", "amount"]]]
    for oid, value in zip(orders.loc[refund, "order_id"], orders.loc[refund, "amount"]):
        base = oid.removesuffix("-R")
        if base in first.index:
            lines.append(
                pd.DataFrame(
                    {
                        "customer_id": [first.at[base, "customer_id"]],
                        "order_date": [first.at[base, "order_date"]],
                        "amount": [value],
                    }
                )
            )
    per_day = pd.concat(lines).groupby(["customer_id", "order_date"])["amount"].sum().reset_index()
    per_day = per_day.loc[per_day["amount"] > 1e-9]
    want_x = (per_day.groupby("customer_id").size() - 1).astype(np.int64)
    assert dict(zip(got["customer_id"], got["x"])) == want_x.to_dict()
