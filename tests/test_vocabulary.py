"""The one argument vocabulary: every public signature of ``sa.`` uses it; old names are deprecated."""

from __future__ import annotations

import inspect
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

import sales_analytics as sa
from sales_analytics.vocabulary import GROUPINGS, LANGUAGES, VOCABULARY, group_column, renamed_arguments

ROOT = Path(__file__).resolve().parents[1]
DEPRECATED = {old: new for new, olds in VOCABULARY.items() for old in olds}

# A name of the deprecated list that means something else in one function, with the reason.
OTHER_MEANING = {
    ("key_drivers", "level"): "dimension or item: the unit the drivers are computed on, not a grouping",
    ("fully_refunded", "month"): "an integer month index per row (an array), not the report month",
}


def _public_functions():
    for name in sa.__all__:
        obj = getattr(sa, name)
        if inspect.isfunction(obj):
            yield name, obj


def test_every_public_signature_speaks_the_vocabulary():
    offenders = []
    for name, func in _public_functions():
        for param in inspect.signature(func).parameters:
            if param in DEPRECATED and (name, param) not in OTHER_MEANING:
                offenders.append(f"{name}({param}=): use {DEPRECATED[param]}=")
    assert not offenders, offenders


def test_the_scan_sees_the_functions_it_is_about():
    # the scan is not vacuous: the renamed functions are public and take the new names
    names = dict(_public_functions())
    assert len(names) > 150
    assert "period" in inspect.signature(names["compute_commissions"]).parameters
    assert "period" in inspect.signature(names["survey_scores"]).parameters
    assert "by" in inspect.signature(names["attainment"]).parameters
    assert "timezone" in inspect.signature(names["read_table"]).parameters
    assert "anonymity_threshold" in inspect.signature(names["suppress_small_groups"]).parameters


def test_every_renamed_argument_is_deprecated_to_a_parameter_the_function_has():
    decorated = {n: f for n, f in _public_functions() if hasattr(f, "__renamed_arguments__")}
    assert {"compute_commissions", "survey_scores", "read_table", "leaderboards", "attainment"} <= set(
        decorated
    )
    for name, func in decorated.items():
        params = inspect.signature(func).parameters
        for old, new in func.__renamed_arguments__.items():
            assert new in params and old not in params, name


def test_old_name_warns_and_gives_the_same_result():
    orders = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3"],
            "order_date": pd.to_datetime(["2026-01-05", "2026-02-10", "2026-03-01"]),
            "customer_id": ["c1", "c1", "c2"],
            "rep_id": ["r1", "r1", "r1"],
            "amount": [100.0, 200.0, 400.0],
        }
    )
    reps = pd.DataFrame({"rep_id": ["r1"], "team": ["East"]})
    new = sa.incentive_metrics(orders, reps, by="team", period="2026-02")
    with (
        pytest.warns(
            DeprecationWarning, match=r"incentive_metrics\(through=\.\.\.\) is deprecated: use period="
        ),
        pytest.warns(DeprecationWarning, match=r"incentive_metrics\(level=\.\.\.\) is deprecated: use by="),
    ):
        old = sa.incentive_metrics(orders, reps, level="team", through="2026-02")
    pd.testing.assert_frame_equal(new, old)
    # January 100, February 200; March is after the report month
    assert new["revenue"].tolist() == [100.0, 200.0]


FORECAST_PERIOD_FUNCTIONS = (
    "goal_from_growth",
    "propose_targets",
    "growth_proposal",
    "target_chances",
    "last_forecast_sentence",
)


def test_the_scan_catches_month_for_the_report_month():
    # month= was the goals lever's name for the month a result is for; the scan now refuses it
    assert "month" in DEPRECATED and DEPRECATED["month"] == "period"
    names = dict(_public_functions())
    for name in FORECAST_PERIOD_FUNCTIONS:
        params = inspect.signature(names[name]).parameters
        assert "period" in params and "month" not in params, name
        assert names[name].__renamed_arguments__ == {"month": "period"}, name


def test_forecast_month_still_works_with_a_warning():
    revenue = pd.DataFrame({"month": ["2025-01", "2025-02"], "revenue": [100.0, 300.0]})
    # the same month last year: February 2025, 300 × (1 + 0.1) = 330
    assert sa.goal_from_growth(revenue, period="2026-02", growth=0.1) == 330.0
    with pytest.warns(
        DeprecationWarning, match=r"goal_from_growth\(month=\.\.\.\) is deprecated: use period="
    ):
        assert sa.goal_from_growth(revenue, month="2026-02", growth=0.1) == 330.0
    track = pd.DataFrame(columns=["level", "month", "forecast_made", "p10", "p90", "actual"])
    with pytest.warns(DeprecationWarning, match=r"last_forecast_sentence\(month="):
        old = sa.last_forecast_sentence(track, month="2026-02", language="en")
    assert old == sa.last_forecast_sentence(track, period="2026-02", language="en")


def test_renamed_arguments_maps_warns_and_refuses_both_names():
    @renamed_arguments(until="period", tz="timezone")
    def f(x, *, period=None, timezone="UTC"):
        """Doc."""
        return x, period, timezone

    assert list(inspect.signature(f).parameters) == ["x", "period", "timezone"]
    assert f.__doc__ == "Doc." and f.__name__ == "f"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(1, period="2026-10") == (1, "2026-10", "UTC")  # the new names never warn
    with pytest.warns(DeprecationWarning, match=r"f\(tz=\.\.\.\) is deprecated: use timezone="):
        assert f(1, tz="Asia/Shanghai") == (1, None, "Asia/Shanghai")
    with pytest.raises(TypeError, match=r"got both until= and period=; pass only period="):
        f(1, until="2026-09", period="2026-10")


def test_renamed_arguments_refuses_a_rename_to_a_missing_or_kept_parameter():
    with pytest.raises(TypeError, match="has no parameter 'period'"):
        renamed_arguments(until="period")(lambda x: x)
    with pytest.raises(TypeError, match="still has the parameter 'until'"):
        renamed_arguments(until="period")(lambda until, period: until)


def test_allowed_values_are_declared_once():
    assert LANGUAGES == ("zh", "en")
    assert GROUPINGS == ("rep_id", "team")
    assert group_column("rep") == "rep_id"
    with pytest.raises(ValueError, match=r"`by` must be one of \['rep_id', 'team'\], got 'region'"):
        group_column("region")


def test_architecture_doc_lists_the_vocabulary():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Argument vocabulary", 1)[1].split("\n## ", 1)[0]
    for new, olds in VOCABULARY.items():
        assert re.search(rf"`{new}=?`", section), new
        for old in olds:
            assert f"`{old}=`" in section, old
