"""Scopes cut at publish time (sales_analytics.access.scopes): hand-built organisations with
hand-computed expectations, and a property test over random organisations."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sales_analytics.access.scopes import (
    COMPANY,
    DIRECTOR,
    organisation_scopes,
    rep_scope,
    rule_of,
    scope_tables,
    team_scope,
)
from sales_analytics.surveys.anonymity import suppress_small_groups

# teams A (r1, r2), B (r3), C (r4, r5)
REPS = pd.DataFrame({"rep_id": ["r1", "r2", "r3", "r4", "r5"], "team": ["A", "A", "B", "C", "C"]})
P = "2026-10"


def _org_tables() -> dict[str, pd.DataFrame]:
    return {
        "incentive_statements": pd.DataFrame(
            {"period": P, "rep_id": ["r1", "r1", "r2", "r3", "r4"], "line_no": [1, 2, 1, 1, 1],
             "amount": [100.0, 5.0, 80.0, 70.0, 60.0]}
        ),
        "kpi_sales_by_team": pd.DataFrame({"period": P, "team": ["A", "B", "C"], "revenue": [10.0, 20.0, 30.0]}),
        "incentive_team_summary": pd.DataFrame({"period": P, "team": ["A", "B", "C"], "payout": [185.0, 70.0, 60.0]}),
        "kpi_sales_monthly": pd.DataFrame({"period": [P], "revenue": [60.0]}),
        "customer_rfm": pd.DataFrame({"period": P, "customer_id": ["c1", "c2"], "monetary": [1.0, 2.0]}),
        "conflict_repeat_pairs": pd.DataFrame({"period": P, "rep_a": ["r1", "r1"], "rep_b": ["r2", "r3"], "n_findings": [1, 2]}),
        "goals_forecast": pd.DataFrame(
            {"period": P, "month": P, "level": ["company", "team", "team", "rep", "rep"],
             "team": [None, "A", "B", "A", "B"], "rep_id": [None, None, None, "r1", "r3"], "p50": [1.0, 2, 3, 4, 5]}
        ),
        "some_new_table": pd.DataFrame({"period": [P], "rep_id": ["r1"], "x": [1]}),
    }  # fmt: skip


def _rows(out, name, col):
    return sorted(out[name][col].astype(str)) if name in out else None


def test_each_role_gets_its_rows_of_each_rule():
    t = _org_tables()
    rep1 = scope_tables(t, rep_scope("r1", REPS))
    lead_a = scope_tables(t, team_scope(["A"], REPS))
    viewer = scope_tables(t, COMPANY)
    director = scope_tables(t, DIRECTOR)
    # rep: own statement lines only; own team's aggregate; no team pay; company tables whole
    assert _rows(rep1, "incentive_statements", "rep_id") == ["r1", "r1"]
    assert _rows(rep1, "kpi_sales_by_team", "team") == ["A"]
    assert "incentive_team_summary" not in rep1
    assert rep1["kpi_sales_monthly"]["revenue"].tolist() == [60.0]
    # team lead of A: r1 and r2's lines (3 rows), team A's pay, the pair r1-r2 only (r3 is team B)
    assert _rows(lead_a, "incentive_statements", "rep_id") == ["r1", "r1", "r2"]
    assert _rows(lead_a, "incentive_team_summary", "team") == ["A"]
    assert lead_a["conflict_repeat_pairs"][["rep_a", "rep_b"]].values.tolist() == [["r1", "r2"]]
    # viewer: no person-level table at all, team aggregates without pay
    assert "incentive_statements" not in viewer and "incentive_team_summary" not in viewer
    assert _rows(viewer, "kpi_sales_by_team", "team") == ["A", "B", "C"]
    # customer-level and unknown tables: the director only
    for scoped in (rep1, lead_a, viewer):
        assert "customer_rfm" not in scoped and "some_new_table" not in scoped
        assert "conflict_repeat_pairs" not in scoped or scoped is lead_a
    assert set(director) == set(t)
    # forecast levels: company rows to all; team A and r1 to rep r1; the viewer company + teams
    assert rep1["goals_forecast"]["level"].tolist() == ["company", "team", "rep"]
    assert viewer["goals_forecast"]["level"].tolist() == ["company", "team", "team"]


def test_inputs_are_not_changed():
    t = _org_tables()
    before = {k: v.copy() for k, v in t.items()}
    scope_tables(t, rep_scope("r1", REPS))
    for k, v in t.items():
        pd.testing.assert_frame_equal(v, before[k])


def test_unknown_table_reaches_the_director_only():
    assert rule_of("some_new_table") == "director"
    assert rule_of("incentive_statement_east_2") == "rep"  # the family incentive_statement_<team>


def test_every_catalog_table_has_a_rule():
    from sales_analytics.access.scopes import policy
    from sales_analytics.tables import catalog

    names = set(catalog())
    assert names - set(policy()) == set()
    assert set(policy()) - names == set()  # no rule for a table that no longer exists


def _scores(rows):
    return pd.DataFrame(
        [{"period": P, "instrument": "team_pulse", "item": "", "metric": "enps", "group_by": gb, "group": g,
          "n": n, "value": v, "suppressed": False} for gb, g, n, v in rows]
    )  # fmt: skip


TH = {"team_pulse": 5}


def test_a_team_cut_is_dropped_when_the_rest_of_the_company_is_below_the_threshold():
    # 10 answered, 7 in team A and 3 without a team: all − A = 3 < 5 would isolate those 3
    t = {"survey_scores": _scores([("all", "all", 10, 20.0), ("team", "A", 7, 30.0)])}
    lead_a = scope_tables(t, team_scope(["A"], REPS), thresholds=TH)
    assert lead_a["survey_scores"]["group"].tolist() == ["all"]
    # with 12 answering and 7 in A, the rest is 5 ≥ 5: A's cut stays
    t = {"survey_scores": _scores([("all", "all", 12, 20.0), ("team", "A", 7, 30.0)])}
    assert scope_tables(t, team_scope(["A"], REPS), thresholds=TH)["survey_scores"]["group"].tolist() == [
        "all",
        "A",
    ]


def test_a_lead_of_two_teams_loses_the_smaller_cut_when_the_rest_is_too_small():
    # all 20 = A 8 + B 8 + 4 without a team: the rest 4 < 5, so one of A/B goes (the first of the
    # two smallest); all − B = A + rest = 12 ≥ 5 then isolates nobody
    t = {"survey_scores": _scores([("all", "all", 20, 1.0), ("team", "A", 8, 2.0), ("team", "B", 8, 3.0)])}
    out = scope_tables(t, team_scope(["A", "B"], REPS), thresholds=TH)["survey_scores"]
    assert out["group"].tolist() == ["all", "B"]


def test_a_rep_sees_the_total_and_their_team_and_a_viewer_the_total():
    t = {"survey_scores": _scores([("all", "all", 30, 1.0), ("team", "A", 10, 2.0), ("team", "C", 12, 3.0)])}
    assert scope_tables(t, rep_scope("r1", REPS), thresholds=TH)["survey_scores"]["group"].tolist() == [
        "all",
        "A",
    ]
    assert scope_tables(t, COMPANY, thresholds=TH)["survey_scores"]["group"].tolist() == ["all"]


# ------------------------------------------------------------------ property
@st.composite
def organisations(draw):
    n_teams = draw(st.integers(1, 5))
    teams = [f"T{i}" for i in range(n_teams)]
    reps = []
    for i, t in enumerate(teams):
        for j in range(draw(st.integers(1, 4))):
            reps.append((f"r{i}{j}", t))
    reps = pd.DataFrame(reps, columns=["rep_id", "team"])
    threshold = draw(st.integers(2, 6))
    # one survey partition per metric: team counts, some respondents without a team
    rows = []
    for metric in ("enps", "nps"):
        counts = {t: draw(st.integers(0, 12)) for t in teams}
        loose = draw(st.integers(0, 6))
        rows.append(("all", "all", sum(counts.values()) + loose, metric))
        rows += [("team", t, n, metric) for t, n in counts.items() if n > 0]
    raw = pd.DataFrame(rows, columns=["group_by", "group", "n", "metric"]).assign(
        period=P, instrument="team_pulse", item="", value=1.0
    )
    # published as the survey library publishes it: cuts below the threshold and their complements gone
    scores = suppress_small_groups(
        raw, threshold=threshold, by=["period", "instrument", "item", "metric"], values=["value"]
    )
    statements = pd.DataFrame({"period": P, "rep_id": reps["rep_id"], "line_no": 1, "amount": 1.0})
    pay = pd.DataFrame({"period": P, "team": teams, "payout": 1.0})
    lead_sets = draw(st.lists(st.lists(st.sampled_from(teams), min_size=1, unique=True), max_size=2))
    tables = {"survey_scores": scores, "incentive_statements": statements, "incentive_team_summary": pay}
    return reps, tables, threshold, lead_sets


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations())
def test_no_scope_sees_another_scopes_private_rows_and_anonymity_holds(org):
    from sales_analytics.access.scopes import scoped_positions

    reps, tables, threshold, lead_sets = org
    scopes = organisation_scopes(reps, lead_sets)
    positions = scoped_positions(tables, scopes, thresholds={"team_pulse": threshold})
    team_of = dict(zip(reps["rep_id"], reps["team"], strict=True))
    for s in scopes:
        got = {name: tables[name].iloc[pos] for name, pos in positions[s.id].items()}
        allowed_reps = (
            {s.rep_id}
            if s.kind == "rep"
            else ({r for r, t in team_of.items() if t in s.teams} if s.kind == "team" else set())
        )
        lines = got.get("incentive_statements", pd.DataFrame(columns=["rep_id"]))
        assert set(lines["rep_id"]) <= allowed_reps  # never another person's statement
        if s.kind == "rep":
            assert set(lines["rep_id"]) == {s.rep_id}
        pay = got.get("incentive_team_summary")
        assert pay is None if s.kind != "team" else set(pay["team"]) <= set(s.teams)
        survey = got["survey_scores"]
        assert (survey["n"] >= threshold).all()  # no cut below the threshold, directly
        visible_groups = set(survey["group"]) - {"all"}
        assert visible_groups <= set(s.teams)  # no other team's cut
        for _, part in survey.groupby("metric"):
            total = part.loc[part["group"] == "all", "n"]
            if total.empty:
                continue
            rest = float(total.iloc[0]) - float(part.loc[part["group"] != "all", "n"].sum())
            assert rest == 0 or rest >= threshold  # nor by subtracting the scope from the total
    # the director's scope is the whole bundle
    full = scoped_positions(tables, [DIRECTOR])["all"]
    assert {k: len(v) for k, v in full.items()} == {k: len(v) for k, v in tables.items()}
    assert np.all(full["survey_scores"] == np.arange(len(tables["survey_scores"])))
