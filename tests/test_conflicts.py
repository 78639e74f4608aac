"""Conflicts: one hand-built case per rule, the register, decisions on statements."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sales_analytics.conflicts import (
    ConflictParams,
    conflict_statement_lines,
    conflict_status,
    conflicts_by_team,
    contacts,
    decision_adjustments,
    detect_conflicts,
    finding_id,
    load_decisions,
    parse_decisions,
    register_adjustments,
    repeat_pairs,
)
from sales_analytics.errors import ConfigError, DataError
from sales_analytics.incentives import compute_commissions, parse_incentive_plan

P = ConflictParams(window_days=30, min_contacts=2, deal_window_days=20, owner_change_min_orders=2)
REPS = pd.DataFrame(
    {"rep_id": ["R1", "R2", "R3"], "rep_name": ["李雷", "韩梅", "王五"], "team": ["A", "A", "B"]}
)
CUSTOMERS = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "owner": ["R1", "R2", "R1"]})


def _orders(rows):
    return pd.DataFrame(
        rows, columns=["order_id", "order_date", "customer_id", "rep_id", "amount", "status"]
    ).assign(order_date=lambda d: pd.to_datetime(d["order_date"]))


def test_shared_customer_two_reps_inside_the_window():
    orders = _orders(
        [
            ["O1", "2026-03-01", "C1", "R1", 100.0, "paid"],
            ["O2", "2026-03-05", "C1", "R1", 200.0, "paid"],
            ["O3", "2026-03-10", "C1", "R3", 300.0, "paid"],
            ["O4", "2026-03-20", "C1", "R3", 400.0, "cancelled"],
            # R2 on C1 only once: below min_contacts, not a clash
            ["O5", "2026-03-21", "C1", "R2", 50.0, "paid"],
            # R1 and R3 on C3, but 100 days apart: outside the 30-day window
            ["O6", "2026-01-01", "C3", "R1", 10.0, "paid"],
            ["O7", "2026-01-02", "C3", "R1", 10.0, "paid"],
            ["O8", "2026-04-12", "C3", "R3", 10.0, "paid"],
            ["O9", "2026-04-13", "C3", "R3", 10.0, "paid"],
        ]
    )
    f = detect_conflicts(P, orders=orders, customers=CUSTOMERS, reps=REPS)
    shared = f.loc[f["kind"] == "shared_customer"]
    assert len(shared) == 1
    row = shared.iloc[0]
    assert (row.customer_id, row.owner_rep, row.other_rep, row.team) == ("C1", "R1", "R3", "A")
    assert row.finding_id == finding_id("shared_customer", "C1", "R3", "R1")
    # revenue: 100 + 200 + 300 (O4 cancelled: a contact, no revenue) = 600
    assert (row.owner_revenue, row.other_revenue, row.revenue_at_stake) == (300.0, 300.0, 600.0)
    assert row.evidence == "orders:O1, orders:O2, orders:O3, orders:O4"
    assert row.since == pd.Timestamp("2026-03-01")


def test_duplicate_deal_by_different_owners():
    deals = pd.DataFrame(
        {
            "deal_id": ["D1", "D2", "D3", "D4"],
            "rep_id": ["R2", "R1", "R2", "R3"],
            "customer_id": ["C2", "C2", "C2", "C2"],
            "product_id": ["P1", "P1", "P2", "P1"],
            "status": ["open", "open", "open", "lost"],
            "amount": [1000.0, 800.0, 500.0, 700.0],
            "created_date": pd.to_datetime(["2026-05-01", "2026-05-10", "2026-05-11", "2026-07-01"]),
        }
    )
    f = detect_conflicts(
        P.model_copy(update={"contact": ["orders"]}), deals=deals, customers=CUSTOMERS, reps=REPS
    )
    # D1/D2 same customer and product, 9 days apart: a clash; D3 another product; D4 61 days after D2
    assert f["kind"].tolist() == ["duplicate_deal"]
    row = f.iloc[0]
    assert (row.owner_rep, row.other_rep, row.pipeline_at_stake) == ("R2", "R1", 1800.0)


def test_owner_change_reports_the_revenue_that_moved_unless_a_handover_is_recorded():
    orders = _orders(
        [
            ["O1", "2026-01-05", "C2", "R1", 100.0, "paid"],
            ["O2", "2026-02-05", "C2", "R1", 100.0, "paid"],
            ["O3", "2026-06-05", "C2", "R2", 250.0, "paid"],
            ["O4", "2026-07-05", "C2", "R2", 150.0, "paid"],
        ]
    )
    params = P.model_copy(update={"contact": ["activities"]})
    f = detect_conflicts(params, orders=orders, customers=CUSTOMERS, reps=REPS)
    assert f["kind"].tolist() == ["owner_change"]
    row = f.iloc[0]
    # moved: R2's orders since the change, 250 + 150 = 400
    assert (row.owner_rep, row.other_rep, row.revenue_at_stake, row.since) == (
        "R1",
        "R2",
        400.0,
        pd.Timestamp("2026-06-05"),
    )
    handovers = pd.DataFrame({"customer_id": ["C2"], "from_rep": ["R1"], "to_rep": ["R2"]})
    assert detect_conflicts(params, orders=orders, customers=CUSTOMERS, reps=REPS, handovers=handovers).empty


def test_foreign_activity_on_someone_elses_customer():
    acts = pd.DataFrame(
        {
            "activity_id": ["A1", "A2", "A3", "A4"],
            "rep_id": ["R3", "R3", "R3", "R1"],
            "customer_id": ["C2", "C2", "C2", "C1"],
            "activity_type": ["call"] * 4,
            "activity_at": pd.to_datetime(["2026-03-01", "2026-03-02", "2026-05-30", "2026-03-01"]),
        }
    )
    f = detect_conflicts(P, activities=acts, customers=CUSTOMERS, reps=REPS)
    assert f["kind"].tolist() == ["foreign_activity"]
    # the densest 30-day run holds A1 and A2 (A3 is 89 days later)
    assert f.iloc[0]["evidence"] == "activities:A1, activities:A2"
    assert (f.iloc[0]["owner_rep"], f.iloc[0]["other_rep"], f.iloc[0]["team"]) == ("R2", "R3", "A")


def test_duplicate_deal_groups_by_each_deals_own_product():
    # deals not in customer order: each deal keeps its own product (the rule once read the products
    # in the table's row order against deals sorted by customer, so D1 and D3 fell into different
    # products and D2 joined D1's)
    deals = pd.DataFrame(
        {
            "deal_id": ["D1", "D2", "D3"],
            "rep_id": ["R2", "R1", "R1"],
            "customer_id": ["C2", "C1", "C2"],
            "product_id": ["P1", "P2", "P1"],
            "status": ["open", "open", "open"],
            "amount": [1000.0, 300.0, 800.0],
            "created_date": pd.to_datetime(["2026-05-01", "2026-05-02", "2026-05-05"]),
        }
    )
    f = detect_conflicts(
        P.model_copy(update={"contact": ["orders"]}), deals=deals, customers=CUSTOMERS, reps=REPS
    )
    # D1 (R2) and D3 (R1): customer C2, product P1, 4 days apart; C2's owner R2 is the owner side
    assert f[["kind", "customer_id", "owner_rep", "other_rep"]].values.tolist() == [
        ["duplicate_deal", "C2", "R2", "R1"]
    ]
    # pipeline: 1000 + 800 = 1800
    assert (f.iloc[0]["evidence"], f.iloc[0]["pipeline_at_stake"]) == ("deals:D1, deals:D3", 1800.0)


def test_an_order_counts_once_with_all_its_lines_and_refunds():
    orders = _orders(
        [
            ["O1", "2026-03-01", "C1", "R1", 100.0, "paid"],
            ["O3", "2026-03-02", "C1", "R3", 300.0, "paid"],
            ["O1", "2026-03-01", "C1", "R1", 50.0, "paid"],
            ["O2", "2026-03-05", "C1", "R1", 200.0, "paid"],
            ["O4", "2026-03-06", "C1", "R3", 40.0, "paid"],
            ["O1-R", "2026-03-20", "C1", "R1", -30.0, "refunded"],
        ]
    )
    f = detect_conflicts(P, orders=orders, customers=CUSTOMERS, reps=REPS)
    row = f.iloc[0]
    # O1 is one contact (two lines): 100 + 50 - 30 (its refund) = 120; R1 has O1 and O2 (120 + 200)
    assert (row.kind, row.n_evidence, row.evidence) == (
        "shared_customer",
        4,
        "orders:O1, orders:O3, orders:O2, orders:O4",
    )
    assert (row.owner_revenue, row.other_revenue, row.revenue_at_stake) == (320.0, 340.0, 660.0)


def test_contacts_at_the_same_time_are_in_order_of_their_ids():
    orders = _orders(
        [
            ["O9", "2026-03-01", "C1", "R1", 1.0, "paid"],
            ["O10", "2026-03-01", "C1", "R3", 1.0, "paid"],
            ["O2", "2026-03-01", "C1", "R1", 1.0, "paid"],
            ["O1", "2026-03-01", "C1", "R3", 1.0, "paid"],
        ]
    )
    f = detect_conflicts(P, orders=orders, customers=CUSTOMERS, reps=REPS)
    # all four at one time: by id as text, O1 < O10 < O2 < O9
    assert f.iloc[0]["evidence"] == "orders:O1, orders:O10, orders:O2, orders:O9"
    con = contacts(orders.iloc[::-1], None, None)
    assert con["row_id"].tolist() == ["O1", "O10", "O2", "O9"]


_DAYS = pd.to_datetime(["2026-03-01", "2026-03-01", "2026-03-08", "2026-03-20", "2026-04-30"])


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["C1", "C2", "C3"]), st.sampled_from(["R1", "R2", "R3"]), st.integers(0, 4)
        ),
        min_size=1,
        max_size=40,
    ),
    seed=st.integers(0, 2**16),
)
def test_findings_do_not_depend_on_the_row_order_of_the_tables(rows, seed):
    # contacts often at the same time (days drawn from five, two equal): ties sort by id
    acts = pd.DataFrame(
        {
            "activity_id": [f"A{i}" for i in range(len(rows))],
            "rep_id": [r for _, r, _ in rows],
            "customer_id": [c for c, _, _ in rows],
            "activity_at": _DAYS[[d for _, _, d in rows]],
        }
    )
    deals = acts.rename(columns={"activity_id": "deal_id", "activity_at": "created_date"}).assign(
        deal_id=lambda d: d["deal_id"].str.replace("A", "D"),
        product_id=[f"P{i % 2}" for i in range(len(rows))],
        amount=100.0,
        status="open",
    )
    shuffled = {k: t.sample(frac=1, random_state=seed) for k, t in (("activities", acts), ("deals", deals))}
    a = detect_conflicts(P, activities=acts, deals=deals, customers=CUSTOMERS, reps=REPS)
    b = detect_conflicts(P, **shuffled, customers=CUSTOMERS, reps=REPS)
    pd.testing.assert_frame_equal(a, b)


def test_detection_does_not_mutate_inputs():
    orders = _orders([["O1", "2026-03-01", "C1", "R1", 1.0, "paid"]])
    before = orders.copy()
    detect_conflicts(P, orders=orders, customers=CUSTOMERS, reps=REPS)
    pd.testing.assert_frame_equal(orders, before)


DEC = {
    "id": "DEC-1",
    "finding": "CF-x",
    "decision": "split",
    "split": "60:40",
    "decided_by": "R9",
    "decided_on": "2026-04-02",
}


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"split": None}, r"decisions\[0\].*a split needs split 'x:y'"),
        ({"decision": "keep_owner"}, "split is only allowed with decision 'split'"),
        ({"decision": "halve"}, r"decisions\[0\]\.decision"),
        ({"colour": "red"}, r"decisions\[0\]\.colour.*not a known key"),
        ({"decided_on": "soon"}, r"decisions\[0\]\.decided_on"),
    ],
)
def test_register_errors_name_the_file_and_key(change, match):
    with pytest.raises(ConfigError, match=match):
        parse_decisions({"decisions": [{**DEC, **change}]}, "parameters/conflict_decisions.yaml")


def test_register_file_errors_name_the_file(tmp_path):
    path = tmp_path / "conflict_decisions.yaml"
    path.write_text("decisions:\n  - id: D1\n    finding: CF-1\n    decision: transfer\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"conflict_decisions.yaml.*decided_by"):
        load_decisions(path)
    assert load_decisions(tmp_path / "missing.yaml").decisions == []
    with pytest.raises(ConfigError, match="used twice"):
        parse_decisions({"decisions": [DEC, DEC]})


FINDINGS = pd.DataFrame(
    {
        "finding_id": ["CF-x", "CF-y"],
        "kind": ["shared_customer", "foreign_activity"],
        "customer_id": ["C1", "C2"],
        "owner_rep": ["R1", "R2"],
        "other_rep": ["R3", "R3"],
        "team": ["A", "A"],
        "since": pd.to_datetime(["2026-03-01", "2026-03-10"]),
        "owner_revenue": [300.0, 0.0],
        "other_revenue": [700.01, 0.0],
        "amount_at_stake": [1000.01, 0.0],
    }
)


def test_status_open_overdue_decided_and_orphans():
    reg = parse_decisions({"decisions": [DEC, {**DEC, "id": "DEC-2", "finding": "CF-gone"}]})
    s = conflict_status(FINDINGS, reg, period="2026-03", overdue_days=14)
    # CF-x decided 2026-04-02, 32 days after 03-01; CF-y undecided 03-10 .. 03-31 = 21 days > 14: overdue
    assert s["status"].tolist() == ["decided", "overdue", "finding_not_found"]
    assert s["days_to_decision"].iloc[0] == 32.0
    assert s["days_open"].iloc[1] == 21
    assert (s["period"] == "2026-03").all()
    teams = conflicts_by_team(s, period="2026-04")
    assert teams[["team", "n_findings", "n_overdue", "n_decided"]].values.tolist() == [["A", 2, 1, 1]]
    pairs = repeat_pairs(s, period="2026-04")
    assert pairs[["rep_a", "rep_b", "n_findings"]].values.tolist() == []


def test_split_moves_exactly_the_split_amount_to_the_cent_on_both_statements():
    reg = parse_decisions({"decisions": [DEC]})
    adj = decision_adjustments(FINDINGS, reg)
    # at stake 300.00 + 700.01 = 1000.01; owner's 60 % = 600.006 -> 600.01; moves 600.01 - 300.00 = 300.01
    assert adj[["period", "rep_id", "credit_cents", "decision_id"]].values.tolist() == [
        ["2026-04", "R1", 30001, "DEC-1"],
        ["2026-04", "R3", -30001, "DEC-1"],
    ]
    plan = parse_incentive_plan(
        {"commission": {"plans": [{"id": "flat", "method": "marginal", "tiers": [{"from": 0, "rate": 0.1}]}]}}
    )
    orders = pd.DataFrame(
        {
            "order_id": ["O1", "O2"],
            "rep_id": ["R1", "R3"],
            "amount": [5000.0, 8000.0],
            "order_date": pd.to_datetime(["2026-04-03", "2026-04-04"]),
        }
    )
    before = compute_commissions(orders, REPS, plan, period="2026-04").summary.set_index("rep_id")
    res = compute_commissions(orders, REPS, plan, period="2026-04", adjustments=adj)
    after = res.summary.set_index("rep_id")
    delta = (after["credited_sales"] - before["credited_sales"]).round(2)
    assert delta.to_dict() == {"R1": 300.01, "R2": 0.0, "R3": -300.01}
    # flat 10 %: payout moves by 30.00 (30.001 rounded to the cent on each side)
    assert (after["payout"] - before["payout"]).round(2).to_dict() == {"R1": 30.0, "R2": 0.0, "R3": -30.0}
    lines = res.statements.loc[res.statements["line_type"] == "credit_adjustment"]
    assert lines["rep_id"].tolist() == ["R1", "R3"]
    assert lines["adjustment"].tolist() == ["DEC-1", "DEC-1"]
    assert lines["base_amount"].tolist() == [300.01, -300.01]
    assert lines["description"].str.contains("CF-x").all()


def test_statement_lines_run_the_engine_only_when_a_decision_moves_credit(monkeypatch):
    import sales_analytics.incentives as incentives

    adj = decision_adjustments(FINDINGS, parse_decisions({"decisions": [DEC]}))
    plan = parse_incentive_plan(
        {"commission": {"plans": [{"id": "flat", "method": "marginal", "tiers": [{"from": 0, "rate": 0.1}]}]}}
    )
    orders = pd.DataFrame(
        {
            "order_id": ["O1", "O2"],
            "rep_id": ["R1", "R3"],
            "amount": [5000.0, 8000.0],
            "order_date": pd.to_datetime(["2026-04-03", "2026-04-04"]),
        }
    )
    tables = {"period": "2026-04", "orders": orders, "reps": REPS, "plan": plan}
    lines = conflict_statement_lines(adj, **tables)
    # the split of DEC moves 300.01 (see the test above): one credit_adjustment line per rep
    assert lines["rep_id"].tolist() == ["R1", "R3"]
    assert lines["base_amount"].tolist() == [300.01, -300.01]
    statements = compute_commissions(orders, REPS, plan, period="2026-04", adjustments=adj).statements

    def no_engine(*args, **kwargs):
        raise AssertionError("the commission engine ran without any adjustment")

    monkeypatch.setattr(incentives, "compute_commissions", no_engine)
    empty = conflict_statement_lines(adj.iloc[:0], **tables)
    # the same columns and dtypes as the engine's statement lines, no rows
    assert empty.empty
    assert empty.dtypes.astype(str).to_dict() == statements.dtypes.astype(str).to_dict()


def test_register_adjustments_detect_only_when_something_was_decided():
    # C1: R1 (owner) sold 100 + 200 = 300.00, R3 sold 300.00 (O4 cancelled): at stake 600.00.
    # keep_owner on 2026-03-25 moves R3's 300.00 to R1; a decision of 2026-05-02 is after April.
    orders = _orders(
        [
            ["O1", "2026-03-01", "C1", "R1", 100.0, "paid"],
            ["O2", "2026-03-05", "C1", "R1", 200.0, "paid"],
            ["O3", "2026-03-10", "C1", "R3", 300.0, "paid"],
            ["O4", "2026-03-20", "C1", "R3", 400.0, "cancelled"],
        ]
    )
    found = finding_id("shared_customer", "C1", "R3", "R1")
    tables = {"orders": orders, "customers": CUSTOMERS, "reps": REPS}
    empty = register_adjustments(P, parse_decisions({"decisions": []}), period="2026-04", **tables)
    assert empty.empty and list(empty.columns)[:3] == ["period", "rep_id", "credit_cents"]
    kept = {
        "id": "D1",
        "finding": found,
        "decision": "keep_owner",
        "decided_by": "M",
        "decided_on": "2026-03-25",
    }
    later = {**kept, "id": "D2", "decision": "transfer", "decided_on": "2026-05-02"}
    adj = register_adjustments(P, parse_decisions({"decisions": [kept, later]}), period="2026-04", **tables)
    assert adj[["period", "rep_id", "credit_cents", "decision_id"]].values.tolist() == [
        ["2026-03", "R1", 30000, "D1"],
        ["2026-03", "R3", -30000, "D1"],
    ]


@settings(max_examples=200, deadline=None)
@given(
    owner=st.integers(0, 10**9),
    other=st.integers(0, 10**9),
    decision=st.sampled_from(["keep_owner", "transfer", "split"]),
    x=st.integers(0, 100),
    y=st.integers(1, 100),
)
def test_total_credit_is_conserved_by_any_decision(owner, other, decision, x, y):
    findings = FINDINGS.iloc[:1].assign(owner_revenue=owner / 100, other_revenue=other / 100)
    d = {**DEC, "decision": decision, "split": f"{x}:{y}" if decision == "split" else None}
    adj = decision_adjustments(findings, parse_decisions({"decisions": [d]}))
    assert adj["credit_cents"].sum() == 0
    owner_after = owner + adj.loc[adj["rep_id"] == "R1", "credit_cents"].sum()
    other_after = other + adj.loc[adj["rep_id"] == "R3", "credit_cents"].sum()
    assert owner_after + other_after == owner + other
    share = {"keep_owner": Decimal(1), "transfer": Decimal(0)}.get(decision, Decimal(x) / Decimal(x + y))
    assert abs(Decimal(int(owner_after)) - share * (owner + other)) <= Decimal("0.5")


def test_through_ignores_later_contacts():
    orders = _orders(
        [
            ["O1", "2026-03-01", "C1", "R1", 100.0, "paid"],
            ["O2", "2026-03-05", "C1", "R1", 200.0, "paid"],
            ["O3", "2026-03-10", "C1", "R3", 300.0, "paid"],
            ["O4", "2026-04-02", "C1", "R3", 400.0, "paid"],
        ]
    )
    # through March R3 has one contact (O3): below min_contacts 2; with April, O3 + O4 make two
    assert detect_conflicts(P, orders=orders, customers=CUSTOMERS, reps=REPS, period="2026-03").empty
    assert detect_conflicts(P, orders=orders, customers=CUSTOMERS, reps=REPS)["kind"].tolist() == [
        "shared_customer"
    ]


def test_missing_columns_are_named():
    with pytest.raises(DataError, match="handovers, column .customer_id."):
        detect_conflicts(P, handovers=pd.DataFrame({"from_rep": ["R1"], "to_rep": ["R2"]}))


class _Reads(dict):
    """Tables that remember which were read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read: list[str] = []

    def get(self, name, default=None):
        self.read.append(name)
        return super().get(name, default)


