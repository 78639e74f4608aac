"""The canonical tables as data: columns, kinds, required, allowed values, keys.

One :class:`TableSchema` per canonical table of docs/architecture.md.
Kinds decide the dtype after loading:

===========  ===========================================================
kind         dtype
===========  ===========================================================
``id``       ``str`` (ids and short labels; ``17850.0`` becomes ``17850``)
``text``     ``str`` (free text: message bodies, descriptions)
``category`` ``str``, lower case, one of ``allowed``
``money``    ``float64`` (amounts in the reporting currency)
``number``   ``float64`` (integer columns stay integer)
``date``     ``datetime64[ns]``, naive, local time of the team
``instant``  ``datetime64[ns, UTC]`` (``chat_messages.sent_at``)
``bool``     ``bool``
``month``    ``str`` ``YYYY-MM`` (``targets.period``)
===========  ===========================================================

The validator (:mod:`sales_analytics.io.validate`) reads these specs; nothing
else is hard-coded per table there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sales_analytics.vocabulary import ACTIVITY_KINDS, DEAL_STATUSES, FEEDBACK_STATUSES, ORDER_STATUSES

__all__ = ["ColumnSpec", "TABLE_SCHEMAS", "TableSchema", "schema_for"]


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column.

    ``required``: the column must exist; ``nullable`` (for required columns):
    empty cells are allowed (``warn_missing`` turns them into a data-quality
    warning instead of silence); ``default``: the value of an absent optional
    column or an empty cell of it (``orders.status`` is ``paid``).
    """

    name: str
    kind: str
    required: bool = False
    nullable: bool = True
    allowed: tuple[str, ...] = ()
    default: object = None
    warn_missing: bool = False
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class TableSchema:
    """A canonical table: its columns, unique key and foreign keys."""

    name: str
    columns: tuple[ColumnSpec, ...]
    unique: tuple[str, ...] = ()
    references: tuple[tuple[str, str, str], ...] = ()  # (column, table, column)
    open_columns: bool = False  # survey tables carry one extra column per item
    doc: str = ""
    by_name: dict[str, ColumnSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {c.name: c for c in self.columns})

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _c(name: str, kind: str, req: bool = False, **kw: object) -> ColumnSpec:
    if req and "nullable" not in kw:
        kw["nullable"] = False
    return ColumnSpec(name, kind, req, **kw)  # type: ignore[arg-type]


_MSG_TYPES = ("text", "image", "file", "link", "voice", "video", "system", "other")

