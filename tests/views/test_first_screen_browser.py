"""The first screen in Chromium: shown without any script, its month, language and choice controls
work, its "live view" link opens the Voila view (a kernel, widgets) on the same month and language,
where a widget still works; a payload in every text column never runs.

Marked slow and browser: one server on the hand-made bundle, poisoned in every text column of its
newest month (tests/views/xss.py).
"""

from __future__ import annotations

import pytest
from browsing import chromium, require_browser
from xss import MARK, poison_bundle

pytestmark = [pytest.mark.slow, pytest.mark.browser]

TOKEN = "first-screen-browser-token"
VIEWS = ("overview", "leaderboard", "rep_scorecard", "customers", "voice", "training_rules")
NAMED_VIEWS = ("rep_scorecard", "customers", "voice")  # those showing names or free text of this bundle
_WATCH = """window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from bundle_factory import make_bundle

    from sales_analytics.serve import ViewsServer

    require_browser()
    outputs = tmp_path_factory.mktemp("outputs")
    make_bundle(outputs)
    assert poison_bundle(outputs / "2026-10") >= 10
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with ViewsServer.start(outputs=outputs, token=TOKEN, log=log) as running:
        running.wait_ready(timeout=120)
        yield running


@pytest.fixture(scope="module")
def browser(server):
    with chromium() as b:
        yield b


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.add_init_script(_WATCH)
    yield ctx
    ctx.close()


def test_first_screen_shows_without_any_script_and_its_controls_work(context, server):
    requested: list[str] = []
    page = context.new_page()
    page.on("request", lambda r: requested.append(r.url))
    page.goto(server.first_screen_url("overview"))
    page.wait_for_selector("img.sa-chart", state="visible", timeout=30_000)
    assert page.evaluate("() => document.scripts.length") == 0
    assert not [u for u in requested if u.endswith(".js") or "/voila/" in u]  # no Voila application
    assert "营收" in page.inner_text(".sa-cards")
    page.get_by_role("link", name="English").click()  # the login cookie carries the token on
    page.wait_for_function("() => document.querySelector('.sa-cards').innerText.includes('Revenue')")
    before = page.inner_text(".sa-cards")
    page.select_option("select[name=period]", "2026-09")
    page.locator("nav button").click()
    page.wait_for_function(
        "(b) => document.querySelector('.sa-cards').innerText !== b", arg=before, timeout=30_000
    )
    assert "period=2026-09" in page.url and "language=en" in page.url and "token" not in page.url
    page.get_by_role("link", name="Rep scorecard").click()  # another view, same month and language
    page.wait_for_selector("select[name=c0]")
    page.select_option("select[name=c0]", "R002")
    page.locator("form.sa-pick button").click()
    page.wait_for_function("() => location.search.includes('c0=R002')")
    assert page.locator("select[name=c0] option[selected]").get_attribute("value") == "R002"
    assert page.evaluate("() => window.__violations") == []


def test_live_view_link_opens_voila_on_the_same_month_and_language_with_working_widgets(context, server):
    page = context.new_page()
    page.goto(server.first_screen_url("overview", period="2026-09", language="en"))
    page.get_by_role("link", name="Live view (widgets)").click()
    page.wait_for_selector(".sa-live .sa-title", timeout=90_000)  # Voila's widgets are up
    assert "/voila/render/overview.ipynb" in page.url
    assert page.locator("select").first.input_value() == "2026-09"  # the kernel read the request
    assert "Revenue" in page.inner_text(".sa-live .sa-cards")
    page.get_by_role("button", name="中文").click()  # a widget: a comm message to the kernel
    page.wait_for_function(
        "() => document.querySelector('.sa-live .sa-cards').innerText.includes('营收')", timeout=30_000
    )


@pytest.mark.parametrize("view", VIEWS)
def test_payload_never_runs_in_a_first_screen(context, server, view):
    """Every view of the poisoned month in both languages, with each choice's options (links and
    the dropdown form): the payload shows as text and never runs."""
    page = context.new_page()
    shown, visited = 0, 0

    def loaded() -> None:  # each page load starts a new window: check it before leaving
        nonlocal visited
        page.wait_for_load_state("load")
        page.wait_for_timeout(100)
        assert page.evaluate("() => window.__xss") is None, page.url
        assert page.evaluate("() => window.__violations") == [], page.url
        visited += 1

    for language in ("zh", "en"):
        page.goto(server.first_screen_url(view, language=language))
        loaded()
        shown += MARK in page.inner_text("body")
        links = page.locator(".sa-pick a").evaluate_all("(as) => as.map((a) => a.href)")[:6]
        for href in links:
            page.goto(href)
            loaded()
        if page.locator("select[name=c0]").count():
            for value in page.locator("select[name=c0] option").evaluate_all(
                "(os) => os.map((o) => o.value)"
            ):
                page.select_option("select[name=c0]", value)
                page.locator("form.sa-pick button").click()
                loaded()
    assert visited >= 2
    if view in NAMED_VIEWS:
        assert shown
