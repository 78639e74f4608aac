import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from sales_analytics.report import labels as labels_module
from sales_analytics.report.labels import label, label_columns
from sales_analytics.report.theme import FontMissingError, cjk_font_path, use_theme


def test_chinese_glyphs_render_without_missing_glyph_warnings(tmp_path):
    use_theme()
    fig, ax = plt.subplots()
    ax.set_title("华东一组 营收完成率 −5%")
    ax.bar(["张伟", "李娜"], [1, 2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(tmp_path / "c.png")
    plt.close(fig)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []


def test_font_missing_is_a_clear_error(monkeypatch):
    cjk_font_path.cache_clear()
    monkeypatch.setattr("sales_analytics.report.theme.CANDIDATE_FONTS", ("/nonexistent/font.ttc",))
    monkeypatch.delenv("SALES_ANALYTICS_CJK_FONT", raising=False)
    with pytest.raises(FontMissingError, match="apt-get install fonts-wqy-microhei"):
        cjk_font_path()
    cjk_font_path.cache_clear()


def test_labels_both_languages_and_fallback():
    import pandas as pd

    assert label("attainment", "zh") == "完成率"
    assert label_columns(pd.DataFrame(columns=["team", "x"]), "en").columns.tolist() == ["Team", "x"]
    with pytest.raises(ValueError, match="language must be one of"):
        label("team", "fr")


def test_conflicting_label_definitions_are_an_error(tmp_path, monkeypatch):
    from sales_analytics.errors import ConfigError

    (tmp_path / "a.yaml").write_text("team: {zh: 团队, en: Team}\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("team: {zh: 小组, en: Team}\n", encoding="utf-8")
    monkeypatch.setattr(labels_module, "LABEL_DIR", tmp_path)
    labels_module.all_labels.cache_clear()
    with pytest.raises(ConfigError, match="also defined, differently, in a.yaml"):
        labels_module.all_labels()
    labels_module.all_labels.cache_clear()


def test_every_shipped_label_file_is_valid():
    labels_module.all_labels.cache_clear()
    assert len(labels_module.all_labels()) > 10
