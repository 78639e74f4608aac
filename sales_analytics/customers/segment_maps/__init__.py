"""RFM segment maps as data: the three published maps and user-defined ones.

A map file (YAML) names its segments in value order (most valuable first),
with zh/en names, and one of three kinds of rules (docs/formulas.md §6.3):

``regex``
    ``patterns: [{pattern, segment}]`` matched (whole string) against ``R+F``
    (``match: rf``) or ``R+F+M`` (``match: rfm``). A code matched by two
    patterns is an error.
``ranges``
    ``ranges: [{segment, r: [lo, hi], f: [lo, hi], m: [lo, hi]}]``, inclusive,
    walked in order; the **first** match wins (R package ``rfm``).
``codes``
    ``codes: {segment: [555, 554, …]}``; a code listed twice is an error.

A code no rule covers gets ``default`` (e.g. ``others``); without a default
every code must be covered. Each map is compiled once into a 125-entry lookup
table, so assigning a million customers is one array index.

>>> m = load_segment_map("rf_regex")
>>> m.segment_for("553"), m.label("champions", "zh")
('champions', '重要价值客户')
>>> load_segment_map("rfm_r_0_3").segment_for("215")
'others'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field

from sales_analytics.config import StrictModel, load_yaml, validate_model
from sales_analytics.errors import ConfigError
from sales_analytics.vocabulary import check_language

__all__ = [
    "NO_NET_SPEND",
    "Segment",
    "SegmentMap",
    "all_codes",
    "builtin_segment_maps",
    "load_segment_map",
]

MAP_DIR = Path(__file__).resolve().parent
NO_NET_SPEND = "no_net_spend"
_NO_NET_SPEND_LABELS = {"zh": "无净消费（未评分）", "en": "No net spend (not scored)"}


def all_codes() -> list[str]:
    """The 125 RFM codes ``"111"`` … ``"555"`` in lookup-table order.

    >>> codes = all_codes()
    >>> len(codes), codes[0], codes[-1]
    (125, '111', '555')
    """
    return [f"{r}{f}{m}" for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)]


def code_index(r: np.ndarray | int, f: np.ndarray | int, m: np.ndarray | int) -> np.ndarray:
    """Position of each code in :func:`all_codes` (scores are 1-5 integers)."""
    return (
        (np.asarray(r, dtype=np.int64) - 1) * 25
        + (np.asarray(f, dtype=np.int64) - 1) * 5
        + (np.asarray(m, dtype=np.int64) - 1)
    )


# ----------------------------------------------------------------- file model
_ID = r"^[a-z][a-z0-9_]*$"


class _Title(StrictModel):
    zh: str
    en: str


class _SegmentSpec(StrictModel):
    id: str = Field(pattern=_ID)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    high_value: bool = False


class _Pattern(StrictModel):
    pattern: str
    segment: str


class _Range(StrictModel):
    segment: str
    r: tuple[int, int]
    f: tuple[int, int]
    m: tuple[int, int]


class _MapFile(StrictModel):
    id: str = Field(pattern=_ID)
    title: _Title
    source: str = ""
    kind: Literal["regex", "ranges", "codes"]
    match: Literal["rf", "rfm"] = "rfm"
    segments: list[_SegmentSpec] = Field(min_length=1)
    patterns: list[_Pattern] = []
    ranges: list[_Range] = []
    codes: dict[str, list[int]] = {}
    default: str | None = None


# ------------------------------------------------------------------ the map
@dataclass(frozen=True)
class Segment:
    """One segment: id, names, value rank (0 = most valuable) and high-value flag."""

    id: str
    zh: str
    en: str
    rank: int
    high_value: bool


@dataclass(frozen=True, eq=False)
class SegmentMap:
    """A compiled segment map: ``lookup[i]`` is the segment id of ``all_codes()[i]``."""

    id: str
    title: dict[str, str]
    source: str
    kind: str
    segments: tuple[Segment, ...]
    lookup: tuple[str, ...]

    def segment_for(self, code: str) -> str:
        """The segment id of one three-digit RFM code such as ``"545"``."""
        if not re.fullmatch(r"[1-5]{3}", str(code)):
            raise ValueError(f"an RFM code is three digits from 1 to 5, e.g. '545'; got {code!r}")
        r, f, m = (int(c) for c in code)
        return self.lookup[int(code_index(r, f, m))]

    @property
    def segment_ids(self) -> list[str]:
        """Segment ids in value order (most valuable first)."""
        return [s.id for s in self.segments]

    @property
    def high_value(self) -> list[str]:
        return [s.id for s in self.segments if s.high_value]

    def rank(self, segment_id: str) -> int:
        """Value rank of a segment (0 = most valuable); unscored customers rank last."""
        for s in self.segments:
            if s.id == segment_id:
                return s.rank
        return len(self.segments)

    def label(self, segment_id: str, language: str = "zh") -> str:
        """The segment's name in ``language`` (``zh`` | ``en``)."""
        check_language(language)
        if segment_id == NO_NET_SPEND:
            return _NO_NET_SPEND_LABELS[language]
        for s in self.segments:
            if s.id == segment_id:
                return getattr(s, language)
        return segment_id

    def codes_of(self, segment_id: str) -> list[str]:
        """Every RFM code the map assigns to ``segment_id``."""
        return [c for c, s in zip(all_codes(), self.lookup) if s == segment_id]


