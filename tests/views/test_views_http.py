"""Probes of a running `serve` with plain HTTP and websockets (no browser): the kernel cap and its
busy page, the closed /voila/query route, tokens kept out of logs and kernels, clean answers to
/logout and template traversal, no traceback over the kernel websocket, the comm rate limit.

Marked slow: each module starts one server on the hand-made bundle (tests/views/bundle_factory).
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browsing import CLOSE_GRACE_S, http_get, kernel_message, kernel_processes, wait_kernel_shutdown

pytestmark = pytest.mark.slow

TOKEN = "http-probe-token-Zq7"
MAX_KERNELS, PER_CREDENTIAL = 3, 2


def _start(tmp_path_factory, **limits):
    from bundle_factory import make_bundle

    from sales_analytics.serve import ViewsServer

    outputs = tmp_path_factory.mktemp("outputs")
    make_bundle(outputs)
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    return ViewsServer.start(outputs=outputs, token=TOKEN, log=log, **limits)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The default limits (40 in total, 30 per credential)."""
    with _start(tmp_path_factory) as running:
        running.wait_ready(timeout=120)
        yield running


@pytest.fixture
def capped(tmp_path_factory):
    with _start(
        tmp_path_factory, max_kernels=MAX_KERNELS, max_kernels_per_credential=PER_CREDENTIAL
    ) as running:
        running.wait_ready(timeout=120)
        yield running


def _kernel_id(page: str) -> str:
    return re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', page).group(1)


_get, _kernels = http_get, kernel_processes


def test_page_kernels_are_capped_per_credential_with_a_bilingual_busy_page(capped):
    """Plain GETs with the token (a link unfurler, a script): the first two of this credential get
    a page and a kernel; the third gets 503 with Retry-After and no kernel is started for it;
    closing the tabs frees the places."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    pages = [browser.open(capped.url("overview"), timeout=60).read().decode() for _ in range(PER_CREDENTIAL)]
    time.sleep(3)  # the pool refills after each hand-out
    before = {p.pid for p in _kernels(capped)}
    status, headers, body = _get(capped.url("leaderboard"))
    assert status == 503
    assert headers["Retry-After"] == "15"
    assert "请在 15 秒后重试" in body and "retry in 15 s" in body
    assert "kernelId" not in body
    time.sleep(3)
    assert {p.pid for p in _kernels(capped)} == before  # the refused request started nothing
    xsrf = next(c.value for c in jar if c.name == "_xsrf")
    for page in pages:  # what a closing tab sends: POST with the _xsrf cookie and field
        url = f"{capped.base}/voila/api/shutdown/{_kernel_id(page)}"
        browser.open(urllib.request.Request(url, data=f"_xsrf={xsrf}".encode()), timeout=30).read()
    deadline = time.time() + 20
    while _get(capped.url("leaderboard"))[0] != 200:
        assert time.time() < deadline, "places not freed after the kernels shut down"
        time.sleep(1)


def test_request_info_route_is_closed(server):
    """Voila's /voila/query/<kernel> handed anyone the query string (with the token) of the
    request that took a kernel. The route does not exist, with or without the token."""
    from websocket import WebSocketBadStatusException, create_connection

    status, _, page = _get(server.url("voice"))
    assert status == 200
    kernel_id = _kernel_id(page)
    for suffix in ("", f"?token={TOKEN}"):
        assert _get(f"{server.base}/voila/query/{kernel_id}{suffix}")[0] == 404
        with pytest.raises(WebSocketBadStatusException, match="404"):
            create_connection(
                f"{server.base.replace('http', 'ws')}/voila/query/{kernel_id}{suffix}", timeout=10
            )


def test_no_token_in_any_log_line_or_kernel_environment(server):
    """Failed and successful requests with tokens in the URL and in headers: the server log never
    shows a token, and no kernel's environment holds it (Voila passes the request URL to the
    kernel and to the pool's next kernel)."""
    wrong = "wrong-token-Kx9"
    _get(f"{server.base}/voila/render/overview.ipynb?token={wrong}")  # 403 (logged with headers)
    _get(f"{server.base}/voila/render/nope.ipynb?token={TOKEN}")  # 404
    _get(f"{server.base}/voila/static/nope.js?token={TOKEN}")  # 404
    assert _get(f"{server.base}/api/kernels/nope", headers={"Authorization": f"token {wrong}"})[0] >= 300
    _get(server.url("customers"))
    time.sleep(3)
    text = server.log.read_text(errors="replace")
    assert re.search(r"\b(403|404) GET ", text)  # the failures were logged …
    assert TOKEN not in text and wrong not in text  # … without the credentials
    for kernel in _kernels(server):
        env = Path(f"/proc/{kernel.pid}/environ").read_bytes()
        assert TOKEN.encode() not in env


@pytest.mark.parametrize(
    "path",
    [
        "/voila/templates/lab/static/../../../../etc/passwd",
        "/voila/templates/lab/static/..%2f..%2f..%2fsetup.py",
        "/voila/templates/x",
        "/voila/templates/lab",
        "/voila/templates/lab/nostatic/index.css",
        "/voila/templates/..%2f..%2fetc/static/passwd",
        "/voila/templates//static/x",
    ],
)
def test_template_paths_outside_a_template_are_404(server, path):
    status, _, body = _get(server.base + path)
    assert status == 404, (path, status)
    assert "Traceback" not in body and "AssertionError" not in body


