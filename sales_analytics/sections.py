"""The sections of the lever notebooks: one call computes one result table.

A lever notebook cell is one call here plus its display::

    by_rep = sa.sections.kpi_sales_by_rep(ctx, orders)
    display(ctx.publish_month("kpi_sales_by_rep", by_rep))

Each function is named after the table it makes (``docs/tables.md``), takes
the notebook context (:class:`~sales_analytics.notebook.NotebookContext`:
its dataset, parameters and month) and the tables computed earlier in the
notebook, passes the lever's parameters to the lever's pure functions and
returns their table unchanged. It reads no file beyond what the context has
loaded and writes nothing; publishing and display stay in the notebook.
A section whose input table was not supplied returns ``None`` (the notebook
says so with ``missing=`` of :meth:`~sales_analytics.notebook.NotebookContext.publish_and_show`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from sales_analytics.vocabulary import LANGUAGES

if TYPE_CHECKING:
    from sales_analytics.kpis.facts import OrderFacts
    from sales_analytics.notebook import NotebookContext

__all__ = [
    "Clusters",
    "Clv",
    "awards_text",
    "churn_heading",
    "churn_shown",
    "conflict_statement_lines",
    "contest_standings",
    "customer_churn_risk",
    "customer_clusters",
    "customer_clv",
    "customer_downgrades",
    "customer_orders",
    "customer_owners",
    "customer_rfm",
    "customer_rfm_previous",
    "dq_problems_by_kind",
    "dq_rows_by_month",
    "dq_rows_wide",
    "dq_to_check",
    "feedback_customer_followup",
    "feedback_open_items",
    "goals_forecast",
    "goals_proposal",
    "goals_track_record",
    "incentive_adjustments",
    "incentive_leaderboard_rep",
    "incentive_leaderboard_team",
    "kpi_activities",
    "kpi_activity_outcomes",
    "kpi_attainment_rep",
    "kpi_attainment_team",
    "kpi_pacing",
    "kpi_pipeline",
    "kpi_sales_by_category",
    "kpi_sales_by_channel",
    "kpi_sales_by_rep",
    "kpi_sales_by_team",
    "kpi_sales_monthly",
    "kpi_scorecard",
    "kpi_stage_conversion",
    "latest_rows",
    "missing_notes",
    "rep_satisfaction",
    "shown_columns",
    "statement_example",
    "survey_missing_notes",
    "survey_tables",
    "training_behaviour",
    "training_cohorts",
    "training_coverage",
    "training_did",
    "training_dimension_scores",
    "training_event_study",
    "training_kirkpatrick",
    "training_learning",
    "training_needs",
    "training_orders",
    "training_outcomes",
    "training_reaction",
    "training_reaction_missing",
    "training_roi",
    "training_untrained",
    "workday_calendar",
]


def missing_notes(ctx: NotebookContext, notes: dict[str, str]) -> str:
    """The notes (label keys) of the tables in ``notes`` that were not supplied, one paragraph each."""
    return "\n\n".join(ctx.t(key) for table, key in notes.items() if not ctx.dataset.has(table))


def rep_satisfaction(ctx: NotebookContext) -> pd.DataFrame | None:
    """Customer satisfaction per rep in the month (``None`` when the survey was not supplied)."""
    from sales_analytics.surveys import load_instruments
    from sales_analytics.surveys import rep_satisfaction as satisfaction_of

    ds = ctx.dataset
    if not ds.has("survey_customer_satisfaction"):
        return None
    instrument = load_instruments(ctx.params.surveys.instruments)["customer_satisfaction"]
    return satisfaction_of(ds.survey_customer_satisfaction, instrument, period=str(ctx.period))


# ------------------------------------------------------------------ 01 data quality
def dq_rows_by_month(ctx: NotebookContext, *, months: int = 24) -> pd.DataFrame:
    """Rows per table and month over the ``months`` months up to the notebook's (``table, month, rows``)."""
    from sales_analytics.io import dq_rows_by_month as rows_of

    by_month = rows_of(ctx.dataset, ctx.params.timezone)
    report = str(ctx.period)
    return by_month[(by_month["month"] <= report) & (by_month["month"] > str(ctx.period.shift(-months)))]


def dq_rows_wide(rows: pd.DataFrame, *, months: int = 13) -> pd.DataFrame:
    """:func:`dq_rows_by_month` as one row per table and a column per month (the latest ``months``).

    >>> rows = pd.DataFrame({"table": ["orders", "orders", "reps"], "month": ["2026-09", "2026-10", "2026-10"],
    ...                      "rows": [5, 7, 2]})
    >>> dq_rows_wide(rows).to_dict("list")
    {'table': ['orders', 'reps'], '2026-09': [5.0, 0.0], '2026-10': [7.0, 2.0]}
    """
    wide = rows.pivot_table(index="table", columns="month", values="rows", fill_value=0)
    return wide.iloc[:, -months:].reset_index()


