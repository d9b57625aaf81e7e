"""report.html: one self-contained file (inline CSS, JS and SVG) that managers and lawyers open.

The page-level sections are rendered by Jinja2 with autoescaping on. The main list is the
distinct problems (groups), each expandable to every occurrence; groups, occurrences and pages
travel as compact JSON in a `<script type="application/json">` block (every URL once in
`strings`, an occurrence a short array pointing at its group), written as a stream while the
findings are read, and the inline script renders them a page of rows at a time, inserting text
only with `textContent`. A Content-Security-Policy that allows only our own script (by hash)
and no network source at all backs both up.
"""
from __future__ import annotations

import base64
import hashlib
import json
from importlib import resources
from typing import Any, BinaryIO

import jinja2

from rules.model import PHRASE_CATEGORIES

from .. import charts, inputs
from ..grouping import group_id
from ..coverage import coverage_text
from ..i18n import Labels
from ..inputs import SEVERITIES
from ..summary import MAX_FIXED_ROWS, Summary, history_with_current, summarize
from .base import Formatter

MAX_NOSCRIPT_ROWS = 300  # the no-script fallback lists the worst problems only
PRINT_OCCURRENCES = 5    # the printed report lists this many occurrences of each problem
_DATA_MARK = "\x00siteaudit-report-data\x00"
# The fields of a group the script reads, in the order of its compact rows.
GROUP_KEYS = ("id", "rule", "category", "severity", "match", "context", "message", "basis", "suggestion",
              "expected", "actual", "where", "wheres", "template", "pages", "occurrences", "status")
GROUP_STRINGS = ("rule", "category", "severity", "match", "context", "message", "basis", "suggestion", "expected",
                 "actual", "where", "status")
WHERE_CODES = ("", "title", "meta", "body", "alt", "footer", "header", "dns", "tls", "http", "pdf")
UPTIME_WINDOWS = ("1d", "7d", "30d")
FACT_KEYS = ("icp_filing", "icp_license", "psb_filing", "title", "ips", "ipv6", "https", "uptime")


