"""Finding rule hits in normalised text: Aho-Corasick candidates, jieba confirmation, context rules.

1. Candidates: one ahocorasick-rs automaton over every term (normalised like the text), plus each rule's
   regular expressions on the normalised text (NO.1, TOP1, 100%, N天见效…).
2. Exceptions: a rule exception or a site `allow` phrase that covers the hit drops it.
3. Confirmation: jieba tokenises the sentence around the candidate only (never the whole page);
   the hit must start and end on token boundaries, so 最近 is not 最 and 确保本次 is not 保本.
   Terms of four characters or more are unambiguous and skip this unless the rule says otherwise.
4. Context: previous/next token, words in the sentence, negation (不保本), goal or attitude
   statements (致力于成为…), self-comparison (比上一代) — skip the hit or report it at info
   (the word lists are in exemptions.py), a FAQ question its answer denies; a term that is
   part of a name (names.py) never counts. Verdicts are cached per sentence (and answer).
5. Overlaps: earliest first, then longest, then most severe.
"""
from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

import ahocorasick_rs

from .described import described
from .exemptions import (CLAUSE_RE, answer_apart, asked, asserted, believed, faq_denied, goal, headline_question, last_match, negated,
                         penalised, quoted_warning, reported, self_compare, sourced)
from .names import address, award_title, firm_name, person_name, quoted_landmark, trademark, work_title
from .literals import merge_spans, pattern_reach, required_literals
from .model import Severity
from .normalize import BOUNDARY, normalize, normalize_term
from .rule import Rule
from .lexicon import lexicon, lexicon_words
from .segment import Segmenter
from .sound import A_LETTER, SoundMatcher

SENTENCE_END = re.compile("[。!?;！？；\n\u2029" + BOUNDARY + "]")
_UNKNOWN = object()
SOUND = -1  # the trigger index of a sound-alike variant of a watched word (not a pattern)
DFA_AFTER = 200_000  # characters scanned before the automaton is rebuilt as a DFA
LINE_CACHE = 5_000  # lines whose hits are kept: a site's boilerplate is a few hundred lines (20,000 cost 18 MB at 10,000 dense pages)
MAX_SENTENCE = 80  # chars either side of a hit that context words are looked for in
# jieba sees the hit plus this many chars either side, within its clause: a word that crosses
# the hit's edges is always inside, and the cost per hit stays small and bounded.
TOKEN_WINDOW = 10

REASONS = {
    "goal": ("目标、态度或建议表述，通常不视为绝对化用语", "a goal, attitude or advice, usually not an absolute claim"),
    "negation": ("否定或禁止语境", "negated or prohibited in context"),
    "self_compare": ("与自身产品比较", "compares the firm's own products"),
    "belief": ("属于对传说、习俗或寓意的介绍，而非功效承诺", "describes a legend, custom or symbol, not a promised effect"),
    "sourced": ("数据或排名注明了具体来源机构或报告，属转述事实", "a figure or ranking attributed to a named source"),
    "warning_article": ("整页为提醒、揭秘或警示类文章，所引用的说法属于被警示的内容",
                        "the page is a warning article: the phrase is quoted as what it warns against"),
    "news_report": ("整页为新闻报道，所述说法属于被报道的内容", "the page is a news report: the phrase is what it reports"),
    "term_list": ("连续列举多个违禁用语，属术语列举而非宣传", "a list of banned terms: the law's vocabulary, not a claim"),
    "page_topic": ("整页为旅游指南或介绍类内容，未见引流、注册或投注字样",
                   "the page describes the topic (a guidebook), with no call to register, bet or download"),
    "discussed": ("该词在整页反复出现，是页面讨论的话题，本句未把它说成所售商品或服务的功效或承诺",
                  "the words recur over the page as its subject; this sentence does not assert them of what is sold"),
    "topic": ("该词作为话题被讨论、解释或限定，未见对所售商品或服务的功效承诺",
              "the word is discussed, explained or qualified as a topic, not asserted of what is sold"),
    "described": ("描述的是地点、自然景物、类别或官方等级，或转述传闻，而非广告主自己的商品",
                  "describes a place, nature, a class or an official grade, or reports hearsay, not the advertiser's goods"),
    "disclosure": ("已标明注册证号或注明日期与来源，属信息披露，请保留依据",
                   "stated with its registration or a dated, sourced figure: a disclosure; keep the evidence"),
}


