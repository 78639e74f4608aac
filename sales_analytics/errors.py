"""The package's exceptions: one base class, one subclass per kind of fault.

``DataError`` speaks of input files (file, column, rows, expected vs found);
``ConfigError`` of parameter files (file, key, problem). Both carry the
structured parts so that notebooks and the CLI can show them as a table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ConfigError",
    "DataError",
    "DataProblem",
    "RunError",
    "SalesAnalyticsError",
    "format_rows",
    "problem_at_rows",
    "require_columns",
]

_MAX_ROWS_SHOWN = 5


class SalesAnalyticsError(Exception):
    """Base class of every error this package raises on purpose."""


def format_rows(rows: Sequence[int], max_shown: int = _MAX_ROWS_SHOWN) -> str:
    """Render 1-based row numbers as ``rows 14, 97, 1203`` (first few + count).

    >>> format_rows([3])
    'row 3'
    >>> format_rows([2, 5, 9, 11, 12, 40, 41])
    'rows 2, 5, 9, 11, 12 … (7 rows)'
    """
    rows = list(rows)
    if len(rows) == 1:
        return f"row {rows[0]}"
    shown = ", ".join(str(r) for r in rows[:max_shown])
    if len(rows) > max_shown:
        return f"rows {shown} … ({len(rows)} rows)"
    return f"rows {shown}"


@dataclass(frozen=True)
class DataProblem:
    """One problem found in one input: where it is, what was expected, what was found."""

    file: str
    problem: str
    column: str | None = None
    rows: tuple[int, ...] = ()
    count: int | None = None
    expected: str | None = None
    found: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        head = ", ".join(parts)
        n = self.count if self.count is not None else len(self.rows)
        text = f"{head}: {self.problem}"
        if self.rows:
            text += (
                f" ({format_rows(self.rows)})"
                if n <= len(self.rows)
                else (f" ({format_rows(self.rows)}; {n} in all)")
            )
        if self.expected is not None:
            text += f". Expected {self.expected}"
        if self.found is not None:
            text += f", found {self.found!r}" if self.expected is not None else f". Found {self.found!r}"
        return text + "."


def problem_at_rows(
    file: str,
    problem: str,
    mask: Any,
    *,
    column: str | None = None,
    expected: str | None = None,
    values: Any = None,
) -> DataProblem:
    """A :class:`DataProblem` for the rows where ``mask`` is true: how many, the first few as
    1-based row numbers and, from ``values`` (a Series or an array), the first bad value."""
    import numpy as np

    idx = np.flatnonzero(np.asarray(mask, dtype=bool))
    found = None
    if values is not None and len(idx):
        found = str(values.iloc[idx[0]] if hasattr(values, "iloc") else values[idx[0]])
    return DataProblem(
        file,
        problem,
        column=column,
        rows=tuple(int(i) + 1 for i in idx[:_MAX_ROWS_SHOWN]),
        count=len(idx),
        expected=expected,
        found=found,
    )


class DataError(SalesAnalyticsError):
    """Input data cannot be used. Lists every problem found, not only the first.

    >>> err = DataError([DataProblem("orders.csv", "3 rows are not dates", column="order_date",
    ...                              rows=(14, 97, 1203), expected="YYYY-MM-DD", found="2026/13/01")])
    >>> print(err)
    orders.csv, column 'order_date': 3 rows are not dates (rows 14, 97, 1203). Expected YYYY-MM-DD, found '2026/13/01'.
    """

    def __init__(self, problems: Iterable[DataProblem] | str, *, file: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [DataProblem(file or "<data>", problems)]
        self.problems: list[DataProblem] = list(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems in the input data:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


@dataclass
class _ConfigIssue:
    key: str
    problem: str


class ConfigError(SalesAnalyticsError):
    """A parameter file, instrument file or plan file is wrong.

    >>> print(ConfigError("parameters/incentive_plan.yaml", "tiers[2].rate",
    ...                   "must be a number from 0 to 1. Got '8%' instead"))
    parameters/incentive_plan.yaml, key 'tiers[2].rate': must be a number from 0 to 1. Got '8%' instead.
    """

    def __init__(
        self, file: str, key: str | None = None, problem: str = "", *, issues: Sequence[tuple[str, str]] = ()
    ) -> None:
        self.file = str(file)
        self.issues: list[_ConfigIssue] = [_ConfigIssue(k, p) for k, p in issues]
        if key is not None or problem:
            self.issues.insert(0, _ConfigIssue(key or "", problem))
        super().__init__(self._message())

    @property
    def key(self) -> str:
        return self.issues[0].key if self.issues else ""

    def _message(self) -> str:
        def one(issue: _ConfigIssue) -> str:
            where = f"{self.file}, key {issue.key!r}" if issue.key else self.file
            text = issue.problem.rstrip(".")
            return f"{where}: {text}."

        if len(self.issues) == 1:
            return one(self.issues[0])
        return "\n".join(
            [f"{len(self.issues)} problems in {self.file}:"] + [f"  - {one(i)}" for i in self.issues]
        )


class RunError(SalesAnalyticsError):
    """A monthly run failed (a notebook raised, the lock is held, …)."""


def require_columns(frame: Any, table: str, columns: Iterable[str]) -> None:
    """Raise one DataError naming ``table`` and every required column ``frame`` lacks.

    Every lever function checks its input tables with this at its boundary.

    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"rep_id": []}), "orders", ["order_id", "rep_id"])
    Traceback (most recent call last):
    ...
    sales_analytics.errors.DataError: orders, column 'order_id': required column 'order_id' is missing. Expected columns ['order_id', 'rep_id'], found 'rep_id'.
    """
    import pandas as pd

    columns = list(columns)
    if not isinstance(frame, pd.DataFrame):
        raise DataError(
            [DataProblem(table, "is not a table", expected="a pandas DataFrame", found=type(frame).__name__)]
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns)) or "no columns"
        raise DataError(
            [
                DataProblem(
                    table,
                    f"required column {c!r} is missing",
                    column=c,
                    expected=f"columns {columns}",
                    found=found,
                )
                for c in missing
            ]
        )
