"""A phrase rule as loaded from a pack: what it matches, when it does not count, and why it matters."""
from __future__ import annotations

from dataclasses import dataclass, field

from .model import Severity, pick

# What a context condition does to a hit when it holds.
OUTCOMES = ("skip", "info", "ignore")


@dataclass(frozen=True)
class Context:
    """Conditions around a hit, checked on the jieba tokens of its sentence.

    `prev`/`next`: the hit counts only when the neighbouring token is one of these;
    `prev_not`/`next_not`: the hit does not count when it is. `sentence`: the hit counts only
    when one of these words is in the same sentence; `sentence_not`: it does not when one is.
    `negation`, `goal`, `self_compare`: what happens (skip | info | ignore) when the hit is
    negated (不保本), stated as a goal or attitude (致力于成为…), or compares the firm's own
    products (比上一代) — the regulator's exceptions. `disclosure`: when one of these words is in
    the sentence, the hit is reported at info — the claim is stated with its registration or its
    dated, sourced figure (特殊化妆品注册证, 国食健注G…, 截至…（来源：…）), so it is a disclosure to
    keep evidence for rather than a promise. `distinct`: the hit counts only when at least this many
    different terms of the rule occur in its sentence (stock-phrase chains of injected spam: one
    精品 is a word, 精品…国产…久久…在线观看 is a spam title); `distinct_words` are everyday words that
    count towards it without being searched for on their own (国产, 在线观看). `page_not`: words of a
    page topic, read over the whole page (see RuleSet.check).
    """

    prev: tuple[str, ...] = ()
    next: tuple[str, ...] = ()
    prev_not: tuple[str, ...] = ()
    next_not: tuple[str, ...] = ()
    sentence: tuple[str, ...] = ()
    sentence_not: tuple[str, ...] = ()
    negation: str = "skip"
    goal: str = "ignore"
    self_compare: str = "ignore"
    belief: str = "ignore"  # a power ascribed to tradition, legend or symbol (rules/frames/belief.txt)
    sourced: str = "ignore"  # a figure or ranking attributed to a named source (rules/frames/sourced.txt)
    # A superlative about a place, nature, a class or a grade, or hearsay (rules/described.py).
    described: str = "ignore"
    disclosure: tuple[str, ...] = ()
    distinct: int = 0  # the hit counts only with this many distinct terms of the rule in its sentence
    distinct_words: tuple[str, ...] = ()  # more words counted towards `distinct` (not searched for alone)
    # The page's topic, read over the whole page: with two different of these words on it and no word
    # of frame `spam_calls`, the hit is reported at info (a guidebook's 澳门的赌场, not injected spam).
    page_not: tuple[str, ...] = ()
    # Words that make a page a spam page (casino, lottery-tip): the hit counts only on a page holding at least
    # SPAM_PAGE_WORDS different of them (rules/exemptions.py `spam_page`), else it is not reported. For the
    # ordinary words of gambling copy (奖金, 彩民, 开奖, 锦标赛) that are spam only among spam.
    page_spam: tuple[str, ...] = ()
    # Topic words of the rule (美白, 学区房, 免疫力): a hit on one counts at the rule's severity only where the
    # sentence asserts it of what is sold (rules/frames/claim.txt, claim_after.txt, offer.txt) and does not
    # limit, define or survey it (rules/frames/limited.txt); otherwise it is reported at info.
    topic: tuple[str, ...] = ()
    # The page's subject (rules/exemptions.py `discussed`): a hit whose words recur over the page (an
    # explainer on 美白精华, a page about 风水师's fees, Macau news on 赌场) and that its sentence does not
    # assert of what is sold (the claim frame of `topic`) is reported at info when this is "info".
    discussed: str = "ignore"


@dataclass(frozen=True)
class Rule:
    """One rule of a pack; `terms` and `patterns` are as written in the file."""

    id: str
    category: str
    severity: Severity
    message: str
    message_en: str
    basis: str
    terms: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()  # regular expressions, compiled when first used ({@lexicon} expanded)
    written: tuple[str, ...] = ()  # the patterns as written in the pack (what a reviewer reads)
    lexicons: tuple[str, ...] = ()  # the lexicons (rules/lexicons/NAME.txt) the rule is built from
    exceptions: tuple[str, ...] = ()
    exception_patterns: tuple[str, ...] = ()
    context: Context = field(default_factory=Context)
    suggestion: str = ""
    suggestion_en: str = ""
    link: str = ""
    examples_flag: tuple[str, ...] = ()
    examples_pass: tuple[str, ...] = ()
    deprecated: bool = False
    confirm: bool | None = None  # jieba confirmation: None = only for terms shorter than 4 chars
    file: str = ""
    line: int = 0

    def text(self, lang: str) -> tuple[str, str]:
        """(message, suggestion) in `lang`, falling back to Chinese."""
        return (pick(lang, self.message, self.message_en or self.message),
                pick(lang, self.suggestion, self.suggestion_en or self.suggestion))
