# iamlab: two commands on a fresh machine — `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run serve screenshots test test-sqlite test-postgres bench lint format bootstrap migrate clean

# Create the virtual environment and install the project (again only when pyproject.toml changes).
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

bootstrap: $(STAMP)

migrate: bootstrap
	$(PY) manage.py migrate --noinput

# Development server: debug on, the lessons loaded, http://127.0.0.1:8000
run: export DJANGO_DEBUG ?= 1
run: migrate
	$(PY) manage.py lessons load
	$(PY) manage.py runserver 127.0.0.1:8000

# Production-style: gunicorn and whitenoise (set DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and
# DATABASE_URL; see docs/deploy.md). WORKERS defaults to two per core.
WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))
BIND ?= 127.0.0.1:8000
serve: migrate
	$(PY) manage.py lessons load
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(VENV)/bin/gunicorn iamlab.wsgi -c python:iamlab.gunicorn_conf \
		--workers $(WORKERS) --bind $(BIND)

# The whole suite on SQLite, then again on a throwaway PostgreSQL server (tests/postgres.sh).
test: browser lint test-sqlite test-postgres

# Debian's Chromium for the browser tests (tests/web/test_browser_*.py); installed when missing.
.PHONY: browser
browser:
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

test-sqlite: bootstrap
	$(PY) -m pytest

test-postgres: bootstrap
	tests/postgres.sh -q

# Re-take the README's screenshots (docs/screenshots/) from the browser tests.
screenshots: bootstrap browser
	IAMLAB_SCREENSHOTS=1 $(PY) -m pytest -q tests/web -k browser

bench: bootstrap
	$(PY) tests/benchmarks/run_all.py

lint: bootstrap
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: bootstrap
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
