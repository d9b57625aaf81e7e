"""Finding and validating filing numbers in text: ICP 备案号, ICP licence, 公安备案号.

The patterns are deliberately lenient (spaces inside numbers, a missing 号, wrong labels, X
placeholders) so that a malformed number is found and reported rather than silently missed; each
`Number` then carries the list of problems a strict reading finds. Pure functions over strings.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

PROVINCES = "京津沪渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川蜀黔贵滇云藏陕陇甘青宁新"

# First two digits of a 公安备案号 by province abbreviation (GB/T 2260 province codes).
PSB_PROVINCE_CODES = {
    "京": "11", "津": "12", "冀": "13", "晋": "14", "蒙": "15", "辽": "21", "吉": "22", "黑": "23",
    "沪": "31", "苏": "32", "浙": "33", "皖": "34", "闽": "35", "赣": "36", "鲁": "37", "豫": "41",
    "鄂": "42", "湘": "43", "粤": "44", "桂": "45", "琼": "46", "渝": "50", "川": "51", "蜀": "51",
    "黔": "52", "贵": "52", "滇": "53", "云": "53", "藏": "54", "陕": "61", "甘": "62", "陇": "62",
    "青": "63", "宁": "64", "新": "65",
}

_P = f"[{PROVINCES}]"
_NUM = r"[0-9Xx*×](?:[0-9Xx*× \t]{0,20}[0-9Xx*×])?"
_DASH = r"[-—–]"

FILING_RE = re.compile(
    rf"(?P<prov>{_P})?[ \t]*(?P<icp>ICP)[ \t]*(?P<label>备案号|备案|备|证|许可证|号)?[ \t]*:?[ \t]*"
    rf"(?P<num>{_NUM})[ \t]*(?P<hao>号)?(?:[ \t]*{_DASH}[ \t]*(?P<suffix>\d{{1,3}}A?))?(?P<hao2>号)?",
    re.I)
LICENCE_RE = re.compile(
    rf"(?<![A-Za-z0-9])(?P<prov>{_P})?[ \t]*(?P<cls>[AB][12])[ \t]*{_DASH}[ \t]*(?P<num>{_NUM})"
    rf"(?:[ \t]*{_DASH}[ \t]*(?P<suffix>\d{{1,3}}))?[ \t]*(?P<hao>号)?")
PSB_RE = re.compile(
    rf"(?P<prov>{_P})?[ \t]*(?P<label>公网安备|公安网备|公网安|网安备|公安备案号?|公安备)[ \t]*号?[ \t]*:?[ \t]*"
    rf"(?P<num>{_NUM})[ \t]*(?P<hao>号)?")
# A licence number without a province is only taken as one when a licence label precedes it.
_LICENCE_LABEL = re.compile(r"许可证|经营许可|增值电信|ICP证", re.I)
_TEMPLATE_CHARS = re.compile(r"[Xx*×]")
_ASCENDING = "0123456789012345678901234567890"
_DESCENDING = _ASCENDING[::-1]


@dataclass(frozen=True)
class Number:
    """One filing number as shown on a page, with what a strict reading objects to.

    `kind` is filing, licence or psb; `digits` the number without spaces (may hold X placeholders);
    `problems` holds problem names: format, spaces, no_hao, label, placeholder.
    """

    kind: str
    shown: str
    start: int
    end: int
    province: str
    digits: str
    suffix: str = ""
    label: str = ""
    problems: tuple[str, ...] = ()
    detail: tuple[str, str] = ("", "")   # what the format problem is, in a few words: (zh, en)

    @property
    def base(self) -> str:
        """The comparable identity without the -N suffix: licence class and digits (province apart)."""
        return f"{self.label if self.kind == 'licence' else ''}{self.digits}"

    def same_as(self, other: "Number") -> bool:
        """Same number, whatever the `-N` suffix: since 2019 each domain of a site has its own suffix,
        so a profile that names one (`…号-1`) still matches the site's other domains (`…号-2`).

        A missing province is a format problem reported on its own, so it does not also make the
        number differ; the 公安 number's province is implied by its digits (checked separately).
        """
        if self.kind != other.kind or self.base != other.base:
            return False
        return self.kind == "psb" or not (self.province and other.province and self.province != other.province)

    @property
    def comparable(self) -> bool:
        """Neither a placeholder nor malformed: worth comparing with the declared number."""
        return "placeholder" not in self.problems and "format" not in self.problems


def is_template(digits: str) -> bool:
    """X, * or × where digits belong: a template leftover that can never be a real number."""
    return bool(_TEMPLATE_CHARS.search(digits))


def is_placeholder(digits: str) -> bool:
    """Template leftovers: X/*/× instead of digits, one digit repeated, 1234… / 9876… runs, or a
    licence whose serial part is 0000 (`B2-20200000`)."""
    if not digits or is_template(digits):
        return True
    if len(digits) >= 4 and (len(set(digits)) == 1 or digits in _ASCENDING or digits in _DESCENDING):
        return True
    return len(digits) == 8 and digits.endswith("0000")


@dataclass(frozen=True)
class _Read:
    """The parts of one pattern match, after splitting off digits that belong to the next thing."""

    shown: str
    end: int
    digits: str
    spaced: bool
    hao: bool
    suffix: str


def _read(m: re.Match, text: str, want: tuple[int, ...]) -> _Read:
    num = m.group("num")
    groups = num.split()
    digits = "".join(groups)
    suffix = m.groupdict().get("suffix") or ""
    if len(groups) > 1 and len(digits) not in want and len(groups[0]) in want:
        # `京ICP备2024012345 2024` is a number without 号 followed by a year, not a 14-digit number.
        end = m.start("num") + len(groups[0])
        return _Read(text[m.start():end].strip(), end, groups[0].upper(), False, False, "")
    # `京ICP备12345678号-1` is the usual form; `京ICP备12345678-1号` is seen too and is just as complete.
    hao = bool(m.group("hao") or m.groupdict().get("hao2"))
    return _Read(m.group(0).strip(), m.end(), digits.upper(), len(groups) > 1, hao, suffix.upper())


def _problems(prov: str, r: _Read, want: tuple[int, ...], label_ok: bool,
              need_hao: bool) -> tuple[tuple[str, ...], tuple[str, str]]:
    problems: list[str] = []
    detail = ("", "")
    if not prov:
        problems.append("format")
        detail = ("缺少省份简称", "no province abbreviation")
    if is_placeholder(r.digits):
        problems.append("placeholder")
    elif not r.digits.isdigit() or len(r.digits) not in want:
        problems.append("format")
        expected = f"{min(want)}–{max(want)}" if len(want) > 1 else str(want[0])
        detail = detail if detail[0] else (f"{len(r.digits)} 位数字，应为 {expected} 位",
                                           f"{len(r.digits)} digits, expected {expected}")
    if r.spaced:
        problems.append("spaces")
    if need_hao and not r.hao:
        problems.append("no_hao")
    if not label_ok:
        problems.append("label")
    return tuple(dict.fromkeys(problems)), detail


_FILING_DIGITS = tuple(range(6, 11))


def find_filings(text: str) -> tuple[list[Number], list[Number]]:
    """ICP 备案号 (`京ICP备…号-N`) and old-style licences (`京ICP证…号`) in `text`: (filings, licences)."""
    filings: list[Number] = []
    licences: list[Number] = []
    for m in FILING_RE.finditer(text):
        label = m.group("label") or ""
        prov = m.group("prov") or ""
        if label in ("证", "许可证"):
            r = _read(m, text, (6,) + _FILING_DIGITS)
            problems, detail = _problems(prov, r, (6,), label == "证", need_hao=True)
            licences.append(Number("licence", r.shown, m.start(), r.end, prov, r.digits, r.suffix, "ICP证",
                                   problems, detail))
            continue
        r = _read(m, text, _FILING_DIGITS)
        problems, detail = _problems(prov, r, _FILING_DIGITS, label == "备" and m.group("icp") == "ICP", need_hao=True)
        filings.append(Number("filing", r.shown, m.start(), r.end, prov, r.digits, r.suffix, label, problems, detail))
    return filings, licences


def find_licences(text: str) -> list[Number]:
    """Value-added telecom licences (`京B2-20201234`, optional `-N`) in `text`."""
    found: list[Number] = []
    for m in LICENCE_RE.finditer(text):
        if not m.group("prov") and not _LICENCE_LABEL.search(text, max(0, m.start() - 20), m.start()):
            continue
        r = _read(m, text, (8,))
        problems, detail = _problems(m.group("prov") or "", r, (8,), True, need_hao=False)
        found.append(Number("licence", r.shown, m.start(), r.end, m.group("prov") or "", r.digits, r.suffix,
                            m.group("cls"), problems, detail))
    return found


def find_psb(text: str) -> list[Number]:
    """公安备案号 (`京公网安备11010802012345号`) in `text`, with a province-code check."""
    found: list[Number] = []
    for m in PSB_RE.finditer(text):
        r = _read(m, text, (14,))
        problems, detail = _problems(m.group("prov") or "", r, (14,), m.group("label") == "公网安备", need_hao=True)
        found.append(Number("psb", r.shown, m.start(), r.end, m.group("prov") or "", r.digits, "", "公网安备",
                            problems, detail))
    return found


def province_code_mismatch(number: Number) -> str | None:
    """The code the province abbreviation calls for, when the 公安 number starts with another one."""
    want = PSB_PROVINCE_CODES.get(number.province)
    if want and number.digits[:2].isdigit() and number.digits[:2] != want:
        return want
    return None


def parse_declared(kind: str, value: str) -> Number | None:
    """The profile's declared number of `kind`, parsed like a shown one (None when unreadable)."""
    if not value:
        return None
    value = unicodedata.normalize("NFKC", value).strip()
    if kind == "psb":
        found = find_psb(value)
    elif kind == "licence":
        found = find_licences(value) or find_filings(value)[1]
    else:
        found = find_filings(value)[0]
    return found[0] if found else None