@dataclass(frozen=True)
class Hit:
    """A reported hit in normalised coordinates [start, end)."""

    start: int
    end: int
    rule: Rule
    severity: Severity
    reason: str = ""  # key of REASONS when an exception lowered the severity


def _is_word_char(c: str) -> bool:
    return c.isascii() and c.isalnum()


class Matcher:
    """Compiled rules; `find(normalised_text)` returns the hits that count."""

    # Characters scanned before the automaton becomes a DFA; None keeps the NFA. With the sound-alike
    # keys the DFA takes ~70 MB and ~140 ms to build, so a long crawl, whose text is mostly checked
    # once per distinct block, keeps the NFA (crawler/phrases.py).
    dfa_after: int | None = DFA_AFTER

    def __init__(self, rules: Iterable[Rule], allow: Iterable[str] = (), sound: bool = True):
        self.rules = list(rules)
        self.allow = tuple(t for t in (normalize_term(a) for a in allow) if t)
        table: dict[str, list[int]] = {}
        triggers: dict[str, list[int]] = {}
        words: set[str] = set()
        for i, rule in enumerate(self.rules):
            for term in rule.terms:
                key = normalize_term(term)
                if key:
                    table.setdefault(key, []).append(i)
                    if not key.isascii():
                        words.add(key)
        self._pattern_src = [(i, p) for i, r in enumerate(self.rules) for p in r.patterns]
        self._always: list[int] = []  # patterns without a literal to wait for: run on every text
        self._reach = [pattern_reach(src) for _i, src in self._pattern_src]
        for k, (_i, src) in enumerate(self._pattern_src):
            lits = required_literals(src)
            if lits:
                for lit in lits:
                    triggers.setdefault(lit, []).append(k)
            else:
                self._always.append(k)
        # One automaton (ahocorasick-rs, Rust: overlapping matches, character offsets) over the
        # terms and the patterns' trigger literals. It starts as the quick-to-build NFA; once a
        # run has scanned DFA_AFTER characters it becomes a DFA (~25 ms to build, scans ~1.7x faster).
        # Banned words written by sound (zui好, 第yi, 唯1, 醉好): rules/sound.py, rules/lexicons/sound_terms.txt.
        # Their sound-alike variants (醉好) and a letter or digit touching one of their characters (zui好,
        # 唯1) ride in the same automaton, marked by trigger SOUND: the common line pays for no second scan.
        # Any other word the rules are built from (their terms, their lexicons' words) is watched when part
        # of it is written in pinyin (zhi疗, 转yun): SoundMatcher.spelled_near asks only of lines with letters.
        spelled = (*sorted(words), *lexicon_words())
        self.sound = SoundMatcher(lexicon("sound_terms").words, spelled) if sound else None
        for key in (self.sound.variants.keys() | set(self.sound.touch_keys) if self.sound else ()):
            triggers.setdefault(key, []).append(SOUND)
        self._keys = sorted(table.keys() | triggers.keys())
        # Per key: (rules whose term it is, patterns it triggers, whether an ASCII letter or digit
        # next to its start / end makes it part of a longer word, e.g. "top1" in "top10").
        self._values = [(tuple(table.get(key, ())), tuple(triggers.get(key, ())),
                         _is_word_char(key[0]), _is_word_char(key[-1])) for key in self._keys]
        self._automaton = None  # built on first use (and again after unpickling)
        self._scanned = 0
        self._verdicts: dict[tuple, tuple[Severity, str] | None] = {}
        self._lines: dict[str, list[tuple[Hit, int, int]]] = {}
        self._patterns: dict[int, re.Pattern] | None = None  # compiled on first use
        self._exceptions = [tuple(normalize_term(e) for e in r.exceptions) for r in self.rules]
        # Only an exception that contains the matched term can cover it: look those up per term.
        self._exc_by_term = {(i, key): tuple(e for e in self._exceptions[i] if key in e)
                             for key, idx in table.items() for i in idx}
        # context.distinct: the rule's terms, to count how many different ones a sentence holds.
        self._distinct = {r.id: tuple(sorted({normalize_term(t) for t in r.terms} - {""}
                                             | {w for w in r.context.distinct_words if not _is_regex_word(w)}))
                          for r in self.rules if r.context.distinct}
        self.segmenter = Segmenter(words)
        self._sounded = False  # the last scan met a sound-alike variant

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_patterns"] = None  # compiled again on first use after unpickling
        state["_automaton"] = None  # the Rust automaton does not pickle; it is rebuilt in milliseconds
        state["_scanned"] = 0
        state["_verdicts"] = {}
        state["_lines"] = {}
        return state

    def _compiled(self, k: int) -> re.Pattern:
        """Pattern k, compiled the first time a text needs it (most runs need few)."""
        if self._patterns is None:
            self._patterns = {}
        pattern = self._patterns.get(k)
        if pattern is None:
            pattern = self._patterns[k] = re.compile(self._pattern_src[k][1])
        return pattern

    # -- candidates -------------------------------------------------------------------------
    def candidates(self, text: str) -> list[tuple[int, int, int, bool]]:
        """(start, end, rule index, is_term) of every term and pattern occurrence in normalised `text`."""
        out: list[tuple[int, int, int, bool]] = []
        run: dict[int, list[int]] = defaultdict(list)  # pattern → end positions of its trigger literals
        size = len(text)
        if self._keys:
            values = self._values
            for n, start, end in self._scan(text):
                idx, trig, word_start, word_end = values[n]
                for k in trig:
                    run[k].append(end - 1)
                if not idx:
                    continue
                if word_start and start > 0 and _is_word_char(text[start - 1]):
                    continue
                if word_end and end < size and _is_word_char(text[end]):
                    continue
                out.extend((start, end, i, True) for i in idx)
        self._sounded = run.pop(SOUND, None) is not None
        if run or self._always:
            for k in self._always:
                i = self._pattern_src[k][0]
                out.extend((m.start(), m.end(), i, False) for m in self._compiled(k).finditer(text)
                           if m.end() > m.start())
            for k, ends in run.items():
                # A pattern is sentence-sized: look only around its trigger literals, as far as
                # its longest match reaches (or, when the windows would cover much of the text,
                # over all of it: one scan in C beats many small ones).
                i = self._pattern_src[k][0]
                last = -1
                reach = self._reach[k]
                if len(ends) == 1:
                    spans = ((max(0, ends[0] - reach), ends[0] + reach),)
                elif len(ends) * reach > size:
                    spans = ((0, size),)
                else:
                    spans = merge_spans((max(0, e - reach), e + reach) for e in sorted(ends))
                for w0, w1 in spans:
                    for m in self._compiled(k).finditer(text, w0, min(w1, len(text))):
                        if m.end() > m.start() and m.start() >= last:
                            out.append((m.start(), m.end(), i, False))
                            last = m.end()
        return out

    def _scan(self, text: str) -> list[tuple[int, int, int]]:
        """(key index, start, end) of every occurrence of every key in `text`, overlapping ones too."""
        after = self.dfa_after
        if self._automaton is None or (after is not None and self._scanned < after <= self._scanned + len(text)):
            dfa = after is not None and self._scanned + len(text) >= after
            self._automaton = ahocorasick_rs.AhoCorasick(
                self._keys, implementation=ahocorasick_rs.Implementation.DFA if dfa else None)
        self._scanned += len(text)
        return self._automaton.find_matches_as_indexes(text, overlapping=True)

    # -- the pipeline -------------------------------------------------------------------------
    def find(self, text: str, resolve: bool = True, answer: str = "") -> list[Hit]:
        """Hits that count in normalised `text`; `resolve=False` keeps overlapping hits (rule examples).
        `answer` (normalised) is what follows the text when it ends in a question: the next line or block."""
        cands = self.candidates(text)
        if not cands:
            return []
        doc = _Doc(text, self.segmenter, answer)
        hits = []
        verdicts = self._verdicts
        limit = self.segmenter.cache_size  # 0: no caching at all (the benchmark's cold run)
        headline = headline_question(text)   # the line is a short headline that asks: read once per line
        for start, end, i, is_term in cands:
            s0, s1 = doc.sentence(start, end)
            # The verdict depends only on the sentence and where the hit is in it; pages repeat
            # headers, footers and boilerplate, so most verdicts are known already.
            # A question is judged with its answer (问：能保证通过吗？答：不能…).
            answer = doc.answer(s1)
            # …and so is a short headline that asks with no mark (红木家具哪里最出名).
            question = (s1 < len(text) and text[s1] in "?？") or (s0 == 0 and headline)
            key = (text[s0:s1], start - s0, end - s0, i, is_term, answer, question)
            verdict = verdicts.get(key, _UNKNOWN)
            if verdict is _UNKNOWN:
                exceptions = self._exc_by_term[(i, text[start:end])] if is_term else self._exceptions[i]
                verdict = self._judge(doc, s0, s1, start, end, self.rules[i], exceptions, is_term, answer, question)
                if limit:
                    if len(verdicts) >= limit:
                        verdicts.clear()
                    verdicts[key] = verdict
            if verdict is not None:
                hits.append(Hit(start, end, self.rules[i], *verdict))
        return resolve_overlaps(hits) if resolve else hits

    def find_line(self, line: str, answer: str = "") -> list[tuple[Hit, int, int]]:
        """(hit, start, end) in one line of original text, positions in the line; cached by the
        line, as pages repeat their headers, footers and boilerplate line for line.

        A line break ends a sentence, so nothing the matcher looks at crosses one: a line's hits
        do not depend on the lines around it, but for the answer to a question that ends the line
        (`answer`: the next line, or the next block of the page).
        """
        key: Any = (line, answer) if answer else line
        found = self._lines.get(key)
        if found is None:
            norm = normalize(line)
            reply = normalize(answer).text if answer else ""
            hits = self.find(norm.text, answer=reply)
            meant = None
            if self.sound is not None and (self._sounded or (A_LETTER.search(norm.text) is not None
                                                             and self.sound.spelled_near(norm.text))):
                meant = self.sound.rewrite(norm.text, self._token_bounds)
            if meant is None:
                found = [(h, *norm.orig_span(h.start, h.end)) for h in hits]
            else:  # judged as meant, shown as written: "zui好"
                found = [(h, *norm.orig_span(*meant.span(h.start, h.end)))
                         for h in self.find(meant.text, answer=reply)]
            if self.segmenter.cache_size:  # 0: no caching at all (the benchmark's cold run)
                if len(self._lines) >= LINE_CACHE:
                    self._lines.clear()
                self._lines[key] = found
        return found

    def as_meant(self, text: str) -> str:
        """Normalised `text` with banned words written by sound put back as the words (rules/sound.py)."""
        meant = self.sound.rewrite(text, self._token_bounds) if self.sound else None
        return text if meant is None else meant.text

    def _token_bounds(self, text: str) -> set[int]:
        pos, bounds = 0, {0}
        for tok in self.segmenter.tokens(text):
            pos += len(tok)
            bounds.add(pos)
        return bounds

    def clear_caches(self) -> None:
        """Forget cached lines, verdicts and tokens (for cold-start measurements)."""
        self._lines.clear()
        self._verdicts.clear()
        self.segmenter.clear_cache()

    def _judge(self, doc: "_Doc", s0: int, s1: int, start: int, end: int, rule: Rule,
               exceptions: tuple[str, ...], is_term: bool = True, answer: str = "",
               question: bool = False) -> tuple[Severity, str] | None:
        """(severity, reason) of the candidate [start, end) in the sentence [s0, s1), or None."""
        sentence = doc.text[s0:s1]
        rel0, rel1 = start - s0, end - s0
        if (exceptions and _covered(sentence, rel0, rel1, exceptions)) or (
                self.allow and _covered(sentence, rel0, rel1, self.allow)):
            return None
        for src in rule.exception_patterns:
            if any(m.start() <= rel0 and m.end() >= rel1 for m in _regex(src).finditer(sentence)):
                return None
        # A name is not a claim: 技术总监李唯一, “天下第一关”景区, 首创大厦12层, 《最强大脑》. A casino's game in a
        # title is still the casino's (《PG麻将胡了》): injected spam is not a work.
        if (person_name(sentence, rel0, rel1) or quoted_landmark(sentence, rel0, rel1) or address(sentence, rel0, rel1)
                or (rule.category != "prohibited" and work_title(sentence, rel0, rel1))):
            return None
        # An award's name is reported, not claimed (荣获“2023年度最受欢迎酒店”奖); 驰名商标 stays banned.
        # …nor is a registered firm's name or trademark (广州顶尖数码科技有限公司, “极品”是本公司的注册商标).
        if rule.category == "absolute" and (award_title(sentence, rel0, rel1) or firm_name(sentence, rel0, rel1)
                                            or trademark(sentence, rel0, rel1)):
            return None
        ctx = rule.context
        # Regular expressions say exactly what they match; terms are confirmed on token boundaries.
        confirm = is_term and (rule.confirm if rule.confirm is not None else (end - start) < 4)
        need_tokens = confirm or ctx.prev or ctx.next or ctx.prev_not or ctx.next_not
        if need_tokens:
            w0, w1 = _window(sentence, rel0, rel1)
            bounds = doc.token_bounds(s0 + w0, s0 + w1)
            if confirm and (rel0 - w0 not in bounds or rel1 - w0 not in bounds):
                return None
            prev_tok, next_tok = _neighbours(sentence[w0:w1], bounds, rel0 - w0, rel1 - w0)
            if ctx.prev and not _token_in(prev_tok, ctx.prev):
                return None
            if ctx.next and not _token_in(next_tok, ctx.next):
                return None
            if prev_tok and _token_in(prev_tok, ctx.prev_not):
                return None
            if next_tok and _token_in(next_tok, ctx.next_not):
                return None
        if ctx.sentence and not any(_contains(sentence, w) for w in ctx.sentence):
            return None
        if ctx.sentence_not and any(_contains(sentence, w) for w in ctx.sentence_not):
            return None
        if ctx.distinct > 1 and _distinct(sentence, self._distinct.get(rule.id, ())) < ctx.distinct:
            return None
        severity, reason = rule.severity, ""
        for key, words_found in (("negation", lambda: negated(sentence, rel0, rel1) or quoted_warning(sentence, rel0, rel1)
                                              or reported(sentence, rel0, rel1, named=rule.category != "prohibited")
                                              or faq_denied(sentence, answer)
                                              or (question and asked(sentence, answer)) or penalised(sentence)),
                                 ("goal", lambda: goal(sentence, rel0, rel1)),
                                 ("self_compare", lambda: self_compare(sentence, rel0, rel1)),
                                 ("sourced", lambda: sourced(sentence)),
                                 ("belief", lambda: believed(sentence, rel0, rel1)),
                                 ("described", lambda: described(sentence, rel0, rel1))):
            outcome = getattr(ctx, key)
            if outcome == "ignore" or not words_found():
                continue
            if outcome == "skip":
                return None
            severity, reason = Severity.INFO, key
        if ctx.disclosure and severity.rank > Severity.INFO.rank and _disclosed(sentence, ctx.disclosure):
            severity, reason = Severity.INFO, "disclosure"
        if ctx.topic and is_term and severity.rank > Severity.INFO.rank and _topic_only(sentence, rel0, rel1, ctx.topic):
            severity, reason = Severity.INFO, "topic"
        return severity, reason


