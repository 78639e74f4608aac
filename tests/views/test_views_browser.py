"""The manager views in a real browser: headless Chromium (Debian's) driven by Playwright.

Marked slow and browser. Without Chromium the tests skip, except where
SALES_ANALYTICS_REQUIRE_BROWSER is set (CI), where a missing browser fails.
``SALES_ANALYTICS_SCREENSHOTS=<dir>`` saves full-page screenshots of the home page and
each view in Chinese at 1400 px and 375 px, and of one HTML report page (the
README's and docs/views.md's pictures come from there).
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browsing import CLOSE_GRACE_S, chromium, kernel_message, require_browser, wait_kernel_shutdown

pytestmark = [pytest.mark.slow, pytest.mark.browser]

TOKEN = "browser-test-token"
VIEWS = ("home", "overview", "leaderboard", "rep_scorecard", "customers", "voice", "training_rules")


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """Bundles a real monthly run published from the small sample: 2026-10 complete, 2026-09 KPIs only."""
    from sales_analytics.run import run_period

    require_browser()
    outputs = tmp_path_factory.mktemp("outputs")
    data = os.environ["SALES_ANALYTICS_DATA"]  # the small sample the root conftest generated
    run_period("2026-09", data=data, notebooks=["02"], outputs=outputs, jobs=1)
    run_period("2026-10", data=data, outputs=outputs, jobs=2)
    return outputs


@pytest.fixture(scope="module")
def server(published, tmp_path_factory):
    from sales_analytics.serve import ViewsServer

    require_browser()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with ViewsServer.start(outputs=published, token=TOKEN, log=log) as running:
        assert set(running.views) == set(VIEWS)  # every view is tested
        try:
            running.wait_ready(timeout=300)  # every page is drawn first: slow on a busy machine
        except RuntimeError as exc:
            pytest.fail(str(exc))
        yield running


@pytest.fixture(scope="module")
def browser(server):
    with chromium() as b:
        yield b


def _open(browser, server, view: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server.url(view), timeout=90_000)  # a loaded machine can take longer than 30 s
    page.wait_for_selector(".sa-live .sa-title", timeout=90_000)
    return page


@pytest.mark.parametrize("view", VIEWS)
def test_view_renders_without_errors_or_code(browser, server, view):
    page = _open(browser, server, view)
    body = page.inner_text("body")
    assert "Traceback" not in body and "Error" not in body
    assert "import sales_analytics" not in page.content()  # sources stripped
    assert page.locator(".jp-InputArea, .jp-CodeMirrorEditor").count() == 0
    assert page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    page.close()


# --------------------------------------------------- issue 18: the views as a finished product
# snake_case tokens a page may show: statistical notation, and ids (chat group ids are ids)
ALLOWED_SNAKE = {"d_z"}
ALLOWED_SNAKE_PATTERNS = (re.compile(r"grp_[a-z0-9_]+"),)
SNAKE = re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w.-])")
# English chrome that must not appear on a Chinese page (table controls, selectors, headings)
ENGLISH_CHROME = ("Search", "entries", "Showing", "Previous", "Next", "Month", "Published", "Overview",
                  "Leaderboard", "Total payout", "Subtotal", "Home")  # fmt: skip
LOOPBACK = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/")
# elements reaching past the right edge of the viewport, outside a box that scrolls on its own
_OVERFLOW = """() => { const W = document.documentElement.clientWidth; const out = [];
  for (const e of document.querySelectorAll('.sa-live *')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= W + 1 || e.closest('.sa-box')) continue;
    out.push(`${e.tagName}.${e.className} right=${Math.round(r.right)}`);
  }
  return out.slice(0, 5); }"""


def snake_tokens(text: str) -> set[str]:
    """snake_case tokens of ``text`` that are not allowed on a page."""
    return {
        t
        for t in SNAKE.findall(text)
        if t not in ALLOWED_SNAKE and not any(p.fullmatch(t) for p in ALLOWED_SNAKE_PATTERNS)
    }


def test_snake_case_check_finds_raw_keys_only():
    # the check itself: keys are found, ids and file names and ordinary words are not
    assert snake_tokens("销售冠军 top_seller · at_risk 客户") == {"top_seller", "at_risk"}
    assert snake_tokens("grp_T01 grp_service report.xlsx d_z 2026-10 Off-Track") == set()


def _guarded_page(browser, width: int):
    """A page whose requests to any host but this machine are refused and recorded."""
    page = browser.new_page(viewport={"width": width, "height": 812 if width < 600 else 900})
    outside: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(("data:", "blob:", "about:")) or LOOPBACK.match(url):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", guard)
    return page, outside


def _live(page, url: str):
    page.goto(url, timeout=90_000)
    page.wait_for_selector(".sa-live .sa-title", timeout=90_000)
    page.wait_for_function("() => document.querySelectorAll('.sa-static').length === 0", timeout=30_000)
    page.wait_for_timeout(300)


def _screenshot(page, name: str) -> None:
    """Save the whole page as ``<name>.png`` where SALES_ANALYTICS_SCREENSHOTS names a folder (the
    Chinese pages: docs/screenshots and the README show them)."""
    if not os.environ.get("SALES_ANALYTICS_SCREENSHOTS") or ".en." in name:
        return
    folder = Path(os.environ["SALES_ANALYTICS_SCREENSHOTS"])
    folder.mkdir(parents=True, exist_ok=True)
    # the page scrolls inside Voila's panel, not the document: grow the viewport to the content
    tall = page.evaluate(
        "() => Math.max(...Array.from(document.querySelectorAll('*')).map(e => e.scrollHeight))"
    )
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": min(int(tall) + 40, 6000)})
    page.wait_for_timeout(400)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("view", VIEWS)
def test_every_page_reads_as_a_finished_product(browser, server, view, language):
    """At 1400 px and at phone width (375 × 812): no error, no raw key, nothing of the other
    language's chrome, every navigation link carrying the month and language, no request leaving
    the machine, and nothing wider than the phone's screen outside a table's own scroll box."""
    page, outside = _guarded_page(browser, 1400)
    _live(page, f"{server.base}/voila/render/{view}.ipynb?period=2026-10&language={language}&token={TOKEN}")
    text = page.inner_text(".sa-live")
    assert "Traceback" not in text and "could not be shown" not in text and "暂时无法显示" not in text
    assert page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    assert not snake_tokens(text), sorted(snake_tokens(text))[:10]
    if language == "zh":
        found = [w for w in ENGLISH_CHROME if re.search(rf"\b{w}\b", text)]
        assert not found, found
    else:
        chrome = page.inner_text(".sa-live .sa-nav") + page.inner_text(".sa-live .sa-title")
        assert not re.search(r"[\u4e00-\u9fff]", chrome), chrome  # nav, title: no Chinese
    hrefs = page.eval_on_selector_all(".sa-live .sa-nav a", "els => els.map(e => e.getAttribute('href'))")
    assert len(hrefs) == len(VIEWS)
    assert all("period=2026-10" in h and f"language={language}" in h for h in hrefs), hrefs
    assert "period=2026-10" in page.url and f"language={language}" in page.url  # the address says it
    assert not page.evaluate(_OVERFLOW)
    _screenshot(page, f"{view}.{language}.1400")
    page.set_viewport_size({"width": 375, "height": 812})
    page.wait_for_timeout(400)
    assert not page.evaluate(_OVERFLOW), page.evaluate(_OVERFLOW)
    _screenshot(page, f"{view}.{language}.375")
    assert not outside, f"a request left the machine: {outside[0]}"
    page.close()


def test_statement_total_equals_the_engines_payout(browser, server, published):
    """The payslip's total is the commission engine's payout to the cent, for every rep shown."""
    import pandas as pd

    summary = pd.read_parquet(published / "2026-10" / "tables" / "incentive_commission_summary.parquet")
    payout = {
        str(r.rep_id): int(r.payout_cents) for r in summary[summary["period"] == "2026-10"].itertuples()
    }
    page, _ = _guarded_page(browser, 1400)
    _live(page, f"{server.base}/voila/render/rep_scorecard.ipynb?period=2026-10&language=zh&token={TOKEN}")
    picker = page.locator(".sa-live select").nth(1)  # after the month
    # the options read "name (rep id)" (the widget's DOM values are its labels)
    options = picker.evaluate("s => Array.from(s.options).map(o => o.textContent)")
    reps = {re.search(r"\(([^()]+)\)$", o).group(1): o for o in options}
    assert set(reps) & set(payout)
    checked = 0
    for rep, option in list(reps.items())[:3]:
        picker.select_option(label=option)
        page.wait_for_function(
            "(r) => (document.querySelector('.sa-live .sa-slip-head') || {innerText: ''}).innerText"
            ".includes('（' + r + '）')",
            arg=rep,
            timeout=30_000,
        )
        if rep not in payout:
            continue
        total = page.locator(".sa-live tr.sa-total td").last.inner_text()
        cents = round(float(total.replace(",", "")) * 100)
        assert cents == payout[rep], (rep, total, payout[rep])
        checked += 1
    assert checked >= 1
    page.close()


def test_links_keep_the_month_and_language_through_navigation_and_reload(browser, server):
    page, outside = _guarded_page(browser, 1400)
    page.goto(f"{server.base}/?token={TOKEN}", timeout=90_000)  # `/` is the home page, not a list of files
    page.wait_for_selector(".sa-live a.sa-card", timeout=90_000)
    assert "/voila/render/home.ipynb" in page.url
    assert page.locator(".sa-live a.sa-card").count() == 6
    # a deep link to another month and language than the defaults (a page drawn on request)
    _live(page, f"{server.base}/voila/render/home.ipynb?period=2026-09&language=en")
    assert "Overview" in page.inner_text(".sa-nav")
    page.locator(".sa-live a.sa-card").filter(has_text="Customers").click()
    page.wait_for_url("**/customers.ipynb?*", timeout=30_000)
    page.wait_for_selector(".sa-live .sa-title", timeout=90_000)
    assert "period=2026-09" in page.url and "language=en" in page.url
    assert page.locator(".sa-live select").first.input_value() == "2026-09"
    assert "Customers" in page.inner_text(".sa-live .sa-title")
    # switching the language in place changes the address, and a reload keeps it
    page.get_by_role("button", name="中文").click()
    page.wait_for_function("() => location.search.includes('language=zh')", timeout=30_000)
    page.reload()
    page.wait_for_selector(".sa-live .sa-title", timeout=90_000)
    assert "客户分析" in page.inner_text(".sa-live .sa-title")
    assert page.locator(".sa-live select").first.input_value() == "2026-09"
    # the navigation bar carries both on to the next view
    page.locator(".sa-live .sa-nav a").filter(has_text="排行榜").click()
    page.wait_for_url("**/leaderboard.ipynb?*", timeout=30_000)
    assert "period=2026-09" in page.url and "language=zh" in page.url
    assert not outside, f"a request left the machine: {outside[0]}"
    page.close()


def test_icons_and_fonts_are_served_by_the_views_server(server):
    """Font Awesome (which Voila's page links from a public CDN) comes from this server."""
    with urllib.request.urlopen(server.url("home"), timeout=60) as resp:
        sent = resp.read().decode()
    assert "cdn.jsdelivr.net" not in sent and "fontawesome" in sent
    css = re.search(r'href="([^"]*fontawesome[^"]*all\.min\.css)"', sent).group(1)
    with urllib.request.urlopen(f"{server.base}{css}", timeout=30) as resp:
        assert resp.status == 200 and b"@font-face" in resp.read()


def test_first_screen_is_in_the_page_and_gives_way_to_the_live_view(browser, server):
    """The server's HTML already holds the view's first screen (cards, charts), so it shows before
    any script has run; once the widgets are up it is gone and each view is on the page once."""
    with urllib.request.urlopen(server.url("overview"), timeout=60) as resp:
        sent = resp.read().decode()
    static = sent[sent.index('class="sa-static"') :]
    assert 'class="sa-cards"' in static and 'class="sa-chart"' in static
    page = _open(browser, server, "overview")
    page.wait_for_function("() => document.querySelectorAll('.sa-static').length === 0", timeout=30_000)
    assert page.locator(".sa-title").count() == 1
    page.close()


def test_period_selector_switches_content(browser, server):
    page = _open(browser, server, "overview")
    page.wait_for_selector("img.sa-chart")
    before = page.inner_text(".sa-cards")
    page.select_option("select", "2026-09")
    page.wait_for_function(
        "(b) => document.querySelector('.sa-cards').innerText !== b", arg=before, timeout=30_000
    )
    page.close()


def test_language_switch_changes_labels(browser, server):
    page = _open(browser, server, "overview")
    assert "营收" in page.inner_text(".sa-cards")
    page.get_by_role("button", name="English").click()
    page.wait_for_function(
        "() => document.querySelector('.sa-cards').innerText.includes('Revenue')", timeout=30_000
    )
    assert "营收" not in page.inner_text(".sa-cards")
    page.close()


def test_chinese_glyphs_render(browser, server):
    """A CJK character must draw differently from a code point no font has (the 'tofu' box)."""
    page = _open(browser, server, "overview")
    differs = page.evaluate(
        """() => {
            const draw = (ch) => { const c = document.createElement('canvas'); c.width = 40; c.height = 40;
              const x = c.getContext('2d'); x.font = getComputedStyle(document.querySelector('.sa-title')).fontSize
              + ' ' + getComputedStyle(document.querySelector('.sa-title')).fontFamily;
              x.fillText(ch, 2, 30); return Array.from(x.getImageData(0, 0, 40, 40).data).join(','); };
            const tofu = draw('\\u{10FFFD}');
            return ['总', '营', '收', '绩'].map((ch) => draw(ch) !== tofu && draw(ch) !== draw(' '));
        }"""
    )
    assert all(differs), differs
    page.close()


def test_team_survey_view_hides_a_small_team(browser, server):
    """The sample's 华南一组 has 4 reps: below the anonymity threshold of 5 in the team pulse survey.

    A hidden group leaves no row at all (docs/surveys.md, publication rule across bundles): not even
    its name, so neither a label nor an invited count can give it away.
    """
    page = _open(browser, server, "voice")
    pulse = page.locator("tr", has_text="团队内部反馈调查")  # team_pulse rows
    assert pulse.count() > 0  # the larger teams are shown
    assert pulse.filter(has_text="华南一组").count() == 0
    page.close()


def test_a_bundle_without_a_section_says_so(browser, server):
    page = _open(browser, server, "customers")
    page.select_option("select", "2026-09")  # that run published the KPI tables only
    page.wait_for_function("() => document.body.innerText.includes('本期报告不含')", timeout=30_000)
    page.close()


def test_without_token_the_server_refuses(server):
    req = urllib.request.Request(f"{server.base}/voila/render/overview.ipynb")
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(req, timeout=10)
    assert info.value.code in (302, 401, 403)
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(f"{server.base}/api/kernels", timeout=10)
    assert info.value.code in (302, 401, 403, 404)  # 404: Voila does not expose the kernels API at all


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_kernel_websocket_does_not_execute_code(browser, server, tmp_path):
    """An execute_request sent over the view's kernel websocket must not run."""

    from websocket import create_connection

    page = _open(browser, server, "overview")
    kernel_id = page.evaluate(
        "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )
    page_url = server.base.replace("http", "ws")
    marker = tmp_path / "executed.txt"
    ws = create_connection(f"{page_url}/api/kernels/{kernel_id}/channels?token={TOKEN}", timeout=10)

    ws.send(
        kernel_message(
            "execute_request",
            {
                "code": f"open({str(marker)!r}, 'w').write('ran')",
                "silent": False,
                "store_history": False,
                "user_expressions": {},
                "allow_stdin": False,
            },
        )
    )
    ws.send(kernel_message("kernel_info_request", {}))
    replies = []
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            msg = json.loads(ws.recv())
        except Exception:
            break
        replies.append(msg["header"]["msg_type"])
        if msg["header"]["msg_type"] == "kernel_info_reply":
            break
    ws.close()
    time.sleep(1)
    assert "kernel_info_reply" in replies  # the channel works: allowed messages are answered
    assert "execute_reply" not in replies
    assert not marker.exists()
    page.close()


CONFIG_KERNEL = "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"


@pytest.mark.parametrize("moment", ["loaded", "scripts loading", "page being written"])
def test_closing_a_tab_shuts_its_kernel_down(browser, server, moment):
    """A closed tab's kernel stops within seconds, whenever the tab closes:

    - loaded: Voila's close-tab shutdown request passes the XSRF check (the cookie is set);
    - while Voila's scripts load (held here: its widget manager, which sends that request, never
      comes up): the page's presence socket closes and the server shuts the kernel down
      ``close_grace`` seconds later;
    - while the server still writes the page (a page drawn on request: English is not the
      preheated language): the abandoned request lets the kernel go.
    Before, the last two kept their kernel until the idle cull (minutes)."""
    # a page of its own context: a page from ``browser.new_page()`` closes its context with it,
    # before the page's shutdown request leaves
    context = browser.new_context()
    page = context.new_page()
    url = server.url("leaderboard")
    if moment == "loaded":
        page.goto(url, timeout=90_000)
        page.wait_for_selector(".sa-live .sa-title", timeout=90_000)  # the widgets are up
        page.wait_for_load_state("networkidle", timeout=60_000)
        assert any(c["name"] == "_xsrf" for c in page.context.cookies())
    elif moment == "scripts loading":
        page.route("**/voila/labextensions/**", lambda route: None)  # never answered: still loading
        page.goto(url, wait_until="commit", timeout=90_000)
        page.wait_for_function("() => document.getElementById('jupyter-config-data')", timeout=60_000)
        page.wait_for_selector(".sa-static", timeout=60_000)  # the first screen is shown
        page.wait_for_timeout(1000)
        assert page.locator(".sa-live").count() == 0  # no widget: Voila's scripts are not up
    else:
        page.goto(url + "&language=en", wait_until="commit", timeout=90_000)
        page.wait_for_function("() => document.getElementById('jupyter-config-data')", timeout=60_000)
        assert page.evaluate("() => document.readyState") == "loading"  # the page is still coming
    kernel_id = page.evaluate(CONFIG_KERNEL)
    page.close(run_before_unload=True)
    waited = wait_kernel_shutdown(server, kernel_id, within=CLOSE_GRACE_S + 10)
    log = server.log.read_text(errors="replace")
    assert f"403 POST /voila/api/shutdown/{kernel_id}" not in log
    if moment != "loaded":  # the server's own timer, not a request of the page
        assert waited >= CLOSE_GRACE_S - 1
        assert f"Kernel {kernel_id}: no page connected for {CLOSE_GRACE_S} s" in log
    context.close()


def test_an_open_tab_keeps_its_kernel(browser, server):
    """An open tab's kernel outlives the close grace: its presence and kernel sockets hold it."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url("overview"), timeout=90_000)
    page.wait_for_selector(".sa-live .sa-title", timeout=90_000)
    kernel_id = page.evaluate(CONFIG_KERNEL)
    page.wait_for_timeout((CLOSE_GRACE_S + 3) * 1000)
    assert f"Kernel shutdown: {kernel_id}" not in server.log.read_text(errors="replace")
    page.close(run_before_unload=True)
    wait_kernel_shutdown(server, kernel_id, within=CLOSE_GRACE_S + 10)
    context.close()


def test_report_page_opens_offline(browser, published):
    """An HTML report of the bundle is a static file: it opens from disk with no request to any
    host and no script."""
    report = published / "2026-10" / "html" / "02_sales_performance.html"
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    assert page.locator("table").count() > 0
    assert not requests, requests[:3]
    _screenshot(page, "report_02_sales_performance")
    page.close()
