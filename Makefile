# SSPF – the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(shell cksum requirements-dev.lock | cut -d' ' -f1)
PG_URL ?= postgres://postgres@127.0.0.1:5432/sspf
PORT ?= 8000

.PHONY: venv run test test-postgres test-browser lint format messages check-deploy lock clean

$(STAMP): requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

## run: install, create development secrets, migrate, load demo data, serve on :$(PORT)
##      (another port: make run PORT=8080)
run: $(STAMP)
	$(PY) -m sspf.dev_env
	$(PY) manage.py migrate --verbosity 0
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## test: the whole suite on SQLite (browser tests included when Chromium is installed)
test: $(STAMP)
	$(BIN)/pytest

## test-postgres: the suite against PostgreSQL (PG_URL; a test database is created)
test-postgres: $(STAMP)
	@DATABASE_URL=$(PG_URL) $(PY) -m tests.pg_ready; status=$$?; \
	if [ $$status -eq 2 ]; then exit 0; elif [ $$status -ne 0 ]; then exit $$status; fi; \
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -m "not browser"

## test-browser: only the Playwright tests in Debian's Chromium
test-browser: $(STAMP)
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

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
