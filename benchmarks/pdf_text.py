"""Which PDF text extractor reads Chinese best: pypdf against pdfminer.six (docs/CRAWL.md has the result).

    pip install pdfminer.six reportlab      # only for this comparison; fpdf2 comes with .[test]
    python -m benchmarks.pdf_text

The same Chinese text is written by three producers — Chromium's print-to-PDF (an embedded Noto CJK
subset), reportlab with the non-embedded CID font STSong-Light, fpdf2 with the embedded Noto CJK
.ttc — and each library's text is scored as its similarity to the source (whitespace removed), raw
and after `crawler.documents.clean_text`. Prints Markdown.
"""
from __future__ import annotations

import difflib
import io
import logging
import sys
import tempfile
import time
from pathlib import Path

if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.documents import clean_text  # noqa: E402

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
PAGES = ["示例科技产品手册\n本产品是全国最佳的净水器，效果最好，国家级产品。\n保证治愈，无效退款。",
         "第二页：百家乐 真人娱乐 开户送彩金。联系电话 010-12345678"]


def _squash(text: str) -> str:
    return "".join(text.split())


def by_chromium(tmp: Path) -> bytes:
    from reports.browser import print_to_pdf

    html = tmp / "p.html"
    html.write_text('<html><head><meta charset="utf-8"><style>.p{page-break-after:always}</style></head><body>'
                    + "".join(f'<div class="p">{p.replace(chr(10), "<br>")}</div>' for p in PAGES) + "</body></html>",
                    encoding="utf-8")
    return print_to_pdf(html, tmp / "chromium.pdf").read_bytes()


def by_reportlab(tmp: Path) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(tmp / "reportlab.pdf"))
    for page in PAGES:
        c.setFont("STSong-Light", 14)
        for i, line in enumerate(page.split("\n")):
            c.drawString(50, 780 - 20 * i, line)
        c.showPage()
    c.save()
    return (tmp / "reportlab.pdf").read_bytes()


def by_fpdf2(tmp: Path) -> bytes:
    import fpdf

    pdf = fpdf.FPDF()
    pdf.add_font("noto", "", FONT)
    pdf.set_font("noto", size=14)
    for page in PAGES:
        pdf.add_page()
        pdf.multi_cell(0, 10, page)
    return bytes(pdf.output())


def main() -> int:
    from pdfminer.high_level import extract_text
    from pypdf import PdfReader

    logging.disable(logging.WARNING)   # pdfminer logs one warning per glyph on CID fonts
    truth = _squash("".join(PAGES))
    readers = {"pypdf": lambda b: "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(b)).pages),
               "pdfminer.six": lambda b: extract_text(io.BytesIO(b))}
    print("| producer | library | raw | after clean_text | ms |\n|---|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in (("Chromium print-to-PDF", by_chromium), ("reportlab STSong-Light", by_reportlab),
                           ("fpdf2 Noto CJK", by_fpdf2)):
            body = make(Path(tmp))
            for lib, read in readers.items():
                started = time.perf_counter()
                text = read(body)
                ms = (time.perf_counter() - started) * 1000
                raw = difflib.SequenceMatcher(None, truth, _squash(text)).ratio()
                clean = difflib.SequenceMatcher(None, truth, _squash(clean_text(text))).ratio()
                print(f"| {name} | {lib} | {raw:.3f} | {clean:.3f} | {ms:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
