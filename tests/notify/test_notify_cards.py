"""喜报 PNGs and the PDF summary: CJK glyphs covered, font embedded, byte-identical across runs."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from sales_analytics.errors import SalesAnalyticsError
from sales_analytics.notify import cards
from sales_analytics.notify.cards import (
    card_png,
    card_texts,
    font_coverage,
    missing_glyphs,
    summary_pdf,
    summary_texts,
)
from sales_analytics.notify.content import Milestone, digest_of, milestones_of
from sales_analytics.report.theme import cjk_font_path
from sales_analytics.views.bundles import open_bundle


def _uncached_png(m, language, org=""):
    cards.card_png.cache_clear()
    return card_png(m, language, org)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_cards_cover_their_glyphs_and_are_byte_identical(outputs, language):
    bundle = open_bundle("2026-10", outputs)
    ms = milestones_of(bundle, language=language, big_deal_amount=300_000)
    assert len(ms) == 6
    cover = font_coverage(str(cjk_font_path()))
    for m in ms:
        text = "".join(card_texts(m, language, "示例销售部"))
        assert any(ord(c) > 0x2E80 for c in text)  # names are Chinese in both languages
        assert [c for c in text if not c.isspace() and ord(c) not in cover] == []
        first, second = _uncached_png(m, language, "示例销售部"), _uncached_png(m, language, "示例销售部")
        assert first == second
        assert first.startswith(b"\x89PNG") and len(first) < 2 * 1024 * 1024
        assert b"tIME" not in first and b"Software" not in first  # no time or version stamp
        assert Image.open(io.BytesIO(first)).size == (600, 800)


def test_the_card_shows_the_text_not_boxes():
    # Rendering with the font drawn over a blank card changes many pixels in the name's band;
    # a missing glyph would draw the same empty box for every character.
    a = Milestone("k", "award", "张伟", "华东一组", "销售冠军", "营收 ¥50.0万", "2026-10")
    b = Milestone("k", "award", "李娜", "华东一组", "销售冠军", "营收 ¥50.0万", "2026-10")
    band = (100, 260, 500, 340)  # the name's line (y ≈ 0.62 of 800 px from the bottom)
    img_a = np.asarray(Image.open(io.BytesIO(_uncached_png(a, "zh"))).convert("L").crop(band), dtype=int)
    img_b = np.asarray(Image.open(io.BytesIO(_uncached_png(b, "zh"))).convert("L").crop(band), dtype=int)
    assert int((abs(img_a - img_b) > 40).sum()) > 500


def test_a_character_the_font_lacks_is_an_error_not_a_box():
    assert missing_glyphs("喜报𓀀") == ["𓀀"]
    m = Milestone("k", "award", "𓀀", "", "销售冠军", "", "2026-10")
    with pytest.raises(SalesAnalyticsError, match="has no glyph for '𓀀'"):
        _uncached_png(m, "zh")


def test_summary_pdf_is_one_page_with_the_cjk_font_embedded_and_stable(outputs):
    d = digest_of(open_bundle("2026-10", outputs))
    series = [("2026-09", 1_110_000.0), ("2026-10", 1_120_000.0)]
    first, second = summary_pdf(d, series), summary_pdf(d, series)
    assert first == second
    assert first.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", first)) == 1
    assert b"/FontFile2" in first  # TrueType font program embedded (fonttype 42)
    assert b"WenQuanYi" in first or b"Noto" in first
    assert b"CreationDate" not in first
    texts = "".join(summary_texts(d))
    assert "张伟" in texts and missing_glyphs(texts) == []
