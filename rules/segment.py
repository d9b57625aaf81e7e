"""jieba tokens for confirming candidates, without loading jieba's whole dictionary per run.

jieba spends about a second loading its 350,000-word dictionary, which `siteaudit check` on a
small file cannot afford. jieba's segmentation of a sentence only ever looks up substrings of
that sentence, so the dictionary is kept, once per machine, in an SQLite file in the user cache
directory (`$XDG_CACHE_HOME/siteaudit/`, else `~/.cache/siteaudit/`), and a tokenizer is fed just
the entries for the substrings of each sentence it cuts. The tokens are exactly jieba's. Where
the cache cannot be written, jieba loads its dictionary the usual way (with its own cache file
in the same directory).
"""
from __future__ import annotations

import logging
import os
import sqlite3
import sys
import tempfile
import threading
from pathlib import Path
from typing import Iterable

_LOCK = threading.Lock()
_SHARED = None  # one tokenizer per process, shared by every rule set
_ADDED: set[str] = set()
CACHE_SIZE = 20_000  # tokenised windows kept per rule set (the line and verdict caches follow: benchmarks/RESULTS.md)
BATCH = 900  # SQLite's host-parameter limit is 999 on older builds


def cache_dir() -> Path:
    """The persistent cache directory of siteaudit."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "siteaudit"


KEEP_CACHED = 16  # newest cache files of one kind kept; older ones are removed


def prune(directory: Path, pattern: str, keep: int = KEEP_CACHED) -> None:
    """Remove all but the `keep` newest files matching `pattern` (stale rule sets and word lists)."""
    try:
        files = sorted(directory.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[keep:]:
            old.unlink()
    except OSError:
        pass  # another process pruned it first, or the directory is read-only


def _quiet_jieba():
    """Import jieba without pkg_resources (half a second of start-up for nothing).

    jieba 0.42 tries `import pkg_resources` only to open its bundled files and falls back to
    plain `open` when the import fails; a None entry in sys.modules makes it fail at once.
    """
    if "jieba" not in sys.modules:
        block = "pkg_resources" not in sys.modules
        if block:
            sys.modules["pkg_resources"] = None
        try:
            import importlib

            importlib.import_module("jieba")
        finally:
            if block and sys.modules.get("pkg_resources", 0) is None:
                del sys.modules["pkg_resources"]
    jieba = sys.modules["jieba"]
    jieba.setLogLevel(logging.WARNING)
    return jieba


def _full_tokenizer(tmp_dir: str):
    jieba = _quiet_jieba()
    tk = jieba.Tokenizer()
    tk.tmp_dir = tmp_dir
    tk.initialize()
    return tk


def _db_path() -> Path:
    jieba = _quiet_jieba()
    dict_file = Path(jieba.__file__).parent / "dict.txt"
    stamp = dict_file.stat().st_size if dict_file.exists() else 0
    return cache_dir() / f"jieba-{jieba.__version__}-{stamp}.sqlite3"


def build_db(path: Path) -> None:
    """Write jieba's prefix dictionary (words, their prefixes, the total) to SQLite at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tk = _full_tokenizer(str(path.parent))
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        with con:
            con.execute("CREATE TABLE freq (w TEXT PRIMARY KEY, f INTEGER) WITHOUT ROWID")
            con.execute("CREATE TABLE meta (k TEXT PRIMARY KEY, v INTEGER)")
            con.executemany("INSERT INTO freq VALUES (?, ?)", tk.FREQ.items())
            con.executemany("INSERT INTO meta VALUES (?, ?)",
                            [("total", tk.total), ("maxlen", max(map(len, tk.FREQ)))])
        con.close()
        os.replace(tmp, path)  # atomic: concurrent runs see a whole file or none
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class _LazyTokenizer:
    """A jieba tokenizer whose FREQ table is filled from SQLite with the substrings it needs."""

    def __init__(self, db: Path):
        jieba = _quiet_jieba()
        self.db = db
        self._con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)
        meta = dict(self._con.execute("SELECT k, v FROM meta"))
        self.maxlen = int(meta["maxlen"])
        self.tk = jieba.Tokenizer()
        self.tk.FREQ = {}
        self.tk.total = int(meta["total"])
        self.tk.initialized = True
        self._seen: set[str] = set()

    def _load(self, *texts: str) -> None:
        subs = set()
        for text in texts:
            n = len(text)
            subs.update(text[i:j] for i in range(n) for j in range(i + 1, min(n, i + self.maxlen) + 1))
        subs -= self._seen
        if not subs:
            return
        self._seen |= subs
        freq = self.tk.FREQ
        todo = list(subs)
        for k in range(0, len(todo), BATCH):
            chunk = todo[k:k + BATCH]
            rows = self._con.execute(f"SELECT w, f FROM freq WHERE w IN ({','.join('?' * len(chunk))})", chunk)
            for w, f in rows:
                if w not in freq:  # words added for the rules keep their own frequency
                    freq[w] = f

    def add_words(self, words: list[str]) -> None:
        """Add the rule terms as jieba words; the resulting entries are cached per word list."""
        import hashlib
        import pickle

        key = hashlib.sha1(("\n".join(words) + self.db.name).encode("utf-8")).hexdigest()[:20]
        cache = self.db.parent / f"jieba-words-{key}.pickle"
        try:
            with open(cache, "rb") as fh:
                entries, delta = pickle.load(fh)
        except Exception:  # no cache yet (or unreadable): compute as jieba does, then save
            entries, delta = None, 0
        if entries is None:
            self._load(*words)  # every prefix is known before jieba adds the words' missing prefixes
            total = self.tk.total
            for w in words:
                self.tk.add_word(w)
            entries = {w[:i]: self.tk.FREQ[w[:i]] for w in words for i in range(1, len(w) + 1)}
            delta = self.tk.total - total
            try:
                fd, tmp = tempfile.mkstemp(dir=cache.parent, suffix=".tmp")
                with os.fdopen(fd, "wb") as fh:
                    pickle.dump((entries, delta), fh, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, cache)
                prune(cache.parent, "jieba-words-*.pickle")
            except OSError:
                pass
            return
        # Cached: the words and their prefixes as jieba left them (their substrings that jieba
        # would look up are fetched from SQLite as sentences need them, without overriding these).
        self.tk.FREQ.update(entries)
        self.tk.total += delta

    def cut(self, sentence: str) -> list[str]:
        self._load(sentence)
        return list(self.tk.cut(sentence, HMM=False))


