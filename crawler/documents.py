"""PDF documents linked from the site: brochures, price lists, certificates. Their copy is advertising too.

The spider downloads each PDF linked from an audited page on a declared domain (within a size
cap) and hands on a `Document`; its text is read here with pypdf, page by page, and the phrase
rules run on it (crawler/checks/crawl/documents.py, through `AuditSession.process_document`). A document that cannot be read — no text
layer (a scan), encrypted, too big, broken — is reported as not checkable, never skipped.

Why pypdf (docs/CRAWL.md has the comparison): on Chinese PDFs from Chromium, reportlab (CID
fonts) and fpdf2 (embedded Noto CJK) it read every character, where pdfminer.six read nothing of
the fpdf2 file; it is pure Python with no dependencies, so it is a core dependency.
"""
from __future__ import annotations

import enum
import io
import logging
import re
import unicodedata
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

# Bytes: the largest PDF downloaded (past it the download stops and the document is reported).
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
# PDFs read per audit: a site with a thousand manuals is still audited in reasonable time.
DOCUMENTS_MAX = 100
# Pages read per PDF, and characters kept per page: a catalogue's first pages carry its claims.
DOCUMENT_PAGES_MAX = 200
PAGE_CHARS_MAX = 20_000
# A page with fewer readable characters than this has no text layer to speak of (a scan).
MIN_TEXT_CHARS = 5
_LISTED_MAX = 50
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_RADICALS = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]")
# CJK Radicals Supplement characters that Unicode gives no decomposition but that stand for a
# simplified ideograph (Chromium's PDFs map 页 to ⻚ U+2EDA, for example).
_SUPPLEMENT = dict(zip("⺠⻄⻅⻆⻈⻉⻋⻐⻓⻔⻗⻘⻙⻚⻛⻜⻝⻢⻣⻤⻥⻦⻧⻨⻩⻪⻬⻮⻰⻳",
                       "民西见角讠贝车钅长门雨青韦页风飞食马骨鬼鱼鸟卤麦黄黾齐齿龙龟"))
_SPACES = re.compile(r"[ \t\u3000]+")


class DocumentProblem(str, enum.Enum):
    """Why a document could not be checked (the finding says which)."""

    NO_TEXT = "no_text"          # no text layer: a scanned or image-only PDF
    ENCRYPTED = "encrypted"      # needs a password to open
    OVERSIZED = "oversized"      # larger than the download cap
    UNREADABLE = "unreadable"    # not a PDF, or a broken one
    FAILED = "failed"            # the download failed (status, timeout)


@dataclass(frozen=True)
class Document:
    """A linked PDF as the spider hands it on: its text by page, or why it has none."""

    url: str
    referer: str = ""
    status: int = 200
    size: int = 0
    pages: tuple[str, ...] = ()           # text of each page, in order (page 1 first)
    page_count: int = 0                   # pages in the file (more than `pages` when capped)
    title: str = ""
    problem: DocumentProblem | None = None
    detail: str = ""                      # the problem in a few words (the error, the size)


@dataclass
class DocumentLog:
    """The documents of one audit, for the final check (`AuditContext.documents`)."""

    checked: list[str] = field(default_factory=list)
    checked_count: int = 0
    unchecked_count: int = 0
    skipped_over_cap: int = 0       # PDFs linked past DOCUMENTS_MAX

    def note(self, doc: Document) -> None:
        if doc.problem is None:
            self.checked_count += 1
            if len(self.checked) < _LISTED_MAX:
                self.checked.append(doc.url)
        else:
            self.unchecked_count += 1


def clean_text(text: str) -> str:
    """Extracted PDF text made readable to the phrase rules.

    The CJK radicals some producers map glyphs to (Chromium writes ⽰ U+2F70 for 示) become the
    ideographs they stand for (NFKC, on those characters only: the quoted context keeps its
    full-width punctuation); control characters (NULs between the characters of some subset
    fonts) are dropped; runs of spaces shrink to one.
    """
    text = _RADICALS.sub(lambda m: _SUPPLEMENT.get(m.group()) or unicodedata.normalize("NFKC", m.group()), text)
    text = _CONTROL.sub("", text)
    return _SPACES.sub(" ", text).strip()


def read_pdf(body: bytes, url: str = "", referer: str = "", status: int = 200) -> Document:
    """The text of a PDF, page by page, or the reason it cannot be read. Never raises."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    base = Document(url=url, referer=referer, status=status, size=len(body))
    if not body.lstrip()[:5].startswith(b"%PDF"):
        return _with(base, DocumentProblem.UNREADABLE, "not a PDF file (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted:
            # An owner password alone (printing/copying limits) still opens with an empty user password.
            try:
                opened = reader.decrypt("")
            except (FileNotDecryptedError, NotImplementedError, ValueError) as exc:
                return _with(base, DocumentProblem.ENCRYPTED, f"{type(exc).__name__}: {exc}")
            if not opened:
                return _with(base, DocumentProblem.ENCRYPTED, "a password is needed to open it")
        count = len(reader.pages)
        title = ""
        try:
            meta = reader.metadata
            title = clean_text(str(meta.title)) if meta and meta.title else ""
        except Exception:  # broken metadata is no reason to skip the text
            title = ""
        pages = []
        for number, page in enumerate(reader.pages, 1):
            if number > DOCUMENT_PAGES_MAX:
                break
            pages.append(clean_text(page.extract_text() or "")[:PAGE_CHARS_MAX])
    except FileNotDecryptedError as exc:
        return _with(base, DocumentProblem.ENCRYPTED, str(exc))
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError,
            OSError, NotImplementedError) as exc:
        # pypdf raises a range of errors on damaged files; none of them should stop the audit.
        return _with(base, DocumentProblem.UNREADABLE, f"{type(exc).__name__}: {exc}"[:300])
    doc = Document(url=url, referer=referer, status=status, size=len(body), pages=tuple(pages),
                   page_count=count, title=title)
    if sum(len(p) for p in pages) < MIN_TEXT_CHARS:
        return _with(doc, DocumentProblem.NO_TEXT, f"{count} pages, no text layer")
    return doc


def _with(doc: Document, problem: DocumentProblem, detail: str) -> Document:
    from dataclasses import replace

    return replace(doc, problem=problem, detail=detail)


def is_pdf_url(url: str) -> bool:
    """A link whose path ends in .pdf (the way sites link their brochures)."""
    from urllib.parse import urlsplit

    return urlsplit(url).path.lower().endswith(".pdf")
