"""The run's validated snapshot: canonical tables as Parquet plus ``_snapshot.json``.

The monthly run loads and validates the inputs once and writes them into the
bundle's ``inputs/``; every notebook then reads that folder. The marker file
lists each table's file, row count, dtypes and SHA-256, and the original
sources (path, profile, sha256, rows) for the manifest, so reading a snapshot
skips re-validation and costs about one multi-threaded Parquet read.

A marker alone proves nothing: anyone can write ``_snapshot.json`` into a data
folder. A snapshot is trusted (read without re-validation) only when
:func:`snapshot_distrust` finds nothing: the folder is the ``inputs/`` of a run
under the outputs folder, that run's ``manifest.json`` records a SHA-256 for
every snapshot file (``snapshot``, written by the run before any notebook
starts), and the marker and every file match those hashes. Anything else is
read as an ordinary data folder and validated in full.

The orders' string columns (the ids every notebook encodes) also travel as
integer codes: ``_codes_orders.arrow`` (Arrow IPC, zstd) holds each as a
dictionary array whose dictionary is the column's distinct values in order of
first appearance, exactly what ``kpis._core.encode`` computes. Reading a
trusted snapshot builds those columns from the codes and hands the codes to
``encode``'s cache, so no notebook hashes 10M order ids again; the strings the
notebook sees are the same. ``orders.parquet`` itself is unchanged (a folder
read as ordinary data never needs the codes file).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather
import pyarrow.parquet as pq

from sales_analytics.errors import DataError, DataProblem
from sales_analytics.io.dataset import Dataset, SourceInfo, file_sha256

__all__ = [
    "SNAPSHOT_MARKER",
    "LazyTables",
    "read_snapshot",
    "read_snapshot_table",
    "snapshot_distrust",
    "snapshot_hashes",
    "write_snapshot",
]

log = logging.getLogger(__name__)

SNAPSHOT_MARKER = "_snapshot.json"
_QUALITY_FILE = "_quality.parquet"
_FORMAT = 1
# Tables whose string columns the snapshot also stores as codes (``_codes_<table>.arrow``).
_CODED_TABLES = ("orders",)


def write_snapshot(ds: Dataset, folder: str | Path) -> dict[str, Path]:
    """Write every table as ``<folder>/<table>.parquet`` plus ``_snapshot.json`` and ``_quality.parquet``.

    Returns the written table files by table name. The marker holds no time (the run's
    manifest does), so the same tables give the same marker bytes. The marker is written last,
    so a folder without it is never mistaken for a complete snapshot.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / SNAPSHOT_MARKER
    if marker.exists():
        marker.unlink()
    written: dict[str, Path] = {}
    entries = {}

    def write(name: str, frame: pd.DataFrame) -> str:
        path = folder / f"{name}.parquet"
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
        return file_sha256(path)

    for stale in folder.glob("_codes_*.arrow"):  # a codes file belongs to the marker written with it
        stale.unlink()
    # two tables at once: Arrow encodes and compresses without holding the GIL, so the orders
    # (most of the bytes) are written while the smaller tables and the orders' codes are; the
    # files are the same
    with ThreadPoolExecutor(max_workers=2) as pool:
        largest_first = sorted(ds.tables.items(), key=lambda item: -len(item[1]))
        digests = {}
        encoded: dict[str, dict[str, Any]] = {}
        for name, frame in largest_first:
            digests[name] = pool.submit(write, name, frame)
            if name in _CODED_TABLES and len(frame):
                # one task a column: order_id (most of the hashing) beside the orders' Parquet write
                strings = [c for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype)]
                encoded[name] = {str(c): pool.submit(_dictionary_of, frame[c]) for c in strings}
        codes = {
            name: _write_codes({c: f.result() for c, f in arrays.items()}, folder / f"_codes_{name}.arrow")
            for name, arrays in encoded.items()
        }
        for name, frame in ds.tables.items():
            path = folder / f"{name}.parquet"
            written[name] = path
            entries[name] = {
                "file": path.name,
                "rows": len(frame),
                "sha256": digests[name].result(),
                "dtypes": {str(c): str(t) for c, t in frame.dtypes.items()},
            }
            if codes.get(name) is not None:
                entries[name]["codes"] = codes[name]
    ds.quality.reset_index(drop=True).to_parquet(folder / _QUALITY_FILE, index=False)
    manifest = {
        "format": _FORMAT,
        "tables": entries,
        "sources": [asdict(s) for s in ds.sources.values()],
        "source_keys": list(ds.sources),
    }
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(marker)
    log.info("snapshot of %d tables written to %s", len(written), folder)
    return written


