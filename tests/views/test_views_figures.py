"""Issue 15 in the views: the churn alert counts every customer at risk; a partial bundle says so."""

import json

import ipywidgets as w
import pandas as pd
import pytest
from bundle_factory import make_bundle

import sales_analytics.views as views


def _text(widget) -> str:
    parts = [widget.value] if isinstance(widget, w.HTML) else []
    for child in getattr(widget, "children", ()):
        parts.append(_text(child))
    return "\n".join(parts)


@pytest.fixture
def capped(tmp_path):
    make_bundle(tmp_path)
    # the list holds 2 rows (capped by customers.top_n) of 9,806 customers at risk
    pd.DataFrame(
        {
            "period": ["2026-10"] * 2,
            "rank": [1, 2],
            "customer_id": ["C1", "C2"],
            "rep_id": ["R001", "R002"],
            "value_at_risk": [52_000.0, 40_000.0],
            "stage": ["slipping", "lapsed"],
            "reason_zh": ["尚可挽留，请尽快联系", "已流失，宜做挽回方案"],
            "reason_en": ["still keepable, call first", "lapsed, a win-back offer fits"],
            "at_risk_total": [9806, 9806],
        }
    ).to_parquet(tmp_path / "2026-10" / "tables" / "customer_churn_risk.parquet")
    return tmp_path


def test_churn_alert_reports_the_true_count(capped):
    text = _text(views.show("overview", outputs=capped, language="en").body)
    assert "9,806 customers are at risk of churning" in text and "2 customers are at risk" not in text
    zh = _text(views.show("overview", outputs=capped, language="zh").body)
    assert "9,806 位客户有流失风险" in zh


def test_churn_list_says_top_n_of_total_and_why(capped):
    text = _text(views.show("customers", outputs=capped, language="en").body)
    assert "top 2 of 9,806 at-risk customers by yearly spend" in text
    assert "still keepable, call first" in text and "已流失" not in text


def test_partial_bundle_says_as_of_on_every_page(capped):
    manifest = capped / "2026-10" / "manifest.json"
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    doc.update({"partial": True, "as_of": "2026-10-20"})
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    from sales_analytics.views.pages import PAGES

    for page in sorted(PAGES):
        assert "as of 2026-10-20" in _text(views.show(page, outputs=capped, language="en").body), page
        assert "截至 2026-10-20" in _text(views.show(page, outputs=capped, language="zh").body), page


def test_rep_csat_card_states_n_and_interval():
    from sales_analytics.views.people import _csat_text

    row = pd.Series({"csat": 100.0, "responses": 4, "csat_ci_low": 51.0, "csat_ci_high": 100.0})
    # a 100% CSAT on 4 answers reads with its n and its wide interval
    assert _csat_text(row) == "100.0% · n = 4 · 95% CI 51.0%–100.0%"
