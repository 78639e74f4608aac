"""Digest and 喜报 milestones read from the bundle, with hand-computed figures."""

from __future__ import annotations

from sales_analytics.notify.content import digest_of, milestones_of
from sales_analytics.views.bundles import open_bundle


def test_headline_boards_contests_awards(outputs):
    d = digest_of(open_bundle("2026-10", outputs), views_url="https://r.example/")
    # revenue of 2026-10: 1,000,000 + 10,000 × 12 = 1,120,000 → ¥112.0万
    assert (d.revenue, d.mom, d.yoy) == ("¥112.0万", "+1.2%", "-3.4%")
    # attainment = (700,000 + 420,000) / (600,000 + 400,000) = 1.12
    assert d.attainment == "112.0%"
    # company-wide NPS and CSAT only; the suppressed team cut (华南一组, n = 4) is not read
    assert d.survey == (("净推荐值 NPS", "+42"), ("客户满意度 CSAT", "81.2%"))
    assert [b.title for b in d.boards] == ["个人排行榜 · 营收", "个人排行榜 · 完成率", "团队排行榜 · 营收"]
    assert d.boards[0].rows[0] == (1, "张伟", "华东一组", "¥50.0万")
    assert d.contests == (("月度销冠赛", 1, "张伟", "¥50.0万"), ("月度销冠赛", 2, "李娜", "¥20.0万"))
    # best_satisfaction (李娜) rests on 3 responses < threshold 5: not shown; most_improved not awarded
    assert d.awards == (("销售冠军", "张伟", "华东一组"),)
    assert d.title() == "示例销售部 · 2026-10 月度战报"


def test_english_digest(outputs):
    d = digest_of(open_bundle("2026-10", outputs), language="en")
    assert d.title() == "示例销售部 · Monthly results 2026-10"
    assert d.contests[0][0] == "Monthly top-seller race"
    assert d.awards == (("Top seller", "张伟", "华东一组"),)


def test_milestones_in_a_fixed_order(outputs):
    ms = milestones_of(open_bundle("2026-10", outputs), big_deal_amount=300_000)
    assert [m.key for m in ms] == [
        "award-top_seller-R001",
        "rank1-attainment-R001",
        "rank1-revenue-R001",
        "big_deal-D1",  # 350,000 won on 2026-10-12; D2 (90,000) too small, D3 lost
        "target-R001",  # 125 %
        "target-R003",  # 105 %; R002 at 80 % has no card
    ]
    big = ms[3]
    assert (big.name, big.headline, big.detail) == ("王芳", "签下大单", "成交金额 ¥35.0万")
    assert milestones_of(open_bundle("2026-10", outputs), big_deal_amount=300_000, limit=2) == ms[:2]


def test_a_survey_award_above_the_threshold_is_shown(tmp_path):
    from notify_bundle import make_bundle

    make_bundle(tmp_path, threshold=3)  # 李娜's 3 responses now reach the threshold
    d = digest_of(open_bundle("2026-10", tmp_path))
    assert ("客户满意之星", "李娜", "华东一组") in d.awards
