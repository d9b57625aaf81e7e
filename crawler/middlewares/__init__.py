"""Downloader middlewares: thin adapters that make the crawl read pages right and treat hosts politely.
One component per file, as in Scrapy:

- `encoding.EncodingMiddleware`: decodes HTML with `crawler.encoding.detect_encoding`, not Scrapy's guess.
- `politeness.PolitenessMiddleware`: robots.txt `Crawl-delay` and `Retry-After` on 429/503, per host.
- `redirect.LoopAwareRedirectMiddleware`: Scrapy's redirects, but a loop, an over-long chain or a redirect to a
  data:/file:/javascript: URL reaches the spider as a response (so it can be reported) instead of vanishing.
- `staging.StagingAccessMiddleware`: the profile's headers, cookies and basic auth, on declared hosts only.
- `compression.BoundedDecompressionMiddleware`: Scrapy's Content-Encoding decoding, but a bomb, a broken stream or
  an unknown encoding reaches the spider as an empty response that says why (CNT006), never silently dropped.
- `metarefresh.LoopAwareMetaRefreshMiddleware`: `<meta http-equiv="refresh">` with the same loop and
  non-web-target reporting as redirects (LNK005).
- `stalled.StalledHostMiddleware`: a host whose downloads keep running past the deadline is not asked again (LNK019).
"""
