# Two commands from a fresh clone: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run

.PHONY: run test test-unit install lint fmt bench browser clean lock lock-upgrade test-newest

# llama.cpp for the tests is built once, portably, into a folder kept across clones
LLAMA_WHEELS ?= $(HOME)/.cache/roundhouse/wheels

# Installs exactly the locked set (hashes checked); a lock made for other dependencies than
# pyproject.toml's stops here with "run make lock" instead of installing the wrong set.
# llama-cpp-python is the one exception: pinned exactly in pyproject.toml and built here from
# source (a locally built wheel cannot carry PyPI's hash); its dependencies are in the lock.
$(STAMP): pyproject.toml requirements/dev.lock
	$(PY) scripts/lock.py check
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --require-hashes -r requirements/dev.lock
	bash scripts/llama-wheel.sh $(BIN)/pip $(LLAMA_WHEELS)
	$(BIN)/pip install -q --no-deps --no-index --find-links $(LLAMA_WHEELS) $$($(PY) scripts/lock.py local-builds)
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

# `make run` installs Roundhouse alone: the dev extra builds llama.cpp (~5 min the first time),
# which a user gets on first use instead (`roundhouse services setup llamacpp`).
$(RUN_STAMP): pyproject.toml requirements/run.lock
	$(PY) scripts/lock.py check
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --require-hashes -r requirements/run.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(RUN_STAMP)

install: $(STAMP)

run: $(RUN_STAMP)
	$(BIN)/roundhouse up

browser:
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-axe.sh
	bash scripts/ensure-tmux.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# tests/hosts/ runs on its own after the rest: the veth pairs and namespaces it makes change
# the machine's network, which a browser test running beside it sees as ERR_NETWORK_CHANGED.
PYTEST_REST := $(BIN)/python -m pytest -n 2 --dist loadfile --ignore=tests/hosts
PYTEST_HOSTS := $(BIN)/python -m pytest -n 0 tests/hosts

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(PYTEST_REST); rest=$$?; $(PYTEST_HOSTS) && exit $$rest

# the unit tests alone (no worker or API processes, no browser); four at a time, as many of them
# wait on sleeps and subprocesses rather than the CPU
test-unit: $(STAMP)
	$(BIN)/python -m pytest -n 4 tests/unit

bench: $(STAMP)
	$(BIN)/python -m bench

# requirements/*.lock from pyproject.toml (uv, universal, hashes); keeps pins still allowed
lock:
	$(PY) -m venv .venv-lock
	.venv-lock/bin/pip install -q 'uv>=0.5,<1'
	.venv-lock/bin/python scripts/lock.py write

# the same, moving every pin to the newest version pyproject.toml allows
lock-upgrade:
	$(PY) -m venv .venv-lock
	.venv-lock/bin/pip install -q 'uv>=0.5,<1'
	.venv-lock/bin/python scripts/lock.py upgrade

# the suite on the newest versions pyproject.toml allows instead of the lock
test-newest: browser
	$(PY) -m venv .venv-newest
	.venv-newest/bin/pip install -q --upgrade pip
	bash scripts/llama-wheel.sh .venv-newest/bin/pip $(LLAMA_WHEELS)
	.venv-newest/bin/pip install -q --upgrade --find-links $(LLAMA_WHEELS) -e '.[dev,embedded,monitoring]'
	.venv-newest/bin/python -m pytest -n 2 --dist loadfile --ignore=tests/hosts; rest=$$?; \
	.venv-newest/bin/python -m pytest -n 0 tests/hosts && exit $$rest

clean:
	rm -rf $(VENV) .venv-lock .venv-newest .pytest_cache
