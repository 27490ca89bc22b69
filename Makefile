# One-command set-up: every target creates .venv and installs dues into it first when needed, from the lock:
# exact versions with their hashes (requirements/dev.lock: the runtime set plus the [dev] tools), then dues
# itself as an editable package. A changed lock or pyproject.toml installs again.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNTIME_LOCK := requirements/runtime.lock
DEV_LOCK := requirements/dev.lock
PORT ?= 8000

.PHONY: run test lint fmt migrate worker bench lock check-deps smoke clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(DEV_LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/dues serve --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench .ci
	$(BIN)/ruff format --check src tests bench .ci
	$(BIN)/mypy src

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench .ci
	$(BIN)/ruff check --fix src tests bench .ci

migrate: $(STAMP)
	$(BIN)/dues migrate

worker: $(STAMP)
	$(BIN)/dues worker

bench: $(STAMP)
	$(BIN)/python bench/customer_bulk_upload.py --repeat 3

# After a change to pyproject.toml's dependencies: uv re-resolves (keeping every pin that still fits; UPGRADE=1
# takes the newest versions allowed) into uv.lock, and $(RUNTIME_LOCK) and $(DEV_LOCK) are exported from it.
lock: $(STAMP)
	$(BIN)/python .ci/lock.py write $(if $(UPGRADE),--upgrade)

# Fails when uv.lock no longer satisfies pyproject.toml or a requirement file differs from uv.lock (offline), or
# when src/ imports a package that pyproject.toml's dependencies do not declare.
check-deps: $(STAMP)
	$(BIN)/python .ci/lock.py check
	$(BIN)/python .ci/check_imports.py

# The built wheel installed without extras into a fresh venv from the runtime lock, served and used.
smoke: $(STAMP)
	$(BIN)/python .ci/smoke_wheel.py

clean:
	rm -rf $(VENV) .dues .pytest_cache build dist
