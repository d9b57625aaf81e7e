"""Profile `siteaudit audit` on the benchmark site with py-spy (a dev tool: py-spy is not a runtime dep).

    pip install py-spy
    python -m benchmarks.profile_audit --size 2000 -o profile.svg           # flame graph
    python -m benchmarks.profile_audit --size 2000 -o profile.txt --raw     # collapsed stacks, then:
    python -m benchmarks.hotspots profile.txt

`--idle` also samples threads that wait (where the wall time goes, not just the CPU time);
`--bare` profiles the baseline spider instead, for comparison.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.harness import BenchSite
from benchmarks.run import REPO, audit_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_audit", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("-o", "--output", required=True, help="profile file (.svg, or collapsed stacks with --raw)")
    parser.add_argument("--raw", action="store_true", help="collapsed stacks instead of a flame graph")
    parser.add_argument("--idle", action="store_true", help="sample waiting threads too")
    parser.add_argument("--rate", type=int, default=100, help="samples per second")
    parser.add_argument("--bare", action="store_true", help="profile the bare spider instead of the audit")
    parser.add_argument("--dense", action="store_true", help="the dense site (~20 findings a page)")
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        parser.error("py-spy is not installed: pip install py-spy")
    work = Path(tempfile.mkdtemp(prefix="siteaudit-profile-"))
    try:
        with BenchSite(args.size, work, dense=args.dense) as bench:
            assert bench.site is not None
            if args.bare:
                cmd = [sys.executable, "-m", "benchmarks.bare_spider", bench.site.start_url, "--domains",
                       ",".join(bench.domains), "--resolver", bench.resolver, "--max-pages", str(args.size),
                       "--concurrency", str(args.concurrency)]
            else:
                profile = bench.write_profile(work / "site.yaml", args.size, args.concurrency)
                cmd = audit_command(profile, bench.resolver, args.size, args.concurrency, work / "out",
                                    work / "history.sqlite3")
            spy = [py_spy, "record", "-r", str(args.rate), "-o", str(Path(args.output).resolve()),
                   "-f", "raw" if args.raw else "flamegraph"] + (["--idle"] if args.idle else [])
            return subprocess.run([*spy, "--", *cmd], cwd=REPO).returncode
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
