"""junit.xml for CI dashboards: the findings are the failures.

One testsuite per page, holding one failing testcase per finding on it (a page without
findings gets one passing testcase), and one `checks` testsuite with one testcase per site
check: `error` (the check crashed) is a JUnit error, `skipped` is skipped, `fail` carries its
detail in system-out — the problems it found are failures in the page suites already, so the
number of `<failure>` elements is exactly the number of findings.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from .. import inputs
from ..i18n import Labels
from .base import Formatter

# XML 1.0 cannot carry most control characters, even escaped; page text sometimes has them.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(value) -> str:
    text = inputs.text(value)
    return _XML_BAD.sub("\ufffd", text) if _XML_BAD.search(text) else text


class JunitFormatter(Formatter):
    name = "junit"
    filename = "junit.xml"

    def render(self, doc: dict, extra: dict, labels: Labels) -> bytes:
        found = inputs.findings(doc)
        by_url: dict[str, list[dict]] = {}
        ms: dict[str, float] = {}
        for p in inputs.pages(doc):
            by_url.setdefault(str(p["url"]), [])
            if isinstance(p.get("ms"), (int, float)) and not isinstance(p.get("ms"), bool):
                ms[str(p["url"])] = p["ms"] / 1000
        for f in found:
            by_url.setdefault(str(f["url"]), []).append(f)
        run = inputs.as_dict(doc.get("run"), "run")
        root = ET.Element("testsuites", name=clean(f"siteaudit {run.get('site') or ''}".strip()))
        root.append(self._checks_suite(inputs.checks(doc)))
        for url, items in by_url.items():
            suite = self._page_suite(url, items, labels)
            suite.set("time", f"{ms.get(url, 0):.3f}")
            root.append(suite)
        for suite in root:
            suite.set("time", suite.get("time", "0"))
            if run.get("started"):
                suite.set("timestamp", clean(run["started"]))
            for case in suite.iter("testcase"):
                case.set("time", "0")
        totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for suite in root:
            for key in totals:
                totals[key] += int(suite.get(key, "0"))
        for key, value in totals.items():
            root.set(key, str(value))
        ET.indent(root)
        return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"

    def _checks_suite(self, checks: list[dict]) -> ET.Element:
        suite = ET.Element("testsuite", name="checks")
        errors = skipped = 0
        for c in checks:
            case = ET.SubElement(suite, "testcase", classname="checks", name=clean(c["id"]))
            status = c.get("status")
            detail = "\n".join(clean(f"{k}: {c[k]}") for k in ("status", "detail", "expected", "actual")
                               if c.get(k) not in (None, ""))
            if status == "error":
                errors += 1
                ET.SubElement(case, "error", message=clean(c.get("detail"))).text = detail
            elif status == "skipped":
                skipped += 1
                ET.SubElement(case, "skipped", message=clean(c.get("detail")))
            else:
                ET.SubElement(case, "system-out").text = detail
        suite.set("tests", str(len(checks)))
        suite.set("failures", "0")
        suite.set("errors", str(errors))
        suite.set("skipped", str(skipped))
        return suite

    def _page_suite(self, url: str, items: list[dict], labels: Labels) -> ET.Element:
        suite = ET.Element("testsuite", name=clean(url))
        for f in items:
            name = f"{f['rule']} {f.get('match') or ''}".strip()
            case = ET.SubElement(suite, "testcase", classname=clean(f"{url}#{f.get('where') or ''}"),
                                 name=clean(name))
            body = [f"{labels(k)}: {clean(f.get(k))}" for k in
                    ("category", "where", "match", "context", "line", "basis", "suggestion", "expected", "actual")
                    if f.get(k) not in (None, "")]
            failure = ET.SubElement(case, "failure", message=clean(f["message"]), type=clean(f["severity"]))
            failure.text = "\n".join(body)
        if not items:
            ET.SubElement(suite, "testcase", classname=clean(url), name="page")
        suite.set("tests", str(max(1, len(items))))
        suite.set("failures", str(len(items)))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        return suite
