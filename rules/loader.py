"""Rule packs (YAML) → validated `Rule`s → a `RuleSet`.

A pack is one family of rules: `rules/packs/<family>.yaml` with `family`, optional `defaults`
(any rule field, merged under each rule; `context` merged key by key) and `rules`. Every error
names the file, the line and the field (`RuleError`).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from . import yamlfile
from .errors import RuleError
from .lexicon import REF_RE
from .model import PHRASE_CATEGORIES, Severity
from .normalize import normalize_term
from .rule import OUTCOMES, Context, Rule

PACK_DIR = Path(__file__).parent / "packs"
RULE_FIELDS = {"id", "category", "severity", "terms", "patterns", "exceptions", "context", "basis",
               "message", "message_en", "suggestion", "suggestion_en", "link", "examples",
               "deprecated", "confirm"}
CONTEXT_FIELDS = {f for f in Context.__dataclass_fields__}
REQUIRED = ("id", "category", "severity", "basis", "message", "message_en", "examples")
ID_RE = re.compile(r"^[A-Z]{2}\d{3}$")
SEVERITY_OVERRIDES = ("error", "warning", "info", "off")


class _LineDict(dict):
    """A mapping that remembers the line (1-based) of each key and of itself."""

    line = 0
    lines: dict


@lru_cache(maxsize=1)
def _yaml_loader():
    """A YAML loader whose mappings remember lines; yaml is imported only when a file is read
    (a cached rule set needs no YAML at all)."""
    import yaml

    class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        pass

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    return yaml, _Loader


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    out = _LineDict()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:  # YAML would silently keep the last one: a rule half lost
            raise RuleError(f"duplicate key (first at line {out.lines[key]})", line=key_node.start_mark.line + 1,
                            field=str(key))
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out



def pack_paths(packs: Iterable[str] = ("all",)) -> list[Path]:
    """Bundled pack files by family name; "all" means every bundled pack."""
    available = {p.stem: p for p in sorted(PACK_DIR.glob("*.yaml"))}
    out: list[Path] = []
    for name in packs:
        if name == "all":
            out.extend(p for p in available.values() if p not in out)
        elif name in available:
            if available[name] not in out:
                out.append(available[name])
        else:
            raise RuleError(f"unknown rule pack {name!r}; bundled: {', '.join(available)}", field="rules.packs")
    return out


def read_pack(path: str | Path) -> list[Rule]:
    """Parse and validate one pack file; raises RuleError naming file, line and field."""
    path = Path(path)
    file = str(path)
    yaml, loader = _yaml_loader()
    text = yamlfile.read_text(path, error=RuleError, what="rule file")
    try:
        # The strict loader: no alias bombs or recursive aliases, bounded nesting (rules/yamlfile.py).
        data = yamlfile.load(text, file, error=RuleError, loader=loader)
    except RuleError as exc:
        raise RuleError(exc.message, file=file, line=exc.line, field=exc.field) from None
    if not isinstance(data, dict) or "rules" not in data:
        raise RuleError("a rule pack is a mapping with a `rules` list", file=file, line=1, field="rules")
    unknown = set(data) - {"family", "defaults", "rules"}
    if unknown:
        key = sorted(unknown)[0]
        raise RuleError("unknown key (known: family, defaults, rules)", file=file, line=data.lines[key], field=key)
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise RuleError("must be a mapping", file=file, line=data.lines["defaults"], field="defaults")
    rules = data["rules"]
    if not isinstance(rules, list):
        raise RuleError("must be a list of rules", file=file, line=data.lines["rules"], field="rules")
    return [_rule(item, defaults, file, data.lines["rules"]) for item in rules]


def _rule(item: Any, defaults: dict, file: str, list_line: int) -> Rule:
    if not isinstance(item, _LineDict):
        raise RuleError("each rule must be a mapping", file=file, line=list_line, field="rules")
    rule_line = item.line

    def err(msg: str, key: str) -> RuleError:
        line = item.lines.get(key) or (defaults.lines.get(key) if isinstance(defaults, _LineDict) else None)
        rid = item.get("id")
        return RuleError(msg if not rid else f"{msg} (rule {rid})", file=file, line=line or rule_line,
                         field=key)

    for key in list(item) + list(defaults):
        if key not in RULE_FIELDS:
            raise err(f"unknown field (known: {', '.join(sorted(RULE_FIELDS))})", key)
    merged = {**defaults, **item}
    ctx = {**(defaults.get("context") or {}), **(item.get("context") or {})}
    merged["context"] = ctx
    for key in REQUIRED:
        if key not in merged or merged[key] in (None, ""):
            raise RuleError(f"missing required field (rule {item.get('id', '?')})", file=file, line=rule_line,
                            field=key)
    rid = merged["id"]
    if not isinstance(rid, str) or not ID_RE.match(rid):
        raise err("must look like AD101 (two capital letters, three digits)", "id")
    if merged["category"] not in PHRASE_CATEGORIES:
        raise err(f"unknown category {merged['category']!r} (known: {', '.join(sorted(PHRASE_CATEGORIES))})",
                  "category")
    try:
        severity = Severity(merged["severity"])
    except ValueError:
        raise err(f"unknown severity {merged['severity']!r} (error, warning or info)", "severity") from None
    used: list[str] = []  # lexicons named by the rule, for the meta-test of their examples

    def _lexicon(name, key, err):
        used.append(name)
        return _read_lexicon(name, key, err)

    def _expand(pattern, key, err):
        used.extend(m.group(1) for m in REF_RE.finditer(pattern))
        return _expand_refs(pattern, key, err)

    terms, lex_patterns = [], []
    for t in _strings(merged.get("terms", []), "terms", err):
        if t.startswith("@"):  # every word of a lexicon (rules/lexicons/NAME.txt)
            words = _lexicon(t[1:], "terms", err)
            terms.extend(words.words)
            lex_patterns.extend(_expand(x, "terms", err) for x in words.patterns)
        else:
            terms.append(t)
    terms = tuple(dict.fromkeys(terms))
    written = _strings(merged.get("patterns", []), "patterns", err)
    patterns = tuple(_regex(_expand(p, "patterns", err), "patterns", err) for p in written) + tuple(lex_patterns)
    if not terms and not patterns:
        raise err("a rule needs `terms` or `patterns`", "terms")
    exceptions, exc_patterns = [], []
    for e in _strings(merged.get("exceptions", []), "exceptions", err):
        if e.startswith("@"):  # a lexicon of phrases that cover a hit (its /regex/ lines too)
            words = _lexicon(e[1:], "exceptions", err)
            exceptions.extend(words.words)
            exc_patterns.extend(_expand(x, "exceptions", err) for x in words.patterns)
        elif len(e) > 2 and e.startswith("/") and e.endswith("/"):
            exc_patterns.append(_regex(_expand(e[1:-1], "exceptions", err), "exceptions", err))
        else:
            exceptions.append(e)
    if not isinstance(ctx, dict):
        raise err("must be a mapping", "context")
    ctx_kwargs = {}
    for key, value in ctx.items():
        if key not in CONTEXT_FIELDS:
            raise err(f"unknown context condition {key!r} (known: {', '.join(sorted(CONTEXT_FIELDS))})", "context")
        if key in ("negation", "goal", "self_compare", "sourced", "belief", "described", "discussed"):
            if value not in OUTCOMES:
                raise err(f"context.{key} must be one of {', '.join(OUTCOMES)}", "context")
            ctx_kwargs[key] = value
        elif key == "distinct":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise err("context.distinct must be a whole number of at least 1", "context")
            ctx_kwargs[key] = value
        else:
            # Words are compared with normalised text, so they are normalised too; /regex/ stays.
            words = []
            for w in _strings(value, f"context.{key}", err):
                if w.startswith("@"):  # a lexicon's words, and its patterns as /regex/
                    lex = _lexicon(w[1:], "context", err)
                    words.extend(normalize_term(x) for x in lex.words)
                    words.extend(f"/{_expand(p, 'context', err)}/" for p in lex.patterns)
                else:
                    words.append(f"/{_expand(w[1:-1], 'context', err)}/" if _is_regex(w) else normalize_term(w))
            ctx_kwargs[key] = tuple(words)
    examples = merged["examples"]
    if not isinstance(examples, dict) or set(examples) - {"flag", "pass"}:
        raise err("must be a mapping with `flag` and `pass` lists", "examples")
    flag = _strings(examples.get("flag") or [], "examples", err)
    passing = _strings(examples.get("pass") or [], "examples", err)
    if not merged.get("deprecated") and (not flag or not passing):
        raise err("needs at least one `flag` and one `pass` example", "examples")
    confirm = merged.get("confirm")
    if confirm is not None and not isinstance(confirm, bool):
        raise err("must be true or false", "confirm")
    for key in ("basis", "message", "message_en", "suggestion", "suggestion_en", "link"):
        if key in merged and not isinstance(merged[key], str):
            raise err("must be a string", key)
    return Rule(
        id=rid, category=merged["category"], severity=severity, message=merged["message"],
        message_en=merged["message_en"], basis=merged["basis"], terms=terms, patterns=patterns, written=written,
        lexicons=tuple(dict.fromkeys(used)),
        exceptions=tuple(exceptions), exception_patterns=tuple(exc_patterns), context=Context(**ctx_kwargs),
        suggestion=merged.get("suggestion", ""), suggestion_en=merged.get("suggestion_en", ""),
        link=merged.get("link", ""), examples_flag=flag, examples_pass=passing,
        deprecated=bool(merged.get("deprecated", False)), confirm=confirm, file=file, line=rule_line)


def _read_lexicon(name: str, key: str, err):
    from .lexicon import lexicon

    try:
        return lexicon(name)
    except RuleError as exc:
        if exc.file:  # a problem inside the lexicon file: report that file and line
            raise
        raise err(exc.message, key) from None


def _expand_refs(pattern: str, key: str, err) -> str:
    """`{@name}` in a pattern → the lexicon's words as one alternation."""
    from .lexicon import expand

    for m in REF_RE.finditer(pattern):
        _read_lexicon(m.group(1), key, err)
    return expand(pattern)


