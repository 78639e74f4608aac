"""Sample survey responses that follow the instrument files in ``surveys/``.

:func:`generate_survey_tables` is called at the end of the sample generator with
the tables it has built. Who answers an instrument follows its ``grouping``:

- with ``customer_id``: a monthly sample of the month's buyers (from ``orders``),
  attributed to the selling rep and the rep's team;
- with ``session_id``: the reps who attended a training session (``training_attendance``);
- with ``team`` only (anonymous): the active reps of each team, once a month or,
  for ``frequency: quarter``, in the last month of each quarter.

Answers come from a latent score per respondent (rep quality, session quality or
team climate plus noise): each dimension is a noisy copy of it, each Likert item a
noisy copy of its dimension (loading 0.8, so Cronbach's alpha lands near 0.8), the
outcome item a weighted sum of the dimensions, and reverse-coded items are
mirrored. A few invalid responses are planted for the quality checks: speeders
(``duration_s``), straight-liners, out-of-range values, incomplete answers and
duplicates. ``survey_invitations`` counts who was asked, for response rates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_analytics.periods import Period
from sales_analytics.surveys.instruments import Instrument, load_instruments

__all__ = ["generate_survey_tables"]

# invited customers per month by sample size; response and planted-fault rates
_CUSTOMER_INVITES = {"small": 60, "standard": 400, "medium": 800, "large": 1500}
_RESPONSE_RATE = {"customer": 0.45, "session": 0.8, "team": 0.85}
_FAULT_RATES = {"speeder": 0.03, "straight": 0.02, "range": 0.015, "incomplete": 0.02, "duplicate": 0.015}
_SECONDS_PER_ITEM = 7.0

_COMMENTS = {
    "customer": {
        "pos": [
            "销售顾问很专业，回复也很及时",
            "服务态度非常好，下次还会再来",
            "产品质量不错，物流也快",
            "讲解很耐心，推荐的方案很适合我们",
            "售后跟进很到位，点赞",
            "价格合理，整体体验很满意",
        ],
        "mid": [
            "整体还可以，希望价格再优惠一些",
            "产品不错，但是送货有点慢",
            "希望能多介绍一些新产品",
            "回访电话有点多，微信联系更方便",
            "服务一般，没有特别的感受",
        ],
        "neg": [
            "回复太慢了，等了好几天才有人处理",
            "推销压力太大，感觉不太舒服",
            "售后问题一直没有解决",
            "发票开得太慢，流程太复杂",
            "销售顾问对产品不够了解，答不上来",
            "承诺的折扣没有兑现",
        ],
        "en": [
            "Great service and fast delivery",
            "Too slow to answer my questions",
            "Good products but the price is high",
        ],
    },
    "team": {
        "pos": ["主管很支持大家，氛围很好", "培训内容很实用，希望继续", "激励方案清楚，大家干劲很足"],
        "mid": [
            "希望提成计算能更透明一些",
            "培训可以多安排一些实战演练",
            "群规可以再简化一点",
            "希望周会时间短一些",
            "客户分配规则希望再明确一点",
        ],
        "neg": [
            "抢单问题没人管，很影响团队气氛",
            "提成规则经常变，看不懂怎么算的",
            "主管很少给反馈",
            "罚款太多，压力很大",
            "培训太浪费时间，和工作关系不大",
        ],
        "en": ["Commission rules should be clearer", "More product training please"],
    },
    "session": {
        "pos": ["讲师讲得很清楚，案例很实用", "收获很大，希望多办这样的培训", "互动环节很好"],
        "mid": ["时间有点紧，内容可以分两次讲", "希望提前发培训材料", "案例可以更贴近我们的客户"],
        "neg": ["内容太理论，和实际工作关系不大", "节奏太快，没听懂", "培训时间安排在月底冲业绩的时候不合适"],
        "en": ["Useful role plays", "Too much theory"],
    },
}


def _rng_normal(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal(n)


def _month_bounds(months: list[Period]) -> tuple[np.ndarray, np.ndarray]:
    starts = np.array([np.datetime64(m.start, "ns") for m in months])
    days = np.array([m.days for m in months])
    return starts, days


def _daytime(day_offsets: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Offsets of whole days plus a time of day between 08:00 and 22:00."""
    seconds = (
        np.asarray(day_offsets, dtype=np.int64) * 86400
        + 8 * 3600
        + rng.integers(0, 14 * 3600, len(day_offsets))
    )
    return seconds.astype("timedelta64[s]").astype("timedelta64[ns]")