def safe_json(value: Any) -> str:
    """JSON that can sit inside a <script> element: no `<`, `>` or `&` can end it early."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _resource(name: str) -> str:
    return resources.files("reports").joinpath("templates", name).read_text(encoding="utf-8")


def make_env(strict: bool = False) -> jinja2.Environment:
    """Autoescape on for every template; StrictUndefined when `strict` (the tests use it)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined if strict else jinja2.Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class HtmlFormatter(Formatter):
    name = "html"
    filename = "report.html"

    def __init__(self, strict: bool = False):
        self.env = make_env(strict)
        self.env.tests["http_url"] = inputs.is_http_url
        self.env.filters["cell"] = inputs.text
        self.env.filters["shown_url"] = inputs.shown_url
        self.env.filters["split_match"] = lambda f: inputs.split_match(f.get("context"), f.get("match"))

    def stream(self, doc: dict, extra: dict, t: Labels, out: BinaryIO) -> None:
        s = summarize(doc, extra)
        script = _resource("report.js")
        script_hash = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
        runs = history_with_current(doc, extra, s)
        context = {
            "t": t,
            "lang": t.lang,
            "html_lang": "zh-CN" if t.lang == "zh" else "en",
            "css": _resource("report.css"),
            "script": script,
            "script_hash": script_hash,
            "tool": inputs.as_dict(doc.get("tool"), "tool"),
            "run": inputs.as_dict(doc.get("run"), "run"),
            "site": self._site(doc, extra),
            "domains": inputs.as_list(inputs.as_dict(extra.get("profile"), "extra.profile").get("domains"),
                                      "extra.profile.domains"),
            "partial": s.partial,
            "coverage_line": coverage_text(inputs.as_dict(doc.get("run"), "run").get("coverage"), t.lang),
            "partial_reason": t.finish_reason(inputs.text(extra.get("partial_reason"))),
            "s": s,
            "severities": SEVERITIES,
            "checks": s.checks,
            "cat_chart": charts.category_bars(s.by_category, t.category),
            "runs": runs,
            "history_chart": charts.history_lines(runs) if runs else None,
            "uptime_chart": charts.uptime_line(runs) if runs else None,
            "fixed_rows": (s.fixed or [])[:MAX_FIXED_ROWS],
            "fixed_more": max(0, (s.fixed_count or 0) - MAX_FIXED_ROWS),
            "fixed_groups": (s.fixed_groups or [])[:MAX_FIXED_ROWS],
            "noscript_rows": s.groups[:MAX_NOSCRIPT_ROWS],
            "noscript_more": max(0, len(s.groups) - MAX_NOSCRIPT_ROWS),
            "print_occurrences": PRINT_OCCURRENCES,
            "facts": self._facts(extra, t),
            "fact_keys": FACT_KEYS,
            "uptime": self._uptime(extra),
            "uptime_windows": UPTIME_WINDOWS,
            "uptime_rules": self._uptime_rules(extra, t.lang),
            "data_json": _DATA_MARK,
        }
        html = self.env.get_template("report.html.j2").render(context)
        head, tail = html.split(_DATA_MARK)
        out.write(head.encode("utf-8"))
        self._stream_data(doc, s, t, out)
        out.write(tail.encode("utf-8"))

    @staticmethod
    def _site(doc: dict, extra: dict) -> str:
        profile = inputs.as_dict(extra.get("profile"), "extra.profile")
        run = inputs.as_dict(doc.get("run"), "run")
        return inputs.text(profile.get("name") or run.get("site"))

    @staticmethod
    def _fact(value: Any, key: str, t: Labels) -> str:
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, bool):
            return t("yes") if value else t("no")
        if key == "uptime" and isinstance(value, (int, float)):
            return f"{value:.2f}%"
        return inputs.text(value)

    def _facts(self, extra: dict, t: Labels) -> list[dict[str, str]]:
        facts = inputs.as_dict(extra.get("facts"), "extra.facts")
        rows = []
        for domain, values in facts.items():
            values = inputs.as_dict(values, f"extra.facts.{domain}")
            rows.append({"domain": inputs.text(domain),
                         **{k: self._fact(values.get(k), k, t) for k in FACT_KEYS}})
        return rows

    @staticmethod
    def _uptime(extra: dict) -> list[dict[str, str]]:
        uptime = inputs.as_dict(extra.get("uptime"), "extra.uptime")
        rows = []
        for domain, windows in uptime.items():
            if domain == "uptime_rules" or not isinstance(windows, dict):
                continue
            row = {"domain": inputs.text(domain)}
            for w in UPTIME_WINDOWS:
                v = windows.get(w)
                row[w] = f"{v:.2f}%" if isinstance(v, (int, float)) and not isinstance(v, bool) else "—"
            rows.append(row)
        return rows

    @staticmethod
    def _uptime_rules(extra: dict, lang: str) -> str:
        rules = inputs.as_dict(extra.get("uptime"), "extra.uptime").get("uptime_rules", extra.get("uptime_rules"))
        if isinstance(rules, dict):
            return inputs.text(rules.get(lang) or rules.get("zh") or rules.get("en"))
        return inputs.text(rules)

    @staticmethod
    def _stream_data(doc: dict, s: Summary, t: Labels, out: BinaryIO) -> None:
        """The tables' data, compact and streamed: URLs and group texts once in `strings`; a page
        is [url, status, depth, ms, title, encoding]; an occurrence is [group, url, line, column,
        where, context or 0 when the group's, actual or 0 when the group's, 1 when new, PDF page or 0,
        1 when found in the rendered page]."""
        strings: list[str] = [""]
        index: dict[str, int] = {"": 0}

        def sid(value: Any) -> int:
            text = inputs.text(value)
            at = index.get(text)
            if at is None:
                at = index[text] = len(strings)
                strings.append(text)
            return at

        def num(value: Any) -> Any:
            return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

        def write(text: str) -> None:
            out.write(text.encode("utf-8"))

        groups = s.groups
        at = {g["id"]: i for i, g in enumerate(groups)}
        wheres = {w: i for i, w in enumerate(WHERE_CODES)}
        write('{"labels":' + safe_json(t.table()))
        write(',"severities":' + safe_json({sev: t.severity(sev) for sev in SEVERITIES}))
        write(',"categories":' + safe_json({c: t.category(c) for c in sorted({g["category"] for g in groups})}))
        write(',"wheres":' + safe_json({w: t.where(w) for w in WHERE_CODES if w}))
        write(',"where_codes":' + safe_json(list(WHERE_CODES)))
        write(',"group_keys":' + safe_json(list(GROUP_KEYS)))
        # a group's texts (message, basis, suggestion: the same for every group of a rule) once in strings
        write(',"group_strings":' + safe_json(list(GROUP_STRINGS)))
        write(',"groups":' + safe_json([[sid(g.get(k)) if k in GROUP_STRINGS else g.get(k) for k in GROUP_KEYS]
                                         + [[sid(u) for u in g.get("urls") or []]] for g in groups]))
        write(',"pages":[')
        for n, p in enumerate(inputs.iter_pages(doc)):
            write(("," if n else "") + safe_json([sid(p["url"]), p.get("status"), p.get("depth"), num(p.get("ms")),
                                                  sid(p.get("title")), sid(p.get("encoding")),
                                                  1 if p.get("rendered") is True else 0]))
        write('],"occ":[')
        rows = inputs.as_list(doc.get("findings"), "findings")
        ordered = rows.by_group() if isinstance(rows, inputs.Rows) else None
        found = inputs.iter_findings(doc, rows=ordered) if ordered is not None else inputs.iter_findings(doc)
        batch: list[list] = []
        first = True
        for f in found:
            g = at.get(f.get("group") or group_id(f))
            if g is None:   # a finding the groups do not know (a hand-made doc): leave it out of the tree
                continue
            group = groups[g]
            # A phrase group is one sentence: its occurrences show the group's context (each one's
            # own window is in findings.json and findings.csv). A site check's context is its own.
            ctx = (group.get("context") or "") if f.get("category") in PHRASE_CATEGORIES else (f.get("context") or "")
            actual = f.get("actual") or ""
            batch.append([g, sid(f["url"]), num(f.get("line")), num(f.get("column")),
                          wheres.get(f.get("where") or "", 0),
                          0 if ctx == (group.get("context") or "") else ctx,
                          0 if actual == (group.get("actual") or "") else actual,
                          1 if f.get("status") == "new" else 0,
                          num(f.get("doc_page")) or 0, 1 if f.get("rendered") is True else 0])
            if len(batch) >= 2000:
                write(("" if first else ",") + safe_json(batch)[1:-1])
                batch.clear()
                first = False
        if batch:
            write(("" if first else ",") + safe_json(batch)[1:-1])
        write('],"strings":' + safe_json(strings))
        # International domain names are shown in Unicode; the links keep the A-label.
        write(',"shown_urls":' + safe_json({u: inputs.shown_url(u) for u in strings
                                            if "xn--" in u.lower() and inputs.is_http_url(u)}) + "}")
