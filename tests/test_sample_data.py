"""The sample generator: column contract, determinism, files, CLI and every planted effect."""

from __future__ import annotations

import argparse
import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sales_analytics.periods import PeriodError
from sales_analytics.sample_data import (
    COLUMNS,
    DEFAULT_SEED,
    SIZES,
    SampleDataError,
    generate_sample,
    register_cli,
    write_sample,
)
from sales_analytics.sample_data._calendar import chinese_new_year

CANONICAL = [
    "orders", "customers", "reps", "targets", "deals", "deal_stage_history", "activities",
    "training_sessions", "training_attendance", "chat_messages", "feedback", "rewards_penalties",
]  # fmt: skip
SURVEYS = [
    "survey_customer_satisfaction",
    "survey_team_pulse",
    "survey_training_feedback",
    "survey_invitations",
]
# docs/architecture.md (Canonical tables): the columns each table must carry.
REQUIRED = {
    "orders": ["order_id", "order_date", "customer_id", "rep_id", "amount", "status", "product_id",
               "product_category", "quantity", "channel"],
    "customers": ["customer_id", "customer_name", "region", "industry", "created_date"],
    "reps": ["rep_id", "rep_name", "team", "region", "manager", "hire_date", "active"],
    "targets": ["period", "rep_id", "team", "target_amount"],
    "deals": ["deal_id", "rep_id", "customer_id", "stage", "status", "amount", "probability", "created_date",
              "close_date"],
    "deal_stage_history": ["deal_id", "stage", "changed_at", "close_date", "amount", "probability"],
    "activities": ["activity_id", "rep_id", "customer_id", "activity_type", "activity_at", "duration_min",
                   "outcome"],
    "training_sessions": ["session_id", "topic", "category", "session_date", "cost", "hours"],
    "training_attendance": ["session_id", "rep_id", "attended", "pre_score", "post_score"],
    "chat_messages": ["message_id", "group_id", "sender_id", "sent_at", "msg_type", "text"],
    "feedback": ["feedback_id", "channel", "submitted_at", "category", "text", "status", "resolved_at"],
    "rewards_penalties": ["event_id", "rep_id", "date", "kind", "reason", "amount", "points"],
}  # fmt: skip
ZOHO_STAGES = ["Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
               "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost"]  # fmt: skip


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return generate_sample("small", end="2026-10")


def _revenue(orders: pd.DataFrame) -> pd.DataFrame:
    return orders[orders["status"] != "cancelled"]


def _monthly(orders: pd.DataFrame) -> pd.Series:
    rev = _revenue(orders)
    return rev.groupby(rev["order_date"].dt.to_period("M"))["amount"].sum()


def _leaders(reps: pd.DataFrame) -> set[str]:
    return set(reps.loc[reps["manager"].isna(), "rep_id"])


# ---------------------------------------------------------------- contract
def test_every_canonical_and_survey_table_is_generated(tables):
    assert set(CANONICAL) | set(SURVEYS) <= set(tables)
    assert all(len(tables[name]) > 0 for name in [*CANONICAL, *SURVEYS])


@pytest.mark.parametrize("name", CANONICAL)
def test_columns_and_dtypes_follow_the_contract(tables, name):
    frame = tables[name]
    assert list(frame.columns) == [c for c, _, _ in COLUMNS[name]]
    assert set(REQUIRED[name]) <= set(frame.columns)
    for column, dtype, _ in COLUMNS[name]:
        found = frame[column].dtype
        if dtype == "str":
            assert found == pd.StringDtype(na_value=np.nan), (name, column, found)
        else:
            assert str(found) == dtype, (name, column, found)


