"""Finding rule hits in normalised text: Aho-Corasick candidates, jieba confirmation, context rules.

1. Candidates: one automaton over every term (normalised like the text), plus each rule's
   regular expressions on the normalised text (NO.1, TOP1, 100%, N天见效…).
2. Exceptions: a rule exception or a site `allow` phrase that covers the hit drops it.
3. Confirmation: jieba tokenises the sentence around the candidate only (never the whole page);
   the hit must start and end on token boundaries, so 最近 is not 最 and 确保本次 is not 保本.
   Terms of four characters or more are unambiguous and skip this unless the rule says otherwise.
4. Context: previous/next token, words in the sentence, negation (不保本), goal or attitude
   statements (致力于成为…), self-comparison (比上一代) — skip the hit or report it at info.
5. Overlaps: earliest first, then longest, then most severe.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import ahocorasick

from .model import Severity
from .normalize import BOUNDARY, normalize_term
from .rule import Rule
from .segment import Segmenter

SENTENCE_END = re.compile("[。!?;\n\u2029" + BOUNDARY + "]")
CLAUSE_END = ",、:()「」『』“”‘’《》【】[]<>…"
MAX_SENTENCE = 80  # chars either side of a hit that jieba sees; keeps the cost per hit bounded

# Negation right before the hit (不保本, 无副作用 is a term itself so 无 must touch the hit).
NEG_TOUCH = ("不", "无", "非", "未", "没", "勿", "别", "莫", "免")
# Negation or prohibition a few characters before the hit, in the same clause.
NEG_NEAR = ("不是", "不会", "不能", "不可", "不得", "不要", "不承诺", "不保证", "没有", "并非", "绝非", "并不",
            "禁止", "严禁", "切勿", "请勿", "拒绝", "杜绝", "谨防", "警惕", "防范", "反对", "无法", "不做",
            "不提供", "不存在", "不含", "不宜", "不应", "不属于", "不涉及", "从不", "决不", "绝不", "打击",
            "抵制", "举报", "远离", "严厉", "取缔", "不使用", "不得使用", "避免", "不等于", "不代表", "不意味着", "不一定", "难以", "不敢")
NEG_WINDOW = 8
# Goal and attitude words (执法指南 2023: 经营理念、主观愿望 are not absolute claims).
GOAL_WORDS = ("致力于", "致力", "力争", "争取", "努力", "力求", "追求", "目标", "愿景", "使命", "立志", "志在",
              "旨在", "希望", "期望", "梦想", "争做", "争创", "争当", "愿做", "渴望", "坚持做", "我们将", "期待成为",
              "向着", "朝着", "为了成为", "理念")
SELF_COMPARE = ("比上一代", "较上一代", "相比上一代", "比前代", "较前代", "比以往", "较以往", "比旧款", "较旧款",
                "比老款", "较老款", "比上一版", "较上一版", "比上一款", "较上一款", "本店历史", "本公司历史",
                "比去年", "较去年", "同比", "环比", "比上代", "较上代", "相比上代", "自身历史")
REASONS = {
    "goal": ("目标或态度表述，通常不视为绝对化用语", "a goal or attitude statement, usually not an absolute claim"),
    "negation": ("否定或禁止语境", "negated or prohibited in context"),
    "self_compare": ("与自身产品比较", "compares the firm's own products"),
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

    def __init__(self, rules: Iterable[Rule], allow: Iterable[str] = ()):
        self.rules = list(rules)
        self.allow = tuple(t for t in (normalize_term(a) for a in allow) if t)
        self._automaton = ahocorasick.Automaton()
        table: dict[str, list[int]] = {}
        words: set[str] = set()
        for i, rule in enumerate(self.rules):
            for term in rule.terms:
                key = normalize_term(term)
                if key:
                    table.setdefault(key, []).append(i)
                    if not key.isascii():
                        words.add(key)
        for key, idx in table.items():
            self._automaton.add_word(key, (key, tuple(idx)))
        self._has_terms = bool(table)
        if table:
            self._automaton.make_automaton()
        self._pattern_src = [(i, p) for i, r in enumerate(self.rules) for p in r.patterns]
        self._patterns: list[tuple[int, re.Pattern]] | None = None  # compiled on first use
        self._exceptions = [tuple(normalize_term(e) for e in r.exceptions) for r in self.rules]
        self.segmenter = Segmenter(words)

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_patterns"] = None  # compiled again on first use after unpickling
        return state

    # -- candidates -------------------------------------------------------------------------
    def candidates(self, text: str) -> list[tuple[int, int, int, bool]]:
        """(start, end, rule index, is_term) of every term and pattern occurrence in normalised `text`."""
        out: list[tuple[int, int, int, bool]] = []
        if self._has_terms:
            for end_idx, (key, idx) in self._automaton.iter(text):
                start = end_idx - len(key) + 1
                end = end_idx + 1
                if key[0].isascii() and key[0].isalnum() and start > 0 and _is_word_char(text[start - 1]):
                    continue
                if key[-1].isascii() and key[-1].isalnum() and end < len(text) and _is_word_char(text[end]):
                    continue
                out.extend((start, end, i, True) for i in idx)
        if self._patterns is None:
            self._patterns = [(i, re.compile(p)) for i, p in self._pattern_src]
        for i, pattern in self._patterns:
            out.extend((m.start(), m.end(), i, False) for m in pattern.finditer(text) if m.end() > m.start())
        return out

    # -- the pipeline -------------------------------------------------------------------------
    def find(self, text: str, resolve: bool = True) -> list[Hit]:
        """Hits that count in normalised `text`; `resolve=False` keeps overlapping hits (rule examples)."""
        cands = self.candidates(text)
        if not cands:
            return []
        doc = _Doc(text, self.segmenter)
        hits = []
        for start, end, i, is_term in cands:
            hit = self._judge(doc, start, end, self.rules[i], self._exceptions[i], is_term)
            if hit is not None:
                hits.append(hit)
        return resolve_overlaps(hits) if resolve else hits

    def _judge(self, doc: "_Doc", start: int, end: int, rule: Rule, exceptions: tuple[str, ...],
               is_term: bool = True) -> Hit | None:
        s0, s1 = doc.sentence(start, end)
        sentence = doc.text[s0:s1]
        rel0, rel1 = start - s0, end - s0
        if _covered(sentence, rel0, rel1, exceptions) or _covered(sentence, rel0, rel1, self.allow):
            return None
        for src in rule.exception_patterns:
            if any(m.start() <= rel0 and m.end() >= rel1 for m in _regex(src).finditer(sentence)):
                return None
        ctx = rule.context
        # Regular expressions say exactly what they match; terms are confirmed on token boundaries.
        confirm = is_term and (rule.confirm if rule.confirm is not None else (end - start) < 4)
        need_tokens = confirm or ctx.prev or ctx.next or ctx.prev_not or ctx.next_not
        if need_tokens:
            bounds = doc.token_bounds(s0, s1)
            if confirm and (rel0 not in bounds or rel1 not in bounds):
                return None
            prev_tok, next_tok = _neighbours(sentence, bounds, rel0, rel1)
            if ctx.prev and prev_tok not in ctx.prev:
                return None
            if ctx.next and next_tok not in ctx.next:
                return None
            if prev_tok and prev_tok in ctx.prev_not:
                return None
            if next_tok and next_tok in ctx.next_not:
                return None
        if ctx.sentence and not any(_contains(sentence, w) for w in ctx.sentence):
            return None
        if ctx.sentence_not and any(_contains(sentence, w) for w in ctx.sentence_not):
            return None
        severity, reason = rule.severity, ""
        for key, words_found in (("negation", lambda: _negated(sentence, rel0)),
                                 ("goal", lambda: any(w in sentence for w in GOAL_WORDS)),
                                 ("self_compare", lambda: any(w in sentence for w in SELF_COMPARE))):
            outcome = getattr(ctx, key)
            if outcome == "ignore" or not words_found():
                continue
            if outcome == "skip":
                return None
            severity, reason = Severity.INFO, key
        return Hit(start, end, rule, severity, reason)


class _Doc:
    """One normalised text with lazily computed sentence boundaries and per-sentence tokens."""

    def __init__(self, text: str, segmenter: Segmenter):
        self.text = text
        self._segmenter = segmenter
        self._ends: list[int] | None = None
        self._tokens: dict[tuple[int, int], set[int]] = {}

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        if self._ends is None:
            self._ends = [m.start() for m in SENTENCE_END.finditer(self.text)]
        k = bisect.bisect_left(self._ends, start)
        s0 = self._ends[k - 1] + 1 if k else 0
        k2 = bisect.bisect_left(self._ends, end)
        s1 = self._ends[k2] if k2 < len(self._ends) else len(self.text)
        s0 = max(s0, start - MAX_SENTENCE)
        s1 = min(s1, end + MAX_SENTENCE)
        return s0, s1

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


def _covered(sentence: str, start: int, end: int, phrases: Iterable[str]) -> bool:
    """True when an occurrence of one of `phrases` in `sentence` spans [start, end)."""
    for phrase in phrases:
        i = sentence.find(phrase, max(0, end - len(phrase)))
        while i != -1 and i <= start:
            if i + len(phrase) >= end:
                return True
            i = sentence.find(phrase, i + 1)
    return False


def _neighbours(sentence: str, bounds: set[int], start: int, end: int) -> tuple[str, str]:
    """The tokens right before `start` and right after `end` ("" at the sentence edge)."""
    ordered = sorted(bounds)
    k = bisect.bisect_left(ordered, start)
    prev = sentence[ordered[k - 1]:start] if k and ordered[k - 1] < start else ""
    k = bisect.bisect_right(ordered, end)
    nxt = sentence[end:ordered[k]] if k < len(ordered) else sentence[end:]
    return prev, nxt


def _negated(sentence: str, start: int) -> bool:
    before = sentence[:start]
    clause_start = max((before.rfind(c) for c in CLAUSE_END), default=-1) + 1
    before = before[max(clause_start, start - NEG_WINDOW):]
    if before.endswith(NEG_TOUCH):
        return True
    return any(w in before for w in NEG_NEAR)


def resolve_overlaps(hits: list[Hit]) -> list[Hit]:
    """Keep non-overlapping hits: earliest first, then longest, then most severe."""
    hits.sort(key=lambda h: (h.start, -(h.end - h.start), -h.severity.rank, h.rule.id))
    kept: list[Hit] = []
    last_end = -1
    for h in hits:
        if h.start >= last_end:
            kept.append(h)
            last_end = h.end
    return kept
