# The two commands of the README:
#   make run   installs everything into .venv, builds the dataset and serves it on 127.0.0.1
#   make test  installs everything (test tools too) and runs the whole test suite
# Both work on a fresh machine with Python 3.11+; nothing else needs installing by hand.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install install-test build clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

build: install
	$(BIN)/nkhr build

run: install
	$(BIN)/nkhr serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest

clean:
	rm -rf dist .nkhr-builds $(VENV)
