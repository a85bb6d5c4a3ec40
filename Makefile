# Two commands from a fresh clone: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run

.PHONY: run test install lint fmt bench browser clean

# llama.cpp for the tests is built once, portably, into a folder kept across clones
LLAMA_WHEELS ?= $(HOME)/.cache/roundhouse/wheels

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	bash scripts/llama-wheel.sh $(BIN)/pip $(LLAMA_WHEELS)
	$(BIN)/pip install -q --find-links $(LLAMA_WHEELS) -e '.[dev]'
	touch $(STAMP)

# `make run` installs Roundhouse alone: the dev extra builds llama.cpp (~5 min the first time),
# which a user gets on first use instead (`roundhouse services setup llamacpp`).
$(RUN_STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
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

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache
