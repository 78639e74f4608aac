"""Survey section on the edges of a valid run: instruments other than the shipped ones, and answers
that fall outside the report month's window, give empty tables that keep their columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import sales_analytics as sa
from sales_analytics.surveys.summary import SURVEY_TABLES

INSTRUMENTS = Path(__file__).resolve().parent / "data" / "real" / "surveys" / "instruments"


def _csat_answers(month: str) -> pd.DataFrame:
    # two answers of the test instrument sales_csat (NPS 10 and 3, CSAT 5 and 1)
    return pd.DataFrame(
        {
            "response_id": ["a", "b"],
            "submitted_at": pd.to_datetime([f"{month}-02 09:00", f"{month}-03 10:00"]),
            "team": ["east", "south"],
            "nps": [10, 3],
            "csat": [5, 1],
            "prompt": [5, 1],
            "followup": ["yes", "no"],
            "channel": [None, None],
            "comment": [None, None],
        }
    )


def test_instruments_folder_is_read_from_the_parameter() -> None:
    # surveys.instruments: empty → surveys/ of the project; a relative path → from the project folder
    assert sa.instruments_folder("") == sa.instruments_folder(None)
    assert sorted(sa.load_instruments("")) == ["customer_satisfaction", "team_pulse", "training_feedback"]
    relative = INSTRUMENTS.relative_to(Path(__file__).resolve().parents[1])
    assert sa.instruments_folder(str(relative)) == INSTRUMENTS
    assert "sales_csat" in sa.load_instruments(str(relative))


def test_answers_after_the_report_month_give_empty_tables_with_their_columns() -> None:
    instruments = sa.load_instruments(INSTRUMENTS)
    tables = sa.survey_tables({"sales_csat": _csat_answers("2026-03")}, instruments, until="2018-03")
    assert set(tables) == set(SURVEY_TABLES)
    for name, table in tables.items():
        assert table.empty, name
        assert "period" in table.columns, name
        if name != "survey_rep_satisfaction":
            assert "instrument" in table.columns, name
    # the same answers in the report month are scored: NPS (1 promoter − 1 detractor) / 2 = 0,
    # CSAT top-two 1 of 2 = 50 %
    scores = sa.survey_tables({"sales_csat": _csat_answers("2018-03")}, instruments, until="2018-03")[
        "survey_scores"
    ].set_index(["group", "metric"])
    assert scores.loc[("all", "nps"), "value"] == 0.0
    assert scores.loc[("all", "csat_top2"), "value"] == 50.0
    # no instrument here has dimensions: the dimensions table is empty, with its columns
    assert tables["survey_dimensions"].empty and "dimension" in tables["survey_dimensions"].columns


def test_headline_metrics_follow_the_item_types() -> None:
    instruments = sa.load_instruments(INSTRUMENTS)
    assert sa.headline_metrics(instruments["sales_csat"]) == ["nps", "csat_top2"]
    assert sa.headline_metrics(instruments["parenting"]) == []  # Likert items only: no trend chart
    assert sa.headline_metrics(instruments["qualtrics_sample"]) == []
