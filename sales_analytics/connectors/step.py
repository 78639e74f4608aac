"""The optional ``pull:`` step of ``sales-analytics run`` (``parameters/default.yaml``).

A failed pull stops the run (exit 2): a scheduled run on stale files is worse than none.
The current view of the last good pull stays as it was either way.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["before_run"]


def before_run(*, parameters_file: str | Path | None = None) -> list[str]:
    """Pull when ``pull.enabled``; returns one summary line per source (none when disabled)."""
    from sales_analytics import paths
    from sales_analytics.config import load_parameters
    from sales_analytics.connectors.config import load_sources
    from sales_analytics.connectors.pull import pull

    step = load_parameters(parameters_file).pull
    if not step.enabled:
        return []
    file = Path(step.file) if step.file else None
    if file is not None and not file.is_absolute():
        file = paths.project_root() / file
    cfg = load_sources(file)
    lines = []
    names: list[str | None] = [*step.sources] if step.sources else [None]
    for name in names:
        for r in pull(name, config=cfg):
            total = sum(r.records.values())
            lines.append(f"pull {r.source}: {r.mode} {r.folder.name if r.folder else ''}: {total} records")
    return lines