def dq_problems_by_kind(ctx: NotebookContext, problems: pd.DataFrame) -> pd.DataFrame:
    """Problem counts per severity, table and kind, the kind in the notebook's language."""
    by_kind = problems.groupby(["severity", "table", "kind"], as_index=False)["count"].sum()
    return by_kind.assign(kind=by_kind["kind"].map(lambda k: ctx.t(f"dq_kind_{k}")))


def dq_to_check(problems: pd.DataFrame) -> pd.DataFrame:
    """The warnings with the rows to check (row numbers as a spreadsheet shows them)."""
    columns = ["table", "column", "kind", "count", "rows", "message"]
    return problems[problems["severity"] == "warning"][columns]


# ------------------------------------------------------------- 02 sales performance
def workday_calendar(ctx: NotebookContext) -> Any:
    """The team's working-day calendar: the rules file's ``extra_holidays`` / ``extra_workdays``."""
    from sales_analytics.rules.model import load_group_rules

    return load_group_rules(ctx.params.rules.rules_file).calendar


def _as_of(ctx: NotebookContext, orders: pd.DataFrame | OrderFacts) -> pd.Timestamp:
    """The day the month's figures run to: its last day, or the last order day when the data stop earlier."""
    from sales_analytics.kpis.facts import OrderFacts

    last = orders.last_order_date if isinstance(orders, OrderFacts) else orders["order_date"].max()
    return min(pd.Timestamp(ctx.period.end), last.normalize())


def kpi_sales_monthly(ctx: NotebookContext, orders: pd.DataFrame | OrderFacts) -> pd.DataFrame:
    """Company revenue per month with its growth (环比 / 同比) and working-day pace."""
    from sales_analytics.kpis import sales_growth

    return sales_growth(
        orders,
        as_of=_as_of(ctx, orders),
        fiscal_year_start=ctx.params.fiscal_year_start,
        workday_calendar=workday_calendar(ctx),
    )


def _sales_growth_by(ctx: NotebookContext, orders: pd.DataFrame | OrderFacts, by: str) -> pd.DataFrame:
    from sales_analytics.kpis import growth, sales_kpis

    kpis = sales_kpis(orders, by=[by], reps=ctx.dataset.reps, workday_calendar=workday_calendar(ctx))
    return growth(kpis, value="revenue", by=[by])


def kpi_sales_by_rep(ctx: NotebookContext, orders: pd.DataFrame | OrderFacts) -> pd.DataFrame:
    """Sales KPIs per rep and month, with growth against the previous month and year."""
    return _sales_growth_by(ctx, orders, "rep_id")


def kpi_sales_by_team(ctx: NotebookContext, orders: pd.DataFrame | OrderFacts) -> pd.DataFrame:
    """Sales KPIs per team and month, with growth against the previous month and year."""
    return _sales_growth_by(ctx, orders, "team")


def _sales_this_month(ctx: NotebookContext, orders: pd.DataFrame | OrderFacts, by: str) -> pd.DataFrame:
    from sales_analytics.kpis import sales_kpis

    return sales_kpis(orders, by=[by], periods=[str(ctx.period)], workday_calendar=workday_calendar(ctx))


def kpi_sales_by_category(ctx: NotebookContext, orders: pd.DataFrame | OrderFacts) -> pd.DataFrame:
    """The month's sales KPIs per product category."""
    return _sales_this_month(ctx, orders, "product_category")


def kpi_sales_by_channel(ctx: NotebookContext, orders: pd.DataFrame | OrderFacts) -> pd.DataFrame:
    """The month's sales KPIs per channel."""
    return _sales_this_month(ctx, orders, "channel")


def _attainment(ctx: NotebookContext, orders: pd.DataFrame | OrderFacts, by: str) -> pd.DataFrame | None:
    from sales_analytics.kpis import attainment

    ds = ctx.dataset
    if not ds.has("targets"):
        return None
    return attainment(orders, ds.targets, reps=ds.reps, by=by, fiscal_year_start=ctx.params.fiscal_year_start)


def kpi_attainment_rep(ctx: NotebookContext, orders: pd.DataFrame | OrderFacts) -> pd.DataFrame | None:
    """Attainment per rep and month (``None`` without a targets table)."""
    return _attainment(ctx, orders, "rep_id")


def kpi_attainment_team(ctx: NotebookContext, orders: pd.DataFrame | OrderFacts) -> pd.DataFrame | None:
    """Attainment per team and month (``None`` without a targets table)."""
    return _attainment(ctx, orders, "team")


def kpi_pacing(ctx: NotebookContext, orders: pd.DataFrame | OrderFacts) -> pd.DataFrame | None:
    """Month-to-date pace against target per rep and team (``None`` without targets)."""
    from sales_analytics.kpis import pacing

    ds, kp = ctx.dataset, ctx.params.kpis
    if not ds.has("targets"):
        return None
    return pacing(
        orders,
        ds.targets,
        as_of=_as_of(ctx, orders),
        reps=ds.reps,
        rule=kp.pacing_rule,
        calendar=kp.pacing_calendar,
        workday_calendar=workday_calendar(ctx),
    )


