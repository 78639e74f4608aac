"""Open-text answers: tokens, top terms and phrases per group, representative comments.

Chinese is segmented with jieba (its own tokenizer instance, initialised once
and quietly, with a few sales words added), English is split into lower-case
words; stop words (``stopwords.yaml`` next to this module) and one-character
tokens are dropped. A *phrase* is two adjacent kept tokens. Counts are numbers
of comments mentioning a term, so one long comment cannot dominate.

For an anonymous instrument, comments enter the pooled window in month blocks:
a group's comments of one month count only when that month it wrote at least
the comment threshold, from at least the anonymity threshold of respondents,
and complementary groups are hidden too, so the total never reveals a hidden
one (:mod:`sales_analytics.surveys.anonymity`). A group without a published
block has no row at all.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sales_analytics.config import load_yaml
from sales_analytics.periods import Period
from sales_analytics.surveys.anonymity import ALL, suppress_small_groups
from sales_analytics.surveys.instruments import Instrument
from sales_analytics.surveys.params import SurveyParams
from sales_analytics.surveys.quality import prepare_responses
from sales_analytics.surveys.scores import anonymity_threshold_for
from sales_analytics.vocabulary import LANGUAGES, renamed_arguments

__all__ = ["representative_comments", "comment_stop_words", "survey_themes", "comment_tokens"]

log = logging.getLogger(__name__)

_STOPWORDS_FILE = Path(__file__).with_name("stopwords.yaml")
_DOMAIN_WORDS = (
    "提成",
    "抢单",
    "撞单",
    "群规",
    "回访",
    "售后",
    "销售顾问",
    "激励方案",
    "实战演练",
    "培训材料",
    "推销压力",
    "发票",
    "折扣",
    "周会",
    "客户分配",
)
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[a-z][a-z'\-]*(?:\s+[a-z][a-z'\-]*)*|[\u3400-\u9fff]+|\d+")


@lru_cache(maxsize=1)
def comment_stop_words() -> frozenset[str]:
    """The Chinese and English stop words shipped with the package."""
    data = load_yaml(_STOPWORDS_FILE)
    return frozenset(str(w) for lang in LANGUAGES for w in data.get(lang, []))


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    for w in _DOMAIN_WORDS:
        tok.add_word(w, freq=20000)
    return tok


def _clauses(text: object) -> list[list[str]]:
    """Kept tokens of one comment, clause by clause (punctuation separates clauses)."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return []
    stops = comment_stop_words()
    clauses: list[list[str]] = []
    for chunk in _WORD.findall(str(text).lower()):
        words = _jieba().lcut(chunk) if _CJK.match(chunk) else chunk.split()
        kept = [
            w
            for w in (x.strip() for x in words)
            if w and w not in stops and not w.isdigit() and (len(w) >= 2 or _CJK.match(w))
        ]
        if kept:
            clauses.append(kept)
    return clauses


def comment_tokens(text: str | None) -> list[str]:
    """Kept tokens of one comment, in order (Chinese via jieba, English lower-cased).

    >>> comment_tokens("提成规则经常变，看不懂怎么算的")
    ['提成', '规则', '变', '看不懂', '算']
    >>> comment_tokens("Too slow to answer my questions!")
    ['slow', 'answer', 'questions']
    """
    return [t for clause in _clauses(text) for t in clause]


def _terms(clauses: list[list[str]]) -> tuple[set[str], set[str]]:
    """Words (two characters or more) and phrases (adjacent tokens within a clause) of one comment."""
    words = {t for clause in clauses for t in clause if len(t) >= 2}
    phrases = set()
    for clause in clauses:
        for a, b in zip(clause, clause[1:]):
            phrases.add(a + ("" if _CJK.match(a) and _CJK.match(b) else " ") + b)
    return words, phrases


def _text_items(instrument: Instrument, item: str | None) -> list[str]:
    ids = [it.id for it in instrument.items_of("open_text")]
    if item is not None:
        if item not in ids:
            raise KeyError(
                f"{item!r} is not an open-text item of {instrument.id!r}; open-text items are {ids}"
            )
        return [item]
    return ids


