"""The small commands: `history`, `report RUN_ID` and `init`."""
from __future__ import annotations

import sys
from pathlib import Path

from rules.errors import ConfigError
from rules.model import pick

TEMPLATE = Path(__file__).parent / "templates" / "site.yaml"


def history_command(site: str | None = None, db: str | None = None, lang: str = "zh", keep_runs: int | None = None,
                    out=sys.stdout) -> int:
    from crawler.audit import default_db
    from crawler.history.listing import format_history
    from crawler.history.store import Store

    path = db or default_db()
    if "://" not in path and not Path(path).exists():
        raise ConfigError(pick(lang, "还没有历史数据库：请先运行 siteaudit audit",
                               "no history DB yet: run `siteaudit audit` first"), file=path, field="--db")
    store = Store.open(path)
    try:
        if keep_runs is not None:
            pruned = store.prune(keep_runs=keep_runs)
            print(pick(lang, f"已清理 {pruned} 次较早审计的页面和问题明细（汇总保留）",
                       f"pruned the pages and findings of {pruned} older run(s); their summaries stay"), file=out)
        print(format_history(store.history(site=site), lang=lang), file=out)
    finally:
        store.close()
    return 0


def report_command(run_id: str, db: str | None = None, out: str = "out", formats: list[str] | None = None,
                   lang: str | None = None, stdout=sys.stdout) -> int:
    from crawler.audit import build_outputs, default_db
    from crawler.history.store import Store
    from reports.render import write_outputs

    path = db or default_db()
    if "://" not in path and not Path(path).exists():
        raise ConfigError("history DB not found", file=path, field="--db")
    store = Store.open(path)
    try:
        doc, extra = build_outputs(store, run_id)
    finally:
        store.close()
    paths = write_outputs(doc, extra, Path(out), formats=formats or ["html", "json"], lang=lang or "zh")
    for fmt, p in paths.items():
        print(f"{fmt}: {p}", file=stdout)
    return 0


def init_command(path: str = "site.yaml", force: bool = False, out=sys.stdout) -> int:
    target = Path(path)
    if target.exists() and not force:
        raise ConfigError("file exists; use --force to overwrite it", file=str(target))
    target.write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    print(f"已生成 {target}：请填写后运行 siteaudit audit {target} / wrote {target}: fill it in, then run "
          f"siteaudit audit {target}", file=out)
    return 0