def test_ids_follow_their_patterns(tables):
    patterns = {
        ("orders", "order_id"): r"O\d{8}(-R)?",
        ("customers", "customer_id"): r"C\d{6}",
        ("reps", "rep_id"): r"R\d{3}",
        ("deals", "deal_id"): r"D\d{6}",
        ("activities", "activity_id"): r"A\d{7}",
        ("training_sessions", "session_id"): r"S\d{3}",
        ("chat_messages", "message_id"): r"M\d{7}",
        ("feedback", "feedback_id"): r"F\d{5}",
        ("rewards_penalties", "event_id"): r"E\d{5}",
    }
    for (table, column), pattern in patterns.items():
        assert tables[table][column].str.fullmatch(pattern).all(), (table, column)
    for table, column in [("customers", "customer_id"), ("reps", "rep_id"), ("deals", "deal_id"),
                          ("activities", "activity_id"), ("chat_messages", "message_id")]:  # fmt: skip
        assert tables[table][column].is_unique, (table, column)


def test_foreign_keys_resolve(tables):
    reps = set(tables["reps"]["rep_id"])
    customers = set(tables["customers"]["customer_id"])
    for table in ["orders", "deals", "activities", "training_attendance", "rewards_penalties"]:
        assert set(tables[table]["rep_id"]) <= reps, table
    for table in ["orders", "deals"]:
        assert set(tables[table]["customer_id"]) <= customers, table
    assert set(tables["activities"]["customer_id"].dropna()) <= customers
    assert set(tables["customers"]["owner"]) <= reps
    assert set(tables["training_attendance"]["session_id"]) <= set(tables["training_sessions"]["session_id"])
    assert set(tables["deal_stage_history"]["deal_id"]) == set(tables["deals"]["deal_id"])


def test_window_runs_to_the_last_day_of_end(tables):
    orders = tables["orders"]
    assert orders["order_date"].min() >= pd.Timestamp("2024-11-01")
    assert orders["order_date"].max() < pd.Timestamp("2026-11-01")
    assert orders["order_date"].max() >= pd.Timestamp("2026-10-31")  # orders run to the end's last day
    periods = sorted(tables["targets"]["period"].unique())
    assert (periods[0], periods[-1], len(periods)) == ("2024-11", "2026-10", 24)


def test_small_size_matches_its_spec(tables):
    assert 20_000 <= len(tables["orders"]) <= 30_000
    assert len(tables["customers"]) == 800
    assert len(tables["reps"]) == 14
    assert tables["reps"]["team"].nunique() == 3


# ------------------------------------------------------------- determinism
def test_same_seed_same_tables_and_different_seed_different_data(tables):
    again = generate_sample("small", end="2026-10")
    for name in tables:
        pd.testing.assert_frame_equal(tables[name], again[name], obj=name)
    other = generate_sample("small", seed=DEFAULT_SEED + 1, end="2026-10")
    assert not other["orders"]["amount"].head(1000).equals(tables["orders"]["amount"].head(1000))
    assert other["reps"]["rep_name"].tolist() != tables["reps"]["rep_name"].tolist()


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_write_sample_is_byte_identical_for_the_same_seed(tmp_path):
    a = write_sample(tmp_path / "a", size="small", end="2026-10", formats=("parquet", "csv"))
    write_sample(tmp_path / "b", size="small", end="2026-10", formats=("parquet", "csv"))
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert {"orders.parquet", "orders.csv", "README.md"} <= set(a)
    assert (tmp_path / "a" / ".complete").read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]  # no partial folder left behind
    back = pd.read_parquet(tmp_path / "a" / "chat_messages.parquet")
    assert str(back["sent_at"].dtype) == "datetime64[ns, UTC]"
    csv = pd.read_csv(tmp_path / "a" / "orders.csv", encoding="utf-8")
    assert len(csv) == len(pd.read_parquet(a["orders.parquet"]))


def test_write_sample_replaces_the_folder_and_describes_every_column(tmp_path):
    out = tmp_path / "sample"
    out.mkdir()
    (out / "stale.parquet").write_bytes(b"old")
    files = write_sample(out, size="small", end="2026-10")
    assert not (out / "stale.parquet").exists()
    readme = files["README.md"].read_text(encoding="utf-8")
    for name, columns in COLUMNS.items():
        assert f"### {name} (" in readme
        for column, _, _ in columns:
            assert f"| {column} |" in readme, (name, column)
    assert "Planted effects" in readme and "2024-11 … 2026-10" in readme