def _dictionary_of(column: pd.Series) -> pa.DictionaryArray:
    """A string column as a dictionary array: the dictionary is its distinct values in order of first
    appearance, the indices (null where the value is empty) :func:`encode`'s codes, in the narrowest
    integer type (status needs one byte a row, not four)."""
    from sales_analytics.kpis._core import encode

    pa_arr = getattr(column.array, "_pa_array", None)
    if pa_arr is not None:  # what encode() computes for an Arrow-backed column, left out of its cache
        enc = pc.dictionary_encode(pa_arr)
        enc = enc.combine_chunks() if isinstance(enc, pa.ChunkedArray) else enc
        indices, dictionary = enc.indices, enc.dictionary
    else:
        c = encode(column)
        indices, dictionary = pa.array(c.codes, mask=c.codes < 0), pa.array(c.uniques)
    n = len(dictionary)
    itype = pa.int8() if n < 2**7 else pa.int16() if n < 2**15 else pa.int32() if n < 2**31 else pa.int64()
    return pa.DictionaryArray.from_arrays(indices.cast(itype), dictionary.cast(pa.large_string()))


def _write_codes(arrays: dict[str, pa.DictionaryArray], path: Path) -> dict[str, Any] | None:
    """Write a table's coded columns to ``path`` (Arrow IPC, zstd); their marker entry (None: none)."""
    if not arrays:
        return None
    table = pa.table(arrays)
    options = pa.ipc.IpcWriteOptions(compression="zstd")
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return {"file": path.name, "columns": list(arrays), "sha256": file_sha256(path)}


def _listed_files(entries: dict[str, Any]) -> set[str]:
    """The files a marker's table entries name: each table's Parquet file and codes file."""
    files = {e["file"] for e in entries.values()}
    files |= {e["codes"]["file"] for e in entries.values() if "codes" in e}
    return files


def snapshot_hashes(written: dict[str, Path]) -> dict[str, str]:
    """The record a run keeps of its snapshot: ``inputs/<file>`` → SHA-256 (codes and marker included)."""
    files = sorted({Path(p) for p in written.values()})
    if files:
        folder = files[0].parent
        marker = json.loads((folder / SNAPSHOT_MARKER).read_text(encoding="utf-8"))
        files = sorted({folder / name for name in _listed_files(marker["tables"])} | set(files))
        files.append(folder / SNAPSHOT_MARKER)
    return {f"inputs/{f.name}": file_sha256(f) for f in files}


