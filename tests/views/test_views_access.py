"""Scoped access end to end (issue 22): a real monthly run of the sample publishes its scopes;
`serve --access` signs in one credential per role; headless Chromium and plain HTTP/websocket
probes check what each can reach.

- a rep reaches 0 rows of another rep (ids, names, their customers, pay) through every view and
  every choice, deep-link parameters, a hand-edited comm message on the kernel websocket and every
  route the server answers (the routes are read from the server's own route table);
- a team lead's pickers list only their team's reps; a viewer sees no person-level pay;
- an unknown, malformed or revoked credential, and no credential, get 403 on every route; a
  kernel's routes answer only the person whose page started it;
- survey cuts below the threshold, directly or by difference, are absent from every scope.

Marked slow and browser (a run of the small sample, about 90 s, and a server).
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from browsing import chromium, kernel_message, require_browser

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PERIOD = "2026-10"
VIEWS = ("overview", "leaderboard", "rep_scorecard", "customers", "voice", "training_rules")
REP, OTHER = "R001", "R002"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    from sales_analytics.run import run_period

    require_browser()
    outputs = tmp_path_factory.mktemp("outputs")
    result = run_period(PERIOD, data=os.environ["SALES_ANALYTICS_DATA"], outputs=outputs, jobs=2)
    assert result.status == "ok", result
    assert result.manifest["scopes"] > 0
    return outputs


@pytest.fixture(scope="module")
def org(published) -> pd.DataFrame:
    return pd.read_parquet(published / PERIOD / "inputs" / "reps.parquet")


@pytest.fixture(scope="module")
def people(published, org, tmp_path_factory):
    """One credential per role (and a revoked rep), the proxy trusted from 127.0.0.1."""
    from sales_analytics.access.model import AccessFile, ProxySettings
    from sales_analytics.access.store import add_person, revoke_person, save_access

    team = str(org.loc[org["rep_id"] == REP, "team"].iloc[0])
    access = AccessFile(proxy=ProxySettings(header="X-Remote-User", trusted=("127.0.0.1",)))
    tokens = {}
    for pid, role, kw in [
        ("boss", "director", {}),
        ("lead", "team_lead", {"teams": (team,)}),
        ("rep", "rep", {"rep_id": REP}),
        ("viewer", "viewer", {}),
        ("gone", "rep", {"rep_id": OTHER}),
    ]:
        access, token = add_person(access, pid, role, **kw)
        tokens[pid] = str(token)
    access = revoke_person(access, "gone")
    file = tmp_path_factory.mktemp("access") / "access.yaml"
    save_access(access, file)
    return {"file": file, "tokens": tokens, "team": team}


@pytest.fixture(scope="module")
def server(published, people, tmp_path_factory):
    from sales_analytics.serve import ViewsServer

    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with ViewsServer.start(outputs=published, token="", log=log, access=people["file"]) as running:
        running.wait_ready(timeout=180)
        yield running


@pytest.fixture(scope="module")
def forbidden(published, org, people) -> dict[str, list[str]]:
    """What each role must never see: other reps' ids and names, their customers' names."""
    churn = pd.read_parquet(published / PERIOD / "tables" / "customer_churn_risk.parquet")
    mine = set(churn.loc[churn["rep_id"] == REP, "customer_name"].dropna())
    others = org[org["rep_id"] != REP]
    customers = sorted(set(churn.loc[churn["rep_id"] != REP, "customer_name"].dropna()) - mine)
    outside = org[org["team"] != people["team"]]
    return {
        "rep": [*others["rep_id"], *others["rep_name"], *customers],
        "lead": [*outside["rep_id"], *outside["rep_name"]],
        "viewer": [*org["rep_id"], *org["rep_name"]],
    }


def _found(text: str, words: list[str]) -> list[str]:
    """``words`` present in ``text`` as whole tokens (an id inside base64 image data does not count)."""
    hits = []
    for w in words:
        if re.search(rf"(?<![A-Za-z0-9+/]){re.escape(str(w))}(?![A-Za-z0-9+/=])", text):
            hits.append(str(w))
    return hits


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str, headers: dict | None = None, method: str = "GET") -> tuple[int, dict, str]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        req = urllib.request.Request(url, headers=headers or {}, method=method)
        with opener.open(req, timeout=120) as resp:
            return resp.status, dict(resp.headers), resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode("utf-8", "replace")


def _routes(server) -> list[str]:
    """One concrete URL path per route the server answers (its logged route table)."""
    patterns = re.findall(r"route: (\S+)", server.log.read_text(errors="replace"))
    assert len(patterns) >= 10, patterns
    paths = []
    for p in patterns:
        p = re.sub(r"\(\?P<kernel_id>[^)]*\)", "00000000-0000-0000-0000-000000000000", p)
        p = re.sub(r"\(\?P<path>.*\)$", "/", p)
        paths.append(p.replace("(.*)", "overview.ipynb"))
    return sorted(set(paths))


# ----------------------------------------------------------------- the bundle
def test_every_scope_of_the_bundle_holds_only_its_rows_and_no_small_survey_cut(published, org):
    from sales_analytics.access.publish import read_index, survey_thresholds
    from sales_analytics.access.scopes import rule_of
    from sales_analytics.config import load_parameters

    thresholds = survey_thresholds(load_parameters())
    assert thresholds["team_pulse"] >= 5  # the anonymous survey of the sample
    bundle = published / PERIOD
    index = read_index(bundle)["scopes"]
    teams = dict(zip(org["rep_id"], org["team"], strict=True))
    assert {d["kind"] for d in index.values()} == {"company", "team", "rep"}
    assert sum(d["kind"] == "rep" for d in index.values()) == org["rep_id"].nunique()
    for sid, d in index.items():
        allowed = {d["rep_id"]} if d["kind"] == "rep" else {r for r, t in teams.items() if t in d["teams"]}
        if d["kind"] == "company":
            allowed = set()
        for path in (bundle / "scopes" / sid / "tables").glob("*.parquet"):
            t = pd.read_parquet(path)
            for col in ("rep_id", "rep_a", "rep_b"):
                if col in t.columns and len(t):
                    assert set(t[col].dropna().astype(str)) <= allowed, (sid, path.stem, col)
            assert rule_of(path.stem) != "director", (sid, path.stem)  # customer-level, data quality …
            if path.stem.startswith("survey_") and {"group", "n"} <= set(t.columns):
                shown = set(t["group"].astype(str)) - {"all"}
                assert shown <= set(d["teams"]), (sid, path.stem)
                need = t["instrument"].astype(str).map(thresholds) if "instrument" in t.columns else 5
                assert (t["n"].fillna(need) >= need).all(), (sid, path.stem)  # each instrument's threshold


# ---------------------------------------------------------------------- routes
def test_no_credential_unknown_malformed_or_revoked_gets_403_on_every_route(server, people):
    unknown = "sa1.0123abcd." + "A" * 32
    revoked = people["tokens"]["gone"]
    checked = 0
    for path in _routes(server):
        for query, headers in [
            ("", {}),
            (f"?token={unknown}", {}),
            ("?token=not-a-token", {}),
            (f"?token={revoked}", {}),
            ("", {"Authorization": f"token {revoked}"}),
            ("", {"Cookie": "username-127-0-0-1-" + str(server.port) + '="2|1:0|10:1|5:value|4:Ym9z|x"'}),
            ("", {"X-Remote-User": "gone"}),  # the proxy's header naming a revoked person
            ("", {"X-Remote-User": "nobody"}),
        ]:
            status, _, body = _get(server.base + path + query, headers)
            assert status == 403, (path, query, headers, status)
            assert "Traceback" not in body
            checked += 1
    assert checked >= 80
    log = server.log.read_text(errors="replace")
    assert revoked not in log and revoked.split(".")[2] not in log  # never a secret in the log


def test_the_proxy_header_signs_in_only_a_listed_person():
    """From an address the proxy list does not name, the header proves nothing."""
    from types import SimpleNamespace

    from sales_analytics.access.model import AccessFile
    from sales_analytics.access.web import _from_proxy

    access = AccessFile.model_validate(
        {
            "proxy": {"header": "X-Remote-User", "trusted": ["10.0.0.2"]},
            "people": [{"id": "boss", "role": "director"}],
        }
    )
    req = lambda ip: SimpleNamespace(request=SimpleNamespace(remote_ip=ip, headers={"X-Remote-User": "boss"}))  # noqa: E731
    assert _from_proxy(req("10.0.0.2"), access).id == "boss"
    assert _from_proxy(req("10.0.0.3"), access) is None
    assert _from_proxy(req("127.0.0.1"), access) is None


def test_a_rep_reaches_no_other_rep_through_any_route_or_deep_link(server, people, forbidden):
    rep = people["tokens"]["rep"]
    status, headers, _ = _get(f"{server.base}/?token={rep}")
    assert status == 302 and headers["Location"].endswith(
        "/voila/render/rep_scorecard.ipynb"
    )  # lands on own scorecard
    deep = f"&rep={OTHER}&rep_id={OTHER}&period=2026-09&sa_scope=all&sa_person=boss&sa_role=director"
    for path in _routes(server):
        status, _, body = _get(f"{server.base}{path}?token={rep}{deep}")
        assert status in (200, 302, 403, 404, 405), (path, status)
        assert _found(body, forbidden["rep"]) == [], path
    for view in VIEWS:
        status, _, body = _get(f"{server.base}/voila/render/{view}.ipynb?token={rep}{deep}")
        assert status == 200, view
        assert _found(body, forbidden["rep"]) == [], view
        # the first screens are drawn from the whole bundle: a scoped server does not route them
        status, _, body = _get(f"{server.base}/views/{view}?token={rep}{deep}")
        assert status in (403, 404) and _found(body, forbidden["rep"]) == [], (view, status)
    # the director's kernel: its routes answer only the director
    boss = people["tokens"]["boss"]
    _, _, page = _get(f"{server.base}/voila/render/overview.ipynb?token={boss}")
    kernel = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', page).group(1)
    assert _get(f"{server.base}/api/kernels/{kernel}?token={rep}")[0] == 403
    assert _get(f"{server.base}/api/kernels/{kernel}?token={rep}", method="DELETE")[0] == 403
    assert _get(f"{server.base}/api/kernels/{kernel}?token={boss}")[0] == 200


def _listen(ws, seconds: float) -> list[dict]:
    got, deadline = [], time.time() + seconds
    ws.settimeout(0.5)
    while time.time() < deadline:
        try:
            frame = ws.recv()
        except Exception:  # a timeout: keep listening until the deadline
            continue
        if isinstance(frame, str):
            got.append(json.loads(frame))
        else:  # a message with buffers comes as a binary frame
            from jupyter_server.services.kernels.connection.base import deserialize_binary_message

            msg = deserialize_binary_message(frame)
            got.append({k: msg[k] for k in ("header", "content")})
    return got


def test_a_hand_edited_comm_message_reaches_nothing_outside_the_scope(server, people, forbidden):
    """The rep's own page: its pickers set by hand to values it never offered (another rep's id,
    an index beyond the list, none), a widget opened from the browser, code to execute."""
    from websocket import create_connection

    rep = people["tokens"]["rep"]
    status, _, page = _get(f"{server.base}/voila/render/rep_scorecard.ipynb?token={rep}")
    kernel = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', page).group(1)
    ws = create_connection(f"{server.base.replace('http', 'ws')}/api/kernels/{kernel}/channels?token={rep}")
    # as the page's own script does: the kernel's widget comms, then each one's state (paced under
    # the comm rate limit)
    ws.send(kernel_message("comm_info_request", {"target_name": "jupyter.widget"}))
    comms = {}
    for m in _listen(ws, 4):
        if m["header"]["msg_type"] == "comm_info_reply":
            comms.update(m["content"]["comms"])
    assert comms
    for comm_id in comms:
        ws.send(kernel_message("comm_msg", {"comm_id": comm_id, "data": {"method": "request_state"}}))
        time.sleep(0.06)
    states = {}
    for m in _listen(ws, 4):
        if m["header"]["msg_type"] == "comm_msg" and m["content"]["data"].get("method") == "update":
            states[m["content"]["comm_id"]] = m["content"]["data"]["state"]
    pickers = [
        k for k, v in states.items() if v.get("_model_name") in ("DropdownModel", "ToggleButtonsModel")
    ]
    assert len(pickers) >= 2  # the month and the rep (and the language)
    for model in pickers:
        for state in ({"index": None}, {"index": 7}, {"value": OTHER}, {"label": OTHER}):
            ws.send(
                kernel_message("comm_msg", {"comm_id": model, "data": {"method": "update", "state": state}})
            )
    ws.send(kernel_message("comm_open", {"comm_id": "f" * 32, "target_name": "jupyter.widget",
                                         "data": {"state": {"_model_name": "DropdownModel"}}}))  # fmt: skip
    ws.send(
        kernel_message("execute_request", {"code": "print(open('/etc/hostname').read())", "silent": False})
    )
    replies = _listen(ws, 6)
    ws.close()
    text = json.dumps([states, replies], ensure_ascii=False, default=str)
    assert _found(text, forbidden["rep"]) == []
    assert not [m for m in replies if m["header"]["msg_type"] in ("execute_result", "error")]
    log = server.log.read_text(errors="replace")
    assert "comm_open of target 'jupyter.widget' from the browser refused" in log
    # the refusal of a value the page did not offer is in the access log, with the person
    from sales_analytics.access.log import read_log

    denied = [e for e in read_log(server_outputs(server)) if e["person"] == "rep" and e["decision"] == "deny"]
    assert any("widget value outside the scope" in e["reason"] for e in denied), denied


def server_outputs(server) -> Path:
    cmd = server.proc.args
    return Path(cmd[cmd.index("--outputs") + 1])


# --------------------------------------------------------------------- browser
def _click_everything(page) -> None:
    for i in range(page.locator("select").count()):
        select = page.locator("select").nth(i)
        for value in select.locator("option").evaluate_all("(os) => os.map((o) => o.value)"):
            select.select_option(value)
            page.wait_for_timeout(120)
    buttons = page.locator(".widget-toggle-buttons button")
    for i in range(min(buttons.count(), 16)):
        buttons.nth(i).click()
        page.wait_for_timeout(120)


def _seen(browser, server, token: str, view: str) -> tuple[str, list[str]]:
    """The text of ``view`` after every choice was clicked, and the rep picker's options."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.base}/voila/render/{view}.ipynb?token={token}", timeout=180_000)
    page.wait_for_selector(".sa-live .sa-title", timeout=120_000)
    text = [page.inner_text("body")]
    options = []
    if view == "rep_scorecard":
        options = page.locator(".sa-live select").nth(1).locator("option").all_inner_texts()
    _click_everything(page)
    text.append(page.inner_text("body"))
    context.close()
    return "\n".join(text), options


