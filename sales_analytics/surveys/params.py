"""The ``surveys:`` section of the parameters file."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sales_analytics.config import StrictModel

__all__ = ["SurveyParams"]

QUALITY_CHECKS = ("out_of_range", "duplicate", "straight_line", "speeder", "incomplete")
QualityCheck = Literal["out_of_range", "duplicate", "straight_line", "speeder", "incomplete"]


class SurveyParams(StrictModel):
    """The ``surveys:`` section of the parameters file.

    >>> SurveyParams().exclude
    ('out_of_range', 'duplicate', 'straight_line', 'speeder')
    """

    instruments: str = Field(
        "",
        description="folder of the instrument files (empty: surveys/); a relative path is read from the project folder",
    )
    anonymity_threshold: int = Field(5, ge=1, description="smallest group whose results are shown")
    comment_threshold: int = Field(5, ge=1, description="smallest number of comments shown for a group")
    exclude: tuple[QualityCheck, ...] = Field(
        ("out_of_range", "duplicate", "straight_line", "speeder"),
        description="quality flags whose responses are left out of every score",
    )
    missing: Literal["listwise", "pairwise"] = Field(
        "listwise",
        description="missing answers in reliability and driver analysis: complete cases or pairwise",
    )
    speeder_fraction: float = Field(
        0.35,
        gt=0,
        lt=1,
        description="a response faster than this share of the instrument's median duration is a speeder",
    )
    straight_line_min_items: int = Field(
        4, ge=2, description="fewest Likert answers for an all-identical response to count as straight-lining"
    )
    confidence: float = Field(0.95, gt=0.5, lt=1, description="level of every interval")
    significance: float = Field(0.05, gt=0, lt=0.5, description="alpha of the change tests")
    window_months: int = Field(
        12, ge=1, le=60, description="months pooled for reliability, drivers and themes"
    )
    bootstrap: int = Field(500, ge=0, le=20000, description="bootstrap draws for driver intervals (0 = none)")
    driver_method: Literal["relative_weights", "shapley"] = "relative_weights"
    top_terms: int = Field(15, ge=1, le=200, description="terms listed per group in the themes table")
    representative_comments: int = Field(3, ge=0, le=50, description="comments quoted per group")
    seed: int = Field(20261126, description="seed of every random draw (bootstrap)")