def test_template_assets_are_still_served(server):
    status, _, page = _get(server.url("overview"))
    asset = re.search(r'src="(/voila/templates/[^/"]+/static/[^"?]+)', page).group(1)
    assert _get(server.base + asset)[0] == 200


def test_logout_clears_the_cookie_and_answers_plainly(server):
    status, headers, body = _get(f"{server.base}/logout")
    assert status == 200
    assert "已退出登录" in body and "signed out" in body
    assert "Set-Cookie" in headers  # the login cookie, cleared


def _model_ids(page: str) -> list[str]:
    return re.findall(r'"model_id":\s*"([0-9a-f]{32})"', page)


def _drain(ws, seconds: float) -> list[dict]:
    got, deadline = [], time.time() + seconds
    ws.settimeout(0.5)
    while time.time() < deadline:
        try:
            got.append(json.loads(ws.recv()))
        except Exception:  # timeout: keep listening until the deadline
            continue
    return got


def test_a_bad_widget_value_sends_no_traceback(server):
    from websocket import create_connection

    status, _, page = _get(server.url("overview"))
    kernel_id, root = _kernel_id(page), _model_ids(page)[0]
    ws = create_connection(
        f"{server.base.replace('http', 'ws')}/api/kernels/{kernel_id}/channels?token={TOKEN}"
    )
    bad_values = [
        {"children": ["IPY_MODEL_" + "0" * 32]},  # a widget that does not exist
        {"children": 42},
        {"layout": "not a widget"},
        {"value": "../../etc/passwd", "index": 999},
    ]
    for state in bad_values:
        ws.send(kernel_message("comm_msg", {"comm_id": root, "data": {"method": "update", "state": state}}))
    replies = _drain(ws, 4)
    ws.close()
    text = json.dumps(replies)
    assert not [m for m in replies if m["header"]["msg_type"] == "error"]
    assert not [m for m in replies if m["content"].get("name") == "stderr"]
    assert "Traceback" not in text and "site-packages" not in text and "sales_analytics" not in text


def test_comm_messages_are_rate_limited_per_kernel(server):
    """3,000 state requests at once: the kernel answers the burst (60) and then 20 a second."""
    from websocket import create_connection

    status, _, page = _get(server.url("overview"))
    kernel_id, root = _kernel_id(page), _model_ids(page)[0]
    ws = create_connection(
        f"{server.base.replace('http', 'ws')}/api/kernels/{kernel_id}/channels?token={TOKEN}"
    )
    t0 = time.monotonic()
    for _ in range(3000):
        ws.send(kernel_message("comm_msg", {"comm_id": root, "data": {"method": "request_state"}}))
    replies = _drain(ws, 5)
    elapsed = time.monotonic() - t0
    ws.close()
    answered = [m for m in replies if m["header"]["msg_type"] == "comm_msg"]
    assert 0 < len(answered) <= 60 + 20 * elapsed + 1, (len(answered), elapsed)
    assert "over the comm rate limit" in server.log.read_text(errors="replace")


def test_a_page_abandoned_while_written_lets_its_kernel_go(server):
    """A client that leaves while the server still writes its page (drawn on request: English is
    not the preheated language) frees the page's kernel ``close_grace`` seconds later, with no
    script of the page ever run (no presence socket, no kernel websocket)."""
    import socket

    path = f"/voila/render/overview.ipynb?language=en&token={TOKEN}"
    received = b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
        deadline = time.monotonic() + 60
        while b'"kernelId"' not in received or b"</html>" in received:
            assert time.monotonic() < deadline and b"</html>" not in received
            received += sock.recv(65536)
    kernel_id = _kernel_id(received.decode("utf-8", "replace"))
    waited = wait_kernel_shutdown(server, kernel_id, CLOSE_GRACE_S + 10)
    assert waited >= CLOSE_GRACE_S - 1  # the grace, not an immediate shutdown
    assert f"Kernel {kernel_id}: no page connected for {CLOSE_GRACE_S} s" in server.log.read_text()


def test_the_presence_socket_holds_a_page_kernel_until_it_closes(server):
    """A page written in full whose presence socket connects keeps its kernel past the close
    grace; once the socket closes, the kernel is shut down ``close_grace`` seconds later. The
    socket needs the token (403) and a kernel the server has (404)."""
    from websocket import WebSocketBadStatusException, create_connection

    status, _, page = _get(server.url("overview"))
    assert status == 200
    kernel_id = _kernel_id(page)
    ws_base = server.base.replace("http", "ws")
    for url, code in (
        (f"{ws_base}/api/kernels/{kernel_id}/presence", 403),
        (f"{ws_base}/api/kernels/00000000-0000-0000-0000-000000000000/presence?token={TOKEN}", 404),
    ):
        with pytest.raises(WebSocketBadStatusException, match=str(code)):
            create_connection(url, timeout=30)
    ws = create_connection(f"{ws_base}/api/kernels/{kernel_id}/presence?token={TOKEN}", timeout=30)
    time.sleep(CLOSE_GRACE_S + 3)
    assert f"Kernel shutdown: {kernel_id}" not in server.log.read_text(errors="replace")
    ws.close()
    waited = wait_kernel_shutdown(server, kernel_id, CLOSE_GRACE_S + 10)
    assert waited >= CLOSE_GRACE_S - 1