def test_notebook_03_reads_no_table_for_an_empty_register(tmp_path):
    from types import SimpleNamespace

    from sales_analytics.io.dataset import Dataset
    from sales_analytics.sections import incentive_adjustments

    orders = _orders(
        [
            ["O1", "2026-03-01", "C1", "R1", 100.0, "paid"],
            ["O2", "2026-03-05", "C1", "R1", 200.0, "paid"],
            ["O3", "2026-03-10", "C1", "R3", 300.0, "paid"],
            ["O4", "2026-03-20", "C1", "R3", 400.0, "cancelled"],
        ]
    )
    tables = _Reads(orders=orders, customers=CUSTOMERS, reps=REPS)
    register = tmp_path / "decisions.yaml"
    ctx = SimpleNamespace(
        dataset=Dataset(tables=tables),
        params=SimpleNamespace(conflicts=P.model_copy(update={"decisions_file": str(register)})),
        period="2026-04",
    )
    # no register file: an empty register, and no table is read
    assert incentive_adjustments(ctx).empty and tables.read == []
    register.write_text(
        "decisions:\n  - {id: D1, finding: "
        + finding_id("shared_customer", "C1", "R1", "R3")
        + ", decision: transfer, decided_by: M, decided_on: 2026-03-25}\n"
    )
    # one decision: the tables are read and R1's 300.00 on C1 (O1 + O2) moves to R3
    adj = incentive_adjustments(ctx)
    assert "orders" in tables.read
    assert adj[["rep_id", "credit_cents"]].values.tolist() == [["R1", -30000], ["R3", 30000]]
