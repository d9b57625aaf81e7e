# The two commands a newcomer needs (see README): `make demo` and `make test`.
# Both install what they need: a virtualenv in .venv, and for the tests Debian packages via apt-get.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
APT_PACKAGES := chromium fonts-noto-cjk nginx-light time postgresql
ARGS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test install system-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q python3-venv && $(PYTHON) -m venv $(VENV); }

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $(STAMP)

# The tests also need pytest, Playwright and scrapy-playwright (driving the system Chromium: the
# siteaudit[render] extra), trustme, and fpdf2 (Chinese PDFs made in the tests).
$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(TEST_STAMP)

install: $(STAMP)

## Serve the bundled demo site on loopback and audit it; prints where the report is.
demo: $(STAMP)
	$(BIN)/siteaudit demo -o out/demo

## Debian packages the tests use: headless Chromium (report and rendering tests), CJK fonts (reports, test PDFs), nginx (benchmark smoke test),
## PostgreSQL (the history store tests start their own server in a temporary folder).
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

## Run the whole test suite (installs everything it needs first).
test: system-deps $(TEST_STAMP)
	$(BIN)/siteaudit rules test
	$(BIN)/python -m pytest -q

## Reproducible speed and memory measurements (see benchmarks/RESULTS.md).
bench: system-deps $(TEST_STAMP)
	$(BIN)/python benchmarks/run.py $(ARGS)
	$(BIN)/python benchmarks/bench_rules.py --mb 5
	$(BIN)/python benchmarks/bench_report.py

clean:
	rm -rf $(VENV) out .pytest_cache
