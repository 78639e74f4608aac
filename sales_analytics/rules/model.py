"""The group-rules file (``parameters/group_rules.yaml``) as typed, validated models.

Every key is checked when the file loads; unknown keys, malformed time ranges
and regular expressions that do not compile are reported together as one
:class:`~sales_analytics.errors.ConfigError` naming the file and the key.

Time ranges are ``"HH:MM-HH:MM"`` in the team's local time; the start is
inside the range and the end is not (``09:00-18:00`` contains 09:00:00 and
17:59:59 but not 18:00:00). A range whose end is earlier than its start runs
past midnight (``22:00-08:00``).

>>> rules = GroupRules.model_validate({"working_hours": {"sat": ["10:00-16:00"]}})
>>> rules.timezone, rules.working_hours.sat[0].start, rules.working_hours.mon[0].end
('Asia/Shanghai', datetime.time(10, 0), datetime.time(18, 0))
"""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from sales_analytics.config import StrictModel, load_yaml, validate_model
from sales_analytics.vocabulary import Language

__all__ = [
    "BUILTIN_RULES",
    "ContentRule",
    "GroupRules",
    "Penalty",
    "TimeRange",
    "load_group_rules",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Severity = Literal["info", "warning", "serious"]
# Rule ids the compliance engine raises itself; content rules add their own ids.
BUILTIN_RULES = ("outside_working_hours", "quiet_hours", "unauthorized_announcement", "late_response")

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class TimeRange(StrictModel):
    """A local-time range ``start``–``end``; start inside, end outside; may cross midnight."""

    start: time
    end: time

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, str):
            m = _RANGE.match(value)
            if not m:
                raise ValueError(f"must be a time range 'HH:MM-HH:MM' such as '09:00-18:00'; got {value!r}")
            h1, m1, h2, m2 = (int(g) for g in m.groups())
            if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2 != 0):
                raise ValueError(f"has an hour or minute out of range; got {value!r}")
            if (h1, m1) == (h2 % 24, m2) and h2 != 24:
                raise ValueError(f"starts and ends at the same time; got {value!r}")
            end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
            return {"start": time(h1, m1), "end": end}
        return value

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def _ranges(*texts: str) -> list[TimeRange]:
    return [TimeRange.model_validate(t) for t in texts]


class WorkingHours(StrictModel):
    """Working hours per weekday (an empty list = not a working day)."""

    mon: list[TimeRange] = Field(default_factory=lambda: _ranges("09:00-18:00"))
    tue: list[TimeRange] = Field(default_factory=lambda: _ranges("09:00-18:00"))
    wed: list[TimeRange] = Field(default_factory=lambda: _ranges("09:00-18:00"))
    thu: list[TimeRange] = Field(default_factory=lambda: _ranges("09:00-18:00"))
    fri: list[TimeRange] = Field(default_factory=lambda: _ranges("09:00-18:00"))
    sat: list[TimeRange] = Field(default_factory=list)
    sun: list[TimeRange] = Field(default_factory=list)

    def of(self, weekday: int) -> list[TimeRange]:
        """The ranges of weekday ``0`` (Monday) … ``6`` (Sunday)."""
        return getattr(self, WEEKDAYS[weekday])


class CalendarRules(StrictModel):
    """Which days are working days."""

    statutory_holidays: bool = Field(
        True, description="use the Chinese statutory holiday calendar with 调休 adjusted working days"
    )
    adjusted_workday_hours: list[TimeRange] = Field(
        default_factory=lambda: _ranges("09:00-18:00"),
        description="hours of an adjusted working day (调休) that falls on a weekday without hours",
    )
    extra_holidays: list[date] = Field(
        default_factory=list, description="days off not in the calendar package"
    )
    extra_workdays: list[date] = Field(
        default_factory=list, description="working days not in the calendar package"
    )
    extra_years: list[int] = Field(
        default_factory=list, description="years the extra days cover beyond the package's coverage"
    )

    def workday_options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`sales_analytics.workdays.is_workday`."""
        from sales_analytics.workdays import calendar_options

        return calendar_options(self)


class Penalty(StrictModel):
    """What a rule costs when broken (suggested ledger entry)."""

    severity: Severity = "warning"
    points: float = Field(0, description="penalty points per violation (positive number)")
    amount: float = Field(0, description="penalty amount per violation, reporting currency")


class Announcements(StrictModel):
    """Who may post announcements and how an announcement is recognised."""

    patterns: list[str] = Field(default_factory=lambda: ["^【公告】", "@所有人", "@all"])
    allowed_senders: list[str] = Field(default_factory=list, description="rep ids allowed to announce")
    allowed_roles: list[str] = Field(default_factory=lambda: ["manager"])
    penalty: Penalty = Field(default_factory=lambda: Penalty(severity="warning", points=1))

    @field_validator("patterns")
    @classmethod
    def _compile(cls, value: list[str]) -> list[str]:
        return [_check_regex(p) for p in value]


class ContentRule(StrictModel):
    """A content rule: keywords (plain text, case-insensitive) and/or a regular expression."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,40}$")
    description: dict[Language, str] = Field(default_factory=dict)
    keywords: list[str] = Field(default_factory=list)
    pattern: str = ""
    penalty: Penalty = Field(default_factory=Penalty)

    @field_validator("pattern")
    @classmethod
    def _compile(cls, value: str) -> str:
        return _check_regex(value) if value else value

    @model_validator(mode="after")
    def _needs_something(self) -> ContentRule:
        if not self.keywords and not self.pattern:
            raise ValueError("needs 'keywords' or 'pattern'")
        if self.id in BUILTIN_RULES:
            raise ValueError(f"id {self.id!r} is a built-in rule id; built-ins are {list(BUILTIN_RULES)}")
        return self

    def regex(self) -> re.Pattern[str]:
        parts = [re.escape(k) for k in self.keywords] + ([f"(?:{self.pattern})"] if self.pattern else [])
        return re.compile("|".join(parts), re.IGNORECASE)


