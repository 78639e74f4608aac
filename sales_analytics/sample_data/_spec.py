"""Size specifications of the sample organisation (how many of everything)."""

from __future__ import annotations

from dataclasses import dataclass

from sales_analytics.errors import SalesAnalyticsError

DEFAULT_SEED = 20261126


@dataclass(frozen=True)
class SizeSpec:
    """How big one sample size is.

    ``team_sizes`` lists the head count of each team (leader included);
    ``order_rows`` is the approximate number of rows of the orders table
    (order lines + refund rows); the other counts scale the secondary tables.
    """

    name: str
    team_sizes: tuple[int, ...]
    customers: int
    order_rows: int
    months: int = 24
    deals: int = 600
    activities_per_rep_day: float = 2.5
    chat_per_group_day: float = 6.0
    service_questions_per_day: float = 2.0
    feedback: int = 300
    b2b_share: float = 0.3
    description: str = ""

    @property
    def n_reps(self) -> int:
        return sum(self.team_sizes)


SIZES: dict[str, SizeSpec] = {
    "small": SizeSpec(
        name="small",
        team_sizes=(5, 5, 4),
        customers=800,
        order_rows=24_000,
        deals=600,
        activities_per_rep_day=2.5,
        chat_per_group_day=6.0,
        service_questions_per_day=2.0,
        feedback=300,
        description="tests and notebooks: 3 teams, 14 reps (one team of 4), ~800 customers, ~24k order rows",
    ),
    "standard": SizeSpec(
        name="standard",
        team_sizes=(10, 9, 9, 8, 8, 8, 8, 4),
        customers=24_000,
        order_rows=1_000_000,
        deals=8_000,
        activities_per_rep_day=3.0,
        chat_per_group_day=12.0,
        service_questions_per_day=8.0,
        feedback=3_000,
        description="the default for `make run`: 8 teams, 64 reps, 24k customers, ~1M order rows",
    ),
    "medium": SizeSpec(
        name="medium",
        team_sizes=(12,) * 10 + (4,),
        customers=70_000,
        order_rows=3_000_000,
        deals=20_000,
        activities_per_rep_day=3.0,
        chat_per_group_day=12.0,
        service_questions_per_day=12.0,
        feedback=6_000,
        description="benchmarks (the middle of the cost-scaling fit): 11 teams, 124 reps, 70k customers, "
        "~3M order rows",
    ),
    "large": SizeSpec(
        name="large",
        team_sizes=(12,) * 20 + (4,),
        customers=200_000,
        order_rows=10_000_000,
        deals=40_000,
        activities_per_rep_day=3.0,
        chat_per_group_day=12.0,
        service_questions_per_day=20.0,
        feedback=10_000,
        description="benchmarks: 21 teams, 244 reps, 200k customers, ~10M order rows",
    ),
}


class SampleDataError(SalesAnalyticsError, ValueError):
    """A bad argument to the sample generator (unknown size, bad seed, …)."""
