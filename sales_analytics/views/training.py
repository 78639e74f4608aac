"""培训与群规 Training & rules: the first action at the top, then charts (training coverage
gaps, the Kirkpatrick levels with their intervals, rule compliance over the published months)
and the tables of the training, rules, feedback and conflict levers."""

from __future__ import annotations

import math

import ipywidgets as w
import numpy as np
import pandas as pd

from sales_analytics.report.labels import label
from sales_analytics.report.present import money_axis, percent_axis
from sales_analytics.views._common import at, figure, missing
from sales_analytics.views.app import note
from sales_analytics.views.bundles import Bundle, list_bundles, open_bundle
from sales_analytics.views.components import TABLE_MAX_ROWS, chart, display_name, heading, table

__all__ = ["first_action", "training_rules"]

COVERAGE_GOAL = 0.8  # a training category or team below this share of reps trained is a gap
_LEVELS = ("L1", "L2", "L3", "L4")  # Kirkpatrick levels drawn with intervals (L5, ROI, has none)


def first_action(bundle: Bundle, language: str) -> str:
    """The one thing to do first, as a sentence: the largest training coverage gap (a category
    below :data:`COVERAGE_GOAL`), else the reps without recent training, else the rule broken
    most often, else nothing pressing."""
    p = bundle.period
    coverage = at(bundle.table("training_coverage"), p)
    if coverage is not None and {"level", "key", "trained_share"} <= set(coverage.columns):
        cats = coverage[coverage["level"] == "category"].dropna(subset=["trained_share"])
        gaps = cats[cats["trained_share"] < COVERAGE_GOAL].sort_values("trained_share")
        if len(gaps):
            g = gaps.iloc[0]
            return label("view_action_training_gap", language).format(
                category=display_name(str(g["key"]), language),
                trained=f"{int(g.get('reps_trained', 0)):,}",
                reps=f"{int(g.get('reps', 0)):,}",
                share=f"{float(g['trained_share']):.0%}",
            )
    untrained = at(bundle.table("training_untrained"), p)
    if untrained is not None and len(untrained):
        return label("view_action_untrained", language).format(n=f"{len(untrained):,}")
    violations = at(bundle.table("rules_violations"), p)
    if violations is not None and len(violations) and "rule" in violations.columns:
        counts = violations["rule"].astype(str).value_counts()
        return label("view_action_rule", language).format(
            rule=display_name(counts.index[0], language), n=f"{int(counts.iloc[0]):,}"
        )
    return label("view_action_none", language)


def _coverage_chart(coverage: pd.DataFrame, language: str) -> w.Widget | None:
    """Share of reps trained per training category and per team (bars, %), the goal as a line."""
    parts = []
    for level, key in (("category", "view_training_by_category"), ("team", "view_training_by_team")):
        rows = coverage[(coverage["level"] == level)].dropna(subset=["trained_share"])
        if len(rows):
            parts.append((key, rows.sort_values("trained_share", ascending=False)))
    if not parts:
        return None
    fig, axes = figure(9, 0.9 + 0.32 * max(len(r) for _, r in parts))
    axes.remove()
    for i, (key, rows) in enumerate(parts):
        ax = fig.add_subplot(1, len(parts), i + 1)
        names = [display_name(str(k), language) for k in rows["key"]]
        share = rows["trained_share"].astype(float)
        colors = ["#c62828" if v < COVERAGE_GOAL else "#4c72b0" for v in share]
        ax.barh(names, share, color=colors)
        ax.axvline(COVERAGE_GOAL, color="grey", linestyle="--", linewidth=1)
        ax.set_xlim(0, 1.05)
        percent_axis(ax, axis="x")
        ax.invert_yaxis()
        ax.set_title(label(key, language), fontsize=10)
        for y, v in enumerate(share):
            ax.text(min(v, 1.0), y, f" {v:.0%}", va="center", fontsize=8)
    fig.suptitle(
        label("view_training_coverage_chart", language).format(goal=f"{COVERAGE_GOAL:.0%}"), fontsize=10
    )
    fig.tight_layout()
    return chart(fig, alt=label("view_training_coverage_chart", language).format(goal=f"{COVERAGE_GOAL:.0%}"))


