"""A loaded, tuned set of phrase rules: `check(text)` and `check_html(html)` → Findings."""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from .errors import RuleError
from .matcher import REASONS, Hit, Matcher
from .exemptions import advertiser_speaks, news_report, page_topic, quoted_in, warning_article
from .model import Finding, Severity, pick
from .normalize import BOUNDARY, ZERO_WIDTH, normalize
from .rule import Rule

CONTEXT_CHARS = 20
_QUOTE_MARKS = frozenset("“”「」『』‘’\"")
_CLEAN = str.maketrans({**{c: None for c in ZERO_WIDTH}, BOUNDARY: " ", "\n": " ", "\r": None, "\t": " "})


def _demotable(h: Hit) -> bool:
    # Injected spam is spam on any page; a hit already lowered keeps its own reason.
    return h.severity.rank >= Severity.WARNING.rank and h.rule.category != "prohibited"


def _quoting_lines(hits: list[tuple]) -> dict[int, str]:
    """The normalised text of each line (by index) that holds hits and a quotation mark."""
    lines: dict[int, str] = {}
    seen: set[int] = set()
    for _h, part, _o0, _o1, k, _a in hits:
        if k not in seen:
            seen.add(k)
            if not _QUOTE_MARKS.isdisjoint(part):
                lines[k] = normalize(part).text
    return lines


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
              page: str | None = None) -> list[Finding]:
        """Findings in `text`; positions are 1-based and offset by where the text starts (line, column).

        The page verdict (a warning article, rules/frames/warning_article.txt) reads `page` when given
        (all of an HTML page's text), else `text` itself."""
        hits = []
        pos = 0
        for k, part in enumerate(text.split("\n")):
            for h, a, b in self.matcher.find_line(part) if part else ():
                hits.append((h, part, pos + a, pos + b, k, a))
            pos += len(part) + 1
        # The verdict is read only when a hit could be lowered by it: the common page costs nothing.
        if any(_demotable(h) for h, *_ in hits) and warning_article(page if page is not None else text):
            hits = [(replace(h, severity=Severity.INFO, reason="warning_article")
                     if _demotable(h) and not advertiser_speaks(part) else h, part, o0, o1, k, a)
                    for h, part, o0, o1, k, a in hits]
        # A news report quotes what it reports (rules/frames/news_report.txt): its quoted hits are at info.
        # The page is read only when a quoted hit could be lowered (most lines hold no quotation mark).
        quoting = _quoting_lines(hits)
        quoted = {n for n, (h, _part, _o0, _o1, k, _a) in enumerate(hits)
                  if k in quoting and _demotable(h) and quoted_in(quoting[k], h.start, h.end)} if quoting else ()
        if quoted and news_report(page if page is not None else text):
            hits = [(replace(h, severity=Severity.INFO, reason="news_report")
                     if n in quoted and not advertiser_speaks(part) else h, part, o0, o1, k, a)
                    for n, (h, part, o0, o1, k, a) in enumerate(hits)]
        if any(h.rule.context.page_not and h.severity.rank >= Severity.WARNING.rank for h, *_ in hits):
            page_text = page if page is not None else text
            hits = [(replace(h, severity=Severity.INFO, reason="page_topic")
                     if h.rule.context.page_not and h.severity.rank >= Severity.WARNING.rank
                     and page_topic(page_text, h.rule.context.page_not) else h, part, o0, o1, k, a)
                    for h, part, o0, o1, k, a in hits]
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
        return any(h.rule.id == rule_id and h.severity.rank >= min(2, h.rule.severity.rank) for h in hits)
