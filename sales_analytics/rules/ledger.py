"""Linking rule compliance to the rewards and penalties ledger (``rewards_penalties``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.incentives.ledger import ledger_totals
from sales_analytics.periods import Period, parse_period
from sales_analytics.rules.model import GroupRules

__all__ = ["ledger_summary"]


def ledger_summary(
    member_compliance: pd.DataFrame,
    violations: pd.DataFrame,
    rules: GroupRules,
    *,
    period: Period | str,
    ledger: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per member: the rule-based suggestion next to what the ledger recorded in the period.

    Parameters
    ----------
    member_compliance : :func:`compliance_by_member` (period, rep_id, rep_name, team, messages, …).
    violations : :func:`rule_violations` (rep_id, rule, points, amount, …).
    rules : group rules (the clean-month reward).
    period : reporting month.
    ledger : optional ``rewards_penalties``: event_id, rep_id*, date*, kind* (reward | penalty),
        reason, amount, points, read by :func:`sales_analytics.incentives.ledger_totals` (a
        reward adds, a penalty subtracts, whatever sign the file writes). ``None`` gives the
        suggestions only.

    Returns
    -------
    DataFrame
        ``period, rep_id, rep_name, team, messages, violations, serious_violations,
        warnings_or_worse, penalised_violations, suggested_penalty_points, suggested_penalty_amount, suggested_reward_points,
        suggested_reward_amount, ledger_rewards, ledger_penalties, ledger_points, ledger_amount,
        status`` (``ledger_points`` and ``ledger_amount`` net: rewards minus penalties). ``status`` compares the violations that carry points or an amount
        (``penalised_violations``) with the ledger's penalties: ``consistent`` (both or neither),
        ``violations_without_penalty``, ``penalty_without_violation`` or ``no_ledger``.

    Examples
    --------
    >>> mc = pd.DataFrame({"rep_id": ["r1", "r2"], "rep_name": ["A", "B"], "team": ["t", "t"],
    ...                    "messages": [10, 5]})
    >>> v = pd.DataFrame({"rep_id": ["r1"], "rule": ["quiet_hours"], "severity": ["warning"],
    ...                   "points": [1.0], "amount": [0.0]})
    >>> led = pd.DataFrame({"rep_id": ["r1"], "date": pd.to_datetime(["2025-10-20"]), "kind": ["penalty"],
    ...                     "points": [-1.0], "amount": [0.0]})
    >>> ledger_summary(mc, v, GroupRules(), period="2025-10", ledger=led)["status"].tolist()
    ['consistent', 'consistent']
    """
    p = parse_period(period)
    members = member_compliance[["rep_id", "rep_name", "team", "messages"]].copy()
    v = violations.dropna(subset=["rep_id"])
    v = v.assign(
        _penalised=(v["points"] > 0) | (v["amount"] > 0), _not_info=v["severity"].isin(["warning", "serious"])
    )
    per = v.groupby("rep_id").agg(
        violations=("rule", "size"),
        serious_violations=("severity", lambda s: int((s == "serious").sum())),
        warnings_or_worse=("_not_info", "sum"),
        penalised_violations=("_penalised", "sum"),
        suggested_penalty_points=("points", "sum"),
        suggested_penalty_amount=("amount", "sum"),
    )
    out = members.merge(per.reset_index(), on="rep_id", how="outer")
    out["messages"] = out["messages"].fillna(0).astype(int)
    for col in ("violations", "serious_violations", "warnings_or_worse", "penalised_violations"):
        out[col] = out[col].fillna(0).astype(int)
    for col in ("suggested_penalty_points", "suggested_penalty_amount"):
        out[col] = out[col].fillna(0.0).astype(float)
    # info-level findings (e.g. a message after hours) do not cost the clean-month reward
    clean = (out["warnings_or_worse"] == 0) & (out["messages"] >= rules.rewards.min_messages)
    out["suggested_reward_points"] = np.where(clean, rules.rewards.clean_month_points, 0.0)
    out["suggested_reward_amount"] = np.where(clean, rules.rewards.clean_month_amount, 0.0)

    if ledger is None:
        for col in ("ledger_rewards", "ledger_penalties"):
            out[col] = 0
        out["ledger_points"] = 0.0
        out["ledger_amount"] = 0.0
        out["status"] = "no_ledger"
    else:
        # the incentives lever reads the ledger (checks, sign convention from ``kind``); the
        # period's months summed per rep
        totals = ledger_totals(ledger)
        totals = totals.loc[totals["period"].isin([str(m) for m in p.months()])]
        led = totals.groupby("rep_id").agg(
            ledger_rewards=("rewards", "sum"),
            ledger_penalties=("penalties", "sum"),
            ledger_points=("net_points", "sum"),
            ledger_amount=("net_amount", "sum"),
        )
        out = out.merge(led.reset_index(), on="rep_id", how="left")
        for col in ("ledger_rewards", "ledger_penalties"):
            out[col] = out[col].fillna(0).astype(int)
        for col in ("ledger_points", "ledger_amount"):
            out[col] = out[col].fillna(0.0).astype(float)
        has_v, has_p = out["penalised_violations"] > 0, out["ledger_penalties"] > 0
        out["status"] = np.select(
            [has_v & ~has_p, ~has_v & has_p],
            ["violations_without_penalty", "penalty_without_violation"],
            "consistent",
        )
    out = out.drop(columns="warnings_or_worse").assign(warnings_or_worse=out["warnings_or_worse"])
    out.insert(0, "period", str(p))
    return out.sort_values("rep_id").reset_index(drop=True)
