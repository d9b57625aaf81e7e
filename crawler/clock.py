"""The one time format of the audit: UTC, to the second, ISO-8601 with `Z` (`2026-11-28T01:00:00Z`).

Every time the audit writes (runs, probes, locks) is made by `now_iso`, so times in the history store
compare as text; every time it reads back goes through `parse_time`.
"""
from __future__ import annotations

from datetime import datetime, timezone


def now_iso() -> str:
    """UTC now, as the audit writes it."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_time(value: str) -> datetime | None:
    """An ISO-8601 time (`Z` allowed) as an aware datetime; naive times are UTC; None when unreadable."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError, TypeError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
