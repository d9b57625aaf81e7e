"""summary.md: a short text for chat and e-mail — verdict, counts, checks, the top distinct problems."""
from __future__ import annotations

import re
from collections import Counter
from typing import BinaryIO

from .. import inputs
from ..coverage import coverage_text
from ..i18n import Labels
from ..summary import summarize
from .base import Formatter

TOP_GROUPS = 20
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

    def stream(self, doc: dict, extra: dict, t: Labels, out_file: BinaryIO) -> None:
        out_file.write(self._text(doc, extra, t).encode("utf-8"))

    def _text(self, doc: dict, extra: dict, t: Labels) -> str:
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
        fixed = t("no_data") if s.fixed_count is None else s.fixed_count
        out.append(f"{t('new')} {s.new} · {t('persisting')} {s.persisting} · {t('fixed')} {fixed}")
        out.append("")
        fixed_groups = t("no_data") if s.fixed_groups is None else len(s.fixed_groups)
        out.append(f"{t('groups_n')} {len(s.groups)} · {t('new')} {s.new_groups} · {t('fixed')} {fixed_groups}"
                   f" · {t('template')} {s.template_groups}")
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
        out += _group_section(t("sec_findings"), s.groups, t)
        out += _group_section(t("fixed_groups"), s.fixed_groups, t, status=False)
        return "\n".join(out)


def group_line(g: dict, t: Labels, status: bool = True) -> str:
    """`[错误] AD101 «最佳» message — 全站模板 · 页眉 · 3000 页 / 3000 处（新增）`."""
    match = f" «{md(g['match'])}»" if g.get("match") else ""
    place = [t("template")] if g.get("template") else []
    if g.get("where"):
        place.append(t.where(g["where"]))
    place.append(t("reach", pages=g.get("pages", 0), n=g.get("occurrences", 0)))
    where = " · ".join(place)
    first = f" ({md(g['urls'][0])})" if g.get("urls") and not g.get("template") else ""
    tag = f" ({t('new')})" if status and g.get("status") == "new" else ""
    return f"[{t.severity(g['severity'])}] {md(g['rule'])}{match} {md(g.get('message'))} — {where}{first}{tag}"


def _group_section(title: str, groups: list, t: Labels, status: bool = True) -> list[str]:
    """A heading and the top groups, one line each, and how many more there are ([] without groups)."""
    if not groups:
        return []
    out = [f"## {title}", ""]
    out += [f"- {group_line(g, t, status=status)}" for g in groups[:TOP_GROUPS]]
    if len(groups) > TOP_GROUPS:
        out.append(f"- {t('more_groups', n=len(groups) - TOP_GROUPS)}")
    return out + [""]