def _compile(spec: _MapFile, file: str) -> SegmentMap:
    ids = [s.id for s in spec.segments]
    issues: list[tuple[str, str]] = []
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        issues.append(("segments", f"segment ids must be unique; repeated: {dupes}"))
    known = set(ids)

    def check_segment(key: str, seg: str) -> None:
        if seg not in known:
            issues.append((key, f"names segment {seg!r}, which is not in 'segments' ({sorted(known)})"))

    if spec.default is not None:
        check_segment("default", spec.default)
    codes = all_codes()
    hits: list[list[str]] = [[] for _ in codes]
    rule_key = {"regex": "patterns", "ranges": "ranges", "codes": "codes"}[spec.kind]
    for other in ("patterns", "ranges", "codes"):
        if other != rule_key and getattr(spec, other):
            issues.append((other, f"is not used by a map of kind {spec.kind!r} (use {rule_key!r})"))
    if not getattr(spec, rule_key):
        issues.append((rule_key, f"a map of kind {spec.kind!r} needs at least one rule here"))

    if spec.kind == "regex":
        for i, rule in enumerate(spec.patterns):
            check_segment(f"patterns[{i}].segment", rule.segment)
            try:
                rx = re.compile(rule.pattern)
            except re.error as exc:
                issues.append((f"patterns[{i}].pattern", f"is not a valid regular expression: {exc}"))
                continue
            for j, code in enumerate(codes):
                if rx.fullmatch(code[:2] if spec.match == "rf" else code):
                    hits[j].append(rule.segment)
    elif spec.kind == "ranges":
        for i, band in enumerate(spec.ranges):
            check_segment(f"ranges[{i}].segment", band.segment)
            for dim in "rfm":
                lo, hi = getattr(band, dim)
                if not 1 <= lo <= hi <= 5:
                    issues.append(
                        (f"ranges[{i}].{dim}", f"must be [lo, hi] with 1 <= lo <= hi <= 5. Got [{lo}, {hi}]")
                    )
            for j, code in enumerate(codes):
                if not hits[j] and all(
                    getattr(band, d)[0] <= int(c) <= getattr(band, d)[1] for d, c in zip("rfm", code)
                ):
                    hits[j].append(band.segment)  # first match wins
    else:
        for seg, listed in spec.codes.items():
            check_segment(f"codes.{seg}", seg)
            for entry in listed:
                text = str(entry)
                if text not in codes:
                    issues.append((f"codes.{seg}", f"{entry!r} is not an RFM code (three digits 1-5)"))
                    continue
                hits[codes.index(text)].append(seg)

    lookup: list[str] = []
    overlaps, uncovered = [], []
    for code, segs in zip(codes, hits):
        if len(segs) > 1:
            overlaps.append(f"{code} ({' / '.join(segs)})")
        if segs:
            lookup.append(segs[0])
        elif spec.default is not None:
            lookup.append(spec.default)
        else:
            uncovered.append(code)
            lookup.append("")
    if overlaps:
        issues.append(
            (rule_key, f"{len(overlaps)} codes match more than one rule: {', '.join(overlaps[:10])}")
        )
    if uncovered:
        issues.append(
            (
                rule_key,
                f"{len(uncovered)} codes match no rule and there is no 'default': "
                f"{', '.join(uncovered[:20])}",
            )
        )
    if issues:
        raise ConfigError(file, issues=issues)
    segments = tuple(Segment(s.id, s.zh, s.en, i, s.high_value) for i, s in enumerate(spec.segments))
    return SegmentMap(
        spec.id, {"zh": spec.title.zh, "en": spec.title.en}, spec.source, spec.kind, segments, tuple(lookup)
    )


def builtin_segment_maps() -> list[str]:
    """Ids of the maps shipped with the package.

    >>> builtin_segment_maps()
    ['rf_regex', 'rfm_r_0_3', 'rfm_squeezely']
    """
    return sorted(p.stem for p in MAP_DIR.glob("*.yaml"))


def load_segment_map(name_or_file: str | Path) -> SegmentMap:
    """Load a shipped map by id (``rf_regex`` | ``rfm_r_0_3`` | ``rfm_squeezely``) or a YAML file.

    A relative file path is resolved against the project folder
    (:func:`sales_analytics.paths.project_root`). Every problem in the file is
    reported at once in one :class:`~sales_analytics.errors.ConfigError`.
    """
    text = str(name_or_file)
    if text in builtin_segment_maps():
        path = MAP_DIR / f"{text}.yaml"
    elif text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text:
        from sales_analytics import paths

        path = Path(text)
        if not path.is_absolute():
            path = paths.project_root() / path
    else:
        raise ConfigError(
            "<parameters>",
            "customers.segment_map",
            f"must be one of {builtin_segment_maps()} or a YAML file path. Got {text!r} instead",
        )
    data = load_yaml(path)
    spec = validate_model(_MapFile, data, path)
    return _compile(spec, str(path))
