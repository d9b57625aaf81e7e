"""The `siteaudit` command. Parses arguments and calls into the packages; imports them lazily so
that `--help` and `check` start fast (Scrapy and jieba are only loaded when a command needs them).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Sequence

from crawler import __version__, gcpolicy

EXIT_OK, EXIT_FINDINGS, EXIT_CONFIG, EXIT_FAILED = 0, 1, 2, 3
FORMATS = ("html", "json", "csv", "junit", "md", "pdf")
FAIL_ON = ("error", "warning", "info", "never")


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors, as SPEC wants; keep its message but say which command."""


def _formats(value: str) -> list[str]:
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"unknown format {', '.join(unknown) or value!r}; choose from {', '.join(FORMATS)}")
    return chosen


def _number(value: str, kind: type, minimum: float, inclusive: bool) -> float:
    try:
        n = kind(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a {'whole ' if kind is int else ''}number, got {value!r}") from None
    if n < minimum or (n == minimum and not inclusive):
        raise argparse.ArgumentTypeError(
            f"must {'not be negative' if inclusive else 'be greater than 0'}, got {n}")
    return n


def _positive_int(value: str) -> int:
    return int(_number(value, int, 0, inclusive=False))


def _non_negative(value: str) -> float:
    return _number(value, float, 0, inclusive=True)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="siteaudit",
        description="网站自查：备案信息、广告法用语、DNS、可用性与 TLS。"
                    " Website self-audit for ICP-filed sites: filing details, advertising-law phrases, DNS, uptime, TLS.",
        epilog="退出码 exit codes: 0 通过 clean · 1 有达到 --fail-on 的问题 findings · 2 用法或配置错误 usage/config · 3 工具故障 tool failure",
    )
    parser.add_argument("--version", action="version", version=f"siteaudit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    audit = sub.add_parser("audit", help="抓取并审计网站 crawl and audit a site (URL or site.yaml)")
    audit.add_argument("target", metavar="TARGET", help="URL 或 site.yaml / a URL or a site profile")
    _audit_options(audit)

    check = sub.add_parser("check", help="检查文本/Markdown/HTML 文件的用语 check copy against the phrase rules")
    check.add_argument("files", nargs="*", metavar="FILE", help="文件，缺省或 - 表示标准输入 / files; none or - for stdin")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--fail-on", choices=FAIL_ON, default="error")
    check.add_argument("--rules", action="append", default=[], metavar="FILE", help="额外规则包 extra rule pack (repeatable)")
    check.add_argument("--lang", choices=("zh", "en"), default="zh")

    rules = sub.add_parser("rules", help="规则：列出、查看、测试 list, show and test rules")
    rsub = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    rlist = rsub.add_parser("list", help="列出规则 list rules")
    rshow = rsub.add_parser("show", help="查看一条规则及其示例 show one rule with its examples")
    rshow.add_argument("rule_id", metavar="ID")
    rtest = rsub.add_parser("test", help="校验规则文件并运行其示例 validate a rule file and run its examples")
    rtest.add_argument("file", nargs="?", metavar="FILE")
    for p in (rlist, rshow):
        p.add_argument("--rules", action="append", default=[], metavar="FILE")
        p.add_argument("--lang", choices=("zh", "en"), default="zh")

    history = sub.add_parser("history", help="历史审计记录 past runs from the history DB")
    history.add_argument("--site", metavar="S")
    history.add_argument("--db", metavar="PATH")
    history.add_argument("--lang", choices=("zh", "en"), default="zh")
    history.add_argument("--keep-runs", type=_positive_int, metavar="N",
                         help="每个站点只保留最近 N 次审计的明细 keep the pages and findings of each site's newest N runs")

    report = sub.add_parser("report", help="重新生成某次审计的报告 re-render the outputs of a stored run")
    report.add_argument("run_id", metavar="RUN_ID")
    report.add_argument("--db", metavar="PATH")
    report.add_argument("-o", "--out", metavar="DIR", default="out")
    report.add_argument("--format", type=_formats, default=["html", "json"], metavar="LIST")
    report.add_argument("--lang", choices=("zh", "en"), default=None)

    init = sub.add_parser("init", help="生成带注释的 site.yaml 模板 write a commented site.yaml template")
    init.add_argument("path", nargs="?", default="site.yaml")
    init.add_argument("--force", action="store_true", help="覆盖已有文件 overwrite an existing file")

    _fleet_parser(sub)

    demo = sub.add_parser("demo", help="在本机运行内置演示站点并审计 serve the bundled demo site on loopback and audit it")
    demo.add_argument("-o", "--out", metavar="DIR", default="out/demo")
    demo.add_argument("--lang", choices=("zh", "en"), default="zh")
    demo.add_argument("--db", metavar="PATH")
    demo.add_argument("--serve", action="store_true", help="只启动演示站点，不审计 only serve the demo site")
    return parser


def _fleet_parser(sub: argparse._SubParsersAction) -> None:
    fleet = sub.add_parser("fleet", help="网站群：批量审计多个站点 audit many sites (this machine or Scrapyd nodes)")
    fsub = fleet.add_subparsers(dest="fleet_command", metavar="ACTION", required=True)
    run = fsub.add_parser("run", help="审计每个站点并生成总览 audit every site and write fleet.html/fleet.json")
    run.add_argument("targets", nargs="+", metavar="PROFILES|DIR",
                     help="站点配置文件、目录或 fleet.yaml / site profiles, folders of them, or a fleet.yaml")
    run.add_argument("--jobs", type=_positive_int, metavar="N", help="本机并行进程数 worker processes (default 1)")
    run.add_argument("--scrapyd", metavar="URL[,URL…]", type=lambda v: [u.strip() for u in v.split(",") if u.strip()],
                     default=[], help="在这些 Scrapyd 节点上运行 run the audits as jobs on these Scrapyd nodes")
    run.add_argument("--db", metavar="PATH|postgresql://…")
    run.add_argument("-o", "--out", metavar="DIR", help="输出目录 output folder (default out/fleet)")
    run.add_argument("--notify", metavar="URL", help="网站群汇总通知（JSON webhook）fleet summary webhook")
    run.add_argument("--format", type=_formats, default=["html", "json"], metavar="LIST",
                     help="每个站点的输出格式 each site's output formats")
    run.add_argument("--fail-on", choices=FAIL_ON, default=None)
    run.add_argument("--lang", choices=("zh", "en"), default="zh")
    run.add_argument("--quiet", action="store_true")
    for flag, kind in (("--max-pages", _positive_int), ("--max-depth", int), ("--concurrency", _positive_int),
                       ("--delay", _non_negative), ("--time-limit", _non_negative)):
        run.add_argument(flag, type=kind, metavar="N")
    run.add_argument("--resolver", metavar="IP[:PORT]")
    for flag in ("--ignore-robots", "--no-dns", "--no-uptime"):
        run.add_argument(flag, action="store_true")
    run.add_argument("--rules", action="append", default=[], metavar="FILE")
    status = fsub.add_parser("status", help="每个站点最近一次审计 the latest run of every site")
    status.add_argument("--db", metavar="PATH|postgresql://…")
    status.add_argument("--format", choices=("text", "json"), default="text")
    status.add_argument("--fail-on", choices=FAIL_ON, default="error")
    status.add_argument("--lang", choices=("zh", "en"), default="zh")


def _fleet_command(args: argparse.Namespace) -> int:
    from crawler.fleet.commands import FleetOptions, fleet_status, run_fleet

    if args.fleet_command == "status":
        return fleet_status(db=args.db, lang=args.lang, fmt=args.format, fail_on=args.fail_on)
    passed: list[str] = []
    for name in ("max_pages", "max_depth", "concurrency", "delay", "time_limit", "resolver"):
        value = getattr(args, name)
        if value is not None:
            passed += ["--" + name.replace("_", "-"), str(value)]
    for name in ("ignore_robots", "no_dns", "no_uptime"):
        if getattr(args, name):
            passed.append("--" + name.replace("_", "-"))
    for rule_file in args.rules:
        passed += ["--rules", os.path.abspath(rule_file)]
    if args.lang == "en":
        passed += ["--lang", "en"]
    _setup_logging(args.quiet, None)
    return run_fleet(FleetOptions(targets=args.targets, jobs=args.jobs, db=args.db, out=args.out,
                                  scrapyd=args.scrapyd, notify=args.notify, lang=args.lang, fail_on=args.fail_on,
                                  quiet=args.quiet, audit_args=passed, formats=args.format))


def _audit_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--out", metavar="DIR", help="输出目录 output directory (profile report.out, default out/)")
    p.add_argument("--format", type=_formats, default=["html", "json"], metavar="LIST",
                   help=f"输出格式 output formats, comma-separated: {','.join(FORMATS)} (default html,json)")
    p.add_argument("--max-pages", type=_positive_int, metavar="N")
    p.add_argument("--max-depth", type=int, metavar="N")
    p.add_argument("--concurrency", type=_positive_int, metavar="N")
    p.add_argument("--delay", type=_non_negative, metavar="SECONDS")
    p.add_argument("--time-limit", type=_non_negative, metavar="SECONDS", help="抓取时间上限 crawl time cap")
    p.add_argument("--ignore-robots", action="store_true")
    p.add_argument("--fail-on", choices=FAIL_ON, default="error")
    p.add_argument("--db", metavar="PATH", help="历史数据库 history DB (default $XDG_DATA_HOME/siteaudit/history.sqlite3)")
    p.add_argument("--rules", action="append", default=[], metavar="FILE", help="额外规则包 extra rule pack (repeatable)")
    p.add_argument("--lang", choices=("zh", "en"))
    p.add_argument("--resolver", metavar="IP[:PORT]", help="用于检查和抓取的 DNS 服务器 DNS server for the checks and the crawl")
    p.add_argument("--no-dns", action="store_true", help="跳过 DNS 检查 skip the DNS checks")
    p.add_argument("--no-uptime", action="store_true", help="跳过可用性探测 skip the uptime probes")
    p.add_argument("--quiet", action="store_true", help="只输出错误 print errors only (for cron)")
    p.add_argument("--log-file", metavar="PATH", help="写入详细日志 write a detailed log")
    p.add_argument("--resume", action="store_true", help="继续上次被中断的抓取 continue an interrupted crawl")
    p.add_argument("--phrase-worker", choices=("auto", "on", "off"), default="auto",
                   help="用语规则在另一进程中运行 the phrase rules in a worker process on another core "
                        "(auto: with 2+ CPUs, past the first pages)")


def _setup_logging(quiet: bool, log_file: str | None) -> None:
    root = logging.getLogger()
    root.handlers.clear()
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.ERROR if quiet else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    # Download errors are findings in the report; on the console they would only be noise.
    console.addFilter(lambda record: not record.name.startswith(("scrapy", "twisted", "py.warnings")))
    root.addHandler(console)
    root.setLevel(logging.WARNING)
    logging.captureWarnings(True)
    if log_file:
        handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setLevel(logging.INFO)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)


