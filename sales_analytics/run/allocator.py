"""The C allocator of a run's processes: freed memory kept for reuse, handed back at chosen points.

A lever on 10M order rows makes hundreds of temporary arrays of 10-80 MB.
glibc's ``malloc`` serves every block above its mmap threshold (at most
32 MB) with a fresh ``mmap`` and returns it with ``munmap`` when freed, so
each such temporary page-faults its memory in again, and the kernel zeroes
every page: about a third of a 10M run's CPU time was system time (measured
in docs/scaling.md). :func:`keep_freed_memory` turns both off for the calling
process and the processes it forks (``mallopt``: no mmap for large blocks,
freed memory at the top of the heap kept up to 2 GB, one arena for all
threads) and has Arrow allocate from the same ``malloc`` (its default pool,
mimalloc, unmaps freed pages as well), so a freed array's pages serve the
next one;
:func:`release_freed_memory` hands free pages back (``malloc_trim``) where a
process is about to fork or to sit idle.

The run sets this in its own process (load, snapshot, report), the job
processes it forks inherit it, and the kernels' warm parent sets it before
it forks kernels. Elsewhere than on Linux with glibc both calls do nothing.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from functools import cache

__all__ = ["keep_freed_memory", "release_freed_memory"]

log = logging.getLogger(__name__)

# <malloc.h>: mallopt parameters
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_M_ARENA_MAX = -8
#: free memory at the top of the heap kept before glibc trims it (mallopt takes a C int)
TRIM_THRESHOLD = 2**31 - 1


@cache
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt  # noqa: B018 - glibc, not another C library
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return None
    return libc


def keep_freed_memory() -> bool:
    """Keep this process's freed memory for reuse instead of unmapping it; True when it took effect."""
    libc = _libc()
    if libc is None:  # pragma: no cover - not Linux with glibc
        return False
    # One arena for every thread: a thread's own arena lives in 64 MB heaps that glibc grows and
    # shrinks page by page (mprotect, MADV_DONTNEED) whatever the trim threshold, and cannot hold a
    # larger block without mmap, so Arrow's reader and encoder threads faulted their pages in afresh
    # (10M orders loaded: 6 s of system time, 2 s with one arena; docs/scaling.md)
    ok = (
        libc.mallopt(_M_MMAP_MAX, 0) == 1
        and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
        and libc.mallopt(_M_ARENA_MAX, 1) == 1
    )
    if not ok:  # pragma: no cover - glibc refused a value
        log.debug("mallopt refused; the allocator keeps its defaults")
        return False
    import pyarrow as pa

    # Arrow's buffers from the same malloc: its bundled mimalloc returned freed pages to the system
    # too (5-8 s of system time reading the 10M orders, against 1 s with the system pool)
    pa.set_memory_pool(pa.system_memory_pool())
    return True


def release_freed_memory() -> None:
    """Hand this process's free heap pages back to the system (``malloc_trim``)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
