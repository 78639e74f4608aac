"""The ``conflicts:`` section of the parameters file."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from sales_analytics.config import StrictModel

__all__ = ["ConflictParams"]

ContactSource = Literal["orders", "deals", "activities"]
#: the tables a customer contact is read from, in the order detection reads them
CONTACT_SOURCES: tuple[ContactSource, ...] = get_args(ContactSource)


class ConflictParams(StrictModel):
    """How conflicts over customers are detected, and where the register and lexicon live."""

    window_days: int = Field(90, ge=1, le=730, description="contacts this close in time count as overlapping")
    contact: list[ContactSource] = Field(
        default_factory=lambda: list(CONTACT_SOURCES),
        description="which rows count as a rep's contact with a customer",
    )
    min_contacts: int = Field(
        4, ge=1, description="contacts a rep needs on a customer inside the window before it counts"
    )
    min_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description="smaller side's share of all contacts with the customer over the overlap (covering is no clash)",
    )
    owner_change_min_orders: int = Field(
        2, ge=1, description="orders the new rep needs after an owner change before it is reported"
    )
    deal_window_days: int = Field(
        60, ge=1, description="two deals on one customer opened this close by different owners clash"
    )
    overdue_days: int = Field(14, ge=0, description="an undecided finding older than this is overdue")
    decisions_file: str = Field(
        "conflict_decisions.yaml", description="the resolution register, relative to parameters/"
    )
    lexicon_file: str = Field("conflict_lexicon.yaml", description="chat lexicon, relative to parameters/")
    burst_minutes: int = Field(30, ge=1, description="messages of two people this close form one exchange")
    burst_min_messages: int = Field(4, ge=2, description="messages an exchange needs to be a heated burst")
    burst_min_hits: int = Field(3, ge=1, description="lexicon words or @-mentions a heated burst needs")
