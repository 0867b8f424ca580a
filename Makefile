# Two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BABEL_EXTRACT := $(BIN)/pybabel -q extract --no-location --sort-output -k _l -k lazy_gettext

.PHONY: run test lint translations extract instance clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Compile the catalogues of the public site and of the back office.
translations: $(STAMP)
	$(BIN)/pybabel compile -f -d translations
	$(BIN)/pybabel compile -f -d staff_translations

# After changing marked strings: extract them and update every catalogue, then translate.
extract: $(STAMP)
	$(BABEL_EXTRACT) -F babel.cfg -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations
	$(BABEL_EXTRACT) -F babel-staff.cfg -o staff_translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i staff_translations/messages.pot -d staff_translations
	$(BIN)/python scripts/fill_english.py translations/en/LC_MESSAGES/messages.po
	$(BIN)/python scripts/fill_english.py staff_translations/en/LC_MESSAGES/messages.po

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
