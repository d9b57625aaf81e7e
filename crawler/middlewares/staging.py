"""`StagingAccessMiddleware`: the profile's headers, cookies and basic auth, on declared hosts only."""
from __future__ import annotations

from typing import Any

from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached


class StagingAccessMiddleware:
    """Adds the profile's headers, cookies and basic auth to requests for the declared hosts only:
    a staging password must never travel to a third-party host that a page links to."""

    def __init__(self, hosts: set[str], headers: dict[str, str], cookies: dict[str, str], authorization: str):
        self.hosts = hosts
        self.headers = headers
        self.cookies = cookies
        self.authorization = authorization

    @classmethod
    def from_crawler(cls, crawler: Any) -> "StagingAccessMiddleware":
        s = crawler.settings
        headers = dict(s.getdict("AUDIT_HEADERS"))
        cookies = dict(s.getdict("AUDIT_COOKIES"))
        authorization = s.get("AUDIT_AUTHORIZATION") or ""
        if not (headers or cookies or authorization):
            raise NotConfigured
        return cls({h.lower() for h in s.getlist("AUDIT_HOSTS")}, headers, cookies, authorization)

    def process_request(self, request: Request, spider: Any = None) -> None:
        if (urlparse_cached(request).hostname or "").lower() not in self.hosts:
            return None
        for name, value in self.headers.items():
            request.headers.setdefault(name, value)
        if self.authorization:
            request.headers.setdefault("Authorization", self.authorization)
        for name, value in self.cookies.items():
            if isinstance(request.cookies, dict):
                request.cookies.setdefault(name, value)
        return None
