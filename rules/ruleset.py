"""A loaded, tuned set of phrase rules: `check(text)` and `check_html(html)` → Findings."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterable

from .errors import RuleError
from .matcher import REASONS, Hit, Matcher
from .html import asks
from .lexicon import frame_regex
from .exemptions import (advertiser_speaks, article_words, bylined_report, discussed, news_report, page_topic,
                         quoted_in, spam_page, warning_article)
from .model import Finding, Severity, pick
from .normalize import BOUNDARY, ZERO_WIDTH, normalize
from .rule import Rule

CONTEXT_CHARS = 20
_CLEAN = str.maketrans({**{c: None for c in ZERO_WIDTH}, BOUNDARY: " ", "\n": " ", "\r": None, "\t": " "})


def _demotable(h: Hit) -> bool:
    # Injected spam is spam on any page; a hit already lowered keeps its own reason.
    return h.severity.rank >= Severity.WARNING.rank and h.rule.category != "prohibited"


_QUOTE_MARKS = frozenset("“”「」『』‘’\"")


def _quotes_a_hit(hits: list[tuple]) -> bool:
    """A hit that could be lowered stands inside quotation marks in its line."""
    return any(_demotable(h) and not _QUOTE_MARKS.isdisjoint(part) and quoted_in(normalize(part).text, h.start, h.end)
               for h, part, *_ in hits)


def _reported(h: Hit) -> bool:
    return _demotable(h) and h.rule.category != "authority"


def _bylined_hit(h: Hit) -> bool:
    """A hit a by-line alone reports at info: not superstition (a fortune-teller quoted still gives the advice)."""
    return h.rule.category != "superstition"


# A run of banned terms separated only by list marks (国家级、世界级、最佳、最大…; 最先進的,最大的,第壹的):
# the law's vocabulary listed, not a claim (rules/frames/term_list.txt). TERM_LIST or more absolute hits in a
# row, each gap list marks with at most a few short unmatched items or the rest of a term between them
# (…、永久、領袖品牌; 最先进科学、), in a line that names the vocabulary (极限用语, 广告法), or TERM_LIST_LONG of them in any
# line, are reported at info ("术语列举"), unless the advertiser is the subject.
# A slogan's list (最好的品质、最优的服务、最低的价格) names no vocabulary and is short: it stays a claim.
TERM_LIST = 3
TERM_LIST_LONG = 5
_TERM_WORDS_RE = frame_regex("term_list")
_MARKS = "、，,／/;；\\s()（）\\\\"
_TERM_GAP_RE = re.compile(f"(?:[^{_MARKS}。！？!?：:]{{0,6}}[{_MARKS}]+){{1,5}}[^{_MARKS}。！？!?：:]{{0,6}}")


def _term_lists(hits: list[tuple]) -> list[tuple]:
    by_line: dict[int, list[int]] = {}
    for n, (h, _part, _o0, _o1, k, _a) in enumerate(hits):
        if h.rule.category == "absolute" and h.severity.rank >= Severity.WARNING.rank:
            by_line.setdefault(k, []).append(n)
    listed: set[int] = set()
    for idx in by_line.values():
        if len(idx) < TERM_LIST:
            continue
        idx.sort(key=lambda n: hits[n][5])
        run = [idx[0]]
        for n in idx[1:] + [None]:
            if n is not None:
                prev, cur = hits[run[-1]], hits[n]
                end = prev[5] + prev[3] - prev[2]
                gap = cur[1][end:cur[5]]
                if _TERM_GAP_RE.fullmatch(gap):
                    run.append(n)
                    continue
            line = hits[run[0]][1]
            if (len(run) >= TERM_LIST_LONG or len(run) >= TERM_LIST
                    and _TERM_WORDS_RE.search(normalize(line).text) is not None) and not advertiser_speaks(line):
                listed.update(run)
            if n is not None:
                run = [n]
    if not listed:
        return hits
    return [(replace(h, severity=Severity.INFO, reason="term_list"), *rest) if n in listed else (h, *rest)
            for n, (h, *rest) in enumerate(hits)]


def _discussed(hits: list[tuple], page: str) -> list[tuple]:
    """Hits of rules with context.discussed lowered to info where their words are the page's subject."""
    lines: dict[int, str] = {}
    out = []
    for h, part, o0, o1, k, a in hits:
        if h.rule.context.discussed == "info" and h.severity.rank >= Severity.WARNING.rank:
            norm = lines.get(k)
            if norm is None:
                norm = lines[k] = normalize(part).text
            if discussed(page, norm[h.start:h.end], norm, h.start, h.end, spam=h.rule.category == "prohibited"):
                h = replace(h, severity=Severity.INFO, reason="discussed")
        out.append((h, part, o0, o1, k, a))
    return out


