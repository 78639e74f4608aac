"""``generate_sample``: every canonical table of the sample organisation, in memory."""

from __future__ import annotations

import importlib.util
import logging
import resource
import time
from collections.abc import Callable
from typing import TypeVar

import pandas as pd

from sales_analytics.periods import Period, PeriodError, month_range, parse_period
from sales_analytics.sample_data._common import Window, child
from sales_analytics.sample_data._conflicts import plant_conflicts
from sales_analytics.sample_data._orders import make_orders, make_targets
from sales_analytics.sample_data._org import make_org
from sales_analytics.sample_data._pipeline import make_activities, make_deals
from sales_analytics.sample_data._spec import DEFAULT_SEED, SIZES, SampleDataError
from sales_analytics.sample_data._team import make_chat, make_feedback, make_rewards
from sales_analytics.sample_data._training import make_training

log = logging.getLogger(__name__)
T = TypeVar("T")

# One independent random stream per table (numpy SeedSequence([seed, stream])).
_STREAMS = {
    "reps": 1,
    "customers": 2,
    "training": 3,
    "orders": 4,
    "targets": 5,
    "deals": 6,
    "surveys": 7,
    "activities": 8,
    "chat": 9,
    "feedback": 10,
    "rewards": 11,
    "conflicts": 12,
}


def _survey_hook():  # -> callable | None
    """The surveys engineer's ``generate_survey_tables``, when that module exists."""
    if importlib.util.find_spec("sales_analytics.sample_data._surveys") is None:
        return None
    from sales_analytics.sample_data import _surveys

    return getattr(_surveys, "generate_survey_tables", None)


def generate_sample(
    size: str = "small",
    *,
    seed: int = DEFAULT_SEED,
    end: str | Period = "2026-10",
    months: int | None = None,
    conflict_truth: bool = False,
) -> dict[str, pd.DataFrame]:
    """Generate the sample sales organisation: every canonical table, deterministic in ``seed``.

    Parameters
    ----------
    size : {"small", "standard", "medium", "large"}
        ``SIZES[size]`` fixes the head count, customers and ~order rows.
    seed : int
        Same seed, size, end and months → identical tables.
    end : str or Period
        The last complete month; orders run to its last day.
    months : int, optional
        Length of the window in months (default: the size's, 24).
    conflict_truth : bool
        Also return ``conflict_truth``: the conflicts planted in the sample and
        the planned handovers (``kind, customer_id, rep_a, rep_b, planned``), for
        measuring detection; never written to the sample folder.

    Returns
    -------
    dict[str, pandas.DataFrame]
        ``orders, customers, reps, targets, deals, deal_stage_history,
        activities, training_sessions, training_attendance, chat_messages,
        feedback, rewards_penalties, handovers`` (+ the survey tables when the survey
        generator is present); columns as listed in the sample README
        (``sales_analytics.sample_data.COLUMNS``).

    Examples
    --------
    >>> tables = generate_sample("small", end="2026-10", months=3)
    >>> tables["orders"]["order_date"].min() >= pd.Timestamp("2026-08-01")
    True
    >>> sorted(tables["reps"].groupby("team").size().tolist())
    [4, 5, 5]
    """
    if size not in SIZES:
        raise SampleDataError(f"`size` must be one of {sorted(SIZES)}, got {size!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SampleDataError(f"`seed` must be a non-negative integer, got {seed!r}")
    spec = SIZES[size]
    n_months = spec.months if months is None else months
    if isinstance(n_months, bool) or not isinstance(n_months, int) or not 2 <= n_months <= 120:
        raise SampleDataError(f"`months` must be an integer from 2 to 120, got {months!r}")
    last = parse_period(end)
    if last.grain != "month":
        raise PeriodError(f"`end` must be a month such as '2026-10', got {end!r}")
    window = Window(tuple(month_range(last.shift(-(n_months - 1)), last)))
    t0 = time.perf_counter()

    def timed(step: str, func: Callable[..., T], *args: object) -> T:
        t, cpu = time.perf_counter(), time.process_time()
        result = func(*args)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        log.debug(
            "%s: %.2f s (CPU %.2f s; peak memory so far %.0f MiB)",
            step,
            time.perf_counter() - t,
            time.process_time() - cpu,
            peak,
        )
        return result

    org = timed(
        "reps and customers",
        make_org,
        child(seed, _STREAMS["reps"]),
        child(seed, _STREAMS["customers"]),
        spec,
        window,
    )
    training = timed("training", make_training, child(seed, _STREAMS["training"]), org, window)
    orders, facts = timed(
        "orders", make_orders, child(seed, _STREAMS["orders"]), spec, org, window, training.trained_day
    )
    targets = timed("targets", make_targets, child(seed, _STREAMS["targets"]), org, window, facts)
    deals, history = timed("deals", make_deals, child(seed, _STREAMS["deals"]), spec, org, window)
    activities = timed(
        "activities", make_activities, child(seed, _STREAMS["activities"]), spec, org, window, facts
    )
    chat, rogue_posts = timed("chat", make_chat, child(seed, _STREAMS["chat"]), spec, org, window)
    feedback = timed("feedback", make_feedback, child(seed, _STREAMS["feedback"]), spec, org, window)
    rewards = timed(
        "rewards", make_rewards, child(seed, _STREAMS["rewards"]), org, window, facts, rogue_posts
    )

    tables: dict[str, pd.DataFrame] = {
        "orders": orders,
        "customers": org.customers,
        "reps": org.reps,
        "targets": targets,
        "deals": deals,
        "deal_stage_history": history,
        "activities": activities,
        "training_sessions": training.sessions,
        "training_attendance": training.attendance,
        "chat_messages": chat,
        "feedback": feedback,
        "rewards_penalties": rewards,
    }
    hook = _survey_hook()
    if hook is not None:
        surveys = timed(
            "surveys", hook, child(seed, _STREAMS["surveys"]), dict(tables), list(window.months), size
        )
        tables.update(surveys)
    # planted last, so the survey tables and every earlier table keep their random draws
    tables, truth = timed(
        "conflicts", plant_conflicts, child(seed, _STREAMS["conflicts"]), tables, org, window, size
    )
    if conflict_truth:
        tables["conflict_truth"] = truth
    log.info(
        "sample %s (seed %d, %s … %s): %s in %.1f s",
        size,
        seed,
        window.months[0],
        window.months[-1],
        ", ".join(f"{k} {len(v):,}" for k, v in tables.items()),
        time.perf_counter() - t0,
    )
    return tables
