# `make demo` and `make test` create .venv on first use (about 2 minutes), then run; `make docs` builds the site into
# site/ (mkdocs.yml; the gallery's examples run on the simulated data).
# The package declares version ranges (pyproject.toml); this environment pins the versions the suite is tested with.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PINS := torch==2.14.1 torchvision==0.29.1 brainscore-vision==2.4.2 plenoptic==2.1.1 ruff==0.17.5

.PHONY: demo test test-all lint venv docs

$(STAMP): setup.py pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet $(PINS)
	$(BIN)/pip install --quiet -e '.[test,docs]' $(PINS)
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/brainscore demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

test-all: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

docs: $(STAMP)
	$(BIN)/mkdocs build --strict
