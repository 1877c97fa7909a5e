# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed

.PHONY: run test lint bench check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

run: $(STAMP)  ## the Telegram bot if TELEGRAM_BOT_TOKEN is set, the terminal chat otherwise
	$(BIN)/partnerbot start

test: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider

lint: $(STAMP)  ## static checks (settings in pyproject.toml); CI runs them before the tests
	$(BIN)/ruff check bot
	$(BIN)/mypy

check: $(STAMP)
	$(BIN)/partnerbot check

bench: $(BENCH_STAMP)
	$(BIN)/python bench/answer_speed.py
	$(BIN)/python bench/accuracy_vs_baselines.py
	$(BIN)/python bench/conversation.py
	$(BIN)/python bench/broadcast.py --subscribers 2000

clean:
	rm -rf $(VENV) build *.egg-info
