"""siteaudit's crawler side: the CLI, the Scrapy spider and the site checks."""

__version__ = "0.1.0"
