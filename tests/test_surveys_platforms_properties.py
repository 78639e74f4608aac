"""The survey readers are total: random headers and cells give a table or a DataError, never a traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sales_analytics as sa
from sales_analytics.errors import DataError
from sales_analytics.surveys.importing import normalise_answer, normalise_header, parse_export_times
from sales_analytics.surveys.instruments import load_instrument

REAL = Path(__file__).resolve().parent / "data" / "real" / "surveys"
CSAT = load_instrument(REAL / "instruments" / "sales_csat.yaml")
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# headers: platform columns, item texts, tags and noise; cells: labels, numbers, markers, dates, junk
HEADERS = st.one_of(
    st.sampled_from(
        [
            "序号",
            "提交答卷时间",
            "所用时间",
            "Timestamp",
            "StartDate",
            "RecordedDate",
            "ResponseId",
            "Respondent ID",
            "Collector ID",
            "Completion time",
            "Start time",
            "1、您所在的团队",
            "Which team are you on?",
            "2、您向朋友或同事推荐我们的可能性有多大？",
            "Overall, how satisfied are you with our service?",
            "How would you like to be followed up?",
            "Q1",
            "Q2_1",
            "",
        ]
    ),
    st.text(max_size=12),
)
CELLS = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "(跳过)",
            "(空)",
            "非常满意",
            "Very satisfied.",
            "B.华南组",
            "电话┋微信",
            "Phone;Email, or a letter",
            "其他〖x〗",
            "137秒",
            "2分5秒",
            "2023/9/8 12:24:22",
            "02-Sep-2020 07:44:08",
            "2022/06/22 11:07:29 AM AST",
            '=HYPERLINK("u","t")',
            '{"ImportId":"QID1"}',
            "\t12",
            "East team",
        ]
    ),
    st.integers(-5, 20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10),
)


@st.composite
def frames(draw):
    headers = draw(st.lists(HEADERS, min_size=1, max_size=7))
    rows = draw(st.integers(1, 5))
    data = {}
    if draw(st.booleans()):  # a readable core, so the random columns also meet the success path
        data["Timestamp"] = draw(
            st.lists(
                st.sampled_from(["2024-01-02 10:00:00", "6/22/2022 11:07:29 AM GMT+8"]),
                min_size=rows,
                max_size=rows,
            )
        )
        data["Which team are you on?"] = draw(
            st.lists(st.sampled_from(["East team", "x", "(跳过)"]), min_size=rows, max_size=rows)
        )
        nps = st.one_of(st.integers(0, 10), st.sampled_from(["9分", "(跳过)"]), CELLS)
        data["How likely are you to recommend us to a friend or colleague?"] = draw(
            st.lists(nps, min_size=rows, max_size=rows)
        )
    for i, h in enumerate(headers):
        data[f"{h}" if f"{h}" not in data else f"{h}.{i}"] = draw(
            st.lists(CELLS, min_size=rows, max_size=rows)
        )
    return pd.DataFrame(data)


@SETTINGS
@given(frames())
def test_map_response_columns_is_total(frame):
    try:
        out = sa.map_response_columns(frame, CSAT, file="random.csv")
    except DataError:
        return
    assert list(out.columns[:2]) == ["response_id", "submitted_at"] and len(out) == len(frame)
    assert out["submitted_at"].notna().all()


@SETTINGS
@given(frames(), st.sampled_from(["csv", "xlsx"]))
def test_read_responses_is_total(frame, kind):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export.{kind}"
        if kind == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.astype(object).where(frame.notna(), None).map(
                lambda v: v if not isinstance(v, float) or abs(v) < 1e300 else None
            ).to_excel(path, index=False)
        try:
            out = sa.read_responses(path, CSAT)
        except DataError:
            return
        assert out["response_id"].notna().all()


@SETTINGS
@given(st.lists(st.one_of(st.none(), st.text(max_size=30), st.floats(), st.integers()), max_size=8))
def test_time_and_text_normalisers_are_total(values):
    out = parse_export_times(pd.Series(values, dtype=object), timezone="UTC")
    assert len(out) == len(values)
    for v in values:
        assert isinstance(normalise_header(v), str) and isinstance(normalise_answer(v), str)
