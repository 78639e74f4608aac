"""Scopes: what each person may see, cut at publish time into copies of the bundle's tables.

A scope is a folder of tables inside the published bundle::

    outputs/<period>/tables/…                          the director's scope (everything)
    outputs/<period>/scopes/index.json                 the scopes of this bundle
    outputs/<period>/scopes/company/tables/…           a viewer: company-level tables only
    outputs/<period>/scopes/team-<hash>/tables/…       a team lead: their teams (one team, or the set
                                                       of teams a team lead of access.yaml has)
    outputs/<period>/scopes/rep-<hash>/tables/…        a rep: their own rows, company and team aggregates

Which rows of a table a scope receives is declared once per table in
``policy.yaml`` (a table not named there reaches the director only). Survey
tables are cut again inside each scope: a scope sees the total and its own
teams' cuts, and a cut is dropped when the total minus the cuts the scope sees
would leave fewer respondents than the threshold (the complementary rule of
:func:`sales_analytics.surveys.anonymity.suppress_small_groups`, applied with
everything outside the scope as one hidden group). The views of a signed-in
person read their scope's folder only (``sales_analytics.views``): a table
outside it does not exist for that session.

Folder names hash the team or rep id (names come from the team's own data and
never become a path); ``index.json`` maps them back.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from sales_analytics.access.model import Person

__all__ = [
    "COMPANY",
    "DIRECTOR",
    "RULES",
    "Scope",
    "organisation_scopes",
    "policy",
    "rep_scope",
    "rule_of",
    "scope_of",
    "scope_tables",
    "scoped_positions",
    "team_scope",
]

log = logging.getLogger(__name__)

RULES = ("company", "director", "rep", "team", "team_pay", "pairs", "survey", "level", "coverage", "contests")
Kind = Literal["all", "company", "team", "rep"]
ALL = "all"  # the group of a survey total (sales_analytics.surveys.anonymity.ALL)
_REST = "\x00rest"  # everything outside a scope, as one hidden group


@dataclass(frozen=True)
class Scope:
    """One scope: ``id`` is its folder under ``scopes/`` (``all`` is the bundle's own ``tables/``)."""

    id: str
    kind: Kind
    teams: tuple[str, ...] = ()
    rep_id: str | None = None
    reps: frozenset[str] = field(default_factory=frozenset)  # reps whose rows it holds (team, rep)

    def describe(self) -> dict:
        return {"kind": self.kind, "teams": list(self.teams), "rep_id": self.rep_id}


DIRECTOR = Scope("all", "all")
COMPANY = Scope("company", "company")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def team_scope_id(teams: Iterable[str]) -> str:
    return "team-" + _digest("\x1f".join(sorted({str(t) for t in teams})))


def rep_scope_id(rep_id: str) -> str:
    return "rep-" + _digest(str(rep_id))


def team_scope(teams: Iterable[str], reps: pd.DataFrame) -> Scope:
    teams = tuple(sorted({str(t) for t in teams}))
    members = frozenset(reps.loc[reps["team"].astype(str).isin(teams), "rep_id"].astype(str))
    return Scope(team_scope_id(teams), "team", teams=teams, reps=members)


def rep_scope(rep_id: str, reps: pd.DataFrame) -> Scope:
    mine = reps[reps["rep_id"].astype(str) == str(rep_id)]
    teams = tuple(sorted(set(mine["team"].astype(str))))
    return Scope(rep_scope_id(rep_id), "rep", teams=teams, rep_id=str(rep_id), reps=frozenset({str(rep_id)}))


def scope_of(person: Person) -> str:
    """The id of the scope ``person`` signs in to."""
    if person.role == "director":
        return DIRECTOR.id
    if person.role == "viewer":
        return COMPANY.id
    if person.role == "team_lead":
        return team_scope_id(person.teams)
    return rep_scope_id(str(person.rep_id))


def organisation_scopes(reps: pd.DataFrame, team_sets: Iterable[Iterable[str]] = ()) -> list[Scope]:
    """The company scope, one per team, one per team set of ``team_sets`` (team leads of several
    teams) and one per rep of ``reps`` (``rep_id``, ``team``)."""
    teams = sorted(set(reps["team"].dropna().astype(str)))
    out = [COMPANY, *(team_scope([t], reps) for t in teams)]
    seen = {s.id for s in out}
    for ts in team_sets:
        s = team_scope(ts, reps)
        if s.id not in seen:
            out.append(s)
            seen.add(s.id)
    out += [rep_scope(r, reps) for r in sorted(set(reps["rep_id"].astype(str)))]
    return out


@lru_cache(maxsize=1)
def policy() -> dict[str, str]:
    """``policy.yaml``: table name (or catalog pattern such as ``incentive_statement_<team>``) → rule."""
    from sales_analytics.config import load_yaml
    from sales_analytics.errors import ConfigError

    path = Path(__file__).with_name("policy.yaml")
    doc = load_yaml(path)
    bad = {k: v for k, v in doc.items() if v not in RULES}
    if bad:
        raise ConfigError(str(path), next(iter(bad)), f"must be one of {list(RULES)}. Got {bad!r} instead")
    return {str(k): str(v) for k, v in doc.items()}


def rule_of(table: str) -> str:
    """The rule of ``table``; a table the policy does not name is the director's only."""
    rules = policy()
    if table in rules:
        return rules[table]
    for name, rule in rules.items():
        if "<" in name and table.startswith(name.split("<", 1)[0]):
            return rule
    return "director"


# ---------------------------------------------------------------------- rows
class _Columns:
    """One table's key columns as strings, with the row positions of each value (computed once
    per table, shared by every scope)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.n = len(frame)
        self._text: dict[str, np.ndarray] = {}
        self._groups: dict[str, dict[str, np.ndarray]] = {}

    def has(self, *columns: str) -> bool:
        return all(c in self.frame.columns for c in columns)

    def text(self, column: str) -> np.ndarray:
        if column not in self._text:
            self._text[column] = self.frame[column].astype(str).to_numpy(dtype=object)
        return self._text[column]

    def rows_of(self, column: str, values: Iterable[str]) -> np.ndarray:
        """Positions (ascending) of the rows whose ``column`` is one of ``values``."""
        if column not in self._groups:
            import pandas as pd

            codes, uniques = pd.factorize(self.text(column))
            order = np.argsort(codes, kind="stable")
            bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
            self._groups[column] = {str(u): order[bounds[i] : bounds[i + 1]] for i, u in enumerate(uniques)}
        groups = self._groups[column]
        parts = [groups[v] for v in set(values) if v in groups]
        return np.sort(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)

    def isin(self, column: str, values: Iterable[str]) -> np.ndarray:
        mask = np.zeros(self.n, dtype=bool)
        mask[self.rows_of(column, values)] = True
        return mask


def _everything(cols: _Columns) -> np.ndarray:
    return np.arange(cols.n)


def _level_rows(
    cols: _Columns, scope: Scope, level_col: str, team_col: str, rep_col: str, company
) -> np.ndarray:
    level = cols.text(level_col)
    keep = np.isin(level, list(company))
    team_ok = (
        np.full(cols.n, True)
        if scope.kind == "company" or not cols.has(team_col)
        else cols.isin(team_col, scope.teams)
    )
    keep |= (level == "team") & team_ok & cols.has(team_col)
    if scope.kind != "company" and cols.has(rep_col):
        keep |= (level == "rep") & cols.isin(rep_col, scope.reps)
    return np.flatnonzero(keep)


def _positions(rule: str, cols: _Columns, scope: Scope) -> np.ndarray | None:
    """The row positions of a table that ``scope`` receives (None: the table is not its)."""
    if rule == "company":
        return _everything(cols)
    if rule == "rep":
        if scope.kind == "company" or not cols.has("rep_id"):
            return None
        return cols.rows_of("rep_id", scope.reps)
    if rule in ("team", "team_pay"):
        if not cols.has("team") or (rule == "team_pay" and scope.kind != "team"):
            return None
        return _everything(cols) if scope.kind == "company" else cols.rows_of("team", scope.teams)
    if rule == "pairs":
        if scope.kind != "team" or not cols.has("rep_a", "rep_b"):
            return None
        return np.flatnonzero(cols.isin("rep_a", scope.reps) & cols.isin("rep_b", scope.reps))
    if rule == "level" and cols.has("level"):
        return _level_rows(cols, scope, "level", "team", "rep_id", ("company",))
    if rule == "coverage" and cols.has("level", "key"):
        level = cols.text("level")
        company = set(level) - {"team", "rep"}  # the company's rows (all, category)
        return _level_rows(cols, scope, "level", "key", "key", company)
    if rule == "contests" and cols.has("level", "entity"):
        level = cols.text("level")
        keep = (level == "team") & (
            np.full(cols.n, True) if scope.kind == "company" else cols.isin("entity", scope.teams)
        )
        if scope.kind != "company":
            keep |= (level == "rep") & cols.isin("entity", scope.reps)
        return np.flatnonzero(keep)
    return None  # director, or a table without the columns its rule needs


# -------------------------------------------------------------------- survey
# The columns that make one partition of a survey table (its grain without the cut and the row
# within a cut): a cut's respondents are compared with the total's within a partition.
_COMMENT_TABLES = ("survey_comments", "survey_themes")  # cut at the comment threshold
_SURVEY_ROW_KEYS = ("group_by", "group", "rank", "term", "kind", "driver", "level")


def _survey_positions(
    name: str,
    frame: pd.DataFrame,
    team_sets: list[tuple[str, ...]],
    thresholds: Mapping[str, int],
    grain: list[str],
) -> dict[tuple[str, ...], np.ndarray]:
    """For each team set (``()``: the company scope), the positions of the survey cuts it sees.

    A scope sees the totals and its teams' cuts. Within each partition, everything outside the
    scope is one more, hidden, group whose respondents are the total's minus the scope's cuts';
    :func:`~sales_analytics.surveys.anonymity.suppress_small_groups` then decides, as it does for
    the whole company: when that rest is fewer than the threshold, the scope's smallest cut is
    hidden too (so the total minus what the scope sees never isolates fewer than the threshold).
    """
    import pandas as pd

    from sales_analytics.surveys.anonymity import joined_keys, suppress_small_groups

    out: dict[tuple[str, ...], np.ndarray] = {}
    if "group" not in frame.columns:
        return {ts: np.empty(0, dtype=np.int64) for ts in team_sets}
    group = frame["group"].astype(str).to_numpy(dtype=object)
    level = (
        frame["group_by"].astype(str).to_numpy(dtype=object)
        if "group_by" in frame.columns
        else np.where(group == ALL, "all", "team")
    )
    total = (level == "all") | (group == ALL)
    cut = (level == "team") & ~total
    parts = [c for c in grain if c not in _SURVEY_ROW_KEYS and c in frame.columns]
    has_n = "n" in frame.columns and bool(parts)
    keyed = frame[parts].astype(str).assign(group=group, _level=np.where(total, "all", level))
    if has_n:
        keyed["n"] = pd.to_numeric(frame["n"], errors="coerce").to_numpy()
        # one count per cut: its largest n (a cut of a comments or themes table spans several rows)
        counts = keyed[total | cut].groupby([*parts, "_level", "group"], sort=False)["n"].max().reset_index()
    blocks = []
    for ts in team_sets:
        mine = cut & np.isin(group, list(ts)) if ts else np.zeros(len(frame), dtype=bool)
        out[ts] = np.flatnonzero(total | mine)
        if has_n and ts and mine.any():
            c = counts[(counts["_level"] == "all") | counts["group"].isin(ts)]
            tot = c[c["_level"] == "all"].set_index(parts)["n"]
            seen = c[c["_level"] != "all"].groupby(parts)["n"].sum()
            rest = (tot - seen.reindex(tot.index).fillna(0)).rename("n").reset_index()
            rest = rest[rest["n"].fillna(0) > 0].assign(_level="team", group=_REST)
            blocks.append(pd.concat([c, rest], ignore_index=True).assign(_scope="\x1f".join(ts)))
    if not blocks:
        return out
    both = pd.concat(blocks, ignore_index=True)
    hidden = []
    instruments = both["instrument"] if "instrument" in both.columns else pd.Series("", index=both.index)
    for instrument, block in both.groupby(instruments, sort=False):
        t = int(
            (thresholds.get(f"comments:{instrument}") if name in _COMMENT_TABLES else None)
            or thresholds.get(str(instrument))
            or thresholds.get("")
            or _default_threshold()  # an instrument not listed: the parameters' default, never 1
        )
        decided = suppress_small_groups(
            block,
            anonymity_threshold=t,
            by=["_scope", *parts],
            values=[],
            group="group",
            group_by="_level",
            keep_hidden=True,
        )
        hidden.append(decided[decided["suppressed"] & (decided["group"] != _REST)])
    gone = pd.concat(hidden, ignore_index=True)
    for ts in team_sets:
        drop = gone[gone["_scope"] == "\x1f".join(ts)]
        if drop.empty or not ts:
            continue
        rows = keyed.iloc[out[ts]]
        key = joined_keys(rows, [*parts, "_level", "group"])
        bad = set(joined_keys(drop, [*parts, "_level", "group"]))
        out[ts] = out[ts][~key.isin(bad).to_numpy()]
    return out


# ---------------------------------------------------------------- all scopes
def scoped_positions(
    tables: Mapping[str, pd.DataFrame],
    scopes: Iterable[Scope],
    *,
    thresholds: Mapping[str, int] | None = None,
    grains: Mapping[str, list[str]] | None = None,
) -> dict[str, dict[str, np.ndarray]]:
    """For each scope (by id), the tables it receives and the row positions of each.

    ``thresholds`` maps a survey instrument to its anonymity threshold
    (:func:`sales_analytics.surveys.anonymity.anonymity_threshold_for`); ``grains`` maps a table to
    its key columns (default: the catalog's grain). The director's scope (``all``) receives every
    row of every table. Pure: nothing is changed or written.
    """
    scopes = list(scopes)
    thresholds = thresholds or {}
    out: dict[str, dict[str, np.ndarray]] = {s.id: {} for s in scopes}
    team_sets = sorted({s.teams if s.kind in ("team", "rep") else () for s in scopes if s.kind != "all"})
    for name, frame in tables.items():
        rule = rule_of(name)
        if rule == "survey":
            grain = list((grains or {}).get(name) or _grain(name))
            seen = _survey_positions(name, frame, team_sets, thresholds, grain)
        cols = _Columns(frame)
        family = "<" in _policy_name(name)
        pos: np.ndarray | None
        for s in scopes:
            if s.kind == "all":
                pos = _everything(cols)
            elif rule == "survey":
                pos = seen[s.teams if s.kind in ("team", "rep") else ()]
            else:
                pos = _positions(rule, cols, s)
            if pos is None or (family and s.kind != "all" and len(pos) == 0):
                continue  # not this scope's table (a family's table of another team does not exist for it)
            out[s.id][name] = pos
    return out


def scope_tables(
    tables: Mapping[str, pd.DataFrame],
    scope: Scope,
    *,
    thresholds: Mapping[str, int] | None = None,
    grains: Mapping[str, list[str]] | None = None,
) -> dict[str, pd.DataFrame]:
    """The tables (and rows) ``scope`` receives from a bundle's ``tables`` (name → frame); new
    frames, the arguments are unchanged."""
    pos = scoped_positions(tables, [scope], thresholds=thresholds, grains=grains)[scope.id]
    return {name: tables[name].iloc[p].reset_index(drop=True) for name, p in pos.items()}


def _policy_name(table: str) -> str:
    rules = policy()
    if table in rules:
        return table
    return next((n for n in rules if "<" in n and table.startswith(n.split("<", 1)[0])), table)


def _default_threshold() -> int:
    from sales_analytics.surveys.params import SurveyParams

    return int(SurveyParams.model_fields["anonymity_threshold"].default)


def _grain(name: str) -> list[str]:
    from sales_analytics.tables import table_spec

    try:
        return list(table_spec(name).grain or ())
    except Exception:  # a table the catalog does not declare: partition by period and instrument
        return ["period", "instrument"]