class _FullTokenizer:
    def __init__(self):
        tmp = cache_dir()
        try:
            tmp.mkdir(parents=True, exist_ok=True)
        except OSError:
            tmp = Path(tempfile.gettempdir())
        self.tk = _full_tokenizer(str(tmp))

    def add_words(self, words: list[str]) -> None:
        for w in words:
            self.tk.add_word(w)

    def cut(self, sentence: str) -> list[str]:
        return list(self.tk.cut(sentence, HMM=False))


def _shared_tokenizer():
    global _SHARED
    with _LOCK:
        if _SHARED is None:
            try:
                db = _db_path()
                if not db.exists():
                    build_db(db)
                _SHARED = _LazyTokenizer(db)
            except (OSError, sqlite3.Error):
                _SHARED = _FullTokenizer()  # read-only home: slower, same tokens
        return _SHARED


def _fall_back():
    """Replace a broken SQLite-backed tokenizer by a full one (for every rule set) and re-add words."""
    global _SHARED
    with _LOCK:
        if not isinstance(_SHARED, _FullTokenizer):
            _SHARED = _FullTokenizer()
            _SHARED.add_words(sorted(_ADDED))
        return _SHARED


class Segmenter:
    """Tokenises short sentences; rule terms are words so 保收益 stays one token and 最近 is not 最."""

    def __init__(self, words: Iterable[str] = ()):
        self._words = sorted(set(words))
        self._tk = None
        self._cache: dict[str, list[str]] = {}  # pages repeat headers, footers and boilerplate
        self.cache_size = CACHE_SIZE  # 0 turns the cache off (the benchmark's cold run)

    def __getstate__(self):
        return {"_words": self._words, "_tk": None, "_cache": {}, "cache_size": CACHE_SIZE}

    def _tokenizer(self):
        if self._tk is None:
            tk = _shared_tokenizer()
            with _LOCK:
                new = [w for w in self._words if w not in _ADDED]
                tk.add_words(new)
                _ADDED.update(new)
            self._tk = tk
        return self._tk

    def clear_cache(self) -> None:
        self._cache.clear()

    def tokens(self, sentence: str) -> list[str]:
        """jieba tokens of `sentence` (no HMM: unknown runs stay single characters, predictably)."""
        cached = self._cache.get(sentence)
        if cached is not None:
            return cached
        tk = self._tokenizer()
        try:
            with _LOCK:
                tokens = tk.cut(sentence)
        except sqlite3.Error:  # a damaged cache file: fall back to jieba's own dictionary
            tk = self._tk = _fall_back()
            with _LOCK:
                tokens = tk.cut(sentence)
        if self.cache_size:
            if len(self._cache) >= self.cache_size:
                self._cache.clear()
            self._cache[sentence] = tokens
        return tokens
