"""Survey instruments: the shipped files load; bad files fail naming file and key."""

from __future__ import annotations

import copy

import pytest
import yaml

import sales_analytics as sa
from sales_analytics.errors import ConfigError
from sales_analytics.surveys.instruments import instrument_from_dict

BASE = {
    "id": "mini",
    "title": {"zh": "小问卷", "en": "Mini"},
    "audience": "employee",
    "anonymous": True,
    "grouping": ["team"],
    "outcome": "enps",
    "dimensions": {"support": {"zh": "支持", "en": "Support"}},
    "items": [
        {"id": "enps", "type": "nps", "text": {"zh": "推荐", "en": "Recommend"}},
        {
            "id": "s1",
            "type": "likert",
            "scale": {"min": 1, "max": 5},
            "dimension": "support",
            "text": {"zh": "支持一", "en": "Support 1"},
        },
        {
            "id": "s2",
            "type": "likert",
            "scale": {"min": 1, "max": 5},
            "dimension": "support",
            "reverse": True,
            "text": {"zh": "支持二", "en": "Support 2"},
        },
    ],
}


def _write(tmp_path, data, name="mini.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_shipped_instruments_load():
    insts = sa.load_instruments()
    assert set(insts) == {"customer_satisfaction", "team_pulse", "training_feedback"}
    cs, tp, tf = insts["customer_satisfaction"], insts["team_pulse"], insts["training_feedback"]
    assert [it.type for it in cs.items[:3]] == ["nps", "csat", "ces"]
    assert cs.item("ces").bounds == (1, 7) and cs.item("csat").top_box_from == 4
    assert any(it.reverse for it in cs.items) and cs.item("followup_visit").option_values() == ["yes", "no"]
    assert tp.anonymous and tp.grouping == ["team"] and tp.outcome == "enps"
    assert {
        "rules_clarity",
        "incentive_fairness",
        "training_usefulness",
        "conflict_handling",
        "manager_support",
    } == set(tp.dimensions)
    assert tp.item("enps").nps_buckets.detractor == (0, 6)
    assert tf.outcome == "overall" and set(tf.dimensions) == {"reaction", "relevance"}
    assert cs.file.endswith("customer_satisfaction.yaml")


def test_valid_minimal_instrument(tmp_path):
    inst = sa.load_instrument(_write(tmp_path, BASE))
    assert inst.dimension_items("support")[1].reverse is True


@pytest.mark.parametrize(
    ("mutate", "key", "text"),
    [
        (lambda d: d["items"][1].pop("scale"), "items[1].scale", "needs scale bounds"),
        (lambda d: d["items"][2].update(dimension="care"), "items[2].dimension", "unknown dimension 'care'"),
        (lambda d: d["items"][2].update(id="s1"), "items[2].id", "duplicate item id 's1'"),
        (lambda d: d.update(outcome="nope"), "outcome", "unknown item 'nope'"),
        (
            lambda d: d["items"][0].update(scale={"min": 1, "max": 5}),
            "items[0].buckets",
            "explicit bucket mapping",
        ),
        (
            lambda d: d.update(grouping=["team", "rep_id"]),
            "grouping",
            "anonymous instrument cannot carry rep_id",
        ),
        (lambda d: d["items"][1].update(colour="red"), "items.1.colour", "is not a known key"),
        (
            lambda d: d["items"][1].update(scale={"min": 5, "max": 1}),
            "items.1.scale",
            "must be greater than min",
        ),
    ],
)
def test_instrument_errors_name_file_and_key(tmp_path, mutate, key, text):
    data = copy.deepcopy(BASE)
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(ConfigError, match=text) as err:
        sa.load_instrument(path)
    assert str(path) in str(err.value)
    assert any(
        i.key.replace("[", ".").replace("]", "") == key.replace("[", ".").replace("]", "")
        for i in err.value.issues
    ), [i.key for i in err.value.issues]


def test_every_problem_reported_at_once(tmp_path):
    data = copy.deepcopy(BASE)
    data["items"][1].pop("scale")
    data["items"][2]["dimension"] = "care"
    data["items"].append(copy.deepcopy(data["items"][0]))
    with pytest.raises(ConfigError) as err:
        instrument_from_dict(data, "mini.yaml")
    keys = {i.key for i in err.value.issues}
    assert {"items[1].scale", "items[2].dimension", "items[3].id"} <= keys
    assert str(err.value).startswith(f"{len(err.value.issues)} problems in mini.yaml")


def test_custom_enps_buckets_validated():
    data = copy.deepcopy(BASE)
    data["items"][0]["buckets"] = {"detractor": [0, 5], "passive": [6, 8], "promoter": [9, 10]}  # CultureIQ
    inst = instrument_from_dict(data, "x.yaml")
    assert inst.item("enps").nps_buckets.passive == (6, 8)
    data["items"][0]["buckets"] = {"detractor": [0, 5], "passive": [7, 8], "promoter": [9, 10]}  # 6 missing
    with pytest.raises(ConfigError, match=r"items\[0\].buckets.*cover 0–10"):
        instrument_from_dict(data, "x.yaml")


def test_duplicate_instrument_id_in_folder(tmp_path):
    _write(tmp_path, BASE, "a.yaml")
    _write(tmp_path, BASE, "b.yaml")
    with pytest.raises(ConfigError, match="instrument id 'mini' is also used"):
        sa.load_instruments(tmp_path)
