"""`EncodingMiddleware`: decodes HTML with `crawler.encoding.detect_encoding`, not Scrapy's guess."""
from __future__ import annotations

from typing import Any

from scrapy.http import HtmlResponse, Request, Response, TextResponse

from crawler.encoding import detect_encoding

ENCODING_META = "siteaudit_encoding"


class EncodingMiddleware:
    """Re-decodes every HTML response with the encoding its bytes really use (see crawler/encoding.py)."""

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if not isinstance(response, TextResponse) or not response.body:
            return response
        ctype = (response.headers.get("Content-Type") or b"").decode("latin-1")
        if not isinstance(response, HtmlResponse) and "html" not in ctype:
            return response
        detected = detect_encoding(response.body, ctype)
        request.meta[ENCODING_META] = detected
        return response.replace(encoding=detected.encoding)
