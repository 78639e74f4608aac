"""Group rules (明确群规): the rules file, compliance from chat logs, the rewards and penalties ledger.

``parameters/group_rules.yaml`` is loaded with :func:`load_group_rules`;
:func:`classify_messages` judges every message of ``chat_messages`` once, and
the summaries (:func:`compliance_by_member`, :func:`compliance_by_group`,
:func:`rule_violations`, :func:`ledger_summary`) restrict it to a month.
"""

from __future__ import annotations

from pydantic import Field

from sales_analytics.config import StrictModel
from sales_analytics.rules.compliance import (
    classify_messages,
    compliance_by_group,
    compliance_by_member,
    rule_violations,
    working_day_hours,
)
from sales_analytics.rules.ledger import ledger_summary
from sales_analytics.rules.model import GroupRules, load_group_rules
from sales_analytics.rules.text import mask_contacts

__all__ = [
    "GroupRules",
    "RulesParams",
    "classify_messages",
    "compliance_by_group",
    "compliance_by_member",
    "ledger_summary",
    "load_group_rules",
    "mask_contacts",
    "rule_violations",
    "working_day_hours",
]


class RulesParams(StrictModel):
    """The ``rules:`` section of the parameters file."""

    rules_file: str = Field("group_rules.yaml", description="group rules, relative to parameters/")
