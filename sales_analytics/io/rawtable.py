"""A file's table before mapping (:class:`RawTable`), the reader's error and text-encoding detection.

Shared by the readers of :mod:`sales_analytics.io.readers` (CSV, Excel, Parquet)
and :mod:`sales_analytics.io.jsonfiles` (JSON, JSON Lines), so neither imports the other's module.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sales_analytics.errors import DataError, DataProblem

__all__ = ["RawTable", "detect_encoding"]

_HEAD_BYTES = 256 * 1024
_ENCODINGS = ("utf-8", "gbk", "gb18030")


@dataclass
class RawTable:
    """A file's table before mapping: columns as found, values mostly text.

    ``row_numbers[i]`` is the row the user sees for record ``i`` (1-based, the
    header line counted); when ``None`` it is ``first_row + i``.
    """

    frame: pd.DataFrame
    path: str
    format: str
    first_row: int = 2
    row_numbers: np.ndarray | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)

    def rows_of(self, positions: Sequence[int] | np.ndarray) -> list[int]:
        """File row numbers of record positions (0-based)."""
        pos = np.asarray(positions, dtype=np.int64)
        if self.row_numbers is not None:
            return [int(r) for r in self.row_numbers[pos]]
        return [int(p) + self.first_row for p in pos]


def _fail(path: str, problem: str, **kw: Any) -> DataError:
    return DataError([DataProblem(path, problem, **kw)])


def _decode_head(data: bytes, enc: str, complete: bool) -> str:
    decoder = codecs.getincrementaldecoder(enc)(errors="strict")
    return decoder.decode(data, final=complete)


def detect_encoding(head: bytes, name: str, complete: bool, declared: str | None = None) -> str:
    """The encoding of a text file from its first bytes: BOM, then UTF-8, GBK, GB18030."""
    if declared:
        try:
            codecs.lookup(declared)
        except LookupError:
            raise _fail(name, f"unknown encoding {declared!r}", expected="e.g. utf-8, gbk, gb18030") from None
        try:
            _decode_head(head, declared, complete)
        except UnicodeDecodeError as exc:
            raise _fail(
                name,
                f"cannot be decoded as {declared} (byte {exc.start + 1}: "
                f"{head[exc.start : exc.start + 4]!r})",
                expected=f"a file saved as {declared}, or no `encoding` so it is detected",
            ) from None
        return declared
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if b"\x00" in sample or sum(b < 9 or 13 < b < 32 for b in sample) > len(sample) * 0.02:
        raise _fail(name, "looks like a binary file, not text", expected="CSV text (UTF-8, GBK or GB18030)")
    first_error: UnicodeDecodeError | None = None
    for enc in _ENCODINGS:
        try:
            _decode_head(head, enc, complete)
            return enc
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    pos = first_error.start if first_error else 0
    raise _fail(
        name,
        f"is not in a supported text encoding (byte {pos + 1}: {head[pos : pos + 4]!r})",
        expected="UTF-8, UTF-8 with BOM, GBK or GB18030",
    )
