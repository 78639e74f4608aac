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
from sales_analytics.notify.send import SEND_LOG as SEND_LOG
from sales_analytics.notify.send import NotifyResult, notify_period
from sales_analytics.notify.step import after_run as after_run

# Re-exported by ``import sales_analytics as sa``; SEND_LOG and after_run stay module names.
__all__ = ["NotifyConfig", "NotifyResult", "NotifyStep", "load_notify_config", "notify_period"]