def _audit_options_from(args: argparse.Namespace):
    from crawler.audit import AuditOptions

    return AuditOptions(
        out=args.out, formats=args.format, max_pages=args.max_pages, max_depth=args.max_depth,
        concurrency=args.concurrency, delay=args.delay, time_limit=args.time_limit,
        ignore_robots=args.ignore_robots, fail_on=args.fail_on, db=args.db, rules=args.rules, lang=args.lang,
        resolver=args.resolver, no_dns=args.no_dns, no_uptime=args.no_uptime, quiet=args.quiet,
        progress=not args.quiet and sys.stderr.isatty(), resume=args.resume,
        phrase_worker=getattr(args, "phrase_worker", "auto"))


def _run(args: argparse.Namespace) -> int:
    if args.command == "audit":
        from crawler.audit import run_audit

        _setup_logging(args.quiet, args.log_file)
        return run_audit(args.target, _audit_options_from(args))
    if args.command == "check":
        from rules.commands import check_command

        return check_command(args.files, fmt=args.format, fail_on=args.fail_on, extra=args.rules, lang=args.lang)
    if args.command == "rules":
        from rules import commands

        if args.rules_command == "list":
            return commands.rules_list_command(extra=args.rules, lang=args.lang)
        if args.rules_command == "show":
            return commands.rules_show_command(args.rule_id, extra=args.rules, lang=args.lang)
        return commands.rules_test_command(args.file)
    if args.command == "history":
        from crawler.commands import history_command

        return history_command(site=args.site, db=args.db, lang=args.lang, keep_runs=args.keep_runs)
    if args.command == "report":
        from crawler.commands import report_command

        return report_command(args.run_id, db=args.db, out=args.out, formats=args.format, lang=args.lang)
    if args.command == "init":
        from crawler.commands import init_command

        return init_command(args.path, force=args.force)
    if args.command == "fleet":
        return _fleet_command(args)
    if args.command == "demo":
        from crawler.demo import run_demo

        _setup_logging(False, None)
        return run_demo(out=args.out, lang=args.lang, db=args.db, serve_only=args.serve)
    raise AssertionError(args.command)  # pragma: no cover - argparse rejects unknown commands


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    gcpolicy.tune()
    from rules.errors import ConfigError

    try:
        return _run(args)
    except ConfigError as exc:
        print(f"siteaudit: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        print("siteaudit: interrupted", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the tool itself failed: say so, with a trace in the log only when asked
        logging.getLogger("siteaudit").debug("internal error", exc_info=True)
        print(f"siteaudit: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("SITEAUDIT_DEBUG"):
            raise
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
