"""Issue 18, the views as a finished product: deep links, the navigation bar, the home page, the
payslip statement and the training & rules page, on hand-built frames and bundles."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sales_analytics.views as views
from sales_analytics.views import links
from sales_analytics.views.bundles import open_bundle
from sales_analytics.views.statement import payslip_lines, plan_version
from sales_analytics.views.training import first_action


# ------------------------------------------------------------------ links
def test_requested_reads_period_and_language_from_a_query():
    assert links.requested("period=2026-09&language=en") == ("2026-09", "en")
    assert links.requested("language=zh") == (None, "zh")
    assert links.requested("") == (None, None)
    assert links.requested(None) == (None, None)
    assert links.requested("period=2026-09&period=2026-10") == ("2026-10", None)  # the last one


def test_nav_bar_links_every_page_with_month_and_language_escaped():
    bar = links.nav_bar("customers", "2026-10", "en")
    hrefs = re.findall(r'href="([^"]+)"', bar)
    assert hrefs == [f"{p}.ipynb?period=2026-10&amp;language=en" for p in ("home", *links.NAV_PAGES)]
    assert bar.count('aria-current="page"') == 1 and ">Customers</a>" in bar
    assert 'data-period="2026-10" data-language="en"' in bar
    hostile = links.nav_bar("home", '"><img src=x onerror=alert(1)>', "zh")
    assert "<img" not in hostile


@given(period=st.text(max_size=20), language=st.sampled_from(["zh", "en"]))
def test_href_always_round_trips_through_requested(period, language):
    query = links.href("overview", period or None, language).split("?", 1)[1]
    assert links.requested(query) == (period or None, language)


def test_only_the_default_month_and_language_take_a_preheated_page(outputs, monkeypatch):
    monkeypatch.setenv("SALES_ANALYTICS_VIEW_LANGUAGE", "zh")
    monkeypatch.delenv("SALES_ANALYTICS_VIEW_PERIOD", raising=False)
    fits = lambda **q: links.fits_preheated({k: [v.encode()] for k, v in q.items()}, outputs)  # noqa: E731
    assert fits()  # no query: the defaults
    assert fits(period="2026-10", language="zh")  # the newest bundle, the default language
    assert not fits(period="2026-09")
    assert not fits(language="en")
    assert not fits(period="../../etc")  # drawn on request, where the kernel refuses it
    monkeypatch.setenv("SALES_ANALYTICS_VIEW_PERIOD", "2026-09")  # serve --period 2026-09
    assert fits(period="2026-09") and not fits(period="2026-10")


def test_a_view_opens_the_month_and_language_of_its_address(outputs, monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "period=2026-09&language=en")
    app = views.show("overview", outputs=outputs)
    assert app.period_picker.value == "2026-09" and app.language_picker.value == "en"
    assert "period=2026-09&amp;language=en" in app.nav.value
    app.language_picker.value = "zh"  # switched in the page: the bar (and the address) follow
    assert "period=2026-09&amp;language=zh" in app.nav.value and 'data-language="zh"' in app.nav.value
    monkeypatch.setenv("QUERY_STRING", "period=1999-01&language=xx")  # not published, not a language
    app = views.show("overview", outputs=outputs)
    assert app.period_picker.value == "2026-10" and app.language_picker.value == "zh"


# ------------------------------------------------------------------- home
def test_home_page_has_a_card_per_view_with_its_headline(outputs):
    app = views.show("home", outputs=outputs, language="en")
    text = app.body.children[0].value
    assert text.count('class="sa-card"') == 6
    for page in links.NAV_PAGES:
        assert f'href="{page}.ipynb?period=2026-10&amp;language=en"' in text
    # bundle_factory, 2026-10: revenue of the latest month = 1,000,000 × 1.1 + 10,000 × 12
    # = 1,220,000 → ¥1,220,000; team attainment = (440,000 + 350,000 + 250,000) / 1,080,000 = 96.3%
    assert "¥1,220,000" in text and "96.3%" in text
    assert "1 / 2" in text  # reps on target: R001 (110%) of R001, R002
    assert "+32" in text  # NPS of the customer survey


# --------------------------------------------------------------- payslip
def _lines(*rows):
    cols = ["line_no", "line_type", "tier", "n_orders", "base_amount", "rate", "amount_cents"]
    return pd.DataFrame(rows, columns=cols)


def test_payslip_groups_lines_with_subtotals_and_the_total_of_the_cents():
    lines = _lines(
        (1, "commission", "1: 0% – 80%", 10, 100_000.0, 0.03, 300_000),  # 100,000 × 3% = 3,000.00
        (2, "accelerator", "3: 100% – 150%", 10, 20_000.0, 0.06, 120_000),  # 20,000 × 6% = 1,200.00
        (3, "spiff", "software_push", 4, 9_000.0, 200.0, 80_000),  # 4 × 200 = 800.00
        (4, "clawback", "", 1, -1_000.0, 0.03, -3_000),  # -30.00
        (5, "clawback", "", 1, -500.0, 0.03, -1_501),  # -15.01
        (6, "rounding", "", 0, float("nan"), float("nan"), 1),  # 0.01
    )
    slip = payslip_lines(lines, "zh", {"software_push": "软件季末推广"})
    amounts = dict(zip(slip["item"], slip["cents"], strict=True))
    assert amounts["提成小计"] == 420_000  # 3,000.00 + 1,200.00
    assert amounts["专项奖励：软件季末推广"] == 80_000
    assert amounts["提成追回（2 笔退款）"] == -4_501  # the two clawbacks as one line
    assert amounts["本期应得"] == 495_499  # 420,000 + 80,000 - 4,501
    assert slip["kind"].iloc[-1] == "total" and slip["item"].iloc[-1] == "实发合计"
    assert slip["cents"].iloc[-1] == 495_500 == int(lines["amount_cents"].sum())  # + 1 rounding
    assert slip["amount"].iloc[-1] == pytest.approx(4_955.00)
    rates = slip.set_index("item")["rate"]
    assert rates["提成"] == "3.0%" and rates["加速提成"] == "6.0%"
    assert not any(re.search(r"[a-z]+_[a-z]+", str(v)) for v in slip.drop(columns="cents").to_numpy().ravel())


@given(st.lists(st.integers(min_value=-(10**9), max_value=10**9), min_size=1, max_size=30))
def test_payslip_total_is_always_the_sum_of_the_line_cents(cents):
    kinds = ["commission", "spiff", "clawback", "cap", "draw_topup", "rounding", "new_kind"]
    lines = _lines(*[(i, kinds[i % len(kinds)], "", 1, 1.0, 0.01, c) for i, c in enumerate(cents)])
    slip = payslip_lines(lines, "en")
    assert int(slip["cents"].iloc[-1]) == sum(cents)  # a line type added later still counts
    assert (slip["kind"] == "total").sum() == 1


def test_plan_version_is_the_plan_files_fingerprint(outputs):
    bundle = open_bundle("2026-10", outputs)
    assert plan_version(bundle) == ""  # bundle_factory's manifest records no parameter files
    manifest = json.loads((bundle.path / "manifest.json").read_text())
    manifest["parameter_files"] = [{"name": "incentive_plan.yaml", "sha256": "021c5e973b48" + "0" * 52}]
    (bundle.path / "manifest.json").write_text(json.dumps(manifest))
    assert plan_version(open_bundle("2026-10", outputs)) == "021c5e97"


# --------------------------------------------------------- training & rules
def _training_bundle(tmp_path, coverage, violations=None):
    from bundle_factory import make_bundle

    folder = make_bundle(tmp_path, previous=None, with_surveys=False)
    pd.DataFrame(coverage).to_parquet(folder / "tables" / "training_coverage.parquet")
    if violations is not None:
        pd.DataFrame(violations).to_parquet(folder / "tables" / "rules_violations.parquet")
    return open_bundle("2026-10", tmp_path)


def test_first_action_names_the_largest_training_gap(tmp_path):
    bundle = _training_bundle(
        tmp_path,
        {
            "period": ["2026-10"] * 3,
            "level": ["category"] * 3,
            "key": ["product", "sales_skills", "customer_service"],
            "reps": [56, 56, 56],
            "reps_trained": [56, 11, 40],
            "trained_share": [1.0, 11 / 56, 40 / 56],  # 20% and 71%: both below 80%, skills first
        },
    )
    assert (
        first_action(bundle, "zh") == "首要行动：安排「销售技巧」培训——56 名销售中仅 11 人近期受训（20%）。"
    )
    assert "Selling skills" in first_action(bundle, "en")


def test_first_action_falls_back_to_the_rule_broken_most(tmp_path):
    bundle = _training_bundle(
        tmp_path,
        {"period": ["2026-10"], "level": ["category"], "key": ["product"], "reps": [5], "reps_trained": [5],
         "trained_share": [1.0]},
        {"period": ["2026-10"] * 3, "rule": ["late_response", "late_response", "quiet_hours"]},
    )  # fmt: skip
    assert (
        first_action(bundle, "zh")
        == "首要行动：本月最常违反的群规是「客户提问回复超时」（2 次），请在群内重申。"
    )
