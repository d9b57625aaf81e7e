"""Substitutes compared by sound: a banned word respelled in pinyin or letters (zui好, 第yi, bao过), with
a digit (唯1, 第1名) or with a sound-alike character of the same tone (醉好 for 最好).

The words watched are the lexicon `sound_terms` (rules/lexicons/sound_terms.txt). When the rule set
is built, pypinyin gives each of their characters its readings, and every character that shares a
reading; that table is kept with the compiled rule set, so checking a text never imports pypinyin.
A line is rewritten only where a run of sound units — a Chinese character, a pinyin syllable of
letters, a lone digit — reads as a watched word, mixes the written word with a substitute, and (for
a sound-alike character) starts and ends on the line's own jieba token boundaries (喝醉好难受 is
喝醉 / 好 / 难受, not 最好). The matcher then judges the word as meant, and `back` maps positions in
the rewritten line to the line as written, so a finding shows "zui好" and not "最好".
"""
from __future__ import annotations

import re
from dataclasses import dataclass

DIGITS = {"0": ("ling",), "1": ("yi", "yao"), "2": ("er", "liang"), "3": ("san",), "4": ("si",), "5": ("wu",),
          "6": ("liu",), "7": ("qi",), "8": ("ba",), "9": ("jiu",)}
DIGIT_CHARS = {"0": "零", "1": "一", "2": "二", "3": "三", "4": "四", "5": "五", "6": "六", "7": "七", "8": "八", "9": "九"}
_CJK = re.compile("[\u4e00-\u9fff]")
# A line needs a look only when a letter or digit touches a Chinese character, or a sound-alike occurs.
_MIXED = re.compile("[\u4e00-\u9fff][a-z0-9]|[a-z0-9][\u4e00-\u9fff]")
MAX_SYLLABLE = 6


@dataclass
class Rewrite:
    """A line as meant: `text`, and for each of its positions the span [back[i], back_end[i]) of the input."""

    text: str
    back: list[int]
    back_end: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.back[start], self.back_end[end - 1]


