"""`--resume`: what an interrupted audit keeps beside Scrapy's JOBDIR, and how a run is picked up again.

Scrapy's JOBDIR keeps the request queue and the seen-URL filter; this keeps the rest: what the page
checks learnt (`ctx.crawl`, each check's scratch state, the uptime probes, facts), the homepages already judged, and which findings came from site
and final checks, which a resumed run runs again and must not count twice.
"""
from __future__ import annotations

import logging
import pickle
from pathlib import Path

from crawler.checks import AuditContext
from crawler.history.store import Store
from crawler.clock import now_iso
from rules.model import CheckOutcome

logger = logging.getLogger(__name__)


STATE_FILE = "siteaudit-state.pickle"


def save_state(jobdir: Path, ctx: AuditContext, homepage_findings: dict, outcomes: list[CheckOutcome]) -> None:
    """Keep what the page checks learnt, so a resumed run's final checks see the whole site."""
    state = {"crawl": ctx.crawl, "scratch": ctx._scratch, "probes": ctx.probes, "page_errors": ctx.page_errors,
             "facts": ctx.facts, "homepage_findings": homepage_findings,
             "outcome_keys": [f.key for o in outcomes for f in o.findings]}
    try:
        jobdir.mkdir(parents=True, exist_ok=True)
        (jobdir / STATE_FILE).write_bytes(pickle.dumps(state))
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
        logger.warning("cannot save the audit state for --resume: %s", exc)


def resume_run(store: Store, site: str, jobdir: Path, ctx: AuditContext) -> tuple[str, str, dict] | None:
    """Reopen the site's interrupted run when its saved state is there; None starts a new run."""
    run_id = store.resumable_run(site)
    state_file = jobdir / STATE_FILE
    if run_id is None or not state_file.is_file():
        return None
    try:
        saved = pickle.loads(state_file.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, KeyError) as exc:
        logger.warning("cannot read the saved audit state, starting afresh: %s", exc)
        return None
    run_id = store.reopen_run(run_id)
    store.forget_results(run_id, saved["outcome_keys"])
    ctx.crawl = saved["crawl"]
    ctx._scratch.update(saved["scratch"])
    ctx.probes.extend(saved["probes"])
    ctx.page_errors.update(saved["page_errors"])
    ctx.add_facts(saved["facts"])
    state_file.unlink()
    return run_id, (store.run(run_id) or {}).get("started") or now_iso(), saved["homepage_findings"]
