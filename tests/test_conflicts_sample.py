"""The conflicts planted in the small sample are found; planned handovers are not reported."""

from __future__ import annotations

import pytest

from sales_analytics.conflicts import ConflictParams, detect_conflicts
from sales_analytics.sample_data import generate_sample


@pytest.fixture(scope="module")
def sample():
    return generate_sample("small", end="2026-10", conflict_truth=True)


def _pairs(customers, a, b) -> set[tuple[str, frozenset[str]]]:
    return {(c, frozenset((x, y))) for c, x, y in zip(customers, a, b)}


def test_planted_conflicts_found_with_precision_and_recall_of_at_least_0_9(sample):
    truth = sample["conflict_truth"]
    found = detect_conflicts(
        ConflictParams(),
        **{k: sample[k] for k in ("orders", "deals", "activities", "customers", "reps", "handovers")},
    )
    detected = _pairs(found["customer_id"], found["owner_rep"], found["other_rep"])
    real = truth.loc[~truth["planned"]]
    planted = _pairs(real["customer_id"], real["rep_a"], real["rep_b"])
    planned = truth.loc[truth["planned"]]
    decoys = _pairs(planned["customer_id"], planned["rep_a"], planned["rep_b"])
    hits = len(detected & planted)
    precision, recall = hits / len(detected), hits / len(planted)
    # recorded in docs/conflicts.md and the closing note: small sample, seed 20261126 -> 1.00 / 1.00
    assert len(planted) == 16 and len(decoys) == 5
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)
    assert not detected & decoys  # planned reassignments recorded as handovers
    handovers = _pairs(
        sample["handovers"]["customer_id"], sample["handovers"]["from_rep"], sample["handovers"]["to_rep"]
    )
    assert not detected & handovers  # departures handed to the replacement hire


def test_without_the_handovers_the_planned_moves_would_be_reported(sample):
    # the handovers table is what keeps them out: the check above is not vacuous
    found = detect_conflicts(
        ConflictParams(), **{k: sample[k] for k in ("orders", "deals", "activities", "customers", "reps")}
    )
    truth = sample["conflict_truth"]
    planned = truth.loc[truth["planned"]]
    detected = _pairs(found["customer_id"], found["owner_rep"], found["other_rep"])
    assert detected & _pairs(planned["customer_id"], planned["rep_a"], planned["rep_b"])
