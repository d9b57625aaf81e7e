"""The one interface every output format implements."""
from __future__ import annotations

from pathlib import Path

from ..i18n import Labels


class Formatter:
    """Writes one output file from the findings.json object and the report extras.

    `name` is what `--format` accepts, `filename` the file it writes inside the output dir.
    """

    name: str = ""
    filename: str = ""

    def render(self, doc: dict, extra: dict, labels: Labels) -> bytes:
        raise NotImplementedError

    def write(self, doc: dict, extra: dict, out_dir: Path, labels: Labels) -> Path:
        """Renders, then replaces the file in one step so a reader never sees half a report."""
        data = self.render(doc, extra, labels)
        path = out_dir / self.filename
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        return path
