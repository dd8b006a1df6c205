# The two commands: `make run` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite lint format bench-ingest bench-api bench-faults bench-cluster fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when a requirements file changes.
$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

# A task worker (releases, large imports) runs beside the web server and stops with it: on
# Ctrl+C and whenever runserver exits. With DEBUG the worker reloads on code changes through a
# child process, so its children are stopped first, then the worker itself.
run: $(VENV)/.runtime-installed
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_demo
	export DEBUG=$${DEBUG:-1}; \
	$(BIN)/python manage.py db_worker --no-startup-delay & worker=$$!; \
	$(BIN)/python manage.py requeue_stalled --every 10 & sweeper=$$!; \
	trap 'kill -TERM $$sweeper 2>/dev/null; pkill -TERM -P $$worker 2>/dev/null; kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite, on whatever DATABASE_URL names (SQLite when unset).
# MARKS narrows either run by marker (.ci/run: "not alone" in two processes, then "alone").
MARKS ?=
test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest $(if $(MARKS),-m "$(MARKS)") $(PYTEST_ARGS)

# The non-browser suite on the embedded SQLite database, whatever DATABASE_URL says.
test-sqlite: $(VENV)/.dev-installed
	env -u DATABASE_URL $(BIN)/python -m pytest -m "not browser$(if $(MARKS), and ($(MARKS)))" $(PYTEST_ARGS)

# Style, types (mypy, configured in pyproject.toml) and the import layering (import-linter).
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench-ingest: $(VENV)/.dev-installed
	$(BIN)/python bench/ingest.py

# Span-write latency and throughput over loopback against gunicorn and PostgreSQL.
bench-api: $(VENV)/.dev-installed
	$(BIN)/python bench/api.py

# Annotators writing through killed gunicorn workers, cut database connections, abandoned
# requests and killed db_workers, on a throwaway PostgreSQL database `faults_bench`; exits 1 on
# any write lost or applied twice. FAULTS_ARGS=--quick for a 20 s run.
bench-faults: $(VENV)/.dev-installed
	$(BIN)/python bench/faults.py $(FAULTS_ARGS)

# Two web hosts, a worker host and PgBouncer in network namespaces; one web host and the worker
# are killed half-way (docs/operations.md#more-than-one-machine). Needs root and pgbouncer.
bench-cluster: $(VENV)/.dev-installed
	$(BIN)/python bench/cluster.py $(CLUSTER_ARGS)

# Schemathesis against a live gunicorn on a free port: a throwaway SQLite database with the
# demo data (FUZZ_DATABASE_URL=... names another), FUZZ_EXAMPLES cases per operation and phase.
FUZZ_EXAMPLES ?= 30
fuzz: $(VENV)/.dev-installed
	$(BIN)/python bench/fuzz.py --max-examples $(FUZZ_EXAMPLES)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .test-db.sqlite3*
