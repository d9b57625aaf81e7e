"""URL normalisation and the optional pattern cap: one URL per page.

Pure functions over strings; the spider calls `normalize_url` on every internal link before it is
scheduled and asks a `PatternCap` whether the link's path pattern still has room.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Parameters that never change what a page says: campaign tracking and session ids.
TRACKING_PARAMS = frozenset({"spm", "from", "fbclid", "gclid", "msclkid", "yclid", "_hsenc", "_hsmi"})
SESSION_PARAMS = frozenset({"jsessionid", "phpsessid", "sid", "sessionid", "aspsessionid", "session_id",
                            "sessid", "sess_id", "cfid", "cftoken", "zenid", "oscsid"})
# `;jsessionid=…` path parameters, and ASP.NET's cookieless `/(S(…))/` segment.
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid|sessionid)=[^/?#]*|/\((?:[A-Z]\([^)]*\))+\)(?=/)",
                           re.IGNORECASE)
_DIGITS = re.compile(r"\d+")


def stripped_params(extra: tuple[str, ...] | list[str] = ()) -> frozenset[str]:
    """The lower-case parameter names dropped from every URL: tracking, session ids and `extra`."""
    return TRACKING_PARAMS | SESSION_PARAMS | frozenset(p.lower() for p in extra)


# Every page repeats its navigation links: the same few hundred URLs are normalised over and over.
@functools.lru_cache(maxsize=8192)
def normalize_url(url: str, strip: frozenset[str] = stripped_params()) -> str:
    """The canonical form of `url`: no fragment, lower-case scheme and host, no default port,
    `;jsessionid=` path parameters and the `strip` (and `utm_*`) query parameters removed, the
    remaining query parameters sorted. Two links to one page become one URL."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:  # a malformed port: keep the URL as it was written
        return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = (_PATH_SESSION.sub("", parts.path) if (";" in parts.path or "(" in parts.path) else parts.path) or "/"
    query = parts.query
    if query:
        kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
                if not (k.lower() in strip or k.lower().startswith("utm_"))]
        query = urlencode(sorted(kept))
    return urlunsplit((scheme, netloc, path, query, ""))


def session_params(url: str) -> list[str]:
    """The session ids written in `url` (query names, `;jsessionid=`, `/(S(…))/`), as found."""
    parts = urlsplit(url)
    found = [m.group(0).strip(";/=")[:12] for m in _PATH_SESSION.finditer(parts.path)] if parts.path else []
    if parts.query:
        found += [k for k, _ in parse_qsl(parts.query, keep_blank_values=True) if k.lower() in SESSION_PARAMS]
    return found


@functools.lru_cache(maxsize=8192)   # a page's links are judged by pattern several times each
def url_pattern(url: str) -> str:
    """The shape of a URL: host, path with every digit run replaced by `N`, and the sorted query keys.

    `/cal/2026/11?day=3` and `/cal/2031/4?day=17` share the pattern `host/cal/N/N?day`, so a
    calendar that links to the next month for ever is one pattern and meets the cap.
    """
    parts = urlsplit(url)
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    pattern = f"{(parts.hostname or '').lower()}{_DIGITS.sub('N', parts.path)}"
    return f"{pattern}?{'&'.join(keys)}" if keys else pattern


@dataclass
class PatternCap:
    """Counts scheduled URLs per pattern; past `cap` a pattern's URLs are refused and counted.

    `crawl.pattern_cap`, off (0) by default: traps are ended by evidence (`crawler/traps.py`), and a
    catalogue is one pattern. A user may still cap a pattern's pages. Memory grows with the number
    of distinct patterns, not pages: a site has tens or hundreds.
    """

    cap: int
    counts: dict[str, int] = field(default_factory=dict)
    truncated: dict[str, int] = field(default_factory=dict)   # pattern -> URLs refused
    examples: dict[str, str] = field(default_factory=dict)    # pattern -> first refused URL

    def admit(self, url: str) -> bool:
        """True when `url` may be crawled; False (and counted) when its pattern is full."""
        if not self.cap:
            return True
        pattern = url_pattern(url)
        seen = self.counts.get(pattern, 0)
        if seen < self.cap:
            self.counts[pattern] = seen + 1
            return True
        self.truncated[pattern] = self.truncated.get(pattern, 0) + 1
        self.examples.setdefault(pattern, url)
        return False
