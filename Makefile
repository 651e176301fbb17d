# raterkit: two commands matter — `make serve` (build and serve the site) and `make test` (every test).
# While you work: `make check` (lint, format, types and the fast tests, under a minute).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.raterkit-installed
export NO_MKDOCS_2_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: serve site site-assessment live test check lint validate chromium postgresql scorm-runtime clean

# A virtual environment with the pinned dependencies (requirements.lock) and raterkit itself,
# compiled to bytecode once at install: with PYTHONDONTWRITEBYTECODE set, nothing would ever cache
# it, and every run (each test's subprocess too) would compile pandas, FastAPI and the rest anew.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -r requirements.lock -e '.[test]'
	@touch $@

## Build the site into site/ and serve it on http://127.0.0.1:8000 (rebuilds when files change).
serve: $(STAMP)
	$(BIN)/mkdocs build --strict
	$(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

## Build the site into site/.
site: $(STAMP)
	$(BIN)/mkdocs build --strict

## Run a live calibration session: the workshop server on http://127.0.0.1:8080 (docs/live.md).
live: $(STAMP)
	$(BIN)/raterkit live $(LIVE_ARGS)

## Check framework, crosswalk and quiz files.
validate: $(STAMP)
	$(BIN)/raterkit validate

## Debian's Chromium for the browser tests (Playwright cannot download a browser here).
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Chromium at /usr/bin/chromium: run 'sudo apt-get install chromium' (Debian/Ubuntu)." >&2; exit 1; \
	fi

## Debian's PostgreSQL server programs for the live server's tests: each run starts a throwaway cluster
## of its own (initdb in a temporary folder, a free loopback port), never the one the package sets up.
postgresql:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's postgresql for the live server's tests"; \
		if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; then \
			service postgresql stop >/dev/null 2>&1 || true; \
		else \
			echo "PostgreSQL could not be installed, and the live server's tests need it: install Debian's 'postgresql' package, then run 'make test' again." >&2; exit 1; \
		fi; \
	else \
		echo "The live server's tests need PostgreSQL: run 'sudo apt-get install postgresql' (Debian/Ubuntu)." >&2; exit 1; \
	fi

## scorm-again (MIT, from the npm registry), the SCORM 1.2 and 2004 run-time the SCORM package tests host
## packages in: installed into tests/scorm/node_modules at the version tests/scorm/package-lock.json pins
## (never committed). Needs Node.js and npm (Debian's nodejs and npm).
SCORM_RUNTIME := tests/scorm/node_modules/scorm-again/package.json
scorm-runtime:
	@if [ -f $(SCORM_RUNTIME) ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
		echo "Installing scorm-again for the SCORM tests (npm ci in tests/scorm)"; \
		npm ci --prefix tests/scorm --no-audit --no-fund --loglevel=error || { \
			echo "scorm-again could not be installed from the npm registry, and the SCORM tests need it: check the network, then run 'make test' again." >&2; exit 1; }; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's npm, then scorm-again for the SCORM tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null && \
		npm ci --prefix tests/scorm --no-audit --no-fund --loglevel=error || { \
			echo "npm or scorm-again could not be installed, and the SCORM tests need them: install Debian's 'npm', then run 'make test' again." >&2; exit 1; }; \
	else \
		echo "The SCORM tests need npm to install scorm-again: run 'sudo apt-get install npm' (Debian/Ubuntu)." >&2; exit 1; \
	fi

## Lint, formatting and types: ruff and mypy (settings in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

## The fast loop: lint, types, and every test that neither builds a site, executes a notebook nor drives a browser.
check: lint
	$(BIN)/python -m pytest -q -n 2 -m "not slow and not browser"

## Every test, browser tests included, the live server's tests on SQLite and on PostgreSQL, and the
## SCORM packages in scorm-again's run-time. Two processes (pytest-xdist), a test file's tests together
## in one: much of the time is spent waiting on Chromium, servers and databases, which the other fills.
test: $(STAMP) chromium postgresql scorm-runtime
	$(BIN)/python -m pytest -n 2 --dist loadfile

clean:
	rm -rf site site-assessment .cache .pytest_cache .hypothesis .mypy_cache .ruff_cache tests/scorm/node_modules
