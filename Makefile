# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

run: $(STAMP)  ## Telegram bot if TELEGRAM_BOT_TOKEN is set, terminal chat otherwise
	$(BIN)/partnerbot start

test: $(STAMP)
	$(BIN)/python -m pytest

check: $(STAMP)
	$(BIN)/partnerbot check

bench: $(STAMP)
	$(BIN)/python bench/answer_speed.py
	$(BIN)/python bench/accuracy_vs_baselines.py

clean:
	rm -rf $(VENV) build *.egg-info
