"""Linked PDF documents: real PDFs made in the test (Chinese text in an embedded Noto CJK font, a
scanned-style image-only one, encrypted ones, a damaged one, an oversized one), read by pypdf, and
audited end to end by the CLI on a loopback site."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from crawler.documents import DOCUMENT_MAX_BYTES, DocumentProblem, clean_text, read_pdf

fpdf = pytest.importorskip("fpdf", reason="fpdf2 makes the test PDFs (pip install -e '.[test]')")

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
HOST = "www.pdf-corp.cn"
ZONE = {"origins": ["pdf-corp.cn"], "records": {HOST: {"A": ["127.0.0.1"]}}}
PAGE_1 = "云净科技产品手册\n欢迎选购云净家用净水器，安装简单，售后无忧。"
PAGE_2 = "产品优势\n本产品是全国最佳的净水器，保证治愈肠胃疾病，无效退款。"

needs_font = pytest.mark.skipif(not CJK_FONT.exists(), reason="needs fonts-noto-cjk (apt-get install fonts-noto-cjk)")


def chinese_pdf(pages: list[str]) -> bytes:
    """A text PDF as office tools write them: an embedded (subset) CJK font, one page per text."""
    pdf = fpdf.FPDF()
    pdf.add_font("noto", "", str(CJK_FONT))
    pdf.set_font("noto", size=14)
    pdf.set_title("云净科技产品手册")
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def scanned_pdf(text: str) -> bytes:
    """A scanned-style PDF: the same Chinese text, but as a picture of the page (no text layer)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1240, 400), 255)
    ImageDraw.Draw(image).text((40, 40), text, fill=0, font=ImageFont.truetype(str(CJK_FONT), 40))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(buf.getvalue()), x=10, y=10, w=190)
    return bytes(pdf.output())


