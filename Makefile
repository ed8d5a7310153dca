# The two commands: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint check catalogs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

## Start the bot: Slack/Telegram if configured, else the console chat on ./cohorte.db
run: $(VENV)/.installed
	$(BIN)/cohorte run

## Install the test extras and run the whole suite (on PostgreSQL when COHORTE_TEST_DATABASE_URL is set):
## everything but the fault-injection tests on several workers, then those alone, one at a time
TEST_WORKERS ?= auto
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not faults"
	$(BIN)/python -m pytest -m faults tests/faults

## Static checks: ruff, mypy (strict) and the import contracts (layers, no platform library in the core)
lint: $(VENV)/.installed-test
	$(BIN)/ruff check cohorte tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

check: lint test

## Refresh the catalogs from the source (then translate the new entries in es and en)
catalogs: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F pyproject.toml --no-location --sort-output -w 100 -o cohorte/locales/cohorte.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -w 100 -i cohorte/locales/cohorte.pot -d cohorte/locales -D cohorte

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
