"""The pieces of sales_analytics.voila_server without a server: redaction, the page policy and
its nonce, the capacity arithmetic, the busy page, the comm rate limit, the websocket filter,
and escaping of every value the views put in HTML. The running server is probed in
test_views_http.py (plain HTTP) and test_views_browser.py / test_views_xss.py (Chromium)."""

from __future__ import annotations

import json
import logging
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from xss import PAYLOAD, poison_bundle

from sales_analytics import voila_server as vs
from sales_analytics.views import snapshot
from sales_analytics.views.components import table

# ------------------------------------------------------------------ redaction


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("403 GET /voila/render/overview.ipynb?token=s3cr3t-T0k (127.0.0.1) 1.2ms", "s3cr3t-T0k"),
        ("404 GET /api/kernels/x/channels?session_id=abc&token=s3cr3t-T0k", "s3cr3t-T0k"),
        ('{"Cookie": "username-127=2|1:0|s3cr3t-c00kie; _xsrf=2|x"}', "s3cr3t-c00kie"),
        ('"Referer": "http://h/voila/render/a.ipynb?token=s3cr3t-T0k"', "s3cr3t-T0k"),
        ("Authorization: token s3cr3t-T0k", "s3cr3t-T0k"),
        ("POST /voila/api/shutdown/k?_xsrf=s3cr3t-xsrf", "s3cr3t-xsrf"),
    ],
)
def test_redact_removes_every_credential_form(line, secret):
    out = vs.redact(line)
    assert secret not in out and vs.REDACTED in out


def test_redact_keeps_what_is_not_a_credential():
    line = "200 GET /voila/render/overview.ipynb?period=2026-10 (127.0.0.1) 12.00ms"
    assert vs.redact(line) == line


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=8))
def test_no_url_safe_token_survives_redaction(token):
    for line in (f"GET /x?token={token}", f"GET /x?a=1&token={token}&b=2", f"Cookie: k={token}"):
        assert token not in vs.redact(line)


def test_every_log_record_of_the_server_is_redacted(caplog):
    """The record factory redacts whatever logger emits, formatted arguments and tracebacks too."""
    previous = logging.getLogRecordFactory()
    try:
        vs._install_log_redaction()
        with caplog.at_level(logging.INFO):
            logging.getLogger("tornado.access").warning(
                "%d GET %s", 403, "/voila/render/a.ipynb?token=T0KEN-1"
            )
            try:
                raise ValueError("bad url /a?token=T0KEN-2")
            except ValueError:
                logging.getLogger("ViewsVoila").exception("failed")
        text = caplog.text
        assert "T0KEN-1" not in text and "T0KEN-2" not in text
        assert text.count(vs.REDACTED) >= 2
    finally:
        logging.setLogRecordFactory(previous)


# ------------------------------------------------------------------------ CSP


def test_page_policy_admits_only_nonced_scripts():
    policy = vs.content_security_policy("N0NCE")
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["script-src"] == "'self' 'nonce-N0NCE'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert "http" not in policy  # nothing from another site


def test_nonce_goes_to_template_scripts_and_never_to_data():
    transform = vs.NonceTransform(request=None)
    headers = {"Content-Type": "text/html"}
    page = b'<script>init()</script><script src="/voila/static/voila.js"></script>'
    _, headers, first = transform.transform_first_chunk(200, headers, page, False)
    nonce = transform.nonce
    assert headers["Content-Security-Policy"] == vs.content_security_policy(nonce)
    assert first.count(f'<script nonce="{nonce}"'.encode()) == 2
    # Voila writes outputs as JSON with "<" escaped: a value cannot form a tag to be nonced
    data = json.dumps({"v": PAYLOAD}).replace("<", "\\u003c").encode()
    assert transform.transform_chunk(data, True) == data
    # a later chunk gets the same nonce; a non-HTML response is left alone
    assert (
        transform.transform_chunk(b"<script >x()</script>", True)
        == f'<script nonce="{nonce}" >x()</script>'.encode()
    )
    sized = vs.NonceTransform(request=None)  # an error page written at once, its length announced
    _, headers, body = sized.transform_first_chunk(
        404, {"Content-Type": "text/html", "Content-Length": "17"}, b"<script></script>", True
    )
    assert headers["Content-Length"] == str(len(body)) and sized.nonce.encode() in body
    other = vs.NonceTransform(request=None)
    assert (
        other.transform_first_chunk(200, {"Content-Type": "application/json"}, b"<script>", True)[2]
        == b"<script>"
    )


