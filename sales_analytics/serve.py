"""``sales-analytics serve``: the manager views through Voila, with safe settings.

What is enforced, and why:
- sources stripped and tracebacks hidden from the browser (``strip_sources``,
  ``show_tracebacks=False``): managers see results, not code or internals;
- a token is required: generated and printed at start unless given with
  ``--token`` or ``SALES_ANALYTICS_TOKEN``; ``--no-token`` only when asked for
  explicitly, with a warning;
- bound to 127.0.0.1 unless ``--ip`` is given (put a reverse proxy in front for
  a team; see docs/views.md);
- a view opens on its first screen (``/views/<view>``), written by the server from the
  snapshot drawn ahead: no kernel, no script; the Voila view with its widgets is a link away,
  with a preheated kernel per view and idle kernels culled;
- Voila's kernel websocket accepts only widget (comm) and kernel-info
  messages, so the browser cannot execute code; views read published
  bundles only (``SALES_ANALYTICS_OUTPUTS``);
- Voila runs as :mod:`sales_analytics.voila_server` (a Content-Security-Policy on
  every page, credentials out of logs and kernels, no tracebacks and rate-limited
  widget messages on the websocket, kernels bounded in total and per credential
  with a "busy, retry" page beyond);
- the views' content is drawn before the first request (snapshots of the newest
  bundle, or of ``--period``), so each viewer's kernel only shows it.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from sales_analytics import paths
from sales_analytics.errors import SalesAnalyticsError
from sales_analytics.vocabulary import DEFAULT_LANGUAGE, LANGUAGES

__all__ = ["HEADLESS_CHROMIUM_ARGS", "ViewsServer", "register_cli", "voila_command"]

log = logging.getLogger(__name__)


def voila_command(
    *,
    port: int = 8866,
    ip: str = "127.0.0.1",
    token: str | None,
    views_dir: Path | None = None,
    cull_idle_timeout: int = 600,
    pool_size: int = 1,
    max_kernels: int = 40,
    max_kernels_per_credential: int = 30,
    scoped: bool = False,
) -> list[str]:
    """The Voila command line (``token=None`` disables the token; ``scoped``: per-person
    credentials from the access file, no preheated page shared between people)."""
    views = views_dir or paths.notebooks_dir() / "views"
    cmd = [
        sys.executable,
        "-m",
        "sales_analytics.voila_server",
        str(views),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--preheat_kernel=True",
        f"--pool_size={pool_size}",
        "--theme=light",
        f"--template={VIEWS_TEMPLATE}",  # first screen in the page itself (views/jupyter/…)
        # a view's output (its first screen, charts as images) can reach the page after nbclient's
        # default 4 s wait on a busy machine, and is then dropped: the page stays empty
        "--VoilaExecutor.iopub_timeout=30",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_timeout}",
        "--MappingKernelManager.cull_interval=30",
        "--MappingKernelManager.cull_connected=False",
        "--VoilaConfiguration.file_allowlist=[]",
        # the cookie Voila's close-tab shutdown request needs, and no cull of a kernel just
        # handed to a page (see voila_server.py)
        "--Voila.identity_provider_class=sales_analytics.voila_server.ViewsIdentityProvider",
        "--VoilaConfiguration.multi_kernel_manager_class=sales_analytics.voila_server.ViewsKernelManager",
        "--Voila.kernel_websocket_connection_class=sales_analytics.voila_server.ViewsWebsocketConnection",
        f"--ViewsVoila.max_kernels={max_kernels}",
        f"--ViewsVoila.max_kernels_per_credential={max_kernels_per_credential}",
    ]
    if scoped:  # sales_analytics.access.web: a page's kernel is started for its person
        cmd = [c for c in cmd if not c.startswith(("--preheat_kernel=", "--Voila.identity_provider_class="))]
        cmd += [
            "--preheat_kernel=False",
            "--Voila.identity_provider_class=sales_analytics.access.web.ScopedIdentityProvider",
        ]
        return [*cmd, "--token="]
    cmd.append(f"--token={token}" if token else "--token=")
    return cmd


# The views' Voila template (sales_analytics/views/jupyter/voila/templates/), found through
# JUPYTER_PATH, which serve points there
VIEWS_TEMPLATE = "sa-views"
TEMPLATE_ROOT = Path(__file__).resolve().parent / "views" / "jupyter"


# Debian's Chromium driven headless in a container (no sandbox, no GPU) without calls home:
# the browser tests and the views benchmark launch it with these
HEADLESS_CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@dataclass
class ViewsServer:
    """``sales-analytics serve`` running in the background, for smoke tests, browser tests and the
    views benchmark::

        with ViewsServer.start(outputs="outputs", token="t", log=Path("serve.log")) as server:
            server.wait_ready()
            urlopen(server.url("overview"))
    """

    proc: subprocess.Popen
    port: int
    token: str
    log: Path
    views: tuple[str, ...]
    scoped: bool = False

    @classmethod
    def start(
        cls,
        *,
        outputs: str | Path,
        token: str,
        log: Path,
        port: int | None = None,
        cull_idle_timeout: int = 600,
        max_kernels: int | None = None,
        max_kernels_per_credential: int | None = None,
        access: str | Path | None = None,
    ) -> ViewsServer:
        """``access``: serve with per-person credentials from that access file (``token`` is
        then the credential :meth:`url` uses)."""
        port = port or _free_port()
        cmd = [sys.executable, "-m", "sales_analytics", "serve", "--port", str(port)]
        cmd += ["--access", str(access)] if access else ["--token", token]
        cmd += ["--outputs", str(outputs), "--cull-idle-timeout", str(cull_idle_timeout)]
        if max_kernels is not None:
            cmd += ["--max-kernels", str(max_kernels)]
        if max_kernels_per_credential is not None:
            cmd += ["--max-kernels-per-credential", str(max_kernels_per_credential)]
        env = dict(os.environ, SALES_ANALYTICS_OUTPUTS=str(outputs))
        with log.open("w") as fh:
            proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        views = tuple(sorted(p.stem for p in (paths.notebooks_dir() / "views").glob("*.ipynb")))
        return cls(proc=proc, port=port, token=token, log=log, views=views, scoped=bool(access))

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, view: str) -> str:
        """The live (Voila, widgets, a kernel) view."""
        return f"{self.base}/voila/render/{view}.ipynb?token={self.token}"

    def first_screen_url(self, view: str, **args: str) -> str:
        """The view's first screen, written from its snapshot (no kernel, no script)."""
        return f"{self.base}/views/{view}?" + urlencode({**args, "token": self.token})

    def wait_ready(self, timeout: float = 120) -> None:
        """Until every view's kernel pool is filled (its notebook may still be executing)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log.read_text(errors="replace")
            if text.count("Kernel pool of") >= len(self.views) or (
                self.scoped and "Voilà is running at" in text
            ):
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited with status {self.proc.returncode}:\n{text}")
            time.sleep(0.5)
        raise RuntimeError(
            f"views not ready within {timeout} s; log:\n{self.log.read_text(errors='replace')}"
        )

    def stop(self) -> None:
        self.proc.terminate()  # Voila shuts its kernels down on SIGTERM
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> ViewsServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(args: argparse.Namespace) -> int:
    from sales_analytics.run.bundle import BundleLayout
    from sales_analytics.views.bundles import list_bundles

    if args.no_token and args.token:
        raise SalesAnalyticsError("--token and --no-token contradict each other; give one")
    access_file = _scoped_access(args)  # per-person credentials and scopes (sales_analytics.access)
    given = args.token or os.environ.get("SALES_ANALYTICS_TOKEN")
    token = None if args.no_token or access_file else (given or secrets.token_urlsafe(24))
    if args.no_token:
        log.warning(
            "serving WITHOUT a token: anyone who can reach %s:%s can read the reports", args.ip, args.port
        )
    if args.ip not in ("127.0.0.1", "localhost", "::1"):
        log.warning("listening on %s: put it behind a reverse proxy with TLS (docs/views.md)", args.ip)
    if args.language not in LANGUAGES:
        raise SalesAnalyticsError(f"--language must be {' or '.join(LANGUAGES)}; got {args.language!r}")
    outputs = Path(args.outputs).resolve() if args.outputs else paths.outputs_dir()
    BundleLayout(outputs).restore_half_swapped()  # a month a killed run's swap left missing
    bundles = list_bundles(outputs)
    if args.period and args.period not in bundles:
        from sales_analytics.run.hint import publish_hint

        raise SalesAnalyticsError(
            f"no published bundle for {args.period}; published: {bundles or 'none'} "
            f"({publish_hint(args.period, outputs)})"
        )
    if access_file is not None:
        from sales_analytics.access.publish import read_index

        unscoped = [b for b in bundles if not read_index(outputs / b)]
        if unscoped:
            log.warning(
                "bundles without scopes (only a director sees them): %s; write them with "
                "`sales-analytics access publish --period <period>`",
                ", ".join(unscoped),
            )
    if not bundles:
        log.warning(
            "no bundle published yet in %s: the views will say so (run `sales-analytics run`)", outputs
        )
    env = dict(os.environ)
    env.update(
        {
            "SALES_ANALYTICS_OUTPUTS": str(outputs),
            "SALES_ANALYTICS_VIEW_LANGUAGE": args.language,
            "SALES_ANALYTICS_VIEW_PERIOD": args.period or "",
            "SALES_ANALYTICS_HOME": str(paths.project_root()),
            "MPLBACKEND": "Agg",
            "JUPYTER_PATH": os.pathsep.join(
                p for p in (str(TEMPLATE_ROOT), os.environ.get("JUPYTER_PATH")) if p
            ),
        }
    )
    if access_file is not None:
        from sales_analytics.access.layout import MODE_ENV

        env.update({"SALES_ANALYTICS_ACCESS": str(access_file), MODE_ENV: "scoped"})
    if args.max_kernels < 1 or not 1 <= args.max_kernels_per_credential <= args.max_kernels:
        raise SalesAnalyticsError(
            "--max-kernels must be at least 1 and --max-kernels-per-credential between 1 and it; "
            f"got {args.max_kernels} and {args.max_kernels_per_credential}"
        )
    if bundles:
        from sales_analytics.views.snapshot import prerender

        started = time.monotonic()
        scopes = ["all", "company"] if access_file else None  # other scopes on their first request
        drawn = prerender(outputs, [args.period or bundles[0]], scopes=scopes)
        log.info("views drawn ahead: %d snapshots in %.1f s", drawn, time.monotonic() - started)
    cmd = voila_command(
        port=args.port,
        ip=args.ip,
        token=token,
        cull_idle_timeout=args.cull_idle_timeout,
        max_kernels=args.max_kernels,
        max_kernels_per_credential=args.max_kernels_per_credential,
        scoped=access_file is not None,
    )
    host = "localhost" if args.ip in ("127.0.0.1", "::1") else args.ip
    url = f"http://{host}:{args.port}/views/overview"  # the first screen; its "live view" link: Voila
    # A token the operator gave (flag, environment) is never printed: under a service manager this
    # output is a log. A generated one is printed once, or nobody could open the views.
    shown = "" if not token else (f"?token={token}" if not given else "?token=<your token>")
    if access_file is not None:
        url, shown = f"http://{host}:{args.port}/", f"?token=<credential> (one per person: {access_file})"
    print(f"Manager views: {url}{shown}", flush=True)
    if token and not given:
        print(f"token (generated): {token}", flush=True)
    # Become Voila (exec, not a child): a service manager's or a terminal's signals then reach
    # the server itself, which shuts its kernels down, instead of orphaning it.
    os.chdir(paths.project_root())
    sys.stdout.flush()
    os.execve(cmd[0], cmd, env)
    return 0  # pragma: no cover (execve does not return)


def _scoped_access(args: argparse.Namespace) -> Path | None:
    """The access file when serving per person: ``--access``, else ``parameters/access.yaml``
    (``$SALES_ANALYTICS_ACCESS``) when it names people and no shared token was asked for."""
    from sales_analytics.access.store import access_path, load_access

    if args.access:
        if args.token or args.no_token:
            raise SalesAnalyticsError(
                "--access serves each person with their own credential; --token and --no-token do not apply"
            )
        path = Path(args.access).resolve()
        if not path.is_file():
            raise SalesAnalyticsError(
                f"access file {path} not found; add people with `sales-analytics access add`"
            )
        load_access(path)  # a broken file is a ConfigError now, not a 403 for everybody later
        return path
    path = access_path()
    if args.token or args.no_token or not path.is_file():
        return None
    return path.resolve() if load_access(path).people else None


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve",
        help="serve the manager views (Voila, read-only)",
        description="Serve the manager views of the published bundles through Voila.",
    )
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--period", default="", help="period shown first (default: the newest bundle)")
    p.add_argument(
        "--language", default=DEFAULT_LANGUAGE, help=f"{' | '.join(LANGUAGES)}: language shown first"
    )
    p.add_argument("--outputs", default="", help="folder of published bundles (default outputs/)")
    p.add_argument("--token", default="", help="token to require (default: generated and printed)")
    p.add_argument("--no-token", action="store_true", help="serve without a token (not recommended)")
    p.add_argument(
        "--access",
        default="",
        help="serve each person their scope with their own credential from this access file "
        "(default: parameters/access.yaml when it names people and no --token is given)",
    )
    p.add_argument(
        "--cull-idle-timeout", type=int, default=600, help="seconds before an idle kernel is shut down"
    )
    p.add_argument(
        "--max-kernels", type=int, default=40, help="views open at once, in total (each holds a kernel)"
    )
    p.add_argument(
        "--max-kernels-per-credential",
        type=int,
        default=30,
        help="views open at once for one token from one address",
    )
    p.set_defaults(func=_serve)