def _rep_frame(reps: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """rep_id, team, quality (latent, mean 0) and hire_date / active when present."""
    out = pd.DataFrame(
        {"rep_id": reps["rep_id"].astype(str).to_numpy(), "team": reps["team"].astype(str).to_numpy()}
    )
    out["quality"] = _rng_normal(rng, len(out))
    teams = np.unique(out["team"].to_numpy())
    team_climate = dict(zip(teams, rng.normal(0.0, 0.5, len(teams))))
    out["climate"] = out["team"].map(team_climate).astype(float) + 0.3 * out["quality"]
    out["hire_date"] = pd.to_datetime(reps["hire_date"]).to_numpy() if "hire_date" in reps else pd.NaT
    out["active"] = reps["active"].fillna(True).astype(bool).to_numpy() if "active" in reps else True
    return out


def _customer_frame(
    tables: dict[str, pd.DataFrame],
    reps: pd.DataFrame,
    months: list[Period],
    size: str,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Invited buyers per month and the respondents among them."""
    orders = tables.get("orders")
    if orders is None or orders.empty:
        return pd.DataFrame(), pd.DataFrame()
    dates = pd.to_datetime(orders["order_date"])
    ym = (dates.dt.year * 12 + dates.dt.month - 1).to_numpy()
    month_codes = np.array([m.year * 12 + m.index - 1 for m in months])
    keep = np.isin(ym, month_codes)
    if "status" in orders:
        keep &= (orders["status"].astype(str) == "paid").to_numpy()
    buyers = pd.DataFrame(
        {
            "ym": ym[keep],
            "customer_id": orders["customer_id"].to_numpy()[keep],
            "rep_id": orders["rep_id"].to_numpy()[keep],
        }
    )
    buyers = buyers.drop_duplicates(["ym", "customer_id"]).reset_index(drop=True)
    buyers["key"] = rng.random(len(buyers))
    buyers = buyers.sort_values(["ym", "key"], kind="stable")
    cap = _CUSTOMER_INVITES.get(size, _CUSTOMER_INVITES["standard"])
    invited = buyers[buyers.groupby("ym").cumcount() < cap].reset_index(drop=True)
    invited = invited.merge(reps[["rep_id", "team", "quality"]], on="rep_id", how="inner")
    invited["month"] = invited["ym"].map(dict(zip(month_codes, range(len(months)))))
    latent = 0.6 * invited["quality"].to_numpy() + 0.8 * _rng_normal(rng, len(invited))
    answered = rng.random(len(invited)) < _RESPONSE_RATE["customer"] + 0.1 * np.tanh(latent)
    frame = invited.loc[answered, ["month", "customer_id", "rep_id", "team"]].reset_index(drop=True)
    frame["latent"] = latent[answered]
    starts, days = _month_bounds(months)
    m = frame["month"].to_numpy()
    frame["base"] = starts[m] + _daytime(rng.integers(0, days[m]), rng)
    return frame, invited[["month", "team", "rep_id"]]


def _session_frame(
    tables: dict[str, pd.DataFrame], reps: pd.DataFrame, months: list[Period], rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    sessions, attendance = tables.get("training_sessions"), tables.get("training_attendance")
    if sessions is None or attendance is None or sessions.empty or attendance.empty:
        return pd.DataFrame(), pd.DataFrame()
    att = attendance[attendance["attended"].fillna(False).astype(bool)]
    s = sessions[["session_id", "session_date"]].assign(
        session_date=lambda d: pd.to_datetime(d["session_date"])
    )
    s = s.sort_values("session_id").reset_index(drop=True)
    s["session_quality"] = _rng_normal(rng, len(s))
    att = (
        att[["session_id", "rep_id"]]
        .merge(s, on="session_id")
        .merge(reps[["rep_id", "team", "quality"]], on="rep_id")
    )
    ym = (att["session_date"].dt.year * 12 + att["session_date"].dt.month - 1).to_numpy()
    codes = {m.year * 12 + m.index - 1: i for i, m in enumerate(months)}
    att = att[np.isin(ym, list(codes))].reset_index(drop=True)
    att["month"] = pd.Series(ym[np.isin(ym, list(codes))]).map(codes).to_numpy()
    latent = (
        0.7 * att["session_quality"].to_numpy()
        + 0.2 * att["quality"].to_numpy()
        + 0.7 * _rng_normal(rng, len(att))
    )
    answered = rng.random(len(att)) < _RESPONSE_RATE["session"]
    frame = att.loc[answered, ["month", "session_id", "rep_id", "team", "session_date"]].reset_index(
        drop=True
    )
    frame["latent"] = latent[answered]
    start = frame["session_date"].to_numpy().astype("datetime64[D]").astype("datetime64[ns]")
    frame["base"] = start + _daytime(rng.integers(0, 3, len(frame)), rng)
    return frame.drop(columns="session_date"), att[["month", "team", "rep_id"]]


def _team_frame(
    reps: pd.DataFrame, months: list[Period], frequency: str, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    waves = [i for i, m in enumerate(months) if frequency == "month" or m.index % 3 == 0]
    if not waves:
        waves = [len(months) - 1]
    parts, invites = [], []
    for i in waves:
        end = np.datetime64(months[i].end, "ns")
        hired = reps["hire_date"].isna().to_numpy() | (reps["hire_date"].to_numpy() <= end)
        eligible = reps[hired & reps["active"].to_numpy()]
        invites.append(pd.DataFrame({"month": i, "team": eligible["team"].to_numpy(), "rep_id": pd.NA}))
        parts.append(eligible[["team", "climate"]].assign(month=i))
    invited = pd.concat(parts, ignore_index=True)
    shock = rng.normal(0.0, 0.15, len(months))
    latent = (
        invited["climate"].to_numpy()
        + shock[invited["month"].to_numpy()]
        + 0.75 * _rng_normal(rng, len(invited))
    )
    answered = rng.random(len(invited)) < _RESPONSE_RATE["team"]
    frame = invited.loc[answered, ["month", "team"]].reset_index(drop=True)
    frame["latent"] = latent[answered]
    starts, days = _month_bounds(months)
    m = frame["month"].to_numpy()
    # fielded in the last ten days of the month
    frame["base"] = starts[m] + _daytime(days[m] - 10 + rng.integers(0, 10, len(frame)), rng)
    inv = pd.concat(invites, ignore_index=True)[["month", "team", "rep_id"]]
    return frame, inv


def _to_scale(z: np.ndarray, lo: int, hi: int, kind: str) -> np.ndarray:
    centre, spread = {"nps": (7.6, 2.1), "csat": (3.9, 0.9), "ces": (5.0, 1.3)}.get(
        kind, (lo + 0.62 * (hi - lo), 0.24 * (hi - lo))
    )
    if kind in ("csat", "ces") and (lo, hi) != {"csat": (1, 5), "ces": (1, 7)}[kind]:
        centre, spread = lo + 0.65 * (hi - lo), 0.22 * (hi - lo)
    return np.clip(np.rint(centre + spread * z), lo, hi)


def _answers(inst: Instrument, frame: pd.DataFrame, kind: str, rng: np.random.Generator) -> pd.DataFrame:
    """One column per item, driven by ``frame['latent']``."""
    n = len(frame)
    latent = frame["latent"].to_numpy()
    dims = list(inst.dimensions)
    teams = np.unique(frame["team"].to_numpy()) if "team" in frame else np.array([])
    team_code = np.searchsorted(teams, frame["team"].to_numpy()) if len(teams) else np.zeros(n, int)
    dim_values: dict[str, np.ndarray] = {}
    for dim in dims:
        # each team has its own strengths and weaknesses, so the heatmap by team has contrast
        shift = rng.normal(0.0, 0.35, max(len(teams), 1))[team_code]
        dim_values[dim] = 0.75 * latent + 0.6 * _rng_normal(rng, n) + shift
    weights = rng.uniform(0.3, 1.0, len(dims))
    drive = sum((w * dim_values[d] for w, d in zip(weights, dims)), np.zeros(n)) if dims else latent.copy()
    outcome = drive + 0.6 * np.std(drive) * _rng_normal(rng, n)
    outcome = outcome / (np.std(outcome) or 1.0)
    cols: dict[str, object] = {}
    for it in inst.items:
        if it.type == "likert" and it.dimension is not None:
            z = 0.87 * dim_values[it.dimension] / np.sqrt(1.1) + 0.5 * _rng_normal(rng, n)
            lo, hi = it.bounds
            x = _to_scale(z, lo, hi, "likert")
            cols[it.id] = (lo + hi) - x if it.reverse else x
        elif it.numeric:
            lo, hi = it.bounds
            z = outcome if it.id == inst.outcome else 0.8 * outcome + 0.6 * _rng_normal(rng, n)
            cols[it.id] = _to_scale(z, lo, hi, it.type)
        elif it.type == "single_choice":
            values = np.array(it.option_values(), dtype=object)
            if len(values) == 2:  # yes/no style: the first option goes with a better experience
                p_first = 1.0 / (1.0 + np.exp(-(0.4 + 0.9 * outcome)))
                cols[it.id] = np.where(rng.random(n) < p_first, values[0], values[1])
            else:
                probs = np.full(len(values), 0.3 / max(len(values) - 1, 1))
                probs[len(values) // 2] = 0.7
                cols[it.id] = values[rng.choice(len(values), size=n, p=probs / probs.sum())]
        elif it.type == "multi_choice":
            options = it.option_values()
            picks = rng.random((n, len(options))) < np.linspace(0.7, 0.15, len(options))
            joined = np.array([";".join(v for v, p in zip(options, row) if p) for row in picks], dtype=object)
            joined[(joined == "") | (rng.random(n) < 0.3)] = None
            cols[it.id] = joined
        else:  # open text
            cols[it.id] = _comments(COMMENT_KINDS.get(kind, "customer"), outcome, rng)
    return pd.DataFrame(cols)


COMMENT_KINDS = {"customer": "customer", "team": "team", "session": "session"}


def _comments(kind: str, outcome: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    pools = {k: np.array(v, dtype=object) for k, v in _COMMENTS[kind].items()}
    n = len(outcome)
    tone = np.where(outcome > 0.5, "pos", np.where(outcome < -0.5, "neg", "mid"))
    out = np.full(n, None, dtype=object)
    for t in ("pos", "mid", "neg"):
        idx = np.flatnonzero(tone == t)
        first = rng.integers(0, len(pools[t]), len(idx))
        out[idx] = pools[t][first]
        two = rng.random(len(idx)) < 0.3
        other = (first[two] + 1 + rng.integers(0, len(pools[t]) - 1, int(two.sum()))) % len(pools[t])
        out[idx[two]] = out[idx[two]] + "，" + pools[t][other]
    english = rng.random(n) < 0.05
    out[english] = pools["en"][rng.integers(0, len(pools["en"]), int(english.sum()))]
    out[rng.random(n) > 0.4] = None
    return out


def _plant_faults(inst: Instrument, resp: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Speeders, straight-liners, out-of-range values, incomplete answers and duplicates."""
    n = len(resp)
    if n < 20:
        return resp
    counts = {k: max(1, int(round(r * n))) for k, r in _FAULT_RATES.items()}
    order = rng.permutation(n)
    picks, start = {}, 0
    for k, size in counts.items():
        picks[k] = order[start : start + size]
        start += size
    likert = [it.id for it in inst.items_of("likert")]
    numeric = [it for it in inst.numeric_items]
    required = [it.id for it in inst.items if it.required]
    resp = resp.copy()
    dur = resp["duration_s"].to_numpy().copy()
    dur[picks["speeder"]] = np.maximum(3.0, dur[picks["speeder"]] * rng.uniform(0.08, 0.2, counts["speeder"]))
    resp["duration_s"] = dur
    columns = {it.id: resp[it.id].to_numpy(dtype=float).copy() for it in numeric}
    if likert:
        level = rng.integers(3, 6, counts["straight"]).astype(float)
        for c in likert:
            columns[c][picks["straight"]] = level
    which = rng.integers(0, len(numeric), counts["range"])
    above = rng.random(counts["range"]) < 0.7
    for row, j, up in zip(picks["range"], which, above):
        lo, hi = numeric[j].bounds
        columns[numeric[j].id][row] = float(hi + 1 if up else lo - 1)
    blank = {c: np.zeros(n, dtype=bool) for c in required}
    for row in picks["incomplete"]:
        for g in rng.choice(len(required), size=max(1, len(required) // 2), replace=False):
            blank[required[g]][row] = True
    for c, v in columns.items():
        resp[c] = np.where(blank.get(c, False), np.nan, v)
    for c in required:
        if c not in columns and blank[c].any():
            resp[c] = resp[c].mask(blank[c])
    dup_rows = picks["duplicate"]
    if "team" in resp and inst.anonymous:  # never let a copy lift a small team over the threshold
        sizes = resp.groupby(["period", "team"])["team"].transform("size").to_numpy()
        dup_rows = dup_rows[sizes[dup_rows] >= 7]
    dups = resp.iloc[dup_rows].copy()
    dups["submitted_at"] = dups["submitted_at"] + pd.to_timedelta(rng.integers(60, 3600, len(dups)), unit="s")
    return pd.concat([resp, dups], ignore_index=True)


_PREFIX = {"customer": "CS", "session": "TF", "team": "TP"}


def _finish(
    inst: Instrument, frame: pd.DataFrame, kind: str, months: list[Period], rng: np.random.Generator
) -> pd.DataFrame:
    answers = _answers(inst, frame, kind, rng)
    n_numeric = len(inst.numeric_items) + len(inst.items_of("single_choice", "multi_choice"))
    duration = np.rint(rng.lognormal(np.log(_SECONDS_PER_ITEM * n_numeric), 0.4, len(frame)))
    resp = pd.concat([frame.reset_index(drop=True), answers], axis=1)
    resp["duration_s"] = duration
    resp["submitted_at"] = pd.to_datetime(resp["base"]).astype("datetime64[ns]").dt.floor("s")
    resp["period"] = np.array([str(m) for m in months], dtype=object)[resp["month"].to_numpy()]
    resp = _plant_faults(inst, resp, rng)
    resp = resp.sort_values(["submitted_at"], kind="stable").reset_index(drop=True)
    numbers = pd.Series(np.arange(1, len(resp) + 1)).astype(str).str.zfill(6)
    resp["response_id"] = (_PREFIX.get(kind, "SV") + "-" + numbers).astype(str)
    group = [c for c in inst.grouping if c in resp]
    out = resp[["response_id", "submitted_at", *group, *inst.item_ids, "duration_s"]].copy()
    for it in inst.items:
        out[it.id] = out[it.id].astype(float) if it.numeric else out[it.id].astype("str")
    for c in group:
        out[c] = out[c].astype("str")
    out["duration_s"] = out["duration_s"].astype(float)
    return out


def generate_survey_tables(
    rng: np.random.Generator,
    tables: dict[str, pd.DataFrame],
    months: list[Period],
    size: str,
    instruments: dict[str, Instrument] | None = None,
) -> dict[str, pd.DataFrame]:
    """Survey responses for every instrument plus ``survey_invitations``.

    Parameters
    ----------
    rng : the generator to draw from (the caller seeds it).
    tables : the sample's tables; uses ``reps`` (rep_id, team, hire_date, active),
        ``orders`` (order_date, customer_id, rep_id, status) and, for training
        feedback, ``training_sessions`` / ``training_attendance``.
    months : the months the sample covers, in order.
    size : the sample size name (``small``, ``standard``, ``large``); scales the customer sample.
    instruments : the instruments to follow; default every file in ``surveys/``.

    Returns
    -------
    ``{"survey_<instrument id>": response_id, submitted_at, <grouping>, <item ids>, duration_s,
    …, "survey_invitations": instrument, period, team, rep_id, invited}``.
    """
    insts = instruments if instruments is not None else load_instruments()
    reps = _rep_frame(tables["reps"], rng)
    out: dict[str, pd.DataFrame] = {}
    invitations = []
    for inst_id in sorted(insts):
        inst = insts[inst_id]
        if "customer_id" in inst.grouping:
            kind, (frame, invited) = "customer", _customer_frame(tables, reps, months, size, rng)
        elif "session_id" in inst.grouping:
            kind, (frame, invited) = "session", _session_frame(tables, reps, months, rng)
        else:
            kind, (frame, invited) = "team", _team_frame(reps, months, inst.frequency, rng)
        if frame.empty:
            continue
        out[f"survey_{inst.id}"] = _finish(inst, frame, kind, months, rng)
        inv = invited.assign(
            period=np.array([str(m) for m in months], dtype=object)[invited["month"].to_numpy()]
        )
        inv = (
            inv.assign(rep_id=inv["rep_id"].astype("str"))
            .groupby(["period", "team", "rep_id"], dropna=False, sort=True)
            .size()
            .rename("invited")
            .reset_index()
        )
        invitations.append(inv.assign(instrument=inst.id))
    if invitations:
        inv = pd.concat(invitations, ignore_index=True)
        inv = inv[["instrument", "period", "team", "rep_id", "invited"]]
        out["survey_invitations"] = inv.astype(
            {"instrument": "str", "period": "str", "team": "str", "rep_id": "str", "invited": "int64"}
        )
    return out
