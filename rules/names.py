"""A term that is part of a name: a person's name (技术总监李唯一, 张唯一老师) or a landmark's
famous title in quotes (“天下第一关”). A name claims nothing about the firm or its products.

Each function takes a sentence and the hit's [start, end) in it.
"""
from __future__ import annotations

import re

from .lexicon import frame, frame_regex

# The commonest Chinese surnames (single characters). A surname alone is not enough: it must
# follow a role or title (嘉宾, 作者, 技术总监…) or the name must be followed by an honorific.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴"
    "霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳穆农司卓古吉缪简车项连芦麦褚娄窦戚岑"
    "景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池")
# Roles and titles written right before a name (特邀嘉宾陈首创, 本文作者：张唯一): rules/frames/name_roles.txt.
_ROLE_RE = re.compile(frame("name_roles").alternation() + "[:：\\s]?$")
# Honorifics after a name (张唯一老师), or what people do in news copy (张唯一表示): rules/frames/name_after.txt.
_HONORIFIC_RE = re.compile(frame("name_after").alternation())

# A quoted famous title of a place or landmark: “天下第一关”, “江南第一楼”, “天下第一泉”.
LANDMARKS = "关泉楼山峰桥寺庙塔村街镇湖洞瀑园亭阁门江河岛峡石碑刹井池宫殿观庄谷滩湾岭台坊巷渡口寨龙鼎钟佛像陵墓窟"
# An address: the term names a building or a street (首创大厦12层, 至尊路88号).
_PLACE_AFTER_RE = re.compile("(?:(?!的)[\u4e00-\u9fa5]){0,3}?" + frame("address_places").alternation()
                             + "\\s?([0-9]|[一二三四五六七八九十]+[号层楼栋座幢]|[号层楼栋座幢室])")  # rules/frames/address_places.txt
QUOTES = {"“": "”", "「": "」", "『": "』", '"': '"', "‘": "’"}
QUOTED_NAME = 10  # a title in quotes is short
_CLOSERS = frozenset(QUOTES.values()) - frozenset(QUOTES)
AWARD_NAME = 24
# An award named after the quote, or received before it: “…”奖, 荣获“…”.
_AWARD_AFTER_RE = frame_regex("award_nouns")  # rules/frames/award_nouns.txt
_SELF_AWARDED_RE = frame_regex("self_awarded")  # rules/frames/self_awarded.txt
# An unquoted prize: the verb within reach before the hit, the prize word within reach after it, no
# clause break or 的 between (荣获最高奖金 and 获得最佳的体验 are no prizes).
UNQUOTED_REACH = 14
_CLAUSE_ENDS = "，。,；;！!？?：:"
_UNQUOTED_PRIZE_RE = re.compile("[^，。,；;！!？?：:的]{0,8}?(大奖|奖项|奖(?!励|金|品|池|券|学金)|荣誉称号|称号|提名)")
_AWARDED_RE = frame_regex("awarded_verbs")  # rules/frames/awarded_verbs.txt


def person_name(sentence: str, start: int, end: int) -> bool:
    """The hit is the given name in a person's name: a surname right before it, after a role
    (技术总监李唯一) or before an honorific (张唯一老师)."""
    if start == 0 or sentence[start - 1] not in SURNAMES:
        return False
    before = sentence[max(0, start - 9):start - 1]
    if _ROLE_RE.search(before):
        return True
    # The given name is the hit, or the hit plus one more character (王唯一鸣老师).
    return (_HONORIFIC_RE.match(sentence, end) is not None
            or (end < len(sentence) and _HONORIFIC_RE.match(sentence, end + 1) is not None
                and "\u4e00" <= sentence[end] <= "\u9fa5"))


def address(sentence: str, start: int, end: int) -> bool:
    """The hit is part of the name of a building or street in an address (首创大厦12层, 至尊路88号)."""
    return _PLACE_AFTER_RE.match(sentence, end) is not None


# A registered firm's name runs from the hit to its legal form with no 的 or verb between (广州顶尖数码科技有限公司,
# 深圳市顶级网络科技有限公司): the name is on the licence, not a claim made in it (执法指南 2023: names).
_FIRM_AFTER_RE = re.compile("(?:(?![的是为和与及、])[\u4e00-\u9fa5()（）]){0,10}?" + frame("firm_forms").alternation())