@pytest.fixture(scope="module")
def browser(server):
    with chromium() as b:
        yield b


@pytest.mark.parametrize("role", ["rep", "lead", "viewer"])
def test_every_view_and_choice_shows_only_the_scope(browser, server, people, forbidden, org, role):
    from sales_analytics.access.web import scope_pages

    token = people["tokens"][role]
    status, _, home = _get(f"{server.base}/?token={token}")
    pages = [v for v in VIEWS if f"voila/render/{v}.ipynb" in home] if role != "rep" else list(VIEWS)
    listed = scope_pages(server_outputs(server), _scope(people, role))
    assert pages == listed if role != "rep" else True
    for view in VIEWS:
        if view not in listed:  # not in the scope: not listed, and refused when asked for
            assert _get(f"{server.base}/voila/render/{view}.ipynb?token={token}")[0] == 403
            continue
        text, options = _seen(browser, server, token, view)
        assert _found(text, forbidden[role]) == [], (role, view)
        if view == "rep_scorecard":  # the reps of the month's scorecard that are the scope's
            scored = pd.read_parquet(server_outputs(server) / PERIOD / "tables" / "kpi_scorecard.parquet")
            scored = set(scored.loc[scored["period"].astype(str) == PERIOD, "rep_id"].astype(str))
            team = set(org.loc[org["team"] == people["team"], "rep_id"]) & scored
            expected = {REP} if role == "rep" else team
            assert {re.search(r"\((\w+)\)$", o).group(1) for o in options} == expected
    if role == "viewer":
        assert "rep_scorecard" not in listed  # no person-level page for a viewer


def _scope(people, role):
    from sales_analytics.access.scopes import rep_scope_id, team_scope_id

    return {"rep": rep_scope_id(REP), "lead": team_scope_id([people["team"]]), "viewer": "company"}[role]


def test_the_director_sees_everyone_and_the_proxy_signs_in_by_header(browser, server, people, forbidden):
    """The same checks can fail: the director's scorecard lists the other reps."""
    text, options = _seen(browser, server, people["tokens"]["boss"], "rep_scorecard")
    assert len(options) > 1 and _found(text, forbidden["rep"])
    status, _, home = _get(f"{server.base}/", {"X-Remote-User": "lead"})  # the test runs from 127.0.0.1
    assert status == 200 and "voila/render/overview.ipynb" in home
    from sales_analytics.access.log import read_log

    entries = read_log(server_outputs(server))
    assert any(
        e["person"] == "boss" and e["what"] == "view rep_scorecard" and e["period"] == PERIOD for e in entries
    )
    assert any(e["decision"] == "deny" and e["reason"].startswith("unknown or revoked") for e in entries)
