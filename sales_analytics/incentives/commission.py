"""The commission engine: orders + plan → an auditable statement per rep and period.

Month by month from the plan's start (or the first month of orders) to the
report period, because draws and negative payouts carry a balance forward and
a refund claws back what was paid on its original order months earlier:

1. credit each order to its rep(s) (:func:`order_credits`, splits applied);
   a refund in the same month as its order nets against that month's sales,
   a later refund becomes a clawback line;
2. commission on the credited sales: tiers or payout curve on the general
   sales (:mod:`.tiers`), a flat rate on products / categories with their own
   rate, then the plan's ``max_payout``;
3. SPIFF lines, clawback lines (``−credit × rate paid on the order ×
   clawback rate``, docs/formulas.md §4.5: only what was actually paid is
   recovered);
4. draw (docs/formulas.md §4.4): ``paid = max(earned − B, G)``; a recoverable
   draw, and any negative payout, carry ``B = B + paid − earned`` forward;
5. the payout is the exact sum rounded once by the plan's rounding rule; each
   line is shown in cents and a ``rounding`` line reconciles, so the lines of a
   statement always add up to its payout.

>>> from sales_analytics.incentives.plan import parse_incentive_plan
>>> plan = parse_incentive_plan({"commission": {"plans": [{"id": "flat", "method": "marginal",
...     "tiers": [{"from": 0, "rate": 0.1}], "draw": {"amount": 3000}}]}})
>>> orders = pd.DataFrame({"order_id": ["O1", "O2"], "rep_id": ["r1", "r1"], "amount": [20000.0, 50000.0],
...     "order_date": pd.to_datetime(["2026-01-10", "2026-02-10"])})
>>> reps = pd.DataFrame({"rep_id": ["r1"], "rep_name": ["Li"], "team": ["A"]})
>>> compute_commissions(orders, reps, plan, period="2026-02").summary[["period", "earned", "payout"]]
    period  earned  payout
0  2026-01  2000.0  3000.0
1  2026-02  5000.0  4000.0
"""

from __future__ import annotations

import logging
from collections import defaultdict, namedtuple
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, overload

import numpy as np
import pandas as pd

from sales_analytics.incentives.adjustments import clawback_line, draw_lines, spiff_eligible, spiff_hits
from sales_analytics.incentives.credits import (
    MICRO,
    CreditRows,
    credit_rows,
    dec,
    require_columns,
    round_money,
)
from sales_analytics.incentives.plan import Commission, CommissionPlan, IncentivePlan, Rounding, Spiff
from sales_analytics.incentives.tiers import Line, tier_lines
from sales_analytics.periods import Period, month_range, parse_period
from sales_analytics.vocabulary import AFTER_EARNED_LINES, renamed_arguments

__all__ = ["CommissionResult", "compute_commissions", "team_commission_summary"]

log = logging.getLogger(__name__)

CENT = Decimal("0.01")
MAX_IDS_SHOWN = 200
STATEMENT_COLUMNS = [
    "period",
    "rep_id",
    "rep_name",
    "team",
    "plan_id",
    "line_no",
    "line_type",
    "description",
    "tier",
    "source_order_ids",
    "n_orders",
    "base_amount",
    "rate",
    "adjustment",
    "amount",
    "amount_cents",
    "amount_exact",
]
SUMMARY_COLUMNS = [
    "period",
    "rep_id",
    "rep_name",
    "team",
    "plan_id",
    "credited_sales",
    "target_amount",
    "attainment",
    "commission",
    "accelerator",
    "cap_adjustment",
    "spiffs",
    "clawbacks",
    "earned",
    "balance_recovery",
    "draw_topup",
    "rounding",
    "payout",
    "payout_cents",
    "balance_end",
]
_COMMISSION_TYPES = ("commission", "category_rate", "product_rate")
_ACCEL_TYPES = ("accelerator", "decelerator")


class _Statements:
    """Every statement of a result as its lines, turned into the statements frame when read.

    Text of a line (its order ids above all) is built only for the statements read: the
    engine computes every month from the plan start, and a report shows one month.
    """

    __slots__ = ("parts",)

    def __init__(self, parts: list[_Part]):
        self.parts = parts

    def frame(self, period: str | None = None) -> pd.DataFrame:
        """The statements frame (``STATEMENT_COLUMNS``), of one month when ``period`` is given."""
        parts = self.parts if period is None else [p for p in self.parts if p[0]["period"] == period]
        if period is not None and not parts:
            # no statement that month: the whole frame's empty slice, with its column types
            whole = self.frame()
            return whole.loc[whole["period"] == period].reset_index(drop=True)
        rows = [row for head, lines, shown in parts for row in _statement_rows(head, lines, shown)]
        frame = pd.DataFrame(rows, columns=STATEMENT_COLUMNS)
        return frame.astype({"line_no": "int64", "n_orders": "int64", "amount_cents": "int64"})


