"""The one exception base of siteaudit, with the file, line and field it concerns.

It lives in `rules` because `rules` imports nothing of ours and everything else imports `rules`.
"""
from __future__ import annotations


class AuditError(Exception):
    """An error a user can act on: names the file, the line and the field where known."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None):
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class ConfigError(AuditError):
    """A profile, rule file or option is invalid (exit code 2)."""


class RuleError(ConfigError):
    """A rule file is invalid."""
