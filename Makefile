# onewindow — one command each: `make run` starts everything, `make test` tests everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
KAFKA := $(PY) -m onewindow_devtools.kafka_local

# Every package, from the one list of what the stack runs (libs/devtools/onewindow_devtools/registry.py).
PACKAGES := $(shell $(PYTHON) libs/devtools/onewindow_devtools/registry.py folders)
PROTOS := $(shell find proto -name '*.proto' | sort)
SERVICE_PROTOS := $(shell grep -l '^service ' $(PROTOS))
CONTRACTS := libs/contracts

.PHONY: screenshots help install proto proto-check docs docs-check kafka-cluster-up kafka-cluster-down kafka-up kafka-down kafka-status kafka-fetch pg-up pg-down mqtt-up mqtt-down run test test-faults test-unit k8s bench lint clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-14s %s\n", $$1, $$2}'

install: $(VENV)/.installed ## Create .venv and install every package (editable) with the dev tools

$(VENV)/.installed: requirements/constraints.txt requirements/dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	PYTHONWARNINGS=ignore $(PIP) install -q -c requirements/constraints.txt -r requirements/dev.txt $(addprefix -e ,$(PACKAGES))
	@touch $@

# protoc runs twice so that only files with a `service` get a *_pb2_grpc.py.
define generate_contracts
	mkdir -p $(1)
	find $(1) -name '*_pb2*.py*' -delete
	$(PY) -m grpc_tools.protoc -I proto --python_out=$(1) --pyi_out=$(1) $(PROTOS)
	$(PY) -m grpc_tools.protoc -I proto --grpc_python_out=$(1) $(SERVICE_PROTOS)
endef

proto: install ## Regenerate the Python code for proto/ into libs/contracts
	$(call generate_contracts,$(CONTRACTS))

proto-check: install ## Fail when libs/contracts differs from what `make proto` generates
	@rm -rf .run/proto-check && $(call generate_contracts,.run/proto-check)
	@diff -r -x __pycache__ -x '*.egg-info' -x pyproject.toml .run/proto-check/onewindow $(CONTRACTS)/onewindow \
		&& echo "proto-check: generated code matches proto/" \
		|| { echo "proto-check: libs/contracts is out of date: run 'make proto' and commit it"; exit 1; }

docs: install ## Rewrite the README parts the code says (contracts, settings, topics)
	$(PY) -m onewindow_devtools.docs

docs-check: install ## Fail when a README differs from what `make docs` writes
	$(PY) -m onewindow_devtools.docs --check

kafka-cluster-up: install ## Start a local three-node Kafka cluster (KRaft quorum of 3; 127.0.0.1:19092,19094,19096)
	$(KAFKA) cluster-up

kafka-cluster-down: install ## Stop the local three-node cluster (its data stays in .kafka-cluster)
	$(KAFKA) cluster-down

kafka-fetch: install ## Resolve the Kafka broker's jars from Maven Central into .kafka/libs
	$(KAFKA) fetch

kafka-up: install ## Start the local Kafka broker (KRaft, 127.0.0.1:9092) unless OW_KAFKA_BOOTSTRAP_SERVERS is set
	$(KAFKA) up

kafka-down: install ## Stop the local Kafka broker (data is kept in .kafka/data)
	$(KAFKA) down

kafka-status: install ## Is the local broker running and answering?
	$(KAFKA) status

pg-up: install ## Start Debian's PostgreSQL on 127.0.0.1:55432 (installed when missing), for OW_DATABASE_URL
	$(PY) -m onewindow_devtools.pg_local up

pg-down: install ## Stop the local PostgreSQL server
	$(PY) -m onewindow_devtools.pg_local down

mqtt-up: install ## Start Debian's Mosquitto on 127.0.0.1:11883 (installed when missing), for OW_MQTT_URL
	$(PY) -m onewindow_devtools.mqtt_local up

mqtt-down: install ## Stop the local MQTT broker (its persistent sessions stay in .mqtt)
	$(PY) -m onewindow_devtools.mqtt_local down

run: install ## Start Kafka, every service and the gateway; Ctrl-C stops them all
	$(PY) -m onewindow_devtools.run_stack

test: install ## Install, check generated code and lint, start Kafka, run every test, stop what was started
	$(MAKE) --no-print-directory proto-check docs-check lint
	$(KAFKA) with-broker -- $(PY) -m pytest -m "not cluster" $(PYTEST_ARGS)

screenshots: install ## PNGs of every page, standard and elderly mode, into gateway/screenshots (the README shows them)
	$(KAFKA) with-broker -- env OW_SCREENSHOTS_DIR=$(CURDIR)/gateway/screenshots $(PY) -m pytest tests/browser -q -p no:randomly $(PYTEST_ARGS)

test-faults: install ## The fault suite alone: the stack under load, broken on purpose; prints the table
	$(PY) -m pytest tests/faults -m faults -rN $(PYTEST_ARGS)

k8s: install ## Print the Kubernetes manifests of deploy/k8s as `kubectl apply -k` applies them (no cluster needed)
	$(PY) -m onewindow_devtools.kustomize deploy/k8s

test-unit: install ## Only the tests that need no broker
	$(PY) -m pytest -m "not kafka and not postgres and not faults" $(PYTEST_ARGS)

bench: install ## Benchmark against baselines (not part of make test); BENCH_ARGS="--duration 60" for a short run
	$(PY) -m onewindow_devtools.bench $(BENCH_ARGS)

lint: install ## ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

clean: ## Remove the venv, caches, local data and the broker's data (not its jars)
	-$(KAFKA) down
	-$(PY) -m onewindow_devtools.pg_local down
	rm -rf $(VENV) .data .run .pg .mqtt .pytest_cache .mypy_cache .ruff_cache .kafka/data .kafka/cluster-id
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
