"""One run per period at a time: an OS file lock plus a note of who holds it.

The lock itself is ``filelock`` (``flock`` on Unix), which the operating system
releases when the holding process dies, so a killed run can never block the
next one. Next to it a small JSON note records the holder (pid, host, start
time, run id) to name it in the refusal message. The note is deleted on a
clean release; finding one when the lock is free therefore means the last run
of this period was killed or crashed, and the caller recovers the bundle
folders before going on.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sales_analytics.errors import RunError

__all__ = ["PeriodLock"]

log = logging.getLogger(__name__)


class PeriodLock:
    """Exclusive lock on one period's bundle, held for the whole run.

    ``wait`` is ``False`` (refuse at once when another run holds it), ``True``
    (wait as long as needed) or a number of seconds to wait before refusing.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with PeriodLock(folder, "2026-10", run_id="r1") as lock:
    ...     other = PeriodLock(folder, "2026-10", run_id="r2")
    ...     try:
    ...         other.acquire()
    ...     except RunError as exc:
    ...         print(str(exc).split(" (")[0])
    another run of 2026-10 is in progress
    """

    def __init__(
        self, locks_dir: str | Path, period: str, *, run_id: str = "", wait: bool | float = False
    ) -> None:
        from filelock import FileLock

        self.dir = Path(locks_dir)
        self.period = str(period)
        self.run_id = run_id
        self.wait = wait
        self.lock_path = self.dir / f"{self.period}.lock"
        self.note_path = self.dir / f"{self.period}.holder.json"
        self._lock = FileLock(str(self.lock_path), thread_local=False)
        self.stale: dict[str, Any] | None = None

    def _read_note(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.note_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def acquire(self) -> PeriodLock:
        """Take the lock or raise RunError naming the run that holds it."""
        from filelock import Timeout

        self.dir.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            if self.wait is False:
                raise self._refusal() from None
            holder = self._read_note() or {}
            log.warning(
                "waiting for the run of %s held by pid %s on %s",
                self.period,
                holder.get("pid"),
                holder.get("host"),
            )
            try:
                self._lock.acquire(timeout=-1 if self.wait is True else float(self.wait))
            except Timeout:
                raise self._refusal() from None
        self.stale = self._read_note()
        if self.stale:
            log.warning(
                "the previous run of %s (pid %s on %s, started %s) did not finish; recovering",
                self.period,
                self.stale.get("pid"),
                self.stale.get("host"),
                self.stale.get("started"),
            )
        note = {
            "period": self.period,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "run_id": self.run_id,
        }
        tmp = self.note_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(note), encoding="utf-8")
        tmp.replace(self.note_path)
        return self

    def _refusal(self) -> RunError:
        holder = self._read_note() or {}
        who = ", ".join(f"{k} {holder[k]}" for k in ("pid", "host", "started", "run_id") if holder.get(k))
        return RunError(
            f"another run of {self.period} is in progress ({who or 'holder unknown'}; lock {self.lock_path}); "
            "wait for it to finish or start this one with --wait"
        )

    def release(self) -> None:
        """Delete the holder note and release the lock."""
        if not self._lock.is_locked:
            return
        try:
            self.note_path.unlink(missing_ok=True)
        finally:
            self._lock.release(force=True)

    def __enter__(self) -> PeriodLock:
        return self.acquire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
