"""Context frames that make a term not a claim: names, FAQ answers that deny, reports of
penalties, goals written as labels, job ads, advice, the firm's own range."""
import pytest

from rules.exemptions import faq_denied, goal, quoted_warning, self_compare
from rules.loader import load_ruleset
from rules.names import address, award_title, firm_name, person_name, quoted_landmark, trademark, work_title


def span(sentence, term):
    i = sentence.index(term)
    return sentence, i, i + len(term)


@pytest.mark.parametrize("sentence,term,expected", [
    ("技术总监李唯一拥有十五年经验", "唯一", True),
    ("本文作者：张唯一", "唯一", True),
    ("陈首创先生是创始人", "首创", True),
    ("本地唯一一家五星级酒店", "唯一", False),       # 地 is no surname
    ("这是行业首创的工艺", "首创", False),
    ("我们于唯一的展会上发布", "唯一", False),       # a surname-like character but no role or honorific
    ("张唯一表示，公司将加大投入", "唯一", True),
    ("据首席科学家王首创介绍", "首创", True),
])
def test_person_name(sentence, term, expected):
    assert person_name(*span(sentence, term)) is expected


@pytest.mark.parametrize("sentence,term,expected", [
    ("公司名称为广州顶尖数码科技有限公司，注册号见页脚", "顶尖", True),
    ("深圳市顶级网络科技有限公司（工商登记名称）", "顶级", True),
    ("我们是全国顶尖的科技有限公司", "顶尖", False),          # 的: a claim about the firm, not its name
    ("顶尖设计，尽在某某有限公司", "顶尖", False),            # the clause ends before the firm is named
    ("行业第一，选择我们", "第一", False),
])
def test_firm_name(sentence, term, expected):
    assert firm_name(*span(sentence, term)) is expected


@pytest.mark.parametrize("sentence,expected", [
    ("“极品”是本公司在第30类茶叶上的注册商标，注册号12345678", True),
    ("本品牌“极品”系列畅销全国", False),                   # quoted, but named as no trademark
    ("极品是本公司的注册商标", False),                       # a trademark is named in quotes
])
def test_trademark(sentence, expected):
    assert trademark(*span(sentence, "极品")) is expected


def test_a_firm_name_is_no_claim_but_a_claim_before_it_stays(rs_frames):
    assert not [f for f in rs_frames.check("公司名称为广州顶尖数码科技有限公司") if f.severity.rank >= 2]
    assert [f for f in rs_frames.check("我们是全国顶尖的科技有限公司") if f.rule == "AD104" and f.severity.rank >= 2]


@pytest.fixture(scope="module")
def rs_frames():
    return load_ruleset()


@pytest.mark.parametrize("sentence,expected", [
    ("游览被誉为“天下第一关”的山海关", True),
    ("本店是“天下第一”的老字号", False),            # the quote ends with the term: no name
    ("本品被誉为“天下第一品牌”", False),            # not a place
    ("“天下第一”关 “口碑”", False),
])
def test_quoted_landmark(sentence, expected):
    assert quoted_landmark(*span(sentence, "天下第一")) is expected


@pytest.mark.parametrize("question,answer,expected", [
    ("问：可以保证考过吗", "答：我们不对考试结果作任何承诺", True),
    ("问：能保证通过考试吗", "答：不能，任何机构都不应承诺通过", True),
    ("问：能保证通过考试吗", "答：可以，我们保证一次通过", False),
    ("问：能保证通过考试吗", "答：当然能", False),
    ("还在为考试发愁吗", "不用担心，保证通过", False),   # no question or answer marker: rhetorical
    ("问：能保证通过考试吗", "", False),
    ("【问】能根治吗", "【答】不能，本品不能代替药物", True),
    ("常见问题：吃这个能减肥吗", "不能，本品为普通食品", True),
    ("【问】能保证过吗", "【答】保证通过", False),
    ("问：能保证通过吗", "答：当然可以，没有任何问题", False),
    ("问：能保证通过吗", "答：是否通过取决于学员自己", False),
    ("问：能保证通过吗", "答：否，我们不作承诺", True),
])
def test_faq_denied(question, answer, expected):
    assert faq_denied(question, answer) is expected