def _spam_page_only(hits: list[tuple], page: str) -> list[tuple]:
    """Hits of rules with context.page_spam, kept only on a page that carries injected spam (exemptions.spam_page)."""
    return [t for t in hits if not t[0].rule.context.page_spam or spam_page(page, t[0].rule.context.page_spam)]


class RuleSet:
    """The rules in force for one run (site tuning applied) and their compiled matcher."""

    def __init__(self, rules: Iterable[Rule], allow: Iterable[str] = (), lang: str = "zh",
                 all_rules: Iterable[Rule] | None = None):
        self.rules: list[Rule] = list(rules)
        self.lang = lang
        self._all = {r.id: r for r in (all_rules if all_rules is not None else self.rules)}
        self.matcher = Matcher(self.rules, allow)

    def get(self, rule_id: str) -> Rule:
        """The rule with this id (also deprecated or switched-off ones); RuleError when unknown."""
        try:
            return self._all[rule_id]
        except KeyError:
            raise RuleError(f"unknown rule id {rule_id!r}", field="id") from None

    def hits(self, text: str) -> list[Hit]:
        """Hits in normalised coordinates (for tests and the benchmark)."""
        return self.matcher.find(self.matcher.as_meant(normalize(text).text))

    def check(self, text: str, url: str = "-", where: str = "body", line: int = 1, column: int = 1,
              page: str | None = None, answer: str = "") -> list[Finding]:
        """Findings in `text`; positions are 1-based and offset by where the text starts (line, column).

        The page verdict (a warning article, rules/frames/warning_article.txt) reads `page` when given
        (all of an HTML page's text), else `text` itself. A line that ends in a question is judged with
        the next line as its answer; the last line with `answer` (what follows `text`, when known)."""
        hits = []
        pos = 0
        parts = text.split("\n")
        for k, part in enumerate(parts):
            reply = (parts[k + 1] if k + 1 < len(parts) else answer) if asks(part) else ""
            for h, a, b in self.matcher.find_line(part, reply) if part else ():
                hits.append((h, part, pos + a, pos + b, k, a))
            pos += len(part) + 1
        if any(h.rule.context.page_spam for h, *_ in hits):
            hits = _spam_page_only(hits, page if page is not None else text)
        # The verdict is read only when a hit could be lowered by it: the common page costs nothing.
        # One verdict word is enough on a page that also quotes a banned phrase (爆雷… 「不過包退」的協議班).
        if any(_demotable(h) for h, *_ in hits) and (
                warning_article(page if page is not None else text)
                or _quotes_a_hit(hits) and article_words(page if page is not None else text) == 1):
            hits = [(replace(h, severity=Severity.INFO, reason="warning_article")
                     if _demotable(h) and not advertiser_speaks(part) else h, part, o0, o1, k, a)
                    for h, part, o0, o1, k, a in hits]
        # A news report (rules/frames/news_report.txt) reports what others say and sell: its hits are at info,
        # except injected spam and a sentence whose subject is the advertiser.
        # An authority hit stays: a report by the media (央视报道过的品牌) is itself the endorsement it flags.
        # A by-line alone (记者…) makes a report too, but a fortune-teller's advice it relays stays (_bylined_hit).
        if any(_reported(h) for h, *_ in hits):
            page_text = page if page is not None else text
            full = news_report(page_text)
            if full or bylined_report(page_text):
                hits = [(replace(h, severity=Severity.INFO, reason="news_report")
                         if _reported(h) and (full or _bylined_hit(h)) and not advertiser_speaks(part) else h,
                         part, o0, o1, k, a)
                        for h, part, o0, o1, k, a in hits]
        hits = _term_lists(hits)
        if any(h.rule.context.page_not and h.severity.rank >= Severity.WARNING.rank for h, *_ in hits):
            page_text = page if page is not None else text
            hits = [(replace(h, severity=Severity.INFO, reason="page_topic")
                     if h.rule.context.page_not and h.severity.rank >= Severity.WARNING.rank
                     and page_topic(page_text, h.rule.context.page_not) else h, part, o0, o1, k, a)
                    for h, part, o0, o1, k, a in hits]
        if any(h.rule.context.discussed == "info" and h.severity.rank >= Severity.WARNING.rank for h, *_ in hits):
            hits = _discussed(hits, page if page is not None else text)
        return [self._finding(h, text, o0, o1, url, where, line + k, (column if k == 0 else 1) + a)
                for h, part, o0, o1, k, a in hits]

    def _finding(self, h: Hit, text: str, o0: int, o1: int, url: str, where: str, line: int, column: int) -> Finding:
        message, suggestion = h.rule.text(self.lang)
        if h.reason:
            zh, en = REASONS[h.reason]
            message = pick(self.lang, f"{message}（例外：{zh}，请人工确认）", f"{message} (exception: {en}; review it)")
        before = text[max(0, o0 - CONTEXT_CHARS):o0].translate(_CLEAN)
        after = text[o1:o1 + CONTEXT_CHARS].translate(_CLEAN)
        # Invisible characters (zero-width evasions, HTML padding) are left out of what people read.
        match = text[o0:o1].translate(_CLEAN) or text[o0:o1]
        return Finding(rule=h.rule.id, category=h.rule.category, severity=h.severity, url=url, message=message,
                       where=where, match=match, context=f"{before}{match}{after}",
                       line=line, column=column, basis=h.rule.basis, suggestion=suggestion or None)

    def check_html(self, html: str, url: str = "-") -> list[Finding]:
        """Visible text of an HTML page, by location; positions are in the HTML source."""
        from .html import extract_blocks

        blocks = list(extract_blocks(html))
        page = "\n".join(block.text for block in blocks)
        out: list[Finding] = []
        for block in blocks:
            out.extend(self.check(block.text, url=url, where=block.where, line=block.line, column=block.column,
                                  page=page))
        return out

    def run_examples(self, rules: Iterable[Rule] | None = None) -> list[str]:
        """Problems with rule examples: a `flag` example with no hit of its rule at warning or above
        (at info for a rule whose severity is info), or a `pass` example with one. Empty when every example behaves."""
        problems = []
        for rule in rules if rules is not None else self.rules:
            if rule.deprecated:
                continue
            for sample in rule.examples_flag:
                if not self._flags(sample, rule.id):
                    problems.append(f"{rule.file}:{rule.line}: examples: {rule.id} does not flag {sample!r}")
            for sample in rule.examples_pass:
                if self._flags(sample, rule.id):
                    problems.append(f"{rule.file}:{rule.line}: examples: {rule.id} flags {sample!r}, "
                                    f"which must pass")
        return problems

    def _flags(self, sample: str, rule_id: str) -> bool:
        # Before overlap resolution: an example tests its own rule, even where a longer hit
        # of another rule would be the one reported.
        # A rule that reports at info (a fact to keep evidence for) is tested for reporting at all.
        hits = self.matcher.find(self.matcher.as_meant(normalize(sample).text), resolve=False)
        # A page-level rule (context.page_spam) is judged with the sample as its page.
        hits = [h for h in hits if not h.rule.context.page_spam or spam_page(sample, h.rule.context.page_spam)]
        return any(h.rule.id == rule_id and h.severity.rank >= min(2, h.rule.severity.rank) for h in hits)
