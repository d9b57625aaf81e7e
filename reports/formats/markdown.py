"""summary.md: a short text for chat and e-mail — verdict, counts, checks, the worst findings."""
from __future__ import annotations

import re
from collections import Counter

from .. import inputs
from ..coverage import coverage_text
from ..i18n import Labels
from ..summary import summarize
from .base import Formatter

TOP_FINDINGS = 20
# Markdown and the HTML that many Markdown renderers pass through: escape all of it, so page
# text can neither format the message nor inject a link or a tag.
# Page text only ever appears mid-line (after our own "- " or "| "), so the line-start markers
# (#, -, +, 1.) cannot trigger; what remains are the inline ones.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_RANK = {"error": 0, "warning": 1, "info": 2}


def md(value) -> str:
    flat = " ".join(inputs.text(value).split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


class MarkdownFormatter(Formatter):
    name = "md"
    filename = "summary.md"

    def render(self, doc: dict, extra: dict, t: Labels) -> bytes:
        s = summarize(doc, extra)
        run = inputs.as_dict(doc.get("run"), "run")
        profile = inputs.as_dict(extra.get("profile"), "extra.profile")
        site = profile.get("name") or run.get("site") or ""
        out = [f"# {t('title')}: {md(site)}", ""]
        out.append(f"**{t('verdict')}: {t('verdict_' + s.verdict)}** — {t('verdict_' + s.verdict + '_text')}")
        out.append("")
        covered = coverage_text(run.get("coverage"), t.lang)
        if covered:
            out += [f"**{md(covered)}**", ""]
        if s.partial:
            out += [f"> **{t('partial_title')}**: {md(t.finish_reason(inputs.text(extra.get('partial_reason'))))}", ""]
        out.append(f"- {t('run_id')}: {md(run.get('id')) or '—'}")
        out.append(f"- {t('started')}: {md(run.get('started')) or '—'}")
        out.append(f"- {t('pages_crawled')}: {md(run.get('pages')) or '—'}")
        out.append("")
        out.append(f"| {t('severity')} | {t('count')} |")
        out.append("|---|---:|")
        for sev, n in s.by_severity.items():
            out.append(f"| {t.severity(sev)} | {n} |")
        out.append(f"| {t('total')} | {s.total} |")
        out.append("")
        fixed = t("no_data") if s.fixed is None else len(s.fixed)
        out.append(f"{t('new')} {s.new} · {t('persisting')} {s.persisting} · {t('fixed')} {fixed}")
        out.append("")
        troubled = [c for c in s.checks if c.get("status") in ("fail", "error")]
        if s.checks:
            out += [f"## {t('sec_checks')}", ""]
            for c in troubled:
                name = t.check_name(c["id"])
                out.append(f"- {t.check_status(str(c.get('status')))}: {name + ' ' if name else ''}{md(c['id'])}"
                           f" {md(c.get('detail'))}".rstrip())
            others = Counter(str(c.get("status")) for c in s.checks if c not in troubled)
            if others:
                out.append("- " + " · ".join(f"{t.check_status(k)} {n}" for k, n in sorted(others.items())))
            out.append("")
        if s.findings:
            out += [f"## {t('sec_findings')}", ""]
            worst = sorted(s.findings, key=lambda f: _RANK[f["severity"]])[:TOP_FINDINGS]
            for f in worst:
                match = f" «{md(f['match'])}»" if f.get("match") else ""
                out.append(f"- [{t.severity(f['severity'])}] {md(f['rule'])}{match} {md(f['message'])} — {md(f['url'])}")
            if len(s.findings) > TOP_FINDINGS:
                out.append(f"- {t('more_rows', n=len(s.findings) - TOP_FINDINGS)}")
            out.append("")
        return "\n".join(out).encode("utf-8")