def test_slogans_and_anti_counterfeit_lines_are_claims():
    from rules.exemptions import negated
    assert not negated(*span("不是所有的茶都叫国宴用茶", "国宴用茶"))
    assert not quoted_warning(*span("谨防假冒，认准“国宴专用”标志", "国宴专用"))
    assert quoted_warning(*span("网传“领导人推荐”系伪造", "领导人推荐"))


def test_reported_penalty_is_a_mention():
    assert quoted_warning(*span("多家企业因使用“全网最低”字样被市场监管部门处罚", "全网最低"))
    assert quoted_warning(*span("某平台因宣传保本保息被罚款", "保本保息"))
    assert not quoted_warning(*span("本店“全网最低”，欢迎比价", "全网最低"))


@pytest.mark.parametrize("sentence,term,expected", [
    ("公司愿景：成为全球领先的解决方案提供商", "全球领先", True),
    ("公司简介：全球领先的解决方案提供商", "全球领先", False),
    ("用心做好每一碗面，是我们最朴素的初心", "最朴素", True),
    ("诚聘顶尖算法工程师，薪资面议", "顶尖", True),
    ("我们拥有顶尖的算法工程师", "顶尖", False),
    ("出行前仔细检查车况，才能做到万无一失", "万无一失", True),
    ("选择我们的服务，才能做到万无一失", "万无一失", False),
])
def test_goal_attitude_job_ad_advice(sentence, term, expected):
    assert goal(*span(sentence, term)) is expected


def test_own_range_in_our_packages():
    assert self_compare(*span("在我们全部套餐中，B套餐是性价比最高的选择", "最高"))
    assert not self_compare(*span("在我们所有产品中，这款是全网销量最高的", "最高"))


@pytest.mark.parametrize("sentence, term, expected", [
    ("这是本工作室迄今为止规模最大的一次展览", "最大", True),
    ("本乐团成立以来最大的一场演出将在下月举行", "最大", True),
    ("这是我校建校以来录取人数最多的一年", "最多", True),
    ("这是本行业有史以来规模最大的并购", "最大", False),
    ("本地区有史以来销量最高的车型", "最高", False),
    ("本产品是全国有史以来销量最高的空调", "最高", False),
    ("公司是行业有史以来规模最大的企业", "最大", False),
])
def test_own_history_of_any_own_unit(sentence, term, expected):
    assert self_compare(*span(sentence, term)) is expected


def test_faq_answer_read_across_sentences_in_a_text():
    rs = load_ruleset()
    denied = "问：这款精华能祛斑吗？答：本品为普通化妆品，不具有祛斑功效。"
    affirmed = "问：这款精华能祛斑吗？答：能，坚持使用一个月。"
    assert not [f for f in rs.check(denied) if f.severity.rank >= 2]
    assert [f for f in rs.check(affirmed) if f.severity.rank >= 2]


@pytest.mark.parametrize("sentence,term,expected", [
    ("公司地址：首创大厦12层", "首创", True),
    ("广州市至尊路88号", "至尊", True),
    ("全国最大的购物广场12层", "全国最大", False),   # 的: a description, not a name
    ("国内首创路面修补技术", "首创", False),
])
def test_address(sentence, term, expected):
    assert address(*span(sentence, term)) is expected


@pytest.mark.parametrize("sentence,term,expected", [
    ("本酒店荣获携程“2023年度最受欢迎酒店”奖", "最受欢迎", True),
    ("公司喜获“年度最具影响力品牌”称号", "最具影响力", True),
    ("本系列产品荣获“行业最佳产品奖”（自评）", "最佳", False),   # a prize the firm gave itself
    ("我们是“全网最低价”的家电商城", "全网最低价", False),        # quoted, but no award
    ("公司荣获2023年度最具人气奖", "最具人气", True),               # unquoted: verb before, prize after
    ("本片获得第36届金鸡奖最佳导演提名", "最佳", True),
    ("公司荣获2023年度最佳雇主称号（自评）", "最佳", False),
    ("参与活动最高可获得1000元奖金", "最高", False),               # prize money, no award
    ("荣获好评，我们是行业最好的服务商奖", "最好", False),           # the verb is in another clause
    ("用户获得最佳的体验奖励", "最佳", False),
])
def test_award_title(sentence, term, expected):
    assert award_title(*span(sentence, term)) is expected


