# Flashpoint: the README's commands. Each target sets up what it needs itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TEST_STAMP := $(VENV)/.flashpoint-test-installed

.PHONY: test lint reference clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Flashpoint needs Python 3.11 or newer; $(PYTHON) is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -e '.[test]'
	touch $@

## test: create .venv if needed, install the test extras, lint and run the whole suite
test: $(TEST_STAMP)
	$(BIN)/ruff check sim tests benchmarks tools
	$(BIN)/python -m pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check sim tests benchmarks tools

## reference: regenerate docs/scenario-reference.md from the schema
reference: $(TEST_STAMP)
	$(BIN)/python tools/gen_reference.py --write

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
