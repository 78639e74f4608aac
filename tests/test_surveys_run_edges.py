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
    tables = sa.survey_tables({"sales_csat": _csat_answers("2026-03")}, instruments, period="2018-03")
    assert set(tables) == set(SURVEY_TABLES)
    for name, table in tables.items():
        assert table.empty, name
        assert "period" in table.columns, name
        if name != "survey_rep_satisfaction":
            assert "instrument" in table.columns, name
    # the same answers in the report month are scored: NPS (1 promoter − 1 detractor) / 2 = 0,
    # CSAT top-two 1 of 2 = 50 %
    scores = sa.survey_tables({"sales_csat": _csat_answers("2018-03")}, instruments, period="2018-03")[
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


def test_docs_parameters_for_own_instruments_are_valid_and_read_the_corpus(tmp_path: Path) -> None:
    # docs/surveys.md, "Your own instruments, one survey from two platforms": the YAML validates,
    # and with the test folder's paths it reads the two downloads as parts of one table (4 + 2 rows)
    import re
    import shutil

    import yaml

    doc = (Path(__file__).resolve().parents[1] / "docs" / "surveys.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", doc, flags=re.S) if "real_exports.yaml" in b)
    layer = yaml.safe_load(block)
    real = INSTRUMENTS.parent
    (tmp_path / "exports").mkdir()
    shutil.copy(real / "wjx_csv_by_text.csv", tmp_path / "exports" / "销售服务满意度_问卷星.csv")
    shutil.copy(real / "qualtrics_3row.csv", tmp_path / "exports" / "sales_csat_qualtrics.csv")
    shutil.copy(real.parent / "sales" / "朝阳医院2018年销售数据_first200.xlsx", tmp_path / "exports")
    (tmp_path / "exports" / "reps.csv").write_text(
        "rep_id,rep_name,team\nstore,门店,Store\n", encoding="utf-8"
    )
    layer["data"]["dir"] = str(tmp_path / "exports")
    layer["surveys"]["instruments"] = str(INSTRUMENTS)
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(layer, allow_unicode=True), encoding="utf-8")
    result = sa.check_data(tmp_path / "p.yaml")
    assert result.ok, [str(p) for p in result.problems]
    csat = [s for s in result.sources if s.table == "survey_sales_csat"]
    assert sorted(s.rows for s in csat) == [2, 4]
    assert sorted(result.dataset.survey_sales_csat["nps"].tolist()) == [3, 5, 6, 9, 9, 10]
    # `run --data exports --params p.yaml` reads the folder with the file's data section too
    from sales_analytics.run.monthly import _load

    ds, _ = _load(tmp_path / "exports", sa.load_parameters(tmp_path / "p.yaml"))
    assert len(ds.survey_sales_csat) == 6


def test_empty_survey_tables_and_a_nameless_churn_list_match_the_catalog() -> None:
    # the real-exports run: no instrument with rep_id + NPS + CSAT (no per-rep satisfaction),
    # answers outside the window; and an orders-only folder with no customer names
    from sales_analytics.customers.churn import churn_risk
    from sales_analytics.customers.rfm import rfm_segments
    from sales_analytics.tables import check_table
    from tests.test_customers_segments import churn_orders

    instruments = sa.load_instruments(INSTRUMENTS)
    tables = sa.survey_tables({"sales_csat": _csat_answers("2026-03")}, instruments, period="2018-03")
    for name, table in tables.items():
        check_table(name, table)
    orders = churn_orders()
    reps = pd.DataFrame({"rep_id": ["r1", "r2", "r3"], "rep_name": ["一", "二", "三"]})  # always in a run
    clv = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "p_alive": 0.9, "clv": 10.0})  # notebook 04's
    rfm = rfm_segments(orders, period="2026-03")
    risk = churn_risk(orders, rfm, period="2026-03", reps=reps, clv=clv)
    # customers a and c are at risk (tests/test_customers_segments.py); no names were supplied
    assert risk["customer_id"].tolist() == ["c", "a"] and risk["customer_name"].isna().all()
    check_table("customer_churn_risk", risk)
