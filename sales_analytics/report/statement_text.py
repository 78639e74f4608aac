"""Commission statement lines in the reader's language, from the lines' own fields.

The commission engine writes each statement line (``incentive_statements``) with an English
``description`` and ``adjustment`` for whoever audits the Parquet table; a person reads the line
through this module instead, in the run's or the page's language: the report pages, report.xlsx
(both through :mod:`sales_analytics.report.present`) and the views' payslip
(:mod:`sales_analytics.views.statement`) share it.

- :func:`line_item` — the line's item and its basis ("品类提成：耗材", "档位 1: 0 – 100,000",
  "32 单 × 200.00"), from ``line_type``, ``tier``, ``rate``, ``n_orders``, ``base_amount``;
- :func:`line_text` — one sentence for a table's description column;
- :func:`adjustment_text` — the engine's adjustment note (a threshold, a cap, a clawback's rates,
  a draw) in the reader's language; the notes are matched by the patterns the engine writes
  (``sales_analytics/incentives/tiers.py``, ``adjustments.py``, ``commission.py``).

>>> row = {"line_type": "category_rate", "tier": "category:耗材", "rate": 0.05, "base_amount": 1000.0,
...        "amount_cents": 5000, "description": "category 耗材 at its own rate"}
>>> line_item(row, "zh"), line_text(row, "en")
(('品类提成：耗材', ''), 'Category rate: 耗材')
>>> adjustment_text("rate paid 3.473% × clawback 100%", "zh")
'已付提成率 3.473% × 追回比例 100%'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from sales_analytics.report.labels import label
from sales_analytics.report.present import MISSING, format_value, split_ids

__all__ = ["adjustment_text", "line_item", "line_text", "rate_text", "spiff_name"]

_TIERED = ("commission", "accelerator", "decelerator")
_SPIFF_NAME = re.compile(r"^SPIFF (.+?): ")  # the engine's SPIFF line names the plan's SPIFF first
_REFUND = re.compile(r"^refund (\S+?):? ")  # a clawback line names its refund first
# The engine's adjustment notes, each with the label that says it in the reader's language.
_ADJUSTMENTS = (
    (re.compile(r"^threshold (\S+)$"), "statement_adj_threshold"),
    (re.compile(r"^credited sales capped at (\S+)$"), "statement_adj_sales_cap"),
    (re.compile(r"^capped at (\S+) attainment$"), "statement_adj_attainment_cap"),
    (re.compile(r"^max_payout (\S+)$"), "statement_adj_max_payout"),
    (re.compile(r"^rate paid (\S+) × clawback (\S+)$"), "statement_adj_clawback"),
    (re.compile(r"^draw (\S+) \(recoverable\)$"), "statement_adj_draw_recoverable"),
    (re.compile(r"^draw (\S+) \(non-recoverable\)$"), "statement_adj_draw_final"),
    (re.compile(r"^(\S+) → (\S+)$"), "statement_adj_rounding"),
)


def _get(row: Mapping[str, Any], key: str) -> Any:
    value = row.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        import pandas as pd

        return None if pd.isna(value) else value
    except (TypeError, ValueError):
        return value


def _join(item: str, rest: str, language: str) -> str:
    return f"{item}：{rest}" if language == "zh" else f"{item}: {rest}"


def rate_text(rate: float, language: str) -> str:
    """A line's rate as a percentage: one decimal when that is exact, else two (3.0% · 0.46%)."""
    if rate is None or math.isnan(rate):
        return MISSING
    decimals = 1 if abs(round(rate * 1000) - rate * 1000) < 1e-9 else 2
    return format_value(rate, "fraction", language, decimals=decimals)


def spiff_name(row: Mapping[str, Any], spiffs: Mapping[str, str] | None = None) -> str | None:
    """The SPIFF's name: from ``spiffs`` (id → name), else as the engine's description gives it."""
    tier = str(_get(row, "tier") or "")
    if spiffs and tier in spiffs:
        return spiffs[tier]
    match = _SPIFF_NAME.match(str(_get(row, "description") or ""))
    return match.group(1) if match else None