def kpi_pipeline(ctx: NotebookContext) -> pd.DataFrame | None:
    """Open pipeline, weighted pipeline, win rate and cycle per rep (``None`` without deals)."""
    from sales_analytics.kpis import pipeline_kpis

    ds = ctx.dataset
    if not ds.has("deals"):
        return None
    return pipeline_kpis(
        ds.deals,
        stage_history=ds.deal_stage_history,
        by=["rep_id"],
        period=str(ctx.period),
        reps=ds.reps,
        stage_probabilities=ctx.params.kpis.stage_probabilities or None,
    )


def kpi_stage_conversion(ctx: NotebookContext) -> pd.DataFrame | None:
    """The stage funnel of the fiscal year to date (``None`` without deals)."""
    from sales_analytics.kpis import stage_conversion

    ds, fys = ctx.dataset, ctx.params.fiscal_year_start
    if not ds.has("deals"):
        return None
    return stage_conversion(
        ds.deals,
        ds.deal_stage_history,
        ctx.params.kpis.funnel_stages or None,
        period=ctx.period.rollup("year", fiscal_year_start=fys),
        fiscal_year_start=fys,
    )


def kpi_activities(ctx: NotebookContext) -> pd.DataFrame | None:
    """Activities per rep and month (``None`` without an activities table)."""
    from sales_analytics.kpis import activity_kpis

    ds = ctx.dataset
    if not ds.has("activities"):
        return None
    return activity_kpis(
        ds.activities, by=["rep_id"], reps=ds.reps, fiscal_year_start=ctx.params.fiscal_year_start
    )


def kpi_activity_outcomes(ctx: NotebookContext, orders: pd.DataFrame | OrderFacts) -> pd.DataFrame | None:
    """Which activity types precede orders and won deals (``None`` without activities)."""
    from sales_analytics.kpis import activity_outcomes

    ds = ctx.dataset
    if not ds.has("activities"):
        return None
    return activity_outcomes(
        ds.activities, orders=orders, deals=ds.deals, fiscal_year_start=ctx.params.fiscal_year_start
    )