class _Doc:
    """One normalised text with lazily computed sentence boundaries and per-sentence tokens."""

    def __init__(self, text: str, segmenter: Segmenter, after: str = ""):
        self.text = text
        self._after = after   # what follows the text (the next line or block): a question's answer
        self._segmenter = segmenter
        self._tokens: dict[tuple[int, int], set[int]] = {}
        self._ends: list[int] | None = None  # positions of the sentence-ending characters

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        """The sentence around [start, end), at most MAX_SENTENCE chars either side."""
        ends = self._ends
        if ends is None:
            ends = self._ends = [m.start() for m in SENTENCE_END.finditer(self.text)]
        k = bisect.bisect_left(ends, start)
        s0 = ends[k - 1] + 1 if k and ends[k - 1] >= start - MAX_SENTENCE else max(0, start - MAX_SENTENCE)
        k = bisect.bisect_left(ends, end, k)
        s1 = ends[k] if k < len(ends) and ends[k] < end + MAX_SENTENCE else min(len(self.text), end + MAX_SENTENCE)
        return s0, s1

    def answer(self, s1: int) -> str:
        """The sentence after a question mark at s1 (the answer to a FAQ question), else "". An answer in
        the next element of the page or on the next line is set apart by the layout, as 答： sets it apart."""
        text = self.text
        if s1 >= len(text) or text[s1] not in "?？":
            return ""
        apart = text.startswith(BOUNDARY, s1 + 1)   # the answer is the next element (<dt>/<dd>, <h3>/<p>)
        if apart:
            s1 += 1
        elif self._after and not text[s1 + 1:].strip():   # or the next line
            text, s1, apart = self._after, -1, True
        m = SENTENCE_END.search(text, s1 + 1, s1 + 1 + MAX_SENTENCE)
        said = text[s1 + 1:m.start() if m else min(len(text), s1 + 1 + MAX_SENTENCE)]
        return answer_apart(said) if apart and said.strip() else said

    def token_bounds(self, s0: int, s1: int) -> set[int]:
        """Token boundaries (relative to s0) of the sentence [s0, s1)."""
        key = (s0, s1)
        if key not in self._tokens:
            pos, bounds = 0, {0}
            for tok in self._segmenter.tokens(self.text[s0:s1]):
                pos += len(tok)
                bounds.add(pos)
            self._tokens[key] = bounds
        return self._tokens[key]


