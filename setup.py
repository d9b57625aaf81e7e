# scrapyd-deploy (scrapyd-client) builds the egg it uploads to a Scrapyd node with `python setup.py
# bdist_egg`; the package itself is described in pyproject.toml (including the `scrapy` entry point
# that tells Scrapyd the egg's settings module).
from setuptools import setup

setup()
