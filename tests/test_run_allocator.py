"""The run's allocator setting: a freed large array's pages serve the next one (no page faults)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt")

# Five 160 MB arrays made and freed one after another, after a first one: the minor page faults
# of the five. glibc's default maps each afresh (tens of faults each even with 2 MB huge pages,
# 40,000 with 4 KB pages); with the run's setting the first array's freed pages serve them all.
_PROBE = """
import resource, sys
import numpy as np
from sales_analytics.run.allocator import keep_freed_memory
if sys.argv[1] == "keep":
    assert keep_freed_memory()
a = np.ones(20_000_000)
del a
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    b = np.ones(20_000_000)
    del b
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True, timeout=60
    )
    return int(out.stdout.strip().splitlines()[-1])


def test_freed_large_arrays_are_reused_without_page_faults():
    kept = _faults("keep")
    default = _faults("default")
    assert kept < 20  # the arrays reuse freed heap pages
    assert default > 5 * 20  # without it each array faults its pages in again


def test_arrow_shares_the_allocator_and_release_hands_pages_back():
    probe = (
        "import numpy as np\n"
        "from sales_analytics.run.allocator import keep_freed_memory, release_freed_memory\n"
        "assert keep_freed_memory() and keep_freed_memory()\n"
        "import pyarrow as pa\n"
        "assert pa.default_memory_pool().backend_name == 'system', pa.default_memory_pool().backend_name\n"
        "def rss():\n"
        "    return int(open('/proc/self/statm').read().split()[1]) * 4096\n"
        "a = np.ones(40_000_000); del a\n"
        "held = rss()\n"
        "release_freed_memory()\n"
        "print(held - rss())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    # 320 MB freed: kept resident until released, then handed back
    assert int(out.stdout.strip()) > 200_000_000


def test_every_thread_allocates_from_the_one_arena():
    # glibc gives each thread that contends for the heap an arena of its own, whose pages it hands
    # back whatever the trim threshold; malloc_info lists the arenas (one <heap> element each). The
    # limit holds for arenas made after the call: threads started by imports may have one already.
    probe = (
        "import ctypes, os, sys, tempfile, threading\n"
        "import numpy as np\n"
        "from sales_analytics.run.allocator import keep_freed_memory\n"
        "if sys.argv[1] == 'keep':\n"
        "    assert keep_freed_memory()\n"
        "libc = ctypes.CDLL('libc.so.6')\n"
        "libc.fopen.restype = ctypes.c_void_p\n"
        "libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]\n"
        "libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]\n"
        "libc.fclose.argtypes = [ctypes.c_void_p]\n"
        "def count():\n"
        "    path = os.path.join(tempfile.mkdtemp(), 'info.xml')\n"
        "    f = libc.fopen(path.encode(), b'w'); libc.malloc_info(0, f); libc.fclose(f)\n"
        "    return open(path).read().count('<heap nr=')\n"
        "before = count()\n"
        "go = threading.Barrier(4)\n"
        "def work():\n"
        "    go.wait()\n"
        "    for _ in range(200):\n"
        "        [np.ones(1000) for _ in range(50)]\n"
        "threads = [threading.Thread(target=work) for _ in range(4)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(count() - before)\n"
    )

    def new_arenas(mode: str) -> int:
        out = subprocess.run(
            [sys.executable, "-c", probe, mode], capture_output=True, text=True, check=True, timeout=60
        )
        return int(out.stdout.strip().splitlines()[-1])

    assert new_arenas("keep") == 0
    assert new_arenas("default") > 0  # the probe does make threads contend for arenas
