"""Result types shared by the rule engine, the site checks and the reports.

Every finding, whether from a phrase rule or a site check, is a `Finding`; every site check
also leaves a `CheckResult` (the `checks` list of findings.json).
"""
from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Severity(str, enum.Enum):
    """How bad a finding is: error 禁用 · warning 慎用 · info 需依据."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe: error 3, warning 2, info 1."""
        return {"error": 3, "warning": 2, "info": 1}[self.value]

    def at_least(self, threshold: str) -> bool:
        """True when this severity is at or above `threshold` (`never` is never reached)."""
        if threshold == "never":
            return False
        return self.rank >= Severity(threshold).rank


class Category(str, enum.Enum):
    """SPEC's category vocabulary: phrase categories first, then site categories."""

    ABSOLUTE = "absolute"
    AUTHORITY = "authority"
    MEDICAL = "medical"
    FOOD = "food"
    COSMETICS = "cosmetics"
    FINANCE = "finance"
    EDUCATION = "education"
    REALESTATE = "realestate"
    GUARANTEE = "guarantee"
    SUPERSTITION = "superstition"
    CITATION = "citation"
    PROHIBITED = "prohibited"
    ICP = "icp"
    DNS = "dns"
    UPTIME = "uptime"
    TLS = "tls"
    SECURITY = "security"
    LINKS = "links"
    CONTENT = "content"
    PRIVACY = "privacy"
    SCOPE = "scope"


PHRASE_CATEGORIES = frozenset(c.value for c in list(Category)[:12])

# Where on a page (or in which layer) a finding was made; SPEC's `where` vocabulary.
WHERES = ("title", "meta", "body", "alt", "footer", "header", "dns", "tls", "http")


class CheckStatus(str, enum.Enum):
    """Outcome of one site check: `error` means the check itself crashed, `fail` that it found problems."""

    OK = "ok"
    FAIL = "fail"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Finding:
    """One problem found, with enough evidence for a person to act on it.

    `expected` / `actual` carry the evidence of site checks (the server asked, the answer,
    the value the profile declares); phrase findings use `match` and `context` instead.
    """

    rule: str
    category: str
    severity: Severity
    url: str
    message: str
    where: str | None = None
    match: str | None = None
    context: str | None = None
    line: int | None = None
    column: int | None = None
    basis: str | None = None
    suggestion: str | None = None
    status: str | None = None
    expected: str | None = None
    actual: str | None = None
    rendered: bool | None = None     # found in the DOM after JavaScript ran (headless Chromium), not in the HTML
    doc_page: int | None = None      # page number inside a linked document (PDF), 1-based

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity across runs: the same rule, url, place and match is the same finding."""
        return (self.rule, self.url, self.where or "", self.match or "")

    def to_dict(self) -> dict[str, Any]:
        """The findings.json form: always rule/category/severity/url/message, the rest when set."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            out[f.name] = value.value if isinstance(value, enum.Enum) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["severity"] = Severity(kwargs["severity"])
        return cls(**kwargs)

    def replace(self, **changes: Any) -> "Finding":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one site check, shown in the report with expected vs actual."""

    id: str
    status: CheckStatus
    detail: str = ""
    expected: str | None = None
    actual: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "status": self.status.value, "detail": self.detail}
        if self.expected is not None:
            out["expected"] = self.expected
        if self.actual is not None:
            out["actual"] = self.actual
        return out


@dataclass
class CheckOutcome:
    """What a site check returns: its result line plus the findings it made, and facts for the 年报 table."""

    result: CheckResult
    findings: list[Finding] = field(default_factory=list)
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)  # domain -> {fact: value}


# -- Two languages -------------------------------------------------------------------------------
# The one way siteaudit writes user-facing text in two languages: zh-CN first, English with --lang en.
# Every message, label and table of ours picks its language through `pick` (a pair written in place)
# or `Bilingual` (a pair kept in a table); severities are named once, in `SEVERITY_NAMES`.

LANGS = ("zh", "en")   # zh is the default; anything else but "en" reads as zh


def pick(lang: str, zh: str, en: str) -> str:
    """`en` under --lang en, otherwise `zh`."""
    return en if lang == "en" else zh


class Bilingual(NamedTuple):
    """A text in both languages, for tables: `Bilingual("禁用", "Error").in_(lang)`."""

    zh: str
    en: str

    def in_(self, lang: str) -> str:
        return pick(lang, self.zh, self.en)


# error 禁用 (a clear violation) · warning 慎用 (risky, review it) · info 需依据 (needs evidence or a look)
SEVERITY_NAMES = {"error": Bilingual("禁用", "Error"), "warning": Bilingual("慎用", "Warning"),
                  "info": Bilingual("需依据", "Info")}


def severity_name(severity: str, lang: str) -> str:
    """A severity's name for people; an unknown one shows as it is."""
    name = SEVERITY_NAMES.get(severity)
    return name.in_(lang) if name else severity
