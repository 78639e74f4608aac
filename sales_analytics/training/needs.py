"""Training needs: skill gaps from low KPIs and low survey dimension scores, mapped to categories.

Rules (each row of the result gives its reason in Chinese and English):

* win rate in the bottom ``low_quantile`` of reps → ``sales_skills``;
* customer satisfaction in the bottom ``low_quantile`` → ``customer_service``;
* revenue on a product category in the bottom ``low_quantile`` of reps selling it
  → ``product`` (the category is named);
* a survey dimension scored below ``low_score`` → the category the dimension maps
  to (``dimension_categories``); the reasons name the survey and the dimension as the
  instruments do (:func:`sales_analytics.report.key_names.key_name`), never by their ids. Team-level scores (the anonymous team pulse)
  apply to every rep of the team; unmapped dimensions are not skills and are skipped.
"""

from __future__ import annotations

import pandas as pd

from sales_analytics.periods import Period
from sales_analytics.refunds import normalize_refunds
from sales_analytics.report.key_names import key_name
from sales_analytics.training._common import require, window
from sales_analytics.vocabulary import renamed_arguments

__all__ = ["DEFAULT_DIMENSION_CATEGORIES", "skill_dimension_scores", "training_needs"]

DEFAULT_DIMENSION_CATEGORIES = {
    "expertise": "product",
    "responsiveness": "customer_service",
    "attitude": "customer_service",
}
_KPI_TEXT = {
    "win_rate": (
        "sales_skills",
        "赢单率 {v:.0%} 低于团队第{q:.0f}百分位（{b:.0%}）",
        "win rate {v:.0%} below the team's {q:.0f}th percentile ({b:.0%})",
    ),
    "satisfaction": (
        "customer_service",
        "客户满意度 {v:.2f} 低于团队第{q:.0f}百分位（{b:.2f}）",
        "customer satisfaction {v:.2f} below the team's {q:.0f}th percentile ({b:.2f})",
    ),
}


@renamed_arguments(min_n="anonymity_threshold")
def skill_dimension_scores(
    responses: pd.DataFrame,
    dimensions: dict[str, list[str]],
    *,
    by: str,
    reverse: tuple[str, ...] | list[str] = (),
    scale: tuple[float, float] = (1, 5),
    source: str = "survey",
    anonymity_threshold: int = 1,
) -> pd.DataFrame:
    """Mean dimension score per ``by`` group (rep_id or team) from survey responses.

    ``dimensions`` maps a dimension to its item columns; reverse-keyed items are rescored
    ``(min + max) − x`` first. Groups with fewer than ``anonymity_threshold`` respondents are suppressed
    (pass the anonymity threshold for anonymous surveys such as the team pulse).
    Returns ``level, key, dimension, score, n, source``.

    >>> r = pd.DataFrame({"rep_id": ["r1", "r1"], "e1": [2, 3], "e2": [2, 1]})
    >>> skill_dimension_scores(r, {"expertise": ["e1", "e2"]}, by="rep_id")[["key", "score", "n"]].values.tolist()
    [['r1', 2.0, 2]]
    """
    require(responses, "survey responses", (by,))
    lo, hi = scale
    rows = []
    for dim, items in dimensions.items():
        cols = [i for i in items if i in responses.columns]
        if not cols:
            continue
        vals = responses[cols].apply(pd.to_numeric, errors="coerce")
        for i in reverse:
            if i in vals:
                vals[i] = (lo + hi) - vals[i]
        per = pd.DataFrame({"key": responses[by].astype("str"), "v": vals.mean(axis=1)}).dropna()
        sizes = per.groupby("key").size()
        per = per.loc[per["key"].isin(sizes.index[sizes >= anonymity_threshold])]
        g = per.groupby("key")["v"]
        rows.append(
            pd.DataFrame(
                {
                    "key": g.mean().index,
                    "score": g.mean().to_numpy(),
                    "n": g.size().to_numpy(),
                    "dimension": dim,
                }
            )
        )
    cols = ["level", "key", "dimension", "score", "n", "source"]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.concat(rows, ignore_index=True).assign(level="rep" if by == "rep_id" else by, source=source)
    return out[cols]