def kpi_scorecard(
    ctx: NotebookContext,
    orders: pd.DataFrame | OrderFacts,
    *,
    rep_attainment: pd.DataFrame | None = None,
    outcomes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The rep scorecard of the month, with customer satisfaction when that survey was supplied.

    ``rep_attainment`` and ``outcomes``: :func:`kpi_attainment_rep` and :func:`kpi_activity_outcomes`
    of the same ``orders`` when the notebook has them already (reused, not computed again).
    """
    from sales_analytics.kpis import rep_scorecard

    ds, report = ctx.dataset, str(ctx.period)
    satisfaction = rep_satisfaction(ctx)
    return rep_scorecard(
        orders,
        reps=ds.reps,
        period=report,
        targets=ds.targets,
        deals=ds.deals,
        activities=ds.activities,
        stage_history=ds.deal_stage_history,
        satisfaction=satisfaction,
        fiscal_year_start=ctx.params.fiscal_year_start,
        rep_attainment=rep_attainment,
        outcomes=outcomes,
    )


# -------------------------------------------------------------------- 03 incentives
def incentive_adjustments(ctx: NotebookContext) -> Any:
    """The decided conflicts (docs/conflicts.md) that move credit between reps, each with its decision id."""
    from sales_analytics.conflicts import load_decisions, register_adjustments

    ds, cp = ctx.dataset, ctx.params.conflicts
    register = load_decisions(cp.decisions_file)
    if not register.decisions:  # nothing decided: no table is read (each is read when first used)
        return register_adjustments(cp, register, period=str(ctx.period))
    return register_adjustments(
        cp,
        register,
        period=str(ctx.period),
        orders=ds.orders,
        deals=ds.get("deals"),
        activities=ds.get("activities"),
        customers=ds.get("customers"),
        reps=ds.reps,
        handovers=ds.get("handovers"),
    )


def incentive_leaderboard_rep(
    ctx: NotebookContext, metrics: pd.DataFrame, plan: Any, ledger: pd.DataFrame
) -> pd.DataFrame:
    """The month's rep leaderboards of the plan, the ledger's points included."""
    from sales_analytics.incentives import leaderboards

    boards = leaderboards(metrics, plan.leaderboards, extra=ledger, min_responses=plan.awards.min_responses)
    return boards[boards["period"] == str(ctx.period)]


def incentive_leaderboard_team(ctx: NotebookContext, metrics: pd.DataFrame, plan: Any) -> pd.DataFrame:
    """The month's team leaderboards of the plan."""
    from sales_analytics.incentives import leaderboards

    boards = leaderboards(metrics, plan.leaderboards, by="team")
    return boards[boards["period"] == str(ctx.period)]


_CONTEST_COLUMNS = ["rank", "entity", "entity_name", "value", "tied", "qualifies", "prize", "winner"]


def contest_standings(ctx: NotebookContext, contests: pd.DataFrame) -> Any:
    """Each contest's standings under a heading with its status and the day they are as of."""
    from IPython.display import Markdown

    from sales_analytics.notebook import Shown

    if contests.empty:
        return Shown((Markdown(ctx.t("inc_no_contests")),))
    parts: list[Any] = []
    name = "contest" if ctx.language == "zh" else "contest_en"
    for _, standings in contests.groupby("contest_id", sort=False):
        first = standings.iloc[0]
        parts.append(Markdown(f"### {first[name]} ({ctx.t(first['status'])}, {first['as_of']:%Y-%m-%d})"))
        parts.append(ctx.show("incentive_contests", standings[_CONTEST_COLUMNS]))
    return Shown(tuple(parts))


def awards_text(awards: pd.DataFrame, language: str) -> str:
    """The awards as a markdown list: each with the rule that decided it, in ``language``.

    >>> awards_text(pd.DataFrame({"rule_zh": ["甲"], "rule_en": ["A"]}), "en")
    '- A'
    """
    return "\n".join(f"- {text}" for text in awards[f"rule_{language}"])


def statement_example(commission: Any) -> pd.DataFrame:
    """The statement lines of the rep with the largest payout, as the report shows them."""
    top = commission.summary.sort_values("payout", ascending=False)["rep_id"].head(1).tolist()
    example = commission.statements[commission.statements["rep_id"].isin(top)]
    return example.drop(columns=["amount_cents", "amount_exact"])


# --------------------------------------------------------------------------- 05 surveys
def survey_missing_notes(ctx: NotebookContext, instruments: dict[str, Any]) -> str:
    """A line per survey instrument whose response table was not supplied."""
    supplied = ctx.dataset.surveys()
    return "\n\n".join(
        f"**{inst.title(ctx.language)}**: {ctx.t('survey_no_table')}"
        for inst_id, inst in instruments.items()
        if inst_id not in supplied
    )


def survey_tables(ctx: NotebookContext, instruments: dict[str, Any]) -> tuple[dict[str, pd.DataFrame], Any]:
    """Every survey table of the month, and the record of the respondents per published month block.

    Months an earlier bundle published keep their respondents: a response
    backdated into one counts in the month it arrived in (docs/surveys.md,
    "Backdated responses"). The notebook keeps the record with the bundle
    (:func:`sales_analytics.run.keep_survey_blocks`).
    """
    from sales_analytics.run import outputs_root_of, published_survey_blocks
    from sales_analytics.surveys import survey_block_record
    from sales_analytics.surveys import survey_tables as tables_of

    ds, report = ctx.dataset, str(ctx.period)
    supplied = ds.surveys()
    published = published_survey_blocks(outputs_root_of(ctx.output_dir))
    tables = tables_of(
        supplied,
        instruments,
        ctx.params.surveys,
        invitations=ds.survey_invitations,
        period=report,
        published=published,
    )
    return tables, survey_block_record(supplied, instruments, period=report, published=published)


def latest_rows(frame: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """The rows of the latest period (of each ``by`` group when given).

    >>> f = pd.DataFrame({"instrument": ["a", "a", "b"], "period": ["2026-09", "2026-10", "2026-09"]})
    >>> latest_rows(f, "instrument").index.tolist(), latest_rows(f).index.tolist()
    ([1, 2], [1])
    """
    latest = frame.groupby(by)["period"].transform("max") if by else frame["period"].max()
    return frame[frame["period"] == latest]


# ------------------------------------------------------------------------- 08 goals
def goals_forecast(ctx: NotebookContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The backtest and the revenue forecast (company, teams, reps) of the months after the report.

    The backtest comes first: the same forecast made after each past month,
    seen on the same day of its open month; with ``goals.band: conformal`` its
    errors calibrate the forecast's bands.
    """
    from sales_analytics.forecast import forecast_backtest, interval_calibration, revenue_forecast

    ds, gp, report = ctx.dataset, ctx.params.goals, str(ctx.period)
    deal_tables: dict[str, Any] = {"deals": ds.get("deals"), "deal_history": ds.get("deal_stage_history")}
    settings: dict[str, Any] = {
        "horizon": gp.horizon_months,
        "full_model_months": gp.full_model_months,
        "quiet_months": gp.quiet_months,
    }
    backtest = forecast_backtest(
        ds.orders,
        ds.reps,
        period=report,
        min_history_months=gp.min_history_months,
        band=gp.band,
        **deal_tables,
        **settings,
    )
    forecast = revenue_forecast(
        ds.orders,
        ds.reps,
        period=report,
        calibration=interval_calibration(backtest) if gp.band == "conformal" else None,
        **deal_tables,
        **settings,
    )
    return backtest, forecast


# --------------------------------------------------------------------- 04 customers
def customer_orders(ctx: NotebookContext) -> pd.DataFrame:
    """The orders columns the customer functions read, the same frame for every section below.

    From a run's snapshot these columns alone are read (6 of the orders' 10:
    about half the read time and memory of the whole table at 10M rows), and
    every section gets the one frame, so its ids are encoded once
    (:func:`sales_analytics.kpis._core.encode`).
    """
    from sales_analytics.customers._orders import CUSTOMER_ORDER_COLUMNS

    orders = ctx.dataset.peek("orders", list(CUSTOMER_ORDER_COLUMNS))
    return orders if orders is not None else ctx.dataset.require("orders")


def customer_rfm(ctx: NotebookContext, orders: pd.DataFrame, segment_map: Any) -> pd.DataFrame:
    """RFM scores and segments of the month's customers (the lookback of ``customers.lookback_months``)."""
    from sales_analytics.customers import rfm_segments

    cp = ctx.params.customers
    return rfm_segments(
        orders, period=ctx.period, segment_map=segment_map, lookback_months=cp.lookback_months
    )


def customer_rfm_previous(ctx: NotebookContext, orders: pd.DataFrame, segment_map: Any) -> pd.DataFrame:
    """The same RFM segments one month earlier (for the migration)."""
    from sales_analytics.customers import rfm_segments

    cp = ctx.params.customers
    return rfm_segments(
        orders,
        period=ctx.period.previous(),
        segment_map=segment_map,
        lookback_months=cp.lookback_months,
    )


def customer_owners(ctx: NotebookContext, orders: pd.DataFrame) -> pd.DataFrame:
    """Each customer's owner rep (for the downgrades and the churn list: computed once for both)."""
    from sales_analytics.customers import owner_reps

    return owner_reps(orders, ctx.dataset.customers, ctx.dataset.reps)


@dataclass(frozen=True)
class Clusters:
    """The k-means result with its RFM rows: ``profiles``, ``selection``, ``k``, ``customers``."""

    profiles: pd.DataFrame
    selection: pd.DataFrame
    k: int
    customers: pd.DataFrame  # customer_rfm: the RFM rows with each customer's cluster


def customer_clusters(ctx: NotebookContext, rfm: pd.DataFrame) -> Clusters:
    """k-means clusters on the RFM scores (k chosen by silhouette), and each customer's cluster."""
    from sales_analytics.customers import kmeans_segments

    cp = ctx.params.customers
    found = kmeans_segments(
        rfm,
        k_min=cp.k_min,
        k_max=cp.k_max,
        silhouette_sample=cp.silhouette_sample,
        fit_sample=cp.kmeans_fit_sample,
        n_init=cp.kmeans_n_init,
        seed=cp.seed,
        outlier_iqr=cp.outlier_iqr,
    )
    customers = rfm.merge(found.assignments.drop(columns="period"), on="customer_id", how="left")
    return Clusters(found.profiles, found.selection, found.k, customers)


def customer_downgrades(
    ctx: NotebookContext, previous: pd.DataFrame, rfm: pd.DataFrame, segment_map: Any, owners: pd.DataFrame
) -> pd.DataFrame:
    """High-value customers whose segment fell since last month, with their owner rep (:func:`customer_owners`)."""
    from sales_analytics.customers import downgraded_customers

    return downgraded_customers(previous, rfm, segment_map, top_n=ctx.params.customers.top_n, owners=owners)


@dataclass(frozen=True)
class Clv:
    """The CLV result: per customer (``customers``) and the fitted models' table (``model``)."""

    customers: pd.DataFrame
    model: pd.DataFrame


def customer_clv(ctx: NotebookContext, orders: pd.DataFrame) -> Clv:
    """BG/NBD + Gamma-Gamma customer lifetime value over ``customers.clv_horizon_months``."""
    from sales_analytics.customers import (
        clv_model_table,
        clv_summary,
        fit_bgnbd,
        fit_gamma_gamma,
    )
    from sales_analytics.customers import customer_clv as clv_of

    cp = ctx.params.customers
    summary = clv_summary(orders, period=ctx.period, lookback_months=cp.lookback_months)
    bgnbd = fit_bgnbd(summary["x"], summary["t_x"], summary["T"])
    gamma_gamma = fit_gamma_gamma(summary["x"], summary["m"])
    clv = clv_of(
        summary,
        bgnbd,
        gamma_gamma,
        horizon_months=cp.clv_horizon_months,
        discount_monthly=cp.clv_discount_monthly,
    )
    return Clv(clv, clv_model_table(bgnbd, gamma_gamma, period=ctx.period, summary=summary))


def customer_churn_risk(
    ctx: NotebookContext, orders: pd.DataFrame, rfm: pd.DataFrame, clv: pd.DataFrame, owners: pd.DataFrame
) -> pd.DataFrame:
    """The churn-risk follow-up list (no contact data), largest expected loss first."""
    from sales_analytics.customers import churn_risk

    ds, cp = ctx.dataset, ctx.params.customers
    return churn_risk(
        orders,
        rfm,
        period=ctx.period,
        customers=ds.customers,
        reps=ds.reps,
        clv=clv,
        churn_threshold=cp.churn_threshold,
        min_orders=cp.churn_min_orders,
        min_days=cp.churn_min_days,
        top_n=cp.top_n,
        lapsed_p_alive=cp.churn_lapsed_p_alive,
        owners=owners,
    )


_SHOWN = {  # the columns the notebook shows of a wide table ({language}: the notebook's language)
    "customer_segments": (
        "segment_{language}",
        "customers",
        "share",
        "revenue",
        "revenue_share",
        "mean_recency",
        "mean_frequency",
        "mean_monetary",
    ),
    "customer_clusters": (
        "cluster_{language}",
        "customers",
        "share",
        "revenue_share",
        "centroid_recency",
        "centroid_frequency",
        "centroid_monetary",
        "mean_recency",
        "mean_frequency",
        "mean_monetary",
    ),
    "customer_rfm": (
        "customer_id",
        "recency",
        "frequency",
        "monetary",
        "rfm_code",
        "segment_{language}",
        "cluster_{language}",
    ),
    "customer_downgrades": (
        "customer_id",
        "from_{language}",
        "to_{language}",
        "previous_monetary",
        "monetary",
        "recency",
        "rep_id",
        "rep_name",
    ),
    "customer_clv_segments": (
        "segment_{language}",
        "customers",
        "clv_total",
        "clv_mean",
        "clv_share",
        "p_alive_mean",
        "expected_purchases",
    ),
}
_OPTIONAL_SHOWN = {"customer_downgrades"}  # owner columns only when customers name their rep


def shown_columns(table: str, frame: pd.DataFrame, language: str) -> list[str]:
    """The columns the customers notebook shows of ``table``, in the notebook's language.

    >>> shown_columns("customer_downgrades", pd.DataFrame(columns=["customer_id", "from_en", "rep_id"]), "en")
    ['customer_id', 'from_en', 'rep_id']
    """
    columns = [c.format(language=language) for c in _SHOWN[table]]
    return [c for c in columns if c in frame.columns] if table in _OPTIONAL_SHOWN else columns


def churn_heading(ctx: NotebookContext, churn: pd.DataFrame) -> Any:
    """The churn-risk heading with how many of how many at-risk customers the list shows."""
    total = int(churn["at_risk_total"].iloc[0]) if len(churn) else 0
    top = ctx.t("customers.churn_top").format(shown=len(churn), total=f"{total:,}")
    return ctx.heading("customers.section_churn", suffix=f"({top})")


def churn_shown(churn: pd.DataFrame, language: str) -> pd.DataFrame:
    """The churn list as the notebook shows it: the segment and reason in its language, no total column."""
    others = [
        f"{column}_{lang}" for column in ("segment", "reason") for lang in LANGUAGES if lang != language
    ]
    return churn.drop(columns=["period", "segment", *others, "at_risk_total"])


# ------------------------------------------------------------- 07 rules and feedback
def feedback_open_items(ctx: NotebookContext) -> pd.DataFrame | None:
    """Suggestions open longer than ``feedback.stale_after_days`` (``None`` without a feedback table)."""
    from sales_analytics.feedback import feedback_open_items as open_items_of

    fp = ctx.params.feedback
    if not ctx.dataset.has("feedback"):
        return None
    return open_items_of(
        ctx.dataset.feedback,
        period=str(ctx.period),
        stale_after_days=fp.stale_after_days,
        no_action_categories=fp.no_action_categories,
    )


def feedback_customer_followup(ctx: NotebookContext) -> pd.DataFrame | None:
    """Follow-ups (回访) after purchases and low satisfaction scores (``None`` without activities)."""
    from sales_analytics.feedback import FOLLOWUP_ORDER_COLUMNS, customer_followup

    ds, fp = ctx.dataset, ctx.params.feedback
    if not ds.has("activities"):
        return None
    orders = ds.peek("orders", list(FOLLOWUP_ORDER_COLUMNS))  # from a run's snapshot: those columns alone
    return customer_followup(
        ds.require("orders") if orders is None else orders,
        ds.activities,
        period=str(ctx.period),
        days=fp.followup_days,
        satisfaction=ds.get("survey_customer_satisfaction"),
        satisfaction_item=fp.satisfaction_item,
        low_max=fp.low_satisfaction_max,
    )


# ---------------------------------------------------------------------- 06 training
def _has_training(ctx: NotebookContext) -> bool:
    return ctx.dataset.has("training_sessions") and ctx.dataset.has("training_attendance")


def training_coverage(ctx: NotebookContext) -> pd.DataFrame | None:
    """Sessions, hours and attendance over ``training.window_months`` per rep, team and category."""
    from sales_analytics.training import training_coverage as coverage_of

    ds = ctx.dataset
    if not _has_training(ctx):
        return None
    return coverage_of(
        ds.training_sessions,
        ds.training_attendance,
        ds.reps,
        period=str(ctx.period),
        months=ctx.params.training.window_months,
    )


def training_untrained(ctx: NotebookContext) -> pd.DataFrame | None:
    """Reps with no session in ``training.untrained_months`` months."""
    from sales_analytics.training import untrained_reps

    ds = ctx.dataset
    if not _has_training(ctx):
        return None
    return untrained_reps(
        ds.training_sessions,
        ds.training_attendance,
        ds.reps,
        period=str(ctx.period),
        months=ctx.params.training.untrained_months,
    )


def training_learning(ctx: NotebookContext) -> pd.DataFrame | None:
    """Level 2: per session, normalized gain, paired t-test and effect size of the test scores."""
    from sales_analytics.training import learning_by_session

    ds, tp = ctx.dataset, ctx.params.training
    if not _has_training(ctx):
        return None
    return learning_by_session(
        ds.training_sessions,
        ds.training_attendance,
        period=str(ctx.period),
        months=tp.window_months,
        max_score=tp.max_score,
    )


def training_orders(ctx: NotebookContext) -> pd.DataFrame:
    """The orders columns the training functions read (from a run's snapshot: those alone, once)."""
    from sales_analytics.training._common import TRAINING_ORDER_COLUMNS

    orders = ctx.dataset.peek("orders", list(TRAINING_ORDER_COLUMNS))
    return orders if orders is not None else ctx.dataset.require("orders")


def training_outcomes(ctx: NotebookContext, orders: pd.DataFrame) -> pd.DataFrame:
    """Level 4's outcomes: revenue, win rate and customer satisfaction per rep and month (:func:`training_orders`)."""
    from sales_analytics.training import rep_month_outcomes

    ds = ctx.dataset
    return rep_month_outcomes(
        orders,
        ds.reps,
        deals=ds.deals,
        satisfaction=ds.get("survey_customer_satisfaction"),
        satisfaction_item=ctx.params.training.satisfaction_item,
    )


def training_cohorts(ctx: NotebookContext) -> pd.DataFrame | None:
    """Each rep's training cohort: the month of the first session of ``training.did_category``."""
    from sales_analytics.training import training_cohorts as cohorts_of

    ds = ctx.dataset
    if not _has_training(ctx):
        return None
    return cohorts_of(
        ds.training_sessions, ds.training_attendance, category=ctx.params.training.did_category or None
    )


def training_did(
    ctx: NotebookContext, outcomes: pd.DataFrame, cohorts: pd.DataFrame | None
) -> pd.DataFrame | None:
    """Level 4: difference-in-differences per cohort against reps not yet trained (``None`` without cohorts)."""
    from sales_analytics.training import did_by_cohort

    if cohorts is None:
        return None
    return did_by_cohort(outcomes, cohorts, period=str(ctx.period), months=ctx.params.training.did_months)


def training_event_study(
    ctx: NotebookContext, outcomes: pd.DataFrame, cohorts: pd.DataFrame | None
) -> pd.DataFrame | None:
    """Level 4: the effect by month relative to training (``None`` without cohorts)."""
    from sales_analytics.training import event_study

    if cohorts is None:
        return None
    return event_study(outcomes, cohorts, period=str(ctx.period), window=ctx.params.training.event_window)


def training_reaction_missing(ctx: NotebookContext) -> str:
    """Why there is no reaction table: the label key of the missing instrument or responses ('' when there is one)."""
    from sales_analytics.training import survey_instrument

    if survey_instrument("training_feedback", ctx.params.surveys.instruments) is None:
        return "training_no_instrument"
    return "" if ctx.dataset.has("survey_training_feedback") else "training_no_feedback"


def training_reaction(ctx: NotebookContext) -> pd.DataFrame | None:
    """Level 1: mean scores of the training-feedback survey (``None`` without instrument or responses)."""
    from sales_analytics.training import instrument_scoring, reaction_scores, survey_instrument

    instrument = survey_instrument("training_feedback", ctx.params.surveys.instruments)
    if instrument is None or not ctx.dataset.has("survey_training_feedback"):
        return None
    spec = instrument_scoring(instrument)
    return reaction_scores(
        ctx.dataset.survey_training_feedback,
        items=spec["items"],
        reverse=spec["reverse"],
        scale=spec["scale"],
        period=str(ctx.period),
        months=ctx.params.training.window_months,
    )


def training_behaviour(ctx: NotebookContext) -> pd.DataFrame | None:
    """Level 3: activities per week before vs after training (``None`` without activities or training)."""
    from sales_analytics.training import behaviour_change

    ds, tp = ctx.dataset, ctx.params.training
    if not ds.has("activities") or not _has_training(ctx):
        return None
    return behaviour_change(
        ds.training_sessions,
        ds.training_attendance,
        ds.activities,
        period=str(ctx.period),
        weeks=tp.behaviour_weeks,
        months=tp.window_months,
        category=tp.did_category or None,
    )


def training_roi(ctx: NotebookContext, did: pd.DataFrame | None) -> pd.DataFrame | None:
    """Level 5: Phillips ROI of the evaluated sessions (``None`` without a DiD table)."""
    from sales_analytics.training import training_roi as roi_of

    tp = ctx.params.training
    if did is None:
        return None
    return roi_of(
        did,
        ctx.dataset.training_sessions,
        period=str(ctx.period),
        category=tp.did_category or None,
        benefit_months=tp.benefit_months,
        margin=tp.benefit_margin,
    )


def training_kirkpatrick(
    ctx: NotebookContext,
    reaction: pd.DataFrame | None,
    behaviour: pd.DataFrame | None,
    did: pd.DataFrame | None,
    roi: pd.DataFrame | None,
) -> pd.DataFrame:
    """The Kirkpatrick summary: one row per level with its headline figure."""
    from sales_analytics.training import kirkpatrick_levels

    ds, tp = ctx.dataset, ctx.params.training
    return kirkpatrick_levels(
        period=str(ctx.period),
        sessions=ds.training_sessions,
        attendance=ds.training_attendance,
        reaction=reaction,
        behaviour=behaviour,
        did=did,
        roi=roi,
        months=tp.window_months,
        max_score=tp.max_score,
        behaviour_types=tuple(tp.behaviour_types),
    )


_NEEDS_SURVEYS = (("customer_satisfaction", "rep_id"), ("team_pulse", "team"))


def training_dimension_scores(ctx: NotebookContext) -> tuple[pd.DataFrame | None, str]:
    """Survey dimension scores per rep (customer satisfaction) and team (team pulse) for the needs.

    Team-pulse groups below the anonymity threshold are suppressed; an
    anonymous survey is read from the published month blocks only, so no
    pair of bundles isolates anyone. Returns the scores (``None`` when no
    survey applies) and a line per survey table that was not there
    (``survey_team_pulse: 不适用``).
    """
    from sales_analytics.run import outputs_root_of, published_survey_blocks
    from sales_analytics.surveys import published_group_responses
    from sales_analytics.training import instrument_scoring, skill_dimension_scores, survey_instrument

    sp = ctx.params.surveys
    frames, absent = [], []
    for instrument_id, by in _NEEDS_SURVEYS:
        inst = survey_instrument(instrument_id, sp.instruments)
        responses = ctx.dataset.get(f"survey_{instrument_id}")
        if inst is None or responses is None or by not in responses.columns:
            absent.append(f"survey_{instrument_id}")
            continue
        if inst.anonymous:
            responses = published_group_responses(
                responses,
                inst,
                sp,
                by=by,
                period=str(ctx.period),
                published=published_survey_blocks(outputs_root_of(ctx.output_dir)),
            )
        spec = instrument_scoring(inst, types=("likert",))
        frames.append(
            skill_dimension_scores(
                responses,
                spec["dimensions"],
                by=by,
                reverse=spec["reverse"],
                scale=spec["scale"],
                source=instrument_id,
                anonymity_threshold=sp.anonymity_threshold if by == "team" else 1,
            )
        )
    text = "\n\n".join(f"{name}: {ctx.t('n_a')}" for name in absent)
    return (pd.concat(frames) if frames else None), text


def training_needs(
    ctx: NotebookContext, orders: pd.DataFrame, outcomes: pd.DataFrame, dimensions: pd.DataFrame | None
) -> pd.DataFrame:
    """Training needs per rep: low win rate, satisfaction, category revenue or survey dimension."""
    from sales_analytics.training import training_needs as needs_of

    ds, tp = ctx.dataset, ctx.params.training
    return needs_of(
        ds.reps,
        outcomes,
        period=str(ctx.period),
        months=tp.needs_months,
        low_quantile=tp.needs_low_quantile,
        orders=orders,
        dimensions=dimensions,
        dimension_categories=tp.dimension_categories,
        low_score=tp.needs_low_score,
    )


def goals_track_record(ctx: NotebookContext) -> pd.DataFrame:
    """The forecasts earlier bundles published (``goals_forecast``) against what happened."""
    from sales_analytics.forecast import forecast_vs_actual
    from sales_analytics.run.history import outputs_root_of, read_published_tables

    report = str(ctx.period)
    earlier = read_published_tables("goals_forecast", before=report, outputs=outputs_root_of(ctx.output_dir))
    return forecast_vs_actual(earlier, ctx.dataset.orders, ctx.dataset.reps, period=report)


def goals_proposal(ctx: NotebookContext, proposal: pd.DataFrame, reason: str | None) -> Any:
    """What the report shows of the open month's target proposal: how it was made and its team and
    company rows, or the one line saying why there is none (``reason``, a label key)."""
    from IPython.display import Markdown

    from sales_analytics.notebook import Shown

    opening = ctx.period.next()
    if reason:
        why = ctx.t(reason).format(month=str(opening), base_month=str(opening.same_period_last_year()))
        return Shown((Markdown(why),))
    note = Markdown(ctx.t("goals_proposal_note").format(growth=ctx.params.goals.growth))
    return Shown((note, ctx.show("goals_target_proposal", proposal[proposal["level"] != "rep"])))


# --------------------------------------------------------------------- 09 conflicts
def conflict_statement_lines(ctx: NotebookContext, adjustments: pd.DataFrame, plan: Any) -> pd.DataFrame:
    """The commission statement lines the decided conflicts of the month move (the engine runs only
    when a decision moves something; otherwise the empty table with the engine's columns)."""
    from sales_analytics.conflicts import conflict_statement_lines as lines_of

    ds = ctx.dataset
    return lines_of(
        adjustments,
        period=str(ctx.period),
        orders=ds.orders,
        reps=ds.reps,
        plan=plan,
        targets=ds.targets,
        activities=ds.activities,
    )
