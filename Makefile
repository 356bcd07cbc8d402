# Pipewright. `make help` lists the targets.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PIPEWRIGHT_VAR ?= $(CURDIR)/var
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pipewright
TEST_REDIS_URL ?= redis://127.0.0.1:6379/13

.PHONY: help run test lint fmt frontend images docker chromium migrate library bench clean test-fast test-stack

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || { echo "setup: creating $(VENV)"; python3 -m venv $(VENV); }
	@echo "setup: installing Python packages from requirements-dev.txt (requirements.txt and test tools)"
	@$(PY) -m pip install -q --upgrade pip >/dev/null 2>&1
	@set -o pipefail; $(PY) -m pip install -q -r requirements-dev.txt 2>&1 | { grep -v '^WARNING: Location' || true; }
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

images: docker ## build the step images (only when their recipe changed)
	@bash scripts/build_images.sh

chromium: ## install Debian's Chromium for the browser tests
	@bash scripts/ensure_chromium.sh

migrate: $(VENV)/.installed
	@PIPEWRIGHT_DEV=1 $(PY) manage.py migrate --noinput -v 0

library: migrate ## load the built-in module library (idempotent)
	@PIPEWRIGHT_DEV=1 $(PY) manage.py load_library

run: $(VENV)/.installed frontend library ## start Pipewright on http://127.0.0.1:$(PORT)/ (embedded defaults)
	@PIPEWRIGHT_DEV=1 $(PY) manage.py ensure_dev_user
	@-docker info >/dev/null 2>&1 && bash scripts/build_images.sh
	@PORT=$(PORT) PIPEWRIGHT_DEV=1 $(PY) scripts/run.py

lint: $(VENV)/.installed frontend/node_modules/.installed ## ruff, the layer rule, mypy on the compiler, tsc and eslint
	$(VENV)/bin/ruff check .
	$(PY) scripts/check_layers.py
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	cd frontend && npx tsc --noEmit && npx eslint src
	@bash frontend/scripts/gen-api-types.sh --check

api-types: $(VENV)/.installed frontend/node_modules/.installed ## regenerate frontend/src/api/schema.d.ts from /api/schema/
	@bash frontend/scripts/gen-api-types.sh

fmt: $(VENV)/.installed
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

test: $(VENV)/.installed frontend chromium images ## install what the tests need and run every test
	@bash scripts/ensure_services.sh
	@$(MAKE) --no-print-directory lint
	cd frontend && npx vitest run
	PIPEWRIGHT_DEV=1 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	  CELERY_KEY_PREFIX=pwtest: CHANNELS_PREFIX=pwtest $(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.installed ## the tests that need only PostgreSQL (no Docker, Redis, Celery worker or browser)
	PIPEWRIGHT_DEV=1 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	  $(PY) -m pytest -m "not docker and not celery and not redis and not e2e" $(PYTEST_ARGS)

test-stack: $(VENV)/.installed images ## the stack layer only: make run's whole stack, driven over HTTP and WebSocket
	@bash scripts/ensure_services.sh
	PIPEWRIGHT_DEV=1 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	  $(PY) -m pytest tests/stack $(PYTEST_ARGS)

bench: $(VENV)/.installed frontend images ## measure speed against floors measured in the same run
	@bash scripts/ensure_services.sh $(TEST_DATABASE_URL)
	PIPEWRIGHT_DEV=1 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) bench/run.py

clean: ## remove build output and local state (keeps .venv)
	rm -rf frontend/dist var/static var/work
