# Two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BABEL_EXTRACT := $(BIN)/pybabel -q extract --no-location --sort-output -k _l -k lazy_gettext

.PHONY: run test lint translations extract instance clean deploy-check security-check

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

# axe-core for the accessibility checks of the browser tests, and oidc-provider, the OpenID
# provider the staff sign-in tests run on loopback; without npm those tests skip (not in CI).
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund && touch $(AXE); \
	else echo "npm not found: the accessibility checks will be skipped"; fi

test: lint translations $(AXE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The linter, the formatter's check and the type checker (strict on portal/, see pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Syntax checks of the nginx and systemd files in docs/deploy.md (needs nginx-light and openssl).
DEPLOY_CHECK := build/deploy-check
UNITS := portal.service portal-purge.service portal-purge.timer portal-base-backup.service \
	portal-base-backup.timer portal-notices.service portal-notices.timer
deploy-check:
	rm -rf $(DEPLOY_CHECK) && mkdir -p $(DEPLOY_CHECK)/root/bin $(DEPLOY_CHECK)/root/usr/lib/systemd \
	    $(DEPLOY_CHECK)/root/etc/systemd/system $(DEPLOY_CHECK)/root/srv/portal/venv/bin \
	    $(DEPLOY_CHECK)/root/usr/local/bin
	cd $(DEPLOY_CHECK) && awk '/^<!-- file: /{f=$$3; next} \
	    /^```/{ if (inb) {inb=0; f=""; next} if (f!="") {inb=1; next} } inb{print > f}' \
	    $(CURDIR)/docs/deploy.md
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=rappel.example.fr \
	    -addext subjectAltName=DNS:rappel.example.fr \
	    -keyout $(DEPLOY_CHECK)/key.pem -out $(DEPLOY_CHECK)/cert.pem 2>/dev/null
	cd $(DEPLOY_CHECK) && sed -e "s|/etc/letsencrypt/live/[^/]*/fullchain.pem|$$PWD/cert.pem|" \
	    -e "s|/etc/letsencrypt/live/[^/]*/privkey.pem|$$PWD/key.pem|" \
	    -e "s|/etc/letsencrypt/live/[^/]*/chain.pem|$$PWD/cert.pem|" \
	    -e "s|/etc/nginx/portal-proxy.conf|$$PWD/portal-proxy.conf|" -e "s|/var/log/nginx/|$$PWD/|" \
	    -e "s|/srv/portal/static/|$(CURDIR)/portal/static/|" nginx-portal.conf > site.conf \
	    && printf 'pid %s/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n%s\n%s\n}\n' "$$PWD" \
	    '    include /etc/nginx/mime.types;' "    include $$PWD/site.conf;" > nginx.conf \
	    && nginx -t -p "$$PWD" -c "$$PWD/nginx.conf"
	cd $(DEPLOY_CHECK) && cp -r /usr/lib/systemd/system root/usr/lib/systemd/ \
	    && for stub in bin/kill srv/portal/venv/bin/gunicorn srv/portal/venv/bin/flask \
	        usr/local/bin/portal-base-backup; do \
	        printf '#!/bin/sh\n' > root/$$stub && chmod +x root/$$stub; done \
	    && cp $(UNITS) root/etc/systemd/system/ \
	    && systemd-analyze verify --man=no --root=root $(UNITS) 2> verify.log; status=$$?; cat verify.log; \
	    test $$status -eq 0 && test ! -s verify.log
	@echo "deploy-check: nginx and systemd files are valid"

# The outside audit's checks, kept: bandit (medium and high findings), semgrep with the rules in
# .semgrep/ (no registry), the headers of every route against the policy, and the nginx of
# docs/deploy.md on loopback with a throw-away certificate, before gunicorn, checked by testssl.sh.
# Needs nginx-light, openssl and testssl.sh (apt-get install testssl.sh); about a minute.
SECURITY_STAMP := $(VENV)/.security-installed
$(SECURITY_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,security]'
	touch $(SECURITY_STAMP)

security-check: $(SECURITY_STAMP) translations deploy-check
	$(BIN)/bandit -q -ll -r portal gunicorn.conf.py
	$(BIN)/semgrep scan --metrics=off --disable-version-check --quiet --error \
	    --config .semgrep/ portal templates gunicorn.conf.py
	$(BIN)/python scripts/security_check.py

clean:
	rm -rf $(VENV) build *.egg-info
