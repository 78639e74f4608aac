"""The incentive plan file: validated on load, every mistake a ConfigError naming file and key."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest

from sales_analytics.config import load_parameters
from sales_analytics.errors import ConfigError
from sales_analytics.incentives import IncentiveParams, load_incentive_plan, parse_incentive_plan

ROOT = Path(__file__).resolve().parents[1]
PLAN_FILE = ROOT / "parameters" / "incentive_plan.yaml"
REPS = pd.DataFrame({"rep_id": ["r1", "r2"], "team": ["East", "West"]})

GOOD = {
    "leaderboards": {"metrics": ["revenue"], "composite": [{"metric": "revenue", "weight": 1.0}]},
    "contests": [
        {
            "id": "c1",
            "name": "Sprint",
            "metric": "revenue",
            "start": "2026-01-01",
            "end": "2026-03-31",
            "prizes": [{"rank": 1, "prize": "trip"}],
        }
    ],
    "commission": {
        "plans": [
            {
                "id": "std",
                "method": "marginal",
                "threshold": 10000,
                "cap": 500000,
                "tiers": [
                    {"from": 0, "to": 100000, "rate": 0.05},
                    {"from": 100000, "to": 200000, "rate": 0.06},
                    {"from": 200000, "rate": 0.08},
                ],
            }
        ],
        "spiffs": [
            {
                "id": "s1",
                "name": "new",
                "product_id": "P1",
                "amount": 100,
                "start": "2026-03-01",
                "end": "2026-03-31",
            }
        ],
        "splits": [
            {"order_id": "O1", "shares": [{"rep_id": "r1", "share": 0.5}, {"rep_id": "r2", "share": 0.5}]}
        ],
    },
}


def with_change(path: str, value) -> dict:
    """GOOD with one value replaced; path like 'commission.plans.0.tiers.2.rate'."""
    data = copy.deepcopy(GOOD)
    parts = path.split(".")
    node = data
    for p in parts[:-1]:
        node = node[int(p)] if isinstance(node, list) else node[p]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


def test_the_good_plan_loads():
    plan = parse_incentive_plan(GOOD, reps=REPS)
    assert plan.commission.plans[0].tiers[2].rate == 0.08
    assert plan.commission.splits[0].shares[1].rep_id == "r2"


def test_the_project_plan_file_loads_and_params_point_at_it():
    plan = load_incentive_plan(PLAN_FILE)
    assert plan.commission.plans[0].method in ("marginal", "retroactive", "curve")
    assert IncentiveParams().plan_file == "incentive_plan.yaml"
    assert load_parameters(overrides={}).incentives.plan_file == "incentive_plan.yaml"


@pytest.mark.parametrize(
    ("change", "value", "key", "problem"),
    [
        ("commission.plans.0.tiers.2", {"from": 150000, "rate": 0.08}, r"tiers\[2\]\.from", "overlaps"),
        ("commission.plans.0.tiers.2", {"from": 250000, "rate": 0.08}, r"tiers\[2\]\.from", "gap"),
        ("commission.plans.0.tiers.2", {"from": 200000, "rate": "8%"}, r"tiers\[2\]\.rate", "valid number"),
        (
            "commission.plans.0.tiers.2",
            {"from": 200000, "rate": 1.5},
            r"tiers\[2\]\.rate",
            "less than or equal to 1",
        ),
        (
            "commission.plans.0.tiers.0",
            {"from": 10, "to": 100000, "rate": 0.05},
            r"tiers\[0\]\.from",
            "start at 0",
        ),
        (
            "commission.plans.0.tiers.1",
            {"from": 100000, "rate": 0.06},
            r"tiers\[1\]\.to",
            "only the last tier",
        ),
        ("commission.plans.0.cap", 5000, r"commission\.plans\[0\]\.cap", "above the threshold"),
        ("commission.plans.0.method", "progressive", r"plans\[0\]\.method", "retroactive"),
        ("commission.spiffs.0.end", "2026-02-01", r"spiffs\[0\]\.end", "ends .* before it starts"),
        ("commission.splits.0.shares.1", {"rep_id": "r2", "share": 0.4}, r"splits\[0\]\.shares", "sum to 1"),
        (
            "commission.splits.0.shares.1",
            {"rep_id": "r9", "share": 0.5},
            r"splits\[0\]\.shares\[1\]",
            "unknown rep 'r9'",
        ),
        ("contests.0.metric", "emails_sent", r"contests\[0\]\.metric", "unknown metric 'emails_sent'"),
        ("contests.0.end", "2025-12-31", r"contests\[0\]\.end", "before it starts"),
        (
            "leaderboards.metrics",
            ["revenue", "vibes"],
            r"leaderboards\.metrics\[1\]",
            "unknown metric 'vibes'",
        ),
        (
            "leaderboards.composite",
            [{"metric": "revenue", "weight": 0.7}],
            r"leaderboards\.composite",
            "sum to 1",
        ),
        ("commission.rounding", {"quantum": "0.001"}, r"rounding\.quantum", "0.01"),
    ],
)
def test_plan_mistakes_name_the_file_key_and_problem(change, value, key, problem):
    with pytest.raises(ConfigError, match=rf"incentive_plan\.yaml, key '[^']*{key}[^']*': .*{problem}"):
        parse_incentive_plan(with_change(change, value), file="parameters/incentive_plan.yaml", reps=REPS)


def test_unknown_keys_and_team_are_errors_and_all_problems_come_at_once():
    data = with_change("commission.plans.0.applies_to", {"teams": ["North"]})
    data["commission"]["plans"][0]["tier"] = []
    with pytest.raises(ConfigError, match=r"tier'.*not a known key") as err:
        parse_incentive_plan(data, reps=REPS)
    data["commission"]["plans"][0].pop("tier")
    with pytest.raises(ConfigError, match=r"applies_to\.teams\[0\]': unknown team 'North'"):
        parse_incentive_plan(data, reps=REPS)
    bad = with_change("commission.plans.0.tiers.2", {"from": 150000, "rate": 0.08})
    bad["contests"][0]["metric"] = "nope"
    with pytest.raises(ConfigError) as err:
        parse_incentive_plan(bad)
    assert len(err.value.issues) == 2


def test_two_default_plans_and_a_rep_in_two_plans_are_refused():
    data = copy.deepcopy(GOOD)
    data["commission"]["plans"].append({**data["commission"]["plans"][0], "id": "other"})
    with pytest.raises(ConfigError, match=r"plans\[1\]\.applies_to': only one plan may be the default"):
        parse_incentive_plan(data)
    data["commission"]["plans"][0]["applies_to"] = {"reps": ["r1"]}
    data["commission"]["plans"][1]["applies_to"] = {"reps": ["r1"]}
    with pytest.raises(ConfigError, match=r"plans\[1\]\.applies_to\.reps\[0\]': rep 'r1' is already"):
        parse_incentive_plan(data)


def test_curve_plans_need_a_curve_and_recurring_contests_no_dates():
    data = with_change("commission.plans.0.method", "curve")
    with pytest.raises(ConfigError, match=r"plans\[0\]\.curve': method 'curve' needs a curve"):
        parse_incentive_plan(data)
    data = with_change("contests.0.recurrence", "month")
    with pytest.raises(ConfigError, match=r"contests\[0\]\.start': a monthly contest"):
        parse_incentive_plan(data)


def test_a_missing_or_broken_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_incentive_plan(tmp_path / "nope.yaml")
    bad = tmp_path / "plan.yaml"
    bad.write_text(
        "commission:\n  plans:\n    - id: x\n      method: marginal\n      tiers:\n"
        "        - {from: 0, to: 100, rate: 0.1}\n        - {from: 90, rate: 0.2}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=rf"{bad.name}, key 'commission\.plans\[0\]\.tiers\[1\]\.from'"):
        load_incentive_plan(bad)
