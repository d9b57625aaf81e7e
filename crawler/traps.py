"""Crawler traps, ended by evidence (DOMAIN.md §5): never by how many pages a URL pattern has.

A catalogue of 1,500 `/product/N.html` pages is one pattern, and every page of it is read. A trap is
a part of a site that makes URLs for ever while saying nothing new:

- `near_duplicate`: pages of one pattern that repeat an earlier page of the pattern, both in their
  own text (what is left once the host's template blocks are removed, numbers masked) and in the
  links they give outside the pattern, that were reached from a page of the same pattern and keep
  linking to new URLs of it: an empty calendar, paging past the end, facet and sort orders of the
  same items, empty search results. `STREAK` such pages in a row end the pattern; one page that
  says something new resets the count. A catalogue's list pages link to other products each, and
  its product pages are reached from the lists: it never ends, however many pages it has. Pages
  that say they are empty ("暂无活动", "没有找到相关结果", "no results") count without the chain:
  the day pages of a calendar, reached from its months, end too.
- `facets`: the same test across the URL patterns of one path (`/product/filter?color=…`,
  `…?color=…&sort=…`): filter and sort combinations that show the same items in another order.
  Once `STREAK` + 1 pages in a row, each reached from the same path, repeat a page of the path,
  the path's patterns that never showed a page of their own are ended; those that did (the
  catalogue's `?page=N`) go on.
- `calendar`: a date in the URL more than `CALENDAR_DAYS` ahead of today, reached from a page of
  the same pattern (a "next month" link walking away from today); or, in a query parameter
  (`?month=2019-03`), as far behind today. A date in the path (`/news/2019/03/…`) may be far in the
  past: an archive of old articles is real content, left to the near-duplicate test.
- `search`: a search page linking to another search (search pages are followed one step from a
  page that is not a search).
- `repeated_segments`: a path segment that occurs `REPEATS` times (`/go/go/go/`: relative links
  that nest for ever).
- `session_id`: a session id in the URL (`?sid=…`, `;jsessionid=…`, `/(S(…))/`). Not fetched at
  all: the id is removed (`crawler.urls.normalize_url`), and the URLs it made are counted here.

`TrapGuard` is pure bookkeeping over strings and text signatures: the spider asks `refuse()`
before it schedules a link, `is_trap()` before a scheduled request goes out, and tells
`observe()` what each fetched page said. Every trap is reported (`traps()`) with its pattern, an
example URL, the evidence, the pages fetched before it was known, and the URLs skipped.
"""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlsplit

from crawler.checks.crawl.content import text_signature
from crawler.checks.state import TrapReport
from crawler.urls import session_params, url_pattern

NEAR_DUPLICATE = 0.9   # Jaccard similarity of the own-text shingles above which two pages say the same
STREAK = 3             # near-duplicate pages in a row, each linking on to new URLs of its pattern, that end it
CALENDAR_DAYS = 366    # a date further ahead than this, walked to from its own pattern, is a calendar trap
REPEATS = 3            # one path segment this many times is a nesting loop
_WINDOW = 24           # distinct own-text signatures kept per pattern to compare new pages with
_TEMPLATE_BLOCKS = 4000  # template blocks kept per host
_BY_LINKS = 20_000     # list-like pages (with a query) indexed by their links, per path

