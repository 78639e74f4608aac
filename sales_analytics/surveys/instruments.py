"""Survey instruments: the YAML files under ``surveys/`` validated into typed models.

An instrument file names the survey (``id``, bilingual ``title``), who answers it
(``audience``, ``anonymous``), how often it is fielded (``frequency``), the
grouping columns its response table carries, the dimensions (with zh/en names)
and its items. Each item has an ``id`` (the column name in the response table),
a bilingual ``text`` (the question as shown to respondents; the importer
matches export headers against it), a ``type`` and, by type:

========== ==========================================================
likert     ``scale: {min, max}`` required; ``reverse``; ``dimension``
nps        0–10 by default; ``buckets`` required for any other scale
csat       1–5 by default, ``top_box`` 4 (answers of 4 or 5)
ces        1–7 by default, ``top_box`` 5 (answers 5–7, higher = easier)
single_choice / multi_choice   ``options: [{value, zh, en}]``
open_text  free text (comments, suggestions)
========== ==========================================================

For platform exports: ``group_sources`` says where a grouping column comes
from when the export has none (a ``question``, a hidden ``field`` or a
``roster`` lookup), numeric items may list answer ``labels`` or a shared
``label_set`` and ``codes`` (the numbers a 按选项序号 download writes), options
may have a ``code`` and ``aliases``, and ``timezone`` is the zone of export
times written without one (see ``docs/surveys.md``).

``outcome`` names the item that key-driver analysis explains;
``anonymity_threshold`` and ``comment_threshold`` override the parameters for
this instrument. Every problem found is reported at once as one
:class:`~sales_analytics.errors.ConfigError` naming the file and the key.

>>> inst = load_instrument(paths.surveys_dir() / "customer_satisfaction.yaml")
>>> inst.id, inst.item("nps").bounds, inst.outcome
('customer_satisfaction', (0, 10), 'nps')
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from sales_analytics import paths
from sales_analytics.config import StrictModel, load_yaml, validate_model
from sales_analytics.errors import ConfigError

__all__ = [
    "GroupSource",
    "Instrument",
    "Roster",
    "instrument_from_dict",
    "load_instrument",
    "instruments_folder",
    "load_instruments",
]

log = logging.getLogger(__name__)

ITEM_TYPES = ("likert", "nps", "csat", "ces", "single_choice", "multi_choice", "open_text")
NUMERIC_TYPES = ("likert", "nps", "csat", "ces")
GROUP_COLUMNS = ("customer_id", "rep_id", "team", "session_id")
_DEFAULT_SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
_DEFAULT_TOP_BOX = {"csat": 4, "ces": 5}
_ID_PATTERN = r"^[a-z][a-z0-9_]{0,40}$"


class Text(StrictModel):
    """A text in both report languages."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def __call__(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


class Scale(StrictModel):
    """Inclusive bounds of a rating scale."""

    min: int
    max: int

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must be greater than min ({self.min})")
        return self


class Option(StrictModel):
    """One answer option of a choice item: the stored value and its labels."""

    value: str = Field(min_length=1)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    code: int | None = Field(
        None, description="the number a 按选项序号 / 按分数 download writes (default: position)"
    )
    aliases: list[str] = Field(default_factory=list, description="other answer texts meaning this option")


class Buckets(StrictModel):
    """NPS/eNPS buckets as inclusive ``[low, high]`` ranges of the scale."""

    detractor: tuple[int, int]
    passive: tuple[int, int]
    promoter: tuple[int, int]


