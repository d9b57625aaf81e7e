"""Word lists kept as data: lexicons (rules/lexicons/*.txt) and frames (rules/frames/*.txt).

A list is a UTF-8 text file, one entry a line:

    # a comment: what the list is for, which rules or checks use it
    flag: 这款茶能溶解血栓         ← an example the rule set must flag (at warning or error)
    pass: 血栓的形成与久坐有关     ← an example it must not flag
    便秘                          ← a word (normalised like texts: width, case, traditional)
    /降(血|尿)(糖|脂|压|酸)/      ← a regular expression, between slashes

Lexicons are what rules are built from: a rule takes every word of one as `terms: ['@disease']`,
or a pattern names one as `{@disease}` (the words as one alternation), so a family grows by a line
of data and a reviewer reads the rule as written. Frames are the words around a hit that change
what it means (a warning, a report, a goal, a sourced fact); `rules/exemptions.py` reads them.
The meta-test (tests/test_rules_lexicons.py) runs every list's examples.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import RuleError

LEXICON_DIR = Path(__file__).parent / "lexicons"
FRAME_DIR = Path(__file__).parent / "frames"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
REF_RE = re.compile(r"\{@([a-z][a-z0-9_]*)\}")


@dataclass(frozen=True)
class WordList:
    """One lexicon or frame file."""

    name: str
    words: tuple[str, ...]          # plain words, as written
    patterns: tuple[str, ...]       # /regex/ entries, without the slashes
    examples_flag: tuple[str, ...]
    examples_pass: tuple[str, ...]
    file: str

    def alternation(self) -> str:
        """The list as one regular-expression group: words (escaped, longest first) and patterns."""
        from .normalize import normalize_term

        words = sorted({normalize_term(w) for w in self.words}, key=lambda w: (-len(w), w))
        return "(?:" + "|".join([*map(re.escape, words), *map(expand, self.patterns)]) + ")"


def read_list(path: Path) -> WordList:
    """Parse one list file; RuleError names the file and line of a problem."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError(f"cannot read word list: {exc.strerror or exc}", file=file) from exc
    except UnicodeDecodeError as exc:
        raise RuleError("word list is not UTF-8", file=file) from exc
    words, patterns, flag, passing = [], [], [], []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("flag:", "pass:")):
            sample = line[5:].strip()
            if not sample:
                raise RuleError("empty example", file=file, line=n, field="examples")
            (flag if line.startswith("flag:") else passing).append(sample)
        elif len(line) > 2 and line.startswith("/") and line.endswith("/"):
            try:
                re.compile(line[1:-1])
            except re.error as exc:
                raise RuleError(f"invalid regular expression {line!r}: {exc}", file=file, line=n,
                                field="words") from None
            patterns.append(line[1:-1])
        else:
            words.append(line)
    if not words and not patterns:
        raise RuleError("a word list needs at least one word", file=file, line=1, field="words")
    if not flag or not passing:
        raise RuleError("needs at least one `flag:` and one `pass:` example", file=file, line=1, field="examples")
    return WordList(path.stem, tuple(words), tuple(patterns), tuple(flag), tuple(passing), file)


@lru_cache(maxsize=None)
def lexicon(name: str) -> WordList:
    """The bundled lexicon `name`; RuleError when there is none."""
    path = LEXICON_DIR / f"{name}.txt"
    if not path.is_file():  # a frame's words can be named too (sentence_not: ['@reporting'])
        path = FRAME_DIR / f"{name}.txt"
    if not NAME_RE.match(name) or not path.is_file():
        known = ", ".join(p.stem for p in sorted(LEXICON_DIR.glob("*.txt")))
        raise RuleError(f"unknown lexicon @{name} (bundled: {known})", field="lexicon")
    return read_list(path)


def lexicon_words() -> tuple[str, ...]:
    """Every plain word of every bundled lexicon, normalised (the words the rules are built from)."""
    from .normalize import normalize_term

    return tuple(dict.fromkeys(normalize_term(w) for p in sorted(LEXICON_DIR.glob("*.txt"))
                               for w in lexicon(p.stem).words))


@lru_cache(maxsize=None)
def frame(name: str) -> WordList:
    """The bundled frame `name`."""
    return read_list(FRAME_DIR / f"{name}.txt")


def frame_words(name: str) -> tuple[str, ...]:
    """A frame's plain words (read when exemptions.py is imported: plain text, no YAML)."""
    return frame(name).words


def frame_regex(*names: str) -> re.Pattern:
    """The words and patterns of one or more frames as one compiled alternation, over normalised text."""
    return re.compile("|".join(frame(name).alternation() for name in names))


def expand(pattern: str) -> str:
    """A pattern with every `{@name}` replaced by that lexicon's alternation."""
    return REF_RE.sub(lambda m: lexicon(m.group(1)).alternation(), pattern)