def snapshot_distrust(folder: str | Path, *, outputs: str | Path | None = None) -> str | None:
    """Why the snapshot in ``folder`` is not trusted, or None when it verifies against its run's record.

    ``outputs``: the folder runs publish into (default :func:`sales_analytics.paths.outputs_dir`).
    """
    from sales_analytics import paths

    folder = Path(folder).resolve()
    root = Path(outputs or paths.outputs_dir()).resolve()
    bundle = folder.parent
    # a run's staging folder (<outputs>/.staging/<run>/inputs) is where its notebooks read the
    # snapshot, whichever outputs folder the run was given (`run --outputs`)
    staging = bundle.parent.name == ".staging"
    if folder.name != "inputs" or not (staging or (bundle.is_relative_to(root) and bundle != root)):
        return f"it is not the inputs/ folder of a run under {root}"
    try:
        record = json.loads((bundle / "manifest.json").read_text(encoding="utf-8")).get("snapshot")
    except (OSError, ValueError, AttributeError):
        record = None
    if not isinstance(record, dict) or not record:
        return "its run recorded no snapshot hashes in manifest.json"
    try:
        marker = json.loads((folder / SNAPSHOT_MARKER).read_text(encoding="utf-8"))
        listed = {f"inputs/{name}" for name in _listed_files(marker["tables"])}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "its marker is not a valid snapshot marker"
    if listed | {f"inputs/{SNAPSHOT_MARKER}"} != set(record):
        return "its files differ from those its run recorded"
    for name, digest in sorted(record.items()):
        path = bundle / name
        if not path.is_file() or file_sha256(path) != digest:
            return f"{name} does not match the hash its run recorded"
    return None


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    def mapper(t: pa.DataType) -> object:
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return pd.StringDtype(na_value=np.nan)
        return None

    return table.to_pandas(types_mapper=mapper, split_blocks=True, self_destruct=True)


