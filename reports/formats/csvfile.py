"""findings.csv (one row per finding) and groups.csv (one row per distinct problem), UTF-8 with
a BOM so that Excel shows Chinese right. Written as a stream."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import BinaryIO, Iterable

from .. import inputs
from ..i18n import Labels
from ..inputs import FINDING_FIELDS
from .base import Formatter, atomic_write

# A cell starting with one of these is a formula to Excel and WPS; page-derived text could
# carry one (`=HYPERLINK(...)`), so such cells get a leading apostrophe (OWASP's advice).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GROUP_COLUMNS = ("id", "rule", "category", "severity", "match", "context", "message", "where", "wheres",
                 "template", "pages", "occurrences", "urls", "status", "basis", "suggestion")
GROUPS_FILENAME = "groups.csv"


def cell(value) -> str:
    text = inputs.text(value)
    if isinstance(value, str) and text.startswith(FORMULA_START):
        return "'" + text
    if isinstance(value, bool):
        return "true" if value else "false"
    return text


def write_csv(out: BinaryIO, header: Iterable[str], rows: Iterable[list]) -> None:
    out.write("\ufeff".encode("utf-8"))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for n, row in enumerate(rows, 1):
        writer.writerow(row)
        if n % 1000 == 0:
            out.write(buf.getvalue().encode("utf-8"))
            buf.seek(0)
            buf.truncate()
    out.write(buf.getvalue().encode("utf-8"))


class CsvFormatter(Formatter):
    name = "csv"
    filename = "findings.csv"

    def stream(self, doc: dict, extra: dict, labels: Labels, out: BinaryIO) -> None:
        write_csv(out, FINDING_FIELDS, ([cell(f.get(k)) for k in FINDING_FIELDS] for f in inputs.iter_findings(doc)))

    def write(self, doc: dict, extra: dict, out_dir: Path, labels: Labels) -> Path:
        path = super().write(doc, extra, out_dir, labels)
        groups = inputs.groups(doc)
        atomic_write(out_dir / GROUPS_FILENAME, lambda out: write_csv(
            out, GROUP_COLUMNS, ([cell(g.get(k)) for k in GROUP_COLUMNS] for g in groups)))
        return path
