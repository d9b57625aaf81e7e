"""Trap families the matcher handles in code, not in a pack: quotation in a warning, the firm's own history."""
from rules.loader import load_ruleset

RS = load_ruleset()


def flagged(text):
    return [f.rule for f in RS.check(text) if f.severity.rank >= 2]


def test_a_quoted_phrase_in_a_warning_is_mentioned_not_claimed():
    assert flagged("凡宣称“根治”“药到病除”的广告都是虚假广告，请消费者警惕。") == []
    assert flagged("谨防所谓“保本高收益”的理财骗局。") == []
    # Quotation marks alone are no warning: the claim stands.
    assert flagged("“稳赚不赔”的理财产品，错过再等一年。")


def test_own_history_lowers_only_its_own_clause():
    assert flagged("这是我们迄今为止最薄的一款平板电脑。") == []
    assert flagged("这是本品牌有史以来续航最长的一款耳机。") == []
    # A market claim in another clause of the same sentence still counts.
    assert flagged("这是我们迄今为止服务过的最大客户，也是全国最大的港口。")


def test_usage_hint_best_conditions_are_not_claims_but_best_location_is():
    for text in ("投影仪的最佳投射距离为2.5米至3米。", "草莓的最佳采摘期在每年12月到次年3月。", "本胶水最佳施工温度为5℃至35℃。"):
        assert flagged(text) == [], text
    assert flagged("项目占据城市最佳地段位置，坐拥繁华。")
    assert flagged("本产品是您的最佳选择。")


def test_institution_names_are_not_rankings():
    assert flagged("我司为中国第一汽车集团有限公司的一级供应商。") == []
    assert flagged("我们是全国第一的装修公司。")
    assert flagged("全国第一家上市的物流公司。")


def test_someone_elses_claim_in_a_warning_is_not_ours():
    assert flagged("市面上号称能根治糖尿病的保健品都是骗人的。") == []
    assert flagged("任何承诺保本保收益的理财都不可信。") == []
    # Attribution alone is no warning: 号称 about ourselves is still our claim.
    assert flagged("号称全网第一的我们，绝不让您失望。")