def test_an_interrupted_write_leaves_no_half_sample(tmp_path, monkeypatch):
    calls = {"n": 0}
    real = pd.DataFrame.to_parquet

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", failing)
    with pytest.raises(KeyboardInterrupt):
        write_sample(tmp_path / "sample", size="small", end="2026-10")
    assert list(tmp_path.iterdir()) == []


def test_write_sample_end_none_means_latest_complete_month(tmp_path, monkeypatch):
    from sales_analytics.periods import Period
    from sales_analytics.sample_data import _write

    monkeypatch.setattr(_write, "latest_complete_month", lambda: Period.parse("2026-03"))
    write_sample(tmp_path / "s", size="small")
    orders = pd.read_parquet(tmp_path / "s" / "orders.parquet")
    assert orders["order_date"].max() < pd.Timestamp("2026-04-01")
    assert orders["order_date"].min() >= pd.Timestamp("2024-04-01")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"size": "huge"},
            SampleDataError,
            r"`size` must be one of \['large', 'medium', 'small', 'standard'\], got 'huge'",
        ),
        ({"seed": -1}, SampleDataError, "`seed` must be a non-negative integer, got -1"),
        ({"months": 1}, SampleDataError, "`months` must be an integer from 2 to 120, got 1"),
        ({"end": "2026-Q3"}, PeriodError, "`end` must be a month"),
        ({"end": "2026-13"}, PeriodError, "month must be from 1 to 12"),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        generate_sample(**{"size": "small", **kwargs})


def test_bad_format_is_a_clear_error(tmp_path):
    with pytest.raises(
        SampleDataError, match=r"`formats` must be a non-empty subset of \('parquet', 'csv'\)"
    ):
        write_sample(tmp_path / "x", size="small", end="2026-10", formats=("xlsx",))
    assert not (tmp_path / "x").exists()


def test_cli_writes_the_sample(tmp_path, caplog):
    from sales_analytics import cli

    assert "sales_analytics.sample_data:register_cli" in cli.COMMAND_MODULES
    parser = argparse.ArgumentParser()
    register_cli(parser.add_subparsers())
    args = parser.parse_args(
        [
            "sample-data",
            "--size",
            "small",
            "--end",
            "2026-10",
            "--out",
            str(tmp_path / "s"),
            "--csv",
            "--seed",
            "7",
        ]
    )
    caplog.set_level("INFO")
    assert args.func(args) == 0
    assert (tmp_path / "s" / ".complete").exists() and (tmp_path / "s" / "orders.csv").exists()
    assert re.search(r"orders\s+[\d,]+ rows", caplog.text)
    assert generate_sample("small", seed=7, end="2026-10")["orders"].equals(
        pd.read_parquet(tmp_path / "s" / "orders.parquet")
    )


