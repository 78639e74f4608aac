"""Conflict contacts as codes: an order's lines found as runs of ids, the sort, the id text per chunk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from sales_analytics.conflicts import ConflictParams, contacts, detect_conflicts
from sales_analytics.conflicts._coded import (
    TextColumn,
    _order_codes,
    _order_runs,
    _orders_part,
    _sort_order,
)


def _ids(values):
    return pd.Series(values, dtype="str")


def _same_grouping(a: np.ndarray, b: np.ndarray, rows: np.ndarray) -> bool:
    """Codes ``a`` and ``b`` put the rows ``rows`` into the same groups (numbering aside)."""
    pairs = set(zip(a[rows].tolist(), b[rows].tolist()))
    return len(pairs) == len({x for x, _ in pairs}) == len({y for _, y in pairs})


def test_order_runs_in_id_order_with_refunds_between_the_lines():
    ids = _ids(["O1", "O1", "O2", "O1-R", "O2", "O3", "O9-R", "O4", "O4"])
    refunded = np.array([False, False, False, True, False, False, True, False, False])
    codes, first = _order_runs(pa.array(ids.array), refunded)
    # runs of the sale lines: O1 (rows 0, 1), O2 (2, 4: the refund row 3 between them), O3 (5), O4 (7, 8);
    # O1-R is O1's refund; O9-R has no sale line (-1: no line of it is kept)
    assert codes.tolist() == [0, 0, 1, 0, 1, 2, -1, 3, 3]
    assert np.flatnonzero(first).tolist() == [0, 2, 5, 7]


def test_order_runs_a_refund_before_its_order_makes_no_first_line():
    ids = _ids(["O1-R", "O1", "O2", "O2"])
    refunded = np.array([True, False, False, False])
    codes, first = _order_runs(pa.array(ids.array), refunded)
    # the refund of O1 came first: O1's line "came before" as a refund, so O1 keeps no line
    assert codes.tolist() == [0, 0, 1, 1]
    assert np.flatnonzero(first).tolist() == [2]
    hashed_codes, hashed_first = _order_codes(ids, refunded)
    assert hashed_first.tolist() == first.tolist()


def test_order_runs_give_way_to_hashing_when_ids_are_not_in_order():
    ids = _ids(["O2", "O1", "O2"])  # O2 again after O1: only a hash finds it
    assert _order_runs(pa.array(ids.array), np.zeros(3, dtype=bool)) is None
    revenue = np.array([10.0, 1.0, 5.0])
    kept, total = _orders_part(ids, pa.array(ids.array), np.zeros(3, dtype=bool), revenue)
    # O2: 10 + 5 = 15 (its first line, row 0); O1: 1
    assert (kept.tolist(), total.tolist()) == ([0, 1], [15.0, 1.0])


def test_order_revenue_sums_lines_and_matched_refunds_only():
    ids = _ids(["A1", "A1", "A1", "A2", "A1-R", "A3-R"])
    refunded = np.array([False, False, False, False, True, True])
    revenue = np.array([0.1, 0.2, 0.3, 5.0, -0.25, -7.0])
    kept, total = _orders_part(ids, pa.array(ids.array), refunded, revenue)
    # A1: three lines and a refund, summed as pandas' grouped sum does: 0.1 + 0.2 + 0.3 - 0.25
    expected_a1 = pd.Series([0.1, 0.2, 0.3, -0.25]).groupby([0, 0, 0, 0]).sum().iloc[0]
    assert kept.tolist() == [0, 3]
    assert total.tolist() == [expected_a1, 5.0]  # A3-R refunds no order in the table: in no total


@settings(max_examples=80, deadline=None)
@given(
    lines=st.lists(
        st.tuples(st.integers(0, 6), st.integers(1, 3), st.booleans(), st.booleans()), min_size=1, max_size=25
    ),
    refund_slots=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 7), st.booleans()), max_size=6),
)
def test_order_runs_match_hashing_on_any_export_in_id_order(lines, refund_slots):
    # sale lines: orders in id order, each with 1-3 lines; refunds (suffix or status only) anywhere
    ids, refunded = [], []
    for number, n_lines, _, _ in sorted(set(lines)):
        ids += [f"O{number}"] * n_lines
        refunded += [False] * n_lines
    for at, number, suffixed in refund_slots:
        at = min(at, len(ids))
        ids.insert(at, f"O{number}-R" if suffixed else f"O{number}")
        refunded.insert(at, True)
    series, mask = _ids(ids), np.array(refunded)
    runs = _order_runs(pa.array(series.array), mask)
    hashed_codes, hashed_first = _order_codes(series, mask)
    assert runs is not None  # the sale lines are in id order: refund rows anywhere do not break it
    codes, first = runs
    assert first.tolist() == hashed_first.tolist()
    matched = np.flatnonzero(codes >= 0)
    assert _same_grouping(codes, hashed_codes, matched)
    # every row left out (-1) is a refund of an order without a sale line
    assert all(
        mask[i] and not (hashed_codes == hashed_codes[i])[~mask].any() for i in np.flatnonzero(codes < 0)
    )


def test_sort_order_by_customer_time_source_then_id():
    cust = np.array([1, 0, 1, 0, 1])
    at = pd.to_datetime(["2026-03-02", "2026-03-01", "2026-03-01", "NaT", "2026-03-01"]).to_numpy()
    src = np.array([0, 0, 2, 2, 2], dtype=np.int8)  # rows come source by source
    ids = np.array(["A1", "A2", "O9", "O1", "O10"], dtype=object)
    order = _sort_order(cust, at, src, lambda rows: ids[rows])
    # customer 0: row 1 (Mar 1), row 3 (no time: last); customer 1: rows 2 and 4 tie on time and
    # source (O10 < O9 as text), then row 0 (Mar 2)
    assert order.tolist() == [1, 3, 4, 2, 0]


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 5), st.integers(0, 2)), min_size=1, max_size=40)
)
def test_sort_order_equals_a_sort_on_all_keys(rows):
    rows = sorted(rows, key=lambda r: r[2])  # source by source, as coded_contacts concatenates them
    cust = np.array([c for c, _, _ in rows])
    at = (np.datetime64("2026-01-01") + np.array([d for _, d, _ in rows]).astype("timedelta64[D]")).astype(
        "datetime64[ns]"
    )
    src = np.array([s for _, _, s in rows], dtype=np.int8)
    ids = np.array([f"X{i % 7}" for i in range(len(rows))], dtype=object)
    order = _sort_order(cust, at, src, lambda r: ids[r])
    expected = sorted(range(len(rows)), key=lambda i: (cust[i], at[i], src[i], ids[i], i))
    assert order.tolist() == expected


def test_text_column_reads_rows_across_chunks():
    column = TextColumn(pa.chunked_array([["a", "b"], [], ["c", "d", "e"]]))
    assert len(column) == 5
    assert column.text(np.array([4, 0, 2, 1])).tolist() == ["e", "a", "c", "b"]
    assert column.text(np.array([], dtype=np.int64)).tolist() == []


def test_findings_equal_whether_orders_come_in_id_order_or_not():
    orders = pd.DataFrame(
        {
            "order_id": ["O1", "O1", "O2", "O3", "O1-R", "O4", "O5", "O6", "O7"],
            "order_date": pd.to_datetime(
                ["2026-03-01"] * 2
                + ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]
                + ["2026-03-06"] * 3
            ),
            "customer_id": ["C1"] * 9,
            "rep_id": ["R1", "R1", "R3", "R1", "R1", "R3", "R3", "R1", "R3"],
            "amount": [10.0, 5.0, 7.0, 3.0, -4.0, 8.0, 1.0, 2.0, 6.0],
            "status": ["paid"] * 4 + ["refunded"] + ["paid"] * 4,
        }
    ).astype({"order_id": "str", "customer_id": "str", "rep_id": "str", "status": "str"})
    customers = pd.DataFrame({"customer_id": ["C1"], "owner": ["R1"]})
    reps = pd.DataFrame({"rep_id": ["R1", "R3"], "team": ["A", "B"]})
    params = ConflictParams(window_days=30, min_contacts=2)
    in_order = detect_conflicts(params, orders=orders, customers=customers, reps=reps)
    shuffled = detect_conflicts(
        params, orders=orders.iloc[[8, 2, 0, 4, 6, 1, 3, 5, 7]], customers=customers, reps=reps
    )
    pd.testing.assert_frame_equal(in_order, shuffled)
    row = in_order.iloc[0]
    # R1: O1 (10 + 5 - 4 = 11), O3 (3), O6 (2) = 16; R3: O2 (7), O4 (8), O5 (1), O7 (6) = 22
    assert (row.kind, row.owner_revenue, row.other_revenue, row.revenue_at_stake) == (
        "shared_customer",
        16.0,
        22.0,
        38.0,
    )
    assert contacts(orders, None, None)["row_id"].tolist() == ["O1", "O2", "O3", "O4", "O5", "O6", "O7"]
