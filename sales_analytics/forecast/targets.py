"""Target proposals: a company goal split into team and rep targets that sum to it exactly.

Each active rep's share of the goal is their forecast p50 for the month (which
already carries their history, the month's seasonality, their trend and, for
the open month, their weighted pipeline). A rep still ramping up (hired fewer
than ``ramp_months`` months before the month) is weighed at least at
``tenure / ramp_months`` of their team's median rep, so a new hire with little
history gets a fair, growing share instead of almost nothing. Amounts are
split in integer cents by the largest-remainder method, so the reps' targets
add up to the goal to the cent and a team's target is the sum of its reps'.

Each target comes with the probability of reaching it under the forecast: the
revenue is taken as log-normal with the forecast's p50 as median and the
p10-p90 band as its central 80 %.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.errors import SalesAnalyticsError
from sales_analytics.forecast.forecast import Z90, _month
from sales_analytics.periods import Period
from sales_analytics.vocabulary import renamed_arguments

__all__ = [
    "PROPOSAL_COLUMNS",
    "NothingToSplit",
    "goal_from_growth",
    "growth_proposal",
    "propose_targets",
    "target_chances",
    "target_probability",
    "targets_file",
]

TARGET_COLUMNS = ("period", "rep_id", "team", "target_amount")
#: The columns of :func:`propose_targets`.
PROPOSAL_COLUMNS = (
    "period",
    "level",
    "team",
    "rep_id",
    "target_amount",
    "share",
    "basis",
    "p10",
    "p50",
    "p90",
    "probability",
)


def target_probability(target: np.ndarray, p10: np.ndarray, p50: np.ndarray, p90: np.ndarray) -> np.ndarray:
    """P(revenue ≥ target) for a log-normal revenue with median p50 and 80 % band p10-p90.

    >>> target_probability(np.array([100.0, 50.0]), np.array([50.0, 50.0]), np.array([100.0, 100.0]),
    ...                    np.array([200.0, 200.0])).round(3).tolist()  # at the median: 1/2; at p10: 0.9
    [0.5, 0.9]
    """
    target, p10, p50, p90 = (np.asarray(a, dtype=np.float64) for a in (target, p10, p50, p90))
    out = np.zeros(len(target))
    pos = p50 > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.where(pos & (p10 > 0), (np.log(p90) - np.log(p10)) / (2 * Z90), 0.0)
        z = np.where(pos & (sigma > 0), (np.log(np.maximum(target, 1e-12)) - np.log(p50)) / sigma, 0.0)
    wide = pos & (sigma > 0)
    from scipy import stats  # imported on use: opening a notebook does not load scipy.stats

    out[wide] = stats.norm.sf(z[wide])
    sure = pos & ~wide
    out[sure] = (p50[sure] >= target[sure]).astype(np.float64)
    out[target <= 0] = 1.0
    return out


class NothingToSplit(SalesAnalyticsError, ValueError):
    """No active rep has a forecast or a ramp share for the month: a goal cannot be split."""


def _largest_remainder(total_cents: int, weights: np.ndarray) -> np.ndarray:
    """Integer cents proportional to ``weights`` that add up to ``total_cents`` exactly.

    >>> _largest_remainder(100, np.array([1.0, 1.0, 1.0])).tolist()
    [34, 33, 33]
    """
    share = weights / weights.sum() * total_cents
    base = np.floor(share).astype(np.int64)
    left = int(total_cents - base.sum())
    # ties broken by position so the split is deterministic
    order = np.lexsort((np.arange(len(share)), -(share - base)))
    base[order[:left]] += 1
    return base


@renamed_arguments(month="period")
def goal_from_growth(revenue: pd.DataFrame, *, period: Period | str, growth: float) -> float:
    """Company goal for ``period`` = revenue of the same month last year × (1 + growth), in cents.

    ``revenue`` is :func:`~sales_analytics.forecast.monthly_revenue` (``month, revenue``).

    >>> goal_from_growth(pd.DataFrame({"month": ["2025-01"], "revenue": [100.0]}), period="2026-01", growth=0.1)
    110.0
    """
    m = _month(period)
    last = str(m.same_period_last_year())
    base = revenue.loc[revenue["month"].astype(str) == last, "revenue"]
    if base.empty:
        raise SalesAnalyticsError(
            f"no revenue recorded for {last}, the same month last year: give the goal as an amount "
            "(--goal) instead of a growth"
        )
    return round(float(base.sum()) * (1 + growth), 2)


@renamed_arguments(month="period")
def propose_targets(
    forecast: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    period: Period | str,
    goal: float,
    ramp_months: int = 6,
) -> pd.DataFrame:
    """Split a company ``goal`` for the month ``period`` into rep and team targets.

    Parameters
    ----------
    forecast : :func:`~sales_analytics.forecast.revenue_forecast` output with rows for ``period``
        (its ``month`` column).
    reps : canonical reps (rep_id, team [, hire_date, active]); inactive reps get no target.
    period : the month the targets are for (``YYYY-MM``; the monthly run proposes the open month,
        the one after the report month).
    goal : the company target in the reporting currency (rounded to the cent).

    Returns
    -------
    DataFrame ``period, level, team, rep_id, target_amount, share, basis, p10, p50, p90,
    probability``: a company row, one per team and one per rep with a target. ``basis`` says
    what weighed the rep: ``forecast`` or ``ramp``. Team targets are the sums of their reps'.
    """
    m = str(_month(period))
    if not np.isfinite(goal) or goal <= 0:
        raise ValueError(f"`goal` must be a positive amount, got {goal!r}.")
    fc = forecast[forecast["month"].astype(str) == m]
    if fc.empty:
        have = sorted(forecast["month"].astype(str).unique())
        raise ValueError(f"the forecast has no rows for {m}; it covers {have}.")
    rep_fc = fc[fc["level"] == "rep"].set_index("rep_id")
    r = reps.drop_duplicates("rep_id").assign(rep_id=lambda x: x["rep_id"].astype(str)).set_index("rep_id")
    active = (
        r["active"].fillna(True).astype(bool) if "active" in r.columns else pd.Series(True, index=r.index)
    )
    ids = [i for i in r.index if active.get(i, True)]
    p50 = rep_fc["p50"].reindex(ids).fillna(0.0).to_numpy()
    team = r.loc[ids, "team"].astype(str).to_numpy()
    start = pd.Timestamp(_month(m).start)
    if "hire_date" in r.columns:
        hired = pd.to_datetime(r.loc[ids, "hire_date"])
        # whole calendar months from the hire month to the target month
        months_in = (start.year - hired.dt.year) * 12 + (start.month - hired.dt.month)
        tenure = months_in.astype("float64").fillna(np.inf).to_numpy()
    else:
        tenure = np.full(len(ids), np.inf)
    ramp = np.clip(tenure / ramp_months, 0.0, 1.0)
    seasoned = tenure >= ramp_months
    weight = p50.copy()
    basis = np.array(["forecast"] * len(ids), dtype=object)
    for t in np.unique(team):
        in_team = team == t
        ref = p50[in_team & seasoned & (p50 > 0)]
        median = (
            float(np.median(ref)) if len(ref) else float(np.median(p50[p50 > 0])) if (p50 > 0).any() else 0.0
        )
        ramping = in_team & ~seasoned
        floor = ramp * median
        lift = ramping & (floor > weight)
        weight[lift] = floor[lift]
        basis[lift] = "ramp"
    keep = weight > 0
    if not keep.any():
        raise NothingToSplit(
            f"no active rep has a forecast or a ramp share for {m}: nothing to split the goal over."
        )
    goal_cents = int(round(goal * 100))
    cents = np.zeros(len(ids), dtype=np.int64)
    cents[keep] = _largest_remainder(goal_cents, weight[keep])
    rep_rows = pd.DataFrame(
        {
            "level": "rep",
            "team": team,
            "rep_id": ids,
            "cents": cents,
            "share": np.where(keep, weight / weight[keep].sum(), 0.0),
            "basis": basis,
        }
    )[keep]
    team_rows = (
        rep_rows.groupby("team", as_index=False)
        .agg(cents=("cents", "sum"), share=("share", "sum"))
        .assign(level="team", rep_id=pd.NA, basis="sum of reps")
    )
    company = pd.DataFrame(
        {
            "level": ["company"],
            "team": [pd.NA],
            "rep_id": [pd.NA],
            "cents": [goal_cents],
            "share": [1.0],
            "basis": ["goal"],
        }
    )
    out = pd.concat([company, team_rows, rep_rows], ignore_index=True)
    bands = fc.assign(_t=fc["team"].astype(str), _r=fc["rep_id"].astype(str))[
        ["level", "_t", "_r", "p10", "p50", "p90"]
    ]
    out = out.assign(_t=out["team"].astype(str), _r=out["rep_id"].astype(str)).merge(
        bands, on=["level", "_t", "_r"], how="left"
    )
    out["target_amount"] = out["cents"] / 100
    out["probability"] = target_probability(
        out["target_amount"].to_numpy(), *(out[c].fillna(0.0).to_numpy() for c in ("p10", "p50", "p90"))
    )
    out["period"] = m
    out["team"] = out["team"].astype("str")
    out["rep_id"] = out["rep_id"].astype("str")
    return out[list(PROPOSAL_COLUMNS)].reset_index(drop=True)


@renamed_arguments(month="period")
def growth_proposal(
    revenue: pd.DataFrame,
    forecast: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    period: Period | str,
    growth: float,
    ramp_months: int = 6,
) -> tuple[pd.DataFrame, str | None]:
    """The monthly run's proposal: :func:`goal_from_growth` split by :func:`propose_targets`.

    Returns ``(proposal, None)``, or an empty proposal and the label key saying why
    there is none when the data cannot give one (a valid run, not an error):
    ``goals_no_growth_base`` — no revenue (or none above zero) in the same month
    last year, e.g. less than a year of data; ``goals_no_split`` — no active rep
    has a forecast or a ramp share to split the goal over.

    >>> revenue = pd.DataFrame({"month": ["2026-01"], "revenue": [100.0]})
    >>> proposal, why = growth_proposal(revenue, pd.DataFrame(), pd.DataFrame(), period="2026-02", growth=0.1)
    >>> (len(proposal), why)
    (0, 'goals_no_growth_base')
    """
    m = _month(period)
    last = str(m.same_period_last_year())
    base = float(revenue.loc[revenue["month"].astype(str) == last, "revenue"].sum())
    numbers = ("target_amount", "share", "p10", "p50", "p90", "probability")
    empty = pd.DataFrame(
        {c: pd.Series(dtype="float64" if c in numbers else "object") for c in PROPOSAL_COLUMNS}
    )
    if not np.isfinite(base) or base <= 0:
        return empty, "goals_no_growth_base"
    goal = goal_from_growth(revenue, period=m, growth=growth)
    try:
        return propose_targets(forecast, reps, period=m, goal=goal, ramp_months=ramp_months), None
    except NothingToSplit:
        return empty, "goals_no_split"


def targets_file(proposal: pd.DataFrame) -> pd.DataFrame:
    """The proposal in the canonical targets columns (``period, rep_id, team, target_amount``).

    A rep row names the rep (team empty), a team row the team (rep_id empty),
    as the targets table expects; the company row is left out.
    """
    reps = proposal[proposal["level"] == "rep"]
    teams = proposal[proposal["level"] == "team"]
    out = pd.concat(
        [
            pd.DataFrame(
                {
                    "period": reps["period"],
                    "rep_id": reps["rep_id"],
                    "team": pd.NA,
                    "target_amount": reps["target_amount"],
                }
            ),
            pd.DataFrame(
                {
                    "period": teams["period"],
                    "rep_id": pd.NA,
                    "team": teams["team"],
                    "target_amount": teams["target_amount"],
                }
            ),
        ],
        ignore_index=True,
    )
    return out.astype({"period": "str", "rep_id": "str", "team": "str"})[list(TARGET_COLUMNS)]


@renamed_arguments(month="period")
def target_chances(
    forecast: pd.DataFrame, targets: pd.DataFrame | None, *, period: Period | str
) -> pd.DataFrame:
    """The probability of reaching the targets already set for the month ``period`` (the canonical targets table).

    Returns ``period, level, team, rep_id, target_amount, p10, p50, p90, probability``: a row per
    team and rep target of ``period`` that the forecast covers, plus the company (the sum of the
    team targets, else of the rep targets). Empty when no target is set for the month.
    """
    m = str(_month(period))
    cols = ["period", "level", "team", "rep_id", "target_amount", "p10", "p50", "p90", "probability"]
    if targets is None or targets.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    t = targets[targets["period"].astype(str) == m]
    fc = forecast[forecast["month"].astype(str) == m]
    if t.empty or fc.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    has_rep = t["rep_id"].notna() if "rep_id" in t.columns else pd.Series(False, index=t.index)
    rep_t = t[has_rep].groupby(t.loc[has_rep, "rep_id"].astype(str))["target_amount"].sum()
    team_t = t[~has_rep].groupby(t.loc[~has_rep, "team"].astype(str))["target_amount"].sum()
    company = float(team_t.sum() if len(team_t) else rep_t.sum())
    rows = [{"level": "company", "team": pd.NA, "rep_id": pd.NA, "target_amount": company}]
    rows += [{"level": "team", "team": k, "rep_id": pd.NA, "target_amount": v} for k, v in team_t.items()]
    rows += [{"level": "rep", "team": pd.NA, "rep_id": k, "target_amount": v} for k, v in rep_t.items()]
    out = pd.DataFrame(rows)
    key = fc.assign(
        _k=fc["level"]
        + "|"
        + fc["team"].astype(str).where(fc["level"] == "team", "")
        + "|"
        + fc["rep_id"].astype(str).where(fc["level"] == "rep", "")
    ).set_index("_k")
    k = (
        out["level"]
        + "|"
        + out["team"].astype(str).where(out["level"] == "team", "")
        + "|"
        + out["rep_id"].astype(str).where(out["level"] == "rep", "")
    )
    for c in ("p10", "p50", "p90"):
        out[c] = key[c].reindex(k).to_numpy()
    out["team"] = out["team"].where(out["level"] != "rep", key["team"].reindex(k).to_numpy())
    out = out[out["p50"].notna()].reset_index(drop=True)
    out["probability"] = target_probability(
        out["target_amount"].to_numpy(), out["p10"], out["p50"], out["p90"]
    )
    out["period"] = m
    return out.astype({"team": "str", "rep_id": "str"})[cols]
