"""``sales-analytics serve``: the manager views through Voila, with safe settings.

What is enforced, and why:
- sources stripped and tracebacks hidden from the browser (``strip_sources``,
  ``show_tracebacks=False``): managers see results, not code or internals;
- a token is required: generated and printed at start unless given with
  ``--token`` or ``SALES_ANALYTICS_TOKEN``; ``--no-token`` only when asked for
  explicitly, with a warning;
- bound to 127.0.0.1 unless ``--ip`` is given (put a reverse proxy in front for
  a team; see docs/views.md);
- a preheated kernel per view (first chart fast), idle kernels culled;
- Voila's kernel websocket accepts only widget (comm) and kernel-info
  messages, so the browser cannot execute code; views read published
  bundles only (``SALES_ANALYTICS_OUTPUTS``).
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from pathlib import Path

from sales_analytics import paths
from sales_analytics.errors import SalesAnalyticsError

__all__ = ["register_cli", "voila_command"]

log = logging.getLogger(__name__)


def voila_command(
    *,
    port: int = 8866,
    ip: str = "127.0.0.1",
    token: str | None,
    views_dir: Path | None = None,
    cull_idle_timeout: int = 600,
    pool_size: int = 1,
) -> list[str]:
    """The Voila command line (``token=None`` disables the token)."""
    views = views_dir or paths.notebooks_dir() / "views"
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(views),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--preheat_kernel=True",
        f"--pool_size={pool_size}",
        "--theme=light",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_timeout}",
        "--MappingKernelManager.cull_interval=30",
        "--MappingKernelManager.cull_connected=False",
        "--VoilaConfiguration.file_allowlist=[]",
    ]
    cmd.append(f"--token={token}" if token else "--token=")
    return cmd


def _serve(args: argparse.Namespace) -> int:
    from sales_analytics.views.bundles import list_bundles

    if args.no_token and args.token:
        raise SalesAnalyticsError("--token and --no-token contradict each other; give one")
    token = (
        None
        if args.no_token
        else (args.token or os.environ.get("SALES_ANALYTICS_TOKEN") or secrets.token_urlsafe(24))
    )
    if args.no_token:
        log.warning(
            "serving WITHOUT a token: anyone who can reach %s:%s can read the reports", args.ip, args.port
        )
    if args.ip not in ("127.0.0.1", "localhost", "::1"):
        log.warning("listening on %s: put it behind a reverse proxy with TLS (docs/views.md)", args.ip)
    if args.language not in ("zh", "en"):
        raise SalesAnalyticsError(f"--language must be zh or en; got {args.language!r}")
    outputs = Path(args.outputs).resolve() if args.outputs else paths.outputs_dir()
    bundles = list_bundles(outputs)
    if args.period and args.period not in bundles:
        raise SalesAnalyticsError(
            f"no published bundle for {args.period}; published: {bundles or 'none'} "
            f"(run `sales-analytics run --period {args.period}`)"
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
        }
    )
    cmd = voila_command(port=args.port, ip=args.ip, token=token, cull_idle_timeout=args.cull_idle_timeout)
    host = "localhost" if args.ip in ("127.0.0.1", "::1") else args.ip
    url = f"http://{host}:{args.port}/voila/render/overview.ipynb"
    print(f"Manager views: {url}" + (f"?token={token}" if token else ""), flush=True)
    if token and not args.token:
        print(f"token: {token}", flush=True)
    # Become Voila (exec, not a child): a service manager's or a terminal's signals then reach
    # the server itself, which shuts its kernels down, instead of orphaning it.
    os.chdir(paths.project_root())
    sys.stdout.flush()
    os.execve(cmd[0], cmd, env)
    return 0  # pragma: no cover (execve does not return)


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve",
        help="serve the manager views (Voila, read-only)",
        description="Serve the manager views of the published bundles through Voila.",
    )
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--period", default="", help="period shown first (default: the newest bundle)")
    p.add_argument("--language", default="zh", help="zh | en: language shown first")
    p.add_argument("--outputs", default="", help="folder of published bundles (default outputs/)")
    p.add_argument("--token", default="", help="token to require (default: generated and printed)")
    p.add_argument("--no-token", action="store_true", help="serve without a token (not recommended)")
    p.add_argument(
        "--cull-idle-timeout", type=int, default=600, help="seconds before an idle kernel is shut down"
    )
    p.set_defaults(func=_serve)
