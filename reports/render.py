"""The outputs' one entry point: `write_outputs(doc, extra, out_dir, formats, lang)`."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .formats import FORMATTERS
from .i18n import Labels
from .inputs import ReportInputError

DEFAULT_FORMATS = ("html", "json")

__all__ = ["write_outputs", "parse_formats", "ReportInputError", "DEFAULT_FORMATS", "FORMATTERS"]


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
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    # findings.json first: it is the record of the run, and should survive a failure in a renderer.
    for name in sorted(names, key=lambda n: n != "json"):
        cls = FORMATTERS[name]
        formatter = cls(strict=strict) if name == "html" else cls()
        written[name] = formatter.write(doc, extra, out, labels)
    return {name: written[name] for name in names}
