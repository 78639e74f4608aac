"""The kernels of the run's notebooks: forked from a warm parent, shut down without an interrupt.

**Warm start.** A cold kernel (``python -m ipykernel_launcher``) spends about
a CPU second before the notebook's first line runs, and more importing
pandas, pyarrow, the package's configuration and matplotlib/seaborn, every
notebook again. A run starts one :class:`KernelForkServer`: a process (run
with ``python -m sales_analytics.run.kernel``) that imports all of that once,
single-threaded, and then forks one child per kernel asked for. Each child
becomes a fresh kernel process of its own (``IPKernelApp`` on the connection
file jupyter_client wrote): notebooks still share nothing, the imports are
inherited instead of repeated. The server never runs notebook code and never
starts a thread, so a child inherits no lock held by another thread; it
leaves ``matplotlib_inline``'s backend unimported, so the kernel's inline
figures are wired as in a cold kernel. A kernel is killed when the process
that asked for it goes away (its connection closes), and the server exits
with the run (its stdin closes; ``PR_SET_PDEATHSIG``); a kernel dies with
the server (``PR_SET_PDEATHSIG`` and ipykernel's parent poller). When the
server cannot be used (not Linux, it failed to start), kernels start cold.

**Quiet shutdown.** jupyter_client's ``shutdown_kernel`` first sends the
kernel SIGINT, then the ``shutdown_request`` (its ``shutdown_wait_time`` help
says so). When a notebook has finished, that interrupt is of no use, and if
it lands while the kernel is still inside a message handler ipykernel logs
``[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.`` to the run's
stderr: a successful cron run then reads as a failure. The manager skips the
interrupt once a shutdown has begun; the shutdown request, and
SIGTERM/SIGKILL after ``shutdown_wait_time`` for a kernel that does not stop,
are unchanged. An interrupt asked for while the kernel runs (a timeout) is
still sent.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jupyter_client import AsyncKernelManager

from sales_analytics.run.allocator import keep_freed_memory

__all__ = ["KernelForkServer", "QuietShutdownKernelManager", "warm_kernels"]

log = logging.getLogger(__name__)

#: what the fork server loads before it forks kernels: what a kernel and the notebooks' first cells
#: load anyway (ipykernel and its debugger, the data stack, the package's configuration, its typed
#: parameters and loaders, the chart stack used by notebooks 01-07); ``module:attribute`` also gets the
#: attribute (``Parameters`` builds the parameters model from every lever's section). Libraries only one
#: notebook uses (statsmodels, scikit-learn, jieba) are left to that notebook: every kernel holds what
#: the server loaded.
WARM_MODULES = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "IPython.display",
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.parquet",
    "pyarrow.compute",
    "sales_analytics.config:Parameters",
    "sales_analytics.io",
    "sales_analytics.notebook",
    "sales_analytics.sections",
    "sales_analytics.report.labels",
    "sales_analytics.report.present",
    "matplotlib",
    "matplotlib.figure",
    "matplotlib.pyplot",
    "seaborn",
)
#: ipykernel's default backend (``IPKernelApp.init_gui_pylab``), set before matplotlib is imported so
#: the warm matplotlib resolves the backend a cold kernel would
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
_INLINE_MODULE = "matplotlib_inline.backend_inline"
_PR_SET_PDEATHSIG = 1
_POLL_S = 0.05

#: the fork server of this process (and of the pool workers forked from it), while a run has one
_server_address: str | None = None
_server_pid: int | None = None


def set_death_signal() -> None:
    """SIGKILL this process when its parent exits (Linux with glibc; elsewhere nothing happens)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
    except OSError:  # pragma: no cover - not glibc
        log.debug("prctl(PR_SET_PDEATHSIG) unavailable")


def _die_with_parent(parent_pid: int) -> None:
    """SIGKILL this process when its parent exits (Linux); exit now if the parent is already gone."""
    set_death_signal()
    if os.getppid() != parent_pid:
        os._exit(1)


