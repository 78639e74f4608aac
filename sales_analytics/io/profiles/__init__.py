"""Source profiles: which layout a file has, and the column map that reads it.

A profile is a :class:`~sales_analytics.io.columns.ColumnMap` (plus, for chat
exports, a finishing step). :func:`detect_profile` picks one from a file's
headers: canonical column names first (when the file is named after its
table), then the built-in profiles and user column maps by the most specific
``detect`` header group that is fully present.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from sales_analytics.io.columns import ColumnMap
from sales_analytics.io.profiles.chat import CHAT_PROFILES, finish_pywxdump, finish_wechatmsg, finish_wecom
from sales_analytics.io.profiles.fxiaoke import FXIAOKE_PROFILES
from sales_analytics.io.profiles.western import WESTERN_PROFILES
from sales_analytics.io.profiles.zoho import ZOHO_PROFILES
from sales_analytics.io.schemas import TABLE_SCHEMAS, schema_for

__all__ = ["CANONICAL", "PROFILES", "Detected", "closest_profile", "detect_profile", "list_profiles"]

CANONICAL = "canonical"

#: Every built-in profile by name.
PROFILES: dict[str, ColumnMap] = {
    m.name: m for m in [*ZOHO_PROFILES, *FXIAOKE_PROFILES, *CHAT_PROFILES, *WESTERN_PROFILES]
}

FINISHERS: dict[str, Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]] = {
    "wecom_archive": finish_wecom,
    "wechatmsg": finish_wechatmsg,
    "pywxdump": finish_pywxdump,
    "pywxdump_v1": finish_pywxdump,
}


@dataclass(frozen=True)
class Detected:
    """A detection result: the profile name, the table it feeds, the column map (None = canonical)."""

    profile: str
    table: str
    column_map: ColumnMap | None


def list_profiles() -> pd.DataFrame:
    """The built-in profiles: ``profile, table, description, detect``.

    >>> "zoho_deals" in set(list_profiles()["profile"])
    True
    """
    rows = [
        {
            "profile": CANONICAL,
            "table": "(file name)",
            "description": "our own column names",
            "detect": "file named <table>.csv/.xlsx/.parquet/.json with the required columns",
        }
    ]
    rows += [
        {
            "profile": m.name,
            "table": m.table,
            "description": m.description,
            "detect": " | ".join(" + ".join(g) for g in m.detect_groups()),
        }
        for m in PROFILES.values()
    ]
    return pd.DataFrame(rows)


def canonical_table_of(stem: str) -> str | None:
    """The canonical table a file name stands for (``orders``, ``orders_2026-03``, ``survey_pulse``)."""
    low = stem.lower()
    if low in TABLE_SCHEMAS or low.startswith("survey_"):
        return low
    for name in sorted(TABLE_SCHEMAS, key=len, reverse=True):
        if low.startswith(name + "_") or low.startswith(name + "-") or low.startswith(name + "."):
            return name
    return None


def _norm(columns: Iterable[object]) -> set[str]:
    return {str(c).strip().casefold() for c in columns}


def detect_profile(
    columns: Iterable[object], stem: str = "", extra: Iterable[ColumnMap] = (), table: str | None = None
) -> Detected | None:
    """Which profile reads a file with these headers (None when nothing matches).

    ``table`` restricts the choice to profiles feeding that table; ``extra``
    are user column maps with ``detect`` headers.

    >>> detect_profile(["Record Id", "Deal Name", "Stage", "Deal Owner.id"]).profile
    'zoho_deals'
    >>> detect_profile(["order_id", "order_date", "customer_id", "rep_id", "amount"], "orders").profile
    'canonical'
    """
    cols = list(columns)
    have = _norm(cols)
    canon = table or canonical_table_of(stem)
    if canon is not None and canon in TABLE_SCHEMAS or (canon or "").startswith("survey_"):
        needed = _norm(schema_for(canon).required)  # type: ignore[arg-type]
        if needed <= have:
            return Detected(CANONICAL, canon, None)  # type: ignore[arg-type]
    best: tuple[int, ColumnMap] | None = None
    for cmap in [*extra, *PROFILES.values()]:
        if table is not None and cmap.table != table:
            continue
        for group in cmap.detect_groups():
            if _norm(group) <= have and (best is None or len(group) > best[0]):
                best = (len(group), cmap)
    if best is None:
        return None
    return Detected(best[1].name, best[1].table, best[1])


def closest_profile(columns: Iterable[object], extra: Iterable[ColumnMap] = ()) -> str:
    """The profile whose header group a file comes closest to, said for a person (``""`` if none is near).

    >>> closest_profile(["Deal Name", "Amount", "Owner"])
    'zoho_deals (has Deal Name; lacks Stage)'
    """
    cols = list(columns)
    have = _norm(cols)
    best: tuple[float, int, ColumnMap, list[str]] | None = None
    for cmap in [*extra, *PROFILES.values()]:
        for group in cmap.detect_groups():
            hit = [g for g in group if g.strip().casefold() in have]
            if not hit:
                continue
            score = (len(hit) / len(group), len(group))
            if best is None or score > best[:2]:
                best = (score[0], score[1], cmap, group)
    if best is None:
        return ""
    _, _, cmap, group = best
    present = [g for g in group if g.strip().casefold() in have]
    absent = [g for g in group if g.strip().casefold() not in have]
    return f"{cmap.name} (has {', '.join(present)}; lacks {', '.join(absent)})"