class Item(StrictModel):
    """One question of an instrument (see the module docstring for the keys by type)."""

    id: str = Field(pattern=_ID_PATTERN)
    text: Text
    type: Literal["likert", "nps", "csat", "ces", "single_choice", "multi_choice", "open_text"]
    scale: Scale | None = None
    reverse: bool = False
    dimension: str | None = None
    options: list[Option] | None = None
    buckets: Buckets | None = None
    top_box: int | None = None
    required: bool = True
    aliases: list[str] = Field(default_factory=list, description="other header texts seen in exports")
    labels: dict[int, str | list[str]] = Field(
        default_factory=dict, description="answer labels of a numeric item: value -> label(s)"
    )
    label_set: str | None = Field(None, description="a named entry of the instrument's label_sets")
    codes: dict[int, int] = Field(
        default_factory=dict, description="numbers the platform writes -> the item's values (按选项序号)"
    )

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def bounds(self) -> tuple[int, int]:
        """``(min, max)`` of a numeric item's scale (defaults by type)."""
        if self.scale is not None:
            return self.scale.min, self.scale.max
        if self.type in _DEFAULT_SCALES:
            return _DEFAULT_SCALES[self.type]
        raise ValueError(f"item {self.id!r} of type {self.type} has no scale")

    @property
    def nps_buckets(self) -> Buckets:
        """The item's buckets, or the standard 0–6 / 7–8 / 9–10 on a 0–10 scale."""
        if self.buckets is not None:
            return self.buckets
        return Buckets(detractor=(0, 6), passive=(7, 8), promoter=(9, 10))

    @property
    def top_box_from(self) -> int:
        """Lowest answer counted in the top box (csat 4, ces 5, likert the top two points)."""
        if self.top_box is not None:
            return self.top_box
        if self.type in _DEFAULT_TOP_BOX:
            return _DEFAULT_TOP_BOX[self.type]
        return self.bounds[1] - 1

    def option_values(self) -> list[str]:
        return [o.value for o in self.options or []]


class Roster(StrictModel):
    """A lookup of a grouping column through a table: the export's key column -> the roster's column."""

    table: str = Field("", description="a canonical table of the data folder (reps, customers)")
    file: str = Field("", description="or a CSV/XLSX file (relative to the data folder or the instrument)")
    key: str = Field(min_length=1, description="the roster column holding the key (email, phone, rep_name …)")
    by: str = Field(min_length=1, description="the export header holding the key (or 'response_id')")
    take: str = Field("", description="the roster column giving the group value ('' = the grouping column)")

    @model_validator(mode="after")
    def _one_source(self) -> Roster:
        if bool(self.table) == bool(self.file):
            raise ValueError("give exactly one of `table` or `file`")
        return self


