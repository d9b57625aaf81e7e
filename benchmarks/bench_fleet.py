"""Fleet speed-up on one machine: the same fleet with `--jobs 1` and `--jobs 2`, in one run, with SQLite.

    python benchmarks/bench_fleet.py [--sites 12] [--pages 12] [--json results.json]

Serves N small sites on loopback (one server each, as separate hosts), then runs
`siteaudit fleet run DIR --jobs J` for J = 1, 2 with the default politeness (0.5 s between
requests to a host), DNS and uptime probes off, each into a fresh SQLite store. Prints wall times,
the speed-up, pages per second and the load average around each run (the machine is shared).
Target: `--jobs 2` at least 1.7× as fast as `--jobs 1` on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fleet_sites import start_fleet  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TARGET_SPEEDUP = 1.7


def run_fleet(folder: Path, jobs: int, work: Path) -> dict:
    db = work / f"jobs{jobs}.sqlite3"
    out = work / f"out{jobs}"
    cmd = [sys.executable, "-m", "crawler", "fleet", "run", str(folder), "--jobs", str(jobs), "--db", str(db),
           "-o", str(out), "--no-dns", "--no-uptime", "--fail-on", "never", "--quiet"]
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"fleet --jobs {jobs} failed ({done.returncode}): {done.stderr[-2000:]}")
    doc = json.loads((out / "fleet.json").read_text(encoding="utf-8"))
    pages = doc["fleet"]["totals"]["pages"]
    return {"jobs": jobs, "wall_s": round(wall, 2), "pages": pages, "pages_per_s": round(pages / wall, 2),
            "sites": doc["fleet"]["sites"], "load_before": round(load_before, 2),
            "load_after": round(os.getloadavg()[0], 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=12)
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="siteaudit-bench-fleet-") as tmp:
        work = Path(tmp)
        servers, _ = start_fleet(work / "sites", args.sites, pages=args.pages, claims_every=3)
        try:
            one = run_fleet(work / "sites", 1, work)
            two = run_fleet(work / "sites", 2, work)
        finally:
            for s in servers:
                s.stop()
    speedup = one["wall_s"] / two["wall_s"]
    result = {"sites": args.sites, "pages_per_site": args.pages + 1, "cpus": os.cpu_count(),
              "python": platform.python_version(), "jobs1": one, "jobs2": two, "speedup": round(speedup, 2),
              "target": TARGET_SPEEDUP, "met": speedup >= TARGET_SPEEDUP}
    print(f"| fleet of {args.sites} sites × {args.pages + 1} pages | --jobs 1 | --jobs 2 |")
    print("|---|---:|---:|")
    print(f"| wall | {one['wall_s']} s | {two['wall_s']} s |")
    print(f"| pages/s (whole fleet) | {one['pages_per_s']} | {two['pages_per_s']} |")
    print(f"| load average before → after | {one['load_before']} → {one['load_after']} | "
          f"{two['load_before']} → {two['load_after']} |")
    print(f"speed-up {speedup:.2f}× (target ≥ {TARGET_SPEEDUP}×): {'met' if result['met'] else 'NOT met'}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
