"""report.html: one self-contained file (inline CSS, JS and SVG) that managers and lawyers open.

The page-level sections are rendered by Jinja2 with autoescaping on. The findings and pages
tables can hold tens of thousands of rows, so they travel as JSON in a
`<script type="application/json">` block and the inline script renders them a page of rows
at a time, inserting text only with `textContent`. A Content-Security-Policy that allows only
our own script (by hash) and no network source at all backs both up.
"""
from __future__ import annotations

import base64
import hashlib
import json
from importlib import resources
from typing import Any

import jinja2

from .. import charts, inputs
from ..coverage import coverage_text
from ..i18n import Labels
from ..inputs import FINDING_FIELDS, SEVERITIES
from ..summary import Summary, history_with_current, summarize
from .base import Formatter

MAX_FIXED_ROWS = 500
MAX_NOSCRIPT_ROWS = 300  # the no-script fallback lists the worst findings only
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

    def render(self, doc: dict, extra: dict, t: Labels) -> bytes:
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
            "fixed_more": max(0, len(s.fixed or []) - MAX_FIXED_ROWS),
            "noscript_rows": sorted(s.findings, key=lambda f: SEVERITIES.index(f["severity"]))[:MAX_NOSCRIPT_ROWS],
            "noscript_more": max(0, len(s.findings) - MAX_NOSCRIPT_ROWS),
            "facts": self._facts(extra, t),
            "fact_keys": FACT_KEYS,
            "uptime": self._uptime(extra),
            "uptime_windows": UPTIME_WINDOWS,
            "uptime_rules": self._uptime_rules(extra, t.lang),
            "data_json": safe_json(self._data(doc, s, t)),
        }
        html = self.env.get_template("report.html.j2").render(context)
        return html.encode("utf-8")

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
    def _data(doc: dict, s: Summary, t: Labels) -> dict[str, Any]:
        """The tables' data, compact: every string once in `strings`, rows as lists of indexes."""
        strings: list[str] = [""]
        index: dict[str, int] = {"": 0}

        def sid(value: Any) -> int:
            text = inputs.text(value)
            at = index.get(text)
            if at is None:
                at = index[text] = len(strings)
                strings.append(text)
            return at

        def cell(f: dict, key: str) -> Any:
            value = f.get(key)
            if key in ("line", "column", "doc_page"):
                return value if isinstance(value, int) and not isinstance(value, bool) else None
            if key == "rendered":
                return 1 if value is True else None
            return sid(value)

        rows = [[cell(f, k) for k in FINDING_FIELDS] for f in s.findings]
        per_url: dict[str, int] = {}
        for f in s.findings:
            per_url[f["url"]] = per_url.get(f["url"], 0) + 1
        pages = [[sid(p["url"]), p.get("status"), p.get("depth"), p.get("ms"), sid(p.get("title")),
                  sid(p.get("encoding")), per_url.get(p["url"], 0), 1 if p.get("rendered") is True else None]
                 for p in inputs.pages(doc)]
        cats = sorted({f["category"] for f in s.findings})
        return {
            "labels": t.table(),
            "fields": list(FINDING_FIELDS),
            "severities": {sev: t.severity(sev) for sev in SEVERITIES},
            "categories": {c: t.category(c) for c in cats},
            "wheres": {w: t.where(w) for w in {f.get("where") for f in s.findings} if w},
            "strings": strings,
            # International domain names are shown in Unicode; the links keep the A-label.
            "shown_urls": {u: inputs.shown_url(u) for u in strings if "xn--" in u.lower() and inputs.is_http_url(u)},
            "findings": rows,
            "pages": pages,
            # the page filter's choices: pages with findings, most findings first
            "page_choices": [[u, per_url[u]] for u in sorted(per_url, key=lambda u: (-per_url[u], u))],
        }
