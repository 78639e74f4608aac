"""Survey platform exports as downloaded (tests/data/real/surveys): every file loads, values checked by hand."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sales_analytics as sa
from sales_analytics.errors import ConfigError, DataError
from sales_analytics.surveys.importing import normalise_answer, normalise_header, parse_export_times
from sales_analytics.surveys.instruments import instrument_from_dict, load_instrument
from sales_analytics.surveys.platforms import detect_platform, prepare_export

ROOT_DIR = Path(__file__).resolve().parent.parent
REAL = ROOT_DIR / "tests" / "data" / "real" / "surveys"
INST = {p.stem: load_instrument(p) for p in (REAL / "instruments").glob("*.yaml")}
TS = pd.Timestamp

# (file, instrument, platform)
CORPUS = [
    ("wjx_xlsx_by_code_parenting.xlsx", "parenting", "wjx"),
    ("wjx_csv_by_text.csv", "sales_csat", "wjx"),
    ("wjx_xlsx_by_text.xlsx", "sales_csat", "wjx"),
    ("wjx_csv_by_code.csv", "wjx_by_code", "wjx"),
    ("wjx_csv_by_score.csv", "sales_csat", "wjx"),
    ("tencent_wj_qq.csv", "sales_csat", "tencent"),
    ("qualtrics_3row.csv", "sales_csat", "qualtrics"),
    ("qualtrics_legacy_2row.csv", "sales_csat", "qualtrics"),
    ("qualtrics_qualtRics_sample.csv", "qualtrics_sample", "qualtrics"),
    ("qualtrics_qualtRics_sample_legacy.csv", "qualtrics_sample", "qualtrics"),
    ("surveymonkey_2row.csv", "sales_csat_sm", "surveymonkey"),
    ("google_forms.csv", "sales_csat", "google_forms"),
    ("google_forms_gecko_sustainability.csv", "gecko_sustainability", "google_forms"),
    ("ms_forms.xlsx", "sales_csat_roster", "ms_forms"),
]


def read(name: str, inst: str) -> pd.DataFrame:
    return sa.read_responses(REAL / name, INST[inst], timezone="UTC")


@pytest.mark.parametrize(("name", "inst", "platform"), CORPUS)
def test_every_corpus_file_loads_and_scores(name, inst, platform):
    raw = sa.read_source_file(REAL / name, header_row=0, dedupe_headers=True)
    assert prepare_export(raw).platform == platform
    out = read(name, inst)
    instrument = INST[inst]
    assert list(out.columns[:2]) == ["response_id", "submitted_at"]
    assert out["response_id"].is_unique and out["submitted_at"].notna().all()
    for col in instrument.grouping:
        assert out[col].notna().all()
    if instrument.items_of("nps", "csat"):
        scores = sa.survey_scores(out, instrument, by=())
    elif instrument.dimensions:
        scores = sa.survey_dimensions(out, instrument, by=())
    else:  # no scored item: every required answer mapped
        assert out[[it.id for it in instrument.items if it.required]].notna().all().all()
        return
    assert len(scores) and scores.groupby("period")["n"].max().sum() == len(out)


def test_real_wjx_download_by_option_number():
    out = read("wjx_xlsx_by_code_parenting.xlsx", "parenting")
    # 245 responses in the download, kept to the first 200
    assert len(out) == 200
    # row 2 of the file: 序号 1, 2023/9/8 12:24:22 (Beijing) -> 04:24:22 UTC, 137秒, answers 4, 5, 5
    first = out.iloc[0]
    assert first["submitted_at"] == TS("2023-09-08 04:24:22") and first["duration_s"] == 137.0
    assert (first["patient"], first["ignore"], first["respect"]) == (4.0, 5.0, 5.0)
    # 83、您的性别 = 1 -> first option 男; 86、您孩子的性别 = 1 -> team "boys" (group_sources values)
    assert first["sex"] == "male" and first["team"] == "boys"
    # row 4 (序号 3): 5, 1, 5 and the child's sex 2
    third = out.iloc[2]
    assert (third["patient"], third["ignore"], third["respect"], third["team"]) == (5.0, 1.0, 5.0, "girls")
    assert out["team"].isin(["boys", "girls"]).all()


def test_wjx_three_download_modes_give_the_same_answers():
    text = read("wjx_csv_by_text.csv", "sales_csat")
    code = read("wjx_csv_by_code.csv", "wjx_by_code")
    score = read("wjx_csv_by_score.csv", "sales_csat")
    cols = [
        "response_id",
        "submitted_at",
        "team",
        "nps",
        "csat",
        "prompt",
        "followup",
        "channel",
        "duration_s",
    ]
    pd.testing.assert_frame_equal(code[cols], text[cols].iloc[:3])
    pd.testing.assert_frame_equal(score[cols], text[cols].iloc[:2])
    # by text: 非常满意 -> 5, 比较不符合 -> 2, 电话┋微信 -> phone;wechat, 其他〖朋友圈私信〗 -> other, (跳过) -> missing
    assert text["csat"].tolist() == [5.0, 3.0, 4.0, 1.0] and text["prompt"].tolist() == [5.0, 2.0, 4.0, 1.0]
    assert text["channel"].tolist()[:2] == ["phone;wechat", "other"] and pd.isna(text["channel"].iloc[2])
    assert text["channel"].iloc[3] == "letter;phone" and pd.isna(text["comment"].iloc[1])  # (空)
    # 2026/3/2 9:15:03 Beijing = 01:15:03 UTC; 137秒
    assert text["submitted_at"].iloc[0] == TS("2026-03-02 01:15:03") and text["duration_s"].iloc[0] == 137


def test_wjx_xlsx_equals_csv():
    pd.testing.assert_frame_equal(
        read("wjx_xlsx_by_text.xlsx", "sales_csat"), read("wjx_csv_by_text.csv", "sales_csat")
    )


def test_tencent_quirks():
    out = read("tencent_wj_qq.csv", "sales_csat")
    # "\t1" -> "1"; A.华东一组 -> east; 02-Sep-2020 07:44:08 (Beijing) -> 2020-09-01 23:44:08 UTC; 答题时长 247 s
    assert out["response_id"].tolist() == ["1", "2"] and out["team"].tolist() == ["east", "south"]
    assert out["submitted_at"].tolist() == [TS("2020-09-01 23:44:08"), TS("2020-09-03 13:06:12")]
    assert out["duration_s"].tolist() == [247.0, 42.0]
    # A.非常满意 -> 5, D.比较不满意 -> 2; A.电话|B.微信 -> phone;wechat; D.其他 (fill-in in a repeated header)
    assert out["csat"].tolist() == [5.0, 2.0] and out["channel"].tolist() == ["phone;wechat", "other"]


def test_qualtrics_three_rows_time_zone_from_import_id():
    out = read("qualtrics_3row.csv", "sales_csat")
    # RecordedDate 2024-03-04 10:01:03 in America/Denver (UTC-7 before 10 March) = 17:01:03 UTC
    assert out["submitted_at"].tolist() == [TS("2024-03-04 17:01:03"), TS("2024-03-05 23:22:31")]
    assert out["response_id"].tolist() == ["R_1a2B3c4D5e6F7g8", "R_2b3C4d5E6f7G8h9"]
    # Very satisfied -> 5, Somewhat dissatisfied -> 2; Duration (in seconds) 170
    assert out["csat"].tolist() == [5.0, 2.0] and out["duration_s"].tolist() == [170.0, 150.0]
    assert out["channel"].iloc[0] == "phone;wechat" and out["comment"].iloc[0] == "Quick answers."


@pytest.mark.parametrize(
    ("name", "duration"),
    [("qualtrics_qualtRics_sample.csv", 38.0), ("qualtrics_qualtRics_sample_legacy.csv", 39.0)],
)
def test_real_qualtrics_exports_current_and_legacy(name, duration):
    out = read(name, "qualtrics_sample")
    # RecordedDate / V9 EndDate 2017-07-18 08:28:48 (no zone in the ImportId: the team's zone, here UTC)
    assert out["submitted_at"].tolist() == [TS("2017-07-18 08:28:48")]
    # Q1 exported as choice number 2 -> the second option; team from the roster by ResponseId
    assert out[["response_id", "team", "q1", "q2"]].to_numpy().tolist() == [
        ["R_2YPOQ602ER1jkf1", "east", "two", "Hello World!"]
    ]
    # current: "Duration (in seconds)" 38; legacy has none: StartDate 08:28:09 -> EndDate 08:28:48 = 39 s
    assert out["duration_s"].tolist() == [duration]


def test_qualtrics_legacy_two_rows():
    out = read("qualtrics_legacy_2row.csv", "sales_csat")
    # V9 EndDate 2015-03-02 10:24:01: no zone written, so the team's zone (here UTC)
    assert out["submitted_at"].iloc[0] == TS("2015-03-02 10:24:01")
    # duration from V8 StartDate to V9 EndDate: 10:21:33 -> 10:24:01 = 148 s
    assert out["duration_s"].tolist() == [148.0, 195.0] and out["nps"].tolist() == [10.0, 7.0]


def test_surveymonkey_two_rows_checkbox_and_custom_data():
    out = read("surveymonkey_2row.csv", "sales_csat_sm")
    assert out["response_id"].tolist() == ["11456789012", "11456789013"]
    # Custom Data 1 (a URL variable) -> team; "Very satisfied." / "Very dissatisfied " (punctuation, space)
    assert out["team"].tolist() == ["east", "south"] and out["csat"].tolist() == [5.0, 1.0]
    # checkbox spread over 4 columns: Phone + "Email, or a letter"
    assert out["channel"].iloc[0] == "phone;letter" and pd.isna(out["channel"].iloc[1])
    assert out["submitted_at"].iloc[0] == TS("2024-03-04 10:01:02")  # 10:01:02 AM, no zone: the team's


def test_surveymonkey_file_without_its_second_header_row_keeps_every_answer(tmp_path):
    # Someone deleted the "Response / Open-Ended Response" row before sending the file: the first
    # row has a Respondent ID, so it is an answer, not a header (it used to be dropped as one).
    lines = (REAL / "surveymonkey_2row.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "sm_one_header.csv"
    path.write_text(lines[0] + "".join(lines[2:]), encoding="utf-8")
    raw = sa.read_source_file(path, header_row=0, dedupe_headers=True)
    export = prepare_export(raw)
    assert export.platform == "surveymonkey"
    assert export.frame["Respondent ID"].astype(str).tolist() == ["11456789012", "11456789013"]


def test_google_forms_zones_scale_labels_and_commas_in_options():
    out = read("google_forms.csv", "sales_csat")
    # 11:07:29 AM AST (UTC-4) = 15:07:29 UTC; 9:15:02 PM AST = 01:15:02 next day; 8:00 AM GMT+8 = 00:00 UTC
    assert out["submitted_at"].tolist() == [
        TS("2022-06-22 15:07:29"),
        TS("2022-06-24 01:15:02"),
        TS("2022-06-24 00:00:00"),
    ]
    assert out["csat"].tolist() == [5.0, 3.0, 5.0] and out["prompt"].tolist() == [4.0, 2.0, 5.0]
    assert out["channel"].iloc[0] == "phone;letter"  # "Phone;Email, or a letter"
    assert out["response_id"].tolist() == ["google_forms-1", "google_forms-2", "google_forms-3"]


def test_real_google_forms_answers():
    out = read("google_forms_gecko_sustainability.csv", "gecko_sustainability")
    # 42 responses, 2022/06/22 11:07:29 AM AST (UTC-4) = 15:07:29 UTC … 1:54:29 PM AST = 17:54:29 UTC
    assert len(out) == 42 and out["submitted_at"].iloc[0] == TS("2022-06-22 15:07:29")
    assert out["submitted_at"].iloc[-1] == TS("2022-06-22 17:54:29") and (out["team"] == "gecko").all()
    # "5 - It's extremely important" -> 5, "1 - It doesn't matter to me" -> 1, plain "4" -> 4
    assert out["importance"].tolist()[:5] == [4.0, 2.0, 5.0, 4.0, 1.0]
    assert out["importance"].value_counts().sort_index().to_dict() == {
        1.0: 3,
        2.0: 1,
        3.0: 9,
        4.0: 19,
        5.0: 10,
    }
    # options with commas inside, answers joined by ";": Waste management … chosen 29 times (counted in
    # the source), Energy & water usage 23 times
    assert (
        out["efforts"].str.contains("waste").sum() == 29 and out["efforts"].str.contains("energy").sum() == 23
    )
    assert out["efforts"].iloc[0] == "waste;community" and out["events"].value_counts()["0-1"] == 15
    # the comment with blank lines inside one quoted cell stays one answer
    assert out["comment"].notna().sum() == 13 and "wake-on-LAN" in out["comment"].dropna().str.cat()


def test_ms_forms_roster_by_email():
    out = read("ms_forms.xlsx", "sales_csat_roster")
    # Email -> reps_roster.csv (case ignored: HAN.MEI@example.com)
    assert out["rep_id"].tolist() == ["R1", "R2", "R0"] and out["team"].tolist() == [
        "east",
        "south",
        "unknown",
    ]
    # Completion time 2024-03-04 10:01:02 (no zone: the team's); duration 09:58:12 -> 10:01:02 = 170 s
    assert out["submitted_at"].iloc[0] == TS("2024-03-04 10:01:02") and out["duration_s"].iloc[0] == 170.0
    assert out["channel"].tolist()[:2] == ["phone;wechat", "other"]  # "Phone;WeChat;" trailing ;


def test_roster_key_not_found_names_rows_and_key(tmp_path):
    shutil.copy(REAL / "ms_forms.xlsx", tmp_path)
    (tmp_path / "reps_roster.csv").write_text("rep_id,team,email\nR1,east,li.lei@example.com\n")
    with pytest.raises(
        DataError, match=r"column 'Email': 2 responses have no 'team' in the roster .*rows 3, 4"
    ):
        sa.read_responses(tmp_path / "ms_forms.xlsx", INST["sales_csat_roster"])


def test_roster_through_a_table():
    data = dict(INST["sales_csat_roster"].model_dump(exclude_none=True))
    for col in ("team", "rep_id"):
        data["group_sources"][col]["roster"] = {"table": "reps", "key": "email", "by": "Email"}
    inst = instrument_from_dict(data)
    reps = pd.DataFrame(
        {
            "rep_id": ["R7", "R8", "R9"],
            "team": ["t1", "t2", "t3"],
            "email": ["li.lei@example.com", "han.mei@example.com", "anonymous"],
        }
    )
    out = sa.read_responses(REAL / "ms_forms.xlsx", inst, roster={"reps": reps})
    assert out["rep_id"].tolist() == ["R7", "R8", "R9"] and out["team"].tolist() == ["t1", "t2", "t3"]
    with pytest.raises(DataError, match=r"roster for 'team' not usable. Expected a table 'reps'"):
        sa.read_responses(REAL / "ms_forms.xlsx", inst)


def test_no_question_matching_is_an_error_listing_headers_and_nearest_items():
    with pytest.raises(DataError) as err:
        sa.read_responses(REAL / "google_forms.csv", INST["parenting"])
    text = str(err.value)
    assert "no question matches an item of instrument 'parenting'" in text
    assert "'Which team are you on?'" in text and "nearest" in text and "~" in text


def test_unreadable_times_name_rows_and_value(tmp_path):
    path = tmp_path / "wjx.csv"
    lines = (REAL / "wjx_csv_by_text.csv").read_bytes().decode("gb18030").splitlines()
    lines[2] = lines[2].replace("2026/3/2 10:01:44", "昨天下午")
    path.write_text("\n".join(lines), encoding="gb18030")
    with pytest.raises(
        DataError,
        match=r"column '提交答卷时间': 1 submission times cannot be read \(row 3\).*found '昨天下午'",
    ):
        sa.read_responses(path, INST["sales_csat"])


def test_qualtrics_tags_are_kept_distinct():
    # Q1 … Qn used to normalise to '' and collide ("two columns map to 'q2'")
    assert [normalise_header(h) for h in ("Q1", "Q2", "Q2_1", "Q10")] == ["q1", "q2", "q2_1", "q10"]
    raw = pd.DataFrame(
        {
            "StartDate": ["2024-01-01 10:00:00"],
            "EndDate": ["2024-01-01 10:03:00"],
            "Team": ["east"],
            "Q2": ["9"],
            "Q3": ["4"],
        }
    )
    inst = instrument_from_dict(
        {
            **INST["sales_csat"].model_dump(exclude_none=True),
            "items": [
                {"id": "q2", "type": "nps", "text": {"zh": "推荐", "en": "Recommend"}},
                {"id": "q3", "type": "csat", "text": {"zh": "满意", "en": "Satisfied"}},
            ],
            "outcome": "q2",
        }
    )
    out = sa.map_response_columns(raw, inst, file="q.csv")
    assert out[["q2", "q3"]].to_numpy().tolist() == [[9.0, 4.0]]


@pytest.mark.parametrize(
    ("answer", "key"),
    [
        ("B.没有发现问题", "没有发现问题"),
        ("其他〖朋友〗", "其他"),
        ("Yes.", "yes"),
        ("Very  satisfied ", "verysatisfied"),
    ],
)
def test_normalise_answer(answer, key):
    assert normalise_answer(answer) == key


def test_parse_export_times_zones():
    values = pd.Series(
        ["2022/06/22 11:07:29 AM AST", "2022/06/22 11:07:29 下午 GMT+8", "02-Sep-2020 07:44:08", None]
    )
    out = parse_export_times(values, timezone="UTC")
    # AST = UTC-4; 下午 11:07 GMT+8 = 23:07 - 8 h = 15:07 UTC; no zone: already in tz
    assert out.tolist()[:3] == [
        TS("2022-06-22 15:07:29"),
        TS("2022-06-22 15:07:29"),
        TS("2020-09-02 07:44:08"),
    ]
    assert pd.isna(out.iloc[3])
    # Microsoft Forms results saved as CSV by Excel: month-first, two-digit year
    assert parse_export_times(pd.Series(["7/2/20 11:00:22"]), timezone="UTC")[0] == TS("2020-07-02 11:00:22")
    # day-first locales (instrument `day_first: true`)
    got = parse_export_times(
        pd.Series(["22/06/2022 11:07:29", "7/2/20 11:00:22"]), timezone="UTC", day_first=True
    )
    assert got.tolist() == [TS("2022-06-22 11:07:29"), TS("2020-02-07 11:00:22")]
    assert pd.isna(
        parse_export_times(pd.Series(["22/06/2022 11:07:29"]), timezone="UTC")[0]
    )  # month 22: unreadable
    assert parse_export_times(pd.Series(["2024-01-01 10:00:00"]), source_tz="America/Denver", timezone="UTC")[
        0
    ] == TS("2024-01-01 17:00:00")


def test_detect_platform():
    assert detect_platform(["Respondent ID", "Collector ID", "Start Date"]) == "surveymonkey"
    assert detect_platform(["编号", "开始答题时间", "结束答题时间"]) == "tencent"
    assert detect_platform(["Timestamp", "Q"]) == "google_forms"
    assert detect_platform(["a", "b"]) == "generic"


def test_instrument_yaml_validation_of_the_new_keys():
    base = INST["sales_csat"].model_dump(exclude_none=True)
    bad = {**base, "group_sources": {"rep_id": {"field": "rep"}}}
    with pytest.raises(ConfigError, match=r"group_sources.rep_id.*'rep_id' is not in grouping \['team'\]"):
        instrument_from_dict(bad, "x.yaml")
    both = {**base, "group_sources": {"team": {"field": "t", "question": {"zh": "队", "en": "Team"}}}}
    with pytest.raises(ConfigError, match="give exactly one of question, field, roster or value"):
        instrument_from_dict(both, "x.yaml")
    items = [dict(i) for i in base["items"]]
    items[1] = {**items[1], "label_set": "nope"}
    with pytest.raises(ConfigError, match=r"items\[1\].label_set.*unknown label set 'nope'"):
        instrument_from_dict({**base, "items": items}, "x.yaml")
    items = [dict(i) for i in base["items"]]
    items[1] = {**items[1], "codes": {1: 9}}
    with pytest.raises(ConfigError, match=r"items\[1\].codes.*values \[9\] lie outside the scale 1–5"):
        instrument_from_dict({**base, "items": items}, "x.yaml")


def test_label_sets_and_item_labels():
    base = INST["sales_csat"].model_dump(exclude_none=True)
    items = [dict(i) for i in base["items"]]
    items[1] = {**items[1], "label_set": "stars"}
    items[2] = {**items[2], "labels": {5: ["totally"], 1: "not at all"}}
    inst = instrument_from_dict({**base, "items": items, "label_sets": {"stars": {5: "★★★★★", 1: "★"}}})
    raw = pd.DataFrame(
        {
            "Timestamp": ["2024-01-01 10:00:00"] * 2,
            "Which team are you on?": ["East team"] * 2,
            "Overall, how satisfied are you with our service?": ["★★★★★", "★"],
            "My sales rep answers my questions promptly": ["Totally!", "not at all"],
        }
    )
    out = sa.map_response_columns(raw, inst)
    assert out["csat"].tolist() == [5.0, 1.0] and out["prompt"].tolist() == [5.0, 1.0]


def sample_without_pulse(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    """A copy of the small sample without its canonical team pulse file, and that table."""
    folder = tmp_path / "data"
    shutil.copytree(os.environ["SALES_ANALYTICS_DATA"], folder)
    canonical = pd.read_parquet(folder / "survey_team_pulse.parquet")
    (folder / "survey_team_pulse.parquet").unlink()
    return folder, canonical


def test_platform_export_in_a_data_folder(tmp_path):
    folder, canonical = sample_without_pulse(tmp_path)
    export = to_wjx(canonical, sa.load_instruments()["team_pulse"])
    export.to_excel(folder / "survey_team_pulse.xlsx", index=False)
    ds = sa.load_dataset(folder)
    got = ds.tables["survey_team_pulse"]
    assert len(got) == len(canonical) and ds.sources["survey_team_pulse"].profile == "survey_export"
    assert got["response_id"].tolist() == canonical["response_id"].tolist()
    np.testing.assert_array_equal(got["enps"].to_numpy(), canonical["enps"].to_numpy())
    assert (got["submitted_at"] == canonical["submitted_at"].dt.floor("s")).all()
    assert got["team"].tolist() == canonical["team"].tolist()


LIKERT_ZH = {1: "非常不同意", 2: "不同意", 3: "一般", 4: "同意", 5: "非常同意"}


def to_wjx(frame: pd.DataFrame, inst) -> pd.DataFrame:
    """A canonical response table written back as a 问卷星 按选项文本 download."""
    out = pd.DataFrame(
        {
            "序号": frame["response_id"],
            "提交答卷时间": frame["submitted_at"].dt.strftime("%Y/%-m/%-d %H:%M:%S"),
            "所用时间": frame["duration_s"].map(lambda s: f"{int(s)}秒"),
            "来源": "微信",
            "来源详情": "N/A",
            "来自IP": "192.0.2.1(上海-上海)",
            "1、您所在的团队": frame["team"],
        }
    )
    for n, it in enumerate(inst.items, start=2):
        col = f"{n}、{it.text.zh}"
        values = frame[it.id]
        if it.type == "likert":
            out[col] = values.map(lambda v: LIKERT_ZH.get(int(v), str(int(v))) if pd.notna(v) else "(跳过)")
        elif it.numeric:
            out[col] = values.map(lambda v: str(int(v)) if pd.notna(v) else "(跳过)")
        else:
            out[col] = values.fillna("(空)")
    return out


def test_a_download_under_its_own_name_via_data_tables(tmp_path):
    folder, canonical = sample_without_pulse(tmp_path)
    name = "234274756_2_团队脉搏_75_75.xlsx"  # as 问卷星 names its downloads
    to_wjx(canonical, sa.load_instruments()["team_pulse"]).to_excel(folder / name, index=False)
    params = tmp_path / "params.yaml"
    params.write_text(
        f"data:\n  dir: {folder}\n  tables:\n    survey_team_pulse: {{path: {name}}}\n", encoding="utf-8"
    )
    ds = sa.load_dataset(params)
    assert ds.sources["survey_team_pulse"].profile == "survey_export"
    assert ds.tables["survey_team_pulse"]["team"].tolist() == canonical["team"].tolist()


def test_roster_through_the_folder_reps_table(tmp_path, monkeypatch):
    """A survey whose team comes from the reps table of the same folder (looked up by rep name)."""
    folder, canonical = sample_without_pulse(tmp_path)
    reps = pd.read_parquet(folder / "reps.parquet")
    export = to_wjx(canonical, sa.load_instruments()["team_pulse"]).drop(columns="1、您所在的团队")
    # each response names a rep of its team: the roster gives the team back
    first_rep = reps.groupby("team")["rep_name"].first()
    export.insert(6, "您的姓名", canonical["team"].map(first_rep).to_numpy())
    export.to_excel(folder / "survey_team_pulse.xlsx", index=False)
    home = tmp_path / "home"
    shutil.copytree(ROOT_DIR / "surveys", home / "surveys")
    text = (home / "surveys" / "team_pulse.yaml").read_text(encoding="utf-8")
    text = text.replace(
        '    question: {zh: "您所在的团队", en: "Which team are you on?"}',
        "    roster: {table: reps, key: rep_name, by: 您的姓名}",
    )
    (home / "surveys" / "team_pulse.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("SALES_ANALYTICS_HOME", str(home))
    ds = sa.load_dataset(folder)
    got = ds.tables["survey_team_pulse"]
    assert got["team"].tolist() == canonical["team"].tolist() and "_roster_team" not in got
    # a name not in the roster: the rows and the name are reported
    export.loc[[0, 3], "您的姓名"] = "无此人"
    export.to_excel(folder / "survey_team_pulse.xlsx", index=False)
    with pytest.raises(
        DataError, match=r"column '您的姓名': 2 responses have no 'team' in the roster reps.*rows 2, 5"
    ):
        sa.load_dataset(folder)


def test_scores_of_corpus_files_by_hand():
    forms = read("google_forms.csv", "sales_csat")
    scores = sa.survey_scores(forms, INST["sales_csat"], by=())
    nps = scores[scores["metric"] == "nps"]
    # answers 9, 6, 10: promoters 2, detractors 1 of 3 -> (2 - 1) / 3 * 100 = 33.33
    assert len(nps) == 1 and nps["value"].iloc[0] == pytest.approx(100 / 3) and nps["n"].iloc[0] == 3
    wjx = read("wjx_csv_by_text.csv", "sales_csat")
    top2 = sa.survey_scores(wjx, INST["sales_csat"], by=()).query("metric == 'csat_top2'")
    # 非常满意 5, 一般 3, 比较满意 4, 非常不满意 1 -> top two boxes 2 of 4 = 50 %
    assert top2["value"].iloc[0] == pytest.approx(50.0) and top2["n"].iloc[0] == 4
