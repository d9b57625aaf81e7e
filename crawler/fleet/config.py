"""Which sites a fleet run audits, and the fleet's own settings (`fleet.yaml`).

`fleet run` takes profile files, folders of profiles (every `*.yaml`/`*.yml` in them except
`fleet.yaml`), or a `fleet.yaml` that lists them:

```yaml
sites: [sites/]            # profiles or folders, relative to this file
jobs: 2                    # worker processes on this machine
db: postgresql://audit@db.internal/siteaudit   # or a SQLite path; never a password: use PGPASSWORD / ~/.pgpass
out: out/fleet
fail_on: error
scrapyd: [http://node1:6800, http://node2:6800]
notify: {dingtalk: {webhook: ..., secret_env: DINGTALK_SECRET}, on: always}   # the fleet summary
```
Every profile is loaded (and so validated) before anything runs: a bad one is exit 2 naming its
file, line and field, and two profiles for one site are an error (they would share a lock).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from crawler.profile import NotifySection, Profile, _convert, _lift, load_profile
from rules.errors import ConfigError

FLEET_FILE = "fleet.yaml"


@dataclass(frozen=True)
class FleetFile:
    """fleet.yaml, as written (paths still relative to `source`)."""

    sites: list[str] = field(default_factory=list)
    jobs: int = 0
    db: str = ""
    out: str = ""
    fail_on: str = ""
    scrapyd: list[str] = field(default_factory=list)
    notify: NotifySection = field(default_factory=NotifySection)
    source: str = ""


@dataclass(frozen=True)
class Site:
    """One site of the fleet: its profile file, the loaded profile and its name in the store."""

    path: Path
    profile: Profile
    name: str

    @property
    def slug(self) -> str:
        return slug(self.name)


def slug(text: str) -> str:
    """A folder name for a site: letters, digits (CJK included) and `._-`; everything else `_`."""
    out = "".join(c if c.isalnum() or c in "._-" else "_" for c in text).strip("._")
    return out[:80] or "site"


def load_fleet_file(path: str | Path) -> FleetFile:
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the fleet file: {exc.strerror}", file=file) from None
    try:
        root_node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", file=file,
                          line=mark.line + 1 if mark else None) from None
    if root_node is None:
        return FleetFile(source=file)
    fleet = _convert(FleetFile, _lift(root_node), "", file)
    if fleet.jobs < 0:
        raise ConfigError(f"must not be negative, got {fleet.jobs}", file=file, field="jobs")
    if fleet.fail_on and fleet.fail_on not in ("error", "warning", "info", "never"):
        raise ConfigError(f"must be one of error, warning, info, never, got {fleet.fail_on!r}", file=file,
                          field="fail_on")
    return dataclasses.replace(fleet, source=file)


def _profiles_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix in (".yaml", ".yml") and p.name != FLEET_FILE)


def expand_targets(targets: list[str]) -> tuple[list[Path], FleetFile | None]:
    """Profile paths from the command line's PROFILES…|DIR; a `fleet.yaml` among them (or in a folder
    given alone) supplies its `sites` and settings."""
    fleet: FleetFile | None = None
    paths: list[Path] = []
    for target in targets:
        p = Path(target)
        if p.is_dir() and (p / FLEET_FILE).is_file() and len(targets) == 1:
            p = p / FLEET_FILE
        if p.is_file() and p.name == FLEET_FILE:
            fleet = load_fleet_file(p)
            base = p.parent
            if not fleet.sites:
                paths.extend(_profiles_in(base))
            for i, entry in enumerate(fleet.sites):
                q = (base / entry)
                if q.is_dir():
                    paths.extend(_profiles_in(q))
                elif q.is_file():
                    paths.append(q)
                else:
                    raise ConfigError("no such profile or folder", file=str(p), field=f"sites[{i}]")
        elif p.is_dir():
            found = _profiles_in(p)
            if not found:
                raise ConfigError("the folder holds no site profile (*.yaml)", file=str(p), field="PROFILES")
            paths.extend(found)
        elif p.is_file():
            paths.append(p)
        else:
            raise ConfigError("no such profile or folder", file=str(p), field="PROFILES")
    seen: set[Path] = set()
    unique = []
    for p in paths:
        r = p.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(p)
    if not unique:
        raise ConfigError("no site profile given", field="PROFILES")
    return unique, fleet


def load_sites(paths: list[Path]) -> list[Site]:
    """Load and validate every profile; two profiles for the same site are an error."""
    sites: list[Site] = []
    by_name: dict[str, Path] = {}
    for p in paths:
        profile = load_profile(p)
        name = profile.site.name or profile.domains[0]
        if name in by_name:
            raise ConfigError(f"site {name!r} is already audited by {by_name[name]}: one profile per site",
                              file=str(p), field="site.name")
        by_name[name] = p
        sites.append(Site(p, profile, name))
    slugs: dict[str, str] = {}
    for s in sites:  # two names that fold to one folder would overwrite each other's outputs
        if s.slug in slugs:
            raise ConfigError(f"sites {slugs[s.slug]!r} and {s.name!r} would share the output folder {s.slug!r}",
                              file=str(s.path), field="site.name")
        slugs[s.slug] = s.name
    return sites
