"""Decode Chinese pages correctly, whatever they declare.

Scrapy trusts the header, then `<meta>`, then guesses among ascii/utf-8/cp1252 only: an undeclared
GBK page becomes mojibake and a wrong header beats a correct `<meta>`, and the phrases on such a
page are never found. `detect_encoding` decides from the bytes:
BOM → the declared charset if it decodes strictly and does not produce mojibake → strict utf-8 →
gb18030 or big5, whichever reads as more common Chinese. The mismatch itself is reported.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
_HEADER = re.compile(r"charset\s*=\s*[\"']?\s*([a-zA-Z0-9_.:-]+)", re.IGNORECASE)

# The most frequent Chinese characters, simplified and traditional forms. Text decoded with the
# right codec is full of them; GBK bytes read as Big5 (or the reverse) almost never are.
_COMMON = frozenset(
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种"
    "事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意无力它与长把机十民第"
    "公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西斯月话合"
    "回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活尔更别打女变四神总"
    "何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听"
    "白却界达光放强即像难且权思王象完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带"
    "导争运笑飞风步改收根干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连"
    "调深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史"
    "委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半"
    "节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群"
    "這個們來為國說時會對於後裡發動當沒現開關點業將兩間問題應該經過還進從實與學產動務話頭長機種樣讓認識東車門見電親愛網頁"
    "價質產總區號護聯務費優惠購買證書資訊服務專業標準隊傳統體驗醫療藥")
_CJK = re.compile("[\u4e00-\u9fff]")
# Latin-1 style decodings of CJK bytes: runs of accented letters and symbols are mojibake.
_MOJIBAKE = re.compile("[\u00c0-\u00ff][\u0080-\u00ff]")


@dataclass(frozen=True)
class Detected:
    """The encoding a page was decoded with, what it declared, and whether the two disagree."""

    encoding: str           # the codec used, Python's canonical name
    declared: str           # header charset, else <meta> charset, else "" (canonical names)
    source: str             # where `encoding` came from: bom, header, meta, utf-8, detected, default
    mismatch: bool          # the declaration was present and wrong (or missing on a non-ASCII page)
    mixed: str = ""         # the bytes are not one encoding: "gb18030 + utf-8", or "undecodable" (CNT001)


def canonical(name: str | None) -> str:
    """Python's name for a charset label ("GB2312" → "gb2312"); gb2312 and gbk widen to gb18030,
    as browsers do; "" for labels Python does not know."""
    if not name:
        return ""
    try:
        codec = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return ""
    if codec == "utf-8-sig":
        return "utf-8"
    if codec in ("gb2312", "gbk", "hz"):
        return "gb18030"
    if codec in ("big5", "cp950"):
        return "big5hkscs"  # a superset that decodes real Big5 pages with HK characters too
    if codec in ("ascii", "latin-1", "iso8859-1"):
        return "cp1252"      # what browsers use for these labels
    return codec


def header_charset(content_type: str) -> str:
    match = _HEADER.search(content_type or "")
    return canonical(match.group(1)) if match else ""


def meta_charset(body: bytes) -> str:
    match = _META.search(body[:4096])
    return canonical(match.group(1).decode("ascii", "replace")) if match else ""


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _chinese_score(text: str) -> float:
    """Share of CJK characters that are common ones: high for right decodings, low for mojibake."""
    cjk = _CJK.findall(text)
    if not cjk:
        return 0.0
    return sum(1 for c in cjk if c in _COMMON) / len(cjk)


def _best_cjk(body: bytes) -> tuple[str, str] | None:
    """gb18030 or big5hkscs, whichever decodes and reads as more common Chinese."""
    best: tuple[float, str, str] | None = None
    for enc in ("gb18030", "big5hkscs"):
        text = _strict(body, enc)
        if text is None:
            continue
        score = _chinese_score(text)
        if best is None or score > best[0]:
            best = (score, enc, text)
    return (best[1], best[2]) if best else None


def _plausible(text: str, encoding: str) -> bool:
    """A strict decoding that still looks wrong: Latin-1 reading of CJK bytes, or CJK that is not Chinese."""
    if encoding in ("cp1252", "latin-1", "iso8859-15") and len(_MOJIBAKE.findall(text[:20000])) > 3:
        return False
    if encoding in ("gb18030", "big5hkscs"):
        sample = text[:20000]
        if len(_CJK.findall(sample)) >= 20 and _chinese_score(sample) < 0.15:
            return False
    return True


def _compatible(declared: str, actual: str) -> bool:
    return not declared or declared == actual or actual.startswith(declared) or declared.startswith(actual)


_HIGH_RUN = re.compile(rb"[\x80-\xff]+")
_MIXED_RUN_MIN = 6          # bytes: shorter runs can read as valid UTF-8 by chance
_CJK_TEXT = re.compile("^[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\u2010-\u2027\u00b7]+$")


def _run_encoding(run: bytes) -> str:
    """"utf-8" or "gb18030" when a run of non-ASCII bytes reads as Chinese in exactly that one; else ""."""
    text = _strict(run, "utf-8")
    if text is not None:
        return "utf-8" if _CJK_TEXT.match(text) else ""
    text = _strict(run, "gb18030")
    return "gb18030" if text is not None and _CJK_TEXT.match(text) else ""


def mixed_encodings(body: bytes) -> bool:
    """True when some runs of Chinese bytes are UTF-8 and others GBK/GB18030 (a template in one
    encoding, an include or a database field in the other): no single decoding reads the whole page."""
    seen: dict[str, int] = {}
    for match in _HIGH_RUN.finditer(body):
        run = match.group(0)
        if len(run) < _MIXED_RUN_MIN:
            continue
        enc = _run_encoding(run)
        if enc:
            seen[enc] = seen.get(enc, 0) + len(run)
            if len(seen) == 2:
                return True
    return False


def _mostly_utf8(body: bytes) -> bool:
    """Chinese UTF-8 text with at most a few invalid bytes (≤ 1 in 200 characters)."""
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    cjk = _CJK.findall(text[:50000])
    return 0 < bad <= max(2, len(text) // 200) and len(cjk) >= 10 and _chinese_score("".join(cjk)) >= 0.3


def repair_mixed(body: bytes) -> bytes:
    """The body as UTF-8, each run of non-ASCII bytes decoded by the encoding it is really in."""
    def fix(match: re.Match) -> bytes:
        run = match.group(0)
        if _strict(run, "utf-8") is not None:
            return run
        return run.decode("gb18030", "replace").encode("utf-8")

    return _HIGH_RUN.sub(fix, body)


def detect_encoding(body: bytes, content_type: str = "") -> Detected:
    """Decide how to decode an HTML body; see the module docstring for the order."""
    from_header = header_charset(content_type)
    from_meta = meta_charset(body)
    declared = from_header or from_meta
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return Detected(enc, declared, "bom", not _compatible(declared, enc))
    if body.isascii():
        return Detected(declared or "utf-8", declared, "default", False)
    utf8_ok = _strict(body, "utf-8") is not None
    if not utf8_ok and mixed_encodings(body):
        return Detected("utf-8", declared, "mixed", False, "gb18030 + utf-8")
    if not utf8_ok and _mostly_utf8(body):
        # UTF-8 Chinese with a few stray bytes (a truncated character, a Latin-1 word): read as UTF-8,
        # not as a GB18030 that would turn every Chinese character into mojibake; the bytes are CNT001.
        return Detected("utf-8", declared, "utf-8", declared not in ("", "utf-8"), "utf-8 with invalid bytes")
    for source, enc in (("header", from_header), ("meta", from_meta)):
        if not enc:
            continue
        if enc == "utf-8":
            if utf8_ok:
                return Detected(enc, declared, source, source == "meta" and from_header not in ("", "utf-8"))
            continue   # declared but wrong: the <meta> may still be right
        text = _strict(body, enc)
        # Valid UTF-8 with non-ASCII bytes is almost never meant as anything else.
        if text is None or utf8_ok or not _plausible(text, enc):
            continue
        if enc in ("gb18030", "big5hkscs"):
            other = "big5hkscs" if enc == "gb18030" else "gb18030"
            other_text = _strict(body, other)
            if other_text is not None and _chinese_score(other_text) > _chinese_score(text) + 0.25:
                return Detected(other, declared, "detected", True)
        return Detected(enc, declared, source, source == "meta" and from_header not in ("", enc))
    if utf8_ok:
        # No declaration on a non-ASCII page is a finding too: browsers in China then guess GBK.
        return Detected("utf-8", declared, "utf-8", declared != "utf-8")
    guess = _best_cjk(body)
    if guess is not None:
        return Detected(guess[0], declared, "detected", declared != guess[0])
    # Nothing decodes strictly (a broken page): the declaration, else gb18030 with replacement.
    return Detected(declared or "gb18030", declared, "default", False, "undecodable")
