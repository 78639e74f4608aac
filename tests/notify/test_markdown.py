"""Digest markdown: within each platform's limit, split and shortened deterministically."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sales_analytics.notify.markdown import LIMITS, fit


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def test_short_digest_is_one_message():
    assert fit("标题", [["### A", "1. 张伟 ¥50.0万"]], 4096) == ["## 标题\n\n### A\n1. 张伟 ¥50.0万"]


def test_long_digest_is_split_between_sections_with_part_numbers():
    # 3 sections of 40 lines × 30 bytes ("1. " + 9 CJK chars × 3 bytes) ≈ 1.2 KB each; limit 2000 bytes:
    # two sections never fit together (2.4 KB > 2 KB), so each is its own message.
    section = ["### 榜单"] + ["1. " + "张" * 9] * 40
    parts = fit("战报", [section, section, section], 2000)
    assert len(parts) == 3
    assert [p.splitlines()[0] for p in parts] == ["## 战报 (1/3)", "## 战报 (2/3)", "## 战报 (3/3)"]
    assert all(_bytes(p) <= 2000 for p in parts)


def test_an_overlong_line_is_cut_with_an_ellipsis():
    (only,) = fit("T", [["长" * 3000]], 4096)
    assert _bytes(only) <= 4096 and only.endswith("…")


@settings(max_examples=60, deadline=None)
@given(
    sections=st.lists(
        st.lists(
            st.text(alphabet="ab张伟华东 ¥.%0123456789", min_size=0, max_size=400), min_size=1, max_size=12
        ),
        min_size=1,
        max_size=12,
    ),
    kind=st.sampled_from(["wecom", "dingtalk", "feishu"]),
)
def test_every_part_is_within_the_limit_and_nothing_is_lost(sections, kind):
    limit = LIMITS[kind] if kind != "feishu" else 3000
    parts = fit("月度战报", sections, limit)
    assert all(_bytes(p) <= limit for p in parts)
    assert parts == fit("月度战报", sections, limit)  # deterministic
    body = "\n".join(p.split("\n\n", 1)[1] if "\n\n" in p else "" for p in parts)
    for section in sections:
        for line in section:
            if line.strip():
                assert line.rstrip() in body  # short lines are never cut