@pytest.mark.parametrize("sentence,term,expected", [
    ("我们的学员曾参加《最强大脑》节目录制", "最强", True),
    ("阅读《唯一的听众》课文并回答问题", "唯一", True),
    ("电影《赌神》经典片段赏析", "赌神", True),
    ("《全网最强Python》课程，零基础包会", "最强", False),   # the course sold under the title
    ("我们是全网最强的团队，详见《服务手册》", "最强", False),  # outside the title
    ("《最好", "最好", False),                                   # never closed
])
def test_work_title(sentence, term, expected):
    assert work_title(*span(sentence, term)) is expected



# A warning article is judged as a page (rules/frames/warning_article.txt): the promise it quotes in a
# sentence of its own, with no frame word beside it, is reported at info; the same sentence alone stays a claim.
@pytest.fixture(scope="module")
def rs():
    return load_ruleset()


ARTICLE = ("揭秘成考培训的真相\n很多机构以“包过”为卖点。\n签约保过，不过退费。\n考生要理性看待，避开陷阱。")


def test_warning_article_lowers_the_quoted_promises_to_info(rs):
    on_page = [f for f in rs.check(ARTICLE) if f.match in ("签约保过", "不过退费")]
    assert on_page and all(f.severity.value == "info" for f in on_page)
    assert all("警示" in f.message for f in on_page)
    alone = rs.check("签约保过，不过退费。")
    assert alone and any(f.severity.rank >= 2 for f in alone)


def test_warning_article_keeps_spam_and_the_advertisers_own_claim(rs):
    page = ARTICLE + "\n本机构承诺包过，不过退费。\n澳门新葡京娱乐场在线投注"
    by_line = {f.line: f.severity.rank for f in rs.check(page)}
    assert by_line.get(5, 0) >= 2 and by_line.get(6, 0) >= 2


def test_warning_article_reads_the_whole_html_page(rs):
    html = ("<html><body><h1>揭秘培训机构的套路</h1><p>签约保过，不过退费。</p>"
            "<p>请理性看待，避开陷阱。</p></body></html>")
    found = [f for f in rs.check_html(html) if f.match in ("签约保过", "不过退费")]
    assert found and all(f.severity.value == "info" for f in found)
    plain = rs.check_html("<html><body><h1>成考辅导</h1><p>签约保过，不过退费。</p></body></html>")
    assert any(f.severity.rank >= 2 for f in plain)


def test_a_travelogue_page_describes_casinos_a_hacked_one_still_sells_them(rs):
    travelogue = "我们坐火车到了口岸，游客很多。\n澳门赌场的龙头老大是葡京赌场。"
    assert all(f.severity.value == "info" for f in rs.check(travelogue) if f.rule == "PR101")
    assert any(f.rule == "PR101" for f in rs.check(travelogue))
    hacked = travelogue + "\n葡京赌场官网注册送彩金"
    assert sum(f.rule == "PR101" and f.severity.rank >= 2 for f in rs.check(hacked)) >= 2
    assert any(f.severity.rank >= 2 for f in rs.check("澳门赌场的龙头老大是葡京赌场。"))


def _flagged(findings):
    return [(f.rule, f.match) for f in findings if f.severity.rank >= 2]


@pytest.mark.parametrize("html", [
    "<dl><dt>你们能保证考试通过吗？</dt><dd>不能，任何机构都不能承诺通过考试。</dd></dl>",
    "<h3>这款茶能治疗高血压吗？</h3><p>不能。茶是饮品，不能代替药物。</p>",
    "<div class='faq'><p>投资这个项目能保本吗？</p><p>不能保本，投资有风险。</p></div>",
    "<p>这款精华能祛斑吗？<br>本品为普通化妆品，不具有祛斑功效。</p>",
])
def test_a_faq_answer_in_the_next_element_denies_the_question(rs, html):
    assert not _flagged(rs.check_html(html)), html