def _comments(
    responses: pd.DataFrame,
    instrument: Instrument,
    params: SurveyParams,
    by: Sequence[str],
    period: str | None,
    item: str | None,
) -> tuple[pd.DataFrame, pd.DataFrame, str, str]:
    """Long table of the published comments (window and month blocks applied) and one row per group."""
    r = responses if "period" in responses else prepare_responses(responses, instrument)
    last = str(period) if period is not None else (str(r["period"].max()) if len(r) else "")
    first = str(Period.parse(last).shift(-(params.window_months - 1))) if last else ""
    if last:
        r = r[(r["period"] >= first) & (r["period"] <= last)]
    parts = []
    group_cols = [c for c in by if c in r]
    for it in _text_items(instrument, item):
        text = r[it].astype("str")
        keep = text.notna() & (text.str.strip() != "")
        base = r.loc[keep, ["period", *group_cols]].assign(item=it, comment=text[keep].str.strip())
        parts.append(base)
    long = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["period", *group_cols, "item", "comment"])
    )
    cuts = [long.assign(group_by=ALL, group=ALL)]
    for col in group_cols:
        cuts.append(long.assign(group_by=col, group=long[col].astype(str)))
    cut = pd.concat(cuts, ignore_index=True)
    # The publication unit is a month block (see sales_analytics.surveys.anonymity): the comments
    # of one group in one month enter the pooled window only when that month the group wrote at
    # least the comment threshold from at least the anonymity threshold of respondents, and the
    # block passes complementary suppression among its month's groups. So any two bundles differ
    # by whole blocks, and a group never appears (not even its label) through a few late comments.
    keys = ["period", "item", "group_by", "group"]
    blocks = cut.groupby(keys, sort=True).size().rename("n").reset_index()
    waves = [r.assign(group_by=ALL, group=ALL)] + [
        r.assign(group_by=c, group=r[c].astype(str)) for c in group_cols
    ]
    people = (
        pd.concat(waves, ignore_index=True)
        .groupby(["period", "group_by", "group"])
        .size()
        .rename("_people")
        .reset_index()
    )
    blocks = blocks.merge(people, on=["period", "group_by", "group"], how="left")
    enough = blocks["_people"].fillna(0) >= anonymity_threshold_for(instrument, params)
    blocks["_eff"] = blocks["n"].where(enough, 0)
    shown = suppress_small_groups(
        blocks,
        anonymity_threshold=anonymity_threshold_for(instrument, params, comments=True),
        by=["period", "item"],
        values=[],
        n="_eff",
    )
    cut = cut.merge(shown[keys], on=keys, how="inner")
    groups = cut.groupby(["item", "group_by", "group"], sort=True).size().rename("n").reset_index()
    return cut, groups, first, last


_THEME_COLUMNS = [
    "period",
    "instrument",
    "item",
    "group_by",
    "group",
    "rank",
    "term",
    "kind",
    "count",
    "share",
    "n",
    "window",
    "suppressed",
]


