"""A superlative that describes someone else's world, not the advertiser's offer (context `described`).

`中国北方最大的淡水湖之一`, `5A级为最高等级`, `白茶是最古老的茶类`: the superlative is followed by a place,
a natural feature, a class of things or an official grade (rules/frames/described.txt); `据说是顶级`:
the writer reports what they heard (rules/frames/hearsay.txt); `就像…最忠实的记录者`: a figure of speech
(rules/frames/figure.txt); `茅台、汾酒等酒企虽家喻户晓`: other firms or places listed as the subject
(rules/frames/others_listed.txt); `本文将…做出最佳的决定`: the article speaks of itself (rules/frames/article_voice.txt);
`顶级医院普遍配备…`: a generalisation about a class of goods or a market (rules/frames/generic.txt); a name
custom gives (epithet.txt), a region's statistic (statistics.txt), an official grade explained (official_grade.txt), a regulation cited
(regulation.txt), a class of goods defined as the subject (精华液是一种…，可以淡化皱纹: class_defined.txt).
Any of them reports the hit at info.
Bounded work: one anchored match after the hit, one search before it, inside the hit's sentence.
"""
from __future__ import annotations

import re

from .lexicon import frame, frame_regex

# 最X + (up to 4 more characters, 不过) + 的 + up to 6 modifiers + the noun; or the noun right after the hit
# (最高等级). The modifiers never hold a verb of place or a second 的 (最好的龙井产于西湖 is about the tea).
_AFTER_RE = re.compile("(?:[\u4e00-\u9fa5]{0,4}?(?:不过)?的)?[^，。,；;！!？?的于在是为从自产让使把被将]{0,6}?"
                       + frame("described").alternation()
                       # The noun ends the phrase: 最大的城市综合体 is a building sold, not a city.
                       + "(?=之一|之|是|也|和|与|位于|以|在|[^\u4e00-\u9fa5]|$)")
# Read before the hit: hearsay (据说…), a figure of speech (就像…), other firms listed (茅台、汾酒等酒企), a name
# custom gives (别称…), a statistic of a region (总产值…) or an official grade as the subject (5A级景区是…).
_BEFORE_RE = frame_regex("hearsay", "figure", "others_listed", "epithet", "statistics", "official_grade", "class_defined")
# Read anywhere in the sentence: the article's own voice (本文…), a generalisation (…普遍配备) or a regulation
# cited (《…办法》第四条).
_ANYWHERE_RE = frame_regex("article_voice", "generic", "regulation")
_PLACE_HEADING_RE = frame_regex("place_heading")  # 广东云浮:亚洲最大石材加工基地


# Whose claim: the clause before the hit opens with a third party as its subject (a place, a region, a variety:
# frames/described_subject.txt) and a copula or a descriptive verb (frames/copula.txt) joins it to the hit (甘肃省是全国最大的…,
# 拉菲庄园是…最负盛名的, china … as the world's largest). Bounded: one anchored match over at most 40 characters.
# The copula (frames/copula.txt) follows the subject closely in Chinese, and as a word of its own in English.
_COPULA = frame("copula").alternation()
_SUBJECT_RE = re.compile("[^，。,；;：:！!？?]{0,14}?" + frame("described_subject").alternation()
                         + "[）)”\"']?(?:[^，。,；;：:]{0,6}?" + _COPULA
                         + "|(?:'s)?[a-z ]{0,40}?(?<![a-z])" + _COPULA + "(?![a-z]))"
                         + "[^，。,；;：:！!？?]{0,24}")
_CLAUSE_START_RE = re.compile("[，。,；;：:！!？?]")
# The writer or the firm as the subject of the clause (我们是…, our …, we are …): the hit stays a claim.
_SELF_RE = re.compile("我们|(?<![a-z])(?:we|our|us)(?![a-z])")


def _third_party_subject(sentence: str, start: int) -> bool:
    """The hit's clause opens with a place, a region or a variety as its subject and a copula before the hit."""
    clause_start = 0
    for m in _CLAUSE_START_RE.finditer(sentence, max(0, start - 40), start):
        clause_start = m.end()
    head = sentence[clause_start:start]
    if _SELF_RE.search(head) is not None:
        return False
    return _SUBJECT_RE.fullmatch(head) is not None


# The advertiser or its offer in the sentence (本店…, 我们提供…, 点击购买): the hit stays a claim.
_OWN_RE = frame_regex("advertiser", "own_offer")


def described(sentence: str, start: int, end: int) -> bool:
    """The hit [start, end) describes a place, nature, a class or a grade, or is hearsay, a figure of
    speech or the article's own voice.

    The place must follow a superlative (最…): a word of praise put before it (极品峡谷, 顶级景区) sells it.
    Never where the advertiser or its offer is in the sentence (rules/frames/advertiser.txt, own_offer.txt)."""
    if _OWN_RE.search(sentence) is not None:
        return False
    return (("最" in sentence[start:end] and _AFTER_RE.match(sentence, end) is not None)
            or _BEFORE_RE.search(sentence, 0, start) is not None
            or _third_party_subject(sentence, start)
            or ((m := _PLACE_HEADING_RE.match(sentence)) is not None and m.end() <= start)
            or _ANYWHERE_RE.search(sentence) is not None)
