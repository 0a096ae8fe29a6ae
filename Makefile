# lenhub: `make run` starts the platform with demo data; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/lenhub
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0
# Offline installs: make install PIP_OPTS="--no-index --find-links wheelhouse"
PIP_OPTS ?=
WHEELHOUSE ?= wheelhouse

.PHONY: run test install browser wheelhouse messages lint typecheck migrations-check pytest pytest-sqlite pytest-postgres clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(PIP_OPTS) --upgrade pip
	$(BIN)/python -m pip install --quiet $(PIP_OPTS) -e '.[dev]'
	touch $(STAMP)

# Debian's Chromium drives the browser tests (Playwright cannot download browsers here).
browser:
	@if [ ! -x /usr/bin/chromium ] || ! command -v pdftotext >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium poppler-utils >/dev/null; \
	fi

run: install
	$(BIN)/lenhub migrate --no-input -v0
	$(BIN)/lenhub demo
	$(BIN)/lenhub rounds close-due
	@echo "lenhub is starting on http://$(HOST):$(PORT)/"
	$(BIN)/uvicorn lenhub.asgi:application --host $(HOST) --port $(PORT) --no-access-log

lint: install
	$(BIN)/ruff check lenhub bench
	$(BIN)/ruff format --check lenhub bench

typecheck: install
	$(BIN)/mypy lenhub

migrations-check: install
	LENHUB_DATA_DIR=$$(mktemp -d) $(BIN)/lenhub makemigrations --check --dry-run

pytest-sqlite: install browser
	LENHUB_DATA_DIR=$$(mktemp -d) $(BIN)/pytest -q -p no:cacheprovider -n auto

pytest-postgres: install browser
	LENHUB_DATA_DIR=$$(mktemp -d) DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) \
	  $(BIN)/pytest -q -p no:cacheprovider -n auto

test: lint typecheck migrations-check pytest-sqlite pytest-postgres

# Every Python package lenhub and its tests need, as wheels, for an air-gapped install
# (docs/air-gapped.md).
wheelhouse: install
	rm -rf $(WHEELHOUSE) && mkdir -p $(WHEELHOUSE)
	$(BIN)/python -m pip wheel --quiet --wheel-dir $(WHEELHOUSE) pip setuptools wheel '.[dev]'
	@ls $(WHEELHOUSE) | wc -l | xargs echo "wheels in $(WHEELHOUSE)/:"

# After changing user-facing strings: extract them into the catalogues, translate every
# new entry in lenhub/locale/{fr,de}/LC_MESSAGES/django.po, then run this again to compile
# the .mo files (committed, so no gettext is needed at run time). Needs GNU gettext;
# lenhub/core/tests/test_i18n.py fails while a catalogue is incomplete or stale.
messages: install
	cd lenhub && export LENHUB_DATA_DIR=$$(mktemp -d) && \
	  ../$(BIN)/lenhub makemessages -l fr -l de --no-location --no-obsolete \
	    --ignore tests --ignore testing --ignore static && \
	  ../$(BIN)/lenhub compilemessages

clean:
	rm -rf $(VENV) var
