"""The server and kernel sides of scoped access without a server: the access file re-read on
change, the scope a kernel is given, scoped bundles in the views, refusals in the access log."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from sales_analytics.access.layout import MODE_ENV, kernel_scope, scope_folder
from sales_analytics.access.log import read_log
from sales_analytics.access.model import AccessFile
from sales_analytics.access.store import add_person, revoke_person, rotate_person, save_access


def test_a_kernel_reads_its_scope_only_in_scoped_mode():
    assert kernel_scope({"QUERY_STRING": "sa_scope=all&sa_person=boss"}) is None  # not scoped: whole bundle
    env = {MODE_ENV: "scoped", "QUERY_STRING": "sa_scope=rep-1&sa_person=li.na&sa_role=rep"}
    assert kernel_scope(env) == ("rep-1", "li.na", "rep")
    assert kernel_scope({MODE_ENV: "scoped"}) == ("", "", "")  # no scope given: nothing is shown


@pytest.mark.parametrize("bad", ["", "../all", "a/b", ".view-cache", "x\\y"])
def test_a_scope_never_becomes_a_path_outside_the_scopes(tmp_path, bad):
    with pytest.raises(ValueError, match="not a scope"):
        scope_folder(tmp_path, bad)
    assert scope_folder(tmp_path, "all") == tmp_path
    assert scope_folder(tmp_path, "team-abc") == tmp_path / "scopes" / "team-abc"


def test_the_server_rereads_the_file_rotation_and_revocation_take_effect(tmp_path):
    from sales_analytics.access.web import AccessState

    file = tmp_path / "access.yaml"
    access, old = add_person(AccessFile(), "li.na", "rep", rep_id="R002")
    save_access(access, file)
    state = AccessState(file, tmp_path)
    assert state.by_token(str(old)).id == "li.na"
    assert state.by_token(str(old)).id == "li.na"  # the second time from the verified cache
    access, new = rotate_person(access, "li.na")
    save_access(access, file)
    os.utime(file, ns=(1, 1))  # a change the stamp sees even within one clock tick
    assert state.by_token(str(old)) is None and state.by_token(str(new)).id == "li.na"
    save_access(revoke_person(access, "li.na"), file)
    assert state.by_token(str(new)) is None
    assert state.by_token("sa1.00000000." + "A" * 32) is None and state.by_token("garbage") is None


def _scoped_outputs(tmp_path):
    """A bundle with the scopes of two reps in two teams."""
    from sales_analytics.access.publish import write_scopes

    bundle = tmp_path / "2026-10"
    (bundle / "tables").mkdir(parents=True)
    pd.DataFrame(
        {"period": "2026-10", "rep_id": ["R1", "R2"], "rep_name": ["甲", "乙"], "revenue": [1.0, 2.0]}
    ).to_parquet(bundle / "tables" / "kpi_scorecard.parquet")
    pd.DataFrame({"period": ["2026-10"], "revenue": [3.0]}).to_parquet(
        bundle / "tables" / "kpi_sales_monthly.parquet"
    )
    (bundle / "manifest.json").write_text(json.dumps({"status": "ok", "period": "2026-10", "run_id": "r"}))
    reps = pd.DataFrame({"rep_id": ["R1", "R2"], "team": ["A", "B"]})
    index = write_scopes(bundle, reps, thresholds={})
    return tmp_path, index


def test_views_open_only_the_scope_folder(tmp_path):
    from sales_analytics.access.scopes import rep_scope_id
    from sales_analytics.views.bundles import BundleNotFound, list_bundles, open_bundle

    outputs, index = _scoped_outputs(tmp_path)
    assert set(index["scopes"]) == {
        "company",
        rep_scope_id("R1"),
        rep_scope_id("R2"),
        *(s for s in index["scopes"] if s.startswith("team-")),
    }
    mine = open_bundle("2026-10", outputs, scope=rep_scope_id("R1"))
    assert mine.table("kpi_scorecard")["rep_id"].tolist() == ["R1"]
    assert mine.manifest["scope"] == rep_scope_id("R1") and "inputs" not in mine.manifest
    company = open_bundle("2026-10", outputs, scope="company")
    assert company.table("kpi_scorecard") is None and "kpi_scorecard" not in company.tables  # does not exist
    assert company.table("kpi_sales_monthly")["revenue"].tolist() == [3.0]
    assert list_bundles(outputs, scope="rep-unknown") == []
    with pytest.raises(BundleNotFound, match="holds no scope"):
        open_bundle("2026-10", outputs, scope="rep-unknown")


def test_a_value_the_page_did_not_offer_is_refused_and_logged(tmp_path, monkeypatch):
    from sales_analytics.views import app

    outputs, _ = _scoped_outputs(tmp_path)
    monkeypatch.setenv(MODE_ENV, "scoped")
    monkeypatch.setenv("QUERY_STRING", "sa_scope=company&sa_person=finance&sa_role=viewer")
    monkeypatch.setenv("SALES_ANALYTICS_OUTPUTS", str(outputs))
    widgets = app.build(
        [{"choice": "dropdown", "options": [["甲", "R1"]], "value": "R1", "bodies": {"R1": []}}], "zh"
    )
    picker, body = widgets
    picker.options = [("甲", "R1"), ("乙", "R2")]  # as if the browser had sent a value outside the scope
    picker.value = "R2"
    assert "sa-note" in body.children[0].value
    (entry,) = read_log(outputs)
    assert entry["person"] == "finance" and entry["decision"] == "deny" and "'R2'" in entry["reason"]
    view = app.ViewApp("overview", outputs=outputs)
    assert view.periods == ["2026-10"] and view.scope == "company"
    monkeypatch.setenv("QUERY_STRING", "sa_scope=rep-nobody&sa_person=x&sa_role=rep")
    assert app.ViewApp("overview", outputs=outputs).periods == []  # a scope the bundle lacks: nothing