def _kirkpatrick_chart(kirk: pd.DataFrame, language: str) -> w.Widget | None:
    """One panel per Kirkpatrick level (1–4): each measure's value with its 95% interval."""
    k = kirk[kirk["level"].astype(str).isin(_LEVELS)].copy()
    if k.empty or not {"measure", "value"} <= set(k.columns):
        return None
    panels = []  # (level, rows, money): a level's money measures get a panel of their own
    for lv in _LEVELS:
        rows = k[k["level"] == lv]
        money = rows["measure"].astype(str).str.contains("revenue")
        for part, is_money in ((rows[~money], False), (rows[money], True)):
            if len(part):
                panels.append((lv, part, is_money))
    fig, axes = figure(9, 1.2 + 0.45 * len(k) + 0.5 * len(panels))
    axes.remove()
    grid = fig.add_gridspec(len(panels), 1, height_ratios=[len(rows) + 0.8 for _, rows, _ in panels])
    shown: set[str] = set()
    for i, (lv, rows, is_money) in enumerate(panels):
        ax = fig.add_subplot(grid[i, 0])
        names = [display_name(str(m), language) for m in rows["measure"]]
        values = rows["value"].astype(float).to_numpy()
        low = rows["ci_low"].astype(float).to_numpy() if "ci_low" in rows else np.full(len(rows), np.nan)
        high = rows["ci_high"].astype(float).to_numpy() if "ci_high" in rows else np.full(len(rows), np.nan)
        err = np.vstack([values - low, high - values])
        err = np.where(np.isnan(err), 0, err).clip(min=0)
        ax.errorbar(values, names, xerr=err, fmt="o", capsize=3, color="#4c72b0")
        ax.invert_yaxis()
        if lv not in shown:
            ax.set_title(label(f"view_kirkpatrick_{lv}", language), fontsize=9, loc="left")
            shown.add(lv)
        if is_money:
            money_axis(ax, language, axis="x")
        if np.nanmin(np.append(low, values)) < 0 < np.nanmax(np.append(high, values)):
            ax.axvline(0, color="grey", linewidth=1)
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(label("view_kirkpatrick_chart", language), fontsize=10)
    fig.tight_layout()
    return chart(fig, alt=label("view_kirkpatrick_chart", language))


def _compliance_months(bundle: Bundle, months: int = 12) -> pd.DataFrame:
    """Rule compliance of each published month up to the bundle's (at most ``months``): messages,
    violations, serious violations and the share of customer questions answered on time."""
    rows = []
    root = bundle.path.parent
    for period in sorted(p for p in list_bundles(root) if p <= bundle.period)[-months:]:
        b = bundle if period == bundle.period else open_bundle(period, root)
        group = at(b.table("rules_compliance_group"), period)
        violations = at(b.table("rules_violations"), period)
        if group is None and violations is None:
            continue
        row = {"period": period, "violations": math.nan, "serious": math.nan, "on_time_share": math.nan}
        if violations is not None:
            row["violations"] = len(violations)
            if "severity" in violations.columns:
                row["serious"] = int((violations["severity"].astype(str) == "serious").sum())
        if group is not None and {"questions_answered", "late_responses"} <= set(group.columns):
            answered = group["questions_answered"].sum()
            if answered:
                row["on_time_share"] = 1 - group["late_responses"].sum() / answered
        if (
            group is not None
            and {"outside_hours", "messages"} <= set(group.columns)
            and group["messages"].sum()
        ):
            row["outside_hours_share"] = group["outside_hours"].sum() / group["messages"].sum()
        rows.append(row)
    return pd.DataFrame(rows)