@renamed_arguments(until="period")
def survey_themes(
    responses: pd.DataFrame,
    instrument: Instrument,
    params: SurveyParams | None = None,
    *,
    by: Sequence[str] = ("team",),
    period: str | None = None,
    item: str | None = None,
) -> pd.DataFrame:
    """Top terms and phrases of the open-text answers per group, over the trailing window.

    Returns
    -------
    ``period, instrument, item, group_by, group, rank, term, kind`` (``word`` |
    ``phrase``), ``count`` (comments mentioning it), ``share`` (% of the
    group's comments), ``n`` (comments), ``window, suppressed`` (always False:
    a hidden group has no row).

    Examples
    --------
    >>> from sales_analytics.surveys.instruments import load_instruments
    >>> inst = load_instruments()["customer_satisfaction"]
    >>> r = pd.DataFrame({"response_id": ["a", "b", "c"], "submitted_at": "2026-03-05",
    ...     "customer_id": ["c1", "c2", "c3"], "rep_id": "R1", "team": "A", "nps": 9,
    ...     "comment": ["回复太慢了", "售后回复太慢", "产品质量不错"]})
    >>> t = survey_themes(r, inst, by=())
    >>> t.loc[t["kind"] == "word", ["term", "count"]].head(2).to_dict("records")
    [{'term': '回复', 'count': 2}, {'term': '太慢', 'count': 2}]
    """
    params = params or SurveyParams()
    cut, groups, first, last = _comments(responses, instrument, params, by, period, item)
    rows = []
    tokens = {c: _clauses(c) for c in cut["comment"].unique()} if len(cut) else {}
    for g in groups.itertuples(index=False):
        base = {
            "period": last,
            "instrument": instrument.id,
            "item": g.item,
            "group_by": g.group_by,
            "group": g.group,
            "n": g.n,
            "window": f"{first}..{last}",
            "suppressed": False,
        }
        texts = cut.loc[
            (cut["item"] == g.item) & (cut["group_by"] == g.group_by) & (cut["group"] == g.group), "comment"
        ]
        words: Counter[str] = Counter()
        phrases: Counter[str] = Counter()
        for t in texts:
            w, p = _terms(tokens[t])
            words.update(w)
            phrases.update(p)
        for kind, counter in (("word", words), ("phrase", phrases)):
            ranked = sorted(
                ((c, term) for term, c in counter.items() if kind == "word" or c >= 2),
                key=lambda x: (-x[0], x[1]),
            )[: params.top_terms]
            for rank, (c, term) in enumerate(ranked, start=1):
                rows.append(
                    {**base, "rank": rank, "term": term, "kind": kind, "count": c, "share": 100.0 * c / g.n}
                )
    out = pd.DataFrame(rows, columns=_THEME_COLUMNS)
    return out.astype(
        {
            "period": "str",
            "instrument": "str",
            "item": "str",
            "group_by": "str",
            "group": "str",
            "term": "str",
            "kind": "str",
        }
    )


def _tfidf_rank(token_lists: list[list[str]]) -> np.ndarray:
    """Cosine similarity of each comment's TF-IDF vector to the group centroid."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not any(token_lists):
        return np.zeros(len(token_lists))
    vec = TfidfVectorizer(analyzer=lambda toks: toks, norm="l2")
    m = vec.fit_transform(token_lists)
    centroid = np.asarray(m.mean(axis=0)).ravel()
    norm = np.linalg.norm(centroid)
    return (m @ centroid) / norm if norm > 0 else np.zeros(len(token_lists))


_REP_COLUMNS = [
    "period",
    "instrument",
    "item",
    "group_by",
    "group",
    "rank",
    "comment",
    "similarity",
    "n",
    "window",
    "suppressed",
]


@renamed_arguments(until="period")
def representative_comments(
    responses: pd.DataFrame,
    instrument: Instrument,
    params: SurveyParams | None = None,
    *,
    by: Sequence[str] = ("team",),
    period: str | None = None,
    item: str | None = None,
) -> pd.DataFrame:
    """The comments closest to each group's centroid (TF-IDF over the kept tokens), distinct texts only.

    Returns
    -------
    ``period, instrument, item, group_by, group, rank, comment, similarity, n, window, suppressed``.
    """
    params = params or SurveyParams()
    cut, groups, first, last = _comments(responses, instrument, params, by, period, item)
    rows = []
    for g in groups.itertuples(index=False):
        base = {
            "period": last,
            "instrument": instrument.id,
            "item": g.item,
            "group_by": g.group_by,
            "group": g.group,
            "n": g.n,
            "window": f"{first}..{last}",
            "suppressed": False,
        }
        if params.representative_comments == 0:
            rows.append({**base, "rank": np.nan, "comment": None, "similarity": np.nan})
            continue
        texts = cut.loc[
            (cut["item"] == g.item) & (cut["group_by"] == g.group_by) & (cut["group"] == g.group), "comment"
        ]
        distinct = list(dict.fromkeys(texts))
        sim = _tfidf_rank([comment_tokens(t) for t in distinct])
        order = sorted(range(len(distinct)), key=lambda i: (-sim[i], distinct[i]))[
            : params.representative_comments
        ]
        for rank, i in enumerate(order, start=1):
            rows.append({**base, "rank": rank, "comment": distinct[i], "similarity": float(sim[i])})
    out = pd.DataFrame(rows, columns=_REP_COLUMNS)
    return out.astype(
        {
            "period": "str",
            "instrument": "str",
            "item": "str",
            "group_by": "str",
            "group": "str",
            "comment": "str",
        }
    )
