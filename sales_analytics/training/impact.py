"""Kirkpatrick level 4 (results) by difference-in-differences, the event study, and Phillips ROI.

Design (staggered cohorts, in the spirit of Callaway–Sant'Anna with
not-yet-treated controls): a rep's *cohort* is the month of their first
attended session of the evaluated category. For cohort ``g`` and a window of
``k`` months, the pre months are ``g−k … g−1`` and the post months
``g+1 … g+k`` (the training month itself is partly treated and left out). The
comparison reps are those not yet trained by the end of the post window
(trained later, or never). Per rep, ``Δ = mean(post) − mean(pre)``; the DiD is
``mean Δ(trained) − mean Δ(comparison)``, with a Welch standard error. The
overall effect weights cohorts by their trained reps.

**Assumption (parallel trends):** without the training, trained and
not-yet-trained reps would have moved in parallel. The event study checks it:
its coefficients for the months before training (relative month −k … −2,
against −1) should be close to zero.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sales_analytics.periods import Period, parse_period
from sales_analytics.refunds import normalize_refunds
from sales_analytics.report.labels import label
from sales_analytics.training._common import attended_sessions, require

__all__ = [
    "OUTCOMES",
    "PARALLEL_TRENDS",
    "did_by_cohort",
    "event_study",
    "phillips_roi",
    "rep_month_outcomes",
    "training_cohorts",
    "training_roi",
]

OUTCOMES = ("revenue", "win_rate", "satisfaction")
PARALLEL_TRENDS = (
    "Parallel trends: without the training, trained and not-yet-trained reps would have moved "
    "in parallel; the event-study coefficients before training should be close to zero."
)


def _midx(month: pd.Series) -> pd.Series:
    """'YYYY-MM' (or timestamps) -> year * 12 + month - 1."""
    ts = pd.to_datetime(month)
    return ts.dt.year * 12 + ts.dt.month - 1


def _mstr(i: int) -> str:
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def _period_idx(period: Period | str) -> int:
    p = parse_period(period)
    return p.year * 12 + p.index - 1


def rep_month_outcomes(
    orders: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    deals: pd.DataFrame | None = None,
    satisfaction: pd.DataFrame | None = None,
    satisfaction_item: str = "csat",
) -> pd.DataFrame:
    """One row per rep and month: net revenue, win rate and mean customer satisfaction.

    Parameters
    ----------
    orders : ``orders``: order_date*, rep_id*, amount*, status (cancelled rows are excluded).
    reps : ``reps``: rep_id*, hire_date, active. A rep's months run from the later of the first
        data month and the hire month to the last data month (for inactive reps, their last
        order month); months without orders have revenue 0.
    deals : optional ``deals``: rep_id*, status (won | lost), close_date. Win rate = won /
        (won + lost) of deals closed in the month; empty when none closed.
    satisfaction : optional ``survey_customer_satisfaction``: rep_id, submitted_at and the
        ``satisfaction_item`` column; the month's mean.

    Returns
    -------
    DataFrame
        ``rep_id, month, revenue, win_rate, satisfaction`` (``month`` is ``YYYY-MM``).

    Examples
    --------
    >>> o = pd.DataFrame({"order_date": pd.to_datetime(["2025-01-05", "2025-03-01"]), "rep_id": ["r1", "r1"],
    ...                   "amount": [100.0, 50.0]})
    >>> rep_month_outcomes(o, pd.DataFrame({"rep_id": ["r1"]}))["revenue"].tolist()
    [100.0, 0.0, 50.0]
    """
    require(orders, "orders", ("order_date", "rep_id", "amount"))
    require(reps, "reps", ("rep_id",))
    o = normalize_refunds(orders)  # an order refunded in full adds nothing (sales_analytics.refunds)
    if "status" in o.columns:  # the three columns used, not every column of the table, are filtered
        kept = (o["status"].astype("str").fillna("paid") != "cancelled").to_numpy(dtype=bool)
        o = o[["rep_id", "order_date", "amount"]].loc[kept]
    o = pd.DataFrame(
        {
            "rep_id": o["rep_id"].astype("str"),
            "m": _midx(o["order_date"]),
            "amount": pd.to_numeric(o["amount"], errors="coerce"),
        }
    )
    if o.empty:
        return pd.DataFrame(columns=["rep_id", "month", *OUTCOMES])
    m0, m1 = int(o["m"].min()), int(o["m"].max())
    r = reps.assign(rep_id=reps["rep_id"].astype("str")).drop_duplicates("rep_id")
    start = pd.Series(m0, index=r.index)
    if "hire_date" in r.columns:
        start = np.maximum(start, _midx(r["hire_date"]).fillna(m0).astype(int))
    last_order = o.groupby("rep_id")["m"].max()
    stop = pd.Series(m1, index=r.index)
    if "active" in r.columns:
        inactive = ~r["active"].fillna(True).astype(bool)
        stop = stop.where(~inactive, r["rep_id"].map(last_order).fillna(m0 - 1).astype(int))
    grid = pd.DataFrame({"rep_id": r["rep_id"], "a": start.astype(int), "b": stop.astype(int)})
    grid = grid.loc[grid["b"] >= grid["a"]]
    grid = grid.assign(m=[list(range(a, b + 1)) for a, b in zip(grid["a"], grid["b"])]).explode("m")
    grid = grid[["rep_id", "m"]].astype({"m": int})
    rev = o.groupby(["rep_id", "m"])["amount"].sum().rename("revenue")
    out = grid.merge(rev.reset_index(), on=["rep_id", "m"], how="left").fillna({"revenue": 0.0})

    out["win_rate"] = np.nan
    if deals is not None and {"rep_id", "status", "close_date"} <= set(deals.columns):
        d = deals.loc[deals["status"].astype("str").isin(["won", "lost"]) & deals["close_date"].notna()]
        d = pd.DataFrame(
            {
                "rep_id": d["rep_id"].astype("str"),
                "m": _midx(d["close_date"]),
                "won": (d["status"].astype("str") == "won").astype(float),
            }
        )
        wr = d.groupby(["rep_id", "m"])["won"].mean().rename("wr").reset_index()
        out = out.merge(wr, on=["rep_id", "m"], how="left")
        out["win_rate"] = out.pop("wr")
    out["satisfaction"] = np.nan
    if satisfaction is not None and {"rep_id", "submitted_at", satisfaction_item} <= set(
        satisfaction.columns
    ):
        when = pd.to_datetime(satisfaction["submitted_at"])
        if isinstance(when.dtype, pd.DatetimeTZDtype):
            when = when.dt.tz_localize(None)
        s = pd.DataFrame(
            {
                "rep_id": satisfaction["rep_id"].astype("str"),
                "m": _midx(when),
                "v": pd.to_numeric(satisfaction[satisfaction_item], errors="coerce"),
            }
        )
        sat = s.dropna().groupby(["rep_id", "m"])["v"].mean().rename("sat").reset_index()
        out = out.merge(sat, on=["rep_id", "m"], how="left")
        out["satisfaction"] = out.pop("sat")
    out = out.sort_values(["rep_id", "m"]).reset_index(drop=True)
    out.insert(1, "month", out.pop("m").map(_mstr))
    return out[["rep_id", "month", *OUTCOMES]]


def training_cohorts(
    sessions: pd.DataFrame, attendance: pd.DataFrame, *, category: str | None = "sales_skills"
) -> pd.DataFrame:
    """Each rep's first attended session of ``category`` (any category when empty).

    Returns ``rep_id, first_trained, cohort`` (``cohort`` = ``YYYY-MM`` of ``first_trained``).

    >>> s = pd.DataFrame({"session_id": ["a", "b"], "topic": "t", "category": "sales_skills",
    ...                   "session_date": pd.to_datetime(["2025-03-04", "2025-05-06"])})
    >>> att = pd.DataFrame({"session_id": ["a", "b", "b"], "rep_id": ["r1", "r1", "r2"], "attended": True})
    >>> training_cohorts(s, att)["cohort"].tolist()
    ['2025-03', '2025-05']
    """
    rows = attended_sessions(sessions, attendance)
    rows = rows.loc[rows["attended"]]
    if category:
        rows = rows.loc[rows["category"] == category]
    first = rows.groupby("rep_id")["session_date"].min().rename("first_trained").reset_index()
    return first.assign(cohort=first["first_trained"].dt.strftime("%Y-%m")).sort_values(
        "rep_id", ignore_index=True
    )


def _wide(outcomes: pd.DataFrame, outcome: str) -> pd.DataFrame:
    require(outcomes, "rep_month_outcomes", ("rep_id", "month", outcome))
    f = pd.DataFrame(
        {
            "rep_id": outcomes["rep_id"].astype("str"),
            "m": _midx(outcomes["month"]),
            "y": pd.to_numeric(outcomes[outcome], errors="coerce"),
        }
    )
    return f.pivot_table(index="rep_id", columns="m", values="y", aggfunc="mean", dropna=False)


def _cohort_index(cohorts: pd.DataFrame, reps: pd.Index) -> pd.Series:
    c = pd.Series(_midx(cohorts["cohort"]).to_numpy(), index=cohorts["rep_id"].astype("str"))
    return c.reindex(reps)  # NaN = never trained


def _diff(dt: pd.Series, dc: pd.Series) -> tuple[float, float]:
    nt, nc = len(dt), len(dc)
    if nt == 0 or nc == 0:
        return math.nan, math.nan
    est = float(dt.mean() - dc.mean())
    vt = float(dt.var(ddof=1)) if nt > 1 else math.nan
    vc = float(dc.var(ddof=1)) if nc > 1 else math.nan
    return est, math.sqrt(vt / nt + vc / nc) if nt > 1 and nc > 1 else math.nan


def _ci(est: float, se: float, df: float) -> tuple[float, float]:
    from scipy import stats  # imported on use: opening a notebook does not load scipy.stats

    if not (se == se) or df < 1:
        return math.nan, math.nan
    half = float(stats.t.ppf(0.975, df)) * se
    return est - half, est + half


def did_by_cohort(
    outcomes: pd.DataFrame,
    cohorts: pd.DataFrame,
    *,
    period: Period | str,
    months: int = 3,
    outcome_names: tuple[str, ...] = OUTCOMES,
) -> pd.DataFrame:
    """Difference-in-differences per training cohort and overall (see the module docstring).

    Parameters
    ----------
    outcomes : :func:`rep_month_outcomes` (rep_id, month, revenue, win_rate, satisfaction).
    cohorts : :func:`training_cohorts` (rep_id, cohort).
    period : the last month that may be used (the reporting month).
    months : pre and post window length ``k``.

    Returns
    -------
    DataFrame
        ``period, outcome, cohort, n_treated, n_control, treated_pre, treated_post, control_pre,
        control_post, did, se, ci_low, ci_high``; ``cohort`` is ``YYYY-MM`` or ``all`` (weighted by
        ``n_treated``). Reps need a value in both windows to count.

    Examples
    --------
    >>> out = pd.DataFrame({"rep_id": ["t", "t", "t", "c", "c", "c"], "month": ["2025-04", "2025-05", "2025-06"] * 2,
    ...                     "revenue": [100.0, 115, 130, 100, 105, 110]})
    >>> coh = pd.DataFrame({"rep_id": ["t"], "cohort": ["2025-05"]})
    >>> did_by_cohort(out, coh, period="2025-06", months=1, outcome_names=("revenue",))["did"].tolist()
    [20.0, 20.0]
    """
    last = _period_idx(period)
    rows = []
    for outcome in outcome_names:
        if outcome not in outcomes.columns:
            continue
        wide = _wide(outcomes, outcome)
        if wide.empty:
            continue
        first_m = int(wide.columns.min())
        coh = _cohort_index(cohorts, wide.index)
        per = []
        for g in sorted(coh.dropna().unique().astype(int)):
            if g - months < first_m or g + months > last:
                continue
            pre = [m for m in range(g - months, g) if m in wide.columns]
            post = [m for m in range(g + 1, g + months + 1) if m in wide.columns]
            pre_mean, post_mean = wide[pre].mean(axis=1), wide[post].mean(axis=1)
            ok = pre_mean.notna() & post_mean.notna()
            treated = ok & (coh == g)
            control = ok & (coh.isna() | (coh > g + months))
            est, se = _diff((post_mean - pre_mean)[treated], (post_mean - pre_mean)[control])
            nt, nc = int(treated.sum()), int(control.sum())
            if nt == 0 or nc == 0:
                continue
            lo, hi = _ci(est, se, nt + nc - 2)
            per.append(
                {
                    "outcome": outcome,
                    "cohort": _mstr(g),
                    "n_treated": nt,
                    "n_control": nc,
                    "treated_pre": float(pre_mean[treated].mean()),
                    "treated_post": float(post_mean[treated].mean()),
                    "control_pre": float(pre_mean[control].mean()),
                    "control_post": float(post_mean[control].mean()),
                    "did": est,
                    "se": se,
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
        if per:
            rows += per
            rows.append(_pool(per, outcome))
    cols = [
        "period",
        "outcome",
        "cohort",
        "n_treated",
        "n_control",
        "treated_pre",
        "treated_post",
        "control_pre",
        "control_post",
        "did",
        "se",
        "ci_low",
        "ci_high",
    ]
    out = pd.DataFrame(rows, columns=cols[1:])
    out.insert(0, "period", str(parse_period(period)))
    return out


def _pool(per: list[dict], outcome: str, key: str = "cohort", label: str | int = "all") -> dict:
    """Cohort rows pooled with weights n_treated; SE = sqrt(Σ w² se²) (cohorts treated as independent)."""
    n = np.array([r["n_treated"] for r in per], dtype=float)
    w = n / n.sum()
    est = np.array([r["did"] if "did" in r else r["estimate"] for r in per], dtype=float)
    se = np.array([r["se"] for r in per], dtype=float)
    pooled_se = float(np.sqrt(np.sum(w**2 * se**2))) if not np.isnan(se).any() else math.nan
    value = float(np.sum(w * est))
    df = float(sum(r["n_treated"] + r["n_control"] for r in per) - 2 * len(per))
    lo, hi = _ci(value, pooled_se, df)
    out = {
        "outcome": outcome,
        key: label,
        "n_treated": int(n.sum()),
        "n_control": int(max(r["n_control"] for r in per)),
        "se": pooled_se,
        "ci_low": lo,
        "ci_high": hi,
    }
    if "did" in per[0]:
        for col in ("treated_pre", "treated_post", "control_pre", "control_post"):
            out[col] = float(np.sum(w * np.array([r[col] for r in per])))
        out["did"] = value
    else:
        out["estimate"] = value
    return out


def event_study(
    outcomes: pd.DataFrame,
    cohorts: pd.DataFrame,
    *,
    period: Period | str,
    window: int = 4,
    outcome_names: tuple[str, ...] = OUTCOMES,
) -> pd.DataFrame:
    """Event-study estimates for relative months ``−window … +window`` against month −1.

    For cohort ``g`` and relative month ``e`` (calendar month ``t = g + e``), each rep's change
    ``y(t) − y(g − 1)`` is compared between the cohort and reps not yet trained by
    ``max(t, g)``; cohorts are pooled with weights ``n_treated``. Month −1 is 0 by construction.
    Pre-training estimates far from zero cast doubt on parallel trends.

    Returns
    -------
    DataFrame
        ``period, outcome, rel_month, n_cohorts, n_treated, n_control, treated_change,
        control_change, estimate, se, ci_low, ci_high``.

    Examples
    --------
    >>> out = pd.DataFrame({"rep_id": ["t"] * 3 + ["c"] * 3, "month": ["2025-04", "2025-05", "2025-06"] * 2,
    ...                     "revenue": [100.0, 115, 130, 100, 105, 110]})
    >>> coh = pd.DataFrame({"rep_id": ["t"], "cohort": ["2025-05"]})
    >>> event_study(out, coh, period="2025-06", window=1, outcome_names=("revenue",))["estimate"].tolist()
    [0.0, 10.0, 20.0]
    """
    last = _period_idx(period)
    rows = []
    for outcome in outcome_names:
        if outcome not in outcomes.columns:
            continue
        wide = _wide(outcomes, outcome)
        if wide.empty:
            continue
        coh = _cohort_index(cohorts, wide.index)
        have = set(wide.columns)
        for e in range(-window, window + 1):
            per = []
            for g in sorted(coh.dropna().unique().astype(int)):
                t, base = g + e, g - 1
                if t not in have or base not in have or t > last:
                    continue
                change = wide[t] - wide[base]
                ok = change.notna()
                treated = ok & (coh == g)
                control = ok & (coh.isna() | (coh > max(t, g)))
                nt, nc = int(treated.sum()), int(control.sum())
                if nt == 0 or nc == 0:
                    continue
                est, se = _diff(change[treated], change[control])
                per.append(
                    {
                        "n_treated": nt,
                        "n_control": nc,
                        "estimate": est,
                        "se": se,
                        "treated_change": float(change[treated].mean()),
                        "control_change": float(change[control].mean()),
                    }
                )
            if not per:
                continue
            pooled = _pool(per, outcome, key="rel_month", label=e)
            w = np.array([r["n_treated"] for r in per], dtype=float)
            w /= w.sum()
            pooled.update(
                n_cohorts=len(per),
                treated_change=float(np.sum(w * [r["treated_change"] for r in per])),
                control_change=float(np.sum(w * [r["control_change"] for r in per])),
            )
            rows.append(pooled)
    cols = [
        "period",
        "outcome",
        "rel_month",
        "n_cohorts",
        "n_treated",
        "n_control",
        "treated_change",
        "control_change",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
    ]
    out = pd.DataFrame(rows, columns=cols[1:])
    out.insert(0, "period", str(parse_period(period)))
    return out


def phillips_roi(benefits: float, costs: float, *, months: float = 12) -> dict[str, float]:
    """Phillips ROI: ``BCR = benefits / costs``, ``ROI % = (benefits − costs) / costs × 100``,
    ``payback = costs / (benefits / months)`` in months.

    >>> r = phillips_roi(350_000, 200_000, months=12)
    >>> r["bcr"], r["roi_pct"], round(r["payback_months"], 1)
    (1.75, 75.0, 6.9)
    """
    nan = float("nan")
    if not costs or costs <= 0 or costs != costs:
        return {"bcr": nan, "roi_pct": nan, "payback_months": nan}
    per_month = benefits / months if months else nan
    return {
        "bcr": benefits / costs,
        "roi_pct": (benefits - costs) / costs * 100,
        "payback_months": costs / per_month if per_month and per_month > 0 else nan,
    }


def training_roi(
    did: pd.DataFrame,
    sessions: pd.DataFrame,
    *,
    period: Period | str,
    category: str | None = "sales_skills",
    benefit_months: int = 12,
    margin: float = 1.0,
) -> pd.DataFrame:
    """Phillips ROI of the evaluated training, from the revenue DiD and the session costs.

    ``benefits = DiD revenue effect per rep-month × benefit_months × trained reps × margin``
    (the effect isolated by the comparison group, as Phillips asks; ``margin`` turns revenue
    into contribution, 1.0 = revenue itself). ``costs`` = the ``cost`` of the sessions of
    ``category`` held in the cohort months that entered the DiD.

    Returns
    -------
    DataFrame
        ``period, category, cohorts, trained_reps, effect_per_rep_month, effect_ci_low,
        effect_ci_high, benefit_months, margin, benefits, costs, bcr, roi_pct, payback_months,
        basis``: one row, or no rows when there is no revenue DiD or no session cost.
    """
    cols = [
        "period",
        "category",
        "cohorts",
        "trained_reps",
        "effect_per_rep_month",
        "effect_ci_low",
        "effect_ci_high",
        "benefit_months",
        "margin",
        "benefits",
        "costs",
        "bcr",
        "roi_pct",
        "payback_months",
        "basis",
    ]
    p = parse_period(period)
    rev = did.loc[did["outcome"] == "revenue"] if len(did) else did
    if rev.empty or "cost" not in sessions.columns:
        return pd.DataFrame(columns=cols)
    pooled = rev.loc[rev["cohort"] == "all"].iloc[0]
    months = set(rev.loc[rev["cohort"] != "all", "cohort"])
    s = sessions.assign(session_date=pd.to_datetime(sessions["session_date"]))
    if category:
        s = s.loc[s.get("category", pd.Series(index=s.index, dtype="str")) == category]
    s = s.loc[s["session_date"].dt.strftime("%Y-%m").isin(months)]
    cost = pd.to_numeric(s["cost"], errors="coerce")
    if cost.notna().sum() == 0:
        return pd.DataFrame(columns=cols)
    costs = float(cost.sum())
    trained = int(pooled["n_treated"])
    benefits = float(pooled["did"]) * benefit_months * trained * margin
    roi = phillips_roi(benefits, costs, months=benefit_months)
    basis = label("roi_basis", "en").format(  # the stable English value: report/prose_text.py translates it
        effect=f"{pooled['did']:.2f}",
        months=benefit_months,
        trained=trained,
        margin=f"{margin:g}",
        sessions=len(s),
        category=category or "all",
        cohorts=", ".join(sorted(months)),
    )
    return pd.DataFrame(
        [
            {
                "period": str(p),
                "category": category or "all",
                "cohorts": len(months),
                "trained_reps": trained,
                "effect_per_rep_month": float(pooled["did"]),
                "effect_ci_low": float(pooled["ci_low"]),
                "effect_ci_high": float(pooled["ci_high"]),
                "benefit_months": benefit_months,
                "margin": margin,
                "benefits": benefits,
                "costs": costs,
                **roi,
                "basis": basis,
            }
        ],
        columns=cols,
    )
