"""Column maps: how a source file's columns become a canonical table.

Every source profile (Zoho, Fxiaoke, chat exports) is a :class:`ColumnMap`,
and so is a user-written map in ``parameters/column_maps/<name>.yaml``::

    table: deals                       # the canonical table produced
    detect: [opportunity_id, deal_stage]   # headers that identify such a file
    columns:                           # canonical column: rule
      deal_id: opportunity_id          # a source column
      rep_id: [Deal Owner.id, Owner.id]    # aliases: the first present wins
      activity_type: {value: call}     # a constant
      amount: {product: [Quantity, UnitPrice]}
      duration_min: {column: Call Duration (in seconds), divide: 60}
      status: {column: deal_stage, map: {Won: won, Lost: lost}, default: open}
      close_date: {column: Close Date, dayfirst: false}     # 3/4/2026 is 4 March
      order_date: {column: 日期, format: "%d.%m.%Y"}         # one strptime format
      order_id: {join: [购药时间, 社保卡号], sep: "|"}          # fields joined
      text: {column: content, from_json: msg}                # a key of a JSON cell
      status: {column: 实收金额, if_negative: refunded, default: paid}
    strip_prefix: zcrm_                # removed from every id column
    refunds: {column: InvoiceNo, prefix: C}   # orders: cancellations become refunds
    invalid_rows: drop                 # opt-in: rows with bad cells are dropped and listed

Map keys are matched case-insensitively after trimming; a value that no key
matches becomes ``default`` when one is given, else stays as found (the
validator then lists the allowed values).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from sales_analytics.config import StrictModel, load_yaml, validate_model
from sales_analytics.errors import ConfigError
from sales_analytics.io.parsing import clean_text, parse_datetimes, parse_ids, parse_numbers
from sales_analytics.io.schemas import TABLE_SCHEMAS, schema_for
from sales_analytics.io.validate import TableCheck, report_date_problems
from sales_analytics.vocabulary import renamed_arguments

__all__ = ["ColumnMap", "ColumnRule", "RefundRule", "apply_column_map", "load_column_map"]


class ColumnRule(StrictModel):
    """How one canonical column is made (one of column / value / product / minutes_between / join)."""

    column: str | list[str] | None = Field(None, description="source column, or aliases tried in order")
    value: Any = Field(None, description="a constant for every row")
    product: list[str] | None = Field(None, description="multiply these numeric columns")
    minutes_between: list[str | list[str]] | None = Field(
        None, description="[start, end] columns (each a name or aliases tried in order): minutes between them"
    )
    join: list[str] | None = Field(None, description="join these columns' texts (empty ones skipped)")
    sep: str = Field(" ", description="separator for join")
    from_json: str | None = Field(None, description="the cell is JSON: take this key (a.b for nested keys)")
    divide: float | None = Field(None, description="divide the numeric value by this")
    map: dict[str, Any] | None = Field(None, description="source value -> canonical value")
    if_negative: Any = Field(None, description="rows whose (numeric) source is below 0 get this value")
    default: Any = Field(None, description="value for unmapped or empty cells")
    strip_prefix: str | None = None
    format: str | None = Field(None, description="dates: one strptime format, e.g. '%d/%m/%Y'")
    dayfirst: bool | None = Field(None, description="dates like 3/4/2026: true = 3 April, false = 4 March")

    @model_validator(mode="after")
    def _one_source(self) -> ColumnRule:
        given = [
            k
            for k in ("column", "value", "product", "minutes_between", "join")
            if getattr(self, k) is not None
        ]
        if len(given) > 1:
            raise ValueError(f"give one of column / value / product / minutes_between / join, not {given}")
        if self.from_json is not None and self.column is None:
            raise ValueError("from_json needs the column that holds the JSON text")
        return self

    @field_validator("map", mode="before")
    @classmethod
    def _keys_as_text(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {str(k): val for k, val in v.items()}
        return v

    def sources(self) -> list[str]:
        if self.column is None:
            return []
        return [self.column] if isinstance(self.column, str) else list(self.column)


class RefundRule(StrictModel):
    """Rows whose ``column`` starts with ``prefix`` are refunds of the order named after the prefix."""

    column: str
    prefix: str


class ColumnMap(StrictModel):
    """A source layout → one canonical table."""

    name: str = ""
    table: str
    description: str = ""
    detect: list[str] | list[list[str]] = Field(
        default_factory=list, description="headers that identify the layout (all must be present)"
    )
    columns: dict[str, str | list[str] | ColumnRule]
    strip_prefix: str | None = None
    refunds: RefundRule | None = None
    invalid_rows: Literal["error", "drop"] = Field(
        "error",
        description="rows with a cell that fails validation: 'error' stops the load; 'drop' drops them "
        "and lists them (file row numbers) in the data-quality table",
    )

    @field_validator("table")
    @classmethod
    def _known_table(cls, v: str) -> str:
        if v not in TABLE_SCHEMAS and not v.startswith("survey_"):
            raise ValueError(f"must be a canonical table, one of {sorted(TABLE_SCHEMAS)} or survey_<id>")
        return v

    def rule(self, target: str) -> ColumnRule:
        spec = self.columns[target]
        if isinstance(spec, ColumnRule):
            return spec
        return ColumnRule(column=spec)

    def detect_groups(self) -> list[list[str]]:
        if not self.detect:
            return []
        if all(isinstance(d, str) for d in self.detect):
            return [list(self.detect)]  # type: ignore[arg-type]
        return [list(g) for g in self.detect]


def load_column_map(path: str | Path) -> ColumnMap:
    """Read and validate a column map YAML file (errors name the file and key)."""
    path = Path(path)
    data = load_yaml(path)
    data.setdefault("name", path.stem)
    cmap = validate_model(ColumnMap, data, path)
    schema = schema_for(cmap.table)
    unknown = [c for c in cmap.columns if c not in schema.by_name and not schema.open_columns]
    if unknown:
        raise ConfigError(
            str(path),
            f"columns.{unknown[0]}",
            f"is not a column of the {cmap.table} table; its columns are {list(schema.by_name)}",
        )
    return cmap


def _find(columns: pd.Index, wanted: list[str]) -> str | None:
    lookup = {str(c).strip().casefold(): c for c in columns}
    for w in wanted:
        if w in columns:
            return w
        hit = lookup.get(w.strip().casefold())
        if hit is not None:
            return hit
    return None


def _first_of_lists(series: pd.Series) -> pd.Series:
    if series.dtype != object:
        return series
    sample = series.dropna()
    if not len(sample) or not any(isinstance(v, list | tuple) for v in sample.iloc[:100]):
        return series
    return series.map(lambda v: (v[0] if len(v) else None) if isinstance(v, list | tuple) else v)


def _mapped(values: pd.Series, rule: ColumnRule) -> pd.Series:
    text = parse_ids(_first_of_lists(values))
    if rule.strip_prefix:
        text = text.str.removeprefix(rule.strip_prefix)
    if rule.map is None:
        return text.where(text.notna(), rule.default) if rule.default is not None else text
    keys = {k.strip().casefold(): v for k, v in rule.map.items()}
    folded = text.str.casefold()
    hit = folded.isin(list(keys))
    out = folded.map(keys).astype(object).where(hit, text if rule.default is None else rule.default)
    return out.where(text.notna() | (rule.default is None), rule.default)


@renamed_arguments(tz="timezone")
def apply_column_map(
    raw: pd.DataFrame, cmap: ColumnMap, check: TableCheck, *, timezone: str = "Asia/Shanghai"
) -> pd.DataFrame:
    """Build the canonical columns of ``cmap.table`` from a raw frame (rows kept in order).

    Columns the map does not mention are dropped. A required canonical column
    whose source is absent is recorded in ``check`` (naming the aliases tried).

    >>> from sales_analytics.io.readers import RawTable
    >>> from sales_analytics.io.validate import Segment
    >>> raw = pd.DataFrame({"opportunity_id": ["o1"], "deal_stage": ["Won"]})
    >>> cmap = ColumnMap(table="deals", columns={"deal_id": "opportunity_id",
    ...     "status": {"column": "deal_stage", "map": {"won": "won"}, "default": "open"}})
    >>> chk = TableCheck("deals", [Segment(RawTable(raw, "p.csv", "csv"), 0, 1)])
    >>> apply_column_map(raw, cmap, chk).to_dict("records")
    [{'deal_id': 'o1', 'status': 'won'}]
    """
    schema = schema_for(cmap.table)
    out: dict[str, pd.Series] = {}
    index = raw.index
    for target in cmap.columns:
        rule = cmap.rule(target)
        spec = schema.by_name.get(target)
        source, col = _source_values(raw, rule, target, spec, check, timezone)
        if col is None:
            continue
        if rule.divide:
            values, bad = parse_numbers(col)
            if bad.any():
                check.error(
                    bad.to_numpy(),
                    "{n} rows are not numbers",
                    source,
                    expected="a number",
                    found=col[bad].iloc[0],
                )
            col = values / rule.divide
        if rule.if_negative is not None:
            out[target] = _signed(col, rule, source, check)
            continue
        if spec is not None and spec.kind in ("date", "instant") and rule.value is None:
            # each file's dates are read on their own (two exporters' formats never mix)
            parsed = parse_datetimes(
                col, timezone=timezone, utc=spec.kind == "instant", dayfirst=rule.dayfirst, fmt=rule.format
            )
            report_date_problems(parsed, col, source, check, target)
            out[target] = parsed.values
            continue
        prefix = rule.strip_prefix or (cmap.strip_prefix if spec is not None and spec.kind == "id" else None)
        if rule.map is not None or rule.default is not None or prefix:
            out[target] = _mapped(col, rule.model_copy(update={"strip_prefix": prefix}))
        else:
            out[target] = _first_of_lists(col)
    frame = pd.DataFrame(out, index=index)
    if cmap.refunds is not None and cmap.table == "orders":
        frame = _apply_refunds(raw, frame, cmap.refunds, check)
    return frame


def _source_values(
    raw: pd.DataFrame, rule: ColumnRule, target: str, spec: Any, check: TableCheck, tz: str
) -> tuple[str, pd.Series | None]:
    """The source column's name (as the user sees it) and the values a rule starts from."""
    index = raw.index
    if rule.value is not None:
        return target, pd.Series([rule.value] * len(raw), index=index, dtype=object)
    names = rule.product or rule.minutes_between or rule.join
    if names:
        found = [_find(raw.columns, [n] if isinstance(n, str) else n) for n in names]
        if rule.join:
            present = [f for f in found if f is not None]
            if not present:
                if spec is not None and spec.required:
                    _absent(
                        check, raw, f"none of the columns {names} to join for {target!r} is present", target
                    )
                return target, None
            parts = [clean_text(raw[f].astype(object).map(_plain)) for f in present]
            joined = parts[0].astype(object)
            for part in parts[1:]:
                both = joined.notna() & part.notna()
                joined = joined.where(~both, joined.astype(str) + rule.sep + part.astype(str))
                joined = joined.where(joined.notna(), part)
            return " + ".join(map(str, present)), joined
        if any(f is None for f in found):
            absent = [n for n, f in zip(names, found) if f is None]
            if spec is not None and spec.required:
                _absent(check, raw, f"column(s) {absent} needed for {target!r} are missing", target)
            return target, None
        if rule.product:
            result = pd.Series(1.0, index=index)
            for f in found:
                values, bad = parse_numbers(raw[f])
                if bad.any():
                    check.error(
                        bad.to_numpy(),
                        "{n} rows are not numbers",
                        f,
                        expected="a number",
                        found=raw[f][bad].iloc[0],
                    )
                result = result * values
        else:
            start = parse_datetimes(raw[found[0]], timezone=tz).values
            end = parse_datetimes(raw[found[1]], timezone=tz).values
            result = (end - start).dt.total_seconds() / 60.0
        return target, result
    source = _find(raw.columns, rule.sources())
    if source is None:
        if rule.default is not None:
            return target, pd.Series([rule.default] * len(raw), index=index, dtype=object)
        if spec is not None and spec.required:
            check.fatal(
                f"required column {target!r} not found",
                column=target,
                expected=f"one of the columns {rule.sources()}; or say which column it is in a column map: "
                f"columns: {{{target}: <the file's column>}}",
                found="columns " + ", ".join(map(str, raw.columns[:15])),
            )
        return target, None
    col = raw[source]
    if rule.from_json is not None:
        col = _json_key(col, rule.from_json, str(source), check)
    return str(source), col