class SoundMatcher:
    """Built once from the watched words (with pypinyin); pickles with the rule set."""

    def __init__(self, terms: tuple[str, ...]):
        from pypinyin.pinyin_dict import pinyin_dict  # the table only: fast, and no phrase dictionary

        table = {chr(code): tuple(dict.fromkeys(_tone3(r) for r in value.split(",")))
                 for code, value in pinyin_dict.items() if _CJK.match(chr(code))}
        self.terms = tuple(t for t in dict.fromkeys(terms) if t and all(c in table for c in t))
        # Toneless readings of a term → the term (letters and digits carry no tone).
        self.by_sound: dict[tuple[str, ...], str] = {}
        toned: dict[str, set[str]] = {}
        for term in self.terms:
            # A watched character by its first (common) reading: 最 is zui4, not its archaic cuo1.
            self.by_sound.setdefault(tuple(_toneless(table[c][0]) for c in term), term)
            for c in term:
                toned[c] = {table[c][0]}
        # Every character reading like a watched character, with the same tone: its sound-alikes.
        wanted = {r for rs in toned.values() for r in rs}
        self.alike: dict[str, frozenset[str]] = {}  # sound-alike char → the watched chars it can stand for
        self.sound: dict[str, tuple[str, ...]] = {}  # char → toneless readings (watched chars and sound-alikes)
        for c, rs in table.items():
            # A sound-alike by its common (first) reading: 的 is de, not the di4 of 目的.
            hit = wanted.intersection(rs[:1])
            if hit:
                if c not in toned:
                    self.alike[c] = frozenset(w for w, wr in toned.items() if wr & hit)
                self.sound[c] = tuple(dict.fromkeys(_toneless(r) for r in rs))
        self.syllables = frozenset(_toneless(r) for rs in table.values() for r in rs)
        self.max_len = max(map(len, self.terms), default=0)
        self._trigger = re.compile("[" + "".join(sorted(self.alike)) + "]") if self.alike else None

    def rewrite(self, text: str, token_bounds) -> Rewrite | None:
        """`text` with watched words written by sound put back as the words, or None when there are none.
        `token_bounds(text)` gives the jieba token boundaries of the text as written."""
        if not self.terms or not (_MIXED.search(text) or (self._trigger and self._trigger.search(text))):
            return None
        units = self._units(text)
        out: list[tuple[int, int, str]] = []  # (start, end, replacement) in text
        bounds = None
        k = 0
        while k < len(units):
            found = None
            for n in range(min(self.max_len, len(units) - k), 1, -1):
                span = units[k:k + n]
                if any(span[j][1] != span[j + 1][0] for j in range(n - 1)):
                    continue  # units must touch: 最 好 across other characters is not a word
                term = self._term(span)
                if term is None:
                    continue
                written = "".join(text[u[0]:u[1]] for u in span)
                if written == term:
                    break  # the word as written: the matcher sees it anyway
                if not any(u[2] == "cjk" and text[u[0]] == c for u, c in zip(span, term)):
                    continue  # nothing of the word as written: zuihao alone, 醉豪 alone
                if all(u[2] == "cjk" for u in span):
                    # Sound-alike characters only: one substituted, on the line's own token boundaries.
                    subs = [j for j, (u, c) in enumerate(zip(span, term)) if text[u[0]] != c]
                    if len(subs) != 1 or term[subs[0]] not in self.alike.get(text[span[subs[0]][0]], ()):
                        continue
                    if bounds is None:
                        bounds = token_bounds(text)
                    if span[0][0] not in bounds or span[-1][1] not in bounds:
                        continue
                found = (n, term)
                break
            if found:
                n, term = found
                for (a, b, *_), c in zip(units[k:k + n], term):
                    if text[a:b] != c:
                        out.append((a, b, c))
                k += n
            else:
                k += 1
        if not out:
            return None
        parts, back, back_end = [], [], []
        last = 0
        for a, b, c in out:
            parts.append(text[last:a])
            back.extend(range(last, a))
            back_end.extend(range(last + 1, a + 1))
            parts.append(c)
            back.append(a)
            back_end.append(b)
            last = b
        parts.append(text[last:])
        back.extend(range(last, len(text)))
        back_end.extend(range(last + 1, len(text) + 1))
        return Rewrite("".join(parts), back, back_end)

    def _term(self, span) -> str | None:
        for key in _product([sorted(u[3]) for u in span]):
            term = self.by_sound.get(key)
            if term is not None:
                return term
        return None

    def _units(self, text: str) -> list[tuple[int, int, str, tuple[str, ...]]]:
        """(start, end, kind, readings) of each sound unit: a watched or sound-alike character, a pinyin
        syllable of a letter run touching Chinese, a lone digit touching Chinese."""
        units = []
        i, size = 0, len(text)
        while i < size:
            c = text[i]
            if c in self.sound:
                units.append((i, i + 1, "cjk", tuple(self.sound[c])))
                i += 1
            elif c.isascii() and c.isalpha():
                j = i
                while j < size and text[j].isascii() and text[j].isalpha():
                    j += 1
                touches = (i > 0 and _CJK.match(text[i - 1])) or (j < size and _CJK.match(text[j]))
                split = self._split(text[i:j]) if touches and j - i <= 3 * MAX_SYLLABLE else None
                if split:
                    pos = i
                    for syl in split:
                        units.append((pos, pos + len(syl), "pinyin", (syl,)))
                        pos += len(syl)
                i = j
            elif c in DIGITS and not (i > 0 and text[i - 1].isdigit()) and not (i + 1 < size and text[i + 1].isdigit()):
                if (i > 0 and _CJK.match(text[i - 1])) or (i + 1 < size and _CJK.match(text[i + 1])):
                    units.append((i, i + 1, "digit", DIGITS[c]))
                i += 1
            else:
                i += 1
        return units

    def _split(self, letters: str) -> list[str] | None:
        """A letter run as pinyin syllables (longest first, backtracking), or None."""
        if not letters:
            return []
        for n in range(min(MAX_SYLLABLE, len(letters)), 0, -1):
            head = letters[:n]
            if head in self.syllables:
                rest = self._split(letters[n:])
                if rest is not None:
                    return [head, *rest]
        return None


_TONE_MARKS = {"\u0304": "1", "\u0301": "2", "\u030c": "3", "\u0300": "4"}


def _tone3(reading: str) -> str:
    """zuì → zui4, lǜ → lv4, ma → ma5: pypinyin's table writes tones as diacritics."""
    import unicodedata

    base, tone = [], "5"
    for ch in unicodedata.normalize("NFD", reading):
        if ch in _TONE_MARKS:
            tone = _TONE_MARKS[ch]
        elif ch == "\u0308":
            base[-1:] = ["v"]
        elif ch.isascii():
            base.append(ch)
    return "".join(base) + tone


def _toneless(reading: str) -> str:
    return reading.rstrip("012345")


def _product(choices: list[list[str]]):
    out = [()]
    for options in choices:
        out = [(*prefix, o) for prefix in out for o in options]
        if len(out) > 64:
            out = out[:64]
    return out
