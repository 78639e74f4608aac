import json

import pytest

from sales_analytics.views.bundles import BundleNotFound, list_bundles, open_bundle


def test_lists_published_bundles_newest_first(outputs):
    (outputs / "2026-08").mkdir()  # no manifest: a half-built folder is not a bundle
    (outputs / ".staging").mkdir()
    (outputs / "notes").mkdir()
    failed = outputs / "2026-07"
    failed.mkdir()
    (failed / "manifest.json").write_text(json.dumps({"status": "failed"}), encoding="utf-8")
    assert list_bundles(outputs) == ["2026-10", "2026-09"]
    assert list_bundles(outputs / "missing") == []


@pytest.mark.parametrize("bad", ["../etc", "2026-10/../../x", "2026-13", "", "2026-08", None])
def test_only_published_periods_open(outputs, bad):
    with pytest.raises(BundleNotFound):
        open_bundle(bad, outputs)


def test_tables_never_carry_contact_columns(outputs):
    b = open_bundle("2026-10", outputs)
    churn = b.table("customer_churn_risk")
    assert "contact_phone" not in churn.columns
    assert "customer_id" in churn.columns
    assert b.table("no_such_table") is None
    assert "kpi_sales_monthly" in b.tables


def test_table_copies_are_independent(outputs):
    b = open_bundle("2026-10", outputs)
    t = b.table("kpi_scorecard")
    t.loc[:, "revenue"] = 0
    assert b.table("kpi_scorecard")["revenue"].sum() > 0
