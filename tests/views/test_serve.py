"""`sales-analytics serve`: the Voila command it becomes, and the arguments it refuses.

The server itself runs in test_views_browser.py; here ``os.execve`` is replaced so
nothing starts.
"""

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets.utils.importstring import import_item

from sales_analytics import serve
from sales_analytics.cli import main
from sales_analytics.voila_server import ViewsIdentityProvider, ViewsKernelManager, ViewsWebsocketConnection


@pytest.fixture
def execs(monkeypatch):
    calls = []
    monkeypatch.setattr(serve.os, "execve", lambda path, cmd, env: calls.append((cmd, env)))
    monkeypatch.setattr(serve.os, "chdir", lambda path: None)
    monkeypatch.delenv("SALES_ANALYTICS_TOKEN", raising=False)
    return calls


def _option(cmd, name):
    values = [a.split("=", 1)[1] for a in cmd if a.startswith(f"--{name}=")]
    assert len(values) == 1, (name, cmd)
    return values[0]


def test_serves_read_only_with_a_generated_token(execs, outputs, capsys):
    assert main(["serve", "--outputs", str(outputs)]) == 0
    ((cmd, env),) = execs
    out = capsys.readouterr().out
    token = _option(cmd, "token")
    assert len(token) >= 24 and f"token (generated): {token}" in out
    assert f"localhost:8866/views/overview?token={token}" in out
    assert _option(cmd, "strip_sources") == "True"
    assert _option(cmd, "show_tracebacks") == "False"
    assert _option(cmd, "Voila.ip") == "127.0.0.1"
    assert _option(cmd, "preheat_kernel") == "True"
    assert _option(cmd, "MappingKernelManager.cull_idle_timeout") == "600"
    assert _option(cmd, "MappingKernelManager.cull_connected") == "False"  # an open tab keeps its kernel
    assert env["SALES_ANALYTICS_OUTPUTS"] == str(outputs.resolve())
    assert env["SALES_ANALYTICS_VIEW_LANGUAGE"] == "zh"
    assert cmd[1:3] == ["-m", "sales_analytics.voila_server"]  # Voila with the holes closed
    assert _option(cmd, "ViewsVoila.max_kernels") == "40"
    assert _option(cmd, "ViewsVoila.max_kernels_per_credential") == "30"


def test_the_views_are_drawn_before_the_server_starts(execs, outputs):
    from sales_analytics.views.snapshot import load_snapshot

    main(["serve", "--outputs", str(outputs), "--max-kernels", "5", "--max-kernels-per-credential", "2"])
    ((cmd, _),) = execs
    assert _option(cmd, "ViewsVoila.max_kernels") == "5"
    assert _option(cmd, "ViewsVoila.max_kernels_per_credential") == "2"
    for page in ("overview", "leaderboard", "rep_scorecard", "customers", "voice", "training_rules"):
        for language in ("zh", "en"):
            assert load_snapshot(outputs, "2026-10", page, language) is not None  # the newest bundle
    assert load_snapshot(outputs, "2026-09", "overview", "zh") is None  # older ones on first request


def test_two_starts_get_different_tokens(execs, outputs):
    main(["serve", "--outputs", str(outputs)])
    main(["serve", "--outputs", str(outputs)])
    assert _option(execs[0][0], "token") != _option(execs[1][0], "token")


def test_a_given_token_is_used_and_not_printed_twice(execs, outputs, capsys, monkeypatch):
    monkeypatch.setenv("SALES_ANALYTICS_TOKEN", "from-env")
    main(["serve", "--outputs", str(outputs)])
    main(["serve", "--outputs", str(outputs), "--token", "from-flag"])
    assert [_option(cmd, "token") for cmd, _ in execs] == ["from-env", "from-flag"]
    assert "token: " not in capsys.readouterr().out.replace("?token=", "")


def test_no_token_only_when_asked_and_with_a_warning(execs, outputs, caplog):
    with caplog.at_level(logging.WARNING):
        assert main(["serve", "--outputs", str(outputs), "--no-token"]) == 0
    assert _option(execs[0][0], "token") == ""
    assert "WITHOUT a token" in caplog.text


