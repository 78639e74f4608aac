"""Group-rule compliance from chat logs; the rewards and penalties ledger."""

from __future__ import annotations

from pydantic import Field

from sales_analytics.config import StrictModel

__all__ = ["RulesParams"]


class RulesParams(StrictModel):
    """The ``rules:`` section of the parameters file."""

    rules_file: str = Field("group_rules.yaml", description="group rules, relative to parameters/")
