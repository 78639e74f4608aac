"""A deterministic, realistic sample sales organisation (every canonical table)."""

from __future__ import annotations

__all__: list[str] = []
