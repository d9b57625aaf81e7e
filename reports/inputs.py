"""Reads the findings.json object and the report extras defensively.

Every output reads `doc` and `extra` through these helpers, so that a missing key shows as
"no data" and a malformed one is a `ReportInputError` naming the field, never a crash deep in
a template.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
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


class Rows:
    """A list-like stream of rows read afresh on each pass (the history store's findings, pages).

    `findings.json`'s `findings` and `pages` may be a list or a Rows: every output reads them
    through `findings()` / `pages()` below, one row at a time, so a run's outputs are written in
    memory that does not grow with its findings. `by_url` (optional) yields the rows ordered by
    URL (JUnit's suites); `count` is the number of rows when known without a pass.
    """

    def __init__(self, rows: Callable[[], Iterator[dict]], count: int | None = None,
                 by_url: Callable[[], Iterator[dict]] | None = None, by_group: Callable[[], Iterator[dict]] | None = None,
                 as_json: Callable[[], Iterator[str]] | None = None,
                 stats: Callable[[], list[tuple[str, str, str | None, int]]] | None = None):
        self._rows = rows
        self._count = count
        self._by_url = by_url
        self._by_group = by_group
        self._as_json = as_json
        self._stats = stats

    def as_json(self) -> Iterator[str] | None:
        """The rows as JSON text each, in `iter` order, when the source has them so (the store)."""
        return iter(self._as_json()) if self._as_json is not None else None

    def stats(self) -> list[tuple[str, str, str | None, int]] | None:
        """(severity, category, status, count) of the rows, when the source counts them itself."""
        return self._stats() if self._stats is not None else None

    def __iter__(self) -> Iterator[dict]:
        return iter(self._rows())

    def __len__(self) -> int:
        if self._count is None:
            self._count = sum(1 for _ in self._rows())
        return self._count

    def __bool__(self) -> bool:
        return len(self) > 0

    def by_url(self) -> Iterator[dict]:
        if self._by_url is not None:
            return iter(self._by_url())
        return iter(sorted(self._rows(), key=lambda r: str(r.get("url") or "")))

    def by_group(self) -> Iterator[dict] | None:
        return iter(self._by_group()) if self._by_group is not None else None


def as_list(value: Any, field: str) -> list:
    if value is None:
        return []
    if isinstance(value, Rows):
        return value  # type: ignore[return-value]  # iterable and sized, read in one pass
    if not isinstance(value, list):
        raise ReportInputError(field, f"expected a list, got {type(value).__name__}")
    return value


def count(doc: dict, field: str) -> int:
    return len(as_list(doc.get(field), field))


def as_dict(value: Any, field: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ReportInputError(field, f"expected an object, got {type(value).__name__}")
    return value


def findings(doc: dict, field: str = "findings") -> list[dict]:
    """The findings of `doc[field]`, each checked for SPEC's always-present keys, as a list
    (small documents: the tests, `check`); the outputs use `iter_findings`."""
    return list(iter_findings(doc, field))


def iter_findings(doc: dict, field: str = "findings", rows: Iterable | None = None) -> Iterator[dict]:
    """The findings of `doc[field]` (or of `rows`, another order of them), checked one at a time."""
    for i, f in enumerate(as_list(doc.get(field), field) if rows is None else rows):
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
        yield f


def findings_by_url(doc: dict) -> Iterator[dict]:
    """The findings ordered by URL (a stable sort: a page's findings keep their order)."""
    value = as_list(doc.get("findings"), "findings")
    if isinstance(value, Rows):
        return iter_findings(doc, rows=value.by_url())
    return iter(sorted(iter_findings(doc), key=lambda f: str(f["url"])))


def pages_by_url(doc: dict) -> Iterator[dict]:
    value = as_list(doc.get("pages"), "pages")
    if isinstance(value, Rows):
        return iter_pages(doc, rows=value.by_url())
    return iter(sorted(iter_pages(doc), key=lambda p: str(p["url"])))


def groups(doc: dict, extra: dict | None = None) -> list[dict]:
    """`doc["groups"]` when the document has them (an audit's, from the store); otherwise grouped
    here from its findings (a findings.json object built by hand, `check`)."""
    from .grouping import group_findings

    if doc.get("groups") is not None:
        out = []
        for i, g in enumerate(as_list(doc.get("groups"), "groups")):
            if not isinstance(g, dict) or not g.get("id") or not g.get("rule"):
                raise ReportInputError(f"groups[{i}]", "expected an object with id and rule")
            if g.get("severity") not in SEVERITIES:
                raise ReportInputError(f"groups[{i}].severity", f"{g.get('severity')!r} is not one of {', '.join(SEVERITIES)}")
            out.append(g)
        return out
    return group_findings(iter_findings(doc), count(doc, "pages"))


def fixed_groups(extra: dict) -> list[dict] | None:
    """The groups gone since the previous run; None when there was no previous run."""
    from .grouping import group_findings

    if "fixed_groups" in extra:
        if extra["fixed_groups"] is None:
            return None
        return [g for g in as_list(extra.get("fixed_groups"), "extra.fixed_groups") if isinstance(g, dict)]
    if extra.get("fixed") is None:
        return None
    return group_findings(iter_findings(extra, "fixed"), 0)


def checks(doc: dict) -> list[dict]:
    out = []
    for i, c in enumerate(as_list(doc.get("checks"), "checks")):
        if not isinstance(c, dict) or not c.get("id"):
            raise ReportInputError(f"checks[{i}].id", "missing")
        out.append(c)
    return out


def pages(doc: dict) -> list[dict]:
    return list(iter_pages(doc))


def iter_pages(doc: dict, rows: Iterable | None = None) -> Iterator[dict]:
    for i, p in enumerate(as_list(doc.get("pages"), "pages") if rows is None else rows):
        if not isinstance(p, dict) or not p.get("url"):
            raise ReportInputError(f"pages[{i}].url", "missing")
        yield p


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
