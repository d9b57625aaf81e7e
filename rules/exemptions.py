"""The regulator's exceptions, found in the words around a hit (执法指南 2023 and common sense).

Negation (不保本, 不作任何升值承诺; over a whole list: 不具有开光、转运等功能), a banned phrase quoted or attributed to someone else in a
warning or a penalty report (凡宣称“根治”的广告都是虚假广告, 某企业因使用“全网最低”被处罚), a FAQ question its
answer denies (问：能保证通过吗？答：不能…), goal or attitude statements (致力于成为…, 公司愿景：…, 最朴素的初心),
job ads (诚聘顶尖工程师), advice to the reader (检查车况，才能做到万无一失), and comparisons with the firm's own
products, range or history (比上一代, 本店所有套餐中…, 我们迄今为止最薄的…). Each takes a sentence and the hit's
[start, end) in it.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import frame, frame_regex, frame_words, lexicon
from .normalize import normalize

# Negation right before the hit (不保本, 无副作用 is a term itself so 无 must touch the hit).
NEG_TOUCH = ("不", "无", "非", "未", "没", "勿", "别", "莫", "免")
# Negation or prohibition up to NEG_WINDOW characters before the hit, in the same clause.
NEG_NEAR = frame_words("negation")  # rules/frames/negation.txt
NEG_WINDOW = 12
NEG_CLAUSE_END = ",、:()，：（）…"
CLAUSE_CHARS = ",、:，："
# Goal and attitude words (执法指南 2023: 经营理念、主观愿望 are not absolute claims).
GOAL_WORDS = frame_words("goal")  # rules/frames/goal.txt
SELF_COMPARE = frame_words("self_compare")  # rules/frames/self_compare.txt
# The firm measured against its own past (我们迄今为止最薄的…: rules/frames/own_history.txt) or its own range as the
# field (在本店所有套餐中…: own_range.txt), unless the sentence names the market (全网, 行业…: external_field.txt).
# A banned phrase quoted in a warning is mentioned, not claimed: 凡宣称“根治”的广告都是虚假广告.
QUOTES = {"“": "”", "「": "」", "『": "』", "‘": "’", '"': '"'}
WARNING_WORDS = frame_words("warning")  # rules/frames/warning.txt
# An anti-counterfeit line sells, it warns about nothing: 谨防假冒，认准“国宴专用”.
_ANTI_FAKE_RE = frame_regex("anti_fake")  # rules/frames/anti_fake.txt
# 不是所有的茶都叫国宴用茶: a slogan that claims what it seems to negate.
_RHETORICAL_RE = frame_regex("rhetorical")  # rules/frames/rhetorical.txt
# A goal written as a label: 公司愿景：成为…, 我们的目标：…
_GOAL_LABEL_RE = frame_regex("goal_label")  # rules/frames/goal_label.txt
# A topic, an attitude or a time the superlative describes, after its 的: 最大的挑战, 唯一的遗憾, 最朴素的初心,
# 前所未有的监管压力 (rules/lexicons/superlative_topics.txt).
_ATTITUDE_RE = re.compile("(?:[\u4e00-\u9fa5]{0,2}的)[\u4e00-\u9fa5]{0,2}?(?:" + lexicon("superlative_topics").alternation() + ")")
# A job ad: the term describes the candidate sought (诚聘顶尖算法工程师, 招募一流的销售人才).
# …or a requirement of the job: 招聘要求：具备国际领先的科研背景者优先 (rules/frames/job_*.txt).
_JOB_RE = frame_regex("job_ad")
_REQUIREMENT_RE = frame_regex("job_requirements")
_ROLE_AFTER_RE = re.compile("[\u4e00-\u9fa5a-z]{0,6}?" + frame("job_roles").alternation())
# Advice: the reader's own care is what makes it so (…才能做到万无一失).
_ADVICE_RE = re.compile("才能|才可以|才可|方能|方可|才会")
ADVICE_REACH = 6
_FIRM_RE = frame_regex("firm_voice")  # …unless the sentence speaks of the firm (选择我们，才能…)
# FAQ: a question and the answer right after it.
_ASKED_RE = re.compile("\\s*([^，,。]{0,4}(问题|问)|提问|q)\\s*[0-9]*\\s*[:：.、]|\\s*[【\\[（(]\\s*(问|问题|q)\\s*[0-9]*\\s*[】\\]）)]")
_ANSWER_RE = re.compile("\\s*(答|回答|a)\\s*[0-9]*\\s*[:：.、]|\\s*[【\\[（(]\\s*(答|回答|a)\\s*[0-9]*\\s*[】\\]）)]")
_AFFIRM_RE = frame_regex("faq_affirmations")  # rules/frames/faq_affirmations.txt, faq_denials.txt
_DENY_RE = frame_regex("faq_denials")

# Someone else's claim, reported in a warning: 号称能根治…的保健品都是骗人的, 任何承诺保本的理财都不可信.
ATTRIBUTION = frame_words("attribution")  # rules/frames/attribution.txt

# An item of a list: the hit is followed (within the item) by 、 or by the 等 that closes the list.
LIST_ITEM = 8
_LIST_END_RE = re.compile("[^，。,:：；;]{0,%d}?(、|等|之类|一类|这类)" % LIST_ITEM)
_ITEM_END = "，。,；;！!？?"
# The noun a negated list qualifies, closing the clause: 不具有美白、祛斑功效。 不提供保本、保息承诺，
_LIST_NOUN_RE = re.compile("(的|类|等)?" + frame("list_nouns").alternation() + "[\u4e00-\u9fa5]{0,2}([，。,；;！!？?]|$)")
CLAUSE_RE = re.compile("[" + re.escape(CLAUSE_CHARS) + "]")
_NEG_CLAUSE_RE = re.compile("[" + re.escape(NEG_CLAUSE_END) + "]")
_NEG_NEAR_RE = re.compile("|".join(map(re.escape, NEG_NEAR)))
_GOAL_RE = frame_regex("goal")  # its words and its /patterns/ (以…为己任)
_GOAL_AIM_RE = frame_regex("goal_aim")  # a later clause that carries a goal on (…，成为…)
_MAJOR_CLAUSE_RE = re.compile("[，,；;]")
_GOAL_CLAUSE_RE = re.compile("[" + re.escape(CLAUSE_CHARS.replace("、", "")) + "]")
_SELF_RE = frame_regex("self_compare")  # its words and its /patterns/
_SELF_HISTORY_RE = frame_regex("own_history")
_OWN_RANGE_RE = frame_regex("own_range")
_EXTERNAL_RE = frame_regex("external_field")
_WARNING_RE = re.compile("|".join(map(re.escape, WARNING_WORDS)))
_ATTRIBUTION_RE = re.compile("|".join(map(re.escape, ATTRIBUTION)))


def negated(sentence: str, start: int, end: int | None = None) -> bool:
    # Quotes do not end a clause here: 不使用“最佳”“第一”等用语 mentions the words, negated.
    a = max(0, start - NEG_WINDOW)
    a = max(a, last_match(_NEG_CLAUSE_RE, sentence, a, start) + 1)
    if a > 0 and sentence[a - 1] == "、" and (_LIST_END_RE.match(sentence, start)
                                              or sentence[a:start].endswith(("等", "等等", "之类的", "等的"))
                                              or (end is not None and _last_item(sentence, end))):
        # An item of a list closed by 等/之类 (不具有开光、转运等功能, 不得宣称祛斑、生发等功效):
        # the negation in front of the list governs every item of it, and the noun after 等.
        a = list_start(sentence, a)
    if end is not None and _DENIED_AFTER_RE.match(sentence, end):
        return True
    before = sentence[a:start]
    if _RHETORICAL_RE.search(before):
        return False
    if before.endswith(NEG_TOUCH):
        return True
    return _NEG_NEAR_RE.search(before) is not None


# A claim the sentence goes on to call false: 获评中国驰名商标的消息不实, 所谓“包过”的说法纯属谣言.
DENIED_REACH = 16
_DENIED_AFTER_RE = re.compile("[^，。,；;！!？?]{0,%d}?的?" % DENIED_REACH + frame("said_nouns").alternation()
                              + "[\"”」』’]?(均|都|皆)?" + frame("denied_claims").alternation()
                              + "|[^，。,；;！!？?]{0,6}?(是|都是|根本|纯属|根本是)(不可能|不存在|骗人|假)的")


def _last_item(sentence: str, end: int) -> bool:
    """The hit ending at `end` is the last item of a list: it ends the clause (不得承诺保本、保收益。),
    or only the noun the list qualifies follows it (不宣称美白、祛斑功效。)."""
    return end == len(sentence) or sentence[end] in _ITEM_END or _LIST_NOUN_RE.match(sentence, end) is not None


def list_start(sentence: str, a: int) -> int:
    """Start of the clause holding the 、-separated list whose item starts at `a`."""
    b = a
    while b > 0 and sentence[b - 1] == "、":
        lo = max(0, b - 1 - LIST_ITEM)
        b = max(lo, last_match(_NEG_CLAUSE_RE, sentence, lo, b - 1) + 1)
    return max(0, b - NEG_WINDOW, last_match(_NEG_CLAUSE_RE, sentence, max(0, b - NEG_WINDOW), b) + 1)


def quoted_warning(sentence: str, start: int, end: int) -> bool:
    """The hit is quoted, or attributed to someone else (号称, 所谓…), in a sentence that warns
    about or forbids such wording."""
    if _WARNING_RE.search(_ANTI_FAKE_RE.sub("", sentence)) is None:
        return False
    a = max(0, start - NEG_WINDOW)
    a = max(a, last_match(_NEG_CLAUSE_RE, sentence, a, start) + 1)
    if _ATTRIBUTION_RE.search(sentence, a, end) is not None:
        return True
    return _quoted(sentence, start, end)


def self_compare(sentence: str, start: int, end: int) -> bool:
    """A comparison with the firm's own products: in the sentence, or its own history in the hit's clause."""
    if _SELF_RE.search(sentence):
        return True
    if _OWN_RANGE_RE.search(sentence) and _EXTERNAL_RE.search(sentence) is None:
        return True
    a = last_match(CLAUSE_RE, sentence, 0, start) + 1
    m = CLAUSE_RE.search(sentence, end)
    own = _SELF_HISTORY_RE.search(sentence, a, m.start() if m else len(sentence))
    # 本产品是全国有史以来… measures against the market, not the firm's own past.
    return own is not None and _EXTERNAL_RE.search(own.group()) is None


def goal(sentence: str, start: int, end: int) -> bool:
    """A goal or attitude word in the hit's clause (目标是…, 致力于成为…, …为愿景), or earlier in the
    sentence when the hit's clause carries it on (希望…，成为中国第一), or as the label before it (公司愿景：成为…); an attitude the superlative describes (最朴素的初心); a job ad
    describing the candidate sought (诚聘顶尖算法工程师); advice to the reader (检查车况，才能做到万无一失)."""
    a = last_match(CLAUSE_RE, sentence, 0, start) + 1
    m = CLAUSE_RE.search(sentence, end)
    # Superlatives listed together (致力于创造出最好、最具表现力和最富有灵性的…) share the goal of the list's clause.
    g = last_match(_GOAL_CLAUSE_RE, sentence, 0, start) + 1
    if _GOAL_RE.search(sentence, g, m.start() if m else len(sentence)) is not None:
        return True
    aim = last_match(_MAJOR_CLAUSE_RE, sentence, 0, start) + 1   # a list (、) does not end the aim's clause
    if aim > 0 and _GOAL_AIM_RE.match(sentence, aim) and _GOAL_RE.search(sentence, 0, aim) is not None:
        return True
    if a > 0 and sentence[a - 1] in ":：" and _GOAL_LABEL_RE.search(sentence, max(0, a - 8), a):
        return True
    if _ATTITUDE_RE.match(sentence, end):
        return True
    if _JOB_RE.search(sentence, a, start) and _ROLE_AFTER_RE.match(sentence, end):
        return True
    if _JOB_RE.search(sentence, 0, start) and _REQUIREMENT_RE.search(sentence, end, m.start() if m else len(sentence)):
        return True
    return _advice(sentence, a, start)


def _advice(sentence: str, a: int, start: int) -> bool:
    """The hit is what the reader's own care achieves (仔细检查车况，才能做到万无一失), not a
    promise about the firm's product."""
    return (_ADVICE_RE.search(sentence, max(a, start - ADVICE_REACH), start) is not None
            and _FIRM_RE.search(sentence) is None)