class CustomerQuestions(StrictModel):
    """How a customer question is recognised and how fast it must be answered."""

    question_pattern: str = Field(r"[?？]\s*$", description="regex on the message text")
    external_sender_pattern: str = Field(
        "", description="regex on sender_id marking external senders; '' = every sender that is not a member"
    )
    response_minutes: float = Field(30, gt=0, description="an answer later than this is a late response")
    only_in_working_hours: bool = Field(
        True,
        description="only questions asked in working hours can be late (others are measured, not judged)",
    )
    penalty: Penalty = Field(default_factory=lambda: Penalty(severity="warning", points=0))

    @field_validator("question_pattern", "external_sender_pattern")
    @classmethod
    def _compile(cls, value: str) -> str:
        return _check_regex(value) if value else value


class Rewards(StrictModel):
    """A reward suggested for members who posted and had no warning or serious violation in the period."""

    clean_month_points: float = Field(0, ge=0)
    clean_month_amount: float = Field(0, ge=0)
    min_messages: int = Field(1, ge=1, description="messages needed to qualify")


class GroupRules(StrictModel):
    """The whole ``group_rules.yaml`` file (see the module docstring)."""

    timezone: str = "Asia/Shanghai"
    calendar: CalendarRules = Field(default_factory=CalendarRules)
    working_hours: WorkingHours = Field(default_factory=WorkingHours)
    outside_hours_penalty: Penalty = Field(default_factory=lambda: Penalty(severity="info"))
    quiet_hours: list[TimeRange] = Field(default_factory=lambda: _ranges("22:00-07:00"))
    quiet_hours_penalty: Penalty = Field(default_factory=lambda: Penalty(severity="warning", points=1))
    members: dict[str, str] = Field(default_factory=dict, description="chat sender id -> rep_id")
    roles: dict[str, list[str]] = Field(default_factory=dict, description="role -> rep ids")
    internal_senders: list[str] = Field(default_factory=list, description="non-rep staff and bots")
    announcements: Announcements = Field(default_factory=Announcements)
    content_rules: list[ContentRule] = Field(default_factory=list)
    customer_questions: CustomerQuestions = Field(default_factory=CustomerQuestions)
    rewards: Rewards = Field(default_factory=Rewards)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"must be an IANA time zone such as 'Asia/Shanghai'; got {value!r}") from None
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> GroupRules:
        ids = [r.id for r in self.content_rules]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"content rule ids must be unique; repeated: {dup}")
        return self

    def penalty_of(self, rule: str) -> Penalty:
        """The penalty of a built-in or content rule id."""
        builtin = {
            "outside_working_hours": self.outside_hours_penalty,
            "quiet_hours": self.quiet_hours_penalty,
            "unauthorized_announcement": self.announcements.penalty,
            "late_response": self.customer_questions.penalty,
        }
        if rule in builtin:
            return builtin[rule]
        for r in self.content_rules:
            if r.id == rule:
                return r.penalty
        raise KeyError(f"no rule {rule!r}; rules are {list(builtin) + [r.id for r in self.content_rules]}")


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"is not a valid regular expression ({exc}); got {value!r}") from None
    return value


def load_group_rules(path: str | Path | None = None) -> GroupRules:
    """Read and validate a group-rules file.

    ``path`` defaults to ``parameters/group_rules.yaml``; a relative path is
    taken relative to the ``parameters/`` folder (so ``RulesParams.rules_file``
    can be passed as is). A missing default file gives the built-in defaults;
    a named file that is missing, or any bad key, is a ConfigError naming the
    file and the key.
    """
    from sales_analytics import paths

    if path is None:
        default = paths.parameters_dir() / "group_rules.yaml"
        if not default.exists():
            return GroupRules()
        path = default
    path = Path(path)
    if not path.is_absolute():
        path = paths.parameters_dir() / path
    return validate_model(GroupRules, load_yaml(path), path)
