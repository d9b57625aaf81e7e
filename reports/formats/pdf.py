"""report.pdf: report.html printed by headless Chromium with its print stylesheet.

Lawyers and agencies send PDFs. Chromium is Debian's `chromium` (or `$SITEAUDIT_CHROMIUM`);
without it `BrowserError` says so, and `write_outputs` still writes the other formats.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from ..browser import BrowserError, find_chromium, print_to_pdf
from ..i18n import Labels
from .base import Formatter
from .html import HtmlFormatter


class PdfFormatter(Formatter):
    name = "pdf"
    filename = "report.pdf"

    def __init__(self, strict: bool = False):
        self.strict = strict

    def write(self, doc: dict, extra: dict, out_dir: Path, labels: Labels,
              written: dict[str, Path] | None = None) -> Path:
        if not find_chromium():
            raise BrowserError("未找到 Chromium（apt-get install chromium，或设置 SITEAUDIT_CHROMIUM） / "
                               "no Chromium found: install chromium (Debian) or set SITEAUDIT_CHROMIUM")
        path = out_dir / self.filename
        html = (written or {}).get("html")
        if html is not None:
            return print_to_pdf(html, path)
        with tempfile.TemporaryDirectory(prefix="siteaudit-pdf-") as tmp:
            html = HtmlFormatter(self.strict).write(doc, extra, Path(tmp), labels)
            return print_to_pdf(html, path)
