# One command to run the dashboard, one to run every check. Both build .venv from the pinned
# requirements first, so they work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test lint assets bench clean

$(BIN)/.runtime-installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.dev-installed: $(BIN)/.runtime-installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(BIN)/.runtime-installed
	$(BIN)/streamlit run app.py --server.port $(PORT)

test: $(BIN)/.dev-installed
	./scripts/ensure_chromium.sh
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check .

assets: $(BIN)/.runtime-installed
	$(BIN)/python -m latent_lab.build_assets

bench: $(BIN)/.runtime-installed
	$(BIN)/python -m vae_core bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