_INVISIBLE = re.compile(r"<(head|script|style|noscript|template|select)\b.*?</\1\s*>|<!--.*?-->",
                        re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+")
# What an empty listing says: no events, no results, no products, nothing found.
_EMPTY = re.compile(r"暂无|没有找到|没有相关|未找到相关|找不到相关|没有(?:任何)?(?:结果|内容|记录|数据|活动|产品|商品|文章|信息)|"
                    r"无(?:相关)?(?:结果|记录|数据|活动)|共\s*0\s*条|\b(?:no|0)\s+(?:results?|events?|items?|products?|"
                    r"articles?|records?|matches)\b|nothing (?:found|here)", re.IGNORECASE)
_EMPTY_TEXT = 200   # own-text characters under which a page saying so is an empty listing
_SEARCH_PATH = re.compile(r"(?:^|/)(?:search|so|find|query|sousuo)(?:[/._-]|$)", re.IGNORECASE)
_SEARCH_KEYS = frozenset({"q", "query", "keyword", "keywords", "kw", "wd", "search", "searchword", "k", "s"})
_PATH_DATE = re.compile(r"(?<!\d)((?:19|20|21)\d\d)[-/_.](0?[1-9]|1[0-2])(?:[-/_.](0?[1-9]|[12]\d|3[01]))?(?!\d)")
_JOINED_DATE = re.compile(r"^((?:19|20|21)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])?$")
_DATE_KEYS = frozenset({"date", "day", "month", "ym", "ymd", "cal", "d", "m", "time", "start", "from_date"})


def alike(a: frozenset[int], b: frozenset[int]) -> bool:
    """Jaccard similarity of `a` and `b` (`checks.crawl.content.similarity`) ≥ NEAR_DUPLICATE, without
    building the union, and not even the intersection when the sizes alone rule it out (the
    Jaccard index is at most the smaller size over the larger): most pairs of pages differ."""
    la, lb = len(a), len(b)
    if not la and not lb:
        return True
    if min(la, lb) < NEAR_DUPLICATE * max(la, lb):
        return False
    inter = len(a & b) if la <= lb else len(b & a)
    return inter / (la + lb - inter) >= NEAR_DUPLICATE


class LazySignature:
    """A page's own-text signature (`TrapGuard.signature`), computed the first time a comparison or
    a sample needs it: most pages' links already differ from every sample's, and a pattern whose
    samples are all kept needs no more of them."""

    __slots__ = ("own", "_value")

    def __init__(self, own: str):
        self.own = own
        self._value: frozenset[int] | None = None

    def get(self) -> frozenset[int]:
        if self._value is None:
            self._value = TrapGuard.signature(self.own)
        return self._value


def _getter(signature: "frozenset[int] | LazySignature"):
    return signature.get if isinstance(signature, LazySignature) else (lambda: signature)


def text_blocks(html: str) -> list[str]:
    """The visible text of a page as blocks (the runs between tags), in order, without empty ones."""
    body = _INVISIBLE.sub(" ", html)
    return [b for b in (_SPACE.sub(" ", part).strip() for part in _TAG.split(body)) if b]


def is_search(url: str) -> bool:
    """A site-search URL: a search-like path, or a search-like query key."""
    parts = urlsplit(url)
    if _SEARCH_PATH.search(parts.path):
        return True
    return any(k.lower() in _SEARCH_KEYS for k, _ in parse_qsl(parts.query, keep_blank_values=True))


def url_date(url: str) -> date | None:
    """The calendar date a URL names (`/2031/04/`, `?month=2031-04`, `?year=2031&month=4`, `?date=20310401`)."""
    parts = urlsplit(url)
    params = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    year = params.get("year") or params.get("y")
    if year and year.isdigit() and 1900 <= int(year) <= 2199:
        month = params.get("month") or params.get("m") or "1"
        day = params.get("day") or params.get("d") or "1"
        try:
            return date(int(year), int(month) if month.isdigit() else 1, int(day) if day.isdigit() else 1)
        except ValueError:
            return None
    for key, value in params.items():
        if key in _DATE_KEYS:
            found = _PATH_DATE.search(value) or _JOINED_DATE.match(value)
            if found:
                return _date(found)
    found = _PATH_DATE.search(parts.path)
    return _date(found) if found else None


def query_date(url: str) -> bool:
    """True when the date `url_date` finds is a query parameter (a calendar's), not a path segment."""
    query = urlsplit(url).query
    return bool(query) and url_date(urlsplit(url)._replace(path="/").geturl()) is not None


def _date(match: re.Match) -> date | None:
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3) or 1))
    except ValueError:
        return None


def repeated_segment(path: str) -> str:
    """The first path segment that occurs `REPEATS` times or more ("" when none does)."""
    counts: dict[str, int] = {}
    for segment in path.split("/"):
        if segment:
            counts[segment] = counts.get(segment, 0) + 1
            if counts[segment] >= REPEATS:
                return segment
    return ""


@dataclass
class _Pattern:
    """What the guard knows of one URL pattern."""

    signatures: deque = field(default_factory=lambda: deque(maxlen=_WINDOW))   # distinct (own text, links)
    examples: deque = field(default_factory=lambda: deque(maxlen=_WINDOW))     # their URLs
    streak: int = 0
    fetched: int = 0


@dataclass
class _Path:
    """What the guard knows of one path across its URL patterns (facet and sort combinations)."""

    signatures: deque = field(default_factory=lambda: deque(maxlen=_WINDOW))
    examples: deque = field(default_factory=lambda: deque(maxlen=_WINDOW))
    streak: int = 0
    good: set = field(default_factory=set)   # patterns that showed a page of their own
    closed: str = ""                          # key of the facets trap, once found
    # Pages with a query, by their exact set of links: a sort order of list page 3 gives the same
    # links as page 3, however many list pages came since (the window holds only the last few).
    by_links: dict = field(default_factory=dict)   # hash(links) -> (URL, own-text signature)


