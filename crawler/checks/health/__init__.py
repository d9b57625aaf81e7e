"""Health checks, run once per audit before the crawl: DNS, IPv6, uptime, TLS and web hygiene
(rule ids DNS/IPV6/UP/TLS/SEC, listed in docs/health-checks.md). `netcommon.py` has what they share:
deadlines, pinned connections to one address, and error texts."""