@lru_cache(maxsize=None)
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _contains(sentence: str, word: str) -> bool:
    """`word` is in `sentence`; a word written /like this/ is a regular expression."""
    if len(word) > 2 and word[0] == "/" and word[-1] == "/":
        return _regex(word[1:-1]).search(sentence) is not None
    return word in sentence


def _distinct(sentence: str, terms: tuple[str, ...]) -> int:
    """How many different `terms` occur in `sentence` (a term inside a longer one found counts once)."""
    found = [t for t in terms if t in sentence and (not t.isascii() or _ascii_word_in(sentence, t))]
    return sum(1 for t in found if not any(t != u and t in u for u in found))


def _is_regex_word(word: str) -> bool:
    return len(word) > 2 and word[0] == "/" and word[-1] == "/"


def _ascii_word_in(sentence: str, word: str) -> bool:
    """An ASCII term as a word of its own ("bet" is not in "better")."""
    return _regex(r"(?<![a-z0-9])" + re.escape(word) + r"(?![a-z0-9])").search(sentence) is not None


def _topic_only(sentence: str, start: int, end: int, topic: tuple[str, ...]) -> bool:
    """The hit is one of the rule's topic words and the sentence does not assert it of what is sold."""
    return sentence[start:end] in topic and not asserted(sentence, start, end)


