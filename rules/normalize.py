"""Text normalisation before matching, keeping a map back to the original offsets.

Evasions a matcher must see through (DOMAIN §1): full-width letters and digits, upper case,
zero-width characters, spaces or punctuation inserted between characters (最 佳, 最-佳, 最\u200b佳),
traditional characters, the banker's numerals 壹贰叁 for 一二三, a zero for the letter o inside
an English word (w0rld), pinyin's tone marks (最dī价 reads as 最di价), a word spelt out letter by
letter (N O . 1), a dash for 一 after 第 or 唯 (第—), and the Internet's w for 万 in a sum earned
(月入过w). Every step keeps one output character per input character or records where characters were
dropped, so a hit in the normalised text maps back to the exact original slice ("最 佳").
"""
from __future__ import annotations

import bisect
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

# Characters outside these ranges may change under NFKC (full-width forms, circled digits,
# Kangxi radicals, compatibility ideographs); only those runs are normalised, char-wise when
# the length changes, so the common case stays a fast pass over plain CJK and ASCII.
# Full-width sentence punctuation (，！？；：（）) is left as it is: NFKC would only turn it into
# ASCII, and leaving it saves a regex match per comma; the matcher knows both forms.
_NFKC_SUSPECT = re.compile("[^\x00-\x7f\u4e00-\u9fff\u3001\u3002\u201c\u201d\u2018\u2019\u300a\u300b"
                           "\u3010\u3011\uff0c\uff01\uff1f\uff1b\uff1a\uff08\uff09]+")

# Dropped wherever they occur: invisible characters and the separators people insert between
# the characters of a banned word. Sentence punctuation (，。！？；：、) and newlines are kept:
# they end sentences and clauses, and the matcher needs them.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064"
# The ASCII double quote is not among them: copy quotes a claim it warns against with it as often as
# with “” ("保本高息"), and a quoted claim is mentioned, not made (rules/exemptions.py, QUOTES).
SEPARATORS = " \t\r\u00a0\u3000._*\\-~|/\\\\'`^+=#@·•・‧∙◦—–―‐"
# A pinyin reading printed after a character, as some sites annotate traditional text (數(shù)據(jù)顯示):
# a syllable with its tone mark, in brackets. It is a reading aid, not text: dropped like a separator.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
RUBY = "(?<=[\u4e00-\u9fff])[(（][a-zü]{0,5}[" + _TONED + "][a-zü]{0,5}[)）]"
# Pinyin written with its tone marks in the running text (最dī价, 顶jiān) reads as the plain syllable, so the
# sound matcher (rules/sound.py) compares it; done after the ruby readings above are dropped.
_UNTONE = str.maketrans(_TONED, "aaaaeeeeiiiioooouuuuüüüü")
_TONED_RE = re.compile("[" + _TONED + "]")
_DROP = re.compile("[" + ZERO_WIDTH + SEPARATORS + "]+")
_DROP_RUBY = re.compile("[" + ZERO_WIDTH + SEPARATORS + "]+|" + RUBY)  # for a text with a bracket only

# The banker's forms of one, two and three (唯壹, 第壹, 独壹无二) are written for the plain numerals and
# are never anything else; the banker's forms of the higher numerals (陆, 伍, 拾) are also ordinary
# characters (大陆, 队伍, 收拾), so they stay as they are.
_BANKER = str.maketrans("壹贰叁", "一二三")
_BANKER_RE = re.compile("[壹贰叁]")
# A dash for the stroke of 一 after 第 or 唯 (全网第—, 唯—): those characters take a numeral, never a dash.
_DASHES = "—–―ー－‐-"
_DASH_ONE_RE = re.compile("(?<=[第唯])[" + _DASHES + "](?![—–―\\d])")

# The Internet's w for 万 in a sum earned (月入过w, 日赚3w, 年收入破10w): after a verb of earning or passing and
# its number only, so 5w (watts) and www stay as they are.
_WAN_RE = re.compile("([过破上入赚挣收][\\d.一二三四五六七八九十两几百千]*)w(?![a-z])")

