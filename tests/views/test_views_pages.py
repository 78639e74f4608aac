"""The views render from a bundle alone, in both languages, and degrade plainly."""

import json

import ipywidgets as w
import pytest

import sales_analytics.views as views
from sales_analytics.views.pages import PAGES


def _text(widget) -> str:
    parts = []
    if isinstance(widget, w.HTML):
        parts.append(widget.value)
    for attr in ("options", "description"):
        value = getattr(widget, attr, None)
        if value:
            parts.append(str(value))
    for child in getattr(widget, "children", ()):
        parts.append(_text(child))
    return "\n".join(parts)


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_page_renders_without_failure(outputs, page, language):
    app = views.show(page, outputs=outputs, language=language)
    text = _text(app.root)
    assert "could not be shown" not in text and "暂时无法显示" not in text
    assert "Traceback" not in text


def test_language_switch_changes_labels(outputs):
    app = views.show("overview", outputs=outputs, language="zh")
    assert "营收" in _text(app.body)
    app.language_picker.value = "en"
    text = _text(app.body)
    assert "Revenue" in text and "营收" not in text


def test_period_switch_changes_content(outputs):
    app = views.show("overview", outputs=outputs, language="en")
    assert app.period_picker.value == "2026-10"
    now = _text(app.body)
    app.period_picker.value = "2026-09"
    assert _text(app.body) != now
    assert "2026-09-28" in app.status.value


def test_invalid_widget_values_are_refused(outputs):
    app = views.show("overview", outputs=outputs, language="en")
    app.language_picker.value = "en"
    # a value the browser could send that is not on the list: fall back, never open it
    app.period_picker.options = [*app.periods, "../../etc"]
    app.period_picker.value = "../../etc"
    assert "No monthly bundle" in _text(app.body)


def test_no_bundle_page_tells_the_command(tmp_path):
    app = views.show("leaderboard", outputs=tmp_path, language="en")
    assert "sales-analytics run" in _text(app.body)


def test_missing_section_is_said_plainly(tmp_path):
    from bundle_factory import make_bundle

    make_bundle(tmp_path, previous=None, with_surveys=False)
    app = views.show("voice", outputs=tmp_path, language="en")
    assert "This bundle has no" in _text(app.body)


def test_contact_data_never_reaches_a_view(outputs):
    for page in PAGES:
        for language in ("zh", "en"):
            assert "138****1234" not in _text(views.show(page, outputs=outputs, language=language).root)


def test_failing_section_shows_a_note_not_a_traceback(outputs, monkeypatch):
    from sales_analytics.views import snapshot

    def boom(bundle, language):
        raise RuntimeError("secret internals")

    monkeypatch.setitem(PAGES, "overview", ("view_overview", boom))
    shot = snapshot.render_snapshot("overview", "2026-10", "en", outputs)
    text = json.dumps(shot)
    assert shot["failed"] and "could not be shown" in text and "secret internals" not in text
    # a failed page is not kept (it is drawn again next time): 7 pages (home + 6 views) x 2
    # languages - 2 = 12
    assert snapshot.prerender(outputs, ["2026-10"]) == 12
    assert snapshot.load_snapshot(outputs, "2026-10", "overview", "en") is None


def test_rep_picker_accepts_only_listed_reps(outputs):
    app = views.show("rep_scorecard", outputs=outputs, language="en")
    picker = app.body.children[0]
    assert {v for _, v in picker.options} == {"R001", "R002"}
    picker.options = [*picker.options, ("x", "R999")]
    picker.value = "R999"
    assert "not valid" in _text(app.body)


def test_overview_shows_survey_cards_and_voice_masks_small_groups(outputs):
    assert "NPS" in _text(views.show("overview", outputs=outputs, language="en").body)
    voice = _text(views.show("voice", outputs=outputs, language="en").body)
    assert ">eNPS<" in voice  # the metric named by its label, not its key (enps)
    small_team_row = [line for line in voice.split("<tr>") if "华南一组" in line]
    assert small_team_row and "hidden (too few responses)" in small_team_row[0]
    assert ">4<" not in small_team_row[0].replace(" ", "")


def test_survey_names_skip_a_broken_instrument_file(tmp_path, monkeypatch):
    from sales_analytics import paths
    from sales_analytics.views.components import survey_names

    (tmp_path / "a.yaml").write_text(
        "id: training_feedback\ndimensions: {reaction: {zh: 培训反应, en: Reaction}}\n"
        "items:\n  - {id: re_x, text: {zh: 讲得清楚, en: Clear}}\n",
        encoding="utf-8",
    )
    (tmp_path / "b.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    (tmp_path / "c.yaml").write_bytes(b"\xff\xfe not utf-8")
    monkeypatch.setattr(paths, "surveys_dir", lambda: tmp_path)
    survey_names.cache_clear()
    try:
        names = survey_names("en")  # the segment maps' names come too (report/key_names.py)
        assert {k: v for k, v in names.items() if k in ("reaction", "re_x", "reaction_re_x")} == {
            "reaction": "Reaction",
            "re_x": "Clear",
            "reaction_re_x": "Reaction: Clear",
        }
        assert names["champions"] == "Champions" and "training_feedback" not in names  # a has no title
    finally:
        survey_names.cache_clear()
