"""Rendering only: findings.json and the report extras in, shareable files out.

`reports.render.write_outputs` is the one entry point; `reports.formats` holds one formatter
per output format behind one interface. Imports nothing of ours except `rules.model`, and
works without Scrapy.
"""
