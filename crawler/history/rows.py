"""A finding's stored form: its findings.json text and its group id.

The one definition, used by `Store.add_findings` and computed ahead by the phrase worker
(crawler/phrases.py), so that on a dense site the crawl process does not serialise the phrase
findings itself. Imports no more than the worker has.
"""
from __future__ import annotations

import json

from reports.grouping import group_id
from rules.model import Finding


def finding_data(finding: Finding) -> tuple[str, str]:
    """(findings.json text, group id) of `finding` as it is now (its status unset or set)."""
    d = finding.to_dict()
    return json.dumps(d, ensure_ascii=False), group_id(d)