def test_sizes_are_declared():
    assert set(SIZES) == {"small", "standard", "medium", "large"}
    assert SIZES["standard"].order_rows == 1_000_000 and SIZES["large"].order_rows == 10_000_000
    assert SIZES["medium"].order_rows == 3_000_000  # the middle point of the benchmarks' cost-scaling fit
    assert SIZES["standard"].n_reps >= 60 and len(SIZES["standard"].team_sizes) >= 6
    assert SIZES["standard"].customers >= 20_000
    assert all(4 in spec.team_sizes for spec in SIZES.values())


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), months=st.integers(2, 6))
def test_invariants_hold_for_any_seed(seed, months):
    t = generate_sample("small", seed=seed, end="2025-06", months=months)
    orders = t["orders"]
    start = pd.Timestamp("2025-06-01") - pd.DateOffset(months=months - 1)
    assert orders["order_date"].between(start, pd.Timestamp("2025-07-01"), inclusive="left").all()
    refund = orders["status"] == "refunded"
    assert (orders.loc[refund, "amount"] < 0).all() and (orders.loc[~refund, "amount"] > 0).all()
    assert orders.loc[refund, "order_id"].str.endswith("-R").all()
    assert set(orders.loc[refund, "order_id"].str.removesuffix("-R")) <= set(orders.loc[~refund, "order_id"])
    assert set(orders["rep_id"]) <= set(t["reps"]["rep_id"])
    assert t["reps"].groupby("team").size().sort_values().tolist() == [4, 5, 5]
    assert (t["targets"]["rep_id"].isna() != t["targets"]["team"].isna()).all()
    assert (t["chat_messages"]["sent_at"].diff().dropna() >= pd.Timedelta(0)).all()


# ---------------------------------------------------------- planted effects
def test_seasonality_double11_618_and_spring_festival(tables):
    monthly = _monthly(tables["orders"])
    year = monthly[monthly.index.year == 2025]
    assert len(year) == 12
    assert year[pd.Period("2025-11", "M")] > year.median()
    for y in (2025, 2026):
        assert monthly[pd.Period(f"{y}-06", "M")] > monthly[pd.Period(f"{y}-05", "M")], y
    cny_2025 = pd.Period(chinese_new_year(2025), "M")
    assert monthly[cny_2025] < year.median()
    last12 = monthly.iloc[-12:]
    cny_2026 = pd.Period(chinese_new_year(2026), "M")
    assert monthly[cny_2026] < last12.median()
    assert monthly[cny_2026] == last12.min()


def test_growth_year_over_year(tables):
    monthly = _monthly(tables["orders"])
    growth = monthly.iloc[-12:].sum() / monthly.iloc[:12].sum()
    assert 1.02 < growth < 1.25


def test_weekday_pattern_b2b_buys_on_working_days(tables):
    orders = tables["orders"].merge(tables["customers"][["customer_id", "customer_type"]], on="customer_id")
    sales = orders[orders["status"] == "paid"]
    weekend = sales["order_date"].dt.day_of_week >= 5
    b2b = sales["customer_type"] == "B2B"
    assert weekend[b2b].mean() < 0.12  # 2/7 = 0.29 if flat
    assert weekend[~b2b].mean() > weekend[b2b].mean()


