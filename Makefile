# Entry points for developers and CI. `make help` lists them.
SHELL := /bin/bash
VENV ?= $(CURDIR)/.venv
PY := $(VENV)/bin/python
PYTEST := $(PY) -m pytest -p no:cacheprovider

.PHONY: help up down status logs provision rotate-keys test unit contract integration e2e lint typecheck archcheck audit check lock compose-config clean bench reliability

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

up: ## install what is missing, start the stores, broker and services (idempotent)
	@infra/up.sh

down: ## stop everything `make up` started
	@infra/down.sh

status: ## health and memory of every component
	@source infra/lib.sh && export_admin_pulsar_token && REDIS_ADMIN_URL=$$REDIS_ADMIN_URL $(PY) infra/health.py

logs: ## follow every component's log
	@source infra/lib.sh && tail -n 20 -F "$$RUN_DIR"/logs/*.log

provision: ## install packages, jars, FerretDB and the virtualenv without starting anything
	@infra/provision.sh

# The running API re-reads INGESTION_KEK_FILE when it changes: no restart. RETIRE=1 then drops unused KEKs.
rotate-keys: ## new key-encryption key, every live data key rewrapped under it (RETIRE=1: drop unused old ones)
	@source infra/lib.sh && INGESTION_KEK_FILE=$$RUN_DIR/kek.json DATABASE_URL=$$INGESTION_DATABASE_URL \
	  $(PY) -m ingestion_svc rotate-keys $(if $(RETIRE),--retire)

test: up ## the whole suite against the real stack (starts it if needed)
	@$(MAKE) --no-print-directory check
	@$(PYTEST) tests

unit: ## unit tests only (no network)
	@infra/provision.sh >/dev/null && $(PYTEST) tests/unit

contract: up ## port contract suites (fakes and real adapters)
	@$(PYTEST) tests/contract

integration: up ## adapters against the real servers
	@$(PYTEST) tests/integration

e2e: up ## HTTP in, events through Pulsar, query out
	@$(PYTEST) tests/e2e

lint: ## ruff lint and format check
	@$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

typecheck: ## mypy --strict
	@$(VENV)/bin/mypy . && $(VENV)/bin/mypy infra/health.py infra/fatal_restarter.py

archcheck: ## import-linter: dependencies point inward, services stay independent
	@$(VENV)/bin/lint-imports

# pip-audit over every pin: requirements/constraints.txt pins all of requirements/*.txt, transitively (make lock).
# --no-deps --disable-pip: the file is the whole set, audited as written, with no resolver or pip run. The data
# comes from PyPI's JSON API (OSV is not reachable from the workplace); a pin it holds no data for is listed as
# skipped, and AUDIT_STRICT=1 fails on that too. A pin with a known vulnerability always fails.
AUDIT_REQUIREMENTS ?= requirements/constraints.txt
AUDIT_SERVICE ?= --vulnerability-service pypi
audit: ## pip-audit the pinned requirements (AUDIT_STRICT=1: also fail on a pin that could not be checked)
	@$(VENV)/bin/pip-audit --requirement $(AUDIT_REQUIREMENTS) --no-deps --disable-pip --progress-spinner off \
	  $(AUDIT_SERVICE) $(if $(AUDIT_STRICT),--strict)

check: lint typecheck archcheck audit ## every static check, and pip-audit over the pinned requirements

lock: ## re-pin every transitive dependency into requirements/constraints.txt
	@(echo "# Every transitive dependency pinned (pip freeze of requirements/dev.txt). Regenerate: make lock"; \
	  $(VENV)/bin/pip freeze --exclude-editable) > requirements/constraints.txt

compose-config: ## validate docker-compose.yml (no Docker engine needed)
	@docker-compose -f docker-compose.yml config -q && echo "docker-compose.yml is valid"

clean: down ## stop the stack and delete its data and logs (keeps downloads in ~/.cache)
	@source infra/lib.sh && source infra/postgres.sh && pg=$$(pg_data_dir) && rm -rf "$$pg" "$$RUN_DIR" && echo "removed $$RUN_DIR and $$pg"

bench: up ## benchmarks against the local stack, each beside a baseline measured in the same run
	@$(PY) -m bench.run

reliability: up ## fault scenarios (kill, restart, stall, network, poison, fuzz, abuse) with a lost/dup/reorder checker
	@$(PY) -m reliability --profile full $(RELIABILITY_ARGS)