def _is_regex(word: str) -> bool:
    return len(word) > 2 and word.startswith("/") and word.endswith("/")


def _strings(value: Any, key: str, err) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) and str(v) for v in value):
        raise err("must be a list of non-empty strings", key.split(".")[0])
    return tuple(str(v) for v in value)


def _regex(pattern: str, key: str, err) -> str:
    """The pattern itself once it compiles (rules keep sources; the matcher compiles on use)."""
    try:
        re.compile(pattern)
        return pattern
    except re.error as exc:
        raise err(f"invalid regular expression {pattern!r}: {exc}", key) from None


def load_rules(packs: Iterable[str] = ("all",), extra: Iterable[str | Path] = ()) -> list[Rule]:
    """Every rule of the named bundled packs plus the extra files; ids must be unique."""
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    for path in [*pack_paths(packs), *map(Path, extra)]:
        for rule in read_pack(path):
            if rule.id in seen:
                first = seen[rule.id]
                raise RuleError(f"duplicate rule id {rule.id} (first defined at {first.file}:{first.line})",
                                file=rule.file, line=rule.line, field="id")
            seen[rule.id] = rule
            rules.append(rule)
    return rules


def load_ruleset(packs: Iterable[str] = ("all",), extra: Iterable[str | Path] = (), allow: Iterable[str] = (),
                 severity: dict[str, str] | None = None, lang: str = "zh"):
    """The lead's entry point: bundled packs + extra files, tuned by the site profile.

    `allow`: site-specific exception phrases (a hit inside one is not reported).
    `severity`: rule id (or category) → error | warning | info | off.
    """
    from .ruleset import RuleSet

    packs, extra, allow = list(packs), [Path(e) for e in extra], [a for a in allow if a]
    key = _cache_key(packs, extra, allow, severity, lang)
    cached = _cache_read(key)
    if cached is not None:
        return cached
    rules = load_rules(packs, extra)
    overrides = dict(severity or {})
    known = {r.id for r in rules} | PHRASE_CATEGORIES
    for name, value in overrides.items():
        if name not in known:
            raise RuleError(f"unknown rule id or category {name!r}", field="rules.severity")
        if value not in SEVERITY_OVERRIDES:
            raise RuleError(f"{name}: must be one of {', '.join(SEVERITY_OVERRIDES)}, not {value!r}",
                            field="rules.severity")
    tuned = []
    for rule in rules:
        if rule.deprecated:
            continue
        value = overrides.get(rule.id, overrides.get(rule.category))
        if value == "off":
            continue
        if value:
            rule = _replace(rule, severity=Severity(value))
        tuned.append(rule)
    rs = RuleSet(tuned, allow=allow, lang=lang, all_rules=rules)
    _cache_write(key, rs)
    return rs


