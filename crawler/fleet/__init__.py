"""The fleet: many sites audited in one go, on this machine or on Scrapyd nodes, into one history store.

- `config.py`: which sites (profiles or a folder of them) and `fleet.yaml` (jobs, db, out, notify).
- `local.py`: `--jobs N` worker processes on this machine, each one `siteaudit audit` (Scrapy's
  reactor cannot restart inside one process, so every audit is its own process).
- `scrapyd.py`: the dispatcher for `--scrapyd URL[,URL…]` (Scrapyd's JSON API; the job spider is
  `crawler/spiders/fleet_job.py`, which shells out to the same CLI on the node).
- `report.py`: `fleet.json` and `fleet.html` from the store; `fleet status`.
- `commands.py`: the `siteaudit fleet` entry points.
"""
