"""Lazy jieba tokenizer for confirming candidates, with rule terms in its dictionary.

jieba takes about a second to load its dictionary, so it is started only when a candidate
needs confirming, and its dictionary cache lives in a persistent user cache directory
(`$XDG_CACHE_HOME/siteaudit/`, else `~/.cache/siteaudit/`) so later runs reuse it.
"""
from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Iterable


def cache_dir() -> Path:
    """The persistent cache directory of siteaudit (created on demand)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "siteaudit"


_SHARED = None  # one jieba dictionary per process: loading it is the expensive part
_ADDED: set[str] = set()


def _shared_tokenizer():
    global _SHARED
    if _SHARED is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tk = jieba.Tokenizer()
        path = cache_dir()
        try:
            path.mkdir(parents=True, exist_ok=True)
            tk.tmp_dir = str(path)
        except OSError:
            tk.tmp_dir = tempfile.gettempdir()  # a read-only home still works, only slower
        tk.initialize()
        _SHARED = tk
    return _SHARED


class Segmenter:
    """Tokenises short sentences; rule terms are words so 保收益 stays one token and 最近 is not 最."""

    def __init__(self, words: Iterable[str] = ()):
        self._words = sorted(set(words))
        self._tk = None

    def _tokenizer(self):
        if self._tk is None:
            tk = _shared_tokenizer()
            for w in self._words:
                if w not in _ADDED:
                    tk.add_word(w)
                    _ADDED.add(w)
            self._tk = tk
        return self._tk

    def tokens(self, sentence: str) -> list[str]:
        """jieba tokens of `sentence` (no HMM: unknown runs stay single characters, predictably)."""
        return list(self._tokenizer().cut(sentence, HMM=False))
