"""The first-screen route of a running `serve`, with plain HTTP GETs (bounded; no crowd here: the
crowd is benchmarks/bench_views.py --viewers 30): every view's first screen arrives without a
kernel being started, carries the page policy and no script, needs the token, refuses values no
snapshot offers, and draws a month published after the server started on its first request.

Marked slow: one server on the hand-made bundle (tests/views/bundle_factory).
"""

from __future__ import annotations

import time

import pytest
from browsing import http_get as _get
from browsing import kernel_processes

pytestmark = pytest.mark.slow

TOKEN = "first-screen-token-Wq3"
VIEWS = ("overview", "leaderboard", "rep_scorecard", "customers", "voice", "training_rules")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from bundle_factory import make_bundle

    from sales_analytics.serve import ViewsServer

    outputs = tmp_path_factory.mktemp("outputs")
    make_bundle(outputs)
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with ViewsServer.start(outputs=outputs, token=TOKEN, log=log) as running:
        running.wait_ready(timeout=120)
        yield running


def _kernels(server) -> set[int]:
    """Pids of the server's live kernel processes."""
    return {p.pid for p in kernel_processes(server)}


def _settled(server, seconds: float = 3.0) -> set[int]:
    """The kernel pids once they have not changed for ``seconds`` (the pools are full)."""
    last, since = _kernels(server), time.monotonic()
    deadline = since + 60
    while time.monotonic() - since < seconds:
        assert time.monotonic() < deadline, "kernels kept changing for a minute"
        time.sleep(0.5)
        now = _kernels(server)
        if now != last:
            last, since = now, time.monotonic()
    return last


def test_every_first_screen_arrives_without_a_kernel(server):
    """Each view in both languages and a choice: 200 with the view's content, the page policy and
    no script, and the server's kernels are the same processes before and after (the preheated
    ones of the six views and the home page: nothing started, nothing taken from a pool)."""
    before = _settled(server)
    assert len(before) == len(VIEWS) + 1
    for view in VIEWS:
        for language in ("zh", "en"):
            status, headers, page = _get(server.first_screen_url(view, language=language))
            assert status == 200, (view, language)
            assert 'class="sa-static"' in page and 'class="sa-title"' in page
            assert "<script" not in page.lower() and "kernelId" not in page
            assert "script-src 'self' 'nonce-" in headers["Content-Security-Policy"]
            assert headers["Server-Timing"].startswith("render;dur=")
    status, _, page = _get(server.first_screen_url("overview"))
    assert 'class="sa-cards"' in page and 'class="sa-chart"' in page  # the first chart is in the page
    status, _, page = _get(server.first_screen_url("rep_scorecard", language="en", c0="R002"))
    assert status == 200 and '<option value="R002" selected>' in page
    time.sleep(2)
    assert _settled(server) == before
    assert TOKEN not in server.log.read_text(errors="replace")


def test_the_first_screen_needs_the_token(server):
    assert _get(f"{server.base}/views/overview")[0] in (302, 401, 403)
    assert _get(f"{server.base}/views/overview?token=wrong-token")[0] in (302, 401, 403)


@pytest.mark.parametrize(
    "args",
    [{"view": "nope"}, {"view": "overview", "language": "fr"}, {"view": "overview", "period": "2025-01"},
     {"view": "overview", "period": "../2026-10"}, {"view": "..%2f..%2fetc"}],
)  # fmt: skip
def test_a_view_month_or_language_not_offered_is_404(server, args):
    view = args.pop("view")
    status, _, body = _get(server.first_screen_url(view, **args))
    assert status == 404
    assert "Traceback" not in body


def test_a_month_not_drawn_yet_is_drawn_on_its_first_request(server):
    """serve draws the newest bundle before it starts; 2026-09 is drawn (in a child process, not a
    kernel) when its first screen is first asked for."""
    before = _settled(server)
    status, _, page = _get(server.first_screen_url("overview", period="2026-09"))
    assert status == 200
    assert '<option value="2026-09" selected>' in page and 'class="sa-cards"' in page
    assert _settled(server) == before
