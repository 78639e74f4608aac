"""The resolution register: decisions on findings, recorded as data.

``parameters/conflict_decisions.yaml``::

    decisions:
      - id: DEC-001              # unique; shown on the statement lines it causes
        finding: CF-1a2b3c4d5e   # a finding id from detect_conflicts
        decision: split          # keep_owner | transfer | split
        split: "60:40"           # owner share : other share (only with split)
        decided_by: R001
        decided_on: 2026-09-15
        reason: both reps worked the tender

A decision moves the credited revenue of the finding's evidence between its
two reps: ``keep_owner`` gives all of it to the owner side, ``transfer`` all
of it to the other side, ``split x:y`` x/(x+y) to the owner side (rounded half
up to the cent, the other side gets the rest, so credit is conserved).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import Field, model_validator

from sales_analytics.config import StrictModel, load_yaml, validate_model
from sales_analytics.conflicts.detect import FINDING_COLUMNS, detect_conflicts
from sales_analytics.conflicts.params import ConflictParams
from sales_analytics.errors import require_columns
from sales_analytics.periods import parse_period
from sales_analytics.vocabulary import renamed_arguments

__all__ = [
    "ConflictDecision",
    "ConflictRegister",
    "conflict_statement_lines",
    "conflict_status",
    "decision_adjustments",
    "load_decisions",
    "parse_decisions",
]

_SPLIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$")
STATUS_COLUMNS = [
    *FINDING_COLUMNS[:7],  # finding_id … since
    "amount_at_stake",
    "decision_id",
    "decision",
    "split",
    "decided_by",
    "decided_on",
    "days_open",
    "days_to_decision",
    "status",
]


class ConflictDecision(StrictModel):
    """One decision of the register."""

    id: str = Field(min_length=1)
    finding: str = Field(min_length=1, description="finding id (CF-…)")
    decision: Literal["keep_owner", "transfer", "split"]
    split: str | None = Field(None, description="owner share : other share, e.g. '60:40'")
    decided_by: str = Field(min_length=1)
    decided_on: dt.date
    reason: str = ""

    @model_validator(mode="after")
    def _split_given(self) -> ConflictDecision:
        if self.decision == "split":
            m = _SPLIT.match(self.split or "")
            if not m or float(m.group(1)) + float(m.group(2)) <= 0:
                raise ValueError(f"a split needs split 'x:y' with x + y > 0; got {self.split!r}")
        elif self.split is not None:
            raise ValueError(f"split is only allowed with decision 'split'; got decision {self.decision!r}")
        return self

    def owner_share(self) -> Decimal:
        """The owner side's share of the credit at stake."""
        if self.decision == "keep_owner":
            return Decimal(1)
        if self.decision == "transfer":
            return Decimal(0)
        parts = _SPLIT.match(self.split or "")
        assert parts is not None  # the split was validated when the decision was read
        x, y = (Decimal(g) for g in parts.groups())
        return x / (x + y)


class ConflictRegister(StrictModel):
    """The whole register file."""

    decisions: list[ConflictDecision] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> ConflictRegister:
        seen: set[str] = set()
        for d in self.decisions:
            if d.id in seen:
                raise ValueError(f"decision id {d.id!r} is used twice")
            seen.add(d.id)
        return self


def parse_decisions(data: dict, file: str | Path = "conflict_decisions") -> ConflictRegister:
    """Validate a register mapping; every problem in one ConfigError naming ``file`` and the key.

    >>> r = parse_decisions({"decisions": [{"id": "D1", "finding": "CF-1", "decision": "split",
    ...     "split": "60:40", "decided_by": "R001", "decided_on": "2026-09-15"}]})
    >>> r.decisions[0].owner_share()
    Decimal('0.6')
    """
    return validate_model(ConflictRegister, data, file)


def load_decisions(path: str | Path = "conflict_decisions.yaml") -> ConflictRegister:
    """Read the register file (relative paths from ``parameters/``); a missing file is an empty register."""
    from sales_analytics import paths

    path = Path(path)
    if not path.is_absolute():
        path = paths.parameters_dir() / path
    if not path.exists():
        return ConflictRegister()
    return parse_decisions(load_yaml(path), path)