# ------------------------------------------------------------------- capacity


def test_capacity_bounds_each_credential_and_the_total():
    cap = vs.Capacity(max_kernels=3, per_credential=2)
    assert cap.admit("a") and cap.admit("a")
    assert not cap.admit("a")  # a: 2 in flight, its limit
    assert cap.admit("b")
    assert not cap.admit("c")  # 3 in total, the limit
    cap.settle("a", "k1")  # a's first request got kernel k1: still 3 in total
    assert not cap.admit("c")
    cap.settle("a", None)  # a's second request ended without a kernel: 2 in total (k1, b)
    assert cap.admit("c")
    assert cap.owners == {"k1": "a"} and cap.pending == {"b": 1, "c": 1}


def test_capacity_frees_a_place_when_a_kernel_shuts_down():
    cap = vs.Capacity(max_kernels=2, per_credential=2)
    assert cap.admit("a") and cap.admit("a")
    cap.settle("a", "k1")
    cap.settle("a", "k2")
    assert not cap.admit("a")
    cap.release("k1")
    assert cap.admit("a")
    assert cap.owners == {"k2": "a"} and cap.pending == {"a": 1}


def test_busy_page_says_it_in_both_languages_and_reloads():
    page = vs.busy_page(15)
    assert "15 秒后重试" in page and "retry in 15 s" in page
    assert '<meta http-equiv="refresh" content="15">' in page
    assert "<script" not in page


# ------------------------------------------------------------------ websocket


def test_comm_messages_beyond_the_burst_are_refused():
    """3,000 messages at once (the probe that cost 59 CPU-seconds): the burst of 60 passes."""
    limit = vs.CommRateLimit(rate=20.0, burst=60)
    assert sum(limit.allow("k", 100.0) for _ in range(3000)) == 60
    assert limit.dropped["k"] == 2940
    assert sum(limit.allow("k", 102.0) for _ in range(3000)) == 40  # 2 s at 20 a second
    assert limit.allow("other", 102.0)  # per kernel
    limit.forget("k")
    assert "k" not in limit.buckets


def test_no_error_or_stderr_message_leaves_for_the_browser(monkeypatch):
    from jupyter_client.session import Session

    session = Session(key=b"")
    sent = []
    monkeypatch.setattr(
        vs.ZMQChannelsWebsocketConnection,
        "handle_outgoing_message",
        lambda self, stream, msg: sent.append(msg),
    )
    conn = vs.ViewsWebsocketConnection.__new__(vs.ViewsWebsocketConnection)
    conn.__dict__["session"] = session
    conn.__dict__["log"] = logging.getLogger("test")

    def wire(msg_type, content):
        msg = session.msg(msg_type, content)
        return session.serialize(msg)

    tb = ['File "/srv/app/sales_analytics/views/app.py", line 1', "TraitError: bad value"]
    conn.handle_outgoing_message(
        "iopub", wire("error", {"ename": "TraitError", "evalue": "x", "traceback": tb})
    )
    conn.handle_outgoing_message("iopub", wire("stream", {"name": "stderr", "text": "\n".join(tb)}))
    conn.handle_outgoing_message("shell", wire("execute_reply", {"status": "error", "traceback": tb}))
    assert sent == []
    ok = wire("comm_msg", {"comm_id": "c", "data": {"method": "update"}})
    conn.handle_outgoing_message("iopub", ok)
    assert sent == [ok]


# ------------------------------------------------------------------- escaping


