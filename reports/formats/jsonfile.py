"""findings.json: the `doc` object, UTF-8, Chinese kept readable, written as a stream.

Top-level keys keep their order; the long lists (`findings`, `groups`, `pages`) are written one
element a line as they are read, so a 200,000-finding run never sits in memory as one string.
A document without `groups` (built by hand) gets them, grouped from its findings.
"""
from __future__ import annotations

import json
from typing import Any, BinaryIO

from .. import inputs
from ..i18n import Labels
from .base import Formatter

_STREAMED = ("findings", "groups", "pages")


def _dump(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent, default=_default)


def _default(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return str(value)


class JsonFormatter(Formatter):
    name = "json"
    filename = "findings.json"

    def stream(self, doc: dict, extra: dict, labels: Labels, out: BinaryIO) -> None:
        keys = list(doc)
        if "groups" not in doc:
            keys.insert(keys.index("findings") + 1 if "findings" in keys else len(keys), "groups")
        out.write(b"{")
        for n, key in enumerate(keys):
            out.write(b"," if n else b"")
            out.write(f"\n  {_dump(key)}: ".encode("utf-8"))
            if key in _STREAMED:
                rows = inputs.groups(doc) if key == "groups" and "groups" not in doc else doc.get(key)
                text = rows.as_json() if isinstance(rows, inputs.Rows) else None
                self._list(rows, out, text)
            else:
                text = _dump(doc[key], indent=2).replace("\n", "\n  ")
                out.write(text.encode("utf-8"))
        out.write(b"\n}\n")

    @staticmethod
    def _list(rows: Any, out: BinaryIO, text: Any = None) -> None:
        """A list, one element a line; `text` yields the elements as JSON already (the store's)."""
        if rows is None:
            out.write(b"null")
            return
        out.write(b"[")
        first = True
        for row in (text if text is not None else (_dump(r) for r in rows)):
            out.write(b"\n    " if first else b",\n    ")
            out.write(row.encode("utf-8"))
            first = False
        out.write(b"]" if first else b"\n  ]")
