"""Every survey result table of one report period, for all instruments at once."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pandas as pd

from sales_analytics.surveys.anonymity import BLOCK_RECORD_COLUMNS, settle_blocks
from sales_analytics.surveys.drivers import key_drivers
from sales_analytics.surveys.instruments import Instrument
from sales_analytics.surveys.params import SurveyParams
from sales_analytics.surveys.quality import (
    clean_responses,
    prepare_responses,
    quality_summary,
    response_quality,
)
from sales_analytics.surveys.reliability import item_reliability, reliability_table
from sales_analytics.surveys.scores import (
    REP_SATISFACTION_COLUMNS,
    rep_satisfaction,
    response_rates,
    survey_dimensions,
    survey_scores,
)
from sales_analytics.surveys.text import representative_comments, survey_themes
from sales_analytics.vocabulary import renamed_arguments

__all__ = ["SURVEY_TABLES", "survey_block_record", "survey_tables"]

log = logging.getLogger(__name__)

SURVEY_TABLES = (
    "survey_scores",
    "survey_dimensions",
    "survey_reliability",
    "survey_items",
    "survey_drivers",
    "survey_themes",
    "survey_comments",
    "survey_quality",
    "survey_rep_satisfaction",
    "survey_response_rates",
)


@renamed_arguments(until="period")
def survey_tables(
    responses: Mapping[str, pd.DataFrame],
    instruments: Mapping[str, Instrument],
    params: SurveyParams | None = None,
    *,
    invitations: pd.DataFrame | None = None,
    period: str | None = None,
    published: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Quality, scores, dimensions, reliability, drivers, themes, rep satisfaction and response rates.

    Parameters
    ----------
    responses : response tables keyed by instrument id (``Dataset.surveys()``);
        instruments without a table are skipped (logged).
    instruments : the instruments keyed by id (:func:`load_instruments`).
    invitations : ``instrument, period, <group columns>, invited`` or ``None``.
    period : the report month; later responses are ignored.
    published : the month-block record of the latest published bundle (read by the run,
        ``sa.published_survey_blocks``); a response dated into a month it covers but not
        recorded there counts in the month it arrived in (:func:`settle_blocks`).

    Returns
    -------
    One table per name in :data:`SURVEY_TABLES`, each the concatenation over
    instruments (every table has ``period`` and, except
    ``survey_rep_satisfaction``, ``instrument``); all pass through the
    anonymity rule. Team cuts use ``team`` when the instrument has it.
    """
    params = params or SurveyParams()
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in SURVEY_TABLES}
    for inst_id in sorted(instruments):
        inst = instruments[inst_id]
        raw = responses.get(inst_id)
        if raw is None or raw.empty:
            log.info("no responses for survey %s: skipped", inst_id)
            continue
        prepared = prepare_responses(raw, inst)
        if inst.anonymous:  # a named survey has no anonymity to keep: its responses stay in their month
            prepared = settle_blocks(prepared, published, instrument=inst_id)
        if period is not None:
            prepared = prepared[prepared["period"] <= str(period)].reset_index(drop=True)
        by = ("team",) if "team" in inst.grouping else ()
        quality = response_quality(prepared, inst, params)
        parts["survey_quality"].append(quality_summary(quality, inst, params))
        clean = clean_responses(prepared, inst, params)
        parts["survey_scores"].append(survey_scores(clean, inst, params, by=by, period=period))
        parts["survey_dimensions"].append(survey_dimensions(clean, inst, params, by=by, period=period))
        parts["survey_reliability"].append(reliability_table(clean, inst, params, period=period))
        parts["survey_items"].append(item_reliability(clean, inst, params, period=period))
        parts["survey_drivers"].append(key_drivers(clean, inst, params, period=period))
        if inst.items_of("open_text"):
            parts["survey_themes"].append(survey_themes(clean, inst, params, by=by, period=period))
            parts["survey_comments"].append(
                representative_comments(clean, inst, params, by=by, period=period)
            )
        parts["survey_response_rates"].append(
            response_rates(prepared, invitations, inst, params, by=by, period=period)
        )
        if (
            inst.audience == "customer"
            and "rep_id" in inst.grouping
            and inst.items_of("csat")
            and inst.items_of("nps")
        ):
            parts["survey_rep_satisfaction"].append(rep_satisfaction(clean, inst, params, period=period))
    out = {}
    for name, frames in parts.items():
        filled = [f for f in frames if not f.empty]
        if filled:
            out[name] = pd.concat(filled, ignore_index=True)
            continue
        # nothing to show (no wave in the window, no instrument with dimensions …): an empty
        # table that keeps its columns, so a reader selecting `instrument` or `period` gets none
        if name == "survey_rep_satisfaction":  # no customer survey with rep_id, NPS and CSAT items
            out[name] = pd.DataFrame(columns=list(REP_SATISFACTION_COLUMNS))
            continue
        keys = ["period", "instrument"]
        widest = max(frames, key=lambda f: len(f.columns), default=pd.DataFrame())
        out[name] = widest.reindex(
            columns=[*widest.columns, *(k for k in keys if k not in widest.columns)]
        ).iloc[0:0]
    return out


def survey_block_record(
    responses: Mapping[str, pd.DataFrame],
    instruments: Mapping[str, Instrument],
    *,
    period: str,
    published: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Which respondents this bundle puts in which month block: the record the next bundle reads.

    The same assignment :func:`survey_tables` makes with the same ``published`` record
    (:func:`settle_blocks`), for every response of an anonymous instrument up to ``period``.

    Returns
    -------
    DataFrame ``period`` (= ``period``), ``instrument``, ``month``, ``response_id``, sorted;
    kept with the bundle, outside its published tables (``sa.keep_survey_blocks``). An
    anonymous instrument with no response up to ``period`` gets one row with an empty
    ``response_id``: the record still says which month this bundle covered, so a response
    backdated into that month later counts in the month it arrived in, like any other
    (without it, the next bundle would put it in the covered month and change that month).
    """
    frames = []
    for inst_id in sorted(instruments):
        if not instruments[inst_id].anonymous:
            continue
        raw = responses.get(inst_id)
        settled = (
            settle_blocks(prepare_responses(raw, instruments[inst_id]), published, instrument=inst_id)
            if raw is not None and not raw.empty
            else pd.DataFrame({"period": pd.Series(dtype="str"), "response_id": pd.Series(dtype="str")})
        )
        settled = settled[settled["period"] <= str(period)]
        if settled.empty:
            settled = pd.DataFrame({"period": [str(period)], "response_id": [""]})
        frames.append(
            pd.DataFrame(
                {
                    "period": str(period),
                    "instrument": inst_id,
                    "month": settled["period"].astype(str).to_numpy(),
                    "response_id": settled["response_id"].astype(str).to_numpy(),
                }
            )
        )
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in BLOCK_RECORD_COLUMNS})
    out = pd.concat(frames, ignore_index=True).astype("str")
    return out.sort_values(["instrument", "month", "response_id"], ignore_index=True)