class TrapGuard:
    """Decides, from evidence, which URLs are traps (see the module docstring)."""

    def __init__(self, today: date | None = None):
        self.today = today or date.today()
        self._patterns: dict[str, _Pattern] = {}
        self._paths: dict[str, _Path] = {}
        self._traps: dict[str, TrapReport] = {}     # key (pattern or kind:pattern) -> report
        self._closed: dict[str, str] = {}           # URL pattern -> key of the near-duplicate trap that ended it
        self._template: dict[str, set[int]] = {}    # host -> hashes of template blocks (from its homepage)
        self._sessions: set[int] = set()            # raw URLs seen with a session id

    # -- before a link is scheduled ----------------------------------------------------------------
    def note_raw(self, raw: str, normal: str) -> None:
        """A link as written: a session id in it is a trap the normalised URL already avoids."""
        names = session_params(raw)
        if not names:
            return
        key = hash(raw)
        if key in self._sessions:
            return
        self._sessions.add(key)
        pattern = url_pattern(normal)
        report = self._report(f"session_id:{pattern}", "session_id", pattern, raw,
                              f"session id in the URL ({', '.join(names)}): removed, one URL per page")
        report.skipped += 1

    def refuse(self, url: str, referer: str = "") -> TrapReport | None:
        """The trap `url` belongs to, or None when it may be crawled. The caller counts the skip
        (once per URL: one trap URL is often linked from many pages)."""
        pattern = url_pattern(url)
        closed = self._closed.get(pattern) or self._closed_path(pattern)
        if closed:
            return self._traps[closed]
        path = urlsplit(url).path
        segment = repeated_segment(path)
        if segment:
            host = (urlsplit(url).hostname or "").lower()
            return self._skip(f"repeated_segments:{host}/{segment}", "repeated_segments", pattern, url,
                              f"path segment “{segment}” repeats {path.count('/' + segment)} times")
        if referer and is_search(url) and is_search(referer):
            return self._skip(f"search:{url_pattern(referer)}", "search", url_pattern(referer), url,
                              f"a search page links to more searches: {referer} → {url}")
        if referer and url_pattern(referer) == pattern:
            when = url_date(url)
            far = timedelta(days=CALENDAR_DAYS)
            if when is not None and (when > self.today + far or (when < self.today - far and query_date(url))):
                return self._skip(f"calendar:{pattern}", "calendar", pattern, url,
                                  f"the date {when.isoformat()} walks away from today ({self.today.isoformat()}), "
                                  f"linked from {referer}")
        return None

    def is_trap(self, url: str) -> bool:
        """True when a scheduled URL's pattern was found to be a trap since: it is skipped (and counted)."""
        pattern = url_pattern(url)
        key = self._closed.get(pattern) or self._closed_path(pattern)
        if not key:
            return False
        self._traps[key].skipped += 1
        return True

    def _closed_path(self, pattern: str) -> str:
        state = self._paths.get(pattern.split("?", 1)[0])
        if state is None or not state.closed or pattern in state.good:
            return ""
        return state.closed

    # -- after a page is fetched -------------------------------------------------------------------
    def learn_template(self, host: str, html: str) -> None:
        """The homepage's text blocks: navigation and footer, removed from every page before comparing."""
        blocks = self._template.setdefault(host, set())
        for block in text_blocks(html):
            if len(blocks) >= _TEMPLATE_BLOCKS:
                break
            blocks.add(hash(block))

    def own_text(self, host: str, html: str) -> str:
        """What a page says beyond its host's template (the homepage's text blocks)."""
        template = self._template.get(host, set())
        return " ".join(b for b in text_blocks(html) if hash(b) not in template)

    @staticmethod
    def signature(own: str) -> frozenset[int]:
        """The shingles of a page's own text, numbers masked (month 11 and month 12 of an empty
        calendar, page 80 and page 81 past the end, say the same)."""
        return text_signature(_NUMBER.sub("0", own))

    @staticmethod
    def says_empty(own: str) -> bool:
        """A short own text that says there is nothing here ("暂无活动", "没有找到相关结果", "no results")."""
        return len(own) < _EMPTY_TEXT and bool(_EMPTY.search(own))

    def own_signature(self, host: str, html: str) -> frozenset[int]:
        return self.signature(self.own_text(host, html))

    def observe(self, url: str, signature: "frozenset[int] | LazySignature", links: frozenset[int] = frozenset(), *,
                grows: bool = False, chained: bool = False, same_path: bool = False,
                empty: bool = False) -> TrapReport | None:
        """One fetched page of `url`'s pattern: `signature` its own text (`own_signature`, or a
        `LazySignature`), `links` the (hashed) URLs it links to outside its pattern; `grows`: it
        links to new URLs of its own pattern; `chained`: it was reached from a page of its own pattern.

        Returns the trap when this page ends the pattern.
        """
        pattern = url_pattern(url)
        if pattern in self._closed:
            return None
        signature = _getter(signature)
        if not (empty or (grows and (chained or same_path))):
            # Cannot count towards a trap: only kept as a sample to compare later pages with (cheap:
            # most pages of a site, its product and article pages, are reached from lists).
            state = self._patterns.setdefault(pattern, _Pattern())
            state.fetched += 1
            self._sample(state, url, signature, links)
            path = self._paths.setdefault(pattern.split("?", 1)[0], _Path())
            if "?" in pattern and not self._twin(path, signature, links):
                path.good.add(pattern)   # e.g. `?page=1`, reached from the homepage: a pattern of its own
            self._sample(path, url, signature, links)
            return None
        facets = self._observe_path(pattern, url, signature, links, grows and same_path)
        if facets is not None:
            return facets
        state = self._patterns.setdefault(pattern, _Pattern())
        state.fetched += 1
        twin = self._twin(state, signature, links)
        if not twin:
            state.streak = 0
            state.signatures.append((signature(), links))
            state.examples.append(url)
            return None
        if not (empty or (grows and chained)):
            return None   # a page that leads nowhere new ends by itself: no need to stop its pattern
        state.streak += 1
        if state.streak < STREAK:
            return None
        key = f"near_duplicate:{pattern}"
        report = self._report(key, "near_duplicate", pattern, url,
                              f"{state.streak} pages in a row, each reached from the last or saying it is empty, say the same as {twin} "
                              f"(≥ {NEAR_DUPLICATE:.0%} of their own text and links) and link on to more of the pattern")
        report.fetched = state.streak + 1   # the pages fetched since the pattern last said something new
        self._closed[pattern] = key
        return report

    def _observe_path(self, pattern: str, url: str, signature, links: frozenset[int],
                      counts: bool) -> TrapReport | None:
        path = pattern.split("?", 1)[0]
        state = self._paths.setdefault(path, _Path())
        if state.closed:
            return None
        twin = self._twin(state, signature, links)
        if not twin:
            state.good.add(pattern)
            state.streak = 0
            state.signatures.append((signature(), links))
            state.examples.append(url)
            if "?" in url and links and len(state.by_links) < _BY_LINKS:
                state.by_links.setdefault(hash(links), (url, signature()))
            return None
        if not counts:
            return None
        state.streak += 1
        if state.streak <= STREAK or "?" not in url:
            return None
        key = f"facets:{path}"
        report = self._report(key, "facets", path + "?…", url,
                              f"{state.streak} filter or sort combinations in a row show the same items as {twin} "
                              f"(≥ {NEAR_DUPLICATE:.0%} of their own text and links)")
        report.fetched = state.streak + 1
        state.closed = key
        return report

    @staticmethod
    def _twin(state: "_Pattern | _Path", signature, links: frozenset[int]) -> str:
        """The URL of a sample that says the same (own text and links), or "". `signature` is called
        for the page's signature, only once its links match a sample's (`LazySignature`)."""
        if isinstance(state, _Path) and links:
            known = state.by_links.get(hash(links))
            if known is not None and alike(signature(), known[1]):
                return known[0]
        for (text, out), example in zip(state.signatures, state.examples):
            if alike(links, out) and alike(signature(), text):
                return example
        return ""

    @staticmethod
    def _sample(state: "_Pattern | _Path", url: str, signature, links: frozenset[int]) -> None:
        if isinstance(state, _Path) and "?" in url and links and len(state.by_links) < _BY_LINKS:
            key = hash(links)
            if key not in state.by_links:
                state.by_links[key] = (url, signature())
        if len(state.signatures) < _WINDOW:
            state.signatures.append((signature(), links))
            state.examples.append(url)

    # -- the report --------------------------------------------------------------------------------
    def traps(self) -> dict[str, TrapReport]:
        return dict(self._traps)

    def skipped(self) -> int:
        return sum(r.skipped for r in self._traps.values())

    def _report(self, key: str, kind: str, pattern: str, example: str, evidence: str) -> TrapReport:
        report = self._traps.get(key)
        if report is None:
            report = self._traps[key] = TrapReport(kind=kind, pattern=pattern, example=example, evidence=evidence)
        return report

    def _skip(self, key: str, kind: str, pattern: str, url: str, evidence: str) -> TrapReport:
        return self._report(key, kind, pattern, url, evidence)
