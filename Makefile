# Foundry: every set-up step is here, so a fresh machine needs only Python 3.11+, venv and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test asgi worker beat lint mypy-baseline format fuzz bench check-migrations schema install demo help

help:
	@echo "make run     install, migrate, load demo data, serve API + admin on http://$(HOST):$(PORT)"
	@echo "make test    the whole test suite (embedded: SQLite, local cache, eager Celery)"
	@echo "make worker  a Celery worker          make beat   the Celery beat scheduler"
	@echo "make asgi    the ASGI app (uvicorn, port 8001): the live tracking stream"
	@echo "make lint    ruff, import-linter, mypy  make bench  the benchmark suite (PostgreSQL + Redis)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet '.[dev]'
	@touch $(STAMP)

install: $(STAMP) .env

# A local .env for development: DEBUG on and a random secret key. Never committed;
# production sets real environment variables instead (docs/configuration.md).
.env:
	@printf 'DJANGO_DEBUG=true\nDJANGO_SECRET_KEY=%s\n' \
		"$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "wrote .env (DJANGO_DEBUG=true, random DJANGO_SECRET_KEY)"

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo

run: demo
	@echo "Admin: http://$(HOST):$(PORT)/admin/  API docs: http://$(HOST):$(PORT)/api/docs"
	@echo "Demo admin: admin@foundry.local / foundry-demo-2026"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

asgi: install
	DATABASE_CONN_MAX_AGE=0 $(VENV)/bin/uvicorn config.asgi:application --host $(HOST) --port $${ASGI_PORT:-8001}

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=$${CELERY_CONCURRENCY:-2}

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

# ruff (check, then format --check), the boundaries between apps (import-linter's contracts in
# pyproject.toml), then types (mypy against mypy-baseline.txt, which may only shrink).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy | $(VENV)/bin/mypy-baseline filter --hide-stats

# After fixing type errors: drop them from the baseline (it may only shrink).
mypy-baseline: install
	$(VENV)/bin/mypy | $(VENV)/bin/mypy-baseline sync

format: install
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

schema: install
	$(PY) manage.py spectacular --validate --fail-on-warn --file var/schema.yaml

fuzz: install
	$(PY) tests/fuzz/run.py $(FUZZ_ARGS)

bench: install
	$(PY) tests/bench/run.py $(BENCH_ARGS)
