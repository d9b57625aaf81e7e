"""The one interface every output format implements."""
from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

from ..i18n import Labels


class Formatter:
    """Writes one output file from the findings.json object and the report extras.

    `name` is what `--format` accepts, `filename` the file it writes inside the output dir.
    A formatter streams: `stream` writes to a file as it reads the findings one at a time
    (`doc["findings"]` may be a store-backed `inputs.Rows`), so memory does not grow with a run.
    """

    name: str = ""
    filename: str = ""

    def stream(self, doc: dict, extra: dict, labels: Labels, out: BinaryIO) -> None:
        raise NotImplementedError

    def render(self, doc: dict, extra: dict, labels: Labels) -> bytes:
        """The whole file in memory (small documents, the tests)."""
        buf = io.BytesIO()
        self.stream(doc, extra, labels, buf)
        return buf.getvalue()

    def write(self, doc: dict, extra: dict, out_dir: Path, labels: Labels) -> Path:
        """Streams into a temporary file, then replaces the file in one step so a reader never
        sees half a report."""
        path = out_dir / self.filename
        atomic_write(path, lambda out: self.stream(doc, extra, labels, out))
        return path


def atomic_write(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb", buffering=1 << 16) as out:
            write(out)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
