# The two commands: `make run` (development, embedded defaults) and `make test` (everything,
# on the real services); `make check` before a commit. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
DEV_ENV := DJANGO_DEBUG=1

.PHONY: run install pdf-tools browser-tools front-tools messages makemessages demo migrate test check lint services-up services-down services-status run-full backup restore benchmark benchmark-api benchmark-dashboard benchmark-load clean

run: install migrate demo
	@echo "Serving on http://127.0.0.1:8000/ (demo accounts above; Ctrl-C stops)"
	$(DEV_ENV) $(MANAGE) runserver 127.0.0.1:8000

install: $(VENV)/.installed .env messages pdf-tools

# Pango and fonts for the practice PDF (WeasyPrint); see scripts/pdf-tools.sh.
pdf-tools:
	scripts/pdf-tools.sh

# Compiled message catalogues (.mo) are build output, made from locale/*/LC_MESSAGES/*.po.
messages: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d locale -D django

# Refresh the catalogues from the sources (needs GNU gettext, installed here when missing);
# then translate every new entry: tests/test_catalogues.py fails on any untranslated or fuzzy one.
makemessages: $(VENV)/.installed
	command -v xgettext >/dev/null || (apt-get install -y gettext || (apt-get update && apt-get install -y gettext))
	$(DEV_ENV) $(MANAGE) makemessages -l fr -l es --no-obsolete --add-location=file \
	  --ignore=.venv --ignore=tests --ignore=benchmarks --ignore=node_modules \
	  --ignore=staticfiles --ignore=scripts

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

.env:
	cp .env.example .env

migrate: install
	$(DEV_ENV) $(MANAGE) migrate --noinput

# Idempotent: a second run reports what is already there and creates nothing.
demo: migrate
	$(DEV_ENV) $(MANAGE) load_cities
	$(DEV_ENV) $(MANAGE) load_demo
	$(DEV_ENV) $(MANAGE) vectors_refresh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEV_ENV) $(BIN)/mypy .

test: install browser-tools front-tools
	scripts/test.sh

# What a developer runs before a commit, in a few minutes and with no service running: lint,
# types, the migrations check and every test that needs no live service (markers elasticsearch,
# postgres, redis, browser, frontserver and cluster left out), on SQLite with the database search
# backend and eager tasks, whatever .env says. The API fuzzing runs lighter than under `make test`
# (FUZZ_EXAMPLES=5 examples per operation instead of 25).
CHECK_ENV := DJANGO_DEBUG=1 DJANGO_READ_DOT_ENV=0 DATABASE_URL=sqlite:///db.sqlite3 \
	ELASTICSEARCH_URL= CELERY_BROKER_URL= REDIS_URL= REQUIRE_SERVICES=
FUZZ_EXAMPLES ?= 5
check: lint
	$(CHECK_ENV) $(MANAGE) makemigrations --check --dry-run >/dev/null \
	  || (echo "models and migrations differ: run manage.py makemigrations" >&2; exit 1)
	$(CHECK_ENV) FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -p no:cacheprovider -n 2 \
	  -m "not elasticsearch and not postgres and not redis and not browser and not frontserver and not cluster"

# Chromium, Node.js, Java and node_modules/ (axe-core, vnu-jar) for the browser tests.
browser-tools:
	scripts/browser-tools.sh

# nginx (Debian's package) for `make run-full` and the front-server test.
front-tools:
	scripts/nginx.sh install

services-up:
	scripts/services.sh up

services-down:
	scripts/services.sh down

services-status:
	scripts/services.sh status

run-full: install
	scripts/run-full.sh

# The database (pg_dump) and the media files into BACKUP_DIR/<UTC time>/ (default ./backups);
# `make restore` puts back the newest one (or BACKUP=folder) and rebuilds the search index from
# it. Both use DATABASE_URL and DJANGO_MEDIA_ROOT (environment, then .env), else the database of
# `make run-full`. See docs/operations.md.
backup: install
	scripts/backup.sh

restore: install
	scripts/restore.sh $(BACKUP)

# Search at 100,000 practices (see benchmarks/search.py; SIZE=5000 DB_SIZE=2000 for a quick run).
SIZE ?= 100000
DB_SIZE ?= 10000
benchmark: install
	scripts/services.sh up postgres elasticsearch redis
	$(BIN)/python benchmarks/search.py --size $(SIZE) --db-size $(DB_SIZE)

# The API at 100,000 practices (see benchmarks/api.py; API_SIZE=5000 for a quick run).
API_SIZE ?= 100000
benchmark-api: install
	scripts/services.sh up postgres elasticsearch redis
	$(BIN)/python benchmarks/api.py --size $(API_SIZE)

# The secretariat's dashboard at 100,000 practices and 10,000 requests (benchmarks/dashboard.py).
benchmark-dashboard: install
	scripts/services.sh up postgres redis
	$(BIN)/python benchmarks/dashboard.py

# A mixed population against a running server (make run-full); see benchmarks/load.py.
LOAD_HOST ?= https://127.0.0.1:8443
LOAD_USERS ?= 50
LOAD_DURATION ?= 120
LOAD_MIX ?= visitor=7,member=2,broker=1
benchmark-load: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/load.py --host $(LOAD_HOST) --users $(LOAD_USERS) \
	  --duration $(LOAD_DURATION) --mix $(LOAD_MIX)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .mypy_cache .ruff_cache .pytest_cache node_modules test-artifacts