def answer_apart(text: str) -> str:
    """An answer set apart from its question (the next block or line: a FAQ's <dd>, the paragraph
    under a question heading) in the form of one after 答：, which is what the layout says."""
    return text if _ANSWER_RE.match(text) else f"答：{text}"


def faq_denied(question: str, answer: str) -> bool:
    """The hit is in a question (问：能保证通过吗？, the sentence ended by the question mark) that the answer right after it denies
    (答：不能，任何机构都不应承诺通过): a term the answer refuses is not claimed."""
    if not answer or not (_ASKED_RE.match(question) or _ANSWER_RE.match(answer)):
        return False
    reply = _ANSWER_RE.sub("", answer, count=1).lstrip()
    if _AFFIRM_RE.match(reply):
        return False
    return reply.startswith(NEG_TOUCH + ("否",)) or _DENY_RE.search(reply) is not None


def last_match(regex: re.Pattern, text: str, a: int, b: int) -> int:
    """Start of the last match of `regex` in text[a:b], or -1."""
    last = -1
    for m in regex.finditer(text, a, b):
        last = m.start()
    return last


# Reported wording (rules/frames/distancing.txt, reporting.txt, reporting_nouns.txt): 有个项目宣称拥有全国独家专利;
# 以“轻松拿证”“保过班”等口号吸引学员. REPORT_REACH: how far before the hit a distancing verb counts.
REPORT_REACH = 40
_DISTANCING_RE = frame_regex("distancing")
_REPORTING_RE = frame_regex("distancing", "reporting")
_REPORTING_NOUN_RE = frame_regex("reporting_nouns")
_SOURCED_RE = frame_regex("sourced")