# --------------------------------------------------------------------------- the run's side
class KernelForkServer:
    """A warm parent process that forks kernels; started by :func:`warm_kernels` for one run."""

    def __init__(self) -> None:
        self._folder = tempfile.mkdtemp(prefix="sa-kernels-")  # 0700: only this user connects
        self.address = str(Path(self._folder) / "fork.sock")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sales_analytics.run.kernel", self.address, str(os.getpid())],
            stdin=subprocess.PIPE,
            # the server's own stdout is not the run's: a kernel's C-level prints still go to stderr
            stdout=subprocess.DEVNULL,
        )

    def close(self) -> None:
        """Stop the server (it kills any kernel still running) and remove its socket."""
        with contextlib.suppress(OSError):
            if self.process.stdin:
                self.process.stdin.close()  # the server's signal to stop
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a server stuck in a fork
            self.process.kill()
            self.process.wait()
        with contextlib.suppress(OSError):
            os.unlink(self.address)
        with contextlib.suppress(OSError):
            os.rmdir(self._folder)


@contextlib.contextmanager
def warm_kernels(enabled: bool = True) -> Iterator[KernelForkServer | None]:
    """Kernels started in this block (here or in processes forked here) are forked from a warm parent."""
    global _server_address, _server_pid
    if not enabled or not sys.platform.startswith("linux") or _server_address is not None:
        yield None
        return
    server = KernelForkServer()
    _server_address, _server_pid = server.address, server.process.pid
    try:
        yield server
    finally:
        _server_address = _server_pid = None
        server.close()


