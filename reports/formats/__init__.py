"""One formatter per output format, all behind `formats.base.Formatter`."""
from __future__ import annotations

from .base import Formatter
from .csvfile import CsvFormatter
from .html import HtmlFormatter
from .jsonfile import JsonFormatter
from .junit import JunitFormatter
from .markdown import MarkdownFormatter
from .pdf import PdfFormatter

FORMATTERS: dict[str, type[Formatter]] = {
    f.name: f for f in (HtmlFormatter, JsonFormatter, CsvFormatter, JunitFormatter, MarkdownFormatter, PdfFormatter)
}

__all__ = ["FORMATTERS", "Formatter"]
