"""junit.xml for CI dashboards: the findings are the failures.

One testsuite per page, holding one failing testcase per finding on it (a page without
findings gets one passing testcase), and one `checks` testsuite with one testcase per site
check: `error` (the check crashed) is a JUnit error, `skipped` is skipped, `fail` carries its
detail in system-out — the problems it found are failures in the page suites already, so the
number of `<failure>` elements is exactly the number of findings.

Written as a stream: findings are read in URL order, one page's findings in memory at a time,
then the pages without findings; a first pass counts the totals the root element carries.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

from .. import inputs
from ..i18n import Labels
from .base import Formatter

# XML 1.0 cannot carry most control characters, even escaped; page text sometimes has them.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ATTR_WS = {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def clean(value) -> str:
    text = inputs.text(value)
    return _XML_BAD.sub("\ufffd", text) if _XML_BAD.search(text) else text


def attr(value) -> str:
    return quoteattr(clean(value), _ATTR_WS)


def body(value) -> str:
    return escape(clean(value))


def by_page(doc: dict) -> Iterator[tuple[str, float, list[dict]]]:
    """(url, seconds, findings on it) for every URL with findings (read in URL order, one page's
    findings at a time), then every page without findings. Only the pages' times and the URLs seen
    are kept (they grow with the pages, never with the findings); nothing depends on the store
    sorting URLs the way Python does."""
    seconds: dict[str, float] = {}
    for page in inputs.iter_pages(doc):
        ms = page.get("ms")
        seconds[str(page["url"])] = ms / 1000 if isinstance(ms, (int, float)) and not isinstance(ms, bool) else 0.0
    seen: set[str] = set()
    url, items = None, []
    for f in inputs.findings_by_url(doc):
        if str(f["url"]) != url:
            if url is not None:
                yield url, seconds.get(url, 0.0), items
                seen.add(url)
            url, items = str(f["url"]), []
        items.append(f)
    if url is not None:
        yield url, seconds.get(url, 0.0), items
        seen.add(url)
    for page_url, secs in seconds.items():
        if page_url not in seen:
            yield page_url, secs, []


class JunitFormatter(Formatter):
    name = "junit"
    filename = "junit.xml"

    def stream(self, doc: dict, extra: dict, labels: Labels, out: BinaryIO) -> None:
        run = inputs.as_dict(doc.get("run"), "run")
        checks = inputs.checks(doc)
        stamp = f" timestamp={attr(run['started'])}" if run.get("started") else ""
        errors = sum(c.get("status") == "error" for c in checks)
        skipped = sum(c.get("status") == "skipped" for c in checks)
        tests, failures = len(checks), 0
        for _, _, items in by_page(doc):
            tests += max(1, len(items))
            failures += len(items)
        name = clean(f"siteaudit {run.get('site') or ''}".strip())
        w = out.write
        w(b"<?xml version='1.0' encoding='utf-8'?>\n")
        w(f"<testsuites name={attr(name)} tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" "
          f"skipped=\"{skipped}\">\n".encode("utf-8"))
        w(self._checks_suite(checks, stamp).encode("utf-8"))
        for url, seconds, items in by_page(doc):
            w(self._page_suite(url, seconds, items, labels, stamp).encode("utf-8"))
        w(b"</testsuites>\n")

    @staticmethod
    def _checks_suite(checks: list[dict], stamp: str) -> str:
        errors = sum(c.get("status") == "error" for c in checks)
        skipped = sum(c.get("status") == "skipped" for c in checks)
        out = [f'  <testsuite name="checks" tests="{len(checks)}" failures="0" errors="{errors}" '
               f'skipped="{skipped}" time="0"{stamp}>\n']
        for c in checks:
            status = c.get("status")
            detail = "\n".join(clean(f"{k}: {c[k]}") for k in ("status", "detail", "expected", "actual")
                               if c.get(k) not in (None, ""))
            out.append(f'    <testcase classname="checks" name={attr(c["id"])} time="0">\n')
            if status == "error":
                out.append(f"      <error message={attr(c.get('detail'))}>{escape(detail)}</error>\n")
            elif status == "skipped":
                out.append(f"      <skipped message={attr(c.get('detail'))} />\n")
            else:
                out.append(f"      <system-out>{escape(detail)}</system-out>\n")
            out.append("    </testcase>\n")
        out.append("  </testsuite>\n")
        return "".join(out)

    @staticmethod
    def _page_suite(url: str, seconds: float, items: list[dict], labels: Labels, stamp: str) -> str:
        out = [f'  <testsuite name={attr(url)} tests="{max(1, len(items))}" failures="{len(items)}" errors="0" '
               f'skipped="0" time="{seconds:.3f}"{stamp}>\n']
        for f in items:
            name = f"{f['rule']} {f.get('match') or ''}".strip()
            text = "\n".join(f"{labels(k)}: {clean(f.get(k))}" for k in
                             ("category", "where", "match", "context", "line", "basis", "suggestion", "expected",
                              "actual") if f.get(k) not in (None, ""))
            out.append(f"    <testcase classname={attr(url + '#' + (f.get('where') or ''))} name={attr(name)} "
                       f'time="0">\n      <failure message={attr(f["message"])} type={attr(f["severity"])}>'
                       f"{escape(text)}</failure>\n    </testcase>\n")
        if not items:
            out.append(f'    <testcase classname={attr(url)} name="page" time="0" />\n')
        out.append("  </testsuite>\n")
        return "".join(out)
