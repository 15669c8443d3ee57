# OpenCall: `make run` serves it with demo data, `make test` passes the whole suite.
# Both set everything up on a fresh machine (a .venv, the project, the database).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite's database: sqlite (default) or postgresql (the server on 127.0.0.1:5432).
TEST_DB ?= sqlite
PYTEST_ARGS ?=

.PHONY: run test lint install migrate seed fuzz bench soak screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/opencall migrate

seed: migrate
	$(BIN)/opencall seed-demo

run: seed
	$(BIN)/opencall serve --host $(HOST) --port $(PORT)

test: install
	bash .ci/ensure-services
	OPENCALL_TEST_DATABASE=$(TEST_DB) $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/ruff format --check app tests bench migrations/env.py
	$(BIN)/mypy app

# The long fuzzing run (tests/test_fuzz.py): FUZZ_EXAMPLES requests per operation and role,
# a random seed (OPENCALL_FUZZ_SEED=<n> replays one); prints the requests sent, the answers
# per status, the failures and the time.
FUZZ_EXAMPLES ?= 15
fuzz: install
	bash .ci/ensure-services
	OPENCALL_TEST_DATABASE=$(TEST_DB) OPENCALL_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
	OPENCALL_FUZZ_SEED=$${OPENCALL_FUZZ_SEED:-random} \
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_fuzz.py $(PYTEST_ARGS)

# Every benchmark, one after the other, into bench/REPORT.md (machine, date, commit, figures).
bench: install
	bash .ci/ensure-services
	$(BIN)/python bench/report.py

# Ten minutes of a contest's mix on PostgreSQL with several workers (bench/soak.py): the
# throughput, p50/p99 per minute, errors (none allowed) and the workers' memory (must not grow).
SOAK_ARGS ?=
soak: install
	bash .ci/ensure-services
	$(BIN)/python bench/soak.py $(SOAK_ARGS)

# Screenshots of the main pages on the demo data, at 360 px and 1280 px, for the README.
screenshots: install
	$(BIN)/python bench/screenshots.py --out docs/screenshots

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