TABLE_SCHEMAS: dict[str, TableSchema] = {
    s.name: s
    for s in (
        TableSchema(
            "orders",
            (
                _c("order_id", "id", True),
                _c("order_date", "date", True),
                _c("customer_id", "id", True, nullable=True, warn_missing=True),
                _c("rep_id", "id", True),
                _c("amount", "money", True),
                _c("status", "category", allowed=ORDER_STATUSES, default="paid"),
                _c("product_id", "id"),
                _c("product_category", "id"),
                _c("quantity", "number"),
                _c("channel", "id"),
            ),
            references=(("rep_id", "reps", "rep_id"),),
            doc="one row per order or order line; refunds are negative rows with status refunded",
        ),
        TableSchema(
            "customers",
            (
                _c("customer_id", "id", True),
                _c("customer_name", "id"),
                _c("region", "id"),
                _c("industry", "id"),
                _c("created_date", "date"),
            ),
            unique=("customer_id",),
        ),
        TableSchema(
            "reps",
            (
                _c("rep_id", "id", True),
                _c("rep_name", "id", True),
                _c("team", "id", True),
                _c("region", "id"),
                _c("manager", "id"),
                _c("hire_date", "date"),
                _c("active", "bool", default=True),
            ),
            unique=("rep_id",),
        ),
        TableSchema(
            "targets",
            (
                _c("period", "month", True),
                _c("rep_id", "id"),
                _c("team", "id"),
                _c("target_amount", "money", True, min=0),
            ),
        ),
        TableSchema(
            "deals",
            (
                _c("deal_id", "id", True),
                _c("rep_id", "id", True),
                _c("customer_id", "id"),
                _c("stage", "id", True),
                _c("status", "category", allowed=DEAL_STATUSES, default="open"),
                _c("amount", "money"),
                _c("probability", "number", min=0, max=100),
                # prospecting deals in real CRMs often have no creation/engagement date yet: kept, reported
                _c("created_date", "date", True, nullable=True, warn_missing=True),
                _c("close_date", "date"),
            ),
            unique=("deal_id",),
            references=(("rep_id", "reps", "rep_id"),),
        ),
        TableSchema(
            "deal_stage_history",
            (
                _c("deal_id", "id", True),
                _c("stage", "id", True),
                _c("changed_at", "date", True),
                _c("close_date", "date"),
                _c("amount", "money"),
                _c("probability", "number", min=0, max=100),
            ),
        ),
        TableSchema(
            "activities",
            (
                _c("activity_id", "id"),
                _c("rep_id", "id", True),
                _c("customer_id", "id"),
                _c("activity_type", "category", True, allowed=ACTIVITY_KINDS),
                _c("activity_at", "date", True),
                _c("duration_min", "number", min=0),
                _c("outcome", "id"),
            ),
            unique=("activity_id",),
            references=(("rep_id", "reps", "rep_id"),),
        ),
        TableSchema(
            "training_sessions",
            (
                _c("session_id", "id", True),
                _c("topic", "id", True),
                _c("category", "category", allowed=("product", "sales_skills", "customer_service")),
                _c("session_date", "date", True),
                _c("cost", "money", min=0),
                _c("hours", "number", min=0),
            ),
            unique=("session_id",),
        ),
        TableSchema(
            "training_attendance",
            (
                _c("session_id", "id", True),
                _c("rep_id", "id", True),
                _c("attended", "bool", True),
                _c("pre_score", "number"),
                _c("post_score", "number"),
            ),
            unique=("session_id", "rep_id"),
            references=(("session_id", "training_sessions", "session_id"), ("rep_id", "reps", "rep_id")),
        ),
        TableSchema(
            "chat_messages",
            (
                _c("message_id", "id"),
                _c("group_id", "id", True),
                _c("sender_id", "id", True),
                _c("sent_at", "instant", True),
                _c("msg_type", "category", allowed=_MSG_TYPES, default="text"),
                _c("text", "text"),
            ),
            unique=("message_id",),
        ),
        TableSchema(
            "feedback",
            (
                _c("feedback_id", "id", True),
                _c("channel", "category", True, allowed=("internal", "customer")),
                _c("submitted_at", "date", True),
                _c("category", "id"),
                _c("text", "text"),
                _c("status", "category", allowed=FEEDBACK_STATUSES, default="open"),
                _c("resolved_at", "date"),
            ),
            unique=("feedback_id",),
        ),
        TableSchema(
            "rewards_penalties",
            (
                _c("event_id", "id"),
                _c("rep_id", "id", True),
                _c("date", "date", True),
                _c("kind", "category", True, allowed=("reward", "penalty")),
                _c("reason", "text"),
                _c("amount", "money"),
                _c("points", "number"),
            ),
            unique=("event_id",),
            references=(("rep_id", "reps", "rep_id"),),
        ),
        TableSchema(
            "handovers",
            (
                _c("customer_id", "id", True),
                _c("from_rep", "id", True),
                _c("to_rep", "id", True),
                _c("effective_date", "date", True),
                _c("reason", "text"),
            ),
            references=(("from_rep", "reps", "rep_id"), ("to_rep", "reps", "rep_id")),
            doc="planned customer handovers between reps (not conflicts; docs/conflicts.md)",
        ),
        TableSchema(
            "survey_invitations",
            (
                _c("instrument", "id", True),
                _c("period", "month", True),
                _c("rep_id", "id"),
                _c("team", "id"),
                _c("customer_id", "id"),
                _c("invited", "number", True, min=0),
            ),
            open_columns=True,
        ),
    )
}

_SURVEY = TableSchema(
    "survey",
    (
        _c("response_id", "id", True),
        _c("submitted_at", "date", True),
        _c("rep_id", "id"),
        _c("team", "id"),
        _c("customer_id", "id"),
    ),
    unique=("response_id",),
    open_columns=True,
)


def schema_for(table: str) -> TableSchema:
    """The schema of a canonical table (``survey_<id>`` tables share one).

    >>> schema_for("orders").required
    ['order_id', 'order_date', 'customer_id', 'rep_id', 'amount']
    >>> schema_for("survey_team_pulse").name
    'survey_team_pulse'
    """
    if table in TABLE_SCHEMAS:
        return TABLE_SCHEMAS[table]
    if table.startswith("survey_"):
        return TableSchema(table, _SURVEY.columns, _SURVEY.unique, open_columns=True)
    raise KeyError(
        f"{table!r} is not a canonical table; known: {sorted(TABLE_SCHEMAS)} and survey_<instrument>"
    )