def firm_name(sentence: str, start: int, end: int) -> bool:
    """The hit is part of a registered firm's name: 顶尖 in 广州顶尖数码科技有限公司."""
    return _FIRM_AFTER_RE.match(sentence, end) is not None


_TRADEMARK_AFTER_RE = re.compile("[^。！？!?]{0,24}?(?<!驰名)(注册商标|商标注册号)")


def trademark(sentence: str, start: int, end: int) -> bool:
    """The hit, in quotes, is named as the firm's registered trademark (“极品”是本公司在第30类茶叶上的注册商标);
    a 驰名商标 is no such name (商标法 §14)."""
    span = _quote_around(sentence, start, end, QUOTED_NAME)
    return span is not None and _TRADEMARK_AFTER_RE.match(sentence, span[1] + 1) is not None


def award_title(sentence: str, start: int, end: int) -> bool:
    """The hit is inside the name of an award the firm received: quoted (荣获携程“2023年度最受欢迎酒店”奖)
    or not, between the receiving verb and the prize (荣获2023年度最具人气奖, 获得金鸡奖最佳导演提名)."""
    if _SELF_AWARDED_RE.search(sentence):
        return False  # a prize the firm gave itself: （自评）
    span = _quote_around(sentence, start, end, AWARD_NAME)
    if span is None:
        return _unquoted_award(sentence, start, end)
    a, b = span
    return (_AWARD_AFTER_RE.match(sentence, b + 1) is not None
            or _AWARDED_RE.search(sentence, max(0, a - 12), a) is not None)


def _unquoted_award(sentence: str, start: int, end: int) -> bool:
    """荣获…<hit>…奖 in one clause: a receiving verb shortly before the hit, the prize shortly after."""
    lo = max(0, start - UNQUOTED_REACH)
    clause = max((sentence.rfind(c, lo, start) for c in _CLAUSE_ENDS), default=-1)
    if _AWARDED_RE.search(sentence, max(lo, clause + 1), start) is None:
        return False
    m = _UNQUOTED_PRIZE_RE.match(sentence, end)
    return m is not None


def _quote_around(sentence: str, start: int, end: int, reach: int) -> tuple[int, int] | None:
    """(opening, closing) positions of the quotes around [start, end), at most `reach` chars apart."""
    a = -1
    for i in range(start - 1, max(-1, start - reach) - 1, -1):
        if sentence[i] in QUOTES:
            a = i
            break
        if sentence[i] in _CLOSERS:
            return None
    if a < 0:
        return None
    b = sentence.find(QUOTES[sentence[a]], end)
    return (a, b) if 0 <= b and b - a <= reach else None


def quoted_landmark(sentence: str, start: int, end: int) -> bool:
    """The hit is inside a short quoted title that names a place (“天下第一关”景区)."""
    span = _quote_around(sentence, start, end, QUOTED_NAME + 1)
    if span is None or span[1] == end:
        return False  # the quote must go on after the hit: “天下第一”关 is not a name
    a, b = span
    inner = sentence[a + 1:b]
    return inner[-1] in LANDMARKS and all("\u4e00" <= c <= "\u9fa5" for c in inner)


# The title of a book, film, song, programme or article in 《》: 《最强大脑》, 《唯一的听众》, 《赌神》.
WORK_TITLE = 24
# …unless the firm sells under it: 《全网最强Python》课程 names the course it claims for.
_OWN_TITLE_AFTER_RE = re.compile("\\s?" + frame("own_title_goods").alternation())  # rules/frames/own_title_goods.txt


def work_title(sentence: str, start: int, end: int) -> bool:
    """The hit is inside the 《》 title of a work (《最好的我们》取景地, 歌曲《最炫民族风》)."""
    a = sentence.rfind("《", max(0, start - WORK_TITLE), start)
    if a < 0 or "》" in sentence[a:start]:
        return False
    b = sentence.find("》", end, a + WORK_TITLE + 1)
    if b < 0:
        return False
    return _OWN_TITLE_AFTER_RE.match(sentence, b + 1) is None

