"""Writing the scopes of a bundle at publish time (``outputs/<period>/scopes/``).

Called by the monthly run on the staging folder once every notebook has
succeeded, before the bundle is swapped in (:mod:`sales_analytics.run.monthly`),
and by ``sales-analytics access publish`` for a bundle published before scopes
existed or after a team lead of several teams was added. Each scope gets its
rows of each table it may see (:func:`sales_analytics.access.scopes.scoped_positions`);
a table a scope receives whole is a hard link to the bundle's own file (same
bytes, no copy), any other is written with only the scope's rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from sales_analytics.access.layout import INDEX, SCOPES_DIR, scope_folder
from sales_analytics.access.scopes import Scope, organisation_scopes, scoped_positions
from sales_analytics.vocabulary import RUN_RUNNING

__all__ = [
    "SCOPES_DIR",
    "publish_scopes",
    "survey_thresholds",
    "read_index",
    "scope_folder",
    "scopes_of_bundle",
    "write_scopes",
]

log = logging.getLogger(__name__)


def read_index(bundle: str | Path) -> dict[str, Any]:
    """``scopes/index.json`` of a bundle (``{}`` when it has no scopes)."""
    try:
        doc = json.loads((Path(bundle) / SCOPES_DIR / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def survey_thresholds(params: Any) -> dict[str, int]:
    """Each survey instrument's anonymity threshold under the run's parameters (``comments:<id>``:
    the threshold of its comments and themes; ``""``: the default for an instrument not listed)."""
    from sales_analytics.surveys.anonymity import anonymity_threshold_for
    from sales_analytics.surveys.instruments import load_instruments
    from sales_analytics.surveys.params import SurveyParams

    survey_params = getattr(params, "surveys", None) or SurveyParams()
    out = {"": max(survey_params.anonymity_threshold, survey_params.comment_threshold)}
    for name, inst in load_instruments(survey_params.instruments or None).items():
        out[name] = anonymity_threshold_for(inst, survey_params)
        out[f"comments:{name}"] = anonymity_threshold_for(inst, survey_params, comments=True)
    return out


def write_scopes(
    bundle: str | Path,
    reps,
    *,
    params: Any = None,
    team_sets: Iterable[Iterable[str]] = (),
    thresholds: dict[str, int] | None = None,
    manifest: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write every scope of ``bundle`` (a staging or published folder with ``tables/``) and its
    ``scopes/index.json``; return the index. ``reps`` is the organisation (``rep_id``, ``team``),
    ``team_sets`` the team sets of team leads with several teams (``access.yaml``), ``manifest``
    the bundle's manifest (default: read from ``bundle``)."""
    import pyarrow.parquet as pq

    from sales_analytics.access.scopes import _grain

    bundle = Path(bundle)
    tables_dir = bundle / "tables"
    names = sorted(p.stem for p in tables_dir.glob("*.parquet"))
    # one chunk per column: a take from a table of many chunks joins them again on every call
    arrow = {n: pq.read_table(tables_dir / f"{n}.parquet").combine_chunks() for n in names}
    frames = {
        n: t.select([c for c in t.column_names if c in _KEY_COLUMNS or c in _grain(n)]).to_pandas()
        for n, t in arrow.items()
    }
    scopes = organisation_scopes(reps, team_sets)
    positions = scoped_positions(frames, scopes, thresholds=thresholds or survey_thresholds(params))
    root = bundle / SCOPES_DIR
    if root.exists():
        shutil.rmtree(root)
    manifest = _scope_manifest(manifest if manifest is not None else _read(bundle))
    index: dict[str, Any] = {"scopes": {}}
    # the same rows of a table for several scopes (a company table, a team's rows for its reps'
    # scopes …) are written once and linked: the same bytes as a second write, without its cost
    written: dict[tuple[str, bytes], Path] = {}
    for scope in scopes:
        folder = root / scope.id / "tables"
        folder.mkdir(parents=True)
        for name, pos in positions[scope.id].items():
            target = folder / f"{name}.parquet"
            key = (name, hashlib.sha256(np.asarray(pos, dtype=np.int64).tobytes()).digest())
            if len(pos) == arrow[name].num_rows:
                os.link(tables_dir / f"{name}.parquet", target)
            elif key in written:
                os.link(written[key], target)
            else:
                pq.write_table(arrow[name].take(pos), target)
                written[key] = target
        doc = dict(manifest, scope=scope.id, tables=sorted(positions[scope.id]))
        (root / scope.id / "manifest.json").write_text(
            json.dumps(doc, ensure_ascii=False, sort_keys=True), encoding="utf-8"
        )
        index["scopes"][scope.id] = scope.describe()
    (root / INDEX).write_text(
        json.dumps(index, ensure_ascii=False, sort_keys=True, indent=1), encoding="utf-8"
    )
    return index


# the columns the rules read (the rows are then taken from the whole Arrow table)
_KEY_COLUMNS = frozenset(
    {"rep_id", "team", "rep_a", "rep_b", "level", "key", "entity", "group_by", "group", "n", "instrument"}
)  # with each table's grain (sales_analytics.access.scopes)


def _read(bundle: Path) -> dict[str, Any]:
    try:
        m = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return m if isinstance(m, dict) else {}


def _scope_manifest(m: dict[str, Any]) -> dict[str, Any]:
    """What a scope's views read of the bundle's manifest: when, which month, which language."""
    params = m.get("parameters") if isinstance(m.get("parameters"), dict) else {}
    return {
        "period": m.get("period"),
        "run_id": m.get("run_id"),
        "status": m.get("status", RUN_RUNNING),
        "started": m.get("started"),
        "ended": m.get("ended"),
        "as_of": m.get("as_of"),
        "parameters": {"language": (params or {}).get("language", m.get("language", "zh"))},
    }


def scopes_of_bundle(bundle: str | Path) -> list[Scope]:
    """The scopes ``scopes/index.json`` of ``bundle`` lists."""
    out = []
    for sid, d in (read_index(bundle).get("scopes") or {}).items():
        out.append(Scope(sid, d.get("kind", "rep"), tuple(d.get("teams") or ()), d.get("rep_id")))
    return out


def publish_scopes(
    bundle: str | Path, reps, params: Any = None, *, manifest: dict[str, Any] | None = None
) -> dict[str, Any]:
    """:func:`write_scopes` with the team sets of the team leads in ``parameters/access.yaml``
    (``$SALES_ANALYTICS_ACCESS``) who see several teams."""
    from sales_analytics.access.store import load_access

    access = load_access()
    team_sets = [p.teams for p in access.people if p.role == "team_lead" and len(p.teams) > 1]
    return write_scopes(bundle, reps, params=params, team_sets=team_sets, manifest=manifest)