def test_tables_escape_every_header_and_value():
    frame = pd.DataFrame({f"name{PAYLOAD}": [PAYLOAD, "plain"], "n": [1.5, None]})
    out = table(frame, "en").value  # through the presentation layer
    assert "<img" not in out and "<script" not in out and "<svg" not in out
    assert out.count("&lt;img src=x onerror=") == 2  # the header and the cell, shown as text
    # each numeric cell carries its raw value to sort by (a missing one: empty, sorted last)
    assert '<td class="num" data-sort="1.5">1.50</td>' in out and '<td class="num" data-sort="">—</td>' in out
    long = table(pd.DataFrame({"rep_name": [PAYLOAD] * 30}), "en")  # long tables too
    assert "<img" not in long.value and 'class="sa-box sa-scroll"' in long.value


def _html_nodes(nodes):
    for node in nodes:
        if "html" in node:
            yield node["html"]
        for child in node.get("box", []):
            yield from _html_nodes([child])
        if "choice" in node:  # option labels and descriptions are text to ipywidgets, not HTML
            for body in node["bodies"].values():
                yield from _html_nodes(body)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_page_escapes_a_payload_in_every_text_column(outputs, language):
    """The hand-made bundle with the payload appended to every text column of every table: no
    page's snapshot holds a tag from the payload, and the payload is shown (as text)."""
    assert poison_bundle(outputs / "2026-10") >= 10
    shown = 0
    for page in ("overview", "leaderboard", "rep_scorecard", "customers", "voice", "training_rules"):
        shot = snapshot.render_snapshot(page, "2026-10", language, outputs)
        assert not shot["failed"], page
        for fragment in _html_nodes(shot["body"]):
            assert not re.search(r"<(img|script|svg|a)\b[^>]*(onerror|onload|javascript:)", fragment), page
            shown += fragment.count("&lt;img src=x onerror=")
    assert shown >= 5  # names, teams, customers, statuses … reached the pages


def test_snapshot_cache_is_private_and_keyed_to_the_bundle(outputs):
    assert snapshot.prerender(outputs, ["2026-10"]) == 14
    path = snapshot.snapshot_path(outputs, "2026-10", "overview", "en")
    assert path.stat().st_mode & 0o077 == 0  # owner only
    assert path.parent.stat().st_mode & 0o007 == 0
    assert snapshot.prerender(outputs, ["2026-10"]) == 0  # nothing to draw again
    manifest = outputs / "2026-10" / "manifest.json"
    manifest.write_text(manifest.read_text().replace("08:00:40", "09:00:00"))  # re-published
    assert snapshot.prerender(outputs, ["2026-10"]) == 14  # 7 pages x 2 languages
    assert not path.exists()  # the old bundle's snapshots are gone


def test_the_viewer_kernel_loads_no_data_library(outputs):
    """What runs in each viewer's kernel (the notebook's one call) loads neither pandas nor
    matplotlib: that is what keeps a kernel at a quarter of the memory (docs/views.md)."""
    import subprocess
    import sys

    snapshot.prerender(outputs, ["2026-10"])
    code = (
        "import sys, sales_analytics.views as v\n"
        f"v.show('overview', outputs={str(outputs)!r}, language='en')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'matplotlib', 'pyarrow', 'numpy'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_kernel_ids_of_a_page_are_recorded_for_its_credential():
    page = '<script id="jupyter-config-data">{"kernelId": "a40d4c96-2420-43c6-bd90-e26993775e10"}'
    assert vs._KERNEL_ID.search(page).group(1) == "a40d4c96-2420-43c6-bd90-e26993775e10"


def test_token_is_removed_from_the_request_after_authentication():
    from tornado.httputil import HTTPServerRequest

    req = HTTPServerRequest(method="GET", uri="/voila/render/overview.ipynb?token=T0K&period=2026-10")
    vs._strip_token(req)
    assert "T0K" not in req.uri and "T0K" not in req.query and "token" not in req.arguments
    assert req.uri == "/voila/render/overview.ipynb?period=2026-10"
    assert "T0K" not in req.full_url()
