# profwise-redis — every set-up step is here; `make up` and `make test` need nothing else installed by hand
# (beyond Python 3.11+, and for `make up` Docker; it installs a pinned Pulumi CLI when yours is missing or too old).
SHELL := bash
.DEFAULT_GOAL := help
STACK ?= dev
VENV ?= .venv
PY := $(VENV)/bin/python
POLICY_VENV := policy/venv
PYTHON ?= python3
export STACK VENV

.PHONY: help up preview destroy verify backup test deps test-deps redis-server test-engine redis.conf docs lint policy-venv check bench loadtest

help: ## list the targets
	@grep -E '^[a-zA-Z_.-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# pip itself decides, on every run, whether what is installed satisfies the requirements: an existing venv with an
# older version (say pulumi-docker 5.0, which lacks ContainerUploadArgs owner/group) is upgraded, whatever the files'
# timestamps say; when everything is satisfied this is a quick no-op without downloads. requirements-dev.txt includes
# requirements.txt.
deps: | $(VENV)/bin/python ## create the virtualenv and install the program's dependencies
	@$(PY) -m pip install -q -r requirements.txt

test-deps: | $(VENV)/bin/python ## … plus the test dependencies
	@$(PY) -m pip install -q -r requirements-dev.txt

# The policy pack runs in its own virtualenv, where `pulumi --policy-pack policy` looks for it (PulumiPolicy.yaml).
$(POLICY_VENV)/bin/python:
	$(PYTHON) -m venv $(POLICY_VENV)

policy-venv: | $(POLICY_VENV)/bin/python ## the policy pack's own virtualenv (pulumi-policy), as Pulumi runs the pack
	@$(POLICY_VENV)/bin/python -m pip install -q -r policy/requirements.txt

redis-server: ## install redis-server 7 with apt when it is missing (the tests run a real one)
	@scripts/install-redis.sh

test-engine: ## what the engine tests need: a Docker engine (or docker.io for a private one, as root) and busybox
	@scripts/install-test-engine.sh

up: deps policy-venv ## deploy STACK (default dev) with the policy pack applied, then verify it
	@scripts/up.sh

preview: deps policy-venv ## show what `make up` would change, with the policy pack applied
	pulumi preview --stack $(STACK) --policy-pack policy

destroy: deps ## remove STACK's resources (the dev data volume is kept; see docs/dev.md)
	pulumi destroy --stack $(STACK)

verify: deps ## verify the deployed STACK from its outputs
	$(PY) -m infra.cli verify --stack $(STACK)

backup: deps ## back up STACK (dev: RDB into backups/STACK/, keeps 7 days; prod: an ElastiCache snapshot)
	$(PY) -m infra.cli backup --stack $(STACK)

loadtest: deps ## capacity check of the deployed STACK (1000 connections; LOADTEST_ARGS="--seconds 60 ...")
	$(PY) -m infra.cli loadtest --stack $(STACK) $(LOADTEST_ARGS)

bench: deps redis-server ## benchmark our code against the practical limits here; writes bench/results/latest.md
	$(PY) -m bench.run $(BENCH_ARGS)

test: test-deps redis-server test-engine policy-venv lint ## install everything needed, lint, and run the whole test suite
	$(PY) -m pytest -q

lint: test-deps ## actionlint the CI workflows; ruff on the code and tests; mypy on infra/ and policy/
	$(VENV)/bin/actionlint
	$(VENV)/bin/ruff check infra policy tests bench
	$(VENV)/bin/mypy

check: deps ## run the compliance policies offline over STACK (no cloud, no Pulumi CLI)
	$(PY) -m infra.cli check --stack $(STACK)

redis.conf: deps ## re-render the checked-in redis.conf from the settings model
	$(PY) -c "from infra.config import redis_conf; from infra.config.redis import RedisSettings; \
	open('redis.conf', 'w').write(redis_conf.render(RedisSettings()))"

docs: deps ## regenerate docs/configuration.md's table from the settings models
	$(PY) -m infra.tooling.config_reference --write
