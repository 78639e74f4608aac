"""The one argument vocabulary of ``import sales_analytics as sa`` and the shared allowed values.

Every public function names the same thing the same way (``docs/architecture.md``,
"Argument vocabulary"; ``tests/test_vocabulary.py`` scans every public
signature):

========================  ==========================================================
``period``                the report month (``YYYY-MM``), the last month a result covers
``by``                    the grouping: ``rep_id`` / ``team`` or a list of columns
``language``              ``zh`` or ``en`` (:data:`LANGUAGES`)
``timezone``              an IANA time zone name (``Asia/Shanghai``)
``anonymity_threshold``   the smallest group of respondents a result may show
========================  ==========================================================

A renamed argument keeps working for one release: :func:`renamed_arguments`
maps the old keyword to the new one with a :class:`DeprecationWarning`.

Allowed values are declared once as a ``Literal`` type and the tuple of its
values (``Language`` / :data:`LANGUAGES`): pydantic models and signatures use
the type, run-time checks the tuple.

>>> @renamed_arguments(until="period")
... def months(frame, *, period=None):
...     return period
>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     months(None, until="2026-10")
'2026-10'
>>> print(caught[0].message)
months(until=...) is deprecated: use period=... (the old name goes in the next release)
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any, Literal, TypeVar, get_args

__all__ = [
    "ACTIVITY_KINDS",
    "AFTER_EARNED_LINES",
    "CAUTIONED",
    "DEAL_STATUSES",
    "FEEDBACK_STATUSES",
    "DEFAULT_LANGUAGE",
    "GROUPINGS",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "OFF_TRACK",
    "ORDER_STATUSES",
    "ON_TRACK",
    "PACING_STATUSES",
    "ROLES",
    "RUN_FAILED",
    "RUN_OK",
    "RUN_RUNNING",
    "RUN_STATUSES",
    "VOCABULARY",
    "ActivityKind",
    "DealStatus",
    "FeedbackStatus",
    "Grouping",
    "Language",
    "OrderStatus",
    "PacingStatus",
    "Role",
    "RunStatus",
    "check_language",
    "group_column",
    "renamed_arguments",
]

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
#: the language of a report or a view when nobody chose one (``language`` of the parameters).
DEFAULT_LANGUAGE: Language = "zh"
#: each language in its own name, as a language switch shows it whatever the page's language.
LANGUAGE_NAMES: dict[Language, str] = {"zh": "中文", "en": "English"}

#: ``by=`` of the functions that group by rep or by team (attainment, pacing, incentive metrics).
Grouping = Literal["rep_id", "team"]
GROUPINGS: tuple[Grouping, ...] = get_args(Grouping)

#: ``status`` of ``kpi_pacing`` (:func:`sales_analytics.kpis.pacing`), written and compared as declared here.
PacingStatus = Literal["On-Track", "Cautioned", "Off-Track"]
PACING_STATUSES: tuple[PacingStatus, ...] = get_args(PacingStatus)
ON_TRACK, CAUTIONED, OFF_TRACK = PACING_STATUSES

#: ``role`` of a person of the access file (sales_analytics.access): what of a bundle they may see.
Role = Literal["director", "team_lead", "rep", "viewer"]
ROLES: tuple[Role, ...] = get_args(Role)

#: ``status`` of a bundle's manifest: written by the monthly run, read by the views (which list a
#: bundle only once its run is ``ok``) and copied into each scope's manifest.
RunStatus = Literal["running", "ok", "failed"]
RUN_STATUSES: tuple[RunStatus, ...] = get_args(RunStatus)
RUN_RUNNING, RUN_OK, RUN_FAILED = RUN_STATUSES

#: ``status`` of an order (the orders table, io/schemas.py), as the KPIs read it.
OrderStatus = Literal["paid", "refunded", "cancelled"]
ORDER_STATUSES: tuple[OrderStatus, ...] = get_args(OrderStatus)

#: ``status`` of a deal (the deals table), as the pipeline KPIs read it.
DealStatus = Literal["open", "won", "lost"]
DEAL_STATUSES: tuple[DealStatus, ...] = get_args(DealStatus)

#: ``status`` of a suggestion (the feedback table): open until adopted, rejected or closed.
FeedbackStatus = Literal["open", "adopted", "rejected", "closed"]
FEEDBACK_STATUSES: tuple[FeedbackStatus, ...] = get_args(FeedbackStatus)

#: ``activity_type`` of a customer activity (the activities table, SPIFFs per activity, the KPIs).
ActivityKind = Literal["call", "visit", "meeting", "email", "message"]
ACTIVITY_KINDS: tuple[ActivityKind, ...] = get_args(ActivityKind)

#: ``line_type`` of the commission statement lines written after the earned commission (not part
#: of "earned"): the engine adds them last, the payslip shows them under one subtotal.
AFTER_EARNED_LINES = ("balance_recovery", "draw_topup", "negative_carry", "rounding")

#: canonical argument name -> the names it replaces (deprecated for one release).
VOCABULARY: dict[str, tuple[str, ...]] = {
    "period": ("until", "through", "month"),
    "by": ("level", "entity"),
    "language": ("lang",),
    "timezone": ("tz",),
    "anonymity_threshold": ("threshold", "min_n"),
}

F = TypeVar("F", bound=Callable[..., Any])


def check_language(language: object, where: str = "language") -> Language:
    """``language`` when it is ``zh`` or ``en``; else a ValueError naming ``where``.

    >>> check_language("en")
    'en'
    >>> check_language("fr", "report.language")
    Traceback (most recent call last):
    ...
    ValueError: report.language must be one of ['zh', 'en']; got 'fr'
    """
    if language not in LANGUAGES:
        raise ValueError(f"{where} must be one of {list(LANGUAGES)}; got {language!r}")
    return language


def group_column(by: str) -> Grouping:
    """The column a rep-or-team ``by=`` groups on (``"rep"``, the value before ``by=``, is ``rep_id``).

    >>> group_column("team"), group_column("rep")
    ('team', 'rep_id')
    >>> group_column("region")
    Traceback (most recent call last):
    ...
    ValueError: `by` must be one of ['rep_id', 'team'], got 'region'.
    """
    key = "rep_id" if by == "rep" else by
    if key not in GROUPINGS:
        raise ValueError(f"`by` must be one of {list(GROUPINGS)}, got {by!r}.")
    return key


def renamed_arguments(**renames: str) -> Callable[[F], F]:
    """Accept ``old=`` keywords for one release, as ``new=`` plus a DeprecationWarning.

    ``renames`` maps each old keyword to its new name, which must be a
    parameter of the decorated function. Passing both names is a TypeError.
    The wrapper keeps the function's signature (``inspect.signature`` and
    editors show only the new names) and records the renames in
    ``__renamed_arguments__``.
    """

    def decorate(func: F) -> F:
        params = inspect.signature(func).parameters
        for old, new in renames.items():
            if new not in params:
                raise TypeError(f"{func.__qualname__} has no parameter {new!r} (renamed from {old!r})")
            if old in params:
                raise TypeError(f"{func.__qualname__} still has the parameter {old!r}")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(
                            f"{func.__name__}() got both {old}= and {new}=; pass only {new}= ({old}= is deprecated)"
                        )
                    warnings.warn(
                        f"{func.__name__}({old}=...) is deprecated: use {new}=... "
                        "(the old name goes in the next release)",
                        DeprecationWarning,
                        stacklevel=2,
                    )
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        wrapper.__renamed_arguments__ = dict(renames)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
