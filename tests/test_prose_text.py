"""A lever's English sentences read in the reader's language (report/prose_text.py, issue 18)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sales_analytics.report.labels import label
from sales_analytics.report.present import display_frame
from sales_analytics.report.prose_text import dq_message, kirkpatrick_note, roi_basis, sentence_text
from sales_analytics.training.kirkpatrick import kirkpatrick_levels

WHY_EN = "; no interval: a point estimate from the DiD revenue effect, whose interval is on L4"
BASIS_EN = (
    "benefits = DiD revenue effect 66448.56 per rep-month × 12 months × 9 trained reps × margin 1; "
    "costs = 3 sales_skills sessions in cohort months 2025-06, 2025-10, 2026-03"
)


def _levels() -> pd.DataFrame:
    s = pd.DataFrame({"session_id": ["s"], "topic": ["t"], "session_date": pd.to_datetime(["2025-10-01"])})
    a = pd.DataFrame(
        {
            "session_id": "s",
            "rep_id": list("abcdef"),
            "attended": True,
            "pre_score": [40.0] * 6,
            "post_score": [48.0, 45, 44, 45, 48, 44],
        }
    )
    return kirkpatrick_levels(period="2025-10", sessions=s, attendance=a).set_index("measure")


def test_the_kirkpatrick_lever_still_publishes_its_english_notes():
    """The published value is unchanged by writing it from the en label template."""
    notes = _levels()["note"]
    # class means 40 → 45.67 of 100: <g> = 5.67 / 60 = 0.094, Hake's band "low" (< 0.3)
    assert notes["class_gain"] == (
        "Hake <g> on class averages (low); no interval: a ratio of two class means "
        "(the test score change carries the interval of the change)"
    )
    # differences 8 5 4 5 8 4: mean 5.667, SD √(17.333 / 5) = 1.862, t = 5.667 / (1.862 / √6) = 7.45
    assert notes["score_change"] == "paired t = 7.45, df = 5, p < 0.001"
    assert notes["mean_individual_gain"] == "mean of individual gains, t interval"


def test_kirkpatrick_notes_in_chinese_and_english():
    notes = _levels()["note"]
    assert kirkpatrick_note(notes["class_gain"], "zh") == (
        "Hake 归一化增益 ⟨g⟩，按班级平均分计算（低）；无区间：两个班级均值之比（区间见测试分数变化）"
    )
    assert kirkpatrick_note(notes["score_change"], "zh") == "配对 t 检验：t = 7.45，自由度 = 5，p < 0.001"
    assert kirkpatrick_note("1.58 -> 2.42 per week", "zh") == "每周 1.58 → 2.42 次"
    assert kirkpatrick_note("difference-in-differences vs 9 not-yet-trained reps (max per cohort)", "zh") == (
        "双重差分（DiD），对照组为 9 名尚未受训的销售（各批次中的最大值）"
    )
    assert kirkpatrick_note("benefits / costs" + WHY_EN, "zh") == (
        "收益 / 成本；无区间：由 DiD 营收效应得出的点估计，其区间见 L4"
    )
    # the ROI row: the basis, then why it has no interval; the effect gets its separators
    assert kirkpatrick_note(BASIS_EN + WHY_EN, "zh") == (
        "收益 = DiD 营收效应 每人每月 66,448.56 × 12 个月 × 9 名受训销售 × 利润率 1；"
        "成本 = 批次月份 2025-06, 2025-10, 2026-03 中的 3 场销售技巧培训"
        "；无区间：由 DiD 营收效应得出的点估计，其区间见 L4"
    )
    for note in notes:  # English reads as the lever wrote it
        assert kirkpatrick_note(note, "en") == note
    assert kirkpatrick_note("benefits / costs" + WHY_EN, "en") == "benefits / costs" + WHY_EN


def test_a_note_of_no_known_shape_is_left_as_it_is():
    assert kirkpatrick_note("a later lever's note", "zh") == "a later lever's note"
    assert kirkpatrick_note(None, "zh") is None
    assert roi_basis("benefits = something else", "zh") == "benefits = something else"


def test_roi_basis_in_both_languages():
    assert roi_basis(BASIS_EN, "en") == (
        "benefits = DiD revenue effect 66,448.56 per rep-month × 12 months × 9 trained reps × margin 1; "
        "costs = 3 Selling skills sessions in cohort months 2025-06, 2025-10, 2026-03"
    )
    assert roi_basis(BASIS_EN, "zh").startswith("收益 = DiD 营收效应 每人每月 66,448.56 × 12 个月")


@given(
    t=st.floats(-1e4, 1e4, allow_nan=False),
    df=st.integers(1, 10_000),
    p=st.sampled_from(["p < 0.001", "p = 0.042", "p = 1.000"]),
)
def test_a_paired_note_reads_back_to_its_fields(t, df, p):
    """Whatever the numbers, the zh note carries the same t, df and p as the English one."""
    english = label("kirk_note_paired", "en").format(t=f"{t:.2f}", df=df, p=p)
    assert kirkpatrick_note(english, "en") == english
    assert kirkpatrick_note(english, "zh") == f"配对 t 检验：t = {t:.2f}，自由度 = {df}，{p}"


def test_data_quality_messages_from_the_rows_fields():
    hidden = {"kind": "file_skipped", "count": 0, "message": "/data/.complete: not read: a hidden file"}
    assert dq_message(hidden, "zh") == "/data/.complete：未读取：隐藏文件"
    assert dq_message(hidden, "en") == hidden["message"]
    readme = {
        "kind": "file_skipped",
        "count": 0,
        "message": "/data/README.md: not read: a README (notes about the folder)",
    }
    assert dq_message(readme, "zh") == "/data/README.md：未读取：README 说明文件（关于该文件夹的说明）"
    # a row check: said from kind, count and column (the message's own singular is English only)
    one = {
        "kind": "missing_value",
        "count": 1,
        "column": "customer_id",
        "message": "o.csv: 1 row has no customer_id (kept)",
    }
    assert dq_message(one, "zh") == "o.csv：1 行没有 客户编号（已保留）"
    many = {
        "kind": "zero_amount",
        "count": 1200,
        "column": "amount",
        "message": "o.csv: 1200 orders have a zero amount",
    }
    assert dq_message(many, "zh") == "o.csv：1,200 笔订单金额为零"
    closest = {
        "kind": "file_skipped",
        "count": 0,
        "message": "x.csv: not a recognised table or export (columns a, b …); closest profile hubspot_deals",
    }
    assert (
        dq_message(closest, "zh")
        == "x.csv：不是可识别的数据表或导出文件（列 a, b …）；最接近的格式为 hubspot_deals"
    )
    note = {"kind": "read_note", "count": 0, "message": "o.xlsx: skipped 2 row(s) before the header"}
    assert dq_message(note, "zh") == "o.xlsx：跳过表头前的 2 行"
    absent = {
        "kind": "read_note",
        "count": 0,
        "message": "o.csv: the header names 5 columns but every row has 4 fields: region read as absent",
    }
    assert dq_message(absent, "zh") == "o.csv：表头列出 5 列，但每行只有 4 个字段：region 按缺失读取"
    skipped = {
        "kind": "duplicate_check_skipped",
        "count": 0,
        "message": "12,000,000 rows: the duplicate-row check was skipped (above data.dup_check_max_rows = 5,000,000)",
    }
    assert (
        dq_message(skipped, "zh")
        == "12,000,000 行：未做重复行检查（超过 data.dup_check_max_rows = 5,000,000）"
    )
    untrusted = {
        "kind": "snapshot_untrusted",
        "count": 0,
        "message": "/o/2026-10/inputs/_snapshot.json: not trusted (its files differ from those its run recorded); "
        "every file was validated",
    }
    assert dq_message(untrusted, "zh") == (
        "/o/2026-10/inputs/_snapshot.json：不可信（其文件与运行记录的不一致）；所有文件已逐一校验"
    )
    unknown = {
        "kind": "dropped_row",
        "count": 2,
        "message": "o.csv: dropped (invalid_rows: drop): 2 rows are empty",
    }
    assert dq_message(unknown, "zh") == unknown["message"]  # not yet said in Chinese: left as it is


def test_the_presentation_layer_says_them_in_the_run_language():
    roi = pd.DataFrame({"period": ["2026-10"], "category": ["sales_skills"], "basis": [BASIS_EN]})
    shown = display_frame(roi, "training_roi", language="zh")
    assert shown.iloc[0, -1].startswith("收益 = DiD 营收效应")
    followup = pd.DataFrame(
        {
            "period": ["2026-10"] * 2,
            "trigger": ["purchase"] * 2,
            "rep_id": ["R001", "all"],
            "triggers": [3, 5],
        }
    )
    for language, everyone in (("zh", "全体销售"), ("en", "All reps")):
        shown = display_frame(followup, "feedback_customer_followup", language=language)
        assert shown.iloc[:, 2].tolist() == ["R001", everyone]
    assert followup["rep_id"].tolist() == ["R001", "all"]  # the published frame is not changed


def test_every_template_field_is_in_both_languages():
    """A zh sentence says every number of the English one (no field lost in translation)."""
    import re

    from sales_analytics.report.prose_text import _DQ_KINDS, _DQ_TEMPLATES, _DQ_WHY, _KIRKPATRICK

    keys = [
        *_KIRKPATRICK,
        "roi_basis",
        "kirk_note_roi_why",
        *_DQ_TEMPLATES,
        *_DQ_WHY,
        *(f"dq_msg_{k}" for k in _DQ_KINDS),
    ]
    keys.append("dq_msg_duplicate_check_skipped")
    for key in keys:
        fields = {lang: set(re.findall(r"\{(\w+)\}", label(key, lang))) for lang in ("zh", "en")}
        assert fields["zh"] == fields["en"], key
        assert label(key, "zh") != key


@pytest.mark.parametrize("language", ["zh", "en"])
def test_sentence_text_leaves_other_values(language):
    assert sentence_text(3.5, ["kirk_note_bcr"], language) == 3.5
    assert sentence_text("benefits / costs", ["kirk_note_bcr"], language) == label("kirk_note_bcr", language)


def test_the_loaders_skipped_file_messages_read_in_chinese(tmp_path):
    """The real loader's sentences (not copies of them) match the templates: each reason reads in
    Chinese after the file's path, with no English word left beyond the path and the labels' terms."""
    import re

    import sales_analytics as sa

    for name in (".complete", "README.md", "_notes.txt", "~$orders.xlsx", "x.pdf"):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "mystery.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    quality = sa.check_data(tmp_path).quality
    assert len(quality) == 7 and set(quality["kind"]) == {"file_skipped"}
    for row in quality.to_dict("records"):
        said = dq_message(row, "zh")
        path, _, rest = said.partition("：")
        assert path.startswith(str(tmp_path)) and rest, said
        # left in Latin letters: only the labels' own terms (README, Office, Excel/WPS), file types, columns
        words = set(re.findall(r"[A-Za-z]{2,}", re.sub(r"\.\w+", "", rest)))
        assert words <= {"README", "Office", "Excel", "WPS"}, said
        assert dq_message(row, "en") == row["message"]


def test_every_input_column_has_a_label_so_a_finding_never_names_a_raw_column():
    from sales_analytics.io.schemas import TABLE_SCHEMAS
    from sales_analytics.report.labels import all_labels
    from sales_analytics.vocabulary import LANGUAGES

    labels = all_labels()
    unlabelled = [
        f"{table}.{column.name}"
        for table, schema in TABLE_SCHEMAS.items()
        for column in schema.columns
        if column.name not in labels or not all(labels[column.name].get(lang) for lang in LANGUAGES)
    ]
    assert unlabelled == []
    dated = {
        "kind": "missing_value",
        "count": 2,
        "column": "order_date",
        "message": "o.csv: 2 rows have no order_date (kept)",
    }
    assert dq_message(dated, "zh") == "o.csv：2 行没有 下单日期（已保留）"
