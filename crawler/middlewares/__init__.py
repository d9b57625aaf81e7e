"""Downloader middlewares: thin adapters that make the crawl read pages right and treat hosts politely.
One component per file, as in Scrapy:

- `encoding.EncodingMiddleware`: decodes HTML with `crawler.encoding.detect_encoding`, not Scrapy's guess.
- `politeness.PolitenessMiddleware`: robots.txt `Crawl-delay` and `Retry-After` on 429/503, per host.
- `redirect.LoopAwareRedirectMiddleware`: Scrapy's redirects, but a loop or an over-long chain reaches the
  spider as a response (so it can be reported) instead of vanishing in the dupe filter.
- `staging.StagingAccessMiddleware`: the profile's headers, cookies and basic auth, on declared hosts only.
"""
