# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench clean messages

# Compiled message catalogues (French, Spanish) are built from the .po files in the repository.
CATALOGS := $(patsubst %.po,%.mo,$(wildcard alliance/translations/*/LC_MESSAGES/messages.po))

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("alliance needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.txt
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

run: $(VENV)/.installed $(CATALOGS)
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo
	$(BIN)/flask --app wsgi serve

# Two pytest-xdist workers, each on its own database and Redis db (tests/conftest.py); PYTEST_WORKERS=0 runs
# the suite in one process. loadgroup keeps the fault drills on one worker and the browser tests on one.
PYTEST_WORKERS ?= 2

test: $(VENV)/.installed-dev $(CATALOGS)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis

# After adding or changing text: extract it and add it to the French and Spanish catalogues (then translate
# the new entries; tests/test_translations.py lists what is missing). Sorted and without line numbers, so
# two branches adding messages rarely conflict.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract --no-wrap -F babel.cfg -k _l --no-location --sort-output -o alliance/translations/messages.pot .
	$(BIN)/pybabel update --no-wrap --no-fuzzy-matching --ignore-obsolete -i alliance/translations/messages.pot -d alliance/translations
