"""Phrase rules: rule data, normalisation and matching. Imports nothing else of siteaudit."""