@pytest.mark.parametrize("html", [
    "<dl><dt>你们能保证考试通过吗？</dt><dd>能，签约保障，不过全额退费。</dd></dl>",
    "<h3>这款茶能治疗高血压吗？</h3><p>可以，长期饮用能有效控制血压。</p>",
    "<p>你们能保证考试通过吗？</p>",
])
def test_a_faq_question_that_is_affirmed_or_unanswered_still_counts(rs, html):
    assert _flagged(rs.check_html(html)), html


def test_a_faq_answer_on_the_next_line_of_a_text_denies_the_question(rs):
    assert not _flagged(rs.check("你们能保证考试通过吗？\n不能，任何机构都不能承诺通过考试。"))
    assert _flagged(rs.check("你们能保证考试通过吗？\n能，我们保证通过。"))
    # The line after a statement is not an answer to it.
    assert _flagged(rs.check("我们保证考试通过。\n不能通过全额退费。"))


def test_the_crawl_judges_a_faq_across_elements_as_check_html_does(rs):
    from crawler.phrases import RepeatedText, page_phrases

    denied = "<html><body><dl><dt>你们能保证考试通过吗？</dt><dd>不能，任何机构都不能承诺通过考试。</dd></dl></body></html>"
    affirmed = denied.replace("不能，任何机构都不能承诺通过考试。", "能，我们保证通过。")
    phrases = RepeatedText(rs)
    assert not _flagged(page_phrases(phrases, denied, "http://a.test/faq").findings("zh"))
    assert _flagged(page_phrases(phrases, affirmed, "http://a.test/faq").findings("zh"))


def test_a_long_block_is_cut_into_pieces_and_a_question_still_meets_its_answer(rs):
    from crawler.pipelines import _PIECE, phrase_findings

    filler = "本公司位于市中心，交通便利。" * (_PIECE // 14 + 1)
    denied = f"<html><body><p>{filler}\n你们能保证考试通过吗？\n不能，任何机构都不能承诺通过考试。</p></body></html>"
    affirmed = denied.replace("不能，任何机构都不能承诺通过考试。", "能，我们保证通过。")
    assert len(filler) > _PIECE
    assert not _flagged(phrase_findings(rs, denied, "http://a.test/"))
    assert _flagged(phrase_findings(rs, affirmed, "http://a.test/"))


# A spam page (context.page_spam, rules/lexicons/spam_page_words.txt): the ordinary words of gambling copy count
# only on a page that already carries injected spam words; the same sentence on a company page is not reported.
SPAM_PAGE = ("首存即送彩金，荷官在线派彩\n"
             "六合资料大全：平特一肖、三中三\n"
             "参加本站促销和锦标赛，玩家可赢取奖金")


def test_gambling_words_count_only_on_a_spam_page(rs):
    line = SPAM_PAGE.split("\n")[2]
    on_page = [f for f in rs.check(SPAM_PAGE) if f.rule == "PR109" and f.line == 3]
    assert on_page and all(f.severity.rank >= 2 for f in on_page)
    assert not [f for f in rs.check(line) if f.rule == "PR109"]
    company = "公司年会圆满落幕\n" + line
    assert not [f for f in rs.check(company) if f.rule == "PR109"]


def test_a_class_defined_as_the_subject_is_info_but_the_product_is_not(rs):
    # rules/frames/class_defined.txt through context described.
    general = "面霜分为日霜和晚霜，日霜有着保湿、修护、抗皱和紧肤等作用"
    own = "本品是一种晚霜，有着保湿、修护、抗皱和紧肤等作用"
    assert [f.severity.value for f in rs.check(general) if f.rule == "CO102"] == ["info"]
    assert [f.severity.value for f in rs.check(own) if f.rule == "CO102"] == ["warning"]
