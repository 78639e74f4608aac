"""Level 4 (difference-in-differences with staggered cohorts, event study) and Phillips ROI."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from sales_analytics.training import (
    did_by_cohort,
    event_study,
    kirkpatrick_levels,
    phillips_roi,
    rep_month_outcomes,
    training_cohorts,
    training_roi,
)

MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]


def panel(values: dict[str, list[float]], months: list[str] = MONTHS) -> pd.DataFrame:
    return pd.DataFrame(
        [{"rep_id": r, "month": m, "revenue": v} for r, vs in values.items() for m, v in zip(months, vs)]
    )


def test_did_example_from_formulas() -> None:
    # docs/formulas.md §9.5: trained 100 -> 130, untrained 100 -> 110 -> DiD = 30 - 10 = 20
    out = panel(
        {"t1": [100, 999, 130], "t2": [100, 999, 130], "c1": [100, 50, 110], "c2": [100, 50, 110]},
        months=["2025-04", "2025-05", "2025-06"],
    )
    coh = pd.DataFrame({"rep_id": ["t1", "t2"], "cohort": ["2025-05", "2025-05"]})
    did = did_by_cohort(out, coh, period="2025-06", months=1, outcome_names=("revenue",))
    row = did.set_index("cohort").loc["2025-05"]
    assert row[["treated_pre", "treated_post", "control_pre", "control_post", "did"]].tolist() == [
        100,
        130,
        100,
        110,
        20,
    ]
    assert row["se"] == 0 and row["n_treated"] == 2 and row["n_control"] == 2
    assert did.set_index("cohort").loc["all", "did"] == 20  # the training month (999 / 50) is left out


def test_did_welch_standard_error_by_hand() -> None:
    # changes: trained 30, 40 (mean 35, var 50); comparison 10, 0, 20 (mean 10, var 100)
    # DiD = 25; SE = sqrt(50/2 + 100/3) = sqrt(58.33) = 7.64; CI uses t(0.975, 2 + 3 - 2)
    out = panel(
        {
            "t1": [100, 0, 130],
            "t2": [100, 0, 140],
            "c1": [100, 0, 110],
            "c2": [100, 0, 100],
            "c3": [100, 0, 120],
        },
        months=["2025-04", "2025-05", "2025-06"],
    )
    coh = pd.DataFrame({"rep_id": ["t1", "t2"], "cohort": "2025-05"})
    row = did_by_cohort(out, coh, period="2025-06", months=1, outcome_names=("revenue",)).iloc[0]
    se = math.sqrt(50 / 2 + 100 / 3)
    assert row["did"] == 25 and row["se"] == pytest.approx(se)
    from scipy import stats

    half = stats.t.ppf(0.975, 3) * se
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((25 - half, 25 + half))


def staggered_panel(effect: float = 50.0, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """12 reps, common trend +10/month, rep levels differ; cohorts in April (4 reps), July (4), never (4).

    After the training month each trained rep earns ``effect`` more; noise is small and seeded.
    """
    rng = np.random.default_rng(seed)
    cohort = {
        **{f"a{i}": 3 for i in range(4)},
        **{f"b{i}": 6 for i in range(4)},
        **{f"n{i}": None for i in range(4)},
    }
    rows = []
    for k, (rep, g) in enumerate(cohort.items()):
        for m in range(12):
            y = 1000 + 100 * k + 10 * m + (effect if g is not None and m > g else 0) + rng.normal(0, 1)
            rows.append({"rep_id": rep, "month": MONTHS[m], "revenue": y})
    cohorts = pd.DataFrame(
        {
            "rep_id": [r for r, g in cohort.items() if g is not None],
            "cohort": [MONTHS[g] for g in cohort.values() if g is not None],
        }
    )
    return pd.DataFrame(rows), cohorts


def test_staggered_cohorts_use_not_yet_trained_reps() -> None:
    out, coh = staggered_panel(effect=50)
    did = did_by_cohort(out, coh, period="2025-12", months=2, outcome_names=("revenue",)).set_index("cohort")
    # April cohort: comparison = July cohort (not trained until after June) + never-trained = 8 reps
    assert did.loc["2025-04", "n_control"] == 8
    # July cohort: the April cohort is already trained, so only the 4 never-trained reps compare
    assert did.loc["2025-07", "n_control"] == 4
    for cohort in ("2025-04", "2025-07", "all"):
        assert did.loc[cohort, "did"] == pytest.approx(50, abs=2)
    assert did.loc["all", "n_treated"] == 8


def test_event_study_pre_trends_near_zero_and_effect_after() -> None:
    out, coh = staggered_panel(effect=50)
    es = event_study(out, coh, period="2025-12", window=3, outcome_names=("revenue",)).set_index("rel_month")
    assert list(es.index) == [-3, -2, -1, 0, 1, 2, 3]
    assert es.loc[-1, "estimate"] == 0  # the base month, by construction
    for e in (-3, -2, 0):
        assert es.loc[e, "estimate"] == pytest.approx(0, abs=2)
    for e in (1, 2, 3):
        assert es.loc[e, "estimate"] == pytest.approx(50, abs=2)
    # relative month +3 of the July cohort is October: the April cohort is trained by then and
    # cannot serve; both cohorts count (April's +3 is July, where the July cohort is still untrained)
    assert es.loc[3, "n_cohorts"] == 2


def test_event_study_detects_a_pre_trend() -> None:
    # trained reps already grew faster before training: pre-period coefficients are clearly negative
    out, coh = staggered_panel(effect=0)
    trained = set(coh["rep_id"])
    m = pd.to_datetime(out["month"]).dt.month
    out = out.assign(revenue=out["revenue"] + np.where(out["rep_id"].isin(trained), 20 * m, 0))
    es = event_study(out, coh, period="2025-12", window=2, outcome_names=("revenue",)).set_index("rel_month")
    # y(-2) - y(-1) is -20 for trained reps. April's comparison reps are the July cohort (also -20) and
    # the never-trained (0): estimate -20 - (-10) = -10. July compares with never-trained only: -20.
    # Pooled with equal weights: -15, far from zero.
    assert es.loc[-2, "estimate"] == pytest.approx(-15, abs=2)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(-500, 500), min_size=12, max_size=12),
    st.lists(st.floats(-500, 500), min_size=12, max_size=12),
)
def test_did_ignores_rep_levels_and_common_shocks(rep_shift: list[float], month_shock: list[float]) -> None:
    out, coh = staggered_panel(effect=30)
    reps = sorted(out["rep_id"].unique())
    shifted = out.assign(
        revenue=out["revenue"]
        + out["rep_id"].map(dict(zip(reps, rep_shift)))
        + out["month"].map(dict(zip(MONTHS, month_shock)))
    )
    a = did_by_cohort(out, coh, period="2025-12", months=2, outcome_names=("revenue",))
    b = did_by_cohort(shifted, coh, period="2025-12", months=2, outcome_names=("revenue",))
    assert b["did"].to_numpy() == pytest.approx(a["did"].to_numpy(), abs=1e-6)


def test_cohort_windows_must_fit_in_the_data() -> None:
    out, coh = staggered_panel()
    # period June: the July cohort has no post months yet; April needs May-June as post (months=2)
    did = did_by_cohort(out, coh, period="2025-06", months=2, outcome_names=("revenue",))
    assert set(did["cohort"]) == {"2025-04", "all"}
    assert did_by_cohort(out, coh, period="2025-05", months=2, outcome_names=("revenue",)).empty


def test_phillips_roi_example() -> None:
    # docs/formulas.md §9.2: 350,000 vs 200,000 -> BCR 1.75, ROI 75%; 29,167 a month -> payback 6.9 months
    r = phillips_roi(350_000, 200_000, months=12)
    assert r["bcr"] == 1.75 and r["roi_pct"] == 75.0
    assert (
        r["payback_months"] == pytest.approx(200_000 / (350_000 / 12))
        and round(r["payback_months"], 1) == 6.9
    )
    assert math.isnan(phillips_roi(1, 0)["bcr"])


def test_training_roi_from_did_and_costs() -> None:
    did = pd.DataFrame(
        {
            "outcome": "revenue",
            "cohort": ["2025-04", "2025-07", "all"],
            "n_treated": [4, 4, 8],
            "n_control": [8, 4, 8],
            "did": [50.0, 50.0, 50.0],
            "ci_low": 40.0,
            "ci_high": 60.0,
        }
    )
    sessions = pd.DataFrame(
        {
            "session_id": ["x", "y", "z", "p"],
            "topic": "t",
            "category": ["sales_skills", "sales_skills", "sales_skills", "product"],
            "session_date": pd.to_datetime(["2025-04-10", "2025-07-03", "2025-09-01", "2025-04-11"]),
            "cost": [1000.0, 1400.0, 9999.0, 777.0],
        }
    )
    roi = training_roi(did, sessions, period="2025-12", category="sales_skills", benefit_months=12).iloc[0]
    # benefits = 50 × 12 months × 8 reps = 4,800; costs = sessions in April and July = 2,400
    assert (roi["benefits"], roi["costs"]) == (4800.0, 2400.0)
    assert (roi["bcr"], roi["roi_pct"], roi["payback_months"]) == (2.0, 100.0, 6.0)
    assert "× 12 months × 8 trained reps" in roi["basis"]
    assert training_roi(did, sessions.drop(columns="cost"), period="2025-12").empty


def test_rep_month_outcomes_revenue_win_rate_satisfaction() -> None:
    orders = pd.DataFrame(
        {
            "order_date": pd.to_datetime(["2025-01-03", "2025-01-20", "2025-03-02", "2025-02-02"]),
            "rep_id": ["r1", "r1", "r1", "r2"],
            "amount": [100.0, -20.0, 50.0, 70.0],
            "status": ["paid", "refunded", "paid", "cancelled"],
        }
    )
    reps = pd.DataFrame({"rep_id": ["r1", "r2"], "hire_date": pd.to_datetime(["2020-01-01", "2025-02-15"])})
    deals = pd.DataFrame(
        {
            "rep_id": ["r1", "r1", "r1"],
            "status": ["won", "lost", "open"],
            "close_date": pd.to_datetime(["2025-01-05", "2025-01-09", "2025-01-10"]),
        }
    )
    sat = pd.DataFrame(
        {
            "rep_id": ["r1", "r1"],
            "submitted_at": pd.to_datetime(["2025-03-01", "2025-03-02"], utc=True),
            "csat": [4, 5],
        }
    )
    out = rep_month_outcomes(orders, reps, deals=deals, satisfaction=sat)
    r1 = out.loc[out["rep_id"] == "r1"].set_index("month")
    # January net 100 - 20 = 80; February nothing -> 0; the cancelled order does not count
    assert r1["revenue"].tolist() == [80.0, 0.0, 50.0]
    assert r1.loc["2025-01", "win_rate"] == 0.5 and math.isnan(r1.loc["2025-02", "win_rate"])
    assert r1.loc["2025-03", "satisfaction"] == 4.5
    # r2 hired in February: months February and March, both 0
    assert out.loc[out["rep_id"] == "r2", "month"].tolist() == ["2025-02", "2025-03"]


def test_training_cohorts_and_kirkpatrick_level4_and_5() -> None:
    out, coh = staggered_panel(effect=50)
    did = did_by_cohort(out, coh, period="2025-12", months=2, outcome_names=("revenue",))
    sessions = pd.DataFrame(
        {
            "session_id": ["x"],
            "topic": "t",
            "category": "sales_skills",
            "session_date": pd.to_datetime(["2025-04-10"]),
            "cost": [1000.0],
        }
    )
    roi = training_roi(did, sessions, period="2025-12")
    k = kirkpatrick_levels(period="2025-12", did=did, roi=roi).set_index("measure")
    assert k.loc["did_revenue", "level"] == "L4" and k.loc["did_revenue", "value"] == pytest.approx(50, abs=2)
    assert k.loc["roi_pct", "level"] == "L5"
    att = pd.DataFrame({"session_id": ["x", "x"], "rep_id": ["b", "a"], "attended": [True, "no"]})
    assert training_cohorts(sessions, att)["rep_id"].tolist() == ["b"]


def test_impact_inputs_are_not_mutated() -> None:
    out, coh = staggered_panel()
    o, c = out.copy(), coh.copy()
    did_by_cohort(out, coh, period="2025-12")
    event_study(out, coh, period="2025-12")
    assert_frame_equal(out, o)
    assert_frame_equal(coh, c)
