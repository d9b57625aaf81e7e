"""The history store: every run, page, finding and uptime probe, kept across runs.

- `store.py`: `Store`, the SQLite database (runs, pages, findings, probes).
- `schema.py`: the versioned schema and its migrations.
- `lock.py`: one run per site at a time (a lock row that names its process and host).
- `changes.py`: new / persisting / fixed, against the previous run of the site.
- `uptime.py`: uptime percentages over 1, 7 and 30 days from the stored probes.
- `listing.py`: the `siteaudit history` table.
"""
