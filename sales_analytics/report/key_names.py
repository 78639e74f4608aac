"""The name a person reads for a key a table holds (a label key, a survey dimension or item, a segment).

Published tables keep stable codes (``rules_clarity``, ``re_trainer``, ``champions``); whoever shows
them (the report pages, report.xlsx, the views) reads the name through :func:`key_name`:

1. the label of the key (``sales_analytics/report/labels/*.yaml``);
2. else the survey instruments' own names (``surveys/*.yaml``): a dimension's name, an item's
   question, a Kirkpatrick reaction measure (``reaction_<item>``) as "反应：<question>";
3. else the RFM segment maps' names (``customers/segment_maps/*.yaml``);
4. else the key itself.

The instrument and map files are read for their texts only, once per language (the monthly run
validates them); importing the survey or customer levers would load scipy into a view that draws
no chart.

>>> key_name("rules_clarity", "zh"), key_name("rules_clarity", "en")
('制度清晰', 'Rules clarity')
>>> key_name("champions", "zh"), key_name("no_such_key", "en")
('重要价值客户', 'no_such_key')
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from sales_analytics.report.labels import all_labels, label

__all__ = ["key_name", "known_names"]

_LEVEL = re.compile(r"^(.+?)(, α=[0-9.]+)$")  # a statistical test named with its significance level
_SEGMENT_MAPS = Path(__file__).resolve().parents[1] / "customers" / "segment_maps"


def _text(t: object, language: str) -> str | None:
    return t.get(language) if isinstance(t, dict) and isinstance(t.get(language), str) else None


@lru_cache(maxsize=2)
def known_names(language: str) -> dict[str, str]:
    """Survey dimension and item names and RFM segment names in ``language`` (files that cannot be
    read are skipped): ``rules_clarity`` → 制度清晰, ``re_trainer`` and the training measure
    ``reaction_re_trainer`` → the item's question, ``champions`` → 重要价值客户."""
    from sales_analytics import paths
    from sales_analytics.config import load_yaml  # the package's one safe YAML loader
    from sales_analytics.errors import ConfigError

    names: dict[str, str] = {}
    reaction = label("view_reaction_prefix", language)
    for path in sorted(paths.surveys_dir().glob("*.yaml")):
        try:
            doc = load_yaml(path)
        except (OSError, ConfigError):
            continue
        if not isinstance(doc, dict):
            continue
        if doc.get("id") and _text(doc.get("title"), language):
            names.setdefault(str(doc["id"]), str(_text(doc["title"], language)))
        for dim, t in (doc.get("dimensions") or {}).items():
            if _text(t, language):
                names.setdefault(str(dim), str(_text(t, language)))
        for item in doc.get("items") or []:
            if isinstance(item, dict) and "id" in item and _text(item.get("text"), language):
                text = str(_text(item["text"], language))
                names.setdefault(str(item["id"]), text)
                if doc.get("id") == "training_feedback":  # Kirkpatrick level 1: reaction_<item>
                    names.setdefault(f"reaction_{item['id']}", reaction + text)
    for path in sorted(_SEGMENT_MAPS.glob("*.yaml")):
        try:
            doc = load_yaml(path)
        except (OSError, ConfigError):
            continue
        for seg in (doc or {}).get("segments") or [] if isinstance(doc, dict) else []:
            if isinstance(seg, dict) and "id" in seg and isinstance(seg.get(language), str):
                names.setdefault(str(seg["id"]), str(seg[language]))
    return names


def key_name(key: str, language: str = "zh", *, column: str = "") -> str:
    """The name of ``key`` in ``language``: its label, else a survey or segment name, else the key.

    With ``column``, a label ``<column>.<key>`` comes first: a code that means one thing in one
    column (the forecast model ``level``) and another elsewhere (the column ``level``).

    A key ``<kind>:<name>`` whose kind has a label reads "<kind's label>：<name>"; a test named
    with its significance level (``…, α=0.05``) keeps the level after the test's label.

    >>> key_name("level", "en", column="model"), key_name("level", "en")
    ('Level only (short history)', 'Level')
    >>> key_name("category:耗材", "zh", column="tier")
    '品类：耗材'
    >>> key_name("two-sample z on NPS, α=0.05", "zh", column="test")
    'NPS 的双样本 z 检验，α=0.05'
    """
    labels = all_labels()
    level = _LEVEL.match(key)
    if level and column and f"{column}.{level.group(1)}" in labels:  # a test and its level α
        suffix = level.group(2).replace(", ", "，") if language == "zh" else level.group(2)
        return f"{label(f'{column}.{level.group(1)}', language)}{suffix}"
    if column and f"{column}.{key}" in labels:
        return label(f"{column}.{key}", language)
    if key in labels:
        return label(key, language)
    names = known_names(language)
    if key not in names and ":" in key:  # a kind and a name: category:耗材 → 品类：耗材
        kind, _, rest = key.partition(":")
        scoped = f"{column}.{kind}" if column and f"{column}.{kind}" in labels else kind
        if scoped in labels and rest:
            return f"{label(scoped, language)}{'：' if language == 'zh' else ': '}{rest}"
    return names.get(key, key)
