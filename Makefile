# The two commands of the README:
#   make run   installs everything into .venv (and the pages' libraries from npm), builds the
#              dataset and serves it on 127.0.0.1
#   make test  installs everything (test tools and the browser too) and runs the whole test suite
# Both work on a fresh machine with Python 3.11+, Node.js and npm; nothing else needs installing by hand.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

# Debian packages the tests use: a real browser for the page tests, Graphviz to read DOT exports,
# Virtuoso's server binary (5 MB, no service started) as a second store for the scale-out tests.
# nginx is the front `nkhr serve` starts before its workers (server/nkhr/web/front.py): `make run` needs it too.
SERVE_TOOLS  := nginx:nginx-light
# Apache Jena (riot, rsparql) and a Java runtime: a client of the client-matrix tests (a jar, checked by its path).
JENA_TOOLS   := java:default-jre-headless /usr/share/java/jena-cmds.jar:libapache-jena-java
SYSTEM_TOOLS := chromium:chromium chromedriver:chromium-driver dot:graphviz virtuoso-t:virtuoso-opensource-7-bin \
                $(JENA_TOOLS) $(SERVE_TOOLS)
TOOLS        ?= $(SYSTEM_TOOLS)

.PHONY: run test check bench install install-test system-deps serve-deps build clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The package's bytecode is compiled here, as pip does for a package it installs: an editable
# install writes none, and where PYTHONDONTWRITEBYTECODE is set (this machine) no run writes it
# either, so every `nkhr build` compiled its own modules again (0.15 s of the article's build).
# Python still checks each file's time stamp, so an edited module is read from its source.
install: $(BIN)/python node_modules/.installed
	$(BIN)/pip install --quiet -e .
	$(BIN)/python -m compileall -q server/nkhr

install-test: install system-deps
	$(BIN)/pip install --quiet -e '.[test]'

system-deps:
	@missing=""; for pair in $(TOOLS); do \
	  command -v $${pair%%:*} >/dev/null 2>&1 || [ -x /usr/sbin/$${pair%%:*} ] || [ -f $${pair%%:*} ] || \
	  missing="$$missing $${pair##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

build: install
	$(BIN)/nkhr build

serve-deps:
	@$(MAKE) --no-print-directory system-deps TOOLS="$(SERVE_TOOLS)"

run: install serve-deps
	$(BIN)/nkhr serve --host $(HOST) --port $(PORT)

# Before the suite: the import contracts of pyproject.toml (data flows one way; the serving side never
# loads the build), then ruff and mypy (strict on server/nkhr).
check: install-test
	$(BIN)/lint-imports
	$(BIN)/ruff check server tests bench
	$(BIN)/mypy

test: check
	$(BIN)/python -m pytest

# The benchmark with its peers (the Oxigraph server, rdflib-endpoint): `make bench SIZES=article,10k,100k,1m`
SIZES ?= article,10k,100k
bench: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench --sizes $(SIZES)

clean:
	rm -rf dist .nkhr-assets .nkhr-builds $(VENV) node_modules