def test_customers_many_one_off_buyers_and_a_heavy_tail(tables):
    per_customer = tables["orders"].query("status == 'paid'").groupby("customer_id")["order_id"].nunique()
    assert (per_customer == 1).mean() >= 0.10
    top = per_customer.sort_values(ascending=False)
    assert top.iloc[: max(1, len(top) // 100)].sum() / top.sum() >= 0.08  # top 1 % of customers
    assert top.iloc[0] >= 20 * top.median()


def test_b2b_orders_are_larger_and_mostly_single_line(tables):
    orders = tables["orders"].merge(tables["customers"][["customer_id", "customer_type"]], on="customer_id")
    paid = orders[orders["status"] == "paid"]
    assert (
        paid.loc[paid["customer_type"] == "B2B", "amount"].median()
        > 3 * paid.loc[paid["customer_type"] == "B2C", "amount"].median()
    )
    lines = paid.groupby("order_id").size()
    assert 0.05 < (lines > 1).mean() < 0.2
    assert paid["product_category"].nunique() == 5 and set(paid["channel"]) == {
        "direct",
        "online",
        "distributor",
        "phone",
    }


def test_rep_productivity_differs(tables):
    rev = _revenue(tables["orders"]).groupby("rep_id")["amount"].sum()
    reps = tables["reps"]
    veterans = reps.loc[reps["active"] & (reps["hire_date"] < pd.Timestamp("2024-11-01")), "rep_id"]
    assert rev[veterans].max() > 2 * rev[veterans].min()


def test_refunds_are_negative_later_rows_of_an_earlier_paid_order(tables):
    orders = tables["orders"]
    refunds = orders[orders["status"] == "refunded"]
    sales = orders[orders["status"] == "paid"].drop_duplicates("order_id").set_index("order_id")
    base = refunds["order_id"].str.removesuffix("-R")
    assert refunds["order_id"].str.endswith("-R").all() and (refunds["amount"] < 0).all()
    assert base.isin(sales.index).all()
    original = sales.loc[base]
    assert (refunds["order_date"].to_numpy() > original["order_date"].to_numpy()).all()
    assert (refunds["customer_id"].to_numpy() == original["customer_id"].to_numpy()).all()
    assert (refunds["rep_id"].to_numpy() == original["rep_id"].to_numpy()).all()
    n_orders = orders["order_id"].str.removesuffix("-R").nunique()
    assert 0.02 < base.nunique() / n_orders < 0.04
    assert 0.005 < orders.loc[orders["status"] == "cancelled", "order_id"].nunique() / n_orders < 0.015


def test_reps_teams_rookies_leavers_and_the_team_of_four(tables):
    reps = tables["reps"]
    assert 4 in reps.groupby("team").size().tolist()
    assert reps["rep_name"].str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()
    assert reps["rep_name_en"].str.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+").all()
    assert (reps["hire_date"] >= pd.Timestamp("2024-11-01")).sum() >= 1  # rookies
    assert (~reps["active"]).sum() >= 1
    leaders = reps[reps["manager"].isna()]
    assert len(leaders) == reps["team"].nunique()
    members = reps[reps["manager"].notna()].merge(
        leaders[["rep_id", "team"]], left_on="manager", right_on="rep_id"
    )
    assert (members["team_x"] == members["team_y"]).all()


def test_customers_are_companies_and_masked_people_with_fake_contacts(tables):
    c = tables["customers"]
    assert set(c["customer_type"]) == {"B2B", "B2C"}
    assert c.loc[c["customer_type"] == "B2B", "customer_name"].str.endswith("有限公司").all()
    assert c.loc[c["customer_type"] == "B2C", "customer_name"].str.len().le(3).all()
    assert c["contact_phone"].str.fullmatch(r"1\d{2}\*{4}\d{4}").all()
    assert c["contact_email"].str.fullmatch(r"[a-z]+\d+@[a-z.]+example\.(com|cn)").all()
    assert (c["created_date"] < pd.Timestamp("2024-11-01")).mean() == pytest.approx(0.5, abs=0.08)


def test_targets_track_trailing_revenue_and_teams_sum_their_reps(tables):
    targets, orders = tables["targets"], tables["orders"]
    rep_rows = targets[targets["rep_id"].notna()]
    team_rows = targets[targets["team"].notna()]
    assert rep_rows["team"].isna().all() and team_rows["rep_id"].isna().all()
    team_of = tables["reps"].set_index("rep_id")["team"]
    summed = (
        rep_rows.assign(team=rep_rows["rep_id"].map(team_of))
        .groupby(["period", "team"])["target_amount"]
        .sum()
    )
    pd.testing.assert_series_equal(
        team_rows.set_index(["period", "team"])["target_amount"].sort_index(),
        summed.sort_index(),
        check_names=False,
    )
    rev = _revenue(orders)
    monthly = rev.groupby([rev["rep_id"], rev["order_date"].dt.strftime("%Y-%m")])["amount"].sum().unstack()
    trailing = monthly.T.shift(1).rolling(3, min_periods=3).mean().T
    joined = rep_rows.assign(trailing=[trailing.at[r, p] if p in trailing.columns else np.nan
                                       for r, p in zip(rep_rows["rep_id"], rep_rows["period"])]).dropna(subset=["trailing"])  # fmt: skip
    ratio = (joined["target_amount"] / joined["trailing"]).median()
    assert 1.0 < ratio < 1.2  # ≈ 1.1 x trailing revenue


def test_deals_follow_zoho_stages_with_slips_and_regressions(tables):
    deals, hist = tables["deals"], tables["deal_stage_history"]
    assert set(deals["stage"]) <= set(ZOHO_STAGES) and set(hist["stage"]) == set(ZOHO_STAGES)
    expected_status = deals["stage"].map({"Closed Won": "won", "Closed Lost": "lost"}).fillna("open")
    assert (deals["status"] == expected_status).all()
    closed = deals[deals["status"] != "open"]
    assert 0.25 <= (closed["status"] == "won").mean() <= 0.4
    prob = dict(zip(ZOHO_STAGES, [10, 20, 40, 60, 75, 90, 100, 0]))
    assert (hist["probability"] == hist["stage"].map(prob)).all()
    assert (hist.groupby("deal_id")["changed_at"].diff().dropna() > pd.Timedelta(0)).all()
    assert (hist.groupby("deal_id")["stage"].first() == "Qualification").all()
    last = hist.groupby("deal_id").last()
    assert (last.loc[deals["deal_id"], "stage"].to_numpy() == deals["stage"].to_numpy()).all()
    step = hist["stage"].map({s: i for i, s in enumerate(ZOHO_STAGES[:6])})
    same = hist["deal_id"].eq(hist["deal_id"].shift())
    assert (same & (step < step.shift())).sum() >= 5  # regressions
    open_rows = ~hist["stage"].str.startswith("Closed")
    slipped = same & open_rows & (hist["close_date"] > hist["close_date"].shift())
    assert hist.loc[slipped, "deal_id"].nunique() >= 0.1 * len(deals)


def test_activities_include_follow_ups_days_after_a_purchase(tables):
    acts, orders = tables["activities"], tables["orders"]
    assert set(acts["activity_type"]) == {"call", "visit", "meeting", "email", "message"}
    follow = acts[acts["outcome"] == "回访"].sort_values("activity_at")
    assert len(follow) > 100
    sales = orders[orders["status"] == "paid"].sort_values("order_date")
    matched = pd.merge_asof(follow, sales[["order_date", "customer_id"]], left_on="activity_at",
                            right_on="order_date", by="customer_id", direction="backward")  # fmt: skip
    gap = (matched["activity_at"] - matched["order_date"]).dt.days
    assert gap.between(0, 8).all()


def test_training_scores_rise_and_the_rollout_is_staggered(tables):
    sessions, att = tables["training_sessions"], tables["training_attendance"]
    assert set(sessions["category"]) == {"product", "sales_skills", "customer_service"}
    shown = att[att["attended"]]
    assert (shown["post_score"] > shown["pre_score"]).mean() > 0.9
    gain = ((shown["post_score"] - shown["pre_score"]) / (100 - shown["pre_score"])).mean()
    assert 0.3 <= gain <= 0.5
    assert att.loc[~att["attended"], ["pre_score", "post_score"]].isna().all().all()
    skills = sessions[sessions["category"] == "sales_skills"]
    assert skills["session_date"].dt.to_period("M").nunique() >= 3


def test_trained_reps_revenue_rises_difference_in_differences(tables):
    orders, reps = tables["orders"], tables["reps"]
    skills = tables["training_sessions"].query("category == 'sales_skills'")[["session_id", "session_date"]]
    trained = skills.merge(tables["training_attendance"].query("attended"), on="session_id")
    first = trained.groupby("rep_id")["session_date"].min().dt.to_period("M")
    rev = _revenue(orders)
    panel = (
        rev.groupby([rev["rep_id"], rev["order_date"].dt.to_period("M")])["amount"]
        .sum()
        .rename("y")
        .reset_index()
    )
    veterans = reps.loc[reps["active"] & (reps["hire_date"] < pd.Timestamp("2024-11-01")), "rep_id"]
    panel = panel[panel["rep_id"].isin(veterans) & (panel["y"] > 0)]
    panel["post"] = (panel["order_date"] > panel["rep_id"].map(first)).astype(float)
    # Two-way fixed effects: log revenue ~ rep + month + post; the post coefficient is the DiD.
    x = pd.concat([pd.get_dummies(panel["rep_id"], dtype=float),
                   pd.get_dummies(panel["order_date"].astype(str), dtype=float, drop_first=True),
                   panel["post"]], axis=1)  # fmt: skip
    beta = np.linalg.lstsq(x.to_numpy(), np.log(panel["y"].to_numpy()), rcond=None)[0]
    assert 0.02 < beta[-1] < 0.2  # planted: +9 % (log 1.09 = 0.086)
    assert panel["rep_id"].isin(first.index).mean() < 1  # some reps are never trained (the control)


def test_chat_hours_announcements_questions_and_flags(tables):
    chat, reps = tables["chat_messages"], tables["reps"]
    assert str(chat["sent_at"].dtype) == "datetime64[ns, UTC]"
    local = chat["sent_at"].dt.tz_convert("Asia/Shanghai")
    off = (local.dt.day_of_week >= 5) | (local.dt.hour < 9) | (local.dt.hour >= 18)
    assert 0.05 <= off.mean() <= 0.10
    assert set(chat["msg_type"]) <= {"text", "image", "file", "link", "system"}
    n_teams = reps["team"].nunique()
    assert set(chat["group_id"]) == {f"grp_T{i:02d}" for i in range(1, n_teams + 1)} | {"grp_service"}
    ann = chat[chat["text"].str.startswith("【公告】") | chat["text"].str.contains("@所有人", regex=False)]
    by_leader = ann["sender_id"].isin(_leaders(reps))
    assert by_leader.mean() > 0.85 and (~by_leader).sum() >= 3
    service = chat[chat["group_id"] == "grp_service"]
    questions = service[service["sender_id"].str.startswith("wm_")]
    assert questions["text"].str.endswith("？").all() and len(questions) > 200
    replies = service[service["sender_id"].isin(reps["rep_id"])]
    assert len(replies) >= 0.85 * len(questions)
    assert chat["text"].str.contains("私下转账|回扣|返现").sum() >= 3


def test_feedback_channels_categories_and_resolution(tables):
    fb = tables["feedback"]
    assert set(fb["channel"]) == {"internal", "customer"}
    internal = fb["channel"] == "internal"
    assert set(fb.loc[internal, "category"]) == {"process", "incentive", "training", "tools", "product"}
    assert set(fb.loc[~internal, "category"]) == {"complaint", "suggestion", "praise"}
    assert set(fb["status"]) == {"open", "adopted", "rejected", "closed"}
    assert (fb["resolved_at"].isna() == (fb["status"] == "open")).all()
    done = fb["resolved_at"].notna()
    assert (fb.loc[done, "resolved_at"] > fb.loc[done, "submitted_at"]).all()
    assert fb.loc[internal, "customer_id"].isna().all() and fb.loc[~internal, "customer_id"].notna().all()
    assert fb["rep_id"].notna().all()


def test_rewards_and_penalties_ledger(tables):
    rp, chat, reps = tables["rewards_penalties"], tables["chat_messages"], tables["reps"]
    assert set(rp["kind"]) == {"reward", "penalty"}
    assert (rp["amount"] >= 0).all() and (rp["points"] >= 0).all()
    assert {"月度销冠", "迟到", "违规发公告"} <= set(rp["reason"])
    tops = rp[rp["reason"] == "月度销冠"]
    assert tops.merge(reps[["rep_id", "team"]])["team"].value_counts().nunique() == 1  # one per team-month
    ann = chat[chat["text"].str.startswith("【公告】") | chat["text"].str.contains("@所有人", regex=False)]
    rogue = ann[~ann["sender_id"].isin(_leaders(reps))]
    assert (rp["reason"] == "违规发公告").sum() == len(rogue)
