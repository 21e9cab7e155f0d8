# One entry point for people and CI. `make serve` and `make test` set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup build serve test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,maps]'
	touch $@

build: setup
	$(BIN)/smartcity-kg build

serve: build
	$(BIN)/smartcity-kg serve --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/python -m pytest -q

clean:
	rm -rf dist $(VENV)
