"""What to tell someone who asks for a month that has no published bundle.

The hint never suggests a run that would be refused: the newest bundle's
manifest records the months its data covered (``coverage``), so a month
outside them is named as such, a month not over yet gets ``--partial`` and a
month not begun gets no command at all.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sales_analytics.periods import parse_period

__all__ = ["publish_hint"]


def _latest_coverage(outputs: Path) -> dict[str, str] | None:
    if not outputs.is_dir():
        return None
    for folder in sorted((f for f in outputs.iterdir() if f.is_dir()), key=lambda f: f.name, reverse=True):
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        cov = manifest.get("coverage") if isinstance(manifest, dict) else None
        if isinstance(cov, dict) and {"first", "last"} <= cov.keys():
            return cov
    return None


def publish_hint(period: str, outputs: str | Path, *, today: date | None = None) -> str:
    """One sentence: how ``period`` could be published, or why it cannot be yet.

    >>> import tempfile
    >>> publish_hint("2026-10", tempfile.mkdtemp(), today=date(2026, 12, 3))
    'run `sales-analytics run --period 2026-10`'
    >>> publish_hint("2026-12", tempfile.mkdtemp(), today=date(2026, 12, 3))
    '2026-12 is not over: `sales-analytics run --period 2026-12 --partial` publishes it as of yesterday'
    >>> publish_hint("2027-03", tempfile.mkdtemp(), today=date(2026, 12, 3))
    '2027-03 has not begun'
    """
    today = today or date.today()
    p = parse_period(period)
    if p.start > today:
        return f"{p} has not begun"
    cov = _latest_coverage(Path(outputs))
    if cov is not None and not (cov["first"] <= str(p) <= cov["last"]):
        return (
            f"the data of the latest run cover {cov['first']} … {cov['last']}: "
            f"{p} can be published once the data include it"
        )
    if today <= p.end:
        return f"{p} is not over: `sales-analytics run --period {p} --partial` publishes it as of yesterday"
    return f"run `sales-analytics run --period {p}`"
