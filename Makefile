# The two commands of the README: `make book` and `make test`. Both install what they need
# into .venv first (idempotent: a second run installs nothing and re-executes only what changed).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PROFILE ?= quick
# extra papermill parameters, e.g. make figures PARAMS="-p SEED=1"
PARAMS ?=
# chapters executed in parallel (2 suits a 2-core CI machine: small kernels are overhead-bound)
JOBS ?= 2

.PHONY: install figures book test lint bench clean help

help:
	@echo "make book    install, execute every chapter ($(PROFILE) profile) and render the site"
	@echo "make test    install, run unit tests + doctests, then nbval on the fast chapters"
	@echo "make figures execute the chapters only (PROFILE=quick|full, PARAMS='-p NAME=VALUE')"
	@echo "make lint    ruff;  make bench  benchmarks;  make clean  remove _build"

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -c constraints.txt -e ".[book,test]"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (prcore)" > /dev/null
	touch $(STAMP)

figures: install
	$(PY) tools/book.py execute --profile $(PROFILE) --jobs $(JOBS) $(PARAMS)

book: figures
	$(PY) tools/book.py render

test: install
	$(PY) -m pytest
	$(PY) tools/book.py nbval --jobs $(JOBS)

lint: install
	$(PY) -m ruff check prcore tests tools benchmarks

bench: install
	for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf _build
