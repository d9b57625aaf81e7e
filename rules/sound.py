"""Substitutes compared by sound: a banned word respelled in pinyin or letters (zui好, 第yi, bao过, k光), with
a digit (唯1, 第1名) or with a sound-alike character of the same tone (醉好 for 最好).

The words watched are the lexicon `sound_terms` (rules/lexicons/sound_terms.txt). When the rule set
is built, pypinyin gives each of their characters its readings, and every character that shares a
reading; that table is kept with the compiled rule set, so checking a text never imports pypinyin.
A line is rewritten only where a run of sound units — a Chinese character, a pinyin syllable of
letters, a lone digit — reads as a watched word, mixes the written word with a substitute, and (for
a sound-alike character) starts and ends on the line's own jieba token boundaries (喝醉好难受 is
喝醉 / 好 / 难受, not 最好). The matcher then judges the word as meant, and `back` maps positions in
the rewritten line to the line as written, so a finding shows "zui好" and not "最好".
Every other word the rules are built from (their terms and their lexicons' words, `spelled`) is watched
in one way only: part of it written as pinyin syllables and the rest as written (zhi疗 for 治疗, 转yun
for 转运). Sound-alike characters and lone initials stand only for `sound_terms`, where each was tried.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

DIGITS = {"0": ("ling",), "1": ("yi", "yao"), "2": ("er", "liang"), "3": ("san",), "4": ("si",), "5": ("wu",),
          "6": ("liu",), "7": ("qi",), "8": ("ba",), "9": ("jiu",)}
DIGIT_CHARS = {"0": "零", "1": "一", "2": "二", "3": "三", "4": "四", "5": "五", "6": "六", "7": "七", "8": "八", "9": "九"}
_CJK = re.compile("[\u4e00-\u9fff]")
MAX_SYLLABLE = 6
SPLIT_CACHE = 4096  # letter runs remembered (_split)
_ALNUM = re.compile("[a-z]+|[0-9]+")
_LETTER_OR_LONE = re.compile("[a-z]|(?<![0-9.])[0-9](?![0-9.])")
A_LETTER = re.compile("[a-z]")  # a line without letters has no word part-written in pinyin
# A letter run that touches Chinese on either side (zhi疗, 转yun), from the run's start only.
_LETTERS_BY_CJK = re.compile("(?<![a-z])[a-z]+(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])[a-z]+")


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

    def __init__(self, terms: tuple[str, ...], spelled: tuple[str, ...] = ()):
        from pypinyin.pinyin_dict import pinyin_dict  # the table only: fast, and no phrase dictionary

        table = {chr(code): tuple(dict.fromkeys(_tone3(r) for r in value.split(",")))
                 for code, value in pinyin_dict.items() if _CJK.match(chr(code))}
        self.terms = tuple(t for t in dict.fromkeys(terms) if t and all(c in table for c in t))
        self._spell(spelled, table)
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
        # A lone consonant letter for a watched character by its initial (k光 for 开光): the letter → the watched
        # characters' readings that start with it. A letter that is a syllable itself (a, e, o, n) is read as one.
        initials: dict[str, set[str]] = {}
        for c in toned:
            reading = _toneless(table[c][0])
            if reading[0] not in self.syllables:
                initials.setdefault(reading[0], set()).add(reading)
        self.initials = {k: tuple(sorted(v)) for k, v in initials.items()}
        self.max_len = max([*map(len, self.terms), self.spelled_len], default=0)
        # Every watched word with one character replaced by a sound-alike (醉好 for 最好): a line without
        # letters or digits next to Chinese is scanned for these only, by one automaton.
        variants: dict[str, str] = {}
        for term in self.terms:
            for k, c in enumerate(term):
                for alt, meant in self.alike.items():
                    if c in meant:
                        variants.setdefault(term[:k] + alt + term[k + 1:], term)
        self.variants = variants
        # A letter or digit touching a character of a watched word (zui好, 唯1): two-character keys that
        # the matcher's own automaton looks for, so a line is looked at by sound only when one occurs.
        chars = sorted({c for t in self.terms for c in t})
        ascii_ = "abcdefghijklmnopqrstuvwxyz0123456789"
        self.touch_keys = tuple(k for c in chars for x in ascii_ for k in (c + x, x + c))
        self._keys = sorted(variants)
        self._automaton = None  # built on first use (ahocorasick-rs objects do not pickle)
        self._splits: dict[str, tuple[str, ...] | None] = {}  # letter run → its syllables (_split)

    def _spell(self, words: tuple[str, ...], table: dict[str, tuple[str, ...]]) -> None:
        """The words of the rules' own lexicons and terms (`spelled`), watched only when part of one is
        written in pinyin and the rest as written (zhi疗 for 治疗, 转yun for 转运). No sound-alike
        character and no lone initial stands for them: those are kept for `sound_terms`. Each word is
        kept under its readings (治疗: ("zhi", "liao")); a run of written characters and syllables reads
        as the word when its characters are the word's own (_spelled_term). Small: about two keys a word."""
        self.spelled: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.spelled_readings: dict[str, tuple[str, ...]] = {}  # a spelled word's character → its readings
        self.spelled_len = 0  # the longest spelled word
        for word in dict.fromkeys(words):
            if not 2 <= len(word) <= 4 or word in self.terms or not all(c in table for c in word):
                continue
            self.spelled_len = max(self.spelled_len, len(word))
            readings = []
            for c in word:
                r = self.spelled_readings.setdefault(c, tuple(dict.fromkeys(_toneless(x) for x in table[c])))
                readings.append(list(r))
            for key in _product(readings):
                self.spelled[key] = (*self.spelled.get(key, ()), word)

    def spelled_near(self, text: str) -> bool:
        """A pinyin-like letter run touches a character of a spelled word somewhere in `text`."""
        if not self.spelled or A_LETTER.search(text) is None:  # most lines: one quick scan in C
            return False
        chars = self.spelled_readings  # a spelled word's characters
        size = len(text)
        for m in _LETTERS_BY_CJK.finditer(text):  # only runs that touch Chinese, found in C
            a, b = m.span()
            if ((a and text[a - 1] in chars) or (b < size and text[b] in chars)) \
                    and b - a <= 3 * MAX_SYLLABLE and self._split(m.group()) is not None:
                return True
        return False

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_automaton"] = None
        state["_splits"] = {}
        return state

    def rewrite(self, text: str, token_bounds) -> Rewrite | None:
        """`text` with watched words written by sound put back as the words, or None when there are none.
        `token_bounds(text)` gives the jieba token boundaries of the text as written (asked only when a
        sound-alike character is found)."""
        if not self.terms:
            return None
        if self._automaton is None and self._keys:
            import ahocorasick_rs

            # Leftmost-longest: a longer watched word wins over its prefix (醉低价 is 最低价, not 最低 ending
            # inside the token 低价, which the boundary check would then drop).
            self._automaton = ahocorasick_rs.AhoCorasick(self._keys, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                                                         implementation=ahocorasick_rs.Implementation.DFA)
        # The common line: no sound-alike variant, and no letter or lone digit touching a watched
        # character (zui好, 唯1; not 2019年, iPhone手机): two scans in C and a look at a few runs.
        alike = self._automaton.find_matches_as_indexes(text) if self._automaton is not None else ()
        starts = self._touching(text)
        if not alike and not starts:
            return None
        bounds: list[set[int]] = []

        def line_bounds() -> set[int]:
            if not bounds:
                bounds.append(token_bounds(text))
            return bounds[0]

        out = self._alikes(text, alike, line_bounds) if alike else []
        # Letters and lone digits touching Chinese: read by sound around each place only.
        if starts:
            reach = 4 * MAX_SYLLABLE
            for w0, w1 in _merge((max(0, p - reach), min(len(text), p + reach + 2)) for p in starts):
                out.extend(self._mixed(text, w0, w1))
        return _apply(text, out)

    def touches(self, text: str) -> bool:
        """A letter or a lone digit touches a watched or sound-alike character somewhere in `text`."""
        return _LETTER_OR_LONE.search(text) is not None and bool(self._touching(text))

    def _touching(self, text: str) -> list[int]:
        """Starts of the letter runs and lone digits that touch a watched or sound-alike character."""
        out = []
        sound, spelled = self.sound, self.spelled_readings
        size = len(text)
        for m in _ALNUM.finditer(text):
            a, b = m.span()
            if m.group()[0].isdigit():
                if b - a > 1 or (a and text[a - 1] == ".") or (b < size and text[b] == "."):
                    continue  # a number (2019年, 3.5倍), not a digit standing for a character
            elif b - a > 3 * MAX_SYLLABLE or (self._split(m.group()) is None and m.group() not in self.initials):
                continue  # not pinyin: 邮件至service@…, iso9001
            if (a and (text[a - 1] in sound or text[a - 1] in spelled)) or \
                    (b < size and (text[b] in sound or text[b] in spelled)):
                out.append(a)
        return out

    def _mixed(self, text: str, w0: int, w1: int) -> list[tuple[int, int, str]]:
        """Replacements in text[w0:w1] for watched words written with letters or digits (zui好, 唯1)."""
        units = [(a + w0, b + w0, kind, r) for a, b, kind, r in self._units(text[w0:w1])]
        out: list[tuple[int, int, str]] = []  # (start, end, replacement) in text
        k = 0
        while k < len(units):
            found = None
            for n in range(min(self.max_len, len(units) - k), 1, -1):
                span = units[k:k + n]
                if any(span[j][1] != span[j + 1][0] for j in range(n - 1)):
                    continue  # units must touch: 最 好 across other characters is not a word
                if all(u[2] == "cjk" for u in span):
                    continue  # sound-alike characters only: the variants' automaton judges those
                term = self._term(span) or self._spelled_term(text, span)
                if term is None:
                    continue
                if not any(u[2] == "cjk" and text[u[0]] == c for u, c in zip(span, term)):
                    continue  # nothing of the word as written: zuihao alone
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
        return out

    def _alikes(self, text: str, found, line_bounds) -> list[tuple[int, int, str]]:
        """Replacements for watched words with one sound-alike character (醉好), found by one automaton
        over every such variant, kept where they sit on the line's own token boundaries."""
        out = []
        for n, a, b in found:
            bounds = line_bounds()
            if a in bounds and b in bounds:
                term = self.variants[self._keys[n]]
                out.extend((a + k, a + k + 1, c) for k, c in enumerate(term) if text[a + k] != c)
        return out

    def _spelled_term(self, text: str, span) -> str | None:
        """The spelled word that `span` writes: its characters as written, its pinyin syllables read."""
        if any(u[2] not in ("cjk", "pinyin") for u in span):
            return None
        options = [list(self.spelled_readings.get(text[u[0]], ())) if u[2] == "cjk" else [u[3][0]] for u in span]
        for key in _product(options):
            for word in self.spelled.get(key, ()):
                if all(u[2] != "cjk" or text[u[0]] == c for u, c in zip(span, word)):
                    return word
        return None

    def _term(self, span) -> str | None:
        for key in _product([sorted(u[3]) for u in span]):
            term = self.by_sound.get(key)
            if term is not None:
                return term
        return None

    def _units(self, text: str) -> list[tuple[int, int, str, tuple[str, ...]]]:
        """(start, end, kind, readings) of each sound unit: a watched or sound-alike character, a pinyin
        syllable of a letter run touching Chinese, a lone consonant letter touching Chinese (read as the
        initial of a watched character), a lone digit touching Chinese."""
        units = []
        i, size = 0, len(text)
        while i < size:
            c = text[i]
            if c in self.sound or c in self.spelled_readings:
                units.append((i, i + 1, "cjk", tuple(self.sound.get(c, ()))))
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
                elif touches and text[i:j] in self.initials:
                    units.append((i, j, "initial", self.initials[text[i:j]]))
                i = j
            elif c in DIGITS and not (i > 0 and text[i - 1].isdigit()) and not (i + 1 < size and text[i + 1].isdigit()):
                if (i > 0 and _CJK.match(text[i - 1])) or (i + 1 < size and _CJK.match(text[i + 1])):
                    units.append((i, i + 1, "digit", DIGITS[c]))
                i += 1
            else:
                i += 1
        return units

    def _split(self, letters: str) -> tuple[str, ...] | None:
        """A letter run as pinyin syllables (longest first, backtracking), or None; remembered per run, as
        pages repeat their letter runs (app, www, iphone)."""
        try:
            return self._splits[letters]
        except KeyError:
            pass
        out = self._split_run(letters)
        if len(self._splits) >= SPLIT_CACHE:
            self._splits.clear()
        self._splits[letters] = out
        return out

    def _split_run(self, letters: str) -> tuple[str, ...] | None:
        if not letters:
            return ()
        for n in range(min(MAX_SYLLABLE, len(letters)), 0, -1):
            head = letters[:n]
            if head in self.syllables:
                rest = self._split_run(letters[n:])
                if rest is not None:
                    return (head, *rest)
        return None


def _merge(spans):
    """Overlapping [a, b) spans merged, in order."""
    out: list[list[int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [tuple(x) for x in out]


def _apply(text: str, out: list[tuple[int, int, str]]) -> Rewrite | None:
    """`text` with the replacements (start, end, character) made, and its map back."""
    if not out:
        return None
    parts, back, back_end = [], [], []
    last = 0
    for a, b, c in sorted(set(out)):
        if a < last:
            continue  # overlapping variants: the first one wins
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
