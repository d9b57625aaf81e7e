"""findings.csv: one row per finding, UTF-8 with a BOM so that Excel shows Chinese right."""
from __future__ import annotations

import csv
import io

from .. import inputs
from ..i18n import Labels
from ..inputs import FINDING_FIELDS
from .base import Formatter

# A cell starting with one of these is a formula to Excel and WPS; page-derived text could
# carry one (`=HYPERLINK(...)`), so such cells get a leading apostrophe (OWASP's advice).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    text = inputs.text(value)
    if isinstance(value, str) and text.startswith(FORMULA_START):
        return "'" + text
    return text


class CsvFormatter(Formatter):
    name = "csv"
    filename = "findings.csv"

    def render(self, doc: dict, extra: dict, labels: Labels) -> bytes:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(FINDING_FIELDS)
        for f in inputs.findings(doc):
            writer.writerow([cell(f.get(k)) for k in FINDING_FIELDS])
        return buf.getvalue().encode("utf-8-sig")
