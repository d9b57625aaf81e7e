"""Reads the findings.json object and the report extras defensively.

Every output reads `doc` and `extra` through these helpers, so that a missing key shows as
"no data" and a malformed one is a `ReportInputError` naming the field, never a crash deep in
a template.
"""
from __future__ import annotations

from typing import Any

from rules.model import Severity

SEVERITIES = tuple(s.value for s in sorted(Severity, key=lambda s: -s.rank))  # error, warning, info
FINDING_FIELDS = ("rule", "category", "severity", "url", "where", "match", "context", "line", "column",
                  "message", "basis", "suggestion", "status", "expected", "actual", "rendered", "doc_page")
REQUIRED = ("rule", "category", "severity", "url", "message")


class ReportInputError(Exception):
    """`doc` or `extra` is not shaped as SPEC says; the message names the field.

    Not a ValueError on purpose: the CLI maps ValueError (a bad `--format`/`--lang`) to exit 2,
    while a malformed document is the tool's own failure (exit 3).
    """

    def __init__(self, field: str, problem: str):
        self.field = field
        super().__init__(f"report input {field}: {problem}")


def as_list(value: Any, field: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ReportInputError(field, f"expected a list, got {type(value).__name__}")
    return value


def as_dict(value: Any, field: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ReportInputError(field, f"expected an object, got {type(value).__name__}")
    return value


def findings(doc: dict, field: str = "findings") -> list[dict]:
    """The findings of `doc[field]`, each checked for SPEC's always-present keys."""
    out = []
    for i, f in enumerate(as_list(doc.get(field), field)):
        where = f"{field}[{i}]"
        if hasattr(f, "to_dict"):  # a rules.model.Finding handed over as is
            f = f.to_dict()
        if not isinstance(f, dict):
            raise ReportInputError(where, f"expected an object, got {type(f).__name__}")
        for key in REQUIRED:
            if f.get(key) in (None, ""):
                raise ReportInputError(f"{where}.{key}", "missing")
        if f["severity"] not in SEVERITIES:
            raise ReportInputError(f"{where}.severity",
                                   f"{f['severity']!r} is not one of {', '.join(SEVERITIES)}")
        out.append(f)
    return out


def checks(doc: dict) -> list[dict]:
    out = []
    for i, c in enumerate(as_list(doc.get("checks"), "checks")):
        if not isinstance(c, dict) or not c.get("id"):
            raise ReportInputError(f"checks[{i}].id", "missing")
        out.append(c)
    return out


def pages(doc: dict) -> list[dict]:
    out = []
    for i, p in enumerate(as_list(doc.get("pages"), "pages")):
        if not isinstance(p, dict) or not p.get("url"):
            raise ReportInputError(f"pages[{i}].url", "missing")
        out.append(p)
    return out


def text(value: Any) -> str:
    """A cell's text: None is empty, lists are joined, everything else is str()."""
    if type(value) is str:  # the common case, first: this runs for every cell of every output
        return value
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {text(v)}" for k, v in value.items())
    if hasattr(value, "value") and isinstance(value.value, str):  # an enum such as Severity
        return value.value
    return str(value)


def is_http_url(url: Any) -> bool:
    """Only http(s) URLs become links; `javascript:` and friends stay text."""
    return isinstance(url, str) and url[:8].lower().startswith(("http://", "https://"))


def split_match(context: str | None, match: str | None) -> tuple[str, str, str] | None:
    """(before, match, after) around the first occurrence of `match` in `context`, or None.

    Callers escape each part and wrap only the middle one: the highlight is built around the
    text, never by inserting markup into it.
    """
    if not context or not match:
        return None
    at = context.find(match)
    if at < 0:
        return None
    return context[:at], match, context[at + len(match):]


def shown_url(value: Any) -> str:
    """A URL as people read it: an international domain name in Unicode (中文.中国, not
    xn--fiq228c.xn--fiqs8s); the link itself keeps the A-label form that is sent on the wire."""
    url = text(value)
    if "xn--" not in url.lower():
        return url
    from urllib.parse import urlsplit

    import idna

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        shown = idna.decode(host)
    except (ValueError, idna.IDNAError, UnicodeError):
        return url
    start = url.lower().find(host)
    return url if start < 0 else url[:start] + shown + url[start + len(host):]
