"""The plain values the spider hands to the checks: one `Page` per fetched URL."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class RenderInfo:
    """How a page went through headless Chromium (`crawl.render`, crawler/render.py).

    `reason` is why it was rendered (`always`, `js_only`, `no_filing`); `raw_html` the HTML as the
    server sent it (the page's `text` is then the rendered DOM); `error` why rendering failed,
    in which case `text` stays the raw HTML and the checks read that.
    """

    reason: str
    raw_html: str = ""
    error: str = ""
    ms: int = 0

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class Page:
    """A fetched page, decoded. Checks are pure functions over this; they never see Scrapy.

    `text` is the decoded HTML (or "" for non-HTML responses); `encoding` is the encoding
    actually used to decode it, `declared_encoding` what the header or <meta> claimed.
    """

    url: str
    status: int
    depth: int = 0
    ms: int = 0
    title: str = ""
    encoding: str = ""
    declared_encoding: str = ""
    content_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)   # lower-case name -> value
    text: str = ""
    referer: str = ""
    redirects: tuple[str, ...] = ()   # URLs passed through before `url`, oldest first
    is_homepage: bool = False         # the root page of a declared domain
    kind: str = "page"                # `page` crawled; `resource` or `external`: only status-checked
    error: str = ""                   # why the download failed (status 0): "DownloadTimeoutError: …"
    redirect_loop: tuple[str, ...] = ()   # a loop or an over-long chain, ending in the repeated URL
    redirect_refused: str = ""        # a redirect or refresh to a non-web URL (data:, file:, javascript:), not followed
    encoding_mismatch: str = ""       # the page's bytes disagree with its declared encoding: how it was found
    unreadable: str = ""              # why the body could not be read (decompression limit, broken stream)
    mixed_encoding: str = ""          # the bytes mix encodings ("gb18030 + utf-8"): parts read as mojibake
    render: RenderInfo | None = None  # set when the page was (or failed to be) rendered in Chromium
    # The page's external style sheets on the declared domains, parsed (checks/filing/hidden.py's
    # `sheet_rules`): what hides an element is often in a linked .css file, not in the page.
    stylesheets: tuple = ()

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()

    @property
    def is_html(self) -> bool:
        return "html" in self.content_type or (not self.content_type and "<html" in self.text[:2048].lower())

    @property
    def rendered(self) -> bool:
        """True when `text` is the DOM after JavaScript ran (rendered in headless Chromium)."""
        return self.render is not None and self.render.ok

    @property
    def raw_html(self) -> str:
        """The HTML as the server sent it (the same as `text` unless the page was rendered)."""
        return self.render.raw_html if self.rendered else self.text

    def to_record(self) -> dict:
        """The findings.json `pages` entry."""
        record = {"url": self.url, "status": self.status, "depth": self.depth, "ms": self.ms,
                  "title": self.title, "encoding": self.encoding}
        if self.rendered:
            record["rendered"] = True
        return record