class CommissionResult:
    """Statements (every line), one summary row per rep and period, and the order credits.

    ``credits`` may be given as :class:`~sales_analytics.incentives.credits.CreditRows`:
    the frame is then built when first read, and :meth:`for_period` builds only the
    month's rows (the whole frame of a 10M-row table is most of the engine's cost,
    and a report shows one month of it). The engine gives the statements the same way:
    as their lines, turned into the frame when first read, of one month by :meth:`for_period`.
    """

    __slots__ = ("_credits", "_statements", "summary")

    def __init__(
        self,
        statements: pd.DataFrame | _Statements,
        summary: pd.DataFrame,
        credits: pd.DataFrame | CreditRows,
    ):
        self._statements = statements
        self.summary = summary
        self._credits = credits

    @property
    def statements(self) -> pd.DataFrame:
        """Every statement line (``STATEMENT_COLUMNS``)."""
        if isinstance(self._statements, _Statements):
            self._statements = self._statements.frame()
        return self._statements

    @property
    def credits(self) -> pd.DataFrame:
        """The order credits (``CREDIT_COLUMNS`` without ``share_bp``)."""
        if isinstance(self._credits, CreditRows):
            self._credits = _shown_credits(self._credits.frame())
        return self._credits

    def for_period(self, period: str | Period) -> CommissionResult:
        """Only the rows of one month."""
        p = parse_period(period)

        def month(f: pd.DataFrame) -> pd.DataFrame:
            return f.loc[f["period"] == str(p)].reset_index(drop=True)

        statements = self._statements
        shown = statements.frame(str(p)) if isinstance(statements, _Statements) else month(statements)
        credits = self._credits
        if isinstance(credits, CreditRows):
            rows = np.flatnonzero(credits.month == p.year * 12 + p.index - 1)
            return CommissionResult(shown, month(self.summary), credits.take(rows))
        return CommissionResult(shown, month(self.summary), month(credits))


def _shown_credits(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["share_bp"])