def training_needs(
    reps: pd.DataFrame,
    outcomes: pd.DataFrame,
    *,
    period: Period | str,
    months: int = 3,
    low_quantile: float = 0.25,
    orders: pd.DataFrame | None = None,
    dimensions: pd.DataFrame | None = None,
    dimension_categories: dict[str, str] | None = None,
    low_score: float = 3.0,
) -> pd.DataFrame:
    """Recommended training per rep, one row per reason.

    Parameters
    ----------
    reps : ``reps``: rep_id*, team*, rep_name.
    outcomes : :func:`rep_month_outcomes` (rep_id, month, revenue, win_rate, satisfaction);
        the ``months`` months ending with ``period`` are averaged.
    orders : optional ``orders`` with ``product_category`` for product gaps.
    dimensions : optional :func:`skill_dimension_scores` rows (level rep or team).
    dimension_categories : dimension → training category (default: expertise → product,
        responsiveness and attitude → customer_service).

    Returns
    -------
    DataFrame
        ``period, rep_id, rep_name, team, category, reason, value, benchmark, source, reason_zh,
        reason_en`` sorted by rep and category; ``reason`` is a key (``low_win_rate``,
        ``low_satisfaction``, ``low_product_revenue``, ``low_dimension``).

    Examples
    --------
    >>> reps = pd.DataFrame({"rep_id": ["a", "b", "c", "d"], "team": "T"})
    >>> out = pd.DataFrame({"rep_id": ["a", "b", "c", "d"], "month": "2025-10", "revenue": 1.0,
    ...                     "win_rate": [0.1, 0.3, 0.4, 0.5], "satisfaction": float("nan")})
    >>> training_needs(reps, out, period="2025-10")[["rep_id", "category"]].values.tolist()
    [['a', 'sales_skills']]
    """
    require(reps, "reps", ("rep_id", "team"))
    p, start, end = window(period, months)
    roster = reps.assign(rep_id=reps["rep_id"].astype("str")).drop_duplicates("rep_id")
    if "rep_name" not in roster.columns:
        roster = roster.assign(rep_name=roster["rep_id"])
    o = outcomes.assign(rep_id=outcomes["rep_id"].astype("str"))
    o = o.loc[(pd.to_datetime(o["month"]) >= start) & (pd.to_datetime(o["month"]) <= end)]
    q = low_quantile * 100
    rows: list[dict] = []
    for kpi, (cat, zh, en) in _KPI_TEXT.items():
        if kpi not in o.columns:
            continue
        per = o.groupby("rep_id")[kpi].mean().dropna()
        if len(per) < 4:  # a quartile of fewer than four reps is not a benchmark
            continue
        bench = float(per.quantile(low_quantile))
        for rep, v in per.loc[per < bench].items():
            rows.append(
                {
                    "rep_id": rep,
                    "category": cat,
                    "reason": f"low_{kpi}",
                    "value": float(v),
                    "benchmark": bench,
                    "source": "kpi",
                    "reason_zh": zh.format(v=v, q=q, b=bench),
                    "reason_en": en.format(v=v, q=q, b=bench),
                }
            )
    if orders is not None and {"product_category", "rep_id", "amount", "order_date"} <= set(orders.columns):
        sales = normalize_refunds(orders)  # an order refunded in full adds nothing
        od = pd.to_datetime(sales["order_date"])
        sel = sales.loc[(od >= start) & (od < end + pd.Timedelta(days=1))]
        if "status" in sel.columns:
            sel = sel.loc[sel["status"].astype("str").fillna("paid") != "cancelled"]
        rev = sel.groupby([sel["product_category"].astype("str"), sel["rep_id"].astype("str")])[
            "amount"
        ].sum()
        for pc, per in rev.groupby(level=0):
            per = per.droplevel(0).reindex(roster["rep_id"], fill_value=0.0)
            if len(per) < 4 or per.sum() <= 0:
                continue
            bench = float(per.quantile(low_quantile))
            for rep, v in per.loc[per < bench].items():
                rows.append(
                    {
                        "rep_id": rep,
                        "category": "product",
                        "reason": "low_product_revenue",
                        "value": float(v),
                        "benchmark": bench,
                        "source": f"orders:{pc}",
                        "reason_zh": f"{pc} 类产品营收 {v:,.0f} 低于团队第{q:.0f}百分位（{bench:,.0f}）",
                        "reason_en": f"revenue on {pc} {v:,.0f} below the team's {q:.0f}th percentile "
                        f"({bench:,.0f})",
                    }
                )
    mapping = DEFAULT_DIMENSION_CATEGORIES if dimension_categories is None else dimension_categories
    if dimensions is not None and len(dimensions):
        low = dimensions.loc[dimensions["dimension"].isin(mapping) & (dimensions["score"] < low_score)]
        for _, d in low.iterrows():
            if d["level"] == "rep":
                targets = [d["key"]]
            else:
                targets = roster.loc[roster[d["level"]].astype("str") == d["key"], "rep_id"].tolist()
            src, dim = str(d["source"]), str(d["dimension"])
            for rep in targets:
                rows.append(
                    {
                        "rep_id": rep,
                        "category": mapping[d["dimension"]],
                        "reason": "low_dimension",
                        "value": float(d["score"]),
                        "benchmark": low_score,
                        "source": d["source"],
                        "reason_zh": f"{key_name(src, 'zh')}：维度「{key_name(dim, 'zh')}」得分 "
                        f"{d['score']:.2f} 低于 {low_score:g}",
                        "reason_en": f"{key_name(src, 'en')}: dimension '{key_name(dim, 'en')}' scored "
                        f"{d['score']:.2f}, below {low_score:g}",
                    }
                )
    cols = [
        "period",
        "rep_id",
        "rep_name",
        "team",
        "category",
        "reason",
        "value",
        "benchmark",
        "source",
        "reason_zh",
        "reason_en",
    ]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows).merge(roster[["rep_id", "rep_name", "team"]], on="rep_id", how="inner")
    out = out.assign(period=str(p)).sort_values(["rep_id", "category", "reason", "source"], ignore_index=True)
    return out[cols]