REPORT_AFTER = 20
_FUNCTION_LIST_RE = frame_regex("function_list")
_HEALTH_FUNCTION_RE = re.compile(lexicon("health_functions").alternation())


def reported(sentence: str, start: int, end: int, named: bool = True) -> bool:
    """The hit is someone else's wording: near a distancing verb (有个项目宣称…, …的说法) in its
    sentence, quoted in a sentence that names it as wording (口号, 字样, 说法, 承诺…; only with `named`:
    injected spam names its lottery tips and casino events so, 活动名称：“…四肖八码…”), or a function
    name of the health-food catalogue in a sentence about the category (增强免疫力保健品)."""
    if _REPORTING_RE.search(sentence[:end + REPORT_AFTER], max(0, start - REPORT_REACH)) is not None:
        return True
    # A distancing verb in the sentence's opening clause governs all of it (还有一些品牌宣称，…，是…的首选产品).
    first = _CLAIM_CLAUSE_RE.search(sentence)
    if first is not None and first.start() < start and _DISTANCING_RE.search(sentence, 0, first.start()) is not None:
        return True
    if named and _quoted(sentence, start, end) and _REPORTING_NOUN_RE.search(sentence) is not None:
        return True
    return _FUNCTION_LIST_RE.search(sentence) is not None and any(
        m.start() <= start and m.end() >= end for m in _HEALTH_FUNCTION_RE.finditer(sentence))


