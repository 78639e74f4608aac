"""Stored XSS, end to end in Chromium: a payload in the names and free text of the small sample's
inputs goes through a real monthly run; then every text column of the published bundle gets it
too. Every view (with every choice a manager can click) and every HTML report must show the
payload as text and never run it: each part of the payload would set ``window.__xss``.

Marked slow and browser (a run of the sample, about 90 s, and a server).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browsing import chromium, require_browser
from test_views_browser import VIEWS
from xss import MARK, poison_bundle, poison_inputs

pytestmark = [pytest.mark.slow, pytest.mark.browser]

TOKEN = "xss-test-token"
PERIOD = "2026-10"
# views whose tables carry names or free text in the sample (the overview shows cards, charts
# and counts only)
NAMED_VIEWS = ("leaderboard", "rep_scorecard", "customers", "voice", "training_rules")


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory) -> Path:
    from sales_analytics.run import run_period

    require_browser()
    data = poison_inputs(Path(os.environ["SALES_ANALYTICS_DATA"]), tmp_path_factory.mktemp("in") / "data")
    outputs = tmp_path_factory.mktemp("outputs")
    result = run_period(PERIOD, data=str(data), outputs=outputs, jobs=2)
    assert result.status == "ok", result
    assert poison_bundle(outputs / PERIOD) >= 40  # the rest of the bundle's text columns
    return outputs


@pytest.fixture(scope="module")
def server(poisoned, tmp_path_factory):
    from sales_analytics.serve import ViewsServer

    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with ViewsServer.start(outputs=poisoned, token=TOKEN, log=log) as running:
        running.wait_ready(timeout=300)  # every page is drawn first: 97 s seen on a busy machine
        yield running


@pytest.fixture(scope="module")
def browser(poisoned):
    with chromium() as b:
        yield b


_WATCH = """window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));"""


def _click_everything(page) -> int:
    """Every option of every select and every toggle button (language, boards, reps …)."""
    clicks = 0
    for i in range(page.locator("select").count()):
        select = page.locator("select").nth(i)
        for value in select.locator("option").evaluate_all("(os) => os.map((o) => o.value)")[:6]:
            select.select_option(value)
            page.wait_for_timeout(150)
            clicks += 1
    buttons = page.locator(".widget-toggle-buttons button")
    for i in range(min(buttons.count(), 12)):
        buttons.nth(i).click()
        page.wait_for_timeout(150)
        clicks += 1
    return clicks


@pytest.mark.parametrize("view", VIEWS)
def test_payload_in_every_text_column_never_runs_in_a_view(browser, server, view):
    context = browser.new_context()
    context.add_init_script(_WATCH)
    page = context.new_page()
    page.goto(server.url(view))
    page.wait_for_selector(".sa-live .sa-title", timeout=90_000)
    page.wait_for_timeout(1000)
    assert _click_everything(page) >= 2  # at least the two languages
    page.wait_for_timeout(1000)
    assert page.evaluate("() => window.__xss") is None
    if view in NAMED_VIEWS:
        assert MARK in page.inner_text("body")  # the payload reached the view, shown as text
    context.close()


def test_the_page_policy_stops_a_handler_that_escaped_escaping(browser, server):
    """The second lock: markup with an inline handler put straight into the page (as a value that
    was not escaped would be) does not run; the browser reports the policy violation."""
    context = browser.new_context()
    context.add_init_script(_WATCH)
    page = context.new_page()
    page.goto(server.url("overview"))
    page.wait_for_selector(".sa-live .sa-title", timeout=90_000)
    page.evaluate(
        """() => { const d = document.createElement('div');
          d.innerHTML = '<img src=x onerror="window.__xss=\\'unescaped\\'">';
          document.body.appendChild(d); }"""
    )
    page.wait_for_timeout(1000)
    assert page.evaluate("() => window.__xss") is None
    violated = page.evaluate("() => window.__violations")
    assert any(d.startswith("script-src") for d in violated), violated
    context.close()


def test_payload_never_runs_in_a_report(browser, poisoned):
    reports = sorted((poisoned / PERIOD / "html").glob("*.html"))
    assert len(reports) >= 7
    shown = 0
    for report in reports:
        context = browser.new_context()
        page = context.new_page()
        page.goto(report.as_uri())
        page.wait_for_timeout(500)
        assert page.evaluate("() => window.__xss") is None, report.name
        shown += MARK in page.inner_text("body")
        context.close()
    assert shown >= 5  # names and free text reached the reports, as text
