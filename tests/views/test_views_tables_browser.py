"""Issue 18, interactive tables in Chromium: the views' tables sort (numerically, by the raw value),
search and page through the template's own script (sa-views/static/tables.js), with controls in
the page's language, inside the page's Content-Security-Policy, at 1400 px and at 375 px; the
first screen (no script) still shows the whole table.

Marked slow and browser: one server on the hand-made bundle whose newest month has a 60-rep
revenue board, one rep named with the stored-XSS payload (tests/views/xss.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest
from browsing import chromium, require_browser
from test_views_browser import _OVERFLOW, ENGLISH_CHROME, LOOPBACK
from test_views_xss import _WATCH
from xss import PAYLOAD

pytestmark = [pytest.mark.slow, pytest.mark.browser]

TOKEN = "tables-browser-token"
REPS = 60
HOSTILE = 7  # the row whose rep name carries the payload
VALUE = 5  # the board's value column (rank, rank change, name, team, value, tied), 1-based


def _board() -> pd.DataFrame:
    """60 reps on the revenue board, ranked by value: 60,500 for rank 1 down to 1,500 for rank 60
    (value = (61 − rank) × 1,000 + 500). As text, "9,500.00" sorts after "10,500.00"."""
    ranks = list(range(1, REPS + 1))
    names = [f"销售{r:02d}" for r in ranks]
    names[HOSTILE - 1] = f"销售{HOSTILE:02d}{PAYLOAD}"
    return pd.DataFrame(
        {
            "period": ["2026-10"] * REPS,
            "board": ["revenue"] * REPS,
            "rank": ranks,
            "rank_change": [0] * REPS,
            "rep_id": [f"R{r:03d}" for r in ranks],
            "rep_name": names,
            "team": ["华东一组" if r % 2 else "华南一组" for r in ranks],
            "value": [(61 - r) * 1_000.0 + 500 for r in ranks],
            "tied": [False] * REPS,
        }
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from bundle_factory import make_bundle

    from sales_analytics.serve import ViewsServer

    require_browser()
    outputs = tmp_path_factory.mktemp("outputs")
    make_bundle(outputs)
    _board().to_parquet(outputs / "2026-10" / "tables" / "incentive_leaderboard_rep.parquet")
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with ViewsServer.start(outputs=outputs, token=TOKEN, log=log) as running:
        running.wait_ready(timeout=180)
        yield running


@pytest.fixture(scope="module")
def browser(server):
    with chromium() as b:
        yield b


class Watched:
    """A page whose requests to another host are refused and recorded, with its console errors,
    uncaught exceptions and policy violations."""

    def __init__(self, browser, width: int) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 812 if width < 600 else 900})
        self.context.add_init_script(_WATCH)
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._guard)

    def _guard(self, route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:", "about:")) or LOOPBACK.match(url):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, server, language: str):
        self.page.goto(
            f"{server.base}/voila/render/leaderboard.ipynb?period=2026-10&language={language}&token={TOKEN}",
            timeout=90_000,
        )
        self.page.wait_for_selector(".sa-live .sa-itable[data-sa-ready] .sa-itable-pager", timeout=90_000)
        self.page.wait_for_function("() => document.querySelectorAll('.sa-static').length === 0")
        return self.page.locator(".sa-live .sa-itable[data-sa-ready]").first

    def check_clean(self) -> None:
        """Nothing left the machine, nothing failed, nothing the policy had to stop, no payload ran."""
        assert not self.outside, f"a request left the machine: {self.outside[0]}"
        assert self.page.evaluate("() => window.__xss") is None
        assert self.page.evaluate("() => window.__violations") == []
        assert not self.errors, self.errors[:5]
        self.context.close()


def _screenshot(box, name: str) -> None:
    """The table with its controls as ``<name>.png`` where SALES_ANALYTICS_SCREENSHOTS names a folder."""
    if os.environ.get("SALES_ANALYTICS_SCREENSHOTS"):
        folder = Path(os.environ["SALES_ANALYTICS_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        box.screenshot(path=str(folder / f"{name}.png"))


def _values(box) -> list[float]:
    return [float(v) for v in box.locator(f"tbody tr td:nth-child({VALUE})").evaluate_all(
        "cells => cells.map(c => c.dataset.sort)")]  # fmt: skip


def _info(box) -> str:
    return box.locator(".sa-info").inner_text()


def test_sorting_a_column_orders_it_by_value_and_a_second_click_reverses_it(browser, server):
    w = Watched(browser, 1400)
    box = w.open(server, "zh")
    # as delivered: by rank, so the value falls from 60,500
    assert _values(box)[:3] == [60_500.0, 59_500.0, 58_500.0]
    header = box.locator(f"thead th:nth-child({VALUE})")
    header.locator("button.sa-sort").click()
    shown = _values(box)
    # ascending from the smallest of all 60 rows: 1,500, 2,500 … 25,500 on the first page
    assert shown == [1_000.0 * k + 500 for k in range(1, 26)]
    assert header.get_attribute("aria-sort") == "ascending"
    texts = box.locator(f"tbody tr td:nth-child({VALUE})").all_inner_texts()
    assert texts[:2] == ["1,500.00", "2,500.00"]
    assert sorted(texts) != texts  # sorting the text would have put "10,500.00" before "2,500.00"
    header.locator("button.sa-sort").click()
    assert _values(box)[:2] == [60_500.0, 59_500.0] and header.get_attribute("aria-sort") == "descending"
    # a text column sorts by its text (the names 销售01 … 销售60)
    box.locator("thead th:nth-child(3) button.sa-sort").click()
    names = box.locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert names[0] == "销售01" and names[:3] == sorted(names[:3])
    w.check_clean()


def test_search_keeps_the_matching_rows_and_says_how_many(browser, server):
    w = Watched(browser, 1400)
    box = w.open(server, "zh")
    search = box.locator("input.sa-search")
    search.fill("销售4")  # 销售40 … 销售49
    assert box.locator("tbody tr").count() == 10
    assert _info(box) == "第 1–10 行，共 10 行（从 60 行中筛选）"
    search.fill("no such rep")
    assert box.locator("tbody tr").count() == 0 and _info(box) == "没有符合的行（从 60 行中筛选）"
    search.fill("onerror")  # the payload is text: found as text, never run
    rows = box.locator("tbody tr")
    assert rows.count() == 1 and PAYLOAD[:20] in rows.first.inner_text()
    search.fill("")
    assert box.locator("tbody tr").count() == 25 and _info(box) == "第 1–25 行，共 60 行"
    w.check_clean()


def test_pages_move_forward_and_back_and_the_page_size_changes(browser, server):
    w = Watched(browser, 1400)
    box = w.open(server, "en")
    previous, following = box.locator("button.sa-previous"), box.locator("button.sa-next")
    assert previous.is_disabled() and _info(box) == "Rows 1–25 of 60"
    following.click()
    # ranks 26 … 50: values (61 − 26) × 1,000 + 500 = 35,500 down to 11,500
    assert _info(box) == "Rows 26–50 of 60" and _values(box)[0] == 35_500.0 and _values(box)[-1] == 11_500.0
    following.click()
    assert _info(box) == "Rows 51–60 of 60" and box.locator("tbody tr").count() == 10
    assert following.is_disabled()
    previous.click()
    assert _info(box) == "Rows 26–50 of 60"
    box.locator("select.sa-page-size").select_option("100")
    assert box.locator("tbody tr").count() == 60 and _info(box) == "Rows 1–60 of 60"
    assert previous.is_disabled() and following.is_disabled()
    w.check_clean()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_controls_speak_the_pages_language(browser, server, language):
    w = Watched(browser, 1400)
    box = w.open(server, language)
    controls = {
        "search": box.locator("input.sa-search").get_attribute("placeholder"),
        "previous": box.locator("button.sa-previous").inner_text(),
        "next": box.locator("button.sa-next").inner_text(),
        "size": box.locator("select.sa-page-size option:checked").inner_text(),
        "info": _info(box),
        "sort": box.locator("thead th button.sa-sort").first.get_attribute("title"),
    }
    expected = {
        "zh": {"search": "搜索表格", "previous": "上一页", "next": "下一页", "size": "每页 25 行",
               "info": "第 1–25 行，共 60 行", "sort": "点击排序（再点一次反向）"},
        "en": {"search": "Search the table", "previous": "Previous page", "next": "Next page",
               "size": "25 per page", "info": "Rows 1–25 of 60", "sort": "Sort (click again to reverse)"},
    }  # fmt: skip
    assert controls == expected[language]
    _screenshot(box, f"table.{language}.1400")
    if language == "zh":  # no English chrome anywhere on the Chinese page
        text = w.page.inner_text(".sa-live")
        found = [word for word in ENGLISH_CHROME if re.search(rf"\b{word}\b", text)]
        assert not found, found
    w.check_clean()


def test_at_phone_width_the_table_scrolls_in_its_box_and_the_page_does_not(browser, server):
    w = Watched(browser, 375)
    box = w.open(server, "zh")
    assert w.page.evaluate(_OVERFLOW) == []  # the search box and pager included
    scroller = box.locator(".sa-box")
    assert scroller.evaluate("b => b.scrollWidth > b.clientWidth")  # the table is wider: it scrolls
    assert scroller.evaluate("b => b.getBoundingClientRect().right") <= 375
    # names stay on one line (a Chinese name never wraps per character)
    heights = box.locator("tbody tr td:nth-child(3)").evaluate_all("cs => cs.map(c => c.clientHeight)")
    assert max(heights) < 2 * min(heights)
    _screenshot(box, "table.zh.375")
    box.locator("button.sa-next").click()  # the controls work at this width too
    assert _info(box) == "第 26–50 行，共 60 行"
    w.check_clean()


def test_the_first_screen_without_script_shows_every_row(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.first_screen_url("leaderboard", period="2026-10", language="zh"))
    page.wait_for_selector(".sa-itable table", timeout=30_000)
    assert page.evaluate("() => document.scripts.length") == 0
    assert page.locator(".sa-itable").first.locator("tbody tr").count() == REPS  # no paging, no loss
    assert page.locator(".sa-itable-pager, input.sa-search").count() == 0
    assert page.evaluate("() => window.__xss") is None
    context.close()
