"""Servers on loopback for `siteaudit demo` and the tests: an authoritative DNS server (`dns.py`)
and a virtual-host HTTP server (`web.py`). Nothing here is used by a real audit."""
