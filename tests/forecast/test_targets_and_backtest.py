"""Target proposals sum to the goal to the cent; backtest metrics; earlier bundles read back."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sales_analytics as sa
from sales_analytics.cli import main
from sales_analytics.forecast.targets import _largest_remainder
from tests.forecast.test_forecast import noisy_org, orders_from, reps_of


def fake_forecast(p50: list[float], teams: list[str], month: str = "2027-01") -> pd.DataFrame:
    reps = pd.DataFrame(
        {
            "period": "2026-11",
            "month": month,
            "level": "rep",
            "team": teams,
            "rep_id": [f"r{i}" for i in range(len(p50))],
            "p50": p50,
        }
    )
    reps = reps.assign(p10=reps["p50"] * 0.8, p90=reps["p50"] * 1.25)
    team = (
        reps.groupby("team", as_index=False)[["p10", "p50", "p90"]]
        .sum()
        .assign(period="2026-11", month=month, level="team", rep_id=pd.NA)
    )
    comp = pd.DataFrame(
        {
            "period": ["2026-11"],
            "month": [month],
            "level": ["company"],
            "team": [pd.NA],
            "rep_id": [pd.NA],
            "p10": [reps["p10"].sum()],
            "p50": [reps["p50"].sum()],
            "p90": [reps["p90"].sum()],
        }
    )
    return pd.concat([comp, team, reps], ignore_index=True).astype({"team": "str", "rep_id": "str"})


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 1e7), st.integers(0, 4)), min_size=1, max_size=30),
    st.integers(1, 10**12),
)
def test_allocation_sums_to_the_goal_to_the_cent(reps: list[tuple[float, int]], goal_cents: int) -> None:
    p50 = [v for v, _ in reps]
    teams = [f"t{t}" for _, t in reps]
    if not any(v > 0 for v in p50):
        p50[0] = 1.0
    fc = fake_forecast(p50, teams)
    roster = pd.DataFrame({"rep_id": fc.loc[fc["level"] == "rep", "rep_id"], "team": teams})
    out = sa.propose_targets(fc, roster, period="2027-01", goal=goal_cents / 100)
    cents = np.rint(out["target_amount"] * 100).astype(np.int64)
    rep_c = cents[out["level"] == "rep"]
    assert int(rep_c.sum()) == goal_cents
    team_sum = out[out["level"] == "rep"].assign(c=rep_c).groupby("team")["c"].sum()
    team_rows = out[out["level"] == "team"].assign(c=cents[out["level"] == "team"]).set_index("team")["c"]
    assert team_sum.to_dict() == team_rows.to_dict()
    assert int(cents[out["level"] == "company"].iloc[0]) == goal_cents
    assert out["probability"].between(0, 1).all()


def test_largest_remainder_gives_leftover_cents_to_largest_fractions() -> None:
    # 1000 cents by 1:2:3 → 166.67, 333.33, 500.00 → 166, 333, 500 (+1 to the largest fraction, .67)
    assert _largest_remainder(1000, np.array([1.0, 2.0, 3.0])).tolist() == [167, 333, 500]


def test_ramping_new_hire_gets_a_share_of_their_team_median() -> None:
    # two seasoned reps forecast 100 and 300 (median 200); a hire 3 months in with no forecast
    # gets 3/6 × 200 = 100: weights 100, 300, 100 → goal 1000 splits 200, 600, 200
    fc = fake_forecast([100.0, 300.0, 0.0], ["t", "t", "t"])
    roster = pd.DataFrame(
        {
            "rep_id": ["r0", "r1", "r2"],
            "team": ["t", "t", "t"],
            "hire_date": pd.to_datetime(["2020-01-01", "2020-01-01", "2026-10-01"]),
        }
    )
    out = sa.propose_targets(fc, roster, period="2027-01", goal=1000.0, ramp_months=6)
    reps = out[out["level"] == "rep"].set_index("rep_id")
    assert reps["target_amount"].to_dict() == {"r0": 200.0, "r1": 600.0, "r2": 200.0}
    assert reps.loc["r2", "basis"] == "ramp"


def test_probability_of_median_and_band_edges() -> None:
    # log-normal with median 100 and 80 % band 50-200: P(≥100) = 0.5, P(≥50) = 0.9, P(≥200) = 0.1
    got = sa.target_probability(
        np.array([100.0, 50.0, 200.0]), *(np.array([v] * 3) for v in (50.0, 100.0, 200.0))
    )
    assert got.round(6).tolist() == [0.5, 0.9, 0.1]


def test_goal_must_be_positive() -> None:
    with pytest.raises(ValueError, match="`goal` must be a positive amount"):
        sa.propose_targets(fake_forecast([1.0], ["t"]), reps_of({"r0": "t"}), period="2027-01", goal=0)


def test_targets_file_has_the_canonical_columns() -> None:
    out = sa.propose_targets(
        fake_forecast([1.0, 3.0], ["a", "b"]), reps_of({"r0": "a", "r1": "b"}), period="2027-01", goal=400.0
    )
    tf = sa.targets_file(out)
    assert tf.columns.tolist() == ["period", "rep_id", "team", "target_amount"]
    # reps 100 and 300, then the teams a (100) and b (300)
    assert tf["target_amount"].tolist() == [100.0, 300.0, 100.0, 300.0]


def test_backtest_sets_forecasts_against_actuals() -> None:
    orders, reps = noisy_org(5)
    bt = sa.forecast_backtest(orders, reps, period="2026-11", horizon=1, min_history_months=20)
    # origins 2026-07 … 2026-10 (the 20th to the 23rd month); horizon 2 from 2026-10 falls after the period
    assert sorted(bt["origin"].unique()) == ["2026-07", "2026-08", "2026-09", "2026-10"]
    assert bt["month"].max() == "2026-11" and bt["actual"].notna().all()
    acc = sa.forecast_accuracy(bt)
    assert set(acc["level"]) == {"company", "team", "rep"}
    assert acc["coverage_80"].between(0, 1).all()


def test_backtest_from_the_callers_revenue_is_the_same_backtest() -> None:
    orders, reps = noisy_org(5)
    revenue = sa.monthly_revenue(orders, reps, period="2026-11")
    given_revenue = sa.forecast_backtest(
        orders, reps, period="2026-11", horizon=1, min_history_months=20, revenue=revenue
    )
    own = sa.forecast_backtest(orders, reps, period="2026-11", horizon=1, min_history_months=20)
    pd.testing.assert_frame_equal(given_revenue, own, check_exact=True)
    # the revenue is what the backtest's actuals come from: halve it and the actuals halve
    halved = sa.forecast_backtest(
        orders,
        reps,
        period="2026-11",
        horizon=1,
        min_history_months=20,
        revenue=revenue.assign(revenue=revenue["revenue"] / 2),
    )
    # (actuals are rounded to the cent: 11197.11 / 2 = 5598.555 is published as 5598.56)
    assert np.allclose(halved["actual"].to_numpy(), own["actual"].to_numpy() / 2, rtol=0, atol=0.005 + 1e-9)
    assert not np.allclose(halved["actual"].to_numpy(), own["actual"].to_numpy(), rtol=0, atol=1.0)


def test_track_record_from_the_callers_revenue_is_the_same_track_record() -> None:
    orders, reps = noisy_org(5)
    published = sa.revenue_forecast(orders, reps, period="2026-09").assign(period="2026-09")
    revenue = sa.monthly_revenue(orders, reps, period="2026-11")
    own = sa.forecast_vs_actual(published, orders, reps, period="2026-11")
    given_revenue = sa.forecast_vs_actual(published, orders, reps, period="2026-11", revenue=revenue)
    assert len(own) and own["actual"].notna().all()
    pd.testing.assert_frame_equal(given_revenue, own, check_exact=True)


def write_bundle(root, period: str, forecast: pd.DataFrame, status: str = "ok") -> None:
    tables = root / period / "tables"
    tables.mkdir(parents=True)
    forecast.to_parquet(tables / "goals_forecast.parquet")
    (root / period / "manifest.json").write_text(json.dumps({"status": status}))


def test_last_months_forecast_read_from_earlier_bundle_and_judged(tmp_path) -> None:
    orders = orders_from({"r1": [1000.0] * 24})
    reps = reps_of({"r1": "t"})
    said = pd.DataFrame(
        {
            "period": "2026-10",
            "month": ["2026-11"],
            "horizon": [1],
            "level": ["company"],
            "team": [pd.NA],
            "rep_id": [pd.NA],
            "p10": [900.0],
            "p50": [1100.0],
            "p90": [1200.0],
        }
    ).astype({"team": "str", "rep_id": "str"})
    write_bundle(tmp_path, "2026-10", said)
    write_bundle(tmp_path, "2026-09", said.assign(p50=5.0), status="failed")  # a failed run does not count
    earlier = sa.read_published_tables("goals_forecast", before="2026-11", outputs=tmp_path)
    assert earlier["period"].tolist() == ["2026-10"]
    track = sa.forecast_vs_actual(earlier, orders, reps, period="2026-11")
    row = track.iloc[0]
    assert (row["actual"], row["error"], bool(row["inside"])) == (1000.0, -100.0, True)
    assert sa.last_forecast_sentence(track, period="2026-11", language="en") == (
        "Last month we said ¥900–¥1,200 for 2026-11; it was ¥1,000."
    )


def test_no_earlier_bundle_says_so(tmp_path) -> None:
    assert sa.read_published_tables("goals_forecast", before="2026-11", outputs=tmp_path).empty
    track = sa.forecast_vs_actual(
        pd.DataFrame(), orders_from({"r1": [1.0] * 24}), reps_of({"r1": "t"}), period="2026-11"
    )
    assert "No forecast published" in sa.last_forecast_sentence(track, period="2026-11", language="en")


def test_target_chances_for_targets_already_set() -> None:
    fc = fake_forecast([100.0, 300.0], ["a", "b"])
    targets = pd.DataFrame(
        {
            "period": ["2027-01", "2027-01"],
            "rep_id": ["r0", pd.NA],
            "team": [pd.NA, "b"],
            "target_amount": [100.0, 300.0],
        }
    )
    out = sa.target_chances(fc, targets, period="2027-01").set_index("level")
    # each target equals its p50: probability one half
    assert out.loc["rep", "probability"] == pytest.approx(0.5)
    assert out.loc["team", "probability"] == pytest.approx(0.5)


def test_propose_targets_command_writes_a_targets_file(tmp_path) -> None:
    orders, reps = noisy_org(6)
    data = tmp_path / "data"
    data.mkdir()
    orders.to_csv(data / "orders.csv", index=False)
    reps.to_csv(data / "reps.csv", index=False)
    out = tmp_path / "targets_2027-01.csv"
    assert (
        main(
            [
                "propose-targets",
                "--period",
                "2027-01",
                "--goal",
                "123456.78",
                "--out",
                str(out),
                "--data",
                str(data),
            ]
        )
        == 0
    )
    written = pd.read_csv(out)
    assert written.columns.tolist() == ["period", "rep_id", "team", "target_amount"]
    assert round(written.loc[written["rep_id"].notna(), "target_amount"].sum(), 2) == 123456.78
    # put in the data folder, the file is read as the targets table
    (data / "targets.csv").write_bytes(out.read_bytes())
    loaded = sa.load_dataset(data).targets
    assert loaded.columns.tolist() == ["period", "rep_id", "team", "target_amount"] and len(loaded) == len(
        written
    )
    assert (
        main(
            [
                "propose-targets",
                "--period",
                "2026-10",
                "--goal",
                "1",
                "--out",
                str(tmp_path / "x.csv"),
                "--data",
                str(data),
            ]
        )
        == 2
    )