class GroupSource(StrictModel):
    """Where a grouping column comes from when the export has no such column.

    Exactly one of ``question`` (a question asking for it, e.g. 您所在的团队),
    ``field`` (a hidden / URL / embedded-data column of the export),
    ``roster`` (a lookup through a table) or ``value`` (one value for the whole
    file, e.g. a form sent to one team only); ``values`` maps answers to group values.
    """

    question: Text | None = None
    field: str | None = None
    value: str | None = Field(None, min_length=1)
    aliases: list[str] = Field(default_factory=list, description="other header texts of the question/field")
    values: dict[str, str] = Field(default_factory=dict, description="answer -> group value")
    roster: Roster | None = None

    @model_validator(mode="after")
    def _one_source(self) -> GroupSource:
        given = [k for k in ("question", "field", "roster", "value") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of question, field, roster or value; got {given or 'none'}")
        return self

    def headers(self) -> list[str]:
        """The export header texts this source reads (question texts, field name, aliases)."""
        out = [self.question.zh, self.question.en] if self.question is not None else []
        if self.field:
            out.append(self.field)
        return [*out, *self.aliases]


class Instrument(StrictModel):
    """A validated survey instrument (load it with :func:`load_instrument`)."""

    id: str = Field(pattern=_ID_PATTERN)
    title: Text
    description: Text | None = None
    audience: Literal["customer", "employee"]
    anonymous: bool = False
    frequency: Literal["month", "quarter"] = "month"
    grouping: list[str] = Field(min_length=1)
    anonymity_threshold: int | None = Field(None, ge=1)
    comment_threshold: int | None = Field(None, ge=1)
    outcome: str | None = None
    dimensions: dict[str, Text] = Field(default_factory=dict)
    group_sources: dict[str, GroupSource] = Field(
        default_factory=dict, description="grouping column -> question, field or roster that gives it"
    )
    label_sets: dict[str, dict[int, str | list[str]]] = Field(
        default_factory=dict, description="named answer label sets (value -> label(s)) items can share"
    )
    timezone: str | None = Field(None, description="zone of export times written without an offset")
    day_first: bool = Field(False, description="export dates written 22/06/2022 (day first), not 6/22/2022")
    items: list[Item] = Field(min_length=1)
    _file: str = PrivateAttr("")

    @property
    def file(self) -> str:
        """The file the instrument was loaded from ('' when built in code)."""
        return self._file

    def item(self, item_id: str) -> Item:
        """The item with this id; a KeyError lists the known ids."""
        try:
            return self._by_id[item_id]
        except KeyError:
            raise KeyError(
                f"instrument {self.id!r} has no item {item_id!r}; items are {sorted(self._by_id)}"
            ) from None

    @cached_property
    def _by_id(self) -> dict[str, Item]:
        return {it.id: it for it in self.items}

    def items_of(self, *types: str) -> list[Item]:
        """Items of the given types, in file order."""
        return [it for it in self.items if it.type in types]

    def dimension_items(self, dimension: str) -> list[Item]:
        """The Likert items of one dimension, in file order."""
        return [it for it in self.items if it.dimension == dimension]

    @property
    def item_ids(self) -> list[str]:
        return [it.id for it in self.items]

    @property
    def numeric_items(self) -> list[Item]:
        return [it for it in self.items if it.numeric]

    @property
    def group_columns(self) -> list[str]:
        return list(self.grouping)


def _check(inst: Instrument) -> list[tuple[str, str]]:
    """Cross-field rules pydantic cannot express per field; returns (key, problem) pairs."""
    issues: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for i, it in enumerate(inst.items):
        where = f"items[{i}]"
        if it.id in seen:
            issues.append((f"{where}.id", f"duplicate item id {it.id!r} (also items[{seen[it.id]}].id)"))
        else:
            seen[it.id] = i
        if it.id in GROUP_COLUMNS or it.id in ("response_id", "submitted_at", "duration_s"):
            issues.append((f"{where}.id", f"{it.id!r} is a reserved column name"))
        if it.type == "likert" and it.scale is None:
            issues.append(
                (f"{where}.scale", f"likert item {it.id!r} needs scale bounds, e.g. {{min: 1, max: 5}}")
            )
        if it.type in ("single_choice", "multi_choice"):
            if not it.options:
                issues.append((f"{where}.options", f"{it.type} item {it.id!r} needs a list of options"))
            else:
                values = it.option_values()
                dups = sorted({v for v in values if values.count(v) > 1})
                if dups:
                    issues.append((f"{where}.options", f"duplicate option values {dups}"))
        elif it.options is not None:
            issues.append((f"{where}.options", f"only choice items have options; {it.id!r} is {it.type}"))
        if it.type in ("single_choice", "multi_choice", "open_text") and it.scale is not None:
            issues.append((f"{where}.scale", f"a {it.type} item has no scale"))
        if it.dimension is not None and it.dimension not in inst.dimensions:
            issues.append(
                (
                    f"{where}.dimension",
                    f"unknown dimension {it.dimension!r}; dimensions are {sorted(inst.dimensions)}",
                )
            )
        if it.dimension is not None and it.type != "likert":
            issues.append(
                (f"{where}.dimension", f"only likert items belong to a dimension; {it.id!r} is {it.type}")
            )
        if it.reverse and it.type != "likert":
            issues.append(
                (f"{where}.reverse", f"only likert items can be reverse-coded; {it.id!r} is {it.type}")
            )
        if it.buckets is not None and it.type != "nps":
            issues.append((f"{where}.buckets", "only nps items have buckets"))
        if it.type == "nps":
            lo, hi = it.bounds
            if (lo, hi) != (0, 10) and it.buckets is None:
                issues.append(
                    (
                        f"{where}.buckets",
                        f"an nps item on a {lo}–{hi} scale needs an explicit "
                        "bucket mapping (detractor, passive, promoter)",
                    )
                )
            b = it.nps_buckets
            ranges = [b.detractor, b.passive, b.promoter]
            covered = [v for a, z in ranges for v in range(a, z + 1)]
            if sorted(covered) != list(range(lo, hi + 1)) or any(a > z for a, z in ranges):
                issues.append(
                    (
                        f"{where}.buckets",
                        f"buckets must cover {lo}–{hi} once each, in order; got {[list(r) for r in ranges]}",
                    )
                )
        if it.top_box is not None and it.numeric:
            lo, hi = it.bounds
            if not lo < it.top_box <= hi:
                issues.append((f"{where}.top_box", f"must lie in {lo + 1}–{hi}; got {it.top_box}"))
        if it.label_set is not None and it.label_set not in inst.label_sets:
            issues.append(
                (
                    f"{where}.label_set",
                    f"unknown label set {it.label_set!r}; sets are {sorted(inst.label_sets)}",
                )
            )
        if (it.labels or it.label_set or it.codes) and not it.numeric:
            issues.append(
                (f"{where}.labels", f"labels and codes are for numeric items; {it.id!r} is {it.type}")
            )
        if it.numeric and not (it.type == "likert" and it.scale is None):
            lo, hi = it.bounds
            for key in ("labels", "codes"):
                outside = sorted(
                    v
                    for v in (getattr(it, key) if key == "labels" else it.codes.values())
                    if not lo <= v <= hi
                )
                if outside:
                    issues.append((f"{where}.{key}", f"values {outside} lie outside the scale {lo}–{hi}"))
        if it.options:
            codes = [o.code for o in it.options if o.code is not None]
            if len(codes) != len(set(codes)):
                issues.append((f"{where}.options", f"duplicate option codes {sorted(codes)}"))
    for j, col in enumerate(inst.grouping):
        if col not in GROUP_COLUMNS:
            issues.append(
                (f"grouping[{j}]", f"unknown grouping column {col!r}; allowed are {list(GROUP_COLUMNS)}")
            )
    if inst.anonymous and ("rep_id" in inst.grouping or "customer_id" in inst.grouping):
        issues.append(("grouping", "an anonymous instrument cannot carry rep_id or customer_id"))
    if inst.outcome is not None:
        if inst.outcome not in seen:
            issues.append(("outcome", f"unknown item {inst.outcome!r}; items are {sorted(seen)}"))
        elif not inst.items[seen[inst.outcome]].numeric:
            issues.append(
                ("outcome", f"the outcome item {inst.outcome!r} must be numeric (likert/nps/csat/ces)")
            )
    for col in inst.group_sources:
        if col not in inst.grouping:
            issues.append((f"group_sources.{col}", f"{col!r} is not in grouping {list(inst.grouping)}"))
    if inst.timezone is not None:
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(inst.timezone)
        except (KeyError, ValueError, OSError):
            issues.append(("timezone", f"unknown time zone {inst.timezone!r}; e.g. Asia/Shanghai, UTC"))
    used = {it.dimension for it in inst.items}
    for dim in inst.dimensions:
        if dim not in used:
            issues.append((f"dimensions.{dim}", "no item belongs to this dimension"))
    return issues


def instrument_from_dict(data: Mapping[str, Any], file: str | Path = "<instrument>") -> Instrument:
    """Validate a mapping into an :class:`Instrument`; every problem in one ConfigError.

    >>> instrument_from_dict({"id": "x", "title": {"zh": "调查", "en": "Survey"}, "audience": "customer",
    ...     "grouping": ["rep_id"], "items": [{"id": "q1", "type": "likert", "text": {"zh": "好", "en": "Good"}}]},
    ...     "x.yaml")
    Traceback (most recent call last):
    ...
    sales_analytics.errors.ConfigError: x.yaml, key 'items[0].scale': likert item 'q1' needs scale bounds, e.g. {min: 1, max: 5}.
    """
    inst = validate_model(Instrument, dict(data), file)
    issues = _check(inst)
    if issues:
        raise ConfigError(str(file), issues=issues)
    inst._file = str(file)
    return inst


_CACHE: dict[tuple[str, int, int], Instrument] = {}


def load_instrument(path: str | Path) -> Instrument:
    """Load and validate one instrument file (cached while the file is unchanged)."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return instrument_from_dict(load_yaml(path), path)  # load_yaml names the missing file
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _CACHE:
        _CACHE[key] = instrument_from_dict(load_yaml(path), path)
    return _CACHE[key]


def instruments_folder(folder: str | Path | None = None) -> Path:
    """The instrument folder: ``folder`` (``surveys.instruments`` of the parameters; a relative
    path is read from the project folder), or ``surveys/`` when it is empty or None."""
    if folder is None or str(folder) == "":
        return paths.surveys_dir()
    folder = Path(folder)
    return folder if folder.is_absolute() else paths.project_root() / folder


def load_instruments(folder: str | Path | None = None) -> dict[str, Instrument]:
    """Every ``*.yaml`` instrument in ``folder`` (see :func:`instruments_folder`), keyed by id."""
    folder = instruments_folder(folder)
    if not folder.is_dir():
        raise ConfigError(str(folder), None, "survey instrument folder not found")
    out: dict[str, Instrument] = {}
    for path in sorted(folder.glob("*.yaml")):
        inst = load_instrument(path)
        if inst.id in out:
            raise ConfigError(
                str(path), "id", f"instrument id {inst.id!r} is also used by {out[inst.id].file}"
            )
        out[inst.id] = inst
    log.debug("loaded %d survey instruments from %s", len(out), folder)
    return out