def _compliance_chart(history: pd.DataFrame, language: str) -> w.Widget | None:
    if history.empty:
        return None
    fig, ax = figure(7.5, 3.0)
    x = history["period"].astype(str).tolist()
    ax.bar(
        x, history["violations"].fillna(0), color="#dd8452", label=label("view_violations_count", language)
    )
    if history["serious"].notna().any():
        ax.bar(x, history["serious"].fillna(0), color="#c62828", label=label("serious_violations", language))
    ax.set_ylabel(label("view_violations_count", language))
    handles, names = ax.get_legend_handles_labels()
    if "outside_hours_share" in history.columns and history["outside_hours_share"].notna().any():
        share = ax.twinx()
        share.plot(x, history["outside_hours_share"], color="#4c72b0", marker="o",
                   label=label("outside_hours_share", language))  # fmt: skip
        share.set_ylim(0, max(0.5, float(history["outside_hours_share"].max()) * 1.2))
        percent_axis(share)
        share.grid(False)
        h2, n2 = share.get_legend_handles_labels()
        handles, names = handles + h2, names + n2
    ax.legend(handles, names, loc="upper left", fontsize=8)
    ax.tick_params(axis="x", rotation=45)
    ax.set_title(label("view_compliance_chart", language), fontsize=10)
    fig.tight_layout()
    return chart(fig, alt=label("view_compliance_chart", language))


# the tables of the page: (table, heading, columns left out, rows sent at most; the page pages them)
_SECTIONS = (
    ("training_kirkpatrick", "view_kirkpatrick", (), TABLE_MAX_ROWS),
    ("training_untrained", "view_training_gaps", (), TABLE_MAX_ROWS),
    ("training_needs", "view_training_needs", (), TABLE_MAX_ROWS),
    ("rules_compliance_group", "view_rules_compliance", (), TABLE_MAX_ROWS),
    ("rules_ledger_summary", "view_rules_ledger", (), TABLE_MAX_ROWS),
    ("rules_violations", "view_violations", ("message_id", "excerpt"), TABLE_MAX_ROWS),
    ("feedback_internal", "view_feedback_internal", (), TABLE_MAX_ROWS),
    ("feedback_open_items", "view_feedback_open", (), TABLE_MAX_ROWS),
    ("feedback_customer_followup", "view_feedback_followup", (), TABLE_MAX_ROWS),
    ("feedback_complaints", "view_feedback_complaints", (), TABLE_MAX_ROWS),
    ("conflict_by_team", "view_conflicts_by_team", (), TABLE_MAX_ROWS),  # issue 21: notebooks/09_conflicts
    ("conflict_repeat_pairs", "view_conflicts_repeat_pairs", (), TABLE_MAX_ROWS),
)


def _needs(needs: pd.DataFrame, language: str) -> pd.DataFrame:
    """Training needs with the reason as its name and the source named (a survey, or the orders
    of a product category); the generated reason sentences are left out (they name survey
    dimensions by their keys)."""
    out = needs.drop(columns=["period", "reason_zh", "reason_en"], errors="ignore")
    if "source" in out.columns:
        out["source"] = [
            label("view_orders_of", language).format(category=str(s).split(":", 1)[1])
            if str(s).startswith("orders:")
            else display_name(str(s), language)
            for s in out["source"]
        ]
    return out


def training_rules(bundle: Bundle, language: str) -> list[w.Widget]:
    p = bundle.period
    out: list[w.Widget] = [note(first_action(bundle, language), css="sa-note sa-action")]
    coverage = at(bundle.table("training_coverage"), p)
    kirk = at(bundle.table("training_kirkpatrick"), p)
    charts = [
        _coverage_chart(coverage, language) if coverage is not None and "level" in coverage.columns else None,
        _kirkpatrick_chart(kirk, language) if kirk is not None and "level" in kirk.columns else None,
        _compliance_chart(_compliance_months(bundle), language),
    ]
    for key, drawn in zip(("view_training_coverage", "view_kirkpatrick", "view_rules_compliance"), charts):
        if drawn is not None:
            out += [heading(key, language), drawn]
    for name, key, dropped, max_rows in _SECTIONS:
        t = at(bundle.table(name), p)
        out.append(
            heading(key, language)
            if name != "training_kirkpatrick"
            else heading("view_kirkpatrick_table", language)
        )
        if t is None:
            out.append(missing(key, language))
            continue
        if t.empty:
            out.append(note(label("view_no_rows", language)))
            continue
        shown = t.drop(columns=[c for c in (*dropped, "period") if c in t.columns])
        if name == "training_needs":
            shown = _needs(t, language)
        out.append(table(shown, language, source=name, max_rows=max_rows))
    return out
