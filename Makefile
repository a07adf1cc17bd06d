# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint install clean fuzz bench browser screenshots

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

test: lint browser
	$(BIN)/pytest

# The pages' tests drive Debian's Chromium headless through its ChromeDriver (a
# browser that a test tool downloads does not run here): installed once from
# Debian's packages.
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  echo "installing Debian's chromium and chromium-driver"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    chromium chromium-driver >/dev/null; \
	fi

# Refreshes the README's screenshots of the pages (docs/screenshots/).
screenshots: $(STAMP) browser
	TRAJECTORY_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q -m browser

# Every benchmark figure in one table, on the local PostgreSQL, in a database of its
# own (created and dropped): about 9 minutes on 2 cores. See bench/README.md.
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

fuzz: $(STAMP)
	TRAJECTORY_FUZZ_EXAMPLES=$${TRAJECTORY_FUZZ_EXAMPLES:-500} $(BIN)/pytest tests/interfaces/test_openapi_fuzz.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
