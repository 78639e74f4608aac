"""Scores with their uncertainty: NPS / eNPS, CSAT, CES, Likert dimensions, response rates.

Every function takes a response table already cleaned by
:func:`~sales_analytics.surveys.quality.clean_responses` (a raw table is
prepared and its out-of-range answers blanked, but its exclusions are not
applied), scores every period up to ``period`` for the total (``group_by =
group = "all"``) and for each grouping column in ``by``, compares each cut with
the same cut in the instrument's previous wave, and passes the result through
:func:`~sales_analytics.surveys.anonymity.suppress_small_groups` — for an
anonymous instrument with the larger of the instrument's and the parameters'
threshold, otherwise with a threshold of 1 (nothing hidden).

Formulas (docs/formulas.md §8): NPS = 100 (p − d), Var = 100² [(p + d) − (p − d)²] / n,
MoE = z √Var; top-box share with a Wilson interval; means with a t interval.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sales_analytics.surveys.anonymity import ALL, anonymity_threshold_for, suppress_small_groups
from sales_analytics.surveys.instruments import Instrument, Item
from sales_analytics.surveys.params import SurveyParams
from sales_analytics.surveys.quality import prepare_responses, response_quality
from sales_analytics.vocabulary import renamed_arguments

__all__ = [
    "survey_dimensions",
    "nps_stats",
    "rep_satisfaction",
    "respondent_dimensions",
    "response_rates",
    "reverse_code",
    "survey_scores",
    "wilson_interval",
]

log = logging.getLogger(__name__)

_SCORE_COLUMNS = [
    "period",
    "instrument",
    "group_by",
    "group",
    "item",
    "metric",
    "value",
    "se",
    "moe",
    "ci_low",
    "ci_high",
    "n",
    "suppressed",
    "previous_period",
    "change",
    "z",
    "p_value",
    "significant",
    "test",
]


def nps_stats(
    values: Sequence[float] | np.ndarray,
    *,
    promoter_from: int = 9,
    detractor_to: int = 6,
    confidence: float = 0.95,
) -> dict[str, float]:
    """NPS of 0–10 answers with its variance and margin of error (docs/formulas.md §8.1).

    >>> s = nps_stats([10] * 90 + [7] * 60 + [3] * 50)
    >>> float(s["nps"]), round(float(s["var"]), 1), round(float(s["moe"]), 1)
    (20.0, 33.0, 11.3)
    """
    from scipy import stats  # imported on use: opening a notebook does not load scipy.stats

    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    z = stats.norm.ppf(0.5 + confidence / 2)
    if n == 0:
        return {
            "n": 0,
            "promoters": 0,
            "passives": 0,
            "detractors": 0,
            "nps": np.nan,
            "var": np.nan,
            "moe": np.nan,
        }
    prom, det = int((v >= promoter_from).sum()), int((v <= detractor_to).sum())
    p, d = prom / n, det / n
    var = 100.0**2 * ((p + d) - (p - d) ** 2) / n
    return {
        "n": n,
        "promoters": prom,
        "passives": n - prom - det,
        "detractors": det,
        "nps": 100.0 * (p - d),
        "var": var,
        "moe": z * np.sqrt(var),
    }


def wilson_interval(
    k: np.ndarray | float, n: np.ndarray | float, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a share ``k / n`` (docs/formulas.md §8.3), as fractions.

    >>> lo, hi = wilson_interval(120, 160)
    >>> round(float(lo) * 100, 1), round(float(hi) * 100, 1)
    (67.8, 81.1)
    """
    from scipy import stats  # imported on use: opening a notebook does not load scipy.stats

    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = p + z**2 / (2 * n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
        denom = 1 + z**2 / n
        lo, hi = (centre - half) / denom, (centre + half) / denom
    # In exact arithmetic 0 ≤ lo ≤ p̂ ≤ hi ≤ 1 (lo = 0 at k = 0, hi = 1 at k = n); rounding can leave a
    # bound 1e-15 outside, which a chart's error bar refuses as a negative length.
    return np.clip(np.minimum(lo, p), 0.0, 1.0), np.clip(np.maximum(hi, p), 0.0, 1.0)


def reverse_code(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """A copy with every reverse-coded Likert item mirrored: x′ = (min + max) − x (docs/formulas.md §8.5).

    >>> from sales_analytics.surveys.instruments import load_instruments
    >>> inst = load_instruments()["team_pulse"]
    >>> reverse_code(pd.DataFrame({"rc_unsure": [2.0, 5.0], "rc_clear": [2.0, 5.0]}), inst)
       rc_unsure  rc_clear
    0        4.0       2.0
    1        1.0       5.0
    """
    out = responses.copy()
    for it in instrument.items_of("likert"):
        if it.reverse and it.id in out:
            lo, hi = it.bounds
            out[it.id] = (lo + hi) - out[it.id].astype(float)
    return out


def _scorable(responses: pd.DataFrame, instrument: Instrument, period: str | None) -> pd.DataFrame:
    r = responses if "period" in responses else prepare_responses(responses, instrument)
    r = r.copy()
    for it in instrument.numeric_items:
        lo, hi = it.bounds
        v = r[it.id].astype(float)
        r[it.id] = v.where((v >= lo) & (v <= hi))
    if period is not None:
        r = r[r["period"] <= str(period)]
    return r


def _cuts(r: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """The responses stacked once per cut: total plus one copy per grouping column."""
    parts = [r.assign(group_by=ALL, group=ALL)]
    for col in by:
        if col not in r:
            raise KeyError(
                f"cannot group by {col!r}: not a column of the responses; columns are {list(r.columns)}"
            )
        parts.append(r.assign(group_by=col, group=r[col].astype(str)))
    return pd.concat(parts, ignore_index=True)


def _changes(table: pd.DataFrame, keys: list[str], periods: list[str], significance: float) -> pd.DataFrame:
    """Add previous_period, change, z, p_value and significant (vs the previous wave)."""
    from scipy import stats  # imported on use: opening a notebook does not load scipy.stats

    prev_of = dict(zip(periods[1:], periods[:-1]))
    out = table.copy()
    out["previous_period"] = out["period"].map(prev_of).astype("str")
    prev = out[["period", *keys, "value", "se"]].rename(
        columns={"period": "previous_period", "value": "_pv", "se": "_pse"}
    )
    out = out.merge(prev, on=["previous_period", *keys], how="left")
    out["change"] = out["value"] - out["_pv"]
    se = np.sqrt(out["se"] ** 2 + out["_pse"] ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Both standard errors 0 (e.g. 100% then 0% top-box): the normal test is undefined, not ±∞.
        out["z"] = (out["change"] / se).where(se > 0)
    out["p_value"] = 2 * stats.norm.sf(np.abs(out["z"].to_numpy(dtype=float)))
    sig = out["p_value"] < significance
    out["significant"] = sig.astype("boolean").mask(out["p_value"].isna())
    return out.drop(columns=["_pv", "_pse"])


def _item_rows(cut: pd.DataFrame, item: Item, metric_name: str, conf: float) -> pd.DataFrame:
    """Per-cut statistics of one numeric item."""
    from scipy import stats  # imported on use: opening a notebook does not load scipy.stats

    keys = ["period", "group_by", "group"]
    x = cut[item.id].astype(float)
    z = stats.norm.ppf(0.5 + conf / 2)
    frames = []
    g = cut.assign(_v=x.notna(), _x=x).groupby(keys, sort=True)
    n = g["_v"].sum()
    if item.type == "nps":
        b = item.nps_buckets
        prom = cut.assign(_p=x >= b.promoter[0]).groupby(keys, sort=True)["_p"].sum()
        det = cut.assign(_d=x <= b.detractor[1]).groupby(keys, sort=True)["_d"].sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            p, d = prom / n, det / n
            se = 100.0 * np.sqrt(((p + d) - (p - d) ** 2) / n)
        value = 100.0 * (p - d)
        frames.append(
            pd.DataFrame(
                {
                    "metric": metric_name,
                    "value": value,
                    "se": se,
                    "moe": z * se,
                    "ci_low": (value - z * se).clip(lower=-100.0),
                    "ci_high": (value + z * se).clip(upper=100.0),
                    "n": n,
                    "test": "two-sample z on NPS",
                }
            )
        )
    top = item.top_box_from
    k = cut.assign(_t=x >= top).groupby(keys, sort=True)["_t"].sum()
    lo, hi = wilson_interval(k.to_numpy(), n.to_numpy(), conf)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = k / n
        se_share = 100.0 * np.sqrt(share * (1 - share) / n)
    if item.type in ("csat", "ces", "likert"):
        label = {"csat": "top2", "ces": "top_box", "likert": "top2"}[item.type]
        frames.append(
            pd.DataFrame(
                {
                    "metric": f"{metric_name}_{label}",
                    "value": 100.0 * share,
                    "se": se_share,
                    "moe": 100.0 * (hi - lo) / 2,
                    "ci_low": 100.0 * lo,
                    "ci_high": 100.0 * hi,
                    "n": n,
                    "test": "two-proportion z (unpooled SE)",
                }
            )
        )
        mean, sd = g["_x"].mean(), g["_x"].std(ddof=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            se_mean = sd / np.sqrt(n)
            t = stats.t.ppf(0.5 + conf / 2, np.maximum(n.to_numpy() - 1, 1))
        frames.append(
            pd.DataFrame(
                {
                    "metric": f"{metric_name}_mean",
                    "value": mean,
                    "se": se_mean,
                    "moe": t * se_mean,
                    "ci_low": (mean - t * se_mean).clip(lower=item.bounds[0]),
                    "ci_high": (mean + t * se_mean).clip(upper=item.bounds[1]),
                    "n": n,
                    "test": "two-sample z on means (Welch SE)",
                }
            )
        )
    out = pd.concat(frames).reset_index()
    out["item"] = item.id
    return out


def _finish(
    rows: pd.DataFrame,
    instrument: Instrument,
    params: SurveyParams,
    keys: list[str],
    periods: list[str],
    columns: list[str],
    values: list[str],
) -> pd.DataFrame:
    rows = rows.assign(instrument=instrument.id)
    rows = suppress_small_groups(
        rows,
        anonymity_threshold=anonymity_threshold_for(instrument, params),
        by=["period", *[k for k in keys if k not in ("group_by", "group")]],
        values=values,
    )
    # A wave is a month whose total is published: a month holding only a few late
    # responses (hidden, so without rows) is not the wave a change is measured against.
    shown = set(rows.loc[rows["group"] == ALL, "period"])
    waves = [p for p in periods if p in shown]
    rows = _changes(rows, keys, waves, params.significance)
    alpha = f", α={params.significance:g}"
    rows["test"] = rows["test"].astype("str") + alpha
    rows = rows.sort_values(["period", *keys], kind="stable").reset_index(drop=True)
    return rows[columns].astype({"period": "str", "instrument": "str", "group_by": "str", "group": "str"})


@renamed_arguments(until="period")
def survey_scores(
    responses: pd.DataFrame,
    instrument: Instrument,
    params: SurveyParams | None = None,
    *,
    by: Sequence[str] = ("team",),
    period: str | None = None,
) -> pd.DataFrame:
    """NPS / eNPS, CSAT and CES per period and group, with intervals and the change vs the previous wave.

    Parameters
    ----------
    responses : cleaned responses (``period``, grouping columns, item columns).
    instrument : the instrument they answer; every ``nps``, ``csat`` and ``ces`` item is scored.
    by : grouping columns; each gives one row per group besides the total (``all``).
    period : last period scored (``YYYY-MM``), default all.

    Returns
    -------
    ``period, instrument, group_by, group, item, metric, value, se, moe, ci_low,
    ci_high, n, suppressed, previous_period, change, z, p_value, significant,
    test``. Metrics: ``nps`` (``enps`` for an employee survey; −100…100, ci =
    value ± moe); ``csat_top2`` / ``ces_top_box`` (%, Wilson ci, moe = half
    width); ``csat_mean`` / ``ces_mean`` (t interval). ``test`` names the change
    test and its α.

    Examples
    --------
    >>> from sales_analytics.surveys.instruments import load_instruments
    >>> inst = load_instruments()["customer_satisfaction"]
    >>> r = pd.DataFrame({"response_id": [f"r{i}" for i in range(200)], "submitted_at": "2026-03-05",
    ...     "customer_id": [f"c{i}" for i in range(200)], "rep_id": "R1", "team": "A",
    ...     "nps": [10] * 90 + [8] * 60 + [2] * 50, "csat": [5] * 150 + [1] * 50, "ces": 6})
    >>> s = survey_scores(r, inst, by=())
    >>> s.loc[s.metric == "nps", ["value", "moe", "n"]].round(1).to_dict("records")
    [{'value': 20.0, 'moe': 11.3, 'n': 200.0}]
    """
    params = params or SurveyParams()
    r = _scorable(responses, instrument, period)
    periods = sorted(r["period"].unique().tolist())
    if r.empty:
        return pd.DataFrame(columns=_SCORE_COLUMNS)
    cut = _cuts(r, by)
    employee = instrument.audience == "employee"
    parts = []
    for it in instrument.items_of("nps", "csat", "ces"):
        name = ("enps" if employee else "nps") if it.type == "nps" else it.type
        parts.append(_item_rows(cut, it, name, params.confidence))
    if not parts:
        return pd.DataFrame(columns=_SCORE_COLUMNS)
    rows = pd.concat(parts, ignore_index=True)
    return _finish(
        rows,
        instrument,
        params,
        ["group_by", "group", "item", "metric"],
        periods,
        _SCORE_COLUMNS,
        ["value", "se", "moe", "ci_low", "ci_high"],
    )


_DIM_COLUMNS = [
    "period",
    "instrument",
    "group_by",
    "group",
    "dimension",
    "value",
    "sd",
    "se",
    "moe",
    "ci_low",
    "ci_high",
    "favourable",
    "score_100",
    "n",
    "suppressed",
    "previous_period",
    "change",
    "z",
    "p_value",
    "significant",
    "test",
]


def respondent_dimensions(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Each respondent's dimension scores: the mean of the answered (reverse-coded) items.

    A dimension needs at least half of its items answered, else it is NaN.
    Returns one column per dimension, aligned with ``responses``.
    """
    rc = reverse_code(responses, instrument)
    out = {}
    for dim in instrument.dimensions:
        ids = [it.id for it in instrument.dimension_items(dim)]
        block = rc[ids].astype(float)
        enough = block.notna().sum(axis=1) >= np.ceil(len(ids) / 2)
        out[dim] = block.mean(axis=1).where(enough)
    return pd.DataFrame(out, index=responses.index)


@renamed_arguments(until="period")
def survey_dimensions(
    responses: pd.DataFrame,
    instrument: Instrument,
    params: SurveyParams | None = None,
    *,
    by: Sequence[str] = ("team",),
    period: str | None = None,
) -> pd.DataFrame:
    """Likert dimension scores per period and group, reverse-coded items mirrored first.

    Parameters
    ----------
    responses : cleaned responses.
    instrument : the instrument; its ``dimensions`` and Likert items are used.
    by, period : as in :func:`survey_scores`.

    Returns
    -------
    ``period, instrument, group_by, group, dimension, value`` (mean of the
    respondents' dimension scores on the item scale), ``sd, se, moe, ci_low,
    ci_high`` (t interval), ``favourable`` (% of respondents scoring in the top
    two points), ``score_100`` (the mean rescaled to 0–100), ``n, suppressed,
    previous_period, change, z, p_value, significant, test``.

    Examples
    --------
    Two respondents; ``resp_wait`` is reverse-coded, so (4, 4, 2) scores
    (4 + 4 + (6 − 2)) / 3 = 4 and (2, 3, 5) scores (2 + 3 + 1) / 3 = 2:

    >>> from sales_analytics.surveys.instruments import load_instruments
    >>> inst = load_instruments()["customer_satisfaction"]
    >>> r = pd.DataFrame({"response_id": ["a", "b"], "submitted_at": "2026-03-30", "customer_id": ["c1", "c2"],
    ...     "rep_id": "R1", "team": "A", "resp_quick": [4, 2], "resp_promise": [4, 3], "resp_wait": [2, 5]})
    >>> d = survey_dimensions(r, inst, by=())
    >>> d.loc[d.dimension == "responsiveness", ["value", "n"]].to_dict("records")
    [{'value': 3.0, 'n': 2.0}]
    """
    from scipy import stats  # imported on use: opening a notebook does not load scipy.stats

    params = params or SurveyParams()
    r = _scorable(responses, instrument, period)
    if r.empty or not instrument.dimensions:
        return pd.DataFrame(columns=_DIM_COLUMNS)
    periods = sorted(r["period"].unique().tolist())
    dims = respondent_dimensions(r, instrument)
    scored = pd.concat([r[["period", *[c for c in by if c in r]]], dims], axis=1)
    cut = _cuts(scored, by)
    keys = ["period", "group_by", "group"]
    conf = params.confidence
    frames = []
    for dim in instrument.dimensions:
        lo, hi = instrument.dimension_items(dim)[0].bounds
        x = cut[dim]
        g = cut.assign(_x=x, _v=x.notna(), _f=x >= hi - 1).groupby(keys, sort=True)
        n, mean, sd = g["_v"].sum(), g["_x"].mean(), g["_x"].std(ddof=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            se = sd / np.sqrt(n)
            t = stats.t.ppf(0.5 + conf / 2, np.maximum(n.to_numpy() - 1, 1))
            fav = 100.0 * g["_f"].sum() / n
        frames.append(
            pd.DataFrame(
                {
                    "dimension": dim,
                    "value": mean,
                    "sd": sd,
                    "se": se,
                    "moe": t * se,
                    "ci_low": (mean - t * se).clip(lower=lo),
                    "ci_high": (mean + t * se).clip(upper=hi),
                    "favourable": fav,
                    "score_100": 100.0 * (mean - lo) / (hi - lo),
                    "n": n,
                    "test": "two-sample z on means (Welch SE)",
                }
            ).reset_index()
        )
    rows = pd.concat(frames, ignore_index=True)
    return _finish(
        rows,
        instrument,
        params,
        ["group_by", "group", "dimension"],
        periods,
        _DIM_COLUMNS,
        ["value", "sd", "se", "moe", "ci_low", "ci_high", "favourable", "score_100"],
    )


#: The columns of :func:`rep_satisfaction` (``survey_rep_satisfaction``).
REP_SATISFACTION_COLUMNS = (
    "period",
    "rep_id",
    "csat",
    "nps",
    "responses",
    "csat_ci_low",
    "csat_ci_high",
    "nps_moe",
)


@renamed_arguments(until="period")
def rep_satisfaction(
    responses: pd.DataFrame,
    instrument: Instrument,
    params: SurveyParams | None = None,
    *,
    period: str | None = None,
) -> pd.DataFrame:
    """Customer satisfaction per rep and period, for the KPI scorecard and awards.

    Returns
    -------
    ``period, rep_id, csat`` (top-2-box %, of the first csat item), ``nps``
    (of the first nps item), ``responses`` (scored responses), then
    ``csat_ci_low, csat_ci_high`` (Wilson) and ``nps_moe``.

    Examples
    --------
    >>> from sales_analytics.surveys.instruments import load_instruments
    >>> inst = load_instruments()["customer_satisfaction"]
    >>> r = pd.DataFrame({"response_id": ["a", "b", "c", "d"], "submitted_at": "2026-03-05",
    ...     "customer_id": ["c1", "c2", "c3", "c4"], "rep_id": ["R1", "R1", "R1", "R2"], "team": "A",
    ...     "nps": [10, 9, 3, 8], "csat": [5, 4, 2, 4], "ces": 5})
    >>> rep_satisfaction(r, inst)[["period", "rep_id", "csat", "nps", "responses"]].round(1)
        period rep_id   csat   nps  responses
    0  2026-03     R1   66.7  33.3          3
    1  2026-03     R2  100.0   0.0          1
    """
    params = params or SurveyParams()
    if "rep_id" not in instrument.grouping:
        raise KeyError(f"instrument {instrument.id!r} has no rep_id column; satisfaction per rep needs one")
    cols = list(REP_SATISFACTION_COLUMNS)
    r = _scorable(responses, instrument, period)
    if r.empty:
        return pd.DataFrame(columns=cols)
    scores = survey_scores(r, instrument, params, by=("rep_id",), period=period)
    scores = scores[scores["group_by"] == "rep_id"]
    csat_item = next((it.id for it in instrument.items_of("csat")), None)
    nps_item = next((it.id for it in instrument.items_of("nps")), None)
    base = r.groupby(["period", "rep_id"], sort=True).size().rename("responses").reset_index()
    out = base
    if csat_item is not None:
        c = scores[(scores["item"] == csat_item) & (scores["metric"].str.endswith("_top2"))]
        out = out.merge(
            c[["period", "group", "value", "ci_low", "ci_high"]].rename(
                columns={
                    "group": "rep_id",
                    "value": "csat",
                    "ci_low": "csat_ci_low",
                    "ci_high": "csat_ci_high",
                }
            ),
            on=["period", "rep_id"],
            how="left",
        )
    if nps_item is not None:
        p = scores[(scores["item"] == nps_item) & (scores["metric"].isin(["nps", "enps"]))]
        out = out.merge(
            p[["period", "group", "value", "moe"]].rename(
                columns={"group": "rep_id", "value": "nps", "moe": "nps_moe"}
            ),
            on=["period", "rep_id"],
            how="left",
        )
    for c in cols:
        if c not in out:
            out[c] = np.nan
    return out[cols].astype({"period": "str", "rep_id": "str", "responses": "int64"})


@renamed_arguments(until="period")
def response_rates(
    responses: pd.DataFrame,
    invitations: pd.DataFrame | None,
    instrument: Instrument,
    params: SurveyParams | None = None,
    *,
    by: Sequence[str] = ("team",),
    period: str | None = None,
) -> pd.DataFrame:
    """Responses received against invitations, per period and group.

    Parameters
    ----------
    responses : the received responses, before exclusions: a response rate counts who
        answered, speeders and straight-liners included; a duplicate submission (see
        ``response_quality``) is the same respondent again and counts once.
    invitations : ``instrument, period, <group columns>, invited``; ``None`` gives no rows.

    Returns
    -------
    ``period, instrument, group_by, group, invited, n`` (responses), ``response_rate`` (%), ``suppressed``.
    """
    params = params or SurveyParams()
    cols = ["period", "instrument", "group_by", "group", "invited", "n", "response_rate", "suppressed"]
    if invitations is None or invitations.empty:
        return pd.DataFrame(columns=cols)
    r = responses if "period" in responses else prepare_responses(responses, instrument)
    if not r.empty:
        r = r[~response_quality(r, instrument, params)["duplicate"].to_numpy()]
    inv = invitations[invitations["instrument"].astype(str) == instrument.id].copy()
    inv["period"] = inv["period"].astype(str)
    if period is not None:
        r, inv = r[r["period"] <= str(period)], inv[inv["period"] <= str(period)]
    by = [c for c in by if c in inv and c in r]
    rows = []
    for col in [None, *by]:
        keys = ["period"] if col is None else ["period", col]
        got = r.groupby(keys).size().rename("n")
        asked = inv.groupby(keys)["invited"].sum()
        both = pd.concat([asked, got], axis=1).fillna({"n": 0}).reset_index()
        both["group_by"] = ALL if col is None else col
        both["group"] = ALL if col is None else both[col].astype(str)
        rows.append(both[["period", "group_by", "group", "invited", "n"]])
    out = pd.concat(rows, ignore_index=True).assign(instrument=instrument.id)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["response_rate"] = 100.0 * out["n"] / out["invited"]
    out = suppress_small_groups(
        out,
        anonymity_threshold=anonymity_threshold_for(instrument, params),
        by=["period"],
        values=["response_rate"],
    )
    out = out.sort_values(["period", "group_by", "group"], kind="stable").reset_index(drop=True)
    return out[cols].astype({"period": "str", "instrument": "str", "group_by": "str", "group": "str"})
