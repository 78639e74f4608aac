"""Anonymity across bundles: differencing any two published bundles isolates nobody.

The attack (issue 14): one late team-pulse response, dated in the month after a wave,
entered the 12-month pooled tables (``survey_items``, ``survey_reliability``,
``survey_drivers``) between two consecutive bundles, so ``mean' n' − mean n`` gave back
all 15 of that person's answers; ``survey_themes`` counts rose by one for the words of
the comment, and a row labelled with the person's team appeared even though it was
suppressed. Each example here builds a wave, a few late responses in the next month and
perhaps a wave that drops out of the window, publishes both bundles with
``survey_tables`` and runs the attacks.

Backdated responses (issue 14, item 2): responses dated in the wave's month that reach
the data only after the wave's bundle was published. The second bundle reads the first
bundle's month-block record (``survey_block_record``, kept by the run) and counts them in
the month they arrived in, so the wave's month, already published, never changes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sales_analytics as sa

TP = sa.load_instruments()["team_pulse"].model_copy(
    update={"anonymity_threshold": None, "comment_threshold": None}
)
LIKERT = [it.id for it in TP.items_of("likert")]
WORDS = [
    "提成规则看不懂",
    "希望多一些实战培训",
    "主管很支持大家",
    "抢单问题没人管",
    "群规可以简化",
    "客户分配不公平",
]
OLD, WAVE, LATE = "2025-04", "2026-03", "2026-04"  # OLD leaves the 12-month window when LATE enters


def responses(
    rng: np.random.Generator, month: str, teams: list[int], tag: str, day: int = 20
) -> pd.DataFrame:
    rows = []
    for i, t in enumerate(teams):
        row = {
            "response_id": f"{tag}-{i}",
            "submitted_at": pd.Timestamp(f"{month}-{day:02d} 10:00"),
            "team": f"T{t}",
            "enps": float(rng.integers(0, 11)),
            "suggestion": WORDS[int(rng.integers(0, len(WORDS)))],
            "duration_s": float(rng.integers(300, 600)),  # nobody is a speeder
        }
        row.update({c: float(rng.integers(1, 6)) for c in LIKERT})
        rows.append(row)
    columns = ["response_id", "submitted_at", "team", "enps", "suggestion", "duration_s", *LIKERT]
    return pd.DataFrame(rows, columns=columns)


def bundle(
    r: pd.DataFrame,
    until: str,
    params: sa.SurveyParams,
    invitations: pd.DataFrame,
    published: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    return sa.survey_tables(
        {"team_pulse": r},
        {"team_pulse": TP},
        params,
        invitations=invitations,
        period=until,
        published=published,
    )


def record(r: pd.DataFrame, until: str, published: pd.DataFrame | None = None) -> pd.DataFrame:
    """The month-block record the bundle of ``until`` keeps for the next run."""
    return sa.survey_block_record({"team_pulse": r}, {"team_pulse": TP}, period=until, published=published)


def pooled(size: int, threshold: int) -> int:
    """Respondents a month contributes to the pooled total: all of them or none."""
    return size if size >= threshold else 0


def team_list(sizes: list[int]) -> list[int]:
    return [t for t, n in enumerate(sizes) for _ in range(n)]


@pytest.mark.slow  # about 2 s an example: two bundles of every survey table
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    wave=st.lists(st.integers(0, 8), min_size=2, max_size=4),
    late=st.lists(st.integers(0, 3), min_size=1, max_size=8),
    old=st.lists(st.integers(0, 8), min_size=0, max_size=4),
    threshold=st.integers(3, 6),
    seed=st.integers(0, 10_000),
    backdated=st.lists(st.integers(0, 3), min_size=0, max_size=4),
)
def test_two_bundle_differencing_isolates_nobody(wave, late, old, threshold, seed, backdated):
    rng = np.random.default_rng(seed)
    late = [t % len(wave) for t in late]
    w = responses(rng, WAVE, team_list(wave), "w")
    lt_own = responses(rng, LATE, late, "late", day=3)
    # dated in the wave's month, but in the data only after the wave's bundle was published
    bd = responses(rng, WAVE, [t % len(wave) for t in backdated], "bd", day=25)
    o = responses(rng, OLD, team_list(old[: len(wave)]), "o") if old else w.iloc[:0]
    r1 = pd.concat([o, w, lt_own], ignore_index=True)  # what the first bundle's data held
    r = pd.concat([r1, bd], ignore_index=True) if len(bd) else r1
    params = sa.SurveyParams(anonymity_threshold=threshold, comment_threshold=threshold, bootstrap=20)
    teams = [f"T{t}" for t in range(len(wave))]
    invitations = pd.DataFrame({"instrument": "team_pulse", "period": WAVE, "team": teams, "invited": 9})
    b1 = bundle(r1, WAVE, params, invitations)
    b2 = bundle(r, LATE, params, invitations, published=record(r1, WAVE))
    # the backdated responses arrived in the late month: they are late respondents like the others
    lt = pd.concat([lt_own, bd], ignore_index=True) if len(bd) else lt_own

    # 1. The pooled total changes only by whole months of at least the threshold.
    n1 = pooled(len(o), threshold) + pooled(len(w), threshold)
    n2 = pooled(len(w), threshold) + pooled(len(lt), threshold)
    for b, n in ((b1, n1), (b2, n2)):
        for name in ("survey_items", "survey_reliability", "survey_drivers"):
            t = b[name]
            if n < threshold:
                assert t.empty, name
            else:
                assert set(t["n"]) == {n}, name

    # 2. The differencing attack of the issue: Δ(mean × n) per item. It recovers a late
    #    respondent's 15 answers only if that person alone entered; it must never.
    i1, i2 = b1["survey_items"], b2["survey_items"]
    if len(i1) and len(i2):
        both = i1.merge(i2, on="item", suffixes=("1", "2"))
        diff = (both["mean2"] * both["n2"] - both["mean1"] * both["n1"]).round(6).to_numpy()
        answers = lt.set_index("response_id")[both["item"].tolist()].to_numpy()
        assert not any(np.allclose(diff, a) for a in answers)
        if len(lt) < threshold and len(o) < threshold:
            assert np.allclose(diff, 0)  # nothing published moved at all

    # 3. Themes: a group's term counts move only by a published block of the late month.
    def counts(b: dict[str, pd.DataFrame]) -> dict[tuple[str, str], float]:
        t = b["survey_themes"]
        if t.empty:
            return {}
        t = t[t["kind"] == "word"]
        return dict(zip(zip(t["group"], t["term"]), t["count"]))

    c1, c2 = counts(b1), counts(b2)
    late_by_group = {"all": len(lt), **lt.groupby("team").size().to_dict()}
    old_by_group = {"all": len(o), **(o.groupby("team").size().to_dict() if len(o) else {})}
    for (group, term), c in c2.items():
        if (group, term) in c1 and c != c1[(group, term)]:
            moved_in = late_by_group.get(group, 0)
            moved_out = old_by_group.get(group, 0)
            assert moved_in >= threshold or moved_out >= threshold, (group, term, c1[(group, term)], c)

    # 4. Labels: no table of either bundle carries a hidden cut, and a team label appears in
    #    the later bundle only when that team had the threshold of respondents in a month.
    for b in (b1, b2):
        for name, t in b.items():
            if "suppressed" in t:
                assert not t["suppressed"].astype(bool).any(), name
    new_labels = set()
    for name in b2:
        if "group" in b2[name]:
            new_labels |= set(b2[name]["group"].astype(str)) - set(
                b1[name].get("group", pd.Series(dtype=str)).astype(str)
            )
    for label in new_labels - {"all"}:
        assert late_by_group.get(label, 0) >= threshold, label

    # 5. Response rates: a hidden team has no row, so its invitations cannot recover its n.
    rates = b2["survey_response_rates"]
    if rates.empty:
        rates = pd.DataFrame(columns=["group", "invited", "n"])
    team_rows = rates[(rates["group"] != "all") & (rates.get("period", pd.Series(dtype=str)) == WAVE)]
    true_n = w.groupby("team").size()
    assert all(true_n.get(g, 0) >= threshold for g in team_rows["group"])
    assert not (rates["invited"].notna() & rates["n"].isna()).any()

    # 6. Every month's own scores are the same in both bundles (a later month never reaches back).
    s1 = b1["survey_scores"]
    s2 = b2["survey_scores"]
    if s1.empty or s2.empty:
        assert s2.empty or not (s2["period"] <= WAVE).any()
        return
    pd.testing.assert_frame_equal(
        s1.reset_index(drop=True), s2[s2["period"] <= WAVE].reset_index(drop=True), check_dtype=False
    )


def test_one_late_response_changes_no_pooled_table():
    # The case by hand: a wave of 12, then one response on the 3rd of next month.
    rng = np.random.default_rng(7)
    w = responses(rng, WAVE, [0] * 6 + [1] * 6, "w")
    lt = responses(rng, LATE, [1], "late", day=3)
    params = sa.SurveyParams(bootstrap=20)
    inv = pd.DataFrame({"instrument": "team_pulse", "period": WAVE, "team": ["T0", "T1"], "invited": 7})
    b1 = bundle(pd.concat([w, lt], ignore_index=True), WAVE, params, inv)
    b2 = bundle(pd.concat([w, lt], ignore_index=True), LATE, params, inv)
    for name in ("survey_items", "survey_reliability", "survey_drivers", "survey_themes", "survey_comments"):
        cols = [c for c in b1[name].columns if c not in ("period", "window")]
        pd.testing.assert_frame_equal(b1[name][cols], b2[name][cols])
    assert set(b2["survey_items"]["n"]) == {12}  # 12, not 13
    # the late month publishes no score, no quality row and no team label
    assert LATE not in set(b2["survey_scores"]["period"])
    assert LATE not in set(b2["survey_quality"]["period"])


def test_backdated_response_stays_out_of_its_published_month_across_three_bundles(tmp_path):
    # The wave (12) is published; then one response dated in the wave's month reaches the data. Read
    # back through the run layer from the wave's bundle, the record keeps the wave's month as published:
    # the second bundle counts the response in the month it arrived in (April), where it is alone and
    # enters nothing; the third bundle reads the second's record and keeps it in April.
    rng = np.random.default_rng(11)
    w = responses(rng, WAVE, [0] * 6 + [1] * 6, "w")
    x = responses(rng, WAVE, [1], "backdated", day=28)
    params = sa.SurveyParams(bootstrap=20)
    inv = pd.DataFrame({"instrument": "team_pulse", "period": WAVE, "team": ["T0", "T1"], "invited": 7})
    outputs = tmp_path / "outputs"

    def publish(r: pd.DataFrame, period: str) -> dict[str, pd.DataFrame]:
        published = sa.published_survey_blocks(outputs)
        tables = bundle(r, period, params, inv, published=published)
        sa.keep_survey_blocks(record(r, period, published), output_dir=outputs / period / "tables")
        (outputs / period / "manifest.json").write_text('{"status": "ok"}', encoding="utf-8")
        return tables

    b1 = publish(w, WAVE)
    both = pd.concat([w, x], ignore_index=True)
    b2 = publish(both, LATE)
    b3 = publish(both, "2026-05")
    for b in (b2, b3):
        for name in ("survey_items", "survey_reliability", "survey_drivers", "survey_themes"):
            cols = [c for c in b1[name].columns if c not in ("period", "window")]
            pd.testing.assert_frame_equal(b1[name][cols], b[name][cols])
        assert set(b["survey_items"]["n"]) == {12}  # 12, not 13
        pd.testing.assert_frame_equal(
            b1["survey_scores"].reset_index(drop=True),
            b["survey_scores"][b["survey_scores"]["period"] == WAVE].reset_index(drop=True),
            check_dtype=False,
        )
    rec = sa.published_survey_blocks(outputs)  # the third bundle's record
    assert set(rec["period"]) == {"2026-05"}
    assert rec.loc[rec["response_id"] == "backdated-0", "month"].tolist() == [LATE]
    assert (rec.loc[rec["response_id"].str.startswith("w-"), "month"] == WAVE).all()


def test_published_survey_blocks_reads_only_ok_bundles(tmp_path):
    # a failed bundle's record is not history; without any record every response keeps its month
    outputs = tmp_path / "outputs"
    assert sa.published_survey_blocks(outputs).empty
    rec = pd.DataFrame({"period": WAVE, "instrument": "team_pulse", "month": WAVE, "response_id": ["a"]})
    sa.keep_survey_blocks(rec, output_dir=outputs / WAVE / "tables")
    (outputs / WAVE / "manifest.json").write_text('{"status": "failed"}', encoding="utf-8")
    assert sa.published_survey_blocks(outputs).empty
    (outputs / WAVE / "manifest.json").write_text('{"status": "ok"}', encoding="utf-8")
    pd.testing.assert_frame_equal(sa.published_survey_blocks(outputs), rec)
    with pytest.raises(KeyError, match=r"lacks column\(s\) \['month'\]"):
        sa.settle_blocks(
            pd.DataFrame({"response_id": ["a"], "period": [WAVE]}),
            rec.drop(columns="month"),
            instrument="team_pulse",
        )


def test_a_bundle_whose_month_had_no_response_still_records_the_month_it_covered():
    # The first bundle (March) saw two responses, both dated in April: none up to March. Its
    # record still says it covered March, so a response dated 20 March that arrives later
    # counts in April (the month it arrived in), where the two April ones are: a block of 3.
    rng = np.random.default_rng(3)
    april = responses(rng, LATE, [0, 0], "late", day=3)
    rec = record(april, WAVE)
    assert rec[["period", "instrument", "month", "response_id"]].values.tolist() == [
        [WAVE, "team_pulse", WAVE, ""]
    ]
    backdated = responses(rng, WAVE, [0], "bd", day=20)
    prepared = sa.prepare_responses(pd.concat([april, backdated], ignore_index=True), TP)
    settled = sa.settle_blocks(prepared, rec, instrument="team_pulse")
    assert sorted(settled["period"]) == [LATE, LATE, LATE]