def _quoted(sentence: str, start: int, end: int) -> bool:
    """The hit [start, end) is inside a pair of quotation marks."""
    opened = ""
    for c in sentence[:start]:
        if opened and c == QUOTES[opened]:
            opened = ""
        elif not opened and c in QUOTES:
            opened = c
    return bool(opened) and QUOTES[opened] in sentence[end:]


_QUESTION_RE = frame_regex("question")
_ASSERTING_Q_RE = frame_regex("asserting_questions")
_HEADLINE_Q_RE = frame_regex("headline_question")
HEADLINE = 24   # at most this many characters: a headline, not a sentence of body copy


def headline_question(line: str) -> bool:
    """A short line that asks without a question mark (红木家具哪里最出名): rules/frames/headline_question.txt."""
    line = line.strip()
    return 0 < len(line) <= HEADLINE and line[-1] not in "。！!.，," and _HEADLINE_Q_RE.search(line) is not None



def asked(sentence: str, answer: str) -> bool:
    """The sentence, ended by a question mark, asks the reader (哪家律所最快？) or is a FAQ question, and the
    answer after it (if any) does not affirm it (rules/frames/question.txt)."""
    if answer:
        reply = _ANSWER_RE.sub("", answer, count=1).lstrip()
        if _AFFIRM_RE.match(reply):
            return False
    if _ASKED_RE.match(sentence) is not None:
        return True
    # A question that asserts (你还担心什么？) is no question word of the sentence's own: rules/frames/asserting_questions.txt.
    return _QUESTION_RE.search(_ASSERTING_Q_RE.sub("", sentence)) is not None


