"""Strict YAML reading for every file a user hands us: site profiles and rule packs.

A file pasted from somewhere must not be able to exhaust the machine or mean something other than
it says. PyYAML composes a document into a graph in which every alias is the anchored node itself,
so a "billion laughs" is small until something walks it. Before anything is built, `check_graph`
walks the graph once (iteratively, shared nodes counted once) and refuses:

- aliases that would add more than `MAX_ALIAS_NODES` nodes when expanded, and recursive aliases;
- nesting deeper than `MAX_DEPTH`;
- duplicate keys in a mapping (YAML would silently keep the last one: a setting or a rule half lost);
- files larger than `MAX_BYTES`.

Bytes that are not UTF-8 are refused with the line and column of the first bad byte. Every error is
the caller's `ConfigError` subclass with file, line and field. `rules` imports nothing of ours, so
this module can serve both `rules/loader.py` and `crawler/profile.py`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

MAX_BYTES = 20 * 1024 * 1024     # a profile is a few KB, the largest bundled pack a few hundred
MAX_ALIAS_NODES = 10_000         # nodes aliases may add beyond those written out
MAX_DEPTH = 64                   # nesting of mappings and sequences
_MERGE_TAG = "tag:yaml.org,2002:merge"


def read_text(path: str | Path, *, error: type[ConfigError] = ConfigError, what: str = "file") -> str:
    """The UTF-8 text of `path` (a UTF-8 BOM is dropped); not UTF-8 names the first bad byte's line."""
    file = str(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror or exc}", file=file) from None
    if len(data) > MAX_BYTES:
        raise error(f"{what} is larger than {MAX_BYTES // (1024 * 1024)} MiB", file=file)
    return decode(data, file, error=error, what=what)


def decode(data: bytes, file: str, *, error: type[ConfigError] = ConfigError, what: str = "file") -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        before = data[:start]
        line = before.count(b"\n") + 1
        column = start - (before.rfind(b"\n") + 1) + 1
        raise error(f"{what} is not UTF-8 text: byte 0x{data[start]:02x} at column {column} "
                    f"(save the file as UTF-8)", file=file, line=line) from None


def _mark_line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else None


def compose(text: str, file: str, *, error: type[ConfigError] = ConfigError,
            loader: type | None = None) -> yaml.Node | None:
    """The checked node graph of a one-document YAML text (None for an empty document)."""
    node, _ = _compose(text, file, error, loader or yaml.SafeLoader)
    return node


def load(text: str, file: str, *, error: type[ConfigError] = ConfigError, loader: type | None = None) -> Any:
    """`yaml.load` with `loader` (a SafeLoader or CSafeLoader subclass), after `check_graph`."""
    node, instance = _compose(text, file, error, loader or yaml.SafeLoader, keep=True)
    try:
        return instance.construct_document(node) if node is not None else None
    except ConfigError:
        raise
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", file=file, line=_mark_line(exc)) from None
    except RecursionError:
        raise error(f"nesting deeper than {MAX_DEPTH} levels", file=file) from None
    finally:
        instance.dispose()


def _compose(text: str, file: str, error: type[ConfigError], loader: type, keep: bool = False) -> tuple[Any, Any]:
    if len(text) > MAX_BYTES:
        raise error(f"larger than {MAX_BYTES // (1024 * 1024)} MiB", file=file)
    instance = loader(text)
    try:
        node = instance.get_single_node()
    except yaml.YAMLError as exc:
        instance.dispose()
        raise error(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", file=file, line=_mark_line(exc)) from None
    except RecursionError:
        instance.dispose()
        raise error(f"nesting deeper than {MAX_DEPTH} levels", file=file) from None
    if not keep:
        instance.dispose()
    if node is not None:
        try:
            check_graph(node, file, error=error)
        except ConfigError:
            if keep:
                instance.dispose()
            raise
    return node, instance


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_graph(root: yaml.Node, file: str, *, error: type[ConfigError] = ConfigError) -> None:
    """Refuse alias bombs, recursive aliases, deep nesting and duplicate keys (see the module docstring)."""
    sizes: dict[int, int] = {}          # id(node) -> nodes it expands to
    on_path: set[int] = set()
    distinct = 0
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            size = 1 + sum(sizes[id(c)] for c in _children(node))
            sizes[key] = size
            if size - distinct > MAX_ALIAS_NODES and size > MAX_ALIAS_NODES:
                raise error(f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes (an alias bomb?)",
                            file=file, line=node.start_mark.line + 1, field="&anchor")
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise error("a recursive alias (an anchor used inside itself)", file=file,
                        line=node.start_mark.line + 1, field="&anchor")
        if depth > MAX_DEPTH:
            raise error(f"nesting deeper than {MAX_DEPTH} levels", file=file, line=node.start_mark.line + 1)
        distinct += 1
        on_path.add(key)
        stack.append((node, depth, True))
        if isinstance(node, yaml.MappingNode):
            _check_duplicates(node, file, error)
        for child in _children(node):
            if id(child) not in sizes:
                stack.append((child, depth + 1, False))


def _check_duplicates(node: yaml.MappingNode, file: str, error: type[ConfigError]) -> None:
    seen: dict[tuple[str, str], int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise error("a key must be plain text, not a list or a mapping", file=file,
                        line=key_node.start_mark.line + 1)
        if key_node.tag == _MERGE_TAG:
            continue
        ident = (key_node.tag, key_node.value)
        line = key_node.start_mark.line + 1
        if ident in seen:
            raise error(f"duplicate key (first at line {seen[ident]}); YAML would keep only the last one",
                        file=file, line=line, field=str(key_node.value))
        seen[ident] = line
