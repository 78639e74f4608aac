"""Conflicts in the team: customer-ownership clashes (撞单), credit disputes and their resolution.

Pure functions on DataFrames: :func:`detect_conflicts` finds the clashes,
the register (``parameters/conflict_decisions.yaml``, :func:`load_decisions`)
records decisions, :func:`decision_adjustments` turns them into credit moved on
the commission statements, :func:`conflict_status` lists open and overdue
findings, and :func:`chat_signals` reads the group chat for heated exchanges
(signals, not verdicts). See ``docs/conflicts.md``.
"""

from __future__ import annotations

from sales_analytics.conflicts.detect import FINDING_COLUMNS, contacts, detect_conflicts, finding_id
from sales_analytics.conflicts.params import ConflictParams
from sales_analytics.conflicts.register import (
    ConflictDecision,
    ConflictRegister,
    conflict_statement_lines,
    conflict_status,
    decision_adjustments,
    load_decisions,
    parse_decisions,
    register_adjustments,
)
from sales_analytics.conflicts.signals import (
    ConflictLexicon,
    chat_signals,
    complaints,
    heated_exchanges,
    load_lexicon,
    parse_lexicon,
)
from sales_analytics.conflicts.summary import conflicts_by_team, repeat_pairs

__all__ = [
    "FINDING_COLUMNS",
    "ConflictDecision",
    "ConflictLexicon",
    "ConflictParams",
    "ConflictRegister",
    "chat_signals",
    "complaints",
    "conflict_statement_lines",
    "conflict_status",
    "conflicts_by_team",
    "contacts",
    "decision_adjustments",
    "detect_conflicts",
    "finding_id",
    "heated_exchanges",
    "load_decisions",
    "load_lexicon",
    "parse_decisions",
    "parse_lexicon",
    "register_adjustments",
    "repeat_pairs",
]
