# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint install clean fuzz bench browser axe screenshots docs ha-deps ha-test faults instructions

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

# The HA tests (marker `ha`, tests/ha) run in `make ha-test`, which CI runs too.
# Under CI=true the write path's instructions per event are checked after the suite.
# pytest-xdist spreads the tests over TEST_WORKERS processes (each PostgreSQL test
# has a schema of its own; TEST_WORKERS=0 runs them in this one process).
TEST_WORKERS ?= 2
test: lint docs browser axe
	$(BIN)/pytest -m "not ha" -n $(TEST_WORKERS)
	@case "$$(echo "$${CI:-}" | tr A-Z a-z)" in 1|true|yes) \
	  $(MAKE) --no-print-directory instructions;; esac

# The documentation site (docs/, mkdocs.yml) into site/; --strict turns a broken link
# or a page missing from the navigation into a failure. Not --quiet: it silences the
# warnings before --strict counts them, and the build then passes whatever they say.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

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

# axe-core, the accessibility checker the pages' tests inject into each page
# (tests/interfaces/web/test_a11y.py), from the npm registry at the version
# package-lock.json pins, with the machine's Node.js; installed again when the lock
# changes.
AXE := node_modules/axe-core/axe.min.js

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $(AXE)

axe: $(AXE)

# The HA tests (tests/ha, marker `ha`) start a throwaway cluster of their own: etcd
# and Patroni from Debian's packages, installed once. Where systemd runs, installing
# starts the packages' services (etcd on 2379/2380); the tests use ports of their
# own, so those are stopped and disabled.
ha-deps:
	@if ! command -v patroni >/dev/null || ! command -v etcd >/dev/null; then \
	  echo "installing Debian's patroni and etcd-server"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    patroni etcd-server >/dev/null && \
	  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then \
	    $$SUDO systemctl disable --now etcd patroni >/dev/null 2>&1 || true; \
	  fi; \
	fi

# A throwaway Patroni cluster per test: the service through kill -9 of the primary,
# a stopped Patroni and a standby that falls behind, docker-compose.yml's cluster
# config and the operators' commands (about 10 minutes on 2 cores).
ha-test: $(STAMP) ha-deps
	$(BIN)/pytest -m ha tests/ha

# Refreshes the pages' screenshots in docs/screenshots/ from the browser tests' history
# (the README's demo-*.png show make run's demo as a new user sees it).
screenshots: $(STAMP) browser axe
	TRAJECTORY_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q -m browser

# Every benchmark figure in one table, on the local PostgreSQL, in a database of its
# own (created and dropped): about 28 minutes on 2 cores. See bench/README.md.
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# The write path's instructions per event, counted by valgrind (no PostgreSQL, no
# network; about a minute on 2 cores), against the budget in bench/instructions.json:
# fails when over it; skipped without valgrind, except under CI=true. After a change
# meant to cost more: make instructions INSTRUCTIONS_ARGS=--update, and commit the
# budget. See docs/developers/benchmarks.md.
instructions: $(STAMP)
	$(BIN)/python -m bench.instructions $(INSTRUCTIONS_ARGS)

# Write rate, p99 and acknowledged writes lost through one failover of a throwaway
# Patroni cluster, and the standby's read throughput against the primary's. See
# bench/README.md.
faults: $(STAMP) ha-deps
	$(BIN)/python -m bench.faults $(FAULTS_ARGS)

fuzz: $(STAMP)
	TRAJECTORY_FUZZ_EXAMPLES=$${TRAJECTORY_FUZZ_EXAMPLES:-500} $(BIN)/pytest tests/interfaces/test_openapi_fuzz.py

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache .hypothesis
