# SSPF – the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(shell cksum requirements-dev.lock | cut -d' ' -f1)
PG_URL ?= postgres://postgres@127.0.0.1:5432/sspf
PORT ?= 8000

.PHONY: venv node run test test-postgres test-browser lint format messages check-deploy lock clean \
	bench audit-deps

$(STAMP): requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

# Test-only tools from npm (axe-core for the accessibility tests), from package-lock.json.
# Without npm the accessibility tests skip with the reason (and fail in CI).
NODE_STAMP := node_modules/.installed-$(shell cksum package-lock.json | cut -d' ' -f1)
$(NODE_STAMP): package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund --silent && rm -f node_modules/.installed-* && touch $(NODE_STAMP); \
	else echo "npm not found: the accessibility tests will skip"; fi

node: $(NODE_STAMP)

## run: install, create development secrets, migrate, load demo data, serve on :$(PORT)
##      (another port: make run PORT=8080)
run: $(STAMP)
	$(PY) -m sspf.dev_env
	$(PY) manage.py migrate --verbosity 0
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## test: the whole suite on SQLite (browser tests included when Chromium is installed)
test: $(STAMP) node
	$(BIN)/pytest

## test-postgres: the suite against PostgreSQL (PG_URL; a test database is created)
test-postgres: $(STAMP)
	@DATABASE_URL=$(PG_URL) $(PY) -m tests.pg_ready; status=$$?; \
	if [ $$status -eq 2 ]; then exit 0; elif [ $$status -ne 0 ]; then exit $$status; fi; \
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -m "not browser"

## test-browser: only the Playwright tests in Debian's Chromium
test-browser: $(STAMP) node
	$(BIN)/pytest -m browser

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## messages: refresh locale/*.po from the code and compile them (needs GNU gettext)
messages: $(STAMP)
	$(PY) manage.py makemessages --locale sv --locale en --ignore '.venv/*' --no-obsolete
	$(PY) manage.py compilemessages --ignore '.venv/*'

## check-deploy: Django's deployment checks with production-like settings
check-deploy: $(STAMP)
	DEBUG=0 SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  SSPF_FIELD_KEYS=$$($(PY) -c 'from sspf.keys import new_key_spec; print(new_key_spec("k1"))') \
	  SSPF_INDEX_KEY=$$($(PY) -c 'from sspf.keys import new_key_spec; print(new_key_spec("k1"))') \
	  SSPF_AUDIT_KEY=$$($(PY) -c 'from sspf.keys import new_key_spec; print(new_key_spec("k1"))') \
	  SSPF_ENV_FILE=/nonexistent ALLOWED_HOSTS=sspf.example DATABASE_URL=$(PG_URL) \
	  $(PY) manage.py check --deploy --fail-level WARNING

## lock: re-pin every dependency from pyproject.toml
lock: $(STAMP)
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
	  -o requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
	  --extra dev -o requirements-dev.lock pyproject.toml

## bench: every main page against its unprotected twin and the floor, then a load run
##        (PostgreSQL at PG_URL; BENCH_SCALE=1 is a large municipality; results in var/bench/;
##        BENCH_LOAD=0 skips the load run, BENCH_ROUNDS=n sets the rounds; docs/performance.md)
BENCH_SCALE ?= 0.05
bench: $(STAMP)
	DATABASE_URL=$(PG_URL) BENCH_SCALE=$(BENCH_SCALE) $(PY) -m bench

## audit-deps: bandit over the code (no high findings) and pip-audit over the lock files
audit-deps: $(STAMP)
	$(BIN)/bandit -q -r accounts audit cases contacts meetings referrals schools sspf stats \
	  -x '*/migrations/*' --severity-level high
	@if $(PY) -c "import urllib.request as u; u.urlopen('https://pypi.org/pypi/django/5.2/json', timeout=10)" 2>/dev/null; then \
	  $(BIN)/pip-audit --strict --disable-pip --no-deps -r requirements.lock && \
	  $(BIN)/pip-audit --strict --disable-pip --no-deps -r requirements-dev.lock; \
	else echo "pip-audit NOT RUN: PyPI's vulnerability API (pypi.org/pypi/<name>/<version>/json) is not reachable from this machine"; fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