# A private-use character that html.py puts where a block-level tag was: a sentence boundary.
BOUNDARY = "\ue000"


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # imported lazily: only texts with traditional characters need it

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional() -> frozenset[str]:
    """Every character that t2s changes (checked before converting a text).

    Finding them means importing OpenCC and converting 27,000 characters (~60 ms, a fifth of
    `siteaudit check`'s start-up), so the set is kept in the cache directory, keyed by the
    installed OpenCC; a simplified-Chinese text then never loads OpenCC at all.
    """
    import importlib.util

    from .segment import cache_dir

    path = None
    try:
        origin = Path(importlib.util.find_spec("opencc").origin)
        stamp = origin.stat()
        path = cache_dir() / f"t2s-chars-{stamp.st_size}-{int(stamp.st_mtime)}.txt"
        return frozenset(path.read_text(encoding="utf-8"))
    except (OSError, AttributeError, TypeError, ValueError):
        pass  # not computed yet (or no cache directory): compute it
    chars = [chr(c) for c in range(0x3400, 0xA000)]
    out = _t2s().convert("\n".join(chars)).split("\n")
    if len(out) != len(chars):  # cannot tell: treat every CJK character as possibly traditional
        return frozenset(chr(c) for c in range(0x3400, 0xA000))
    changed = "".join(a for a, b in zip(chars, out) if a != b)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(changed)
            os.replace(tmp, path)  # atomic: a concurrent run reads the whole set or none
        except OSError:
            pass
    return frozenset(changed)


@lru_cache(maxsize=1)
def _traditional_re() -> re.Pattern:
    """A character class of `_traditional()`, as ranges: scans ~10x faster than a set test."""
    ranges: list[list[int]] = []
    for c in sorted(map(ord, _traditional())):
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    if not ranges:
        return re.compile(r"(?!)")
    return re.compile("[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "")
                                    for a, b in ranges) + "]")