def encrypted_pdf(body: bytes, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(body)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def oversized_pdf(body: bytes, size: int) -> bytes:
    """A real PDF padded past `size` bytes (a comment after %%EOF, as some scanners leave)."""
    return body + b"\n%" + b"x" * (size - len(body) + 1024) + b"\n"


# -- reading --------------------------------------------------------------------------------------
@needs_font
def test_chinese_text_is_read_page_by_page():
    doc = read_pdf(chinese_pdf([PAGE_1, PAGE_2]), "http://x/a.pdf")
    assert doc.problem is None and doc.page_count == 2
    assert "全国最佳的净水器" in doc.pages[1] and "保证治愈" in doc.pages[1]
    assert "云净家用净水器" in doc.pages[0] and "最佳" not in doc.pages[0]
    assert doc.title == "云净科技产品手册"


@needs_font
def test_a_scan_has_no_text_layer():
    doc = read_pdf(scanned_pdf(PAGE_2), "http://x/scan.pdf")
    assert doc.problem is DocumentProblem.NO_TEXT and doc.page_count == 1


@needs_font
def test_a_user_password_makes_it_encrypted_but_an_owner_password_alone_does_not():
    body = chinese_pdf([PAGE_2])
    locked = read_pdf(encrypted_pdf(body, "user-secret"))
    assert locked.problem is DocumentProblem.ENCRYPTED
    limited = read_pdf(encrypted_pdf(body, ""))     # print/copy limits only: opens with no password
    assert limited.problem is None and "全国最佳" in limited.pages[0]


@pytest.mark.parametrize("body", [b"<html>not a pdf</html>", b"%PDF-1.7\n1 0 obj << /Type /Catalog", b""])
def test_damaged_or_foreign_files_are_unreadable_not_errors(body):
    assert read_pdf(body).problem is DocumentProblem.UNREADABLE


@pytest.mark.parametrize("raw, clean", [
    ("⽰例科技", "示例科技"),                    # Kangxi radicals, as Chromium's print-to-PDF maps glyphs
    ("第⼆⻚", "第二页"),                        # and a CJK Radicals Supplement one
    ("\x00最\x00佳", "最佳"),                     # NULs between characters (some subset fonts)
    ("全国最佳，无效退款", "全国最佳，无效退款"),     # full-width punctuation stays as written
    ("a \u3000  b", "a b"),
])
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


# -- the audit --------------------------------------------------------------------------------------
@needs_font
def test_linked_pdfs_are_audited_and_unreadable_ones_reported(tmp_path, web_server, dns_server, siteaudit):
    root = tmp_path / "site" / HOST
    (root / "files").mkdir(parents=True)
    brochure = chinese_pdf([PAGE_1, PAGE_2])
    (root / "files" / "brochure.pdf").write_bytes(brochure)
    (root / "files" / "scan.pdf").write_bytes(scanned_pdf(PAGE_2))
    (root / "files" / "locked.pdf").write_bytes(encrypted_pdf(brochure, "user-secret"))
    (root / "files" / "catalogue.pdf").write_bytes(oversized_pdf(brochure, DOCUMENT_MAX_BYTES))
    links = "".join(f'<li><a href="/files/{n}.pdf">{n}</a></li>' for n in ("brochure", "scan", "locked", "catalogue"))
    (root / "index.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>云净科技</title></head><body>'
        '<p>云净科技专注家用净水设备，欢迎下载我们的产品资料，了解更多产品信息与服务内容。</p>'
        f'<ul>{links}<li><a href="/download?id=7">价格表</a></li><li><a href="http://other.example/x.pdf">外部</a></li></ul>'
        '<footer><a href="https://beian.miit.gov.cn/">京ICP备20268888号-1</a></footer></body></html>',
        encoding="utf-8")
    from crawler.loopback.web import Reply

    # A price list behind a download link that does not end in .pdf: known by its Content-Type.
    price_list = chinese_pdf(["价格表\n助眠枕 299 元：本品根治失眠，三天见效。"])
    web = web_server(tmp_path / "site", routes={(HOST, "/download"): Reply(200, price_list,
                                                                           content_type="application/pdf")})
    dns = dns_server(ZONE)
    profile = tmp_path / "site.yaml"
    profile.write_text(f'site: {{start_urls: ["{web.url(HOST)}"], domains: [{HOST}]}}\n'
                       "license: {icp_filing: 京ICP备20268888号}\ncrawl: {delay: 0, render: never}\n",
                       encoding="utf-8")
    out = tmp_path / "out"
    result = siteaudit("audit", str(profile), "--resolver", dns.address, "-o", str(out), "--format", "json,html",
                       "--no-uptime", "--quiet", "--fail-on", "never")
    assert result.returncode == 0, result.stderr[-2000:]
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    url = web.url(HOST, "/files/brochure.pdf")
    in_pdf = [f for f in doc["findings"] if f["url"].startswith(url)]
    best = next(f for f in in_pdf if f["match"] == "全国最佳")
    assert best["url"] == url + "#page=2" and best["doc_page"] == 2 and best["where"] == "pdf"
    assert "本产品是全国最佳的净水器，保证治愈" in best["context"] and best["severity"] == "error"
    assert any(f["match"] == "保证治愈" and f["doc_page"] == 2 for f in in_pdf)
    assert not [f for f in in_pdf if f.get("doc_page") == 1 and f["severity"] == "error"]
    cure = [f for f in doc["findings"] if f["url"] == web.url(HOST, "/download?id=7#page=1") and "根治" in f["match"]]
    assert cure and cure[0]["doc_page"] == 1
    by_rule = {f["rule"]: f for f in doc["findings"] if f["rule"].startswith("DOC")}
    assert set(by_rule) == {"DOC001", "DOC002", "DOC003"}
    assert by_rule["DOC001"]["url"] == web.url(HOST, "/files/scan.pdf")
    assert by_rule["DOC002"]["url"] == web.url(HOST, "/files/locked.pdf")
    assert by_rule["DOC003"]["url"] == web.url(HOST, "/files/catalogue.pdf")
    assert all(f["severity"] == "info" and web.url(HOST) in f["context"] for f in by_rule.values())
    (row,) = [c for c in doc["checks"] if c["id"] == "documents"]
    assert row["detail"].startswith("读取 2 个 PDF；3 个无法检查")
    # Only declared domains' documents are downloaded; the big one was cut off, not read whole.
    assert not [r for r in web.requests if r[0] == "other.example"]
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "PDF 文档" in report and url + "#page=2" in report


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists() and not __import__("shutil").which("chromium"),
                    reason="needs headless Chromium (apt-get install chromium)")
def test_chromium_print_to_pdf_is_read_with_its_radicals_folded(tmp_path):
    from reports.browser import print_to_pdf

    html = tmp_path / "brochure.html"
    html.write_text('<html><head><meta charset="utf-8"><style>.p{page-break-after:always}</style></head><body>'
                    f'<div class="p">{PAGE_1}</div><div>第二页：{PAGE_2}</div></body></html>', encoding="utf-8")
    doc = read_pdf(print_to_pdf(html, tmp_path / "brochure.pdf").read_bytes())
    assert doc.problem is None and doc.page_count == 2
    assert "第二页" in doc.pages[1] and "全国最佳的净水器" in doc.pages[1]   # Chromium writes ⼆ and ⻚
