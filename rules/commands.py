"""`siteaudit check` and `siteaudit rules list|show|test`: the functions the CLI calls.

Each returns the exit code of SPEC: 0 nothing at or above --fail-on, 1 findings at or above it,
2 usage or configuration error (the message names file, line and field), 3 the tool failed.
"""
from __future__ import annotations

import json
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, TextIO

from .errors import AuditError, RuleError
from .model import Finding, pick

FAIL_ON = ("error", "warning", "info", "never")
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")


def _err(out: TextIO, message: str) -> None:
    stream = sys.stderr if out is sys.stdout else out
    print(f"siteaudit: {message}", file=stream)


def _read(path: str) -> str:
    """A file (or stdin for "-") as text: UTF-8, else GB18030 (which covers GBK/GB2312)."""
    if path == "-":
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise AuditError(f"cannot read file: {exc.strerror or exc}", file=path) from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AuditError("not UTF-8 or GB18030 text", file=path)


def _is_html(path: str, text: str) -> bool:
    """HTML by file name, or (for stdin) by what the text starts with."""
    if path.lower().endswith(HTML_SUFFIXES):
        return True
    return path == "-" and text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))


def _tool_version() -> str:
    try:
        from importlib.metadata import version

        return version("siteaudit")
    except Exception:  # not installed (running from a checkout): the version in pyproject
        return "0.1.0"


def check_command(paths: list[str], fmt: str = "text", fail_on: str = "error", extra: Iterable[str] = (),
                  lang: str = "zh", out: TextIO = sys.stdout) -> int:
    """Check text, Markdown or HTML files (stdin for [] or "-") against the phrase rules."""
    from .loader import load_ruleset

    if fmt not in ("text", "json"):
        _err(out, f"--format: must be text or json, not {fmt!r}")
        return 2
    if fail_on not in FAIL_ON:
        _err(out, f"--fail-on: must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
        return 2
    started = datetime.now(timezone.utc)
    try:
        rs = load_ruleset(extra=list(extra), lang=lang)
        findings: list[Finding] = []
        for path in paths or ["-"]:
            text = _read(path)
            url = "-" if path == "-" else path
            if _is_html(path, text):
                found = rs.check_html(text, url=url)
            else:
                found = rs.check(text, url=url)
            findings.extend(sorted(found, key=lambda f: (f.line or 0, f.column or 0)))
    except AuditError as exc:
        _err(out, str(exc))
        return 2
    if fmt == "json":
        json.dump(_document(findings, started, paths), out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        for f in findings:
            print(f"{f.url}:{f.line}:{f.column}: {f.severity.value} {f.rule} {f.message}：“{f.match}”", file=out)
    return 1 if any(f.severity.at_least(fail_on) for f in findings) else 0


def _document(findings: list[Finding], started: datetime, paths: list[str]) -> dict:
    """The findings.json object of SPEC (schema siteaudit/1) without run.pages and pages."""
    summary = {"error": 0, "warning": 0, "info": 0, "new": 0, "fixed": 0}
    for f in findings:
        summary[f.severity.value] += 1
    finished = datetime.now(timezone.utc)
    return {
        "schema": "siteaudit/1",
        "tool": {"name": "siteaudit", "version": _tool_version()},
        "run": {"id": uuid.uuid4().hex, "site": ", ".join(paths or ["-"]), "started": started.isoformat(),
                "finished": finished.isoformat(), "finish_reason": "finished"},
        "summary": summary,
        "checks": [],
        "findings": [f.to_dict() for f in findings],
    }


def rules_list_command(extra: Iterable[str] = (), lang: str = "zh", out: TextIO = sys.stdout) -> int:
    """One line per rule: id, category, severity, basis (deprecated rules marked)."""
    from .loader import load_rules

    try:
        rules = load_rules(extra=list(extra))
    except RuleError as exc:
        _err(out, str(exc))
        return 2
    for r in rules:
        flag = " (deprecated)" if r.deprecated else ""
        message = r.text(lang)[0]
        print(f"{r.id}\t{r.category}\t{r.severity.value}\t{r.basis}\t{message}{flag}", file=out)
    return 0


def rules_show_command(rule_id: str, extra: Iterable[str] = (), lang: str = "zh", out: TextIO = sys.stdout) -> int:
    """One rule in full, with its examples."""
    from .loader import load_rules

    try:
        rules = {r.id: r for r in load_rules(extra=list(extra))}
    except RuleError as exc:
        _err(out, str(exc))
        return 2
    rule = rules.get(rule_id)
    if rule is None:
        _err(out, f"unknown rule id {rule_id!r}")
        return 2
    message, suggestion = rule.text(lang)
    lines = [
        f"{rule.id}  {rule.category}  {rule.severity.value}" + ("  (deprecated)" if rule.deprecated else ""),
        f"{pick(lang, '说明', 'message')}: {message}",
        f"{pick(lang, '依据', 'basis')}: {rule.basis}",
        f"{pick(lang, '建议', 'suggestion')}: {suggestion}",
        f"{pick(lang, '链接', 'link')}: {rule.link}",
        f"{pick(lang, '词条', 'terms')}: {'、'.join(rule.terms)}",
        f"{pick(lang, '正则', 'patterns')}: {'  '.join(rule.patterns)}",
        f"{pick(lang, '例外', 'exceptions')}: {'、'.join(rule.exceptions + rule.exception_patterns)}",
        f"{pick(lang, '应命中', 'flags')}: " + " | ".join(rule.examples_flag),
        f"{pick(lang, '应通过', 'passes')}: " + " | ".join(rule.examples_pass),
        f"{pick(lang, '定义于', 'defined at')}: {rule.file}:{rule.line}",
    ]
    print("\n".join(lines), file=out)
    return 0


def rules_test_command(path: str | None = None, out: TextIO = sys.stdout) -> int:
    """Validate a rule file (no path: every bundled pack) and run its examples.

    Problems are printed as `file:line: field: what is wrong`; any problem → exit 2.
    """
    from .loader import load_rules, pack_paths, read_pack
    from .ruleset import RuleSet

    files = [Path(path)] if path else pack_paths(["all"])
    problems: list[str] = []
    count = 0
    bundled: dict[str, object] = {}
    if path:
        try:
            bundled = {r.id: r for r in load_rules()}
        except RuleError as exc:
            problems.append(str(exc))
    for file in files:
        try:
            rules = read_pack(file)
        except RuleError as exc:
            problems.append(str(exc))
            continue
        for r in rules:
            if r.id in bundled:
                first = bundled[r.id]
                problems.append(f"{r.file}:{r.line}: id: {r.id} is already used by {first.file}:{first.line}"
                                " (rule ids are never reused)")
        live = [r for r in rules if not r.deprecated]
        count += len(rules)
        problems.extend(RuleSet(live).run_examples())
    for p in problems:
        print(p, file=out)
    if problems:
        return 2
    print(f"ok: {count} rules in {len(files)} file(s), every example behaves", file=out)
    return 0
