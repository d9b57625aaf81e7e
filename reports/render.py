"""The outputs' one entry point: `write_outputs(doc, extra, out_dir, formats, lang)`."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .browser import BrowserError
from .formats import FORMATTERS
from .i18n import Labels
from .inputs import ReportInputError

DEFAULT_FORMATS = ("html", "json")

__all__ = ["write_outputs", "parse_formats", "ReportInputError", "OutputError", "DEFAULT_FORMATS", "FORMATTERS"]


class OutputError(RuntimeError):
    """An output could not be made (a PDF without Chromium); `written` holds the ones that were.

    Not a ValueError (exit 2): the inputs were right, the tool could not finish (exit 3).
    """

    def __init__(self, fmt: str, problem: str, written: dict[str, Path]):
        self.format = fmt
        self.written = written
        self.zh = f"无法生成 {fmt} 输出：{problem}；其他输出已写出"
        super().__init__(f"cannot write the {fmt} output: {problem}; the other outputs were written")


def parse_formats(formats: str | Iterable[str] | None) -> tuple[str, ...]:
    """`"html,json"` or `["html", "json"]` → ("html", "json"); None → the defaults.

    An unknown name is a ValueError naming it (the CLI turns it into exit 2).
    """
    if formats is None:
        return DEFAULT_FORMATS
    names = formats.split(",") if isinstance(formats, str) else list(formats)
    out: list[str] = []
    for name in (n.strip().lower() for n in names):
        if not name:
            continue
        if name not in FORMATTERS:
            raise ValueError(f"unknown output format {name!r}: expected one of {', '.join(FORMATTERS)}")
        if name not in out:
            out.append(name)
    if not out:
        raise ValueError(f"no output format given: expected one or more of {', '.join(FORMATTERS)}")
    return tuple(out)


def write_outputs(doc: dict, extra: dict | None, out_dir: str | Path,
                  formats: str | Iterable[str] | None = DEFAULT_FORMATS, lang: str | None = "zh",
                  strict: bool = False) -> dict[str, Path]:
    """Writes every requested output into `out_dir` (created if needed); returns {format: path}.

    `doc` is the findings.json object (schema siteaudit/1); `extra` what only the report needs
    (fixed, history, facts, uptime, partial, partial_reason, profile — every key optional).
    Formats and language are checked before anything is written. `strict` makes the HTML
    templates fail on an undefined value (the tests use it).
    """
    names = parse_formats(formats)
    # None means the default; "zh-CN" / "en_US" mean their language
    labels = Labels((lang or "zh").replace("_", "-").split("-")[0].lower())
    if not isinstance(doc, dict):
        raise ReportInputError("doc", f"expected the findings.json object, got {type(doc).__name__}")
    extra = {} if extra is None else extra
    if not isinstance(extra, dict):
        raise ReportInputError("extra", f"expected an object, got {type(extra).__name__}")
    if "groups" not in doc:   # a findings.json object built by hand: group it once, for every output
        from .inputs import groups

        found = groups(doc)
        doc = {k: v for k, v in doc.items() if k != "pages"} | {"groups": found} | (
            {"pages": doc["pages"]} if "pages" in doc else {})
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    # findings.json first: it is the record of the run, and should survive a failure in a renderer;
    # the PDF last: it prints report.html.
    failed: tuple[str, str] | None = None
    for name in sorted(names, key=lambda n: (n != "json", n == "pdf")):
        cls = FORMATTERS[name]
        formatter = cls(strict=strict) if name in ("html", "pdf") else cls()
        try:
            written[name] = formatter.write(doc, extra, out, labels, written) if name == "pdf" \
                else formatter.write(doc, extra, out, labels)
        except BrowserError as exc:
            failed = (name, str(exc))
    ordered = {name: written[name] for name in names if name in written}
    if failed:
        raise OutputError(failed[0], failed[1], ordered)
    return ordered
