# Flashpoint: the README's commands. Each target sets up what it needs itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TEST_STAMP := $(VENV)/.flashpoint-test-installed
BASE_STAMP := $(VENV)/.flashpoint-installed

CHROMIUM := /usr/bin/chromium

.PHONY: demo test lint reference clean browser

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Flashpoint needs Python 3.11 or newer; $(PYTHON) is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

$(BASE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -e .
	touch $@

## demo: create .venv if needed, install Flashpoint and run the #McDStories scenario
demo: $(BASE_STAMP)
	$(BIN)/flashpoint run scenarios/mcdstories.yaml

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -e '.[test]'
	touch $@ $(BASE_STAMP)

## browser: Debian's chromium, for the report's browser tests (installed with apt if missing)
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "The report's browser tests need Debian's chromium: sudo apt-get install chromium" >&2; \
	    exit 1; \
	  fi; }

## test: create .venv if needed, install the test extras and chromium, lint, run the whole suite
test: $(TEST_STAMP) browser
	$(BIN)/ruff check sim tests benchmarks tools
	$(BIN)/python -m pytest -n auto --dist worksteal

lint: $(TEST_STAMP)
	$(BIN)/ruff check sim tests benchmarks tools

## reference: regenerate docs/scenario-reference.md from the schema
reference: $(TEST_STAMP)
	$(BIN)/python tools/gen_reference.py --write

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
