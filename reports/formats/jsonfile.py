"""findings.json: the `doc` object exactly, UTF-8, Chinese kept readable."""
from __future__ import annotations

import json

from ..i18n import Labels
from .base import Formatter


class JsonFormatter(Formatter):
    name = "json"
    filename = "findings.json"

    def render(self, doc: dict, extra: dict, labels: Labels) -> bytes:
        return (json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")
