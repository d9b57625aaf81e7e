"""Crawl checks: what the crawl itself saw — broken links and redirects, encodings, soft 404s and
empty pages, robots.txt, sitemaps, caps and politeness (rule ids LNK/CNT, docs/CRAWL.md)."""
