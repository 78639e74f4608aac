"""What a lever notebook needs, in one call: parameters, data, period, publishing.

Every notebook in ``notebooks/`` starts with the same tagged ``parameters``
cell and then::

    ctx = sa.open_notebook(period=period, data=data, language=language,
                           parameters_file=parameters_file, output_dir=output_dir)
    ds = ctx.dataset            # validated canonical tables
    ctx.publish("kpi_sales_by_rep", table)

so no notebook builds a path, reads a raw file or writes outside its output
folder. A monthly run passes its validated snapshot as ``data`` and its
staging folder as ``output_dir``; an analyst's run publishes to a scratch
folder (``outputs/.scratch/<period>/tables``), never into a published bundle.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sales_analytics import paths
from sales_analytics.errors import SalesAnalyticsError
from sales_analytics.io import Dataset, load_dataset
from sales_analytics.periods import Period, parse_period
from sales_analytics.report.labels import label

if TYPE_CHECKING:
    from sales_analytics.config import Parameters

__all__ = [
    "NotebookContext",
    "Shown",
    "latest_month_in",
    "open_notebook",
    "publish_table",
    "table_description",
]

log = logging.getLogger(__name__)

_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
_DESCRIPTION_KEY = b"sales_analytics.description"


def latest_month_in(orders: pd.DataFrame) -> Period:
    """The latest month whose last day the orders reach (a complete month of data)."""
    if orders.empty:
        raise SalesAnalyticsError("the orders table is empty: there is no month to report")
    last = pd.Timestamp(orders["order_date"].max())
    month = Period.of(last.date())
    return month if last.date() >= month.end else month.previous()


@dataclass(frozen=True)
class Coverage:
    """The months the orders cover: ``first`` … ``last`` (months with an order) and the last order day."""

    first: Period
    last: Period
    last_date: date

    def text(self) -> str:
        return f"{self.first} … {self.last}"

    def contains(self, period: Period) -> bool:
        return self.first.start <= period.start and period.end <= self.last.end

    def as_of(self, period: Period, today: date | None = None) -> date | None:
        """The day a bundle of ``period`` is complete to, or ``None`` when the month is complete.

        A month is incomplete while it is not over (``today`` ≤ its last day)
        or when it is the last month of the data and the orders stop before its
        last day. Then the bundle is *as of* the last order day (at most the
        day before ``today``).

        >>> cov = Coverage(parse_period("2024-12"), parse_period("2026-12"), date(2026, 12, 2))
        >>> cov.as_of(parse_period("2026-12"), today=date(2026, 12, 3)), cov.as_of(parse_period("2026-11"))
        (datetime.date(2026, 12, 2), None)
        """
        today = today or date.today()
        not_over = today <= period.end
        cut_short = period == self.last and self.last_date < period.end
        if not (not_over or cut_short):
            return None
        day = min(self.last_date, period.end, today - timedelta(days=1))
        return max(day, period.start)


def data_coverage(orders: pd.DataFrame | None) -> Coverage | None:
    """The :class:`Coverage` of an orders table (``None`` when there are no dated orders).

    >>> o = pd.DataFrame({"order_date": pd.to_datetime(["2024-12-03", "2026-11-30"])})
    >>> data_coverage(o).text()
    '2024-12 … 2026-11'
    """
    if orders is None or orders.empty or "order_date" not in orders.columns:
        return None
    dates = pd.to_datetime(orders["order_date"], errors="coerce")
    first, last = dates.min(), dates.max()
    if pd.isna(first):
        return None
    return Coverage(Period.of(first.date()), Period.of(last.date()), last.date())


def as_of_text(day: date, language: str) -> str:
    """The banner of a partial bundle: ``截至 2026-12-02`` / ``as of 2026-12-02``."""
    return label("run_partial_as_of", language).format(date=day.isoformat())


def publish_table(frame: pd.DataFrame, name: str, folder: str | Path, *, description: str = "") -> Path:
    """Write one result table as ``<folder>/<name>.parquet``; the name is checked.

    ``description`` (one line, shown on the Excel report's contents sheet) is
    kept in the Parquet file's metadata, so the table and its description
    travel together. The file's bytes depend only on the frame and the
    description: publishing the same table twice gives the same file.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = publish_table(pd.DataFrame({"period": ["2026-10"], "revenue": [10.0]}), "kpi_demo", folder,
    ...                      description="Revenue by month")
    >>> path.name, table_description(path)
    ('kpi_demo.parquet', 'Revenue by month')
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not isinstance(name, str) or not _TABLE_NAME.match(name):
        raise SalesAnalyticsError(
            f"table name {name!r} must be lower_snake_case letters, digits and _ (2-63 characters)"
        )
    if not isinstance(frame, pd.DataFrame):
        raise SalesAnalyticsError(f"table {name!r} must be a pandas DataFrame; got {type(frame).__name__}")
    if "period" not in frame.columns:
        raise SalesAnalyticsError(f"table {name!r} has no 'period' column; every result table carries one")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.parquet"
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    if description:
        meta = dict(table.schema.metadata or {})
        meta[_DESCRIPTION_KEY] = " ".join(str(description).split()).encode("utf-8")
        table = table.replace_schema_metadata(meta)
    # Write to a temporary name first so that a reader never sees half a table.
    tmp = path.with_name(f".{name}.parquet.tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)
    return path


def table_description(path: str | Path) -> str:
    """The description stored by :func:`publish_table` in a Parquet file ('' when none)."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    return meta.get(_DESCRIPTION_KEY, b"").decode("utf-8")


@dataclass(frozen=True)
class Shown:
    """What a notebook cell shows of a section: headings, notes and tables, displayed in order."""

    parts: tuple[Any, ...]

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(*self.parts)


@dataclass
class NotebookContext:
    """Parameters, period, dataset and publishing target of one notebook execution."""

    period: Period
    language: str
    params: Parameters
    dataset: Dataset
    data_dir: Path
    output_dir: Path
    published: dict[str, Path] = field(default_factory=dict)
    as_of: date | None = None  # set when the month is incomplete: figures are as of this day

    def t(self, key: str) -> str:
        """The label of ``key`` in this notebook's language."""
        return label(key, self.language)

    def show(self, table: str, frame: pd.DataFrame, *, max_rows: int | None = 15, **options: Any) -> Any:
        """``frame`` (rows of the published table ``table``) formatted for this report.

        Headers in the notebook's language, units from the table catalog, at
        most ``max_rows`` rows with a note that the full table is in
        report.xlsx (:func:`sales_analytics.report.present.present`; ``options``
        go to it: ``sort_by``, ``columns``, ``units`` …). ``display()`` it.
        """
        from sales_analytics.report.present import present, table_title

        where = f"report.xlsx「{table_title(table, self.language)}」"
        options.setdefault("currency", self.params.currency)
        return present(frame, table, language=self.language, max_rows=max_rows, where=where, **options)

    def heading(self, key: str, *, level: int = 3, suffix: str = "", note: str = "") -> Any:
        """A markdown heading with the label of ``key`` and ``suffix`` (``### 降级客户 (12)``),
        followed by the label of ``note`` as a paragraph when given."""
        from IPython.display import Markdown

        text = f"{self.t(key)} {suffix}".strip()
        return Markdown(f"{'#' * level} {text}" + (f"\n\n{self.t(note)}" if note else ""))

    def title(self, key: str) -> Any:
        """The notebook's title: the label of ``key`` and the month (``## 销售业绩 · 2026年10月``)."""
        from IPython.display import Markdown

        return Markdown(f"## {self.t(key)} · {self.period.label(self.language)}")

    def publish_and_show(
        self,
        name: str,
        frame: pd.DataFrame | None,
        *,
        shown: pd.DataFrame | None = None,
        query: str = "",
        missing: str = "",
        empty: str = "",
        heading: str = "",
        note: str | tuple[str, ...] = "",
        labelled: tuple[str, ...] = (),
        **options: Any,
    ) -> Any:
        """Publish ``frame`` as ``name`` and return what the report shows of it (``display()`` it).

        ``shown`` are the rows to show (default: all of ``frame``, or those
        matching ``query``; at most ``max_rows``), under the label of
        ``heading`` and the paragraphs of ``note`` (a label key or several)
        when given, or the label of ``empty`` instead of a table with no rows; ``labelled``
        columns hold label keys shown as their labels (``status`` → 落后);
        ``options`` go to :meth:`show`. A section with nothing to compute
        passes ``frame=None``: nothing is published and the label of
        ``missing`` says why.
        """
        from IPython.display import Markdown

        if frame is None:
            return Shown((Markdown(self.t(missing)),) if missing else ())
        self.publish(name, frame)
        rows = frame if shown is None else shown
        if query:
            rows = rows.query(query)
        if labelled:
            rows = rows.assign(**{c: rows[c].map(self.t, na_action="ignore") for c in labelled})
        parts = [self.heading(heading)] if heading else []
        notes = (note,) if isinstance(note, str) else note
        parts += [Markdown("\n\n".join(self.t(k) for k in notes))] if any(notes) else []
        if empty and frame.empty:
            return Shown((*parts, Markdown(self.t(empty))))
        return Shown((*parts, self.show(name, rows, **options)))

    def publish_month(
        self, name: str, frame: pd.DataFrame | None, *, missing: str = "", **options: Any
    ) -> Any:
        """Publish the months of ``frame`` up to this notebook's and show this month's rows.

        The step every history table takes (sales, attainment and activities
        per rep or team): a later month in the data is not published, only
        the report month is displayed. ``frame=None``: see :meth:`publish_and_show`.
        """
        if frame is None:
            return self.publish_and_show(name, None, missing=missing, **options)
        month = str(self.period)
        through = frame[frame["period"] <= month]
        return self.publish_and_show(name, through, shown=through[through["period"] == month], **options)

    def publish_all(self, tables: Mapping[str, pd.DataFrame]) -> list[Path]:
        """Publish every table of ``tables`` (name → frame), in order."""
        return [self.publish(name, frame) for name, frame in tables.items()]

    def publish(self, name: str, frame: pd.DataFrame, description: str = "") -> Path:
        """Save a result table for the bundle (Parquet; the run adds it to report.xlsx).

        The table must be declared in the table catalog (:mod:`sales_analytics.tables`)
        and match its declaration: an undeclared name or a column missing,
        undeclared or of another kind is an error naming the table and column.
        The description stored with the table (one line on the Excel contents
        sheet) is the catalog's, in this notebook's language; ``description``
        is kept for callers of earlier releases and used only when the catalog
        has none.
        """
        from sales_analytics.tables import check_table, conform_empty, describe

        if isinstance(frame, pd.DataFrame):
            frame = conform_empty(name, frame)
            check_table(name, frame)
        path = publish_table(
            frame, name, self.output_dir, description=describe(name, self.language) or description
        )
        self.published[name] = path
        log.info("published %s (%d rows) to %s", name, len(frame), path)
        return path


def open_notebook(
    *,
    period: str = "",
    data: str = "",
    language: str = "zh",
    parameters_file: str = "",
    output_dir: str = "",
    dataset: Dataset | None = None,
) -> NotebookContext:
    """Resolve a notebook's parameters into a :class:`NotebookContext`.

    Empty strings mean the defaults: the latest complete month in the data, the
    data folder from :mod:`sales_analytics.paths`, ``parameters/default.yaml``
    and the scratch output folder.
    """
    from sales_analytics.config import load_parameters
    from sales_analytics.report.theme import use_theme_on_import

    params = load_parameters(
        parameters_file or None, period=period or None, overrides={"language": language} if language else None
    )
    data_dir = paths.input_folder(data, params.data.dir)
    ds = dataset if dataset is not None else load_dataset(data_dir, params=params)
    dates = ds.peek("orders", ["order_date"])  # from a run's snapshot: that column alone, not the table
    p = parse_period(period) if period else latest_month_in(dates if dates is not None else ds.orders)
    if p.grain != "month":
        raise SalesAnalyticsError(f"a notebook reports one month; got {p} (a {p.grain})")
    out = Path(output_dir) if output_dir else paths.outputs_dir() / ".scratch" / str(p) / "tables"
    use_theme_on_import()  # charts get the theme; a notebook without charts never loads matplotlib
    coverage = data_coverage(dates)
    as_of = coverage.as_of(p) if coverage is not None else None
    if as_of is not None:  # every page of a partial bundle says so at its top
        _show_banner(as_of_text(as_of, params.language))
    return NotebookContext(
        period=p,
        language=params.language,
        params=params,
        dataset=ds,
        data_dir=data_dir,
        output_dir=out,
        as_of=as_of,
    )


def _show_banner(text: str) -> None:
    try:
        from IPython.display import Markdown, display
    except ImportError:  # outside IPython: the log is the only reader
        log.warning("%s", text)
        return
    display(Markdown(f"**{text}**"))
