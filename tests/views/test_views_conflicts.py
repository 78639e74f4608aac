"""The conflicts section of the training & rules view (issue 21) reads the published conflict tables."""

import ipywidgets as w
import pandas as pd

import sales_analytics.views as views


def _text(widget) -> str:
    parts = [widget.value] if isinstance(widget, w.HTML) else []
    return "\n".join([*parts, *(_text(c) for c in getattr(widget, "children", ()))])


def test_conflicts_by_team_and_repeat_pairs_are_shown(outputs):
    tables = outputs / "2026-10" / "tables"
    pd.DataFrame(
        {
            "period": ["2026-10"],
            "team": ["华东一组"],
            "n_findings": [3],
            "n_open": [1],
            "n_overdue": [1],
            "n_decided": [1],
            "open_amount_at_stake": [45_678.9],
            "median_days_to_decision": [12.0],
        }
    ).to_parquet(tables / "conflict_by_team.parquet")
    pd.DataFrame(
        {
            "period": ["2026-10"],
            "rep_a": ["R001"],
            "rep_b": ["R002"],
            "n_findings": [2],
            "n_customers": [2],
            "amount_at_stake": [9_000.0],
        }  # fmt: skip
    ).to_parquet(tables / "conflict_repeat_pairs.parquet")
    text = _text(views.show("training_rules", outputs=outputs, language="en").root)
    assert "Conflicts: open by team, amount at stake, time to decision" in text
    assert "华东一组" in text and "Open amount at stake" in text and "Conflicts: repeat pairs" in text
    zh = _text(views.show("training_rules", outputs=outputs, language="zh").root)
    assert "冲突：各团队未决数、涉及金额与决定用时" in zh and "逾期未决" in zh


def test_a_bundle_without_conflict_tables_says_so(outputs):
    text = _text(views.show("training_rules", outputs=outputs, language="en").root)
    assert "Conflicts: repeat pairs" in text  # the heading, with the plain "missing" note under it