def _cents(x: float) -> int:
    return int((Decimal(str(x)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


ADJUSTMENT_COLUMNS = ["period", "rep_id", "credit_cents", "decision_id", "finding_id", "description"]


def decision_adjustments(findings: pd.DataFrame, register: ConflictRegister) -> pd.DataFrame:
    """Credit moved by each decision, as commission-engine adjustment rows.

    Parameters
    ----------
    findings : :func:`detect_conflicts` output (``finding_id, owner_rep, other_rep,
        owner_revenue, other_revenue`` …).
    register : the decisions.

    Returns
    -------
    DataFrame
        ``period, rep_id, credit_cents, decision_id, finding_id, description``:
        two rows per decision that moves credit (``+m`` on one rep, ``-m`` on the
        other, so the sum is 0); ``period`` is the month of ``decided_on``.
        Pass it as ``compute_commissions(..., adjustments=...)``.
    """
    require_columns(
        findings, "findings", ["finding_id", "owner_rep", "other_rep", "owner_revenue", "other_revenue"]
    )
    by_id = findings.set_index("finding_id")
    rows = []
    for d in register.decisions:
        if d.finding not in by_id.index:
            continue
        f = by_id.loc[d.finding]
        owner_c, other_c = _cents(f["owner_revenue"]), _cents(f["other_revenue"])
        target = int(
            (Decimal(owner_c + other_c) * d.owner_share()).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        )
        move = target - owner_c  # credit moving from the other side to the owner side
        if move == 0:
            continue
        what = {"keep_owner": "kept with the owner", "transfer": "transferred", "split": f"split {d.split}"}
        text = (
            f"conflict {d.finding}: {what[d.decision]} by {d.decided_by} on {d.decided_on} (decision {d.id})"
        )
        period = f"{d.decided_on:%Y-%m}"
        for rep, cents in ((str(f["owner_rep"]), move), (str(f["other_rep"]), -move)):
            rows.append(
                {
                    "period": period,
                    "rep_id": rep,
                    "credit_cents": cents,
                    "decision_id": d.id,
                    "finding_id": d.finding,
                    "description": text,
                }
            )
    return pd.DataFrame(rows, columns=ADJUSTMENT_COLUMNS).astype({"credit_cents": "int64"})


@renamed_arguments(through="period")
def register_adjustments(
    params: ConflictParams | None,
    register: ConflictRegister,
    *,
    period: str,
    orders: pd.DataFrame | None = None,
    deals: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    reps: pd.DataFrame | None = None,
    handovers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The credit the register's decisions move up to month ``period``, for the commission engine.

    What the incentives lever passes as ``compute_commissions(..., adjustments=...)`` so that the
    official statements carry every decided split or transfer with its decision id. With no decision
    in the register nothing is detected (the detection costs seconds on a large organisation) and the
    result is empty; otherwise the findings are detected as :func:`detect_conflicts` does with the
    same tables, and :func:`decision_adjustments` rows dated after ``period`` are left out.

    >>> register_adjustments(None, ConflictRegister(), period="2026-04").columns.tolist()
    ['period', 'rep_id', 'credit_cents', 'decision_id', 'finding_id', 'description']
    """
    if not register.decisions:
        return pd.DataFrame(columns=ADJUSTMENT_COLUMNS).astype({"credit_cents": "int64"})
    findings = detect_conflicts(
        params or ConflictParams(),
        orders=orders,
        deals=deals,
        activities=activities,
        customers=customers,
        reps=reps,
        handovers=handovers,
        period=period,
    )
    adjustments = decision_adjustments(findings, register)
    return adjustments[adjustments["period"] <= period].reset_index(drop=True)


# the dtype a statement column of each catalog kind has in the engine's output
_STATEMENT_DTYPES = {"text": "str", "int": "int64", "float": "float64"}


def conflict_statement_lines(
    adjustments: pd.DataFrame,
    *,
    period: str,
    orders: pd.DataFrame,
    reps: pd.DataFrame,
    plan: Any,
    targets: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The commission statement lines of month ``period`` that the register's decisions add.

    Runs :func:`sales_analytics.incentives.compute_commissions` with ``adjustments`` (from
    :func:`decision_adjustments`) and keeps its ``credit_adjustment`` lines: the lines notebook 03's
    statements carry for the same decisions. Only adjustments make such lines, so without any the
    engine is not run (seconds at 1M order lines) and the result is the statement table with no
    rows, its columns and dtypes as the engine gives them (``conflict_statement_lines`` in the
    table catalog).

    >>> empty = pd.DataFrame(columns=ADJUSTMENT_COLUMNS)
    >>> lines = conflict_statement_lines(empty, period="2026-04", orders=None, reps=None, plan=None)
    >>> len(lines), lines["line_no"].dtype.name, lines["amount"].dtype.name
    (0, 'int64', 'float64')
    """
    if not len(adjustments):
        from sales_analytics.incentives.commission import STATEMENT_COLUMNS
        from sales_analytics.tables import table_spec

        kinds = {c.name: c.kind for c in table_spec("conflict_statement_lines").columns}
        return pd.DataFrame({c: pd.Series(dtype=_STATEMENT_DTYPES[kinds[c]]) for c in STATEMENT_COLUMNS})
    from sales_analytics.incentives import compute_commissions

    commission = compute_commissions(
        orders, reps, plan, period=period, targets=targets, activities=activities, adjustments=adjustments
    ).for_period(period)
    statements = commission.statements
    return statements[statements["line_type"] == "credit_adjustment"]


def conflict_status(
    findings: pd.DataFrame, register: ConflictRegister, *, period: str, overdue_days: int
) -> pd.DataFrame:
    """Each finding with its decision, or open / overdue; decisions whose finding is gone are listed too.

    ``days_open`` counts from ``since`` (the first evidence) to the decision, or to
    the last day of ``period`` while undecided; ``status`` is ``decided``, ``open``, ``overdue``
    (undecided and older than ``overdue_days``) or ``finding_not_found`` (a
    decision whose finding the current data no longer show).
    """
    as_of_ts = pd.Timestamp(parse_period(period).end)
    decided = {d.finding: d for d in register.decisions}
    rows = []
    for f in findings.itertuples(index=False):
        d = decided.get(f.finding_id)
        since = pd.Timestamp(f.since).normalize()
        end = pd.Timestamp(d.decided_on) if d else as_of_ts
        days = int((end - since).days)
        status = "decided" if d else ("overdue" if days > overdue_days else "open")
        rows.append(
            {
                "finding_id": f.finding_id,
                "kind": f.kind,
                "customer_id": f.customer_id,
                "owner_rep": f.owner_rep,
                "other_rep": f.other_rep,
                "team": f.team,
                "since": f.since,
                "amount_at_stake": f.amount_at_stake,
                "decision_id": d.id if d else None,
                "decision": d.decision if d else None,
                "split": d.split if d else None,
                "decided_by": d.decided_by if d else None,
                "decided_on": pd.Timestamp(d.decided_on) if d else pd.NaT,
                "days_open": days,
                "days_to_decision": float(days) if d else float("nan"),
                "status": status,
            }
        )
    known = set(findings["finding_id"])
    for d in register.decisions:
        if d.finding not in known:
            rows.append(
                {
                    "finding_id": d.finding,
                    "decision_id": d.id,
                    "decision": d.decision,
                    "split": d.split,
                    "decided_by": d.decided_by,
                    "decided_on": pd.Timestamp(d.decided_on),
                    "status": "finding_not_found",
                }
            )
    out = pd.DataFrame(rows, columns=STATUS_COLUMNS)
    out.insert(0, "period", str(parse_period(period)))
    return out.astype(
        {"since": "datetime64[ns]", "decided_on": "datetime64[ns]", "days_to_decision": "float64"}
    )
