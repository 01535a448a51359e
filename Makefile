# The README's two commands: `make run` and `make test`. Everything else is a step they share.
# The production image's Python (3.12) where this machine has one, else python3: on 3.12 coverage measures through
# sys.monitoring (pyproject.toml) and costs the suite next to nothing, where 3.11's tracer made it 75 % slower.
PYTHON ?= $(or $(firstword $(foreach candidate,python3.12 $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12),\
	$(shell $(candidate) -c 'print("$(candidate)")' 2>/dev/null))),python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers for `make test` (each with its own test database, Redis databases and var/ folder).
TEST_WORKERS ?= 2

.PHONY: install run test lint bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

# Links in e-mails and feeds point where `make run` serves (an explicit SITE_URL wins).
run: export SITE_URL ?= http://$(HOST):$(PORT)

# The demo logins come after the worker's start-up lines ("celery@… ready."), in Oslo time like the app's logs.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed_demo --if-empty --verbosity 0
	$(PY) manage.py backfill_snapshots
	@echo
	@echo "migportal runs at $(SITE_URL)/  (staff pages: $(SITE_URL)/staff/, admin: $(SITE_URL)/admin/). Stop with Ctrl-C."
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" BIND=$(HOST):$(PORT) TZ=Europe/Oslo $(VENV)/bin/honcho start 2>&1 \
		| $(PY) manage.py demo_logins --after " ready."

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

test: lint
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) -m pytest -n $(TEST_WORKERS) --cov --cov-report=term

clean:
	rm -rf var staticfiles .pytest_cache .ruff_cache