_PENALTY_RE = frame_regex("penalty")
_BELIEF_RE = frame_regex("belief", "doubted")


def penalised(sentence: str) -> bool:
    """A report of a penalty, an inspection or a crackdown, or a warning article's verdict
    (rules/frames/penalty.txt): 经查…, 当事人…, 以包治百病制造噱头."""
    return _PENALTY_RE.search(sentence) is not None


_BELIEF_CLAUSE_RE = frame_regex("belief_clause")
_EFFECT_CLAIM_RE = frame_regex("effect_claim")
# What ends the clause an effect is asserted in: not 、 (招财进宝、吸纳四方之财的寓意 is one list).
_BELIEF_CLAUSE_END = re.compile("[，,；;:：]")


def believed(sentence: str, start: int = 0, end: int | None = None) -> bool:
    """A power ascribed to tradition, legend or symbol: a legend or a belief told (rules/frames/belief.txt:
    传说…, 人们相信…), or a symbol, custom or wish (rules/frames/belief_clause.txt: 寓意…, 象征…) unless the
    hit's own clause asserts the effect with none of those words in it (rules/frames/effect_claim.txt:
    其造型寓意“只进不出”，可增强偏财运)."""
    if _BELIEF_RE.search(sentence) is not None:
        return True
    if _BELIEF_CLAUSE_RE.search(sentence) is None:
        return False
    # The clause the hit ends in: a pattern that runs from the charm to the luck asserts it there.
    end = len(sentence) if end is None else end
    a = last_match(_BELIEF_CLAUSE_END, sentence, 0, max(start, end - 1)) + 1
    m = _BELIEF_CLAUSE_END.search(sentence, end)
    clause = sentence[a:m.start() if m else len(sentence)]
    return _EFFECT_CLAIM_RE.search(clause) is None or _BELIEF_CLAUSE_RE.search(clause) is not None


_ARTICLE_RE = frame_regex("warning_article")
_ADVERTISER_RE = frame_regex("advertiser")
ARTICLE_WORDS = 2  # distinct verdict words that make a page a warning article


def warning_article(page: str) -> bool:
    """A page that reads as a warning article (rules/frames/warning_article.txt): at least two different
    verdict words anywhere in it (揭秘…陷阱, 警惕…套路, 理性看待…虚假宣传)."""
    return article_words(page) >= ARTICLE_WORDS


@lru_cache(maxsize=16)  # an HTML page's blocks ask about the same page text
def _verdict_words(page: str) -> tuple[frozenset[str], frozenset[str]]:
    """The different warning-article and news-report words on the page, normalised once for both verdicts."""
    if len(page) < 8:
        return frozenset(), frozenset()
    text = normalize(page).text
    return (frozenset(m.group(0) for m in _ARTICLE_RE.finditer(text)),
            frozenset(m.group(0) for m in _NEWS_RE.finditer(text)))


def article_words(page: str) -> int:
    """How many different warning-article verdict words the page holds (rules/frames/warning_article.txt)."""
    return len(_verdict_words(page)[0])


