"""Crawl speed and memory: the full audit against a bare Scrapy spider, on the same site, in one run.

    python -m benchmarks.run                           # quick: 2,000 pages
    python -m benchmarks.run --sizes 2000,10000,30000 --json results.json
    python -m benchmarks.run --sites sparse,dense --sizes 3000,10000   # issue 15: ~20 findings a page

For each size it generates the synthetic site, serves it with nginx (names from a loopback DNS
server), and runs (a) `benchmarks.bare_spider` and (b) `siteaudit audit` with every check on but
uptime probes, politeness off for both. Each is a subprocess measured by `/usr/bin/time -v`:
pages/s, CPU ms per page, peak RSS, and the audit/bare ratio. Then start-up time of `--help` and
`check` on a small file (median of repeated runs). Prints Markdown.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

if not __package__:  # run as a script, `python benchmarks/run.py` (the Makefile's bench target)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import BenchSite  # noqa: E402
from benchmarks.measure import Usage, measure, median_wall  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.8          # audit pages/s ÷ bare pages/s at 10,000 pages (issue 15: both sites)
TARGET_RSS_MB = 250         # audit peak RSS at 10,000 pages (issue 15: both sites)
TARGET_REPORT_MB = 15       # report.html of the dense site at 10,000 pages
TARGET_STARTUP_S = 0.5      # --help, and check on a small file
SMALL_COPY = "# 产品介绍\n\n本产品效果最佳，采用国家级工艺。\n最近我们更新了首页。\n"


@dataclass
class CrawlResult:
    """One crawler at one size; `error` is set when it did not finish normally."""

    crawler: str
    size: int
    site: str = "sparse"    # sparse: 3 % of pages carry a violation; dense: ~20 findings a page
    pages: int = 0
    finish_reason: str = ""
    usage: Usage | None = None
    findings: int = 0
    groups: int = 0
    report_mb: float = 0.0
    error: str = ""

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.usage.wall_s if self.usage and self.usage.wall_s else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.usage.cpu_s / self.pages if self.usage and self.pages else 0.0

    @property
    def cpu_share(self) -> float:
        """CPU time ÷ wall time: well under 1 means the process waited (for the network, or for a
        core that another process on the shared machine held)."""
        return self.usage.cpu_s / self.usage.wall_s if self.usage and self.usage.wall_s else 0.0


@dataclass
class Results:
    machine: dict[str, str]
    commands: list[str] = field(default_factory=list)
    crawls: list[CrawlResult] = field(default_factory=list)
    startup: dict[str, float] = field(default_factory=dict)
    startup_errors: dict[str, str] = field(default_factory=dict)


def machine_info() -> dict[str, str]:
    """What RESULTS.md must say about where the numbers come from."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    import scrapy

    nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip() if shutil.which("nginx") else ""
    return {"nproc": str(os.cpu_count()), "memory": mem, "cpu": cpu, "python": platform.python_version(),
            "scrapy": scrapy.__version__, "nginx": nginx.replace("nginx version: ", ""),
            "loadavg_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def _tail(text: str, lines: int = 8) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_bare(bench: BenchSite, n: int, concurrency: int, work: Path, timeout: float) -> CrawlResult:
    kind = "dense" if bench.dense else "sparse"
    stats = work / f"bare-{kind}-{n}.json"
    assert bench.site is not None
    cmd = [sys.executable, "-m", "benchmarks.bare_spider", bench.site.start_url, "--domains", ",".join(bench.domains),
           "--resolver", bench.resolver, "--max-pages", str(n), "--concurrency", str(concurrency),
           "--stats-out", str(stats)]
    result = CrawlResult("bare", n, kind)
    run = measure(cmd, cwd=REPO, timeout=timeout)
    result.usage = run.usage
    if run.usage.exit_code != 0 or not stats.exists():
        result.error = f"exit {run.usage.exit_code}: {_tail(run.stderr)}"
        return result
    summary = json.loads(stats.read_text())
    result.pages, result.finish_reason = summary["pages"], summary["finish_reason"]
    if result.finish_reason == "shutdown":  # stopped by a signal: a partial crawl measures nothing
        result.error = "interrupted (shutdown)"
    return result


def audit_command(profile: Path, resolver: str, n: int, concurrency: int, out: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "crawler", "audit", str(profile), "--resolver", resolver, "--delay", "0",
            "--no-uptime", "--ignore-robots", "--max-pages", str(n), "--concurrency", str(concurrency),
            "-o", str(out), "--db", str(db), "--format", "html,json", "--fail-on", "never", "--quiet"]


def audit_env(work: Path) -> dict[str, str]:
    """The audit's environment: its own history DB, and its own cache directory (the compiled rule
    set, jieba's dictionary), warmed once before the first crawl. The user cache of this shared
    machine is rewritten all day by other checkouts' tests (16 rule sets are kept), so the audit
    would sometimes rebuild its rule set (~1.3 s) and sometimes not; an installed siteaudit has it."""
    env = {**os.environ, "XDG_DATA_HOME": str(work / "xdg"), "XDG_CACHE_HOME": str(work / "cache")}
    marker = work / "cache" / ".warm"
    if not marker.exists():
        small = work / "warm.md"
        small.write_text(SMALL_COPY, encoding="utf-8")
        subprocess.run([sys.executable, "-m", "crawler", "check", "--fail-on", "never", str(small)], cwd=REPO,
                       env=env, capture_output=True)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("")
    return env


def run_audit(bench: BenchSite, n: int, concurrency: int, work: Path, timeout: float) -> CrawlResult:
    kind = "dense" if bench.dense else "sparse"
    profile = bench.write_profile(work / f"site-{kind}-{n}.yaml", max_pages=n, concurrency=concurrency)
    out = work / f"out-{kind}-{n}"
    cmd = audit_command(profile, bench.resolver, n, concurrency, out, work / f"history-{kind}-{n}.sqlite3")
    result = CrawlResult("audit", n, kind)
    env = audit_env(work)
    run = measure(cmd, cwd=REPO, env=env, timeout=timeout)
    result.usage = run.usage
    doc_path = out / "findings.json"
    if run.usage.exit_code not in (0, 1) or not doc_path.exists():
        result.error = f"exit {run.usage.exit_code}: {_tail(run.stderr)}"
        return result
    doc = json.loads(doc_path.read_text(encoding="utf-8"))
    result.pages = int(doc["run"]["pages"])
    result.finish_reason = doc["run"].get("finish_reason", "")
    result.findings = len(doc.get("findings", []))
    result.groups = len(doc.get("groups", []))
    report = out / "report.html"
    result.report_mb = report.stat().st_size / 1e6 if report.exists() else 0.0
    if result.finish_reason == "interrupted":
        result.error = "interrupted"
    return result


def measure_startup(work: Path, runs: int) -> tuple[dict[str, float], dict[str, str]]:
    """Median wall time of `siteaudit --help` and of `siteaudit check` on a small Markdown file.

    Bytecode caching is allowed (the warm-up run writes __pycache__), as for an installed package,
    even where the environment sets PYTHONDONTWRITEBYTECODE.
    """
    small = work / "small.md"
    small.write_text(SMALL_COPY, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times, errors = {}, {}
    for name, args in (("siteaudit --help", ["--help"]), ("siteaudit check small.md", ["check", str(small)])):
        wall, code = median_wall([sys.executable, "-m", "crawler", *args], runs, cwd=REPO, env=env)
        times[name] = wall
        if code not in (0, 1):  # check exits 1 when it finds something: the small file has violations
            errors[name] = f"exit {code}"
    return times, errors


def _fmt(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}"


def markdown(results: Results) -> str:
    m = results.machine
    lines = [f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} RAM; Python {m['python']}, "
             f"Scrapy {m['scrapy']}, nginx {m['nginx']}; load average at start {m['loadavg_at_start']}.", "",
             "| site | pages | crawler | pages fetched | wall s | pages/s | CPU ms/page | CPU ÷ wall | peak RSS MB "
             "| audit ÷ bare pages/s | bare ÷ audit CPU/page | findings / groups | report.html MB |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for (kind, size), pair in sorted(best_runs(results.crawls).items(), key=lambda kv: (kv[0][0] != "sparse", kv[0][1])):
        for name in ("bare", "audit"):
            r = pair.get(name)
            if r is None:
                continue
            if r.error:
                error = r.error.splitlines()[-1][:80] if r.error.strip() else "no output"
                lines.append(f"| {kind} | {size:,} | {name} | — | — | — | — | — | — | failed: {error} | | | |")
                continue
            ratio = cpu_ratio = ""
            bare = pair.get("bare")
            if name == "audit" and bare and not bare.error and bare.pages_per_s and r.cpu_ms_per_page:
                ratio = f"**{r.pages_per_s / bare.pages_per_s:.2f}**"
                cpu_ratio = f"{bare.cpu_ms_per_page / r.cpu_ms_per_page:.2f}"
            assert r.usage is not None
            found = f"{r.findings:,} / {r.groups:,}" if name == "audit" else ""
            report = f"{r.report_mb:.2f}" if name == "audit" else ""
            lines.append(f"| {kind} | {size:,} | {name} | {r.pages:,} | {_fmt(r.usage.wall_s)} | {_fmt(r.pages_per_s)} | "
                         f"{_fmt(r.cpu_ms_per_page)} | {r.cpu_share:.2f} | {_fmt(r.usage.rss_mb)} | {ratio} | "
                         f"{cpu_ratio} | {found} | {report} |")
    if results.startup:
        lines += ["", "| start-up | median wall s |", "|---|---:|"]
        for name, wall in results.startup.items():
            note = f" ({results.startup_errors[name]})" if name in results.startup_errors else ""
            lines.append(f"| `{name}`{note} | {wall:.3f} |")
        lines.append(f"| total | {sum(results.startup.values()):.3f} |")
    lines += ["", verdict(results)]
    return "\n".join(lines)


def best_runs(crawls: list[CrawlResult]) -> dict[tuple[str, int], dict[str, CrawlResult]]:
    """Per site, size and crawler, the fastest successful repeat (the least disturbed by other load),
    or the failed run when none succeeded."""
    best: dict[tuple[str, int], dict[str, CrawlResult]] = {}
    for r in crawls:
        slot = best.setdefault((r.site, r.size), {})
        held = slot.get(r.crawler)
        if held is None or (held.error and not r.error) or (not r.error and r.pages_per_s > held.pages_per_s):
            slot[r.crawler] = r
    return best


def verdict(results: Results) -> str:
    """The targets of the issue, each met / missed / not measured, from this run's numbers only."""
    best = best_runs(results.crawls)
    out = []
    for kind in ("sparse", "dense"):
        audits = {n: p["audit"] for (k, n), p in best.items() if k == kind and "audit" in p and not p["audit"].error}
        bares = {n: p["bare"] for (k, n), p in best.items() if k == kind and "bare" in p and not p["bare"].error}
        for n in sorted(audits):
            a = audits[n]
            if n in bares and bares[n].pages_per_s:
                ratio = a.pages_per_s / bares[n].pages_per_s
                cpu = bares[n].cpu_ms_per_page / a.cpu_ms_per_page if a.cpu_ms_per_page else 0
                out.append(f"- {kind}, speed at {n:,} pages: audit ÷ bare = {ratio:.2f} (target ≥ {TARGET_RATIO}): "
                           f"{'met' if ratio >= TARGET_RATIO else 'MISSED'}; by CPU time per page {cpu:.2f}")
            if a.usage:
                rss = a.usage.rss_mb
                out.append(f"- {kind}, peak RSS at {n:,} pages: {rss:.0f} MB (target ≤ {TARGET_RSS_MB} MB): "
                           f"{'met' if rss <= TARGET_RSS_MB else 'MISSED'}")
            if kind == "dense" and a.report_mb:
                out.append(f"- dense, report.html at {n:,} pages ({a.findings:,} findings, {a.groups:,} groups): "
                           f"{a.report_mb:.1f} MB (target ≤ {TARGET_REPORT_MB} MB): "
                           f"{'met' if a.report_mb <= TARGET_REPORT_MB else 'MISSED'}")
        sizes = sorted(s for s in audits if audits[s].usage)
        if len(sizes) >= 2:
            lo, hi = audits[sizes[0]], audits[sizes[-1]]
            assert lo.usage and hi.usage
            growth = hi.usage.rss_mb / lo.usage.rss_mb
            pages = hi.size / lo.size
            out.append(f"- {kind}, memory growth {sizes[0]:,} → {sizes[-1]:,} pages: RSS ×{growth:.2f} for "
                       f"×{pages:.1f} pages ({'sub-linear' if growth < pages else 'NOT sub-linear'})")
    if results.startup:
        total = sum(results.startup.values())
        out.append(f"- start-up (--help + check): {total:.2f} s (target ≤ {TARGET_STARTUP_S} s): "
                   f"{'met' if total <= TARGET_STARTUP_S and not results.startup_errors else 'MISSED'}")
    return "\n".join(out) if out else "- no target could be judged from this run"


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes takes comma-separated page counts, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"--sizes needs positive page counts, got {text!r}")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=parse_sizes, default=[2000], help="comma-separated page counts (default 2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="for both crawlers (the profile default)")
    parser.add_argument("--crawlers", default="bare,audit", help="which to run: bare,audit")
    parser.add_argument("--sites", default="sparse", help="which generated sites: sparse (3 %% of pages carry "
                        "a violation), dense (~20 findings a page, mostly header/footer), or both: sparse,dense")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each crawler per size, alternating; "
                        "the table shows the fastest (the machine is shared and noisy)")
    parser.add_argument("--startup-runs", type=int, default=10, help="runs per start-up command; 0 skips it")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per crawl before it is killed")
    parser.add_argument("--workdir", help="keep sites and outputs here (default: a temp dir, removed)")
    parser.add_argument("--json", help="also write the results as JSON here")
    args = parser.parse_args(argv)
    crawlers = [c for c in args.crawlers.split(",") if c]
    unknown = set(crawlers) - {"bare", "audit"}
    if unknown:
        parser.error(f"--crawlers: unknown {', '.join(sorted(unknown))}")
    sites = [s for s in args.sites.split(",") if s]
    if not sites or set(sites) - {"sparse", "dense"}:
        parser.error(f"--sites: expected sparse, dense or both, got {args.sites!r}")
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="siteaudit-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results = Results(machine_info())
    try:
        for kind, n in ((kind, n) for kind in sites for n in args.sizes):
            with BenchSite(n, work, dense=kind == "dense") as bench:
                for _ in range(max(args.repeat, 1)):
                    if "bare" in crawlers:
                        results.crawls.append(run_bare(bench, n, args.concurrency, work, args.timeout))
                        _progress(results.crawls[-1])
                    if "audit" in crawlers:
                        results.crawls.append(run_audit(bench, n, args.concurrency, work, args.timeout))
                        _progress(results.crawls[-1])
                if n == args.sizes[0] and kind == sites[0]:
                    results.commands.append(" ".join(audit_command(Path("site.yaml"), bench.resolver, n,
                                                                   args.concurrency, Path("out"), Path("h.sqlite3"))))
        if args.startup_runs:
            results.startup, results.startup_errors = measure_startup(work, args.startup_runs)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    text = markdown(results)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(_jsonable(results), ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if not any(r.error for r in results.crawls) else 1


def _progress(result: CrawlResult) -> None:
    state = f"failed: {result.error}" if result.error else (
        f"{result.pages} pages, {result.pages_per_s:.1f} pages/s, {result.cpu_ms_per_page:.1f} CPU ms/page, "
        f"CPU÷wall {result.cpu_share:.2f}, {result.usage.rss_mb if result.usage else 0:.0f} MB")
    print(f"[{result.site} {result.size}] {result.crawler}: {state}", file=sys.stderr, flush=True)


def _jsonable(results: Results) -> dict[str, Any]:
    doc = asdict(results)
    for crawl, obj in zip(doc["crawls"], results.crawls):
        crawl["pages_per_s"] = round(obj.pages_per_s, 2)
        crawl["cpu_ms_per_page"] = round(obj.cpu_ms_per_page, 2)
        crawl["cpu_share"] = round(obj.cpu_share, 3)
    return doc


if __name__ == "__main__":
    raise SystemExit(main())
