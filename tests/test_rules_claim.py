"""Topic words judged by a claim frame (context.topic, rules/frames/claim*.txt, offer.txt, limited.txt), the
news-report page frame, and overlap resolution that never lets a lowered hit hide a claim."""
import pytest

from rules.exemptions import asserted
from rules.loader import load_ruleset
from rules.matcher import Hit, resolve_overlaps
from rules.model import Severity


@pytest.fixture(scope="module")
def rs():
    return load_ruleset()


def span(sentence, term):
    i = sentence.index(term)
    return sentence, i, i + len(term)


@pytest.mark.parametrize("sentence,term,expected", [
    ("本品能有效美白，七天见效", "美白", True),                                   # a modal of effect before it
    ("美白祛斑精华液，提亮肤色", "美白", True),                                   # a headline
    ("这款面膜上市以来很受欢迎，主打的就是温和美白效果显著", "美白", True),          # an effect stated after it
    ("地铁沿线区域交通便利，生活配套十分成熟，未来升值空间大", "升值空间", True),     # a promise qualified after it
    ("临地铁学区房，均价2万起，火热认购中，欢迎来电咨询看房", "学区房", True),        # an offer in the sentence
    ("我们的纳米技术可以修复人体细胞，延缓衰老", "延缓衰老", True),                  # effects listed after one claim
    ("产品功效：美白、保湿、淡斑，适合所有肤质的女性朝夕使用", "淡斑", True),          # a label of what it does
    ("某花园学区房，3室2厅，89㎡，总价120万，南北通透，采光好", "学区房", True),        # a listing
    ("美白方面，洗面乳常添加维生素C、熊果苷等抗氧化成分", "美白", False),            # a topic discussed
    ("但由于洗面乳在面部停留时间短，美白作用有限，更多是预防色素沉淀", "美白", False),  # limited
    ("洗面乳确实能通过特定成分辅助美白、祛斑和控油，但效果相对温和", "祛斑", False),   # limited in the next clause
    ("学区房是近年来房地产市场的热门话题，尤其是在教育资源稀缺的大城市", "学区房", False),
    ("终身免费保养一般只包含基础保养，也就是机油、机滤这些小保养项目", "终身免费", False),
])
def test_asserted(sentence, term, expected):
    assert asserted(*span(sentence, term)) is expected


def test_topic_word_discussed_is_info_and_claimed_is_warning(rs):
    discussed = rs.check("学区房的真正价值在于其与教育资源的绑定关系，而不是房子本身的居住品质")
    assert [(f.rule, f.severity.value) for f in discussed] == [("RE102", "info")]
    assert "话题" in discussed[0].message
    claimed = rs.check("本项目正宗学区房，入学无忧，欢迎来电")
    assert any(f.rule == "RE102" and f.severity.rank >= 2 for f in claimed)


def test_topic_applies_to_terms_not_patterns(rs):
    # A pattern states a claim's structure already: 业主子女直接入学 is a promise in any sentence.
    found = rs.check("项目周边环境优美，生活配套完善，业主子女可直接入学附近小学，绿化率也很高")
    assert any(f.rule == "RE102" and f.severity.rank >= 2 for f in found)


def test_news_page_lowers_only_quoted_claims(rs):
    page = ("北京日报记者走访发现，还有一种主打“不过退款”的协议班。\n"
            "据新华社报道，相关部门已介入调查。\n"
            "本校协议班不过退款，欢迎报名。")
    by_line = {f.line: f.severity.value for f in rs.check(page) if f.rule == "ED101"}
    assert by_line == {1: "info", 3: "error"}
    # Without the by-line words the quoted claim is judged as usual.
    alone = rs.check("还有一种主打“不过退款”的协议班，学费三万。")
    assert any(f.rule == "ED101" and f.severity.rank >= 2 for f in alone)


def test_bylined_page_is_a_report_but_an_advertorial_is_not(rs):
    # A by-line cited twice makes a report on its own: the place it describes is what it reports.
    report = ("本报记者 张三\n"
              "这里于2012年投入使用，建成后成了亚洲规模最大的蛋鸡养殖场。\n"
              "记者在现场看到，工人们正在分拣鸡蛋。")
    assert [f.severity.value for f in rs.check(report) if f.rule == "AD102"] == ["info"]
    # An advertorial names a reporter once: its claims stay claims.
    advertorial = ("记者也通过多方求证获知，老白干香型早就被认可为国际香型。\n"
                   "这里于2012年投入使用，建成后成了亚洲规模最大的蛋鸡养殖场。")
    assert any(f.rule == "AD102" and f.severity.rank >= 2 for f in rs.check(advertorial))
    # A fortune-teller's advice a by-lined report relays stays superstition.
    relayed = rs.check("本报记者 张三\n记者在现场看到，店主可在此方放置流水盆，或者摆设聚宝盆、水晶洞，可提升业绩，增进财源，财运亨通。")
    assert [f for f in relayed if f.category == "superstition"]
    assert all(f.severity.rank >= 2 for f in relayed if f.category == "superstition")