@dataclass
class Normalized:
    """The normalised form of `original`; `orig(i)` maps an index of `text` back."""

    original: str
    text: str
    # Dropped runs, in normalised coordinates: run k starts before text[_starts[k]] and the
    # total number of dropped characters up to and including run k is _dropped[k].
    _starts: list[int] = field(default_factory=list)
    _dropped: list[int] = field(default_factory=list)

    def orig(self, i: int) -> int:
        """Original index of normalised index `i` (i == len(text) maps to len(original))."""
        k = bisect.bisect_right(self._starts, i)
        return i + (self._dropped[k - 1] if k else 0)

    def orig_span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of the normalised span [start, end) (end exclusive)."""
        return self.orig(start), self.orig(end - 1) + 1


def _nfkc_lower(text: str) -> tuple[str, bool]:
    """NFKC + lower case, one output character per input character; and whether pinyin tone marks are in it
    (they are outside ASCII and CJK, so only the runs normalised here can hold them)."""
    parts: list[str] = []
    last = 0
    toned = False
    for m in _NFKC_SUSPECT.finditer(text):
        parts.append(text[last:m.start()])
        run = m.group()
        toned = toned or _TONED_RE.search(run) is not None
        out = unicodedata.normalize("NFKC", run)
        if len(out) != len(run):
            out = "".join(_one_char(c) for c in run)
        parts.append(out)
        last = m.end()
    parts.append(text[last:])
    out = "".join(parts)
    low = out.lower()
    if len(low) != len(out):
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in out)
    return low, toned


def _one_char(c: str) -> str:
    n = unicodedata.normalize("NFKC", c)
    if len(n) == 1:
        return n
    # Expansions (㈱ → (株), ½ → 1⁄2) keep their first letter-like character, or the original.
    return n[0] if n and not n[0].isspace() else c


def _t2s_same_length(text: str) -> str:
    """Traditional → simplified, keeping offsets: whole text when lengths agree, else char-wise."""
    if text.isascii() or not _traditional_re().search(text):
        return text
    conv = _t2s()
    out = conv.convert(text)
    if len(out) == len(text):
        return out
    chars = []
    for c in text:
        s = conv.convert(c)
        chars.append(s if len(s) == 1 else c)
    return "".join(chars)


def _ascii_word(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _invisible(run: str) -> bool:
    """Only zero-width characters: hidden inside a word (w\u200borld), they break nothing, so the word stays whole."""
    return not run.strip(ZERO_WIDTH)


# A zero written for the letter o inside an English word (W0rld's leading): between two letters only, so that
# model numbers and doses (Q10, A0, 100) stay as they are.
# …and in the abbreviation No. before a number (N0.1).
# The 0 comes first in the pattern: a literal the scan can look for (a pattern opening with a lookbehind is ~30x slower).
_LETTER_ZERO_RE = re.compile("0(?:(?<=[a-z]0)(?=[a-z])|(?<=(?<![a-z])n0)(?=\\.?[1-9]))")


def normalize(text: str) -> Normalized:
    """Normalise `text` for matching; see the module docstring."""
    step, toned = _nfkc_lower(text)
    step = _t2s_same_length(step)
    if _BANKER_RE.search(step):
        step = step.translate(_BANKER)
    if ("第" in step or "唯" in step) and any(d in step for d in _DASHES):
        step = _DASH_ONE_RE.sub("一", step)
    if "0" in step:
        step = _LETTER_ZERO_RE.sub("o", step)
    if "w" in step:
        step = _WAN_RE.sub("\\1万", step)
    starts: list[int] = []
    dropped: list[int] = []
    drop = _DROP_RUBY if ("(" in step or "（" in step) else _DROP
    if not drop.search(step):
        return Normalized(text, step.translate(_UNTONE) if toned else step)
    parts: list[str] = []
    last = 0
    total = 0
    spelt: list[tuple[int, int]] | None = None  # found on first need: a separator between two lone characters
    for m in drop.finditer(step):
        parts.append(step[last:m.start()])
        a, b = m.start(), m.end()
        if b - a == 1 and step[a] == "." and 0 < a and b < len(step) and step[a - 1].isdigit() and step[b].isdigit():
            parts.append(".")  # a decimal point (8.5%) is part of the number, not an evasion
            last = b
            continue
        spelt_out = False
        if _lone(step, a - 1) and _lone(step, b):
            spelt = _spelt_spans(step) if spelt is None else spelt
            spelt_out = any(x < a and b < y for x, y in spelt)
        if spelt_out:
            pass  # inside a word spelt out letter by letter: the separators go, as between CJK characters
        elif 0 < a and b < len(step) and _ascii_word(step[a - 1]) and _ascii_word(step[b]) and not _invisible(m.group()):
            # Between two ASCII letters or digits a separator is a word break: keep one space
            # ("the best", "NO.1" → "no 1") so ASCII terms still match on word boundaries.
            parts.append(" ")
            a += 1
            if a == b:
                last = b
                continue
        starts.append(a - total)
        total += b - a
        dropped.append(total)
        last = b
    parts.append(step[last:])
    out = "".join(parts)
    return Normalized(text, out.translate(_UNTONE) if toned else out, starts, dropped)


# A word spelt out letter by letter (B E S T, N O . 1): three or more lone letters or digits, at least one a
# letter, with only spaces or dots between them. A list of digits (1 2 3) keeps its breaks.
_SPELT_RE = re.compile("(?<![a-z0-9])[a-z0-9](?:[ .]+[a-z0-9](?![a-z0-9])){2,}")


def _lone(step: str, i: int) -> bool:
    """step[i] is an ASCII letter or digit with no letter or digit either side of it."""
    return (0 <= i < len(step) and _ascii_word(step[i]) and not (i > 0 and _ascii_word(step[i - 1]))
            and not (i + 1 < len(step) and _ascii_word(step[i + 1])))


def _spelt_spans(step: str) -> list[tuple[int, int]]:
    return [m.span() for m in _SPELT_RE.finditer(step) if not m.group().replace(" ", "").replace(".", "").isdigit()]


def normalize_term(term: str) -> str:
    """A rule term in the same normal form as texts (so 'NO.1' and 'no1' are one term)."""
    return normalize(term).text
