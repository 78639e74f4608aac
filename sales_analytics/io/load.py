"""Loading: files → profiles → canonical tables → validated :class:`Dataset`.

``load_dataset`` accepts a data folder, a parameters file or a loaded
``Parameters`` object. Every supported file in the folder is read, its
profile detected from the headers (or taken from ``data.tables`` in the
parameters), mapped to its canonical table, coerced and checked; tables fed
by several files are concatenated. All errors of all files are raised
together as one :class:`~sales_analytics.errors.DataError`; warnings land in
``Dataset.quality``. A folder holding ``_snapshot.json`` is read without
re-validation only when it verifies against the hashes its own run recorded
(:func:`~sales_analytics.io.snapshot.snapshot_distrust`); otherwise the marker
is ignored and every file validated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sales_analytics.errors import ConfigError, DataError, DataProblem
from sales_analytics.io.columns import ColumnMap, apply_column_map, load_column_map
from sales_analytics.io.dataset import REQUIRED_TABLES, Dataset, SourceInfo, file_sha256
from sales_analytics.io.profiles import (
    CANONICAL,
    FINISHERS,
    PROFILES,
    Detected,
    canonical_table_of,
    closest_profile,
    detect_profile,
)
from sales_analytics.io.readers import SUPPORTED_SUFFIXES, RawTable, read_source_file
from sales_analytics.io.schemas import TABLE_SCHEMAS, TableSchema, schema_for
from sales_analytics.io.snapshot import SNAPSHOT_MARKER, read_snapshot, snapshot_distrust
from sales_analytics.io.validate import Segment, TableCheck, check_references, coerce_table, quality_frame
from sales_analytics.vocabulary import renamed_arguments

if TYPE_CHECKING:
    from sales_analytics.config import Parameters

__all__ = [
    "DataCheck",
    "SkippedFile",
    "TableRead",
    "check_data",
    "inspect_table",
    "load_dataset",
    "read_table",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SkippedFile:
    """A file of the data folder that was not read: why, and the profile it came closest to."""

    path: str
    reason: str
    closest: str = ""
    note: bool = False  # a hidden file, a marker or a README: never data, listed but not a warning


@dataclass
class DataCheck:
    """Everything one load found: the dataset (None when there are errors), problems, quality,
    and every file of the folder that was not read (``skipped``)."""

    dataset: Dataset | None
    problems: list[DataProblem]
    quality: pd.DataFrame
    sources: list[SourceInfo] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _FileJob:
    path: Path
    table: str | None = None
    profile: str = ""
    column_map: ColumnMap | None = None
    sheet: str | int | None = None
    encoding: str | None = None
    explicit: bool = False


#: The profile name of a survey platform export read through its instrument.
SURVEY_EXPORT = "survey_export"


def _is_survey(table: str | None) -> bool:
    return bool(table) and table.startswith("survey_") and table != "survey_invitations"  # type: ignore[union-attr]


def _read_options(job: _FileJob) -> dict[str, Any]:
    """Survey files: the header is the first row and repeated headers are numbered (platform exports)."""
    if _is_survey(job.table or canonical_table_of(job.path.stem)) and job.column_map is None:
        return {"header_row": 0, "dedupe_headers": True}
    return {}


def _typed_csv_columns(job: _FileJob) -> Callable[[list[str]], dict[str, pa.DataType]] | None:
    """For files in canonical layout, ask the CSV reader for typed numbers and timestamps (fast path)."""
    if job.profile not in ("", CANONICAL) or job.column_map is not None:
        return None
    table = job.table or canonical_table_of(job.path.stem)
    if table is None:
        return None
    schema = schema_for(table)

    def types(header: list[str]) -> dict[str, pa.DataType]:
        out: dict[str, pa.DataType] = {}
        for name in header:
            spec = schema.by_name.get(name)
            if spec is not None and spec.kind in ("number", "money"):
                out[name] = pa.float64()
            elif spec is not None and spec.kind == "date":
                out[name] = pa.timestamp("ns")
        return out

    return types


def _map_file(
    job: _FileJob, raw: RawTable, user_maps: list[ColumnMap], tz: str, instruments: str | Path = ""
) -> tuple[Detected | None, pd.DataFrame | None, TableCheck | None]:
    columns = list(raw.frame.columns)
    det: Detected | None
    if job.column_map is not None:
        det = Detected(job.column_map.name or "column_map", job.column_map.table, job.column_map)
    elif job.profile and job.profile != CANONICAL:
        if job.profile not in PROFILES:
            raise ConfigError(
                "data.tables",
                job.table or str(job.path),
                f"unknown profile {job.profile!r}; known: {[CANONICAL, *PROFILES]}",
            )
        cmap = PROFILES[job.profile]
        det = Detected(cmap.name, cmap.table, cmap)
    elif job.profile == CANONICAL:
        det = Detected(CANONICAL, job.table or canonical_table_of(job.path.stem) or "", None)
    else:
        det = detect_profile(columns, job.path.stem, user_maps, table=job.table)
        if det is None:
            canon = job.table or canonical_table_of(job.path.stem)
            if canon is None:
                return None, None, None
            if _is_survey(canon):  # a platform export (问卷星, Qualtrics …) named survey_<instrument>
                from sales_analytics.surveys.importing import survey_export_table

                mapped, rows = survey_export_table(
                    raw, canon, timezone=tz, base_dir=job.path.parent, instruments_dir=instruments
                )
                raw.row_numbers, raw.first_row = rows, int(rows[0]) if len(rows) else raw.first_row
                return (
                    Detected(SURVEY_EXPORT, canon, None),
                    mapped,
                    TableCheck(canon, [Segment(raw, 0, len(mapped))]),
                )
            det = Detected(CANONICAL, canon, None)
    if job.table and det.table != job.table:
        raise ConfigError(
            "data.tables",
            job.table,
            f"profile {det.profile!r} produces the {det.table} table, not {job.table}",
        )
    drop = det.column_map is not None and det.column_map.invalid_rows == "drop"
    check = TableCheck(det.table, [Segment(raw, 0, len(raw.frame), drop)])
    if det.column_map is None:
        return det, raw.frame, check
    mapped = apply_column_map(raw.frame, det.column_map, check, timezone=tz)
    finish = FINISHERS.get(det.profile)
    if finish is not None and not check.has_fatal:
        mapped = finish(raw.frame, mapped)
    return det, check.apply_drops(mapped), check


def _resolve_jobs(folder: Path | None, data_params: Any, root: Path) -> list[_FileJob]:
    jobs: list[_FileJob] = []
    claimed: set[Path] = set()
    base = folder if folder is not None else root
    maps_dir = (
        Path(data_params.column_maps_dir)
        if data_params.column_maps_dir
        else root / "parameters" / "column_maps"
    )
    if not maps_dir.is_absolute():
        maps_dir = root / maps_dir
    for table, entry in data_params.tables.items():
        cmap = None
        if entry.column_map:
            candidate = Path(entry.column_map)
            if candidate.suffix not in (".yaml", ".yml"):
                candidate = maps_dir / f"{entry.column_map}.yaml"
            elif not candidate.is_absolute():
                candidate = root / candidate
            cmap = load_column_map(candidate)
        paths = [entry.path] if isinstance(entry.path, str) else list(entry.path)
        for p in paths:
            path = Path(p) if Path(p).is_absolute() else base / p
            claimed.add(path.resolve())
            jobs.append(_FileJob(path, table, entry.profile, cmap, entry.sheet, entry.encoding or None, True))
    if folder is not None and data_params.scan:
        for path in sorted(folder.iterdir()):
            if (
                path.name.startswith((".", "_", "~$"))
                or not path.is_file()
                or path.suffix.lower() not in SUPPORTED_SUFFIXES
                or path.resolve() in claimed
            ):
                continue
            jobs.append(_FileJob(path))
    return jobs


def _user_maps(data_params: Any, root: Path) -> list[ColumnMap]:
    maps_dir = (
        Path(data_params.column_maps_dir)
        if data_params.column_maps_dir
        else root / "parameters" / "column_maps"
    )
    if not maps_dir.is_absolute():
        maps_dir = root / maps_dir
    if not maps_dir.is_dir():
        return []
    return [m for m in (load_column_map(p) for p in sorted(maps_dir.glob("*.yaml"))) if m.detect]


def _doubled_files(table: str, jobs: list[_FileJob], digests: dict[Path, str]) -> list[DataProblem]:
    """Files that would feed ``table`` twice: one table may come from several files only as parts.

    Parts are declared either in ``data.tables.<table>.path`` (a list) or by name: files named
    ``<table>_<part>`` (``orders_2026-09.csv``, ``orders_part1.parquet``) or exports a profile
    recognises from their headers (two Zoho exports, one chat file per group). Refused: two
    files with the same name in different formats (``orders.csv`` and ``orders.parquet``), a
    whole-table file (``orders.csv``) beside parts of it, and two files with identical bytes.
    """
    if len(jobs) < 2:
        return []
    problems: list[DataProblem] = []
    expected = (
        f"one file per table, or parts named {table}_<part> (e.g. {table}_2026-09.csv), "
        f"or the files listed as parts in data.tables.{table}.path"
    )
    by_stem: dict[str, list[_FileJob]] = {}
    for job in jobs:
        by_stem.setdefault(job.path.stem.casefold(), []).append(job)
    for same in by_stem.values():
        if len(same) > 1 and not all(j.explicit for j in same):
            problems.append(
                DataProblem(
                    str(same[0].path.parent),
                    f"the {table} table is supplied {len(same)} times: "
                    + ", ".join(j.path.name for j in same)
                    + " (the same name in different formats); its rows would be counted twice",
                    expected=expected,
                )
            )
    scanned = [j for j in jobs if not j.explicit]
    whole = [j for j in scanned if j.path.stem.casefold() == table]
    others = [j for j in scanned if j.path.stem.casefold() != table]
    if whole and others:
        problems.append(
            DataProblem(
                str(whole[0].path),
                f"is the whole {table} table, but "
                + ", ".join(j.path.name for j in others[:5])
                + (f" and {len(others) - 5} more" if len(others) > 5 else "")
                + f" also feed {table}; its rows would be counted twice",
                expected=expected,
            )
        )
    seen: dict[str, _FileJob] = {}
    for job in jobs:
        digest = digests.get(job.path, "")
        if digest and digest in seen:
            problems.append(
                DataProblem(
                    str(job.path),
                    f"has the same bytes as {seen[digest].path.name}: the {table} table would be counted twice",
                    expected="each file once",
                )
            )
        elif digest:
            seen[digest] = job
    return problems


def check_data(
    source: str | Path | Parameters | None = None, *, params: Parameters | None = None
) -> DataCheck:
    """Read, map and validate everything; never raises for data problems (see :class:`DataCheck`).

    ``source``: a data folder, a parameters file (``.yaml``), a ``Parameters``
    object or None (``data.dir`` of the default parameters, else
    ``$SALES_ANALYTICS_DATA`` / ``data/sample``).
    """
    from sales_analytics import paths
    from sales_analytics.config import load_parameters

    folder: Path | None = None
    if source is not None and not isinstance(source, (str, Path)):  # a Parameters object
        params = source
        source = None
    elif source is not None and Path(source).suffix in (".yaml", ".yml") and not Path(source).is_dir():
        params = load_parameters(source)
        source = None
    if params is None:
        params = load_parameters()
    root = paths.project_root()
    if source is not None:
        folder = Path(source)
    elif params.data.dir or not params.data.tables:
        folder = paths.input_folder(configured=params.data.dir)
    if folder is not None and not folder.is_dir():
        problem = DataProblem(
            str(folder),
            "data folder not found",
            expected="a folder of table files (run `sales-analytics sample-data`)",
        )
        return DataCheck(None, [problem], quality_frame([]))
    distrust = None
    if folder is not None and (folder / SNAPSHOT_MARKER).is_file():
        distrust = snapshot_distrust(folder)
        if distrust is None:  # the files were hashed against the run's record just now
            ds = read_snapshot(folder, lazy=True, trusted=True)  # reads the tables it uses, no more
            return DataCheck(ds, [], ds.quality, list(ds.sources.values()))
        log.warning("%s: %s is ignored (%s); the folder is validated", folder, SNAPSHOT_MARKER, distrust)
    jobs = _resolve_jobs(folder, params.data, root)
    result = _check_files(jobs, _user_maps(params.data, root), params, folder)
    if folder is not None:
        unread = _unread_files(folder, jobs, params.data.scan)
        result.skipped[:0] = unread
        if unread:
            notes = [
                {
                    "table": "",
                    "column": "",
                    "kind": "file_skipped",
                    "rows": "",
                    "count": 0,
                    "message": f"{f.path}: not read: {f.reason}",
                    "severity": "info",
                }
                for f in unread
            ]
            result.quality = pd.concat([quality_frame(notes), result.quality], ignore_index=True)
            if result.dataset is not None:
                result.dataset.quality = result.quality
    if distrust is not None and folder is not None:
        note = {
            "table": "",
            "column": "",
            "kind": "snapshot_untrusted",
            "rows": "",
            "count": 0,
            "message": f"{folder / SNAPSHOT_MARKER}: not trusted ({distrust}); every file was validated",
            "severity": "warning",
        }
        result.quality = quality_frame([note, *result.quality.to_dict("records")])
        if result.dataset is not None:
            result.dataset.quality = result.quality
    return result


def _unread_files(folder: Path, jobs: list[_FileJob], scan: bool) -> list[SkippedFile]:
    """Every entry of the data folder that no job reads, with the reason (nothing is ignored silently)."""
    read = {job.path.resolve() for job in jobs}
    out = []
    for path in sorted(folder.iterdir()):
        if path.resolve() in read:
            continue
        if path.is_dir():
            reason = "a folder: files in sub-folders are not read"
        elif path.name.startswith("~$"):
            reason = "an Office lock file (the workbook is open in Excel/WPS)"
        elif path.name.startswith("."):
            out.append(SkippedFile(str(path), "a hidden file", note=True))
            continue
        elif path.name.startswith("_"):
            out.append(
                SkippedFile(str(path), "names starting with _ are not read (notes, markers)", note=True)
            )
            continue
        elif path.stem.upper() == "README" and path.suffix.lower() in (".md", ".txt", ""):
            out.append(SkippedFile(str(path), "a README (notes about the folder)", note=True))
            continue
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            reason = f"unsupported file type {path.suffix or '(no suffix)'!r}; read are {', '.join(SUPPORTED_SUFFIXES)}"
        elif not scan:
            reason = "data.scan is false and data.tables does not name it"
        else:
            continue
        out.append(SkippedFile(str(path), reason))
    return out


def _check_files(
    jobs: list[_FileJob], user_maps: list[ColumnMap], params: Any, folder: Path | None
) -> DataCheck:
    tz = params.timezone
    problems: list[DataProblem] = []
    info: list[dict[str, Any]] = []
    per_table: dict[str, list[tuple[_FileJob, Detected, pd.DataFrame, TableCheck, RawTable]]] = {}
    sources: list[SourceInfo] = []
    attempted: set[str] = set()  # tables whose file failed to read: not also "missing"
    digests: dict[Path, str] = {}
    skipped: list[SkippedFile] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        for job in jobs:
            digest: Future[str] = pool.submit(file_sha256, job.path) if job.path.is_file() else None  # type: ignore[assignment]
            try:
                types = _typed_csv_columns(job)
                raw = read_source_file(
                    job.path, encoding=job.encoding, sheet=job.sheet, column_types=types, **_read_options(job)
                )
                det, mapped, check = _map_file(job, raw, user_maps, tz, params.surveys.instruments)
            except DataError as exc:
                problems.extend(exc.problems)
                attempted.add(job.table or canonical_table_of(job.path.stem) or "")
                continue
            if det is None or mapped is None or check is None:
                closest = closest_profile(raw.frame.columns, user_maps)
                reason = (
                    "not a recognised table or export (columns "
                    f"{', '.join(map(str, list(raw.frame.columns)[:6]))} …)"
                )
                skipped.append(SkippedFile(str(job.path), reason, closest))
                info.append(
                    {
                        "table": "",
                        "column": "",
                        "kind": "file_skipped",
                        "rows": "",
                        "count": 0,
                        "message": f"{job.path}: {reason}"
                        + (f"; closest profile {closest}" if closest else ""),
                        "severity": "info",
                    }
                )
                continue
            for note in raw.notes:
                info.append(
                    {
                        "table": det.table,
                        "column": "",
                        "kind": "read_note",
                        "rows": "",
                        "count": 0,
                        "message": f"{job.path}: {note}",
                        "severity": "info",
                    }
                )
            per_table.setdefault(det.table, []).append((job, det, mapped, check, raw))
            sources.append(
                SourceInfo(
                    det.table, str(job.path), det.profile, digest.result() if digest else "", len(mapped)
                )
            )
            digests[job.path] = sources[-1].sha256
    tables: dict[str, pd.DataFrame] = {}
    checks: dict[str, TableCheck] = {}
    schemas: dict[str, TableSchema] = {}
    for table, parts in list(per_table.items()):
        doubled = _doubled_files(table, [job for job, *_ in parts], digests)
        if doubled:
            problems.extend(doubled)
            del per_table[table]
            attempted.add(table)
    for table, parts in per_table.items():
        schema = schema_for(table)
        segments, frames, start = [], [], 0
        for _, _, mapped, check, _raw in parts:
            problems.extend(check.problems)
            info.extend(check.quality)
            seg = check.segments[0]  # its row numbers skip rows dropped by invalid_rows: drop
            segments.append(Segment(seg.raw, start, start + len(mapped), seg.drop_invalid))
            frames.append(mapped)
            start += len(mapped)
        if any(c.has_fatal for *_, c, _ in parts):
            continue
        frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        if len(frames) == 1:
            frame = frame.reset_index(drop=True)
        check = TableCheck(table, segments)
        if any(c.flagged is not None for *_, c, _ in parts):  # cell errors found while mapping
            check.flagged = np.concatenate(
                [
                    c.flagged if c.flagged is not None else np.zeros(len(m), dtype=bool)
                    for _, _, m, c, _ in parts
                ]
            )
        tables[table] = coerce_table(
            frame, schema, check, tz=tz, dup_check_max_rows=params.data.dup_check_max_rows
        )
        checks[table], schemas[table] = check, schema
    _survey_rosters(tables, per_table, problems, params.surveys.instruments)
    check_references(tables, checks, schemas)
    for check in checks.values():
        problems.extend(check.problems)
        info.extend(check.quality)
    for required in REQUIRED_TABLES:
        if required not in per_table and required not in attempted:
            where = str(folder) if folder is not None else "data.tables"
            problems.append(
                DataProblem(
                    where,
                    f"required table {required!r} not found",
                    expected=f"a file {required}.csv/.xlsx/.parquet or an export a profile "
                    f"maps to {required} (see `sales-analytics validate --profiles`)",
                )
            )
    quality = quality_frame(info)
    if problems:
        return DataCheck(None, problems, quality, sources, skipped)
    ds = Dataset()
    for table in sorted(tables, key=lambda t: (t not in TABLE_SCHEMAS, t)):
        ds.tables[table] = tables[table]
    for src in sources:
        key = src.table if src.table not in ds.sources else f"{src.table}:{Path(src.path).name}"
        ds.sources[key] = src
    ds.quality = quality
    return DataCheck(ds, [], quality, sources, skipped)


def _survey_rosters(
    tables: dict[str, pd.DataFrame],
    per_table: dict[str, Any],
    problems: list[DataProblem],
    instruments: str = "",
) -> None:
    """Fill survey grouping columns looked up through a roster table, now that every table is read."""
    for table, frame in list(tables.items()):
        if not _is_survey(table) or not any(str(c).startswith("_roster_") for c in frame.columns):
            continue
        from sales_analytics.surveys.importing import resolve_rosters

        parts = per_table.get(table, [])
        files = ", ".join(str(job.path) for job, *_ in parts)
        rows = [r for _, _, mapped, _, raw in parts for r in raw.rows_of(range(len(mapped)))]
        try:
            tables[table] = resolve_rosters(
                frame, table, tables, file=files, file_rows=rows, instruments_dir=instruments
            )
        except DataError as exc:
            problems.extend(exc.problems)


def load_dataset(
    source: str | Path | Parameters | None = None, *, params: Parameters | None = None
) -> Dataset:
    """Load and validate every canonical table found; raise one :class:`DataError` listing all problems.

    Parameters
    ----------
    source : a data folder, a parameters file, a loaded ``Parameters`` object, or None
        (``data.dir`` from ``parameters/default.yaml``, else ``$SALES_ANALYTICS_DATA`` or ``data/sample``).
        A folder holding ``_snapshot.json`` (a run's ``inputs/``) is read as a snapshot, without
        re-validation, only when it verifies against the hashes its run recorded; otherwise it is
        validated like any folder.
    params : the parameters to use with a folder ``source`` (time zone, ``data`` section).

    Returns
    -------
    Dataset
        ``ds.orders``, ``ds.reps`` … with canonical columns and dtypes;
        ``ds.sources`` maps each table to its :class:`SourceInfo` (path, profile, sha256, rows;
        a second file feeding the same table is keyed ``<table>:<file name>``);
        ``ds.quality`` lists the data-quality findings.
    """
    result = check_data(source, params=params)
    if result.problems:
        raise DataError(result.problems)
    assert result.dataset is not None
    for row in result.quality.itertuples():
        if row.severity == "warning":
            log.warning("%s", row.message)
    return result.dataset


@dataclass
class TableRead:
    """One file read as one canonical table: the frame, its findings, the profile used."""

    frame: pd.DataFrame
    quality: pd.DataFrame
    table: str
    profile: str


@renamed_arguments(tz="timezone")
def inspect_table(
    path: str | Path,
    *,
    table: str | None = None,
    profile: str = "",
    column_map: Any = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    timezone: str = "Asia/Shanghai",
    dup_check_max_rows: int = 500_000,
    instruments: str | Path = "",
) -> TableRead:
    """Read one file into one validated canonical table (no cross-table checks).

    ``profile``: a built-in profile name (``sa.list_profiles()``) or ``"canonical"``;
    ``column_map``: a :class:`ColumnMap`, or a path to a column map YAML file;
    neither: detected from the headers. ``instruments``: the folder of survey instruments
    for a ``survey_<id>`` platform export (empty: ``surveys/``). Raises :class:`DataError`
    with every problem.
    """
    cmap = column_map
    if cmap is not None and not isinstance(cmap, ColumnMap):
        cmap = load_column_map(cmap)
    job = _FileJob(Path(path), table, profile, cmap, sheet, encoding, True)
    raw = read_source_file(
        job.path, encoding=encoding, sheet=sheet, column_types=_typed_csv_columns(job), **_read_options(job)
    )
    det, mapped, check = _map_file(job, raw, [], timezone, str(instruments))
    if det is None or mapped is None or check is None:
        raise DataError(
            [
                DataProblem(
                    str(path),
                    "not a recognised table or export",
                    expected="canonical column names, a known profile or a column_map",
                    found="columns " + ", ".join(map(str, list(raw.frame.columns)[:10])),
                )
            ]
        )
    if check.has_fatal:
        raise DataError(check.problems)
    full = TableCheck(det.table, check.segments, flagged=check.flagged)
    frame = coerce_table(
        mapped.reset_index(drop=True),
        schema_for(det.table),
        full,
        tz=timezone,
        dup_check_max_rows=dup_check_max_rows,
    )
    if check.problems or full.problems:
        raise DataError(check.problems + full.problems)
    notes = [
        {
            "table": det.table,
            "column": "",
            "kind": "read_note",
            "rows": "",
            "count": 0,
            "message": f"{path}: {n}",
            "severity": "info",
        }
        for n in raw.notes
    ]
    return TableRead(frame, quality_frame(notes + check.quality + full.quality), det.table, det.profile)


@renamed_arguments(tz="timezone")
def read_table(
    path: str | Path,
    *,
    table: str | None = None,
    profile: str = "",
    column_map: Any = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    timezone: str = "Asia/Shanghai",
) -> pd.DataFrame:
    """Read one file into one validated canonical table (see :func:`inspect_table`).

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "reps.csv"
    >>> _ = f.write_text("rep_id,rep_name,team\\nr1,Li Lei,East\\n", encoding="utf-8")
    >>> read_table(f)[["rep_id", "team", "active"]].to_dict("records")
    [{'rep_id': 'r1', 'team': 'East', 'active': True}]
    """
    return inspect_table(
        path,
        table=table,
        profile=profile,
        column_map=column_map,
        sheet=sheet,
        encoding=encoding,
        timezone=timezone,
    ).frame