def _absent(check: TableCheck, raw: pd.DataFrame, problem: str, target: str) -> None:
    check.fatal(problem, column=target, found="columns " + ", ".join(map(str, raw.columns[:15])))


def _plain(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return v


def _json_key(col: pd.Series, key: str, source: str, check: TableCheck) -> pd.Series:
    """The value at ``key`` (``a.b`` for nested) of each JSON cell; cells that are not JSON are errors."""
    path = key.split(".")

    def pick(cell: Any) -> tuple[Any, bool]:
        if cell is None or (isinstance(cell, float) and np.isnan(cell)):
            return None, True
        obj = cell
        if isinstance(cell, str):
            if not cell.strip():
                return None, True
            try:
                obj = json.loads(cell)
            except (ValueError, RecursionError):
                return None, False
        for part in path:
            if not isinstance(obj, dict):
                return None, False
            obj = obj.get(part)
        if isinstance(obj, dict | list):
            return json.dumps(obj, ensure_ascii=False), True
        return obj, True

    picked = [pick(v) for v in col.to_numpy(dtype=object)]
    values = pd.Series([v for v, _ in picked], index=col.index, dtype=object)
    bad = np.array([not ok for _, ok in picked], dtype=bool)
    if bad.any():
        check.error(
            bad,
            "{n} rows are not JSON objects with the key " + repr(key),
            source,
            expected=f'JSON like {{"{path[0]}": …}}',
            found=col[bad].iloc[0],
        )
    return values


def _signed(col: pd.Series, rule: ColumnRule, source: str, check: TableCheck) -> pd.Series:
    """``if_negative`` where the number is below 0, else ``default`` (or the mapped/own value)."""
    values, bad = parse_numbers(col)
    if bad.any():
        check.error(
            bad.to_numpy(), "{n} rows are not numbers", source, expected="a number", found=col[bad].iloc[0]
        )
    negative = (values < 0).to_numpy()
    other = (
        pd.Series([rule.default] * len(col), index=col.index, dtype=object)
        if rule.map is None
        else _mapped(col, rule)
    )
    return pd.Series(
        np.where(negative, rule.if_negative, other.astype(object)), index=col.index, dtype=object
    )


def _apply_refunds(
    raw: pd.DataFrame, frame: pd.DataFrame, rule: RefundRule, check: TableCheck
) -> pd.DataFrame:
    source = _find(raw.columns, [rule.column])
    if source is None:
        check.fatal(f"refund column {rule.column!r} is missing", column=rule.column)
        return frame
    marker = clean_text(raw[source]).astype("str")
    refund = marker.str.startswith(rule.prefix).fillna(False).to_numpy(dtype=bool)
    if not refund.any():
        return frame
    frame = frame.copy()
    status = (
        frame["status"] if "status" in frame.columns else pd.Series("paid", index=frame.index, dtype=object)
    )
    frame["status"] = np.where(refund, "refunded", status.astype(object))
    if "amount" in frame.columns:
        amount, _ = parse_numbers(frame["amount"])
        frame["amount"] = np.where(refund, -amount.abs(), amount)
    if "order_id" in frame.columns:
        ids = parse_ids(frame["order_id"])
        frame["order_id"] = ids.where(~refund, ids.str.removeprefix(rule.prefix) + "-R")
    return frame