def _disclosed(sentence: str, words: tuple[str, ...]) -> bool:
    """The sentence states the claim with its registration or source (one of `words`)."""
    return any(_contains(sentence, w) for w in words)


def _token_in(token: str, words: tuple[str, ...]) -> bool:
    """`token` is one of `words`; a word written /like this/ is a regular expression searched in it."""
    if token in words:
        return True
    return any(len(w) > 2 and w[0] == "/" and w[-1] == "/" and _regex(w[1:-1]).search(token) for w in words)


def _covered(sentence: str, start: int, end: int, phrases: tuple[str, ...]) -> bool:
    """True when an occurrence of one of `phrases` in `sentence` spans [start, end)."""
    regex = _alternation(phrases)
    reach = _longest(phrases)
    # Overlapping occurrences: try every start position a covering phrase could have.
    for a in range(max(0, end - reach), start + 1):
        m = regex.match(sentence, a)
        if m and m.end() >= end:
            return True
    return False


@lru_cache(maxsize=4096)
def _alternation(phrases: tuple[str, ...]) -> re.Pattern:
    """One regex for a set of phrases, longest first (so the longest phrase at a position wins)."""
    return re.compile("|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)))


@lru_cache(maxsize=4096)
def _longest(phrases: tuple[str, ...]) -> int:
    return max(map(len, phrases))


def _window(sentence: str, start: int, end: int) -> tuple[int, int]:
    """[w0, w1) around the hit [start, end) that jieba segments: the clause, at most TOKEN_WINDOW either side."""
    w0, w1 = max(0, start - TOKEN_WINDOW), min(len(sentence), end + TOKEN_WINDOW)
    w0 = max(w0, last_match(CLAUSE_RE, sentence, w0, start) + 1)
    m = CLAUSE_RE.search(sentence, end, w1)
    return w0, (m.start() if m else w1)


def _neighbours(sentence: str, bounds: set[int], start: int, end: int) -> tuple[str, str]:
    """The tokens right before `start` and right after `end` ("" at the sentence edge)."""
    ordered = sorted(bounds)
    k = bisect.bisect_left(ordered, start)
    prev = sentence[ordered[k - 1]:start] if k and ordered[k - 1] < start else ""
    k = bisect.bisect_right(ordered, end)
    nxt = sentence[end:ordered[k]] if k < len(ordered) else sentence[end:]
    return prev, nxt


def resolve_overlaps(hits: list[Hit]) -> list[Hit]:
    """Keep non-overlapping hits: earliest first, then longest, then most severe. Hits that count (warning,
    error) are placed first, so a hit lowered to info never hides an overlapping claim (免疫调节 | 增强肠道屏障)."""
    hits.sort(key=lambda h: (h.start, -(h.end - h.start), -h.severity.rank, h.rule.id))
    info = Severity.INFO
    if len(hits) < 2 or all(h.severity is not info for h in hits):
        return _non_overlapping(hits)
    counted = _non_overlapping([h for h in hits if h.severity is not info])
    starts = [h.start for h in counted]  # sorted, non-overlapping: a bisect finds the neighbours
    rest = []
    for h in hits:
        if h.severity is not info:
            continue
        k = bisect.bisect_left(starts, h.end)  # counted hits starting before this one ends
        if k and counted[k - 1].end > h.start:
            continue
        rest.append(h)
    return sorted(counted + _non_overlapping(rest), key=lambda h: h.start)


def _non_overlapping(hits: list[Hit]) -> list[Hit]:
    kept: list[Hit] = []
    last_end = -1
    for h in hits:
        if h.start >= last_end:
            kept.append(h)
            last_end = h.end
    return kept
