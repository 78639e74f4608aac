"""Shared paths of the io tests."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared" / "datasets"


@pytest.fixture
def shared_datasets() -> Path:
    """The real public datasets next to the repository (skip when this checkout has none)."""
    if not SHARED.is_dir():
        pytest.skip(f"real datasets not available at {SHARED}")
    return SHARED