def test_other_interfaces_warn_about_a_proxy(execs, outputs, caplog):
    with caplog.at_level(logging.WARNING):
        main(["serve", "--outputs", str(outputs), "--ip", "0.0.0.0", "--port", "9000"])
    assert _option(execs[0][0], "Voila.ip") == "0.0.0.0"
    assert _option(execs[0][0], "port") == "9000"
    assert "reverse proxy" in caplog.text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--token", "x", "--no-token"], "contradict"),
        (["--language", "fr"], "--language must be zh or en; got 'fr'"),
        (["--period", "2025-01"], "no published bundle for 2025-01; published: ['2026-10', '2026-09']"),
        (["--max-kernels", "0"], "--max-kernels must be at least 1"),
        (["--max-kernels", "5", "--max-kernels-per-credential", "6"], "got 5 and 6"),
    ],
)
def test_bad_arguments_are_refused_before_starting(execs, outputs, capsys, args, message):
    assert main(["serve", "--outputs", str(outputs), *args]) == 2
    assert message in capsys.readouterr().err
    assert execs == []


def test_starts_with_nothing_published_and_says_what_to_run(execs, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        assert main(["serve", "--outputs", str(tmp_path)]) == 0
    assert "sales-analytics run" in caplog.text


def test_voila_finds_the_server_classes(execs, outputs):
    main(["serve", "--outputs", str(outputs)])
    cmd = execs[0][0]
    assert import_item(_option(cmd, "Voila.identity_provider_class")) is ViewsIdentityProvider
    assert import_item(_option(cmd, "VoilaConfiguration.multi_kernel_manager_class")) is ViewsKernelManager
    assert import_item(_option(cmd, "Voila.kernel_websocket_connection_class")) is ViewsWebsocketConnection


def test_a_kernel_handed_to_a_page_gets_a_full_idle_timeout(monkeypatch):
    """A preheated kernel idle in its pool for longer than the timeout is not culled by the first
    cull check after a page takes it (its websocket may not have connected yet), only once it has
    then been idle for the whole timeout."""
    km = ViewsKernelManager(cull_idle_timeout=10)
    long_ago = datetime.now(UTC) - timedelta(seconds=900)
    kernel = SimpleNamespace(
        last_activity=long_ago, execution_state="idle", kernel_name="python3",
        kernel_spec=SimpleNamespace(metadata={}),
    )  # fmt: skip
    km._kernels["k1"] = kernel
    shut = []

    async def fake_shutdown(self, kernel_id, *args, **kwargs):
        shut.append(kernel_id)

    monkeypatch.setattr(AsyncMappingKernelManager, "shutdown_kernel", fake_shutdown)
    asyncio.run(km.cull_kernel_if_idle("k1"))  # first sight outside the pool: clock restarted
    assert shut == [] and kernel.last_activity > long_ago
    asyncio.run(km.cull_kernel_if_idle("k1"))  # idle for less than the timeout since
    assert shut == []
    kernel.last_activity = datetime.now(UTC) - timedelta(seconds=11)
    asyncio.run(km.cull_kernel_if_idle("k1"))  # idle the whole timeout with no connection
    assert shut == ["k1"]


def test_a_kernel_whose_page_never_connects_is_shut_down_after_the_grace(monkeypatch):
    """A GET without a browser (a link preview, curl) takes a kernel whose websocket never
    connects: it is shut down ``unconnected_grace`` seconds after the cull first sees it, long
    before the idle timeout; a kernel whose page connected keeps the full idle timeout."""
    from sales_analytics import voila_server

    clock = [1000.0]
    monkeypatch.setattr(voila_server.time, "monotonic", lambda: clock[0])
    km = ViewsKernelManager(cull_idle_timeout=600, unconnected_grace=60)
    for kid in ("curl", "tab"):
        km._kernels[kid] = SimpleNamespace(
            last_activity=datetime.now(UTC), execution_state="idle", kernel_name="python3",
            kernel_spec=SimpleNamespace(metadata={}),
        )  # fmt: skip
    km._kernel_connections["tab"] = 1
    shut = []

    async def fake_shutdown(self, kernel_id, *args, **kwargs):
        shut.append(kernel_id)

    monkeypatch.setattr(AsyncMappingKernelManager, "shutdown_kernel", fake_shutdown)
    for kid in ("curl", "tab"):
        asyncio.run(km.cull_kernel_if_idle(kid))  # first sight: the clock starts
    clock[0] += 59
    for kid in ("curl", "tab"):
        asyncio.run(km.cull_kernel_if_idle(kid))
    assert shut == []
    clock[0] += 1  # 60 s: the grace is over for the kernel that never connected
    km._kernel_connections["tab"] = 0  # the tab's websocket dropped: it still has its idle timeout
    for kid in ("curl", "tab"):
        asyncio.run(km.cull_kernel_if_idle(kid))
    assert shut == ["curl"]


def _kernels_with_clients(monkeypatch, close_grace: float) -> tuple[ViewsKernelManager, list[str]]:
    """A kernel manager holding kernels "a" and "b" whose shutdowns are recorded, not performed."""
    km = ViewsKernelManager(close_grace=close_grace)
    for kid in ("a", "b"):
        km._kernels[kid] = SimpleNamespace(last_activity=datetime.now(UTC), execution_state="idle")
    shut: list[str] = []

    async def fake_shutdown(self, kernel_id, *args, **kwargs):
        shut.append(kernel_id)
        self._kernels.pop(kernel_id, None)

    monkeypatch.setattr(AsyncMappingKernelManager, "shutdown_kernel", fake_shutdown)
    return km, shut


def test_a_kernel_is_shut_down_close_grace_after_its_last_client_left(monkeypatch):
    """A page kernel's clients (its page request, presence socket, kernel websockets) hold it;
    ``close_grace`` seconds after the last one left it is shut down, once; one that comes back
    within the grace (a channel Voila reopens while loading) keeps it."""
    km, shut = _kernels_with_clients(monkeypatch, close_grace=0.2)

    async def scenario():
        km.client_joined("a")  # page request of a
        km.client_joined("a")  # its presence socket
        km.client_left("a", km.unconnected_grace)  # the page is written (a still has 1 client)
        km.client_joined("b")
        km.client_left("b")  # b's only client left: 0.2 s to come back
        await asyncio.sleep(0.1)
        km.client_joined("b")  # came back after 0.1 s: the timer is cancelled
        await asyncio.sleep(0.3)  # 0.4 s after b's first leave, 0.3 s > grace: nothing shut
        assert shut == []
        km.client_left("a")  # the tab of a closed
        await asyncio.sleep(0.1)
        assert shut == []  # still within a's grace
        await asyncio.sleep(0.25)  # 0.35 s > 0.2 s
        assert shut == ["a"]
        km.client_left("a")  # a late leave of a kernel gone: nothing more
        await km.shutdown_kernel("a")  # nor a second shutdown request (no error either)
        await asyncio.sleep(0.3)
        assert shut == ["a"]

    asyncio.run(scenario())


def test_a_page_abandoned_or_never_connected_lets_its_kernel_go(monkeypatch):
    """The page request leaves with the grace it is given: a page written in full gives its
    scripts ``unconnected_grace`` to connect; a kernel without clients is never timed (a kernel
    in a preheat pool); a shutdown request while the timer runs cancels it."""
    km, shut = _kernels_with_clients(monkeypatch, close_grace=0.1)
    km.unconnected_grace = 1  # (an Int trait: whole seconds)

    async def scenario():
        km.client_left("b")  # never joined (a pool kernel): no timer
        km.client_joined("a")
        km.client_left("a", km.unconnected_grace)  # written; its page's scripts never connect
        await asyncio.sleep(0.5)
        assert shut == []  # 0.5 s < 1 s
        await asyncio.sleep(0.7)
        assert shut == ["a"]  # 1.2 s > 1 s
        km.client_joined("b")
        km.client_left("b")
        await km.shutdown_kernel("b")  # the tab's own close request, before the timer fires
        await asyncio.sleep(0.3)
        assert shut == ["a", "b"]  # b shut down once

    asyncio.run(scenario())
