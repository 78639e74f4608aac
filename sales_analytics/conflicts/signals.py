"""Signals from the group chat: heated exchanges, complaints about a colleague, manager step-in.

These are **signals, not verdicts**: words from a lexicon and bursts of
@-mentions point a manager at a conversation worth reading; they never decide
who is right. The lexicon is data (``parameters/conflict_lexicon.yaml``)::

    heated:    {zh: [凭什么, 抢单, …], en: [ridiculous, "my client", …]}
    complaint: {zh: [投诉, 受不了, …], en: ["not fair", …]}

A heated exchange: inside one group, a run of messages with gaps of at most
``burst_minutes``; its two most frequent senders (both reps) wrote at least
``burst_min_messages`` of them and those messages hold at least
``burst_min_hits`` lexicon words or @-mentions of each other.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import Field

from sales_analytics.config import StrictModel, load_yaml, validate_model
from sales_analytics.conflicts.params import ConflictParams
from sales_analytics.errors import require_columns
from sales_analytics.periods import parse_period

__all__ = [
    "ConflictLexicon",
    "chat_signals",
    "complaints",
    "heated_exchanges",
    "load_lexicon",
    "parse_lexicon",
]

EXCHANGE_COLUMNS = [
    "signal",
    "group_id",
    "rep_a",
    "rep_b",
    "start",
    "end",
    "n_messages",
    "hits",
    "message_ids",
    "manager_minutes",
]
SIGNAL_COLUMNS = [c for c in EXCHANGE_COLUMNS if c not in ("end", "message_ids", "manager_minutes")] + [
    "manager_minutes",
    "message_ids",
]
_MENTION = re.compile(r"@([^\s@,，:：]+)")


class _Words(StrictModel):
    zh: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)

    def all(self) -> list[str]:
        return [w for w in (*self.zh, *self.en) if w.strip()]


class ConflictLexicon(StrictModel):
    """Words that mark a heated message and a complaint about a colleague (zh and en)."""

    heated: _Words = Field(default_factory=_Words)
    complaint: _Words = Field(default_factory=_Words)


def parse_lexicon(data: dict, file: str | Path = "conflict_lexicon") -> ConflictLexicon:
    """Validate a lexicon mapping (unknown keys are errors naming the file and key)."""
    return validate_model(ConflictLexicon, data, file)


def load_lexicon(path: str | Path = "conflict_lexicon.yaml") -> ConflictLexicon:
    """Read the lexicon file (relative paths from ``parameters/``; a ConfigError when missing or invalid)."""
    from sales_analytics import paths

    path = Path(path)
    if not path.is_absolute():
        path = paths.parameters_dir() / path
    return parse_lexicon(load_yaml(path), path)


def _pattern(words: list[str]) -> re.Pattern | None:
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)


def _hits(text: pd.Series, pat: re.Pattern | None) -> pd.Series:
    if pat is None:
        return pd.Series(0, index=text.index, dtype="int64")
    return text.str.count(pat.pattern, flags=re.IGNORECASE).astype("int64")


def _names(reps: pd.DataFrame) -> dict[str, str]:
    """Lower-cased display name (and English name, and id) → rep_id, for @-mentions."""
    out = {}
    for col in ("rep_id", "rep_name", "rep_name_en"):
        if col in reps.columns:
            for rid, name in zip(reps["rep_id"].astype(str), reps[col]):
                if pd.notna(name) and str(name):
                    out[str(name).lower()] = rid
    return out


def _prepare(chat: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    require_columns(chat, "chat_messages", ["group_id", "sender_id", "sent_at"])
    require_columns(reps, "reps", ["rep_id"])
    c = chat.loc[chat["sender_id"].astype(str).isin(set(reps["rep_id"].astype(str)))]
    if "msg_type" in c.columns:
        c = c.loc[c["msg_type"].fillna("text") == "text"]
    ids = (
        c["message_id"].astype(str)
        if "message_id" in c.columns
        else pd.Series(c.index.astype(str), index=c.index)
    )
    out = pd.DataFrame(
        {
            "message_id": ids,
            "group_id": c["group_id"].astype(str),
            "sender_id": c["sender_id"].astype(str),
            "sent_at": pd.to_datetime(c["sent_at"], utc=True),
            "text": c["text"].fillna("").astype(str) if "text" in c.columns else "",
        }
    )
    return out.sort_values(["group_id", "sent_at", "message_id"], kind="stable").reset_index(drop=True)


def heated_exchanges(
    chat: pd.DataFrame, reps: pd.DataFrame, lexicon: ConflictLexicon, params: ConflictParams
) -> tuple[pd.DataFrame, pd.Series]:
    """Heated exchanges between two reps, and per message whether it is part of one.

    Returns ``(exchanges, flagged)``: ``exchanges`` has ``signal, group_id, rep_a,
    rep_b, start, end, n_messages, hits, message_ids, manager_minutes``
    (minutes from the first message until a manager of either rep wrote in the
    group, NaN when none did within 24 hours); ``flagged`` is a boolean Series
    indexed by message_id.
    """
    msgs = _prepare(chat, reps)
    names = _names(reps)
    heated = _pattern(lexicon.heated.all())
    words = _hits(msgs["text"], heated)
    mentioned = msgs["text"].map(
        lambda t: [names[m.lower()] for m in _MENTION.findall(t) if m.lower() in names]
    )
    gap = msgs.groupby("group_id")["sent_at"].diff() > pd.Timedelta(minutes=params.burst_minutes)
    run = (gap | msgs["group_id"].ne(msgs["group_id"].shift())).cumsum()
    manager_of = {}
    if "manager" in reps.columns:
        manager_of = {
            str(r): str(m) for r, m in zip(reps["rep_id"], reps["manager"]) if pd.notna(m) and str(m)
        }
    flagged = pd.Series(False, index=msgs["message_id"].to_numpy())
    # Only a run long enough, with two senders and at least one lexicon word, can hold an exchange
    # (its pair's messages are a subset of the run's): the others are left out before the loop,
    # which visited every run (tens of thousands on a year of chat) to skip nearly all of them.
    per_run = pd.DataFrame({"run": run, "sender": msgs["sender_id"], "words": words}).groupby("run")
    size, senders, run_words = per_run.size(), per_run["sender"].nunique(), per_run["words"].sum()
    possible = size.index[((size >= params.burst_min_messages) & (senders >= 2) & (run_words > 0)).to_numpy()]
    candidate = run.isin(possible).to_numpy()
    rows = []
    for _run_id, g in msgs.loc[candidate].groupby(run.loc[candidate], sort=True):
        if len(g) < params.burst_min_messages:
            continue
        counts = g["sender_id"].value_counts()
        if len(counts) < 2:
            continue
        a, b = sorted(sorted(counts.index, key=lambda s: (-counts[s], s))[:2])
        pair = g.loc[g["sender_id"].isin([a, b])]
        if len(pair) < params.burst_min_messages or min(counts[a], counts[b]) < 1:
            continue
        other = pair["sender_id"].map({a: b, b: a})
        at_other = [int(o in m) for o, m in zip(other, mentioned.loc[pair.index])]
        hits = int(words.loc[pair.index].sum()) + sum(at_other)
        if hits < params.burst_min_hits or words.loc[pair.index].sum() == 0:
            continue
        start = pair["sent_at"].min()
        managers = {manager_of.get(a), manager_of.get(b)} - {None, a, b}
        later = msgs.loc[
            (msgs["group_id"] == g["group_id"].iat[0])
            & msgs["sender_id"].isin(managers)
            & (msgs["sent_at"] > start)
            & (msgs["sent_at"] <= start + pd.Timedelta(hours=24))
        ]
        minutes = (later["sent_at"].min() - start).total_seconds() / 60 if len(later) else np.nan
        flagged.loc[pair["message_id"].to_numpy()] = True
        rows.append(
            {
                "signal": "heated_exchange",
                "group_id": g["group_id"].iat[0],
                "rep_a": a,
                "rep_b": b,
                "start": start,
                "end": pair["sent_at"].max(),
                "n_messages": len(pair),
                "hits": hits,
                "message_ids": ", ".join(pair["message_id"]),
                "manager_minutes": round(float(minutes), 1) if pd.notna(minutes) else np.nan,
            }
        )
    cols = EXCHANGE_COLUMNS
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["start", "group_id"], kind="stable").reset_index(drop=True), flagged


def complaints(chat: pd.DataFrame, reps: pd.DataFrame, lexicon: ConflictLexicon) -> pd.DataFrame:
    """Messages with complaint words that name (@-mention or by name) a colleague.

    Returns ``signal, group_id, message_id, sender_id, about_rep, sent_at, words``.
    """
    msgs = _prepare(chat, reps)
    pat = _pattern(lexicon.complaint.all())
    cols = ["signal", "group_id", "message_id", "sender_id", "about_rep", "sent_at", "words"]
    if pat is None or not len(msgs):
        return pd.DataFrame(columns=cols)
    names = _names(reps)
    name_pat = _pattern([n for n in names if len(n) >= 2 and not n.startswith("r0")])
    rows = []
    for m in msgs.itertuples(index=False):
        found = pat.findall(m.text)
        if not found:
            continue
        about = [names[x.lower()] for x in _MENTION.findall(m.text) if x.lower() in names]
        if not about and name_pat is not None:
            about = [names[x.lower()] for x in name_pat.findall(m.text)]
        about = [r for r in about if r != m.sender_id]
        if about:
            rows.append(
                {
                    "signal": "complaint_about_colleague",
                    "group_id": m.group_id,
                    "message_id": m.message_id,
                    "sender_id": m.sender_id,
                    "about_rep": about[0],
                    "sent_at": m.sent_at,
                    "words": ", ".join(dict.fromkeys(found)),
                }
            )
    return pd.DataFrame(rows, columns=cols)


def chat_signals(
    chat: pd.DataFrame,
    reps: pd.DataFrame,
    lexicon: ConflictLexicon,
    params: ConflictParams,
    *,
    period: str | None = None,
    timezone: str = "Asia/Shanghai",
) -> pd.DataFrame:
    """Heated exchanges and complaints in one table, labelled ``signal`` (never a verdict).

    Returns ``signal, group_id, rep_a, rep_b, start, n_messages, hits,
    manager_minutes, message_ids`` (+ ``period`` first when ``period`` is given:
    only signals starting in that month, in ``timezone``); for a complaint
    ``rep_a`` is the author and ``rep_b`` the colleague named.
    """
    ex, _ = heated_exchanges(chat, reps, lexicon, params)
    co = complaints(chat, reps, lexicon)
    co = pd.DataFrame(
        {
            "signal": co["signal"],
            "group_id": co["group_id"],
            "rep_a": co["sender_id"],
            "rep_b": co["about_rep"],
            "start": co["sent_at"],
            "n_messages": 1,
            "hits": co["words"].str.count(",") + 1,
            "manager_minutes": np.nan,
            "message_ids": co["message_id"],
        }
    )
    cols = SIGNAL_COLUMNS
    parts = [p[cols] for p in (ex, co) if len(p)]
    out = (
        pd.concat(parts, ignore_index=True)
        .sort_values(["start", "signal"], kind="stable")
        .reset_index(drop=True)
        if parts
        else pd.DataFrame(
            {c: pd.Series(dtype="datetime64[ns, UTC]" if c == "start" else object) for c in cols}
        )
    )
    if period is not None:
        p = str(parse_period(period))
        local = pd.to_datetime(out["start"], utc=True).dt.tz_convert(timezone)
        out = out.loc[(local.dt.strftime("%Y-%m") == p).to_numpy()].reset_index(drop=True)
        out.insert(0, "period", p)
    return out