def line_item(
    row: Mapping[str, Any], language: str, spiffs: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """The line's item and its basis in ``language`` (the basis may be empty)."""
    kind = str(_get(row, "line_type") or "")
    tier = str(_get(row, "tier") or "")
    item = label(kind, language)
    basis = ""
    if kind in _TIERED and tier:
        basis = label("view_statement_tier", language).format(tier=tier)
    elif kind in ("category_rate", "product_rate") and ":" in tier:
        item = _join(item, tier.split(":", 1)[1], language)
    elif kind == "spiff":
        item = _join(item, spiff_name(row, spiffs) or tier or label("spiff", language), language)
        rate = _get(row, "rate")
        if rate is not None:
            basis = label("view_statement_spiff_basis", language).format(
                n=f"{int(_get(row, 'n_orders') or 0):,}", amount=format_value(float(rate), "money", language)
            )
    elif kind == "cap" and _get(row, "base_amount") is not None:
        basis = label("view_statement_cap_basis", language).format(
            # the cap line takes the commission above the cap away: base + amount is the cap
            amount=format_value(
                float(row["base_amount"]) + int(_get(row, "amount_cents") or 0) / 100, "money", language
            )
        )
    return item, basis


def line_text(row: Mapping[str, Any], language: str, spiffs: Mapping[str, str] | None = None) -> str:
    """One sentence describing a statement line in ``language`` (a table's description column).

    >>> line_text({"line_type": "clawback", "source_order_ids": "O1-R", "rate": 0.03, "amount_cents": -300},
    ...           "zh")
    '提成追回：退款 O1-R，按 3.0% 追回已付提成'
    >>> line_text({"line_type": "commission", "tier": "", "rate": 0.0, "amount_cents": 0}, "en")
    'Commission: nothing earned this period (no credited sales, below the threshold or no target)'
    """
    kind = str(_get(row, "line_type") or "")
    item, basis = line_item(row, language, spiffs)
    cents = int(_get(row, "amount_cents") or 0)
    if kind == "clawback":
        ids = ", ".join(split_ids(str(_get(row, "source_order_ids") or "")))
        if not ids:  # the workbook moves the id lists to a detail sheet: the engine's note names it
            match = _REFUND.match(str(_get(row, "description") or ""))
            ids = match.group(1) if match else MISSING
        rate = _get(row, "rate")
        if cents and rate is not None:
            basis = label("statement_clawback_basis", language).format(
                ids=ids, rate=rate_text(float(rate), language)
            )
        else:
            basis = label("statement_clawback_nothing", language).format(ids=ids)
    elif kind in _TIERED and not basis and cents == 0:
        basis = label("statement_nothing_earned", language)
    elif kind == "credit_adjustment":
        base = _get(row, "base_amount")
        basis = label("statement_credit_basis", language).format(
            decision=str(_get(row, "adjustment") or MISSING),
            amount=MISSING if base is None else format_value(float(base), "money", language),
        )
    if not basis:
        return item
    if ("：" if language == "zh" else ": ") in item:  # the item names a SPIFF or category already
        return f"{item}，{basis}" if language == "zh" else f"{item}, {basis}"
    return _join(item, basis, language)


def adjustment_text(text: Any, language: str) -> Any:
    """The engine's adjustment note in ``language``; a note of no known pattern is returned as is
    (the decision id of a credit adjustment, a note of a later engine).

    >>> adjustment_text("draw 3,000.00 (recoverable)", "zh"), adjustment_text("D-17", "zh")
    ('保底 3,000.00（可扣回）', 'D-17')
    """
    if not isinstance(text, str):
        return text
    for pattern, key in _ADJUSTMENTS:
        match = pattern.match(text.strip())
        if match:
            return label(key, language).format(*match.groups())
    return text