# -- compiled rule-set cache ------------------------------------------------------------------
# Parsing YAML and building the automaton costs more than checking a small file, so the
# compiled RuleSet is pickled in the user cache directory, keyed by the content of every file it
# depends on: every file of the rules package (engine code, packs, word lists and any data file added
# later: no list of names to keep up to date), the extra packs, the libraries whose objects it pickles,
# and the tuning. Any problem: build it again.


def tree_digest(root: Path) -> str:
    """A digest of the names and contents of every file below `root` (compiled caches aside)."""
    import hashlib

    digest = hashlib.sha1()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(root)).encode("utf-8") + b"\0")
        digest.update(_content(path))
    return digest.hexdigest()


def _content(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"\0unreadable"


def _cache_key(packs, extra, allow, severity, lang) -> str:
    import hashlib
    import sys
    from importlib import metadata

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return ""

    here = Path(__file__).parent
    try:
        files = [*pack_paths(packs), *map(Path, extra)]
    except RuleError:
        files = list(map(Path, extra))
    outside = [f for f in files if here not in f.resolve().parents]
    parts = (tree_digest(here), [(str(f), hashlib.sha1(_content(f)).hexdigest()) for f in outside], sorted(packs),
             allow, sorted((severity or {}).items()), lang, sys.version_info[:2],
             [version(d) for d in ("jieba", "ahocorasick-rs", "opencc", "pypinyin")])
    return hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()[:20]


def _cache_file(key: str) -> Path:
    from .segment import cache_dir

    return cache_dir() / f"ruleset-{key}.pickle"


def _cache_read(key: str):
    import pickle

    try:
        with open(_cache_file(key), "rb") as fh:
            return pickle.load(fh)
    except Exception:  # missing, stale or unreadable cache: rebuild
        return None


def _cache_write(key: str, rs) -> None:
    import os
    import pickle
    import tempfile

    path = _cache_file(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(rs, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        from .segment import prune

        prune(path.parent, "ruleset-*.pickle")
    except Exception:  # a cache that cannot be written only costs time
        pass


def _replace(rule: Rule, **changes) -> Rule:
    import dataclasses

    return dataclasses.replace(rule, **changes)
