"""The commission statement of one rep as a payslip (个人绩效 → 提成明细).

The engine's statement lines (``incentive_statements``) are grouped as a payslip
reads: commission (tiers, category and product rates, credit moved by a decision,
the cap), SPIFFs, clawbacks (one line: how many refunds and their total), the
subtotal earned, then the draw and balance lines and the rounding, and the payout.
Every line is in the page's language, rates are percentages, and the payout is the
sum of the lines' cents, checked against the engine's payout
(``incentive_commission_summary.payout_cents``); the plan is named with its version
(the fingerprint of the bundle's ``incentive_plan.yaml``).
"""

from __future__ import annotations

import html
import math
from decimal import Decimal

import ipywidgets as w
import pandas as pd

from sales_analytics.report.labels import label
from sales_analytics.report.statement_text import line_item, rate_text
from sales_analytics.views.app import note
from sales_analytics.views.bundles import Bundle
from sales_analytics.views.components import heading, table
from sales_analytics.vocabulary import AFTER_EARNED_LINES

__all__ = ["SECTIONS", "payslip", "payslip_lines"]

# line types of each section of the payslip, in order; the subtotal closing the section
SECTIONS = (
    (
        "view_statement_commission",
        ("commission", "accelerator", "decelerator", "category_rate", "product_rate", "credit_adjustment", "cap"),
    ),
    ("view_statement_spiffs", ("spiff",)),
    ("view_statement_clawbacks", ("clawback",)),
    ("view_statement_balance", AFTER_EARNED_LINES),
)  # fmt: skip
_EARNED_AFTER = "view_statement_clawbacks"  # the subtotal "earned" closes this section


def _plan_names(bundle: Bundle, language: str) -> tuple[dict[str, str], dict[str, str]]:
    """Names of the bundle's commission plans and SPIFFs (``incentive_plan.yaml`` in the bundle)."""
    from sales_analytics.config import load_yaml
    from sales_analytics.errors import ConfigError

    try:
        doc = load_yaml(bundle.path / "incentive_plan.yaml")
    except (OSError, ConfigError):
        return {}, {}
    commission = (doc or {}).get("commission") or {}

    def name(item: dict) -> str | None:
        text = item.get("name_en") if language == "en" else None
        return str(text or item.get("name") or "") or None

    plans = {
        str(p["id"]): name(p) for p in commission.get("plans") or [] if isinstance(p, dict) and "id" in p
    }
    spiffs = {
        str(s["id"]): name(s) for s in commission.get("spiffs") or [] if isinstance(s, dict) and "id" in s
    }
    return {k: v for k, v in plans.items() if v}, {k: v for k, v in spiffs.items() if v}


def plan_version(bundle: Bundle) -> str:
    """The version of the plan a bundle was computed with: the first 8 hex digits of its
    ``incentive_plan.yaml`` fingerprint as the manifest records it (empty when it does not)."""
    for entry in bundle.manifest.get("parameter_files") or []:
        if isinstance(entry, dict) and entry.get("name") == "incentive_plan.yaml" and entry.get("sha256"):
            return str(entry["sha256"])[:8]
    return ""


