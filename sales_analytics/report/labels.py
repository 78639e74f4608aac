"""Bilingual labels (zh / en) for columns, segments, metrics and chart text.

Labels live in YAML files next to this module, one per lever
(``labels/<lever>.yaml``), each a mapping ``key: {zh: …, en: …}``. Every file
is read once; a key defined twice with different text is an error, so two
levers cannot silently disagree on what a word means.

>>> label("revenue", "zh"), label("revenue", "en")
('营收', 'Revenue')
>>> label("no_such_key", "en")
'no_such_key'
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sales_analytics.config import load_yaml
from sales_analytics.errors import ConfigError
from sales_analytics.vocabulary import LANGUAGES, Language, check_language

if TYPE_CHECKING:  # the views' kernels read labels without loading pandas
    import pandas as pd

__all__ = ["Language", "all_labels", "label", "label_columns"]

LABEL_DIR = Path(__file__).with_name("labels")


@lru_cache(maxsize=1)
def all_labels() -> dict[str, dict[str, str]]:
    """Every label from every ``labels/*.yaml`` file, merged."""
    merged: dict[str, dict[str, str]] = {}
    origin: dict[str, str] = {}
    for path in sorted(LABEL_DIR.glob("*.yaml")):
        data = load_yaml(path)
        for key, texts in data.items():
            if not isinstance(texts, dict) or set(texts) != set(LANGUAGES):
                raise ConfigError(
                    str(path), str(key), f"must map to exactly zh and en texts; found {texts!r}"
                )
            if key in merged and merged[key] != texts:
                raise ConfigError(str(path), str(key), f"is also defined, differently, in {origin[key]}")
            merged[key] = {"zh": str(texts["zh"]), "en": str(texts["en"])}
            origin[key] = path.name
    return merged


def label(key: str, language: str = "zh") -> str:
    """The label of ``key`` in ``language``; the key itself when none is defined."""
    check_language(language)
    texts = all_labels().get(key)
    return texts[language] if texts else key


def label_columns(frame: pd.DataFrame, language: str = "zh") -> pd.DataFrame:
    """A copy of ``frame`` with its column names translated for display."""
    return frame.rename(columns={c: label(c, language) for c in frame.columns})
