"""Training evaluation: coverage, Kirkpatrick levels 1–4, Phillips ROI, training needs.

Modules: :mod:`~sales_analytics.training.coverage` (sessions, hours, attendance,
who is untrained), :mod:`~sales_analytics.training.learning` (levels 1 and 2),
:mod:`~sales_analytics.training.behaviour` (level 3),
:mod:`~sales_analytics.training.impact` (level 4 difference-in-differences,
event study, ROI), :mod:`~sales_analytics.training.needs` and the summary
:mod:`~sales_analytics.training.kirkpatrick`. Definitions: docs/formulas.md §9.
"""

from __future__ import annotations

from pydantic import Field

from sales_analytics.config import StrictModel
from sales_analytics.training.behaviour import behaviour_change, first_sessions
from sales_analytics.training.coverage import training_coverage, untrained_reps
from sales_analytics.training.impact import (
    OUTCOMES,
    PARALLEL_TRENDS,
    did_by_cohort,
    event_study,
    phillips_roi,
    rep_month_outcomes,
    training_cohorts,
    training_roi,
)
from sales_analytics.training.kirkpatrick import kirkpatrick_levels
from sales_analytics.training.learning import (
    gain_band,
    instrument_scoring,
    learning_by_session,
    normalized_gain,
    paired_test,
    reaction_scores,
    survey_instrument,
)
from sales_analytics.training.needs import (
    DEFAULT_DIMENSION_CATEGORIES,
    skill_dimension_scores,
    training_needs,
)
from sales_analytics.training.plots import plot_event_study

__all__ = [
    "DEFAULT_DIMENSION_CATEGORIES",
    "OUTCOMES",
    "PARALLEL_TRENDS",
    "TrainingParams",
    "behaviour_change",
    "did_by_cohort",
    "skill_dimension_scores",
    "instrument_scoring",
    "event_study",
    "first_sessions",
    "gain_band",
    "kirkpatrick_levels",
    "learning_by_session",
    "normalized_gain",
    "paired_test",
    "phillips_roi",
    "plot_event_study",
    "reaction_scores",
    "rep_month_outcomes",
    "survey_instrument",
    "training_cohorts",
    "training_coverage",
    "training_needs",
    "training_roi",
    "untrained_reps",
]

_CATEGORIES = "^(product|sales_skills|customer_service)?$"


class TrainingParams(StrictModel):
    """The ``training:`` section of the parameters file."""

    untrained_months: int = Field(6, ge=1, description="flag reps with no training in this many months")
    window_months: int = Field(
        12, ge=1, description="coverage, learning and behaviour look back this many months"
    )
    max_score: float = Field(100, gt=0, description="maximum pre/post test score (100 = percent)")
    behaviour_weeks: int = Field(4, ge=1, description="level 3 compares this many weeks before vs after")
    behaviour_types: list[str] = Field(
        default_factory=lambda: ["visit"], description="activity types whose weekly count is level 3"
    )
    did_category: str = Field(
        "sales_skills", pattern=_CATEGORIES, description="category evaluated at level 4 ('' = any)"
    )
    did_months: int = Field(3, ge=1, description="pre and post months of the difference-in-differences")
    event_window: int = Field(4, ge=1, description="event study: relative months -k..+k")
    benefit_months: int = Field(12, ge=1, description="ROI: months the effect is counted")
    benefit_margin: float = Field(1.0, gt=0, le=1, description="ROI: share of revenue counted as benefit")
    satisfaction_item: str = Field("csat", description="customer satisfaction item used as an outcome")
    needs_months: int = Field(3, ge=1, description="training needs: months of KPIs averaged")
    needs_low_quantile: float = Field(0.25, gt=0, lt=1, description="below this quantile of reps is low")
    needs_low_score: float = Field(3.0, description="a survey dimension below this is low")
    dimension_categories: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_DIMENSION_CATEGORIES),
        description="survey dimension -> training category (product | sales_skills | customer_service)",
    )
