"""Small vectorised helpers shared by the generator modules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sales_analytics.periods import Period

STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default ``str`` dtype
_ARROW_TO_STR = {pa.string(): STR, pa.large_string(): STR}.get


@dataclass(frozen=True)
class Window:
    """The months covered by the sample and their day range (naive local time)."""

    months: tuple[Period, ...]

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.months[0].start)

    @property
    def end(self) -> pd.Timestamp:
        """The first instant after the window (midnight after its last day)."""
        return pd.Timestamp(self.months[-1].end) + pd.Timedelta(days=1)

    @property
    def days(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, self.end - pd.Timedelta(days=1), freq="D")


def child(seed: int, stream: int) -> np.random.Generator:
    """An independent generator for one table, so tables do not shift each other."""
    return np.random.default_rng([seed, stream])


def arrow_str(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """An Arrow string array as a pandas ``str`` Series (no per-row Python)."""
    out = pd.Series(values.to_pandas(types_mapper=_ARROW_TO_STR))
    return out if out.dtype == STR else out.astype(STR)


def take_str(labels: Sequence[str] | np.ndarray, codes: np.ndarray) -> pd.Series:
    """``labels[codes]`` as a ``str`` Series, fast for millions of rows; code -1 gives a missing value."""
    codes = np.asarray(codes)
    mask = codes < 0
    indices = pa.array(np.where(mask, 0, codes), mask=mask) if mask.any() else pa.array(codes)
    return arrow_str(pa.array(np.asarray(labels, dtype=object), type=pa.string()).take(indices))


def arrow_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded ``numbers``, e.g. ``O00000042``, as an Arrow string array."""
    digits = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def make_ids(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    """``prefix`` + zero-padded ``numbers``, e.g. ``O00000042``, as a ``str`` Series."""
    return arrow_str(arrow_ids(prefix, numbers, width))


def pick_within_groups(
    rng: np.random.Generator,
    group_of_row: np.ndarray,
    members_sorted: np.ndarray,
    offsets: np.ndarray,
    counts: np.ndarray,
) -> np.ndarray:
    """For each row, one random member of its group (members stored contiguously per group).

    ``members_sorted[offsets[g]: offsets[g] + counts[g]]`` are the members of
    group ``g``; rows whose group has no member get -1.
    """
    c = counts[group_of_row]
    idx = offsets[group_of_row] + (rng.random(len(group_of_row)) * np.maximum(c, 1)).astype(np.int64)
    out = (
        members_sorted[np.minimum(idx, len(members_sorted) - 1)]
        if len(members_sorted)
        else np.full(len(group_of_row), -1)
    )
    return np.where(c > 0, out, -1)
