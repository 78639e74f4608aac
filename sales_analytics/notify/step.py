"""The ``notify:`` step of a monthly run: post after a successful publish, never after a failure."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sales_analytics.notify.send import NotifyResult

__all__ = ["after_run"]

log = logging.getLogger(__name__)


def after_run(
    result: Any, *, parameters_file: str | Path | None = None, outputs: str | Path | None = None
) -> NotifyResult | None:
    """Run the notify step for a finished :class:`~sales_analytics.run.monthly.RunResult`.

    Does nothing unless the run's parameters say ``notify: {enabled: true}`` and
    the run published (``ok``) or found its bundle up to date (``skipped``: the
    send log makes a repeat send nothing). A failed run raises before this is reached.
    """
    from sales_analytics import paths
    from sales_analytics.config import load_parameters
    from sales_analytics.notify.send import notify_period

    if getattr(result, "status", None) not in ("ok", "skipped") or result.bundle is None:
        return None
    # The current parameters decide (a bundle found up to date may predate the step being switched on).
    step = load_parameters(parameters_file, period=result.period).notify
    if not step.enabled:
        return None
    base = Path(parameters_file) if parameters_file else paths.parameters_dir() / "default.yaml"
    config_file = Path(step.file) if step.file else base.parent / "notify.yaml"
    if not config_file.is_absolute() and step.file:
        config_file = base.parent / step.file
    log.info("notify step: posting %s to %s", result.period, step.channels or "every enabled channel")
    return notify_period(
        result.period,
        channels=step.channels or None,
        config_file=config_file,
        outputs=outputs or Path(result.bundle).parent,
    )