_SPAM_CALLS_RE = frame_regex("spam_calls")


@lru_cache(maxsize=16)
def page_topic(page: str, words: tuple[str, ...]) -> bool:
    """Two different of a rule's `page_not` words on the page, and no spam call (rules/frames/spam_calls.txt)."""
    text = normalize(page).text
    return _words_on(text, words, ARTICLE_WORDS) and _SPAM_CALLS_RE.search(text) is None


def _words_on(text: str, words: tuple[str, ...], enough: int) -> bool:
    """At least `enough` different of `words` (plain words, or /patterns/) in normalised `text`."""
    found = 0
    for w in words:
        found += (re.search(w[1:-1], text) is not None) if len(w) > 2 and w[0] == w[-1] == "/" else w in text
        if found >= enough:
            return True
    return False


SPAM_PAGE_WORDS = 3  # different spam-page words (context `page_spam`) that make a page injected spam


@lru_cache(maxsize=16)
def spam_page(page: str, words: tuple[str, ...]) -> bool:
    """At least SPAM_PAGE_WORDS different of a rule's `page_spam` words on the page: the page carries
    injected casino or lottery-tip copy, and its ordinary gambling words (奖金, 彩民, 开奖) are part of it."""
    return _words_on(normalize(page).text, words, SPAM_PAGE_WORDS)


def advertiser_speaks(sentence: str) -> bool:
    """The advertiser is the subject (rules/frames/advertiser.txt): 本机构承诺…, 我司保证…"""
    return _ADVERTISER_RE.search(normalize(sentence).text) is not None


def sourced(sentence: str) -> bool:
    """A figure or ranking attributed to a named source (rules/frames/sourced.txt): 据国家统计局数据…,
    某协会调查发现…, 《…报告》显示…"""
    return _SOURCED_RE.search(sentence) is not None


# A topic word (美白, 学区房, 免疫力) asserted of what is sold: a claim word before it in its clause
# (本品能…, 有效…, 帮助…, 每日两粒…), a claim word right after it (…效果显著, …精华液), or an offer in the
# sentence (热线, 立即抢购, 均价); never when the sentence limits, defines or surveys it (作用有限, 是指…,
# 主要包括…). A headline or slogan of a few characters is an offer by itself.
CLAIM_REACH = 12
CLAIM_AFTER = 6
SLOGAN = 14
ITEM = 8  # a list item's neighbour: 持续跟进，终身维修
_CLAIM_CLAUSE_RE = re.compile("[,，:：;；|｜]")
_CLAIM_RE = frame_regex("claim")
_CLAIM_AFTER_RE = frame_regex("claim_after")
_OFFER_RE = frame_regex("offer")
_LIMITED_RE = frame_regex("limited")
_NOT_SLOGAN_RE = frame_regex("not_slogan")


def asserted(sentence: str, start: int, end: int, following: bool = True) -> bool:
    """The topic word [start, end) is asserted as the effect or promise of what is sold (`following`: a
    word of claim_after.txt right after it counts)."""
    clause = last_match(_CLAIM_CLAUSE_RE, sentence, 0, start) + 1
    prev = last_match(_CLAIM_CLAUSE_RE, sentence, 0, max(0, clause - 1)) + 1
    m = _CLAIM_CLAUSE_RE.search(sentence, end)
    close = m.start() if m else len(sentence)
    # The qualification is in the hit's clause or the one after it (…辅助美白，但效果相对温和).
    after = _CLAIM_CLAUSE_RE.search(sentence, close + 1) if m else None
    # A feature's heading that is the word itself (收益稳定：…): the label asserts it, whatever the line under it
    # goes on to say. A heading that names a kind of thing (大型风水命理馆：…, 水晶风水球：…) is a topic.
    if start <= 1 and m is not None and sentence[close] in ":：" and close - end <= 1:
        return _LIMITED_RE.search(sentence, 0, close) is None
    if _LIMITED_RE.search(sentence, clause, after.start() if after else len(sentence)) is not None:
        return False
    # …or in the sentence's first clause, its subject (地铁房是指…，核心价值在于…增值潜力).
    first = _CLAIM_CLAUSE_RE.search(sentence)
    if clause > 0 and _LIMITED_RE.search(sentence, 0, first.start() if first else len(sentence)) is not None:
        return False
    # The claim word may be in the clause before (我们的纳米技术可以修复人体细胞，延缓衰老): effects listed
    # after one claim share it; further back it belongs to something else.
    a = max(0, start - CLAIM_REACH, prev if clause > 0 else 0)
    b = min(close, end + CLAIM_AFTER)
    # A headline, or an item of a list of services offered after the first clause (…持续跟进，终身维修).
    item = clause > 0 and close - clause <= end - start + 4 and clause - 1 - prev <= ITEM
    line = sentence.strip(" |｜")
    slogan = len(line) <= SLOGAN and _NOT_SLOGAN_RE.search(line) is None
    if item or slogan or _CLAIM_RE.search(sentence, a, start) is not None:
        return True
    return (following and _CLAIM_AFTER_RE.search(sentence, end, b) is not None) or _OFFER_RE.search(sentence) is not None


