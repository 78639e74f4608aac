"""Fixtures shared by test folders."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest


@pytest.fixture
def parquet_reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[str, ...] | None]]:
    """Every Parquet read from here on, as ``(file stem, columns or None for the whole table)``.

    A snapshot's data-quality notes (``_quality``) are small and read at once: left out.
    """
    reads: list[tuple[str, tuple[str, ...] | None]] = []
    real = pq.read_table

    def counting(path, columns=None, **kw):  # type: ignore[no-untyped-def]
        if Path(path).stem != "_quality":
            reads.append((Path(path).stem, tuple(columns) if columns is not None else None))
        return real(path, columns=columns, **kw)

    monkeypatch.setattr(pq, "read_table", counting)
    return reads