def _display(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def _rep_plans(reps: pd.DataFrame, plans: list[CommissionPlan]) -> dict[str, CommissionPlan]:
    by_rep = {r: p for p in plans if p.applies_to for r in p.applies_to.reps}
    by_team = {t: p for p in plans if p.applies_to for t in p.applies_to.teams}
    default = next((p for p in plans if p.applies_to is None), None)
    out: dict[str, CommissionPlan] = {}
    for rep, team in zip(reps["rep_id"].astype(str), reps["team"]):
        plan = by_rep.get(rep) or (by_team.get(str(team)) if pd.notna(team) else None) or default
        if plan is not None:
            out[rep] = plan
    return out


def _rate_groups(credits: CreditRows, plan_of: dict[str, CommissionPlan]) -> tuple[np.ndarray, list[str]]:
    """Per row, a code into the returned names: ``tiered`` (0) or ``product:<id>`` / ``category:<name>``."""
    codes = np.zeros(len(credits), dtype=np.int64)
    rep_code = {str(r): i for i, r in enumerate(credits.rep_names)}
    names = ["tiered"]
    by_plan: dict[str, list[str]] = {}
    for rep, plan in plan_of.items():
        by_plan.setdefault(plan.id, []).append(rep)
    plans = {p.id: p for p in plan_of.values()}
    factorized: dict[str, tuple[np.ndarray, pd.Index]] = {}
    for plan_id, members in by_plan.items():
        plan = plans[plan_id]
        if not (plan.category_rates or plan.product_rates):
            continue
        member = np.zeros(len(credits.rep_names), dtype=bool)
        member[[rep_code[r] for r in members if r in rep_code]] = True
        mine = member[credits.rep]
        # categories first, then products, so a product rate wins over its category's rate
        for col, rates, prefix in (
            ("product_category", plan.category_rates, "category:"),
            ("product_id", plan.product_rates, "product:"),
        ):
            if not rates:
                continue
            if col not in factorized:
                factorized[col] = credits.codes(col)
            col_codes, uniques = factorized[col]
            lookup = np.zeros(len(uniques) + 1, dtype=np.int64)  # last slot: missing values (code -1)
            for k, value in enumerate(uniques):
                if value in rates:
                    name = prefix + str(value)
                    if name not in names:
                        names.append(name)
                    lookup[k] = names.index(name)
            hit = lookup[col_codes]
            codes = np.where(mine & (hit > 0), hit, codes)
    return codes, names


class _Ids(Sequence[str]):
    """The order ids of some credits, as text only when read (a line shows the first 200)."""

    def __init__(self, credits: CreditRows, rows: np.ndarray):
        self._credits, self._rows = credits, rows

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return self._credits.order_ids(self._rows[i])
        return self._credits.order_ids(self._rows[[i]])[0]

    def __iter__(self) -> Iterator[str]:
        return iter(self._credits.order_ids(self._rows))


class _Groups:
    """Credited micro-units per (period, rep, rate group), with each group's order ids."""

    def __init__(self, credits: CreditRows, rows: np.ndarray, group_codes: np.ndarray, names: list[str]):
        months = credits.month[rows]
        first = int(months.min()) if len(rows) else 0
        n_rep, n_grp = max(len(credits.rep_names), 1), max(len(names), 1)
        key = ((months - first) * n_rep + credits.rep[rows]) * n_grp + group_codes[rows]
        # a stable sort of 16-bit keys is a radix sort (a month of reps and groups fits in most teams)
        small = key.astype(np.uint16) if len(key) and 0 <= int(key.min()) <= int(key.max()) < 2**16 else key
        order = np.argsort(small, kind="stable")
        self.rows = rows[order]
        ordered = key[order]
        starts = (
            np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else np.zeros(0, int)
        )
        uniq = ordered[starts]
        ends = np.append(starts[1:], len(order))
        totals = (
            np.add.reduceat(credits.credit_micro[self.rows], starts)
            if len(starts)
            else np.zeros(0, dtype=np.int64)
        )
        self.sums: dict[tuple[str, str, str], int] = {}
        self.slices: dict[tuple[str, str, str], tuple[int, int]] = {}
        for k, s, e, total in zip(uniq, starts, ends, totals):
            pr, g = divmod(int(k), n_grp)
            p, r = divmod(pr, n_rep)
            tup = (_month_label(p + first), str(credits.rep_names[r]), names[g])
            self.sums[tup] = int(total)
            self.slices[tup] = (int(s), int(e))
        self._credits = credits

    def ids(self, key: tuple[str, str, str]) -> Sequence[str]:
        if key not in self.slices:
            return []
        s, e = self.slices[key]
        return _Ids(self._credits, self.rows[s:e])


def _month_label(m: int) -> str:
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def _month_of(period: str) -> int:
    p = parse_period(period)
    return p.year * 12 + p.index - 1


def _ids_text(ids: Sequence[str]) -> str:
    if len(ids) <= MAX_IDS_SHOWN:
        return ", ".join(ids)
    return ", ".join(ids[:MAX_IDS_SHOWN]) + f" … (+{len(ids) - MAX_IDS_SHOWN} more)"


def _credit_adjustments(adjustments: pd.DataFrame | None) -> dict[tuple[str, str], list[Line]]:
    """``credit_adjustment`` lines per (period, rep) from a frame of credit moved by decisions."""
    out: dict[tuple[str, str], list[Line]] = defaultdict(list)
    if adjustments is None or not len(adjustments):
        return out
    require_columns(adjustments, "adjustments", ["period", "rep_id", "credit_cents", "decision_id"])
    desc = (
        adjustments["description"]
        if "description" in adjustments.columns
        else pd.Series("", index=adjustments.index)
    )
    for p, r, c, d, text in zip(
        adjustments["period"],
        adjustments["rep_id"],
        adjustments["credit_cents"],
        adjustments["decision_id"],
        desc,
    ):
        credit = Decimal(int(c)) / 100
        out[(str(parse_period(p)), str(r))].append(
            Line(
                "credit_adjustment",
                str(text) if pd.notna(text) and str(text) else f"credit moved by decision {d}",
                Decimal(0),
                base=credit,
                adjustment=str(d),
            )
        )
    return out


def credits_through(
    orders: pd.DataFrame, com: Commission, period: str, splits: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """The order credits through ``period`` and the months computed.

    The months run from the plan's ``start`` (or the first month with a credit) to ``period``;
    the credits keep the months before ``start``, because a refund in range may claw back an
    order credited before it.
    """
    rows, months = credit_rows_through(orders, com, period, splits)
    return rows.frame(), months


def credit_rows_through(
    orders: pd.DataFrame, com: Commission, period: str, splits: pd.DataFrame | None = None
) -> tuple[CreditRows, list[str]]:
    """:func:`credits_through` as :class:`~sales_analytics.incentives.credits.CreditRows`."""
    credits = credit_rows(orders, splits=splits, plan_splits=com.splits)
    last = _month_of(period)
    if len(credits) and int(credits.month.max()) > last:
        credits = credits.take(np.flatnonzero(credits.month <= last))
    first = com.start or (_month_label(int(credits.month.min())) if len(credits) else period)
    months = [str(m) for m in month_range(min(first, period), period)]
    return credits, months


def clawbacks(
    credits: CreditRows, group_codes: np.ndarray, group_names: list[str]
) -> tuple[np.ndarray, pd.DataFrame]:
    """Which refund credits claw back an earlier month's commission.

    A refund in the month of its order nets against that month's sales; a refund of an order
    credited in an earlier month (or of an order not in the credits) is a clawback.

    Returns
    -------
    (mask, rows)
        ``mask``: per credit row, whether it is a clawback; ``rows``: those credits as
        ``order_id, base_order_id, period, rep_id, credit_micro, orig_period, group``
        (``orig_period``: the month the order was credited, missing when unknown; ``group``:
        the rate group, see :func:`_rate_groups`).
    """
    refund = credits.is_refund
    ref_rows = np.flatnonzero(refund)
    none = np.iinfo(np.int64).max
    bases = credits.base[ref_rows]
    # the month each refunded order was first credited (refund lines aside), by order code
    n_codes = int(max(credits.order.max(initial=-1), credits.base.max(initial=-1))) + 1
    named = np.zeros(n_codes + 1, dtype=bool)  # last slot: no code (-1)
    named[bases[bases >= 0]] = True
    sold = np.flatnonzero(~refund & named[credits.order])
    first = np.full(n_codes, none, dtype=np.int64)
    np.minimum.at(first, credits.order[sold], credits.month[sold])
    orig = np.where(bases >= 0, first[np.maximum(bases, 0)], none)
    is_claw = (orig == none) | (orig < credits.month[ref_rows])
    claw = np.zeros(len(credits), dtype=bool)
    claw[ref_rows[is_claw]] = True
    taken = ref_rows[is_claw]
    orig_period = [None if m == none else _month_label(int(m)) for m in orig[is_claw]]
    rows = credits.frame(taken)[["order_id", "base_order_id", "period", "rep_id", "credit_micro"]].assign(
        orig_period=pd.array(orig_period, dtype="str"),
        group=np.asarray(group_names, dtype=object)[group_codes[taken]],
    )
    return claw, rows


def quotas_of(targets: pd.DataFrame | None) -> dict[tuple[str, str], Decimal]:
    """Each rep's target per month, ``(period, rep_id) → target_amount`` (team targets ignored)."""
    if targets is None or "rep_id" not in targets.columns:
        return {}
    require_columns(targets, "targets", ["period", "rep_id", "target_amount"])
    t = targets.loc[targets["rep_id"].notna() & targets["target_amount"].notna()]
    return {(str(p), str(r)): dec(v) for p, r, v in zip(t["period"], t["rep_id"], t["target_amount"])}


def _spiff_candidates(spiff: Spiff, credits: CreditRows) -> pd.DataFrame:
    """The credits frame of the rows a product or category SPIFF may count (the rest are never hits)."""
    if spiff.activity_type is not None:
        return credits.frame(np.zeros(0, dtype=np.int64))
    col, value = (
        ("product_id", spiff.product_id)
        if spiff.product_id is not None
        else ("product_category", spiff.product_category)
    )
    codes, uniques = credits.codes(col)
    wanted = [i for i, u in enumerate(uniques) if u == value]
    start, end = (
        np.datetime64(pd.Timestamp(spiff.start)),
        np.datetime64(pd.Timestamp(spiff.end) + pd.Timedelta(days=1)),
    )
    m = (
        ~credits.is_refund
        & np.isin(codes, wanted)
        & (credits.order_date >= start)
        & (credits.order_date < end)
    )
    return credits.frame(np.flatnonzero(m))


def spiff_lines(
    com: Commission, credits: CreditRows, activities: pd.DataFrame | None, reps: pd.DataFrame
) -> dict[tuple[str, str], list[Line]]:
    """The ``spiff`` lines per (period, rep) of every SPIFF of the plan, in plan order."""
    out: dict[tuple[str, str], list[Line]] = defaultdict(list)
    for spiff in com.spiffs:
        hits = spiff_hits(spiff, _spiff_candidates(spiff, credits), activities, spiff_eligible(spiff, reps))
        unit = {"order": "order", "unit": "unit", "activity": "activity"}[spiff.per]
        for row in hits.itertuples(index=False):
            qty = Decimal(int(row.units_bp)) / 10_000
            out[(row.period, row.rep_id)].append(
                Line(
                    "spiff",
                    f"SPIFF {spiff.name}: {spiff.amount:,.2f} per {unit} × {qty.normalize():f} "
                    f"({spiff.start} – {spiff.end})",
                    dec(spiff.amount) * qty,
                    base=Decimal(int(row.sales)) / MICRO,
                    rate=dec(spiff.amount),
                    tier=spiff.id,
                    order_ids=[str(i) for i in row.ids],
                )
            )
    return out


def roster_hire_dates(reps: pd.DataFrame) -> pd.Series:
    """Hire dates (NaT: unknown) of the active reps, indexed by ``rep_id``: they get a statement every month."""
    roster = reps
    if "active" in reps.columns:
        roster = roster.loc[roster["active"].fillna(True).astype(bool)]
    hire = (
        pd.to_datetime(roster["hire_date"])
        if "hire_date" in roster.columns
        else pd.Series(pd.NaT, index=roster.index)
    )
    return pd.Series(hire.to_numpy(), index=pd.Index(roster["rep_id"], dtype=object), name="hire_date")


@dataclass(frozen=True)
class EngineInputs:
    """What the month-by-month loop of :func:`compute_commissions` reads, prepared once.

    ``credits``: order credits through the report month (:func:`credits_through`), ``in_range``
    their rows within ``months``; ``plan_of``: each rep's plan; ``reps``: rep_id (text) indexed;
    ``groups``: credited sales per (period, rep, rate group) without clawbacks; ``rate_groups``:
    the flat-rate groups per (period, rep); ``claws``: clawback credits per (period, rep)
    (:func:`clawbacks`); ``quotas``, ``moved`` (``credit_adjustment`` lines), ``spiffs`` per
    (period, rep); ``roster``: :func:`roster_hire_dates`.
    """

    commission: Commission
    months: list[str]
    credits: CreditRows
    in_range: np.ndarray
    plan_of: dict[str, CommissionPlan]
    reps: pd.DataFrame
    groups: _Groups
    rate_groups: dict[tuple[str, str], list[str]]
    claws: dict[tuple[str, str], list]
    quotas: dict[tuple[str, str], Decimal]
    moved: dict[tuple[str, str], list[Line]]
    spiffs: dict[tuple[str, str], list[Line]]
    roster: pd.Series
    names: dict[str, object] = field(default_factory=dict)
    teams: dict[str, object] = field(default_factory=dict)


def engine_inputs(
    orders: pd.DataFrame,
    reps: pd.DataFrame,
    com: Commission,
    *,
    period: str | Period,
    targets: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    splits: pd.DataFrame | None = None,
    adjustments: pd.DataFrame | None = None,
) -> EngineInputs:
    """The inputs of the monthly loop of :func:`compute_commissions` (arguments as there, ``com`` its plan)."""
    require_columns(reps, "reps", ["rep_id", "team"])
    credits, months = credit_rows_through(orders, com, str(parse_period(period)), splits)
    reps = reps.assign(rep_id=reps["rep_id"].astype(str))
    plan_of = _rep_plans(reps, com.plans)
    group_codes, group_names = _rate_groups(credits, plan_of)
    claw, claw_rows = clawbacks(credits, group_codes, group_names)
    in_range = credits.month >= _month_of(months[0])
    groups = _Groups(credits, np.flatnonzero(~claw & in_range), group_codes, group_names)
    rate_groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for p, r, g in groups.sums:
        if g != "tiered":
            rate_groups[(p, r)].append(g)
    claws: dict[tuple[str, str], list] = defaultdict(list)
    # the rows as plain tuples, made from each column's list of values: iterating Arrow-backed
    # columns value by value, or ``itertuples``, costs ~10x more per row (a 10M-row table has
    # ~140,000 clawback credits)
    row_type: Any = namedtuple("ClawbackCredit", list(claw_rows.columns))  # type: ignore[misc]
    row: Any
    for row in map(row_type._make, zip(*(claw_rows[c].tolist() for c in claw_rows.columns))):
        claws[(row.period, row.rep_id)].append(row)
    info = reps.set_index("rep_id")
    return EngineInputs(
        commission=com,
        months=months,
        credits=credits,
        in_range=in_range,
        plan_of=plan_of,
        reps=info,
        groups=groups,
        rate_groups=rate_groups,
        claws=claws,
        quotas=quotas_of(targets),
        moved=_credit_adjustments(adjustments),
        spiffs=spiff_lines(com, credits, activities, reps),
        roster=roster_hire_dates(reps),
        names=dict(zip(info.index, info["rep_name"])) if "rep_name" in info.columns else {},
        teams=dict(zip(info.index, info["team"])),
    )


def statement_reps(inp: EngineInputs, month: str) -> list[str]:
    """The reps with a statement in ``month``, sorted.

    Reps with credited sales, a clawback, a SPIFF or moved credit that month, and every rep on
    the roster (active, hired by the month end), so a draw and a carried balance apply; a rep
    marked inactive appears only in months with sales or refunds.
    """
    mend = pd.Timestamp(parse_period(month).end)
    scope = {r for (p, r, _g) in inp.groups.sums if p == month}
    scope |= {r for (p, r) in inp.claws if p == month} | {r for (p, r) in inp.spiffs if p == month}
    scope |= {r for (p, r) in inp.moved if p == month}
    hire = inp.roster
    scope |= set(hire.index[(hire.isna() | (hire <= mend)).to_numpy()])
    return sorted(scope)


@dataclass
class Ledger:
    """What carries from month to month: each rep's balance (draws, negative payouts) and the
    effective commission rate per rate group of each (period, rep), which a later clawback uses."""

    balances: dict[str, Decimal] = field(default_factory=dict)
    effs: dict[tuple[str, str], dict[str, Decimal]] = field(default_factory=dict)
    # the clawback terms of a rate paid, per (period, rep, rate group) of ``effs`` (see clawback_line)
    claw_terms: dict[tuple[str, str, str], tuple[Decimal, str, str]] = field(default_factory=dict)


def sales_lines(
    inp: EngineInputs, month: str, rep: str, plan: CommissionPlan, quota: Decimal | None
) -> tuple[list[Line], Decimal, dict[str, Decimal]]:
    """Commission on the month's credited sales.

    The general sales (plus credit moved by decisions) through the plan's tiers or curve, then a
    flat-rate line per product / category with its own rate.

    Returns
    -------
    (lines, credited, eff)
        the ``credit_adjustment``, tier and rate lines; the credited sales; the effective rate
        per rate group (``tiered``, ``product:<id>``, ``category:<name>``).
    """
    key = (month, rep, "tiered")
    sales = Decimal(int(inp.groups.sums.get(key, 0))) / MICRO
    moved = inp.moved.get((month, rep), [])
    sales += sum((ln.base for ln in moved if ln.base is not None), Decimal(0))
    tiered = tier_lines(plan, sales, quota)
    ids = inp.groups.ids(key)
    for ln in tiered:
        ln.order_ids = ids
    lines = moved + tiered
    tiered_total = sum((ln.amount for ln in tiered), Decimal(0))
    eff = {"tiered": tiered_total / sales if sales > 0 else Decimal(0)}
    credited = sales
    for g in sorted(inp.rate_groups.get((month, rep), [])):
        gkey = (month, rep, g)
        base = Decimal(int(inp.groups.sums[gkey])) / MICRO
        credited += base
        kind, name = g.split(":", 1)
        rate = dec((plan.category_rates if kind == "category" else plan.product_rates)[name])
        eff[g] = rate if base > 0 else Decimal(0)
        lines.append(
            Line(
                f"{kind}_rate",
                f"{kind} {name} at its own rate",
                max(base, Decimal(0)) * rate,
                base=base,
                rate=rate,
                tier=g,
                order_ids=inp.groups.ids(gkey),
            )
        )
    return lines, credited, eff


def cap_line(
    plan: CommissionPlan, lines: list[Line], eff: dict[str, Decimal]
) -> tuple[list[Line], dict[str, Decimal]]:
    """The plan's ``max_payout`` on the commission lines.

    Returns the ``cap`` line (none when under the cap) and the effective rates scaled by
    cap / commission, so a later clawback recovers only what was paid.
    """
    commission = sum((ln.amount for ln in lines), Decimal(0))
    if plan.max_payout is None or commission <= dec(plan.max_payout):
        return [], eff
    cap = dec(plan.max_payout)
    line = Line(
        "cap",
        f"commission capped at {cap:,.2f} per period",
        cap - commission,
        base=commission,
        adjustment=f"max_payout {cap:,.2f}",
    )
    return [line], {g: r * cap / commission for g, r in eff.items()}


def settle(lines: list[Line], rounding: Rounding) -> tuple[list[Line], list[Decimal], Decimal]:
    """The payout, the exact sum of the lines rounded once by the plan's rule.

    Returns the lines (with a ``rounding`` line when the lines shown in cents do not add up to the
    payout), the amount shown per line (cents) and the payout.
    """
    paid = sum((ln.amount for ln in lines), Decimal(0))
    payout = round_money(paid, rounding.quantum, rounding.mode)
    shown = [_display(ln.amount) for ln in lines]
    diff = payout - sum(shown, Decimal(0))
    if not diff:
        return lines, shown, payout
    line = Line(
        "rounding",
        f"payout rounded to {rounding.quantum} ({rounding.mode.replace('_', ' ')})",
        diff,
        adjustment=f"{paid:f} → {payout:f}",
    )
    return [*lines, line], [*shown, diff], payout


def _statement_rows(head: dict, lines: list[Line], shown: list[Decimal]) -> list[dict]:
    return [
        {
            **head,
            "line_no": i,
            "line_type": ln.line_type,
            "description": ln.description,
            "tier": ln.tier,
            "source_order_ids": _ids_text(ln.order_ids),
            "n_orders": len(ln.order_ids),
            "base_amount": float(ln.base) if ln.base is not None else float("nan"),
            "rate": float(ln.rate) if ln.rate is not None else float("nan"),
            "adjustment": ln.adjustment,
            "amount": float(amt),
            "amount_cents": int(amt * 100),
            "amount_exact": f"{ln.amount:f}",
        }
        for i, (ln, amt) in enumerate(zip(lines, shown), start=1)
    ]


def summary_row(
    head: dict,
    lines: list[Line],
    shown: list[Decimal],
    *,
    credited: Decimal,
    quota: Decimal | None,
    payout: Decimal,
    balance: Decimal,
) -> dict:
    """One rep's month in one row: the shown amounts summed by line type."""
    total: defaultdict[str, Decimal] = defaultdict(Decimal)
    for ln, amt in zip(lines, shown):
        total[ln.line_type] += amt
    return {
        **head,
        "credited_sales": float(credited),
        "target_amount": float(quota) if quota is not None else np.nan,
        "attainment": float(credited / quota) if quota else np.nan,
        "commission": float(sum(total[t] for t in _COMMISSION_TYPES)),
        "accelerator": float(sum(total[t] for t in _ACCEL_TYPES)),
        "cap_adjustment": float(total["cap"]),
        "spiffs": float(total["spiff"]),
        "clawbacks": float(total["clawback"]),
        "earned": float(sum(amt for ln, amt in zip(lines, shown) if ln.line_type not in AFTER_EARNED_LINES)),
        "balance_recovery": float(total["balance_recovery"]),
        "draw_topup": float(total["draw_topup"] + total["negative_carry"]),
        "rounding": float(total["rounding"]),
        "payout": float(payout),
        "payout_cents": int(payout * 100),
        "balance_end": float(_display(balance)),
    }


def rep_month(
    inp: EngineInputs, ledger: Ledger, month: str, rep: str, plan: CommissionPlan
) -> tuple[list[dict], dict]:
    """One rep's month: statement rows and the summary row; updates ``ledger``."""
    part, summ = _rep_month(inp, ledger, month, rep, plan)
    return _statement_rows(*part), summ


_Part = tuple[dict, list[Line], list[Decimal]]  # a statement's head, its lines and their shown amounts


def _rep_month(
    inp: EngineInputs, ledger: Ledger, month: str, rep: str, plan: CommissionPlan
) -> tuple[_Part, dict]:
    """:func:`rep_month` with the statement's lines not yet turned into rows (see :class:`_Statements`)."""
    quota = inp.quotas.get((month, rep))
    lines, credited, eff = sales_lines(inp, month, rep, plan, quota)
    capped, eff = cap_line(plan, lines, eff)
    lines += capped
    ledger.effs[(month, rep)] = eff
    # SPIFFs, clawbacks, then the draw on what was earned
    lines += inp.spiffs.get((month, rep), [])
    lines += [
        clawback_line(row, month, rep, plan, ledger.effs, ledger.claw_terms)
        for row in inp.claws.get((month, rep), [])
    ]
    earned = sum((ln.amount for ln in lines), Decimal(0))
    lines += draw_lines(plan, earned, ledger.balances, rep)
    lines, shown, payout = settle(lines, inp.commission.rounding)
    name = inp.names.get(rep, "")
    team = inp.teams.get(rep, "")
    head = {"period": month, "rep_id": rep, "rep_name": name, "team": team, "plan_id": plan.id}
    balance = ledger.balances.get(rep, Decimal(0))
    summ = summary_row(head, lines, shown, credited=credited, quota=quota, payout=payout, balance=balance)
    return (head, lines, shown), summ


@renamed_arguments(through="period")
def compute_commissions(
    orders: pd.DataFrame,
    reps: pd.DataFrame,
    plan: IncentivePlan | Commission,
    *,
    period: str | Period,
    targets: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    splits: pd.DataFrame | None = None,
    adjustments: pd.DataFrame | None = None,
) -> CommissionResult:
    """Commission statements for every month from the plan start through ``period``.

    The named steps: :func:`engine_inputs` (:func:`credits_through`, :func:`clawbacks`,
    :func:`quotas_of`, :func:`spiff_lines`), then for every month the reps of
    :func:`statement_reps`, each through :func:`rep_month` (:func:`sales_lines`,
    :func:`cap_line`, SPIFF, clawback and draw lines, :func:`settle`, :func:`summary_row`).

    Parameters
    ----------
    orders : ``order_id, order_date, rep_id, amount`` [, ``status, product_id,
        product_category, quantity``] (canonical orders; refunds as rows).
    reps : ``rep_id, team`` [, ``rep_name, hire_date, active``]; active reps
        get a statement every month from their hire date, even with no sales
        (their draw still applies); an inactive rep only in months with sales,
        SPIFFs or refunds (the file does not say when they left).
    plan : the incentive plan (its ``commission`` section is used).
    period : the last month computed (the report month).
    targets : ``period, rep_id, target_amount`` for attainment-based plans.
    activities : ``rep_id, activity_type, activity_at`` [, ``activity_id``] for
        activity SPIFFs.
    splits : ``order_id, rep_id, share`` credit splits (besides the plan's own).
    adjustments : ``period, rep_id, credit_cents, decision_id`` [, ``description``]:
        credited sales moved by a decision (e.g. a conflict decision,
        :func:`sales_analytics.conflicts.decision_adjustments`); the credit is
        added to the rep's general (tiered) sales of that month and shown as a
        ``credit_adjustment`` line (amount 0, base the credit, adjustment the
        decision id), so the statement says why its credited sales moved.

    Returns
    -------
    CommissionResult
        ``statements``: ``period, rep_id, rep_name, team, plan_id, line_no,
        line_type, description, tier, source_order_ids, n_orders, base_amount,
        rate, adjustment, amount, amount_cents, amount_exact``;
        ``summary``: one row per rep and period (``credited_sales …
        payout, balance_end``); ``credits``: the order credits.
    """
    com = plan.commission if isinstance(plan, IncentivePlan) else plan
    inp = engine_inputs(
        orders,
        reps,
        com,
        period=period,
        targets=targets,
        activities=activities,
        splits=splits,
        adjustments=adjustments,
    )
    ledger = Ledger()
    parts: list[_Part] = []
    summary: list[dict] = []
    warned: set[str] = set()
    for month in inp.months:
        for rep in statement_reps(inp, month):
            plan_r = inp.plan_of.get(rep)
            if plan_r is None:
                if rep not in warned:
                    log.warning(
                        "rep %s has sales but no commission plan applies (not in reps or no default plan)",
                        rep,
                    )
                    warned.add(rep)
                continue
            part, summ = _rep_month(inp, ledger, month, rep, plan_r)
            parts.append(part)
            summary.append(summ)
    return _result(inp, parts, summary)


def _result(inp: EngineInputs, parts: list[_Part], summary: list[dict]) -> CommissionResult:
    summ = pd.DataFrame(summary, columns=SUMMARY_COLUMNS).astype({"payout_cents": "int64"})
    credits = inp.credits
    if not inp.in_range.all():
        credits = credits.take(np.flatnonzero(inp.in_range))
    return CommissionResult(_Statements(parts), summ, credits)


def team_commission_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Roll the per-rep summary up to teams.

    Parameters
    ----------
    summary : ``CommissionResult.summary`` (``period, team, credited_sales,
        commission, accelerator, spiffs, clawbacks, draw_topup, payout`` …).

    Returns
    -------
    DataFrame
        ``period, team, reps, credited_sales, commission, accelerator, spiffs,
        clawbacks, draw_topup, payout, payout_to_sales`` (payout / credited
        sales, NaN when there are no sales).

    >>> s = pd.DataFrame({"period": ["2026-03"] * 2, "team": ["A", "A"], "rep_id": ["r1", "r2"],
    ...     "credited_sales": [1000.0, 3000.0], "commission": [50.0, 150.0], "accelerator": [0.0, 0.0],
    ...     "spiffs": [0.0, 100.0], "clawbacks": [0.0, 0.0], "draw_topup": [0.0, 0.0], "payout": [50.0, 250.0]})
    >>> team_commission_summary(s)[["team", "reps", "payout", "payout_to_sales"]]
      team  reps  payout  payout_to_sales
    0    A     2   300.0            0.075
    """
    money = ["credited_sales", "commission", "accelerator", "spiffs", "clawbacks", "draw_topup", "payout"]
    require_columns(summary, "commission summary", ["period", "team", "rep_id", *money])
    out = (
        summary.groupby(["period", "team"], sort=True)
        .agg(reps=("rep_id", "nunique"), **{c: (c, "sum") for c in money})
        .reset_index()
    )
    sales = out["credited_sales"].where(out["credited_sales"] > 0)
    return out.assign(payout_to_sales=(out["payout"] / sales).round(6))
