# Every target installs what is missing first: a virtualenv with the package and its dev extras, and a Chromium.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench setup chromium clean

setup: $(STAMP) chromium

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Chromium: CITEWATCH_CHROMIUM, a system Chromium/Chrome, Playwright's download; else install one.
chromium: $(STAMP)
	@$(BIN)/python -m citewatch.scrapers.install

demo: setup
	$(BIN)/citewatch demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy citewatch

test: setup lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/bench_extract.py

clean:
	rm -rf $(VENV) citewatch-demo.db citewatch-artifacts test-results