def payslip_lines(lines: pd.DataFrame, language: str, spiffs: dict[str, str] | None = None) -> pd.DataFrame:
    """The payslip of one rep's statement ``lines`` (``incentive_statements`` rows): columns
    ``item, basis, base_amount, rate, amount, cents, kind`` where ``kind`` is ``line``,
    ``subtotal`` or ``total``; amounts are the lines' cents (exact), clawbacks summed into one
    line. The total is the sum of every line's cents."""
    spiffs = spiffs or {}
    rows: list[dict] = []
    total_cents = 0
    earned_cents = 0
    known = {t for _, types in SECTIONS for t in types}
    extra = sorted(set(lines["line_type"].astype(str)) - known)  # a line type added later still counts
    sections = [*SECTIONS[:-1], (SECTIONS[-1][0], (*SECTIONS[-1][1], *extra))]
    for key, types in sections:
        part = lines[lines["line_type"].astype(str).isin(types)].sort_values("line_no")
        cents = int(part["amount_cents"].sum()) if len(part) else 0
        if len(part):
            if key == "view_statement_clawbacks":
                rows.append(
                    {
                        "item": label("view_statement_clawback_line", language).format(n=f"{len(part):,}"),
                        "basis": label("view_statement_clawback_basis", language),
                        "base_amount": float(part["base_amount"].sum()),
                        "rate": "—",
                        "cents": cents,
                        "kind": "line",
                    }
                )
            else:
                for _, r in part.iterrows():
                    item, basis = line_item(r, language, spiffs)
                    rate = float(r["rate"]) if pd.notna(r.get("rate")) else math.nan
                    rows.append(
                        {
                            "item": item,
                            "basis": basis,
                            "base_amount": float(r["base_amount"])
                            if pd.notna(r.get("base_amount"))
                            else math.nan,
                            "rate": "—" if r["line_type"] == "spiff" else rate_text(rate, language),
                            "cents": int(r["amount_cents"]),
                            "kind": "line",
                        }
                    )
            rows.append(
                {
                    "item": label("view_statement_subtotal", language).format(section=label(key, language)),
                    "basis": "",
                    "base_amount": math.nan,
                    "rate": "",
                    "cents": cents,
                    "kind": "subtotal",
                }
            )
        total_cents += cents
        if key == _EARNED_AFTER:
            earned_cents = total_cents
            rows.append(
                {
                    "item": label("earned", language),
                    "basis": "",
                    "base_amount": math.nan,
                    "rate": "",
                    "cents": earned_cents,
                    "kind": "subtotal",
                }
            )
    rows.append(
        {
            "item": label("view_statement_payout", language),
            "basis": "",
            "base_amount": math.nan,
            "rate": "",
            "cents": total_cents,
            "kind": "total",
        }
    )
    out = pd.DataFrame(rows, columns=["item", "basis", "base_amount", "rate", "cents", "kind"])
    out["amount"] = [float(Decimal(int(c)) / 100) for c in out["cents"]]
    return out


def payslip(bundle: Bundle, language: str, rep: str) -> list[w.Widget]:
    """The payslip section of the rep scorecard for ``rep`` (widgets)."""
    statements = bundle.table("incentive_statements")
    out: list[w.Widget] = [heading("view_commission_statement", language)]
    if statements is None or "rep_id" not in statements.columns:
        return [*out, note(label("view_no_rows", language))]
    lines = statements[
        (statements["rep_id"].astype(str) == rep) & (statements["period"].astype(str) == bundle.period)
    ]
    if lines.empty:
        return [*out, note(label("view_statement_none", language))]
    plans, spiffs = _plan_names(bundle, language)
    first = lines.iloc[0]
    plan_id = str(first.get("plan_id", ""))
    version = plan_version(bundle)
    plan = plans.get(plan_id, plan_id)
    header = label("view_statement_header", language).format(
        name=str(first.get("rep_name") or rep),
        rep=rep,
        team=str(first.get("team") or "—"),
        period=bundle.period,
        plan=plan,
        version=version or "—",
    )
    slip = payslip_lines(lines, language, spiffs)
    total = int(slip["cents"].iloc[-1])
    summary = bundle.table("incentive_commission_summary")
    engine = None
    if summary is not None and {"rep_id", "payout_cents"} <= set(summary.columns):
        hit = summary[
            (summary["rep_id"].astype(str) == rep) & (summary["period"].astype(str) == bundle.period)
        ]
        engine = int(hit["payout_cents"].iloc[0]) if len(hit) else None
    out.append(w.HTML(f'<div class="sa-slip-head">{html.escape(header)}</div>'))
    out.append(
        table(
            slip[["item", "basis", "base_amount", "rate", "amount"]],
            language,
            units={
                "item": "text",
                "basis": "text",
                "base_amount": "money",
                "rate": "text",
                "amount": "money",
            },
            labels={
                "item": "view_statement_item",
                "basis": "view_statement_basis",
                "base_amount": "base_amount",
                "rate": "rate",
                "amount": "amount",
            },
            decimals={"base_amount": 2, "amount": 2},
            scroll_after=len(slip),
            row_classes=[
                {"line": "", "subtotal": "sa-subtotal", "total": "sa-total"}[k] for k in slip["kind"]
            ],
        )
    )
    if engine is not None and engine != total:  # cannot happen unless the bundle was altered: say so
        out.append(note(label("view_statement_mismatch", language)))
    return out
