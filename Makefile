# Two entry points for a fresh machine: `make run` (the bot on its embedded default) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install lint check clean

$(BIN)/xingban: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(BIN)/xingban

install: $(BIN)/xingban

run: install
	$(BIN)/xingban demo

test: install
	$(BIN)/ruff check .
	$(BIN)/xingban kb check
	$(BIN)/xingban kb coverage
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) instance .pytest_cache
