"""Shared allowed values are declared once: the languages, statuses and roles in ``vocabulary.py``,
the view pages in ``views/__init__.py``. A second copy anywhere in the package source fails here,
naming its line."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from sales_analytics.views import PAGE_NAMES
from sales_analytics.vocabulary import (
    ACTIVITY_KINDS,
    AFTER_EARNED_LINES,
    DEAL_STATUSES,
    DEFAULT_LANGUAGE,
    FEEDBACK_STATUSES,
    LANGUAGE_NAMES,
    LANGUAGES,
    ORDER_STATUSES,
    PACING_STATUSES,
    ROLES,
    RUN_STATUSES,
)

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sales_analytics"


def _strings(nodes: list[ast.expr]) -> set[str]:
    return {n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _language_copies(source: str) -> list[tuple[int, str]]:
    """Lines that declare the languages again: a tuple, list, set or ``Literal[...]`` holding every
    language code (alone or among other keys), a table of pairs keyed by every code (language
    names), or an expression choosing "the other language" between two codes."""
    codes = set(LANGUAGES)
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            if codes <= _strings(node.elts):
                found.append((node.lineno, "the language codes"))
            elif node.elts and all(isinstance(e, ast.Tuple) for e in node.elts):
                keys = {v for e in node.elts if isinstance(e, ast.Tuple) for v in _strings(e.elts[:2])}
                if codes <= keys:
                    found.append((node.lineno, "a table keyed by the language codes"))
        elif isinstance(node, ast.IfExp) and _strings([node.body]) | _strings([node.orelse]) == codes:
            found.append((node.lineno, "the other language"))
    return found


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ('if language not in ("zh", "en"):\n    pass\n', 1),
        ("LANGS = ['en', 'zh']\n", 1),
        ('keys = {"lever", "title", "zh", "en", "columns"}\n', 1),
        ('Language = Literal["zh", "en"]\n', 1),
        ('x = 1\nfor code, text in (("zh", "中文"), ("en", "English")):\n    pass\n', 2),
        ('options = [("中文", "zh"), ("English", "en")]\n', 1),
        ('other = "en" if language == "zh" else "zh"\n', 1),
    ],
)
def test_the_scan_finds_each_form_of_a_second_declaration(source, line):
    assert [n for n, _ in _language_copies(source)] == [line]


@pytest.mark.parametrize(
    "source",
    [
        'label("view_busy", "zh")\n',  # one language named where it is used
        'texts = {"zh": "无", "en": "none"}\n',  # text in each language
        'cols = [("segment", "zh"), ("contest", "code")]\n',
        'unit = "元" if language == "zh" else currency\n',
    ],
)
def test_the_scan_leaves_uses_of_one_language_alone(source):
    assert _language_copies(source) == []


def test_the_languages_are_declared_only_in_the_vocabulary():
    copies = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "vocabulary.py"
        for line, what in _language_copies(path.read_text(encoding="utf-8"))
    ]
    assert copies == [], "import LANGUAGES / Language / LANGUAGE_NAMES from sales_analytics.vocabulary"
    assert set(LANGUAGE_NAMES) == set(LANGUAGES) and DEFAULT_LANGUAGE in LANGUAGES


def test_the_other_allowed_values_are_declared_only_in_the_vocabulary():
    """Pacing statuses, access roles, run statuses, order, deal and feedback statuses, activity kinds and the
    statement lines after the earned commission: no second list holding all of them. (The
    groupings ``rep_id``/``team`` are left out: they are column lists everywhere.)"""
    declared = {
        "PACING_STATUSES": PACING_STATUSES,
        "ROLES": ROLES,
        "RUN_STATUSES": RUN_STATUSES,
        "ORDER_STATUSES": ORDER_STATUSES,
        "DEAL_STATUSES": DEAL_STATUSES,
        "FEEDBACK_STATUSES": FEEDBACK_STATUSES,
        "ACTIVITY_KINDS": ACTIVITY_KINDS,
        "AFTER_EARNED_LINES": AFTER_EARNED_LINES,
    }
    assert _copies_of(set(ROLES), 'choices=["director", "team_lead", "rep", "viewer"]\n') == [1]
    copies = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "vocabulary.py"
        for name, values in declared.items()
        for line in _copies_of(set(values), path.read_text(encoding="utf-8"))
    ]
    assert copies == [], "import it from sales_analytics.vocabulary"


def _copies_of(values: set[str], source: str) -> list[int]:
    """Lines of a tuple, list, set or ``Literal[...]`` holding every one of ``values``."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Tuple | ast.List | ast.Set) and values <= _strings(node.elts)
    ]


def _page_lists(source: str) -> list[int]:
    """Lines of a tuple, list or set that names three or more view pages (a page list)."""
    pages = set(PAGE_NAMES)
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Tuple | ast.List | ast.Set) and len(_strings(node.elts) & pages) >= 3
    ]


def test_the_view_pages_are_listed_only_in_views_init():
    assert _page_lists('PAGE_ORDER = ("overview", "leaderboard", "rep_scorecard")\n') == [1]
    assert _page_lists('x = ("overview", "period", "language")\n') == []
    copies = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "views" / "__init__.py"
        for line in _page_lists(path.read_text(encoding="utf-8"))
    ]
    assert copies == [], "import PAGE_NAMES from sales_analytics.views (or NAV_PAGES from views.links)"


def test_every_mapping_keyed_by_page_has_exactly_the_pages():
    from sales_analytics.access.web import PAGE_ORDER, PAGE_TABLES
    from sales_analytics.views.home import _HEADLINES
    from sales_analytics.views.links import HOME, NAV_PAGES
    from sales_analytics.views.pages import PAGES

    assert (HOME, *NAV_PAGES) == PAGE_NAMES
    assert tuple(PAGES) == PAGE_NAMES
    assert tuple(_HEADLINES) == NAV_PAGES == PAGE_ORDER
    assert tuple(PAGE_TABLES) == NAV_PAGES
    notebooks = sorted(p.stem for p in (ROOT / "notebooks" / "views").glob("*.ipynb"))
    assert notebooks == sorted(PAGE_NAMES)
    for name in notebooks:  # each page's notebook shows that page
        cells = json.loads((ROOT / "notebooks" / "views" / f"{name}.ipynb").read_text(encoding="utf-8"))[
            "cells"
        ]
        assert any(f'show("{name}")' in "".join(c["source"]) for c in cells if c["cell_type"] == "code"), name


def test_the_views_list_a_bundle_by_the_status_the_run_writes(tmp_path):
    from sales_analytics.views.bundles import list_bundles
    from sales_analytics.vocabulary import RUN_FAILED, RUN_OK, RUN_RUNNING

    # the views once listed "succeeded"/"success"/"ok" while the run writes "ok" (or running/failed)
    for period, status in [("2026-06", RUN_OK), ("2026-07", RUN_RUNNING), ("2026-08", RUN_FAILED)]:
        (tmp_path / period).mkdir()
        (tmp_path / period / "manifest.json").write_text(json.dumps({"status": status}), encoding="utf-8")
    (tmp_path / "2026-09").mkdir()
    (tmp_path / "2026-09" / "manifest.json").write_text(json.dumps({"status": "succeeded"}), encoding="utf-8")
    assert list_bundles(tmp_path) == ["2026-06"]
