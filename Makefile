# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint install clean fuzz bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# In development the service makes var/master.key at its first start (the key that
# wraps each participant's data key) unless TRAJECTORY_MASTER_KEY[_FILE] is set.
run: $(STAMP)
	mkdir -p var
	TRAJECTORY_DEMO=$${TRAJECTORY_DEMO:-true} $(BIN)/trajectory serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

# Every benchmark figure in one table, on the local PostgreSQL, in a database of its
# own (created and dropped): about 9 minutes on 2 cores. See bench/README.md.
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

fuzz: $(STAMP)
	TRAJECTORY_FUZZ_EXAMPLES=$${TRAJECTORY_FUZZ_EXAMPLES:-500} $(BIN)/pytest tests/interfaces/test_openapi_fuzz.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
