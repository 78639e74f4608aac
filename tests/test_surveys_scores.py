"""Survey scores (docs/formulas.md §8.1-8.5), response quality and import of platform exports."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from scipy import stats

import sales_analytics as sa
from sales_analytics.errors import DataError

INSTS = sa.load_instruments()
CS, TP, TF = INSTS["customer_satisfaction"], INSTS["team_pulse"], INSTS["training_feedback"]


def customers(nps, csat=None, *, period="2026-03", team="A", start=0, rep="R1"):
    n = len(nps)
    return pd.DataFrame(
        {
            "response_id": [f"{period}-{team}-{i}" for i in range(start, start + n)],
            "submitted_at": pd.Timestamp(f"{period}-05 10:00"),
            "customer_id": [f"c{period}{team}{i}" for i in range(start, start + n)],
            "rep_id": rep,
            "team": team,
            "nps": nps,
            "csat": csat if csat is not None else [5] * n,
            "ces": 6,
        }
    )


@pytest.mark.parametrize(
    ("answer", "bucket"),
    [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter"), (10, "promoter")],
)
def test_nps_buckets(answer, bucket):
    s = sa.nps_stats([answer])
    assert s[{"detractor": "detractors", "passive": "passives", "promoter": "promoters"}[bucket]] == 1


def test_nps_formulas_example():
    # n = 200: 90 promoters, 60 passives, 50 detractors -> p .45, d .25, NPS 20,
    # Var = 10000 * (0.70 - 0.04) / 200 = 33, MoE = 1.96 * sqrt(33) = 11.26
    r = customers([10] * 90 + [8] * 60 + [3] * 50)
    s = sa.survey_scores(r, CS, by=())
    row = s[s["metric"] == "nps"].iloc[0]
    assert row["value"] == pytest.approx(20.0)
    assert row["se"] ** 2 == pytest.approx(33.0)
    assert row["moe"] == pytest.approx(1.959964 * math.sqrt(33), abs=1e-4)
    assert round(row["moe"], 1) == 11.3
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((20 - row["moe"], 20 + row["moe"]))


def test_csat_top2_wilson_example():
    # 120 of 160 answers are 4 or 5 -> 75.0 %, Wilson 95 % CI [67.8 %, 81.1 %]
    r = customers([9] * 160, [5] * 70 + [4] * 50 + [3] * 20 + [1] * 20)
    s = sa.survey_scores(r, CS, by=()).set_index("metric")
    assert s.loc["csat_top2", "value"] == pytest.approx(75.0)
    assert round(s.loc["csat_top2", "ci_low"], 1) == 67.8 and round(s.loc["csat_top2", "ci_high"], 1) == 81.1
    # mean (70*5 + 50*4 + 20*3 + 20*1) / 160 = 630 / 160 = 3.9375
    assert s.loc["csat_mean", "value"] == pytest.approx(3.9375)
    assert s.loc["ces_mean", "value"] == pytest.approx(6.0) and s.loc["ces_top_box", "value"] == 100.0


def test_wilson_against_closed_form():
    k, n, z = 7, 20, stats.norm.ppf(0.975)
    p = k / n
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lo, hi = sa.wilson_interval(k, n)
    assert (float(lo), float(hi)) == pytest.approx(
        ((centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n))
    )


@pytest.mark.parametrize("n", [1, 3, 6, 10, 37, 100])
def test_wilson_interval_holds_the_share_at_zero_and_all(n):
    # k = 0 and k = n: the exact interval is [0, …] and […, 1]; rounding must not leave p̂ outside
    # (it did: ci_low 3.4e-15 above a 0 % share, which a chart's error bar refused).
    lo, hi = sa.wilson_interval(np.array([0.0, n]), np.array([n, n]))
    assert lo[0] == 0.0 and hi[1] == 1.0
    assert lo[1] <= 1.0 and hi[0] >= 0.0


def test_change_between_two_certain_waves_is_not_tested():
    # March: 10 of 10 top-box, April: 0 of 6 -> both standard errors 0; the z test is undefined,
    # so z, p_value and significant stay empty (were -inf, 0 and True).
    r = pd.concat(
        [customers([9] * 10, [5] * 10, period="2026-03"), customers([9] * 6, [1] * 6, period="2026-04")]
    )
    s = sa.survey_scores(r, CS, by=())
    apr = s[(s["metric"] == "csat_top2") & (s["period"] == "2026-04")].iloc[0]
    assert apr["change"] == pytest.approx(-100.0)
    assert pd.isna(apr["z"]) and pd.isna(apr["p_value"]) and pd.isna(apr["significant"])
    assert np.isfinite(s["z"].dropna()).all()


def test_change_vs_previous_wave_and_its_test():
    # March: 50 promoters / 50 detractors -> NPS 0, Var = 1e4 * (1 - 0) / 100 = 100
    # April: 80 promoters / 20 detractors -> NPS 60, Var = 1e4 * (1 - .36) / 100 = 64
    # z = 60 / sqrt(164) = 4.685 -> significant
    r = pd.concat(
        [customers([10] * 50 + [0] * 50, period="2026-03"), customers([10] * 80 + [0] * 20, period="2026-04")]
    )
    s = sa.survey_scores(r, CS, by=())
    apr = s[(s["metric"] == "nps") & (s["period"] == "2026-04")].iloc[0]
    assert apr["previous_period"] == "2026-03" and apr["change"] == pytest.approx(60.0)
    assert apr["z"] == pytest.approx(60 / math.sqrt(164))
    assert bool(apr["significant"]) and apr["test"] == "two-sample z on NPS, α=0.05"
    mar = s[(s["metric"] == "nps") & (s["period"] == "2026-03")].iloc[0]
    assert pd.isna(mar["change"]) and pd.isna(mar["significant"])


def test_small_change_is_not_significant():
    r = pd.concat(
        [customers([10] * 5 + [0] * 5, period="2026-03"), customers([10] * 6 + [0] * 4, period="2026-04")]
    )
    s = sa.survey_scores(r, CS, by=())
    apr = s[(s["metric"] == "nps") & (s["period"] == "2026-04")].iloc[0]
    assert apr["change"] == pytest.approx(20.0) and not bool(apr["significant"])


def test_reverse_coded_dimension_scores():
    # responsiveness = resp_quick, resp_promise, resp_wait (reverse on 1-5: x' = 6 - x)
    # r1: (5, 4, 1 -> 5) = 14/3;  r2: (2, 2, 4 -> 2) = 2;  r3: (3, NaN, 3 -> 3) = 3 (2 of 3 answered)
    # r4: (4, NaN, NaN) -> too few answers (1 of 3), no score
    r = pd.DataFrame(
        {
            "response_id": ["r1", "r2", "r3", "r4"],
            "submitted_at": "2026-03-05",
            "customer_id": ["a", "b", "c", "d"],
            "rep_id": "R1",
            "team": ["A", "A", "B", "B"],
            "resp_quick": [5, 2, 3, 4],
            "resp_promise": [4, 2, np.nan, np.nan],
            "resp_wait": [1, 4, 3, np.nan],
        }
    )
    d = sa.survey_dimensions(r, CS, by=("team",))
    d = d[d["dimension"] == "responsiveness"].set_index("group")
    assert d.loc["all", "value"] == pytest.approx((14 / 3 + 2 + 3) / 3)
    assert d.loc["A", "value"] == pytest.approx((14 / 3 + 2) / 2) and d.loc["A", "n"] == 2
    assert d.loc["B", "value"] == pytest.approx(3.0) and d.loc["B", "n"] == 1
    # favourable: scores >= 4 -> only r1 -> 1 of 3
    assert d.loc["all", "favourable"] == pytest.approx(100 / 3)
    assert d.loc["all", "score_100"] == pytest.approx(((14 / 3 + 5) / 3 - 1) / 4 * 100)


def test_rep_satisfaction_columns_and_values():
    r = pd.concat([customers([10, 9, 3], [5, 4, 2], rep="R1"), customers([8], [4], rep="R2", start=10)])
    out = sa.rep_satisfaction(r, CS)
    assert list(out.columns[:5]) == ["period", "rep_id", "csat", "nps", "responses"]
    # R1: csat 2/3 top-2 = 66.7 %, NPS (2 - 1) / 3 = 33.3; R2: 100 %, NPS 0
    assert out["csat"].round(1).tolist() == [66.7, 100.0] and out["nps"].round(1).tolist() == [33.3, 0.0]
    assert out["responses"].tolist() == [3, 1]


def test_scoring_does_not_mutate_input():
    r = customers([10, 9, 3, 7, 0, 12])
    before = r.copy()
    sa.survey_scores(r, CS)
    sa.survey_dimensions(r, CS)
    sa.clean_responses(r, CS)
    assert_frame_equal(r, before)


def test_out_of_range_answers_never_scored():
    r = customers([10, 10, 0, 11])  # 11 is outside 0-10
    s = sa.survey_scores(
        r,
        CS,
        by=(),
    )
    row = s[s["metric"] == "nps"].iloc[0]
    assert row["n"] == 3 and row["value"] == pytest.approx(100 * (2 - 1) / 3)


def test_response_rates():
    r = customers([10] * 3 + [5] * 2)
    inv = pd.DataFrame(
        {
            "instrument": "customer_satisfaction",
            "period": "2026-03",
            "team": "A",
            "rep_id": ["R1", "R2"],
            "invited": [6, 4],
        }
    )
    rr = sa.response_rates(r, inv, CS).set_index("group")
    assert rr.loc["all", "invited"] == 10 and rr.loc["all", "response_rate"] == pytest.approx(50.0)


def test_a_duplicate_submission_counts_once_in_the_response_rate():
    """6 invited, 6 answered, one of them submitted twice (same response_id): 100%, not 117%."""
    r = customers([10, 9, 8, 7, 6, 5])
    r = pd.concat([r, r.iloc[[2]]], ignore_index=True)
    inv = pd.DataFrame(
        {
            "instrument": "customer_satisfaction",
            "period": "2026-03",
            "team": "A",
            "rep_id": "R1",
            "invited": [6],
        }
    )
    rr = sa.response_rates(r, inv, CS).set_index("group")
    assert rr.loc["all", "n"] == 6 and rr.loc["all", "response_rate"] == pytest.approx(100.0)


# ---------------------------------------------------------------- quality
def _training(**over):
    base = {
        "response_id": ["a", "b", "c", "d", "e", "f"],
        "submitted_at": pd.to_datetime(["2026-03-02 10:00"] * 6) + pd.to_timedelta(range(6), unit="h"),
        "session_id": "S1",
        "rep_id": ["R1", "R2", "R3", "R4", "R5", "R1"],
        "team": "T",
        "overall": 4,
        "re_trainer": [4, 5, 3, 4, 4, 4],
        "re_materials": [4, 2, 4, 3, 5, 4],
        "re_engaging": [4, 4, 4, 5, 3, 4],
        "re_boring": [4, 2, 2, 1, 2, 4],
        "rl_job": [4, 4, 3, 4, 4, 4],
        "rl_apply": [4, 5, 4, 3, 4, 4],
        "rl_confident": [4, 4, 4, 4, 4, 4],
        "pace": "just_right",
        "comment": None,
        "duration_s": [60.0, 55.0, 70.0, 65.0, 8.0, 60.0],
    }
    base.update(over)
    return pd.DataFrame(base)


def test_quality_flags():
    r = _training(overall=[4, 4, 7, 4, np.nan, 4], pace=["just_right"] * 5 + ["too_fast"])
    q = sa.response_quality(r, TF).set_index("response_id")
    # a: all 7 Likert answers are 4 -> straight line; f: the same rep twice in one session -> duplicate
    assert q.loc["a", "straight_line"] and q.loc["f", "duplicate"] and q.loc["f", "straight_line"]
    assert q.loc["c", "out_of_range"]  # overall 7 on a 1-5 csat
    assert q.loc["e", "speeder"] and q.loc["e", "incomplete"]  # 8 s < 0.35 * median 60 s; overall missing
    assert q.loc["b", "reasons"] == "" and not q.loc["b", "excluded"]
    assert q.loc["e", "excluded"]  # speeder excluded by default; incomplete alone is not
    clean = sa.clean_responses(r, TF)
    assert clean["response_id"].tolist() == ["b", "d"]
    keep_all = sa.clean_responses(r, TF, sa.SurveyParams(exclude=()))
    assert len(keep_all) == 6 and keep_all["overall"].isna().sum() == 2  # 7 blanked, NaN stays


def test_quality_summary_counts():
    r = _training(overall=[4, 4, 7, 4, np.nan, 4])
    s = sa.quality_summary(sa.response_quality(r, TF), TF).set_index("check")
    assert s.loc["straight_line", "flagged"] == 2 and s.loc["speeder", "flagged"] == 1
    assert bool(s.loc["speeder", "excluded"]) and not bool(s.loc["incomplete", "excluded"])


def test_prepare_reports_every_problem():
    r = _training(
        overall=["4", "good", "4", "x", "4", "4"],
        submitted_at=["2026-03-02", "soon", None, "2026-03-02", "2026-03-02", "2026-03-02"],
    )
    with pytest.raises(DataError) as err:
        sa.prepare_responses(r, TF)
    text = str(err.value)
    assert "column 'overall': 2 answers are not numbers (rows 2, 4)" in text
    assert "column 'submitted_at': 2 rows have no valid submission time (rows 2, 3)" in text


# ---------------------------------------------------------------- import
WJX_HEADERS = [
    "序号",
    "提交答卷时间",
    "所用时间",
    "客户编号",
    "销售编号",
    "团队",
    "1、您向朋友或同事推荐我们的可能性有多大？(必填)",
    "2、总体而言，您对我们的产品和服务满意吗？【量表题】",
    "3、销售顾问能及时回复我的咨询",
    "4、联系销售顾问时常常需要等很久",
    "5、近一个月销售顾问是否对您进行过回访？【单选题】",
    "6、您希望通过哪些方式接收回访？【多选题】",
    "7、您对我们还有什么意见或建议？",
    "来源IP",
]


def test_import_wjx_csv_gb18030(tmp_path):
    rows = [
        [
            1,
            "2026/3/5 10:01:02",
            "95秒",
            "C1",
            "R1",
            "A",
            "10",
            "非常满意",
            "同意",
            "不同意",
            "是",
            "电话┋微信",
            "回复很及时",
            "1.2.3.4",
        ],
        [
            2,
            "2026/3/6 11:00:00",
            "2分5秒",
            "C2",
            "R1",
            "A",
            "6分",
            "3",
            "4",
            "(跳过)",
            "否",
            "(跳过)",
            "",
            "5.6.7.8",
        ],
    ]
    path = tmp_path / "问卷星导出.csv"
    pd.DataFrame(rows, columns=WJX_HEADERS).to_csv(path, index=False, encoding="gb18030")
    out = sa.read_responses(path, CS)
    assert out["nps"].tolist() == [10.0, 6.0] and out["csat"].tolist() == [5.0, 3.0]
    assert out["resp_quick"].tolist() == [4.0, 4.0] and out["resp_wait"].tolist()[0] == 2.0
    assert pd.isna(out["resp_wait"].iloc[1]) and out["followup_visit"].tolist() == ["yes", "no"]
    assert out["followup_channel"].iloc[0] == "phone;wechat" and out["duration_s"].tolist() == [95.0, 125.0]
    assert out["submitted_at"].iloc[0] == pd.Timestamp("2026-03-05 10:01:02")
    assert "来源IP" not in out and list(out.columns[:6]) == [
        "response_id",
        "submitted_at",
        "customer_id",
        "rep_id",
        "team",
        "nps",
    ]
    assert sa.survey_scores(out, CS, by=())["n"].max() == 2


def test_import_google_forms_english_headers():
    raw = pd.DataFrame(
        {
            "Timestamp": ["3/5/2026 10:00:00"],
            "Team": ["A"],
            "How likely are you to recommend working in this team to a friend?": [9],
            "The team's rules and group-chat rules are clear *": ["Strongly agree"],
        }
    )
    out = sa.map_response_columns(raw, TP, file="forms.csv")
    assert out["enps"].tolist() == [9.0] and out["rc_clear"].tolist() == [5.0]
    assert out["response_id"].tolist() == ["forms-1"]


def test_import_errors_name_column_and_rows():
    raw = pd.DataFrame(
        {
            "提交时间": ["2026-03-05"] * 3,
            "团队": "A",
            "1、您向朋友推荐来本团队工作的可能性有多大？": ["9", "很高", "不知道"],
        }
    )
    with pytest.raises(
        DataError,
        match=r"column '1、您向朋友推荐来本团队工作的可能性有多大？': 2 answers cannot be read "
        r"as item 'enps' \(rows 3, 4\)\. Expected a number from 0 to 10 or a label of the item "
        r"\(labels / label_set\), found '很高'",
    ):
        sa.map_response_columns(raw, TP, file="pulse.xlsx")
    with pytest.raises(
        DataError,
        match=r"pulse.xlsx: no column for grouping 'team'. Expected a header such as "
        r"\['您所在的团队', 'Which team are you on\?'\], or a `group_sources: \{team: …\}` entry",
    ):
        sa.map_response_columns(raw.drop(columns="团队"), TP, file="pulse.xlsx")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("1、您向朋友推荐我们的可能性有多大？(必填)", "您向朋友推荐我们的可能性有多大"),
        ("Q12: 培训节奏如何？（单选题）", "培训节奏如何"),
        ("第3题 讲师讲解清楚 *", "讲师讲解清楚"),
        ("How easy was it?", "howeasywasit"),
    ],
)
def test_normalise_header(header, expected):
    assert sa.normalise_header(header) == expected