# The page's subject (context.discussed): the hit's words recur over the page. Three times is a subject (the
# explainer's 美白精华, the fee guide's 风水师, the news report's 赌场); a shop page that repeats a claim is
# caught by the claim frame of each sentence (能…, 立即购买, a slogan), not by this count.
DISCUSSED = 3
_DISCUSSED_RE = frame_regex("discussed")


@lru_cache(maxsize=16)  # the hits of one page ask about the same page text
def _page_text(page: str) -> str:
    return normalize(page).text


def discussed(page: str, words: str, sentence: str, start: int, end: int, spam: bool = False) -> bool:
    """`words` (the hit [start, end) of `sentence`) are the subject of `page` (DISCUSSED times on it) and the
    sentence does not assert them of what is sold; with `spam`, not on a page with a spam call
    (rules/frames/spam_calls.txt): injected spam repeats its words too."""
    if len(words) < 2:
        return False
    text = _page_text(page)
    if text.count(words) < DISCUSSED or (spam and _SPAM_CALLS_RE.search(text) is not None):
        return False
    # The sentence around the hit (a block of an HTML page holds several).
    a = last_match(_SENTENCE_END_RE, sentence, 0, start) + 1
    m = _SENTENCE_END_RE.search(sentence, end)
    b = m.start() if m else len(sentence)
    clause = sentence[a:b]
    if _DISCUSSED_RE.search(clause) is not None:  # 带来…, 效果越好: what it does is asserted all the same
        return False
    # A word right after the hit that recurs with it is part of the subject (美白精华 on a page about it).
    following = text.count(sentence[start:min(b, end + 2)]) < DISCUSSED
    return not asserted(clause, start - a, end - a, following=following)


_SENTENCE_END_RE = re.compile("[。！!？?]")
_NEWS_RE = frame_regex("news_report")


def news_report(page: str) -> bool:
    """A page that reads as a news report (rules/frames/news_report.txt): at least one by-line or attribution
    word, and two different words counting those and a warning article's verdict words (记者…报道, 记者…骗局)."""
    verdict, news = _verdict_words(page)
    return bool(news) and len(news | verdict) >= ARTICLE_WORDS


# A by-line names the page as a report on its own (rules/frames/byline.txt), cited twice.
_BYLINES = frozenset(frame_words("byline"))
_BYLINE_RE = frame_regex("byline")
BYLINE_MENTIONS = 2  # an advertorial names a reporter once (记者也通过多方求证获知…); a report keeps citing them


def bylined_report(page: str) -> bool:
    """The page cites by-line words of rules/frames/news_report.txt (记者, 新华社, 通讯员…) twice or more, not only
    a time or hearsay word: a report even with no second different news or verdict word."""
    if _verdict_words(page)[1].isdisjoint(_BYLINES):
        return False
    return len(_BYLINE_RE.findall(normalize(page).text, 0)) >= BYLINE_MENTIONS


def quoted_in(text: str, start: int, end: int) -> bool:
    """The hit [start, end) is inside quotation marks in its normalised line `text`."""
    return _quoted(text, start, end)
