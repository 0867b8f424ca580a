# Two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LANGS := $(notdir $(wildcard translations/*))

.PHONY: run test lint translations extract instance demo clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -f -d translations 2>&1 | tail -n 1

extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations

instance: $(STAMP) translations
	$(BIN)/flask --app portal demo

run: instance
	$(BIN)/flask --app portal run --host 127.0.0.1 --port 5000

test: $(STAMP) translations
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info
