# The two commands a newcomer needs:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV ?= .venv
VENV_PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test machine venv lint format docs clean bench

$(STAMP): setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install -q --upgrade pip
	$(VENV_PY) -m pip install -q -e '.[dev]'
	@# An editable install leaves the package uncompiled; where PYTHONDONTWRITEBYTECODE is set no
	@# command would ever cache its bytecode, and every start would compile it again.
	$(VENV_PY) -m compileall -q paasta_tools >/dev/null
	touch $(STAMP)

venv: $(STAMP)

machine:
	bash scripts/setup-machine.sh

## Deploy the example service on a local devcluster and show its status
## (flags of python -m paasta_tools.demo in DEMO_ARGS, e.g. DEMO_ARGS="--executor process").
DEMO_ARGS ?=
demo: machine $(STAMP)
	$(VENV_PY) -m paasta_tools.demo $(DEMO_ARGS)

## Lint, then run every test (unit, integration, acceptance) against real components.
test: machine $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV_PY) -m pytest -q -p no:cacheprovider tests

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

docs: $(STAMP)
	$(VENV_PY) -m sphinx -W -b html docs/source docs/build/html

bench: $(STAMP)
	for b in benchmarks/*.py; do $(VENV_PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info docs/build
