# Plain entry points. Every target is idempotent and works from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test test-fast lint demo crawl bench docs reliability clean services

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project metadata changed.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

services:
	bash scripts/ensure-services.sh

# Style, types, and who may import whom (the import-linter contracts in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Everything (CI: .ci/run), with the 15 slowest tests listed so a creeping one is seen.
test: install services lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q --durations=15

# The quick loop while editing: no test that starts a crawl or a server (marked `slow`); under a minute.
test-fast: install
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q -m "not slow"

demo: install
	$(BIN)/ingest demo

# The scheduled job, by hand: every registered site, incrementally, into INGEST_DB_URL (data/news.db).
crawl: install
	$(BIN)/ingest crawl --all

# The summary goes to benchmarks/results/latest.md, and docs/benchmarks.md is regenerated from it.
bench: install
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks.docs

# Generated documentation: docs/benchmarks.md from benchmarks/README.md and benchmarks/results/latest.md.
docs: install
	$(BIN)/python -m benchmarks.docs

reliability: install services
	$(BIN)/python -m benchmarks.reliability

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
