"""Headless Chromium for the report: where it is, how to run it, PDF and screenshot.

No network: the flags turn off every background fetch, and the report itself allows none.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
         "--hide-scrollbars")


class BrowserError(RuntimeError):
    """Chromium is missing or did not produce the file asked for."""


def find_chromium() -> str | None:
    """`$SITEAUDIT_CHROMIUM`, else the first Chromium on PATH; None when there is none."""
    explicit = os.environ.get("SITEAUDIT_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(html: Path, option: str, out: Path, extra: tuple[str, ...] = (), timeout_s: float = 300,
         fragment: str = "") -> Path:
    exe = find_chromium()
    if not exe:
        raise BrowserError("no Chromium found: install chromium or set SITEAUDIT_CHROMIUM")
    out = Path(out).resolve()
    out.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="siteaudit-chromium-") as profile:
        cmd = [exe, *FLAGS, f"--user-data-dir={profile}", *extra, f"{option}={out}",
               Path(html).resolve().as_uri() + (f"#{fragment}" if fragment else "")]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise BrowserError(f"chromium did not write {out.name} within {timeout_s:.0f}s") from None
        except OSError as exc:
            raise BrowserError(f"cannot run {exe}: {exc}") from None
    if not out.exists() or out.stat().st_size == 0:
        raise BrowserError(f"chromium wrote no {out.name} (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")
    return out


def print_to_pdf(html: str | Path, pdf: str | Path) -> Path:
    """The report as the print stylesheet lays it out, for a filing package. `#print` tells the
    report's script to lay itself out for print before the page is printed."""
    return _run(Path(html), "--print-to-pdf", Path(pdf), ("--no-pdf-header-footer",), fragment="print")


def screenshot(html: str | Path, png: str | Path, width: int = 1280, height: int = 2000) -> Path:
    return _run(Path(html), "--screenshot", Path(png), (f"--window-size={width},{height}",))