class _Pending:
    """The value of a table not read yet."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<not read yet>"


_PENDING = _Pending()


class LazyTables(dict):
    """The tables of a snapshot, each read from its Parquet file the first time it is used.

    A notebook that reads three tables pays for three (issue 24: every notebook
    read every table of a 10M-row snapshot). It behaves as the ``dict`` of
    frames it stands for: ``tables[name]``, ``get``, ``items``, ``values``,
    ``dict(tables)`` and iteration read what they hand out; ``name in tables``
    and ``len`` read nothing. :meth:`peek` reads some columns only.
    """

    def __init__(self, names: list[str], loader: Any) -> None:
        super().__init__(dict.fromkeys(names, _PENDING))
        self._loader = loader

    def _resolve(self, name: str) -> pd.DataFrame:
        value = dict.__getitem__(self, name)
        if value is _PENDING:
            value = self._loader(name, None)
            dict.__setitem__(self, name, value)
        return value

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self._resolve(name)

    def __iter__(self) -> Iterator[str]:  # overridden so that dict(tables) goes through __getitem__
        return dict.__iter__(self)

    def get(self, name: str, default: Any = None) -> Any:
        return self._resolve(name) if dict.__contains__(self, name) else default

    def values(self) -> list[pd.DataFrame]:  # type: ignore[override]
        return [self._resolve(k) for k in self]

    def items(self) -> list[tuple[str, pd.DataFrame]]:  # type: ignore[override]
        return [(k, self._resolve(k)) for k in self]

    def pop(self, name: str, *default: Any) -> Any:
        if dict.__contains__(self, name):
            value = self._resolve(name)
            dict.__delitem__(self, name)
            return value
        if default:
            return default[0]
        raise KeyError(name)

    def setdefault(self, name: str, default: Any = None) -> Any:
        if dict.__contains__(self, name):
            return self._resolve(name)
        dict.__setitem__(self, name, default)
        return default

    def copy(self) -> dict[str, pd.DataFrame]:
        return dict(self.items())

    def is_read(self, name: str) -> bool:
        """Whether ``name`` was read already (or set directly)."""
        return dict.__contains__(self, name) and dict.__getitem__(self, name) is not _PENDING

    def peek(self, name: str, columns: list[str]) -> pd.DataFrame:
        """Only ``columns`` of a table (those it has), without reading the rest or keeping it."""
        if self.is_read(name):
            frame = dict.__getitem__(self, name)
            return frame[[c for c in columns if c in frame.columns]]
        return self._loader(name, columns)

    def __repr__(self) -> str:
        return "LazyTables(" + ", ".join(f"{k}{'' if self.is_read(k) else ' (not read)'}" for k in self) + ")"


def _read_coded(
    path: Path, codes_path: Path, wanted: list[str] | None, coded: list[str], rows: int
) -> pd.DataFrame | None:
    """Columns ``wanted`` (None: all) of a table, those in ``coded`` built from the codes file; None to
    read it plainly.

    Each coded column's codes go to ``encode``'s cache. The codes file is checked for what a
    writer could get wrong cheaply (its columns, length, and codes in order of first appearance
    using every dictionary value); anything amiss is logged and the table read from Parquet.
    """
    from sales_analytics.kpis._core import dictionary_codes, remember_codes

    schema = pq.read_schema(path)
    wanted = schema.names if wanted is None else wanted
    from_codes = [c for c in wanted if c in coded]
    if not from_codes:
        return None
    try:
        # only the wanted columns are decompressed (a notebook often peeks at a few)
        ids = feather.read_table(str(codes_path), columns=from_codes, memory_map=True)
        arrays = {c: _checked_codes(ids.column(c), rows) for c in from_codes}
    except (OSError, pa.ArrowException, KeyError, ValueError) as exc:
        log.warning(
            "%s: its codes are not used (%s); the columns are read from %s", codes_path, exc, path.name
        )
        return None
    rest = [c for c in wanted if c not in arrays]
    plain = pq.read_table(path, columns=rest) if rest else pa.table({})
    columns = []
    for c in wanted:
        if c in arrays:
            # the strings the Parquet file holds, from the same dictionary: the type it was written with
            columns.append(arrays[c].cast(schema.field(c).type))
        else:
            columns.append(plain.column(c))
    table = pa.Table.from_arrays(columns, names=wanted, metadata=schema.metadata)
    del plain, columns
    frame = _to_pandas(table)
    for c in from_codes:
        column = frame[c]
        remember_codes(column, dictionary_codes(arrays[c], column.dtype))
    return frame


def _checked_codes(column: pa.ChunkedArray, rows: int) -> pa.DictionaryArray:
    """One dictionary array of a codes file's column, checked to be codes in order of first appearance."""
    arr = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if not pa.types.is_dictionary(arr.type) or len(arr) != rows:
        raise ValueError(f"{column.type} of {len(arr)} rows is not a dictionary of {rows} rows")
    if arr.dictionary.null_count:
        raise ValueError("a dictionary holds an empty value")
    indices = arr.indices if arr.indices.null_count == 0 else pc.fill_null(arr.indices, -1)
    codes = indices.to_numpy(zero_copy_only=False)
    # first appearance: each code is at most one above every code before it, and the last new
    # code is the last dictionary value (every value is used)
    seen = np.maximum.accumulate(codes)
    top = int(seen[-1]) if len(seen) else -1
    if (
        top != len(arr.dictionary) - 1
        or (len(codes) and (codes[0] > 0 or codes.min() < -1))
        or (codes[1:] > seen[:-1] + 1).any()
    ):
        raise ValueError("its codes are not in order of first appearance")
    return arr


def read_snapshot_table(folder: str | Path, name: str, *, columns: list[str] | None = None) -> pd.DataFrame:
    """Table ``name`` of a snapshot (only ``columns`` if given), its files checked against the marker.

    The SHA-256 of the table's Parquet file and of its codes file must match the marker, so the
    codes are used (``kpis.read_orders`` on a run's ``inputs/`` folder).
    """
    folder = Path(folder)
    try:
        entry = json.loads((folder / SNAPSHOT_MARKER).read_text(encoding="utf-8"))["tables"][name]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(
            [DataProblem(str(folder / SNAPSHOT_MARKER), f"lists no table {name!r} ({exc})")]
        ) from None
    files = [(entry["file"], entry["sha256"])]
    if "codes" in entry:
        files.append((entry["codes"]["file"], entry["codes"]["sha256"]))
    for file, digest in files:
        path = folder / file
        if not path.is_file() or file_sha256(path) != digest:
            raise DataError(
                [
                    DataProblem(
                        str(path), "changed since the snapshot was written", expected=f"sha256 {digest[:12]}…"
                    )
                ]
            )
    ds = read_snapshot(folder, lazy=True, trusted=True)
    return ds.tables[name] if columns is None else ds.peek(name, columns)


