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


def test_release_hands_pages_back_and_the_setting_is_idempotent():
    probe = (
        "import numpy as np\n"
        "from sales_analytics.run.allocator import keep_freed_memory, release_freed_memory\n"
        "keep_freed_memory(); keep_freed_memory()\n"
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
