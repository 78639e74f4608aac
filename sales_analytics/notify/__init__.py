"""Results reach the group: digests, 喜报 cards and e-mail from a published bundle.

``sales-analytics notify --period P`` (see :mod:`sales_analytics.notify.cli`)
reads ``outputs/<period>/`` only, builds each channel's messages
(:mod:`.content`, :mod:`.markdown`, :mod:`.cards`), posts them through one
module per platform (:mod:`.wecom`, :mod:`.dingtalk`, :mod:`.feishu`,
:mod:`.email`) and logs every send in ``outputs/<period>/notify.json``
(:mod:`.send`). Channels are declared in ``parameters/notify.yaml``
(:mod:`.config`); secrets come from the environment or files outside the project.
"""

from __future__ import annotations

from sales_analytics.notify.config import NotifyConfig, NotifyStep, load_notify_config
from sales_analytics.notify.send import SEND_LOG, NotifyResult, notify_period
from sales_analytics.notify.step import after_run

__all__ = [
    "SEND_LOG",
    "NotifyConfig",
    "NotifyResult",
    "NotifyStep",
    "after_run",
    "load_notify_config",
    "notify_period",
]