def test_lowered_hit_never_hides_an_overlapping_claim(rs):
    rules = {r.id: r for r in rs.rules}
    info = Hit(0, 4, rules["MD104"], Severity.INFO, "topic")
    claim = Hit(2, 10, rules["MD109"], Severity.WARNING)
    assert resolve_overlaps([info, claim]) == [claim]
    later = Hit(12, 14, rules["MD104"], Severity.INFO, "topic")
    assert resolve_overlaps([later, info, claim]) == [claim, later]


@pytest.mark.parametrize("text,rule", [
    ("蜂胶可激活巨噬细胞吞噬功能，维持免疫平衡", "MD109"),
    ("[功效]益气养阴，补虚润燥。", "MD109"),
    ("适宜癌症患者，以及癌症病人放疗、化疗后食用", "MD109"),
    ("对体液免疫功能有增强作用", "MD109"),
    ("保洁垫还可以阻隔尘螨，缓解过敏症状", "MD101"),
    ("宠物寄养期间保证您的爱宠毫发无损", "GU101"),
    ("正新鸡排双品类，档口模式回本周期最快6个月", "FI101"),
])
def test_efficacy_and_promise_families_without_trigger_words(rs, text, rule):
    assert any(f.rule == rule and f.severity.rank >= 2 for f in rs.check(text))


@pytest.mark.parametrize("text", [
    "维生素C是水溶性抗氧化剂，能促进白细胞增殖和抗体形成",
    "接种疫苗可以使机体产生抵抗病毒的抗体，从而起到预防疾病的发生",
    "巨噬细胞是人体免疫系统的重要组成部分",
    "最高30万额度，年化利率4%起",
])
def test_facts_about_nutrients_bodies_and_credit_pass(rs, text):
    assert not [f for f in rs.check(text) if f.severity.rank >= 2]


# The page's subject (context.discussed, rules/frames/discussed.txt): a word that recurs over the page is
# judged by each sentence's claim, not by the word.
FEE_PAGE = ("风水师的专业水平和经验决定了其收费标准。\n"
            "一个有多年实践经验的风水师往往收取较高的费用。\n"
            "现代风水师还需要结合建筑科学知识。")


def _levels(rs, text, rule):
    return [f.severity.value for f in rs.check(text) if f.rule == rule]


def test_word_that_is_the_pages_subject_is_info(rs):
    assert _levels(rs, FEE_PAGE, "SU101") == ["info"] * 3
    assert all("话题" in f.message for f in rs.check(FEE_PAGE) if f.rule == "SU101")


def test_word_named_once_keeps_its_severity(rs):
    # One mention is no subject: the sentence alone decides. The profession named (风水师, a topic word of
    # SU101) is info by its sentence, not by the page; sold in an offer it keeps its severity.
    found = [f for f in rs.check(FEE_PAGE.split("\n")[1]) if f.rule == "SU101"]
    assert found and all("整页反复出现" not in f.message for f in found)
    assert all("话题" in f.message for f in found)
    sold = [f for f in rs.check("本店有多位经验丰富的风水师坐镇，欢迎来电咨询预约") if f.rule == "SU101"]
    assert sold and all(f.severity.rank >= 2 for f in sold)


@pytest.mark.parametrize("sentence, lowered", [
    ("资深风水师的收费通常比刚入行的同行高出不少", True),  # the subject, discussed
    ("据说这位风水师调整布局以后给住宅带来了好运", False),  # an effect (discussed.txt: 带来)
    ("很多人说这位风水师上门看过之后效果很好", False),   # an effect asserted (效果)
    ("本店有多位经验丰富的风水师坐镇，欢迎来电咨询预约", False),  # an offer (offer.txt)
])
def test_subject_sentence_is_judged_by_its_claim(sentence, lowered):
    from rules.exemptions import discussed
    page = FEE_PAGE + "\n" + sentence
    s, a, b = span(sentence, "风水师")
    assert discussed(page, "风水师", s, a, b) is lowered
    # The same sentence on a page that names the word once is no subject.
    assert not discussed(sentence, "风水师", s, a, b)


def test_prohibited_rules_never_take_the_subject_exception(rs):
    # Injected spam repeats its words too (pg电子 throughout a hacked page): no prohibited rule opts in.
    assert all(r.context.discussed == "ignore" for r in rs.rules if r.category == "prohibited")
