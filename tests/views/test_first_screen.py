"""The first screen of a view as the server writes it from a snapshot (no kernel, no script):
the page, its links and forms, the choices it reads from a request, and escaping. The route in a
running server is probed in test_first_screen_http.py and, in Chromium, test_first_screen_browser.py.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from xss import MARK, PAYLOAD, poison_bundle

from sales_analytics.views import PAGE_NAMES, snapshot
from sales_analytics.views import first_screen as fs


def _snapshot(title: str = "Overview", option_label: str = "Board A") -> dict:
    """A page with a card, a toggle of two boards (the second holding a nested dropdown of reps)."""
    return {
        "page": "leaderboard",
        "period": "2026-10",
        "language": "en",
        "title": title,
        "published": "2026-11-01 08:00:40",
        "body": [
            {"html": '<div class="sa-cards"><div class="sa-card">Revenue 1,000</div></div>'},
            {
                "choice": "toggle",
                "description": "",
                "options": [[option_label, "a"], ["Board B", "b"]],
                "value": "a",
                "bodies": {
                    "a": [{"html": "<p>body of a</p>"}],
                    "b": [
                        {"html": "<p>body of b</p>"},
                        {
                            "choice": "dropdown",
                            "description": "Rep",
                            "options": [["Zhang (R001)", "R001"], ["Li (R002)", "R002"]],
                            "value": "R001",
                            "bodies": {
                                "R001": [{"html": "<p>R001 card</p>"}],
                                "R002": [{"html": "<p>R002 card</p>"}],
                            },
                        },
                    ],
                },
            },
        ],
        "failed": False,
    }


def _page(snapshot_: dict | None = None, **kwargs) -> str:
    args = {"page": "leaderboard", "period": "2026-10", "language": "en", "periods": ["2026-10", "2026-09"]}
    return fs.first_screen_page(snapshot_ or _snapshot(), **{**args, **kwargs})


def test_page_shows_the_snapshot_with_each_choice_at_its_first_option_and_no_script():
    page = _page(live="/voila/render/leaderboard.ipynb")
    assert "<script" not in page.lower()
    assert '<div class="sa-cards">' in page and "body of a" in page
    assert "body of b" not in page and "R001 card" not in page  # bodies of other options: on request
    assert '<span class="sa-here">Board A</span>' in page
    # the other board is a link to this page with the choice (month and language kept)
    assert '<a href="/views/leaderboard?period=2026-10&amp;language=en&amp;c0=b">Board B</a>' in page
    assert '<a class="sa-live-link" href="/voila/render/leaderboard.ipynb">' in page
    # every view, both languages and every published month are reachable from it
    for name in PAGE_NAMES:
        assert f'href="/views/{name}?period=2026-10&amp;language=en"' in page
    assert 'href="/views/leaderboard?period=2026-10&amp;language=zh"' in page
    assert '<option value="2026-09">2026-09</option>' in page and '<option value="2026-10" selected>' in page


def test_choices_from_the_request_pick_bodies_and_nested_choices_keep_the_outer_one():
    page = _page(chosen={0: "b", 1: "R002"})
    assert "body of b" in page and "R002 card" in page and "body of a" not in page
    # the dropdown is a GET form that carries the month, the language and the outer choice
    form = re.search(r'<form class="sa-pick".*?</form>', page).group(0)
    assert '<select name="c1">' in form and '<option value="R002" selected>Li (R002)</option>' in form
    for hidden in ('name="period" value="2026-10"', 'name="language" value="en"', 'name="c0" value="b"'):
        assert hidden in form
    assert 'name="c1" value=' not in form  # its own value comes from the select


def test_a_choice_the_snapshot_does_not_offer_shows_the_invalid_choice_note():
    page = _page(chosen={0: "../../etc/passwd"})
    assert "That choice is not valid." in page
    assert "body of a" not in page and "passwd" not in page


def test_choice_values_reads_only_numbered_choice_arguments():
    args = {"c0": "b", "c12": "R002", "cx": "x", "c": "y", "c12345": "z", "period": "2026-10", "token": "t"}
    assert fs.choice_values(args) == {0: "b", 12: "R002"}


def test_live_url_carries_month_and_language_only_when_they_are_not_the_defaults():
    default = ("2026-10", "zh")
    assert fs.live_url("/", "overview", "2026-10", "zh", default) == "/voila/render/overview.ipynb"
    assert (
        fs.live_url("/base/", "voice", "2026-09", "en", default)
        == "/base/voila/render/voice.ipynb?period=2026-09&language=en"
    )


@given(st.text(min_size=1, max_size=40))
def test_text_from_a_snapshot_is_escaped(text):
    """Titles, option labels and descriptions are text (ipywidgets shows them as text): escaped."""
    page = _page(_snapshot(title=text + PAYLOAD, option_label=text + PAYLOAD))
    assert PAYLOAD not in page
    assert page.count("&lt;img src=x onerror=") >= 3  # the <title>, the heading, the toggle label


def test_a_script_left_in_a_drawn_fragment_is_defused():
    shot = _snapshot()
    shot["body"].append({"html": "<script>window.__xss=1</script>"})
    page = _page(shot)
    assert "<script" not in page and "&lt;script>window.__xss=1&lt;/script>" in page


def test_the_default_source_reads_the_servers_outputs(monkeypatch, outputs):
    monkeypatch.setenv("SALES_ANALYTICS_OUTPUTS", str(outputs))
    source = fs.snapshot_source(identity=None)
    assert source.outputs == outputs.resolve()
    assert source.periods() == ["2026-10", "2026-09"]
    assert source.load("2026-10", "overview", "zh") is None  # not drawn yet
    snapshot.prerender(outputs, ["2026-10"])
    assert source.load("2026-10", "overview", "zh")["title"] == "总览"


@pytest.mark.parametrize(
    ("env", "expected"),
    [({}, ("2026-10", "zh")), ({"SALES_ANALYTICS_VIEW_PERIOD": "2026-09", "SALES_ANALYTICS_VIEW_LANGUAGE": "en"}, ("2026-09", "en")),
     ({"SALES_ANALYTICS_VIEW_PERIOD": "1999-01", "SALES_ANALYTICS_VIEW_LANGUAGE": "fr"}, ("2026-10", "zh"))],
)  # fmt: skip
def test_default_view_follows_serve_period_and_language(monkeypatch, env, expected):
    monkeypatch.delenv("SALES_ANALYTICS_VIEW_PERIOD", raising=False)
    monkeypatch.delenv("SALES_ANALYTICS_VIEW_LANGUAGE", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert fs.default_view(["2026-10", "2026-09"]) == expected
    assert fs.default_view([])[0] is None


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_first_screen_escapes_a_payload_in_every_text_column(outputs, language):
    """The hand-made bundle poisoned in every text column: no first screen holds a tag of the
    payload, and the payload is shown as text."""
    poison_bundle(outputs / "2026-10")
    snapshot.prerender(outputs, ["2026-10"])
    source = fs.SnapshotSource(outputs)
    shown = 0
    for page in PAGE_NAMES:
        text = fs.first_screen_page(
            source.load("2026-10", page, language), page=page, period="2026-10", language=language,
            periods=source.periods(),
        )  # fmt: skip
        assert not re.search(r"<(img|script|svg|a)\b[^>]*(onerror|onload|javascript:)", text), page
        shown += text.count("&lt;img src=x onerror=")
    assert shown >= 5
    assert MARK not in text


def test_requested_month_and_language_reach_a_live_kernel_checked():
    """A live view opened from a first screen gets ``?period=…&language=…`` as its kernel's
    QUERY_STRING; anything else in it is ignored, and so is a query with too many fields."""
    from sales_analytics.views.links import requested

    assert requested("period=2026-09&language=en&path=../../x") == ("2026-09", "en")
    assert requested("&".join(f"k{i}=v" for i in range(50))) == (None, None)
    assert requested(None) == (None, None)
