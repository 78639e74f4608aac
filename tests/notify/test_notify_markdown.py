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


def test_digest_markdown_of_the_bundle(outputs):
    from sales_analytics.notify.content import digest_of
    from sales_analytics.notify.markdown import digest_markdown, plain_text
    from sales_analytics.views.bundles import open_bundle

    d = digest_of(open_bundle("2026-10", outputs), views_url="https://r.example/")
    (wecom,) = digest_markdown(d, "wecom")
    assert wecom.startswith("## 示例销售部 · 2026-10 月度战报\n\n### 关键指标\n- 营收: **¥112.0万**")
    # ranks as words, never "1." (a markdown list would renumber ties)
    assert "\n- 第1名 张伟（华东一组） ¥50.0万\n" in wecom and "\n1. " not in wecom
    assert wecom.endswith("[查看完整报表](https://r.example/)")
    assert digest_markdown(d, "dingtalk") == [wecom] == digest_markdown(d, "feishu")
    text = plain_text(d)
    assert "**" not in text and "https://r.example/" in text


def test_names_cannot_inject_markup():
    from sales_analytics.notify.content import BoardTop, Digest
    from sales_analytics.notify.markdown import digest_markdown

    board = BoardTop("rep", "revenue", "Reps", rows=((1, "[x](http://evil)", "", "¥1"),))
    d = Digest("2026-10", "en", "", boards=(board,))
    (text,) = digest_markdown(d, "wecom")
    assert "[x](http://evil)" not in text and "\\[x\\](http://evil)" in text