class _ForkedKernel:
    """A kernel forked by the server, with the part of :class:`subprocess.Popen` jupyter_client uses."""

    stdin = stdout = stderr = None

    def __init__(self, sock: socket.socket, pid: int, buffer: bytes) -> None:
        self._sock = sock
        self._buffer = buffer
        self.pid = pid
        self.returncode: int | None = None

    def _read(self, timeout: float | None) -> None:
        while self.returncode is None:
            if b"\n" not in self._buffer:
                ready, _, _ = select.select([self._sock], [], [], timeout)
                if not ready:
                    return
                chunk = self._sock.recv(4096)
                if not chunk:  # the server is gone, and its kernels with it
                    self.returncode = -int(signal.SIGKILL)
                    break
                self._buffer += chunk
                continue
            line, _, self._buffer = self._buffer.partition(b"\n")
            self.returncode = int(json.loads(line)["exit"])
        self._sock.close()

    def poll(self) -> int | None:
        self._read(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        self._read(timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _connect(sock: socket.socket, address: str, wait_s: float = 10.0) -> None:
    """Connect to the server, waiting while it is still starting (its socket not bound yet)."""
    until = time.monotonic() + wait_s
    while True:
        try:
            sock.connect(address)
            return
        except (FileNotFoundError, ConnectionRefusedError):
            if time.monotonic() > until or _server_pid is None or not _alive(_server_pid):
                raise
            time.sleep(0.02)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process now holds the number
        return False
    return not Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] == "Z"


def _fork_kernel(address: str, cmd: list[str], env: dict[str, str], cwd: str) -> _ForkedKernel | None:
    """Ask the server for a kernel running ``cmd``'s arguments; ``None`` if it cannot give one."""
    if cmd[:3] != [sys.executable, "-m", "ipykernel_launcher"]:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        _connect(sock, address)
        sock.sendall(json.dumps({"argv": cmd[3:], "env": env, "cwd": cwd}).encode() + b"\n")
        buffer = b""
        while b"\n" not in buffer:
            chunk = sock.recv(4096)
            if not chunk:
                raise OSError("the kernel fork server closed the connection")
            buffer += chunk
        line, _, rest = buffer.partition(b"\n")
        return _ForkedKernel(sock, int(json.loads(line)["pid"]), rest)
    except (OSError, ValueError, KeyError) as exc:
        sock.close()
        log.debug("kernel fork server unavailable (%s): starting the kernel cold", exc)
        return None


class QuietShutdownKernelManager(AsyncKernelManager):
    """:class:`AsyncKernelManager` without the SIGINT that precedes a shutdown, forked warm in a run."""

    async def _async_interrupt_kernel(self) -> None:
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        address = _server_address
        provisioner = self.provisioner
        if address is None or provisioner is None or not hasattr(provisioner, "pgid"):
            await super()._async_launch_kernel(kernel_cmd, **kw)
            return
        # the environment and folder jupyter_client's launcher would give the kernel (launcher.py)
        env = dict(kw.get("env") or os.environ)
        cwd = str(kw.get("cwd") or os.getcwd())
        kernel = _fork_kernel(address, kernel_cmd, env, cwd)
        if kernel is None:
            await super()._async_launch_kernel(kernel_cmd, **kw)
            return
        provisioner.process = kernel  # type: ignore[attr-defined]
        provisioner.pid = provisioner.pgid = kernel.pid  # type: ignore[attr-defined]  # its own session
        provisioner.cwd = cwd  # type: ignore[attr-defined]
        self._reconcile_connection_info(provisioner.connection_info)


# --------------------------------------------------------------------------- the server's side
def _kernel_child(request: dict[str, Any], server_pid: int) -> int:
    """In the forked child: become the kernel ``ipykernel_launcher`` would have started."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.setsid()  # its own session and process group, as jupyter_client's launcher gives a kernel
    _die_with_parent(server_pid)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    cwd = request["cwd"]
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ["JPY_PARENT_PID"] = str(server_pid)
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    sys.path[0] = cwd  # what `python -m` puts first
    import numpy as np

    np.random.seed()  # the global generator's state is not shared between kernels
    from ipykernel import kernelapp

    # parent_handle's default was read from the environment when the server imported ipykernel
    argv = [*request["argv"], f"--IPKernelApp.parent_handle={server_pid}"]
    sys.argv = [kernelapp.__file__, *argv]
    try:
        kernelapp.IPKernelApp.launch_instance(argv=argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _kill_group(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


def serve(address: str, parent_pid: int) -> None:
    """The fork server's loop: import, then fork a kernel per request until stdin closes."""
    import atexit
    import gc
    import importlib
    import threading
    import traceback

    _die_with_parent(parent_pid)
    keep_freed_memory()  # every kernel forked from here inherits the setting (see run/allocator.py)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's; the run closes stdin
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(16)  # kernels asked for before the imports are done wait here
    started = time.process_time()
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    # debugpy (ipykernel's debugger) warns on stderr at import that frozen modules may hide breakpoints;
    # in a cold kernel that line lands in the notebook's stderr, here it would land in the run's log
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    # no collection while importing (no freed holes in the pages the kernels share), then the objects
    # are frozen: a kernel's collections skip them and do not write to (copy) every inherited page
    gc.disable()
    for ref in WARM_MODULES:
        name, _, attribute = ref.partition(":")
        try:
            module = importlib.import_module(name)
            if attribute:
                getattr(module, attribute)
        except Exception as exc:  # a kernel then imports it itself, as a cold one does
            log.warning("kernel fork server: cannot load %s: %s", ref, exc)
    if _INLINE_MODULE in sys.modules or threading.active_count() > 1:  # pragma: no cover - guards
        log.warning("kernel fork server: not safe to fork (inline backend or a thread loaded); exiting")
        return
    log.debug("kernel fork server: imports in %.2f CPU s", time.process_time() - started)

    clients: dict[int, socket.socket] = {}  # kernel pid -> the connection that asked for it
    stdin = sys.stdin.fileno()
    try:
        while True:
            ready, _, _ = select.select([stdin, listener, *clients.values()], [], [], _POLL_S)
            if stdin in ready and not os.read(stdin, 4096):
                return
            for pid, conn in list(clients.items()):
                if conn in ready:  # the asking process closed its side (or died): its kernel goes
                    _kill_group(pid)
            while clients:  # reap: tell each asker how its kernel ended
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                asker = clients.pop(pid) if pid in clients else None
                if asker is not None:
                    with contextlib.suppress(OSError):
                        asker.sendall(
                            json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode() + b"\n"
                        )
                    asker.close()
            if listener not in ready:
                continue
            conn, _ = listener.accept()
            try:
                conn.settimeout(10)
                data = b""
                while b"\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        raise OSError("closed before its request")
                    data += chunk
                request = json.loads(data.partition(b"\n")[0])
            except (OSError, ValueError) as exc:
                log.debug("kernel fork server: bad request: %s", exc)
                conn.close()
                continue
            gc.freeze()
            pid = os.fork()
            if pid == 0:  # the kernel
                code = 1
                gc.enable()
                try:
                    listener.close()
                    conn.close()
                    for other in clients.values():
                        other.close()
                    code = _kernel_child(request, os.getppid())
                except BaseException:
                    traceback.print_exc()
                finally:
                    with contextlib.suppress(BaseException):
                        atexit._run_exitfuncs()  # a cold kernel's interpreter runs them as it exits
                    with contextlib.suppress(BaseException):
                        sys.stdout.flush()
                        sys.stderr.flush()
                    os._exit(code)
            conn.settimeout(None)
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
            clients[pid] = conn
    finally:
        for pid in clients:
            _kill_group(pid)
        listener.close()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