def read_snapshot(
    folder: str | Path, *, verify: bool = False, lazy: bool = False, trusted: bool = False
) -> Dataset:
    """Read a snapshot written by :func:`write_snapshot` (already validated: no checks again).

    ``verify`` recomputes each file's SHA-256 against the marker. Dtypes are
    compared with the marker either way; a difference means the snapshot was
    altered and raises :class:`DataError`. ``lazy`` reads each table when it
    is first used (:class:`LazyTables`; the dtype check then happens at that
    read): what a notebook of a run does with the run's own snapshot.
    ``trusted``: the caller checked the files against the run's record
    (:func:`snapshot_distrust` found nothing). The orders' id columns are then
    built from the snapshot's codes, which ``encode`` reuses; so they are with
    ``verify``. Otherwise every column is read from its Parquet file.
    """
    folder = Path(folder)
    marker = folder / SNAPSHOT_MARKER
    if not marker.is_file():
        raise DataError(
            [
                DataProblem(
                    str(folder),
                    "is not a snapshot (no _snapshot.json)",
                    expected="a folder written by write_snapshot",
                )
            ]
        )
    try:
        manifest = json.loads(marker.read_text(encoding="utf-8"))
        entries = manifest["tables"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError([DataProblem(str(marker), f"is not a valid snapshot marker: {exc}")]) from None
    ds = Dataset()
    problems = []
    for entry in entries.values():
        path = folder / entry["file"]
        if not path.is_file():
            problems.append(DataProblem(str(path), "listed in the snapshot but missing"))
            continue
        checked = [(path, entry["sha256"])]
        if "codes" in entry:
            checked.append((folder / entry["codes"]["file"], entry["codes"]["sha256"]))
        for file, digest in checked if verify else ():
            if not file.is_file() or file_sha256(file) != digest:
                problems.append(
                    DataProblem(
                        str(file),
                        "changed since the snapshot was written",
                        expected=f"sha256 {digest[:12]}…",
                    )
                )
    if problems:
        raise DataError(problems)

    def load(name: str, columns: list[str] | None) -> pd.DataFrame:
        entry = entries[name]
        path = folder / entry["file"]
        wanted = list(entry["dtypes"]) if columns is None else [c for c in columns if c in entry["dtypes"]]
        coded = entry.get("codes") if trusted or verify else None
        frame = None
        if coded:
            frame = _read_coded(
                path, folder / coded["file"], columns and wanted, coded["columns"], entry["rows"]
            )
        if frame is None:
            frame = _to_pandas(pq.read_table(path, columns=None if columns is None else wanted))
        if columns is not None:
            return frame
        found = {str(c): str(t) for c, t in frame.dtypes.items()}
        if found != entry["dtypes"]:
            raise DataError(
                [
                    DataProblem(
                        str(path),
                        "columns or dtypes differ from the snapshot marker",
                        expected=str(entry["dtypes"])[:200],
                        found=str(found)[:200],
                    )
                ]
            )
        return frame

    if lazy:
        ds.tables = LazyTables(list(entries), load)
    else:
        for name in entries:
            try:
                ds.tables[name] = load(name, None)
            except DataError as exc:
                problems.extend(exc.problems)
        if problems:
            raise DataError(problems)
    keys = manifest.get("source_keys") or [s["table"] for s in manifest.get("sources", [])]
    for key, src in zip(keys, manifest.get("sources", [])):
        ds.sources[key] = SourceInfo(**src)
    quality = folder / _QUALITY_FILE
    if quality.is_file():
        ds.quality = pd.read_parquet(quality)
    return ds
