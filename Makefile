# One command to run the dashboard, one to run every check. Both build .venv from the pinned
# requirements first, so they work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test lint assets bench clean load server-cost replicas

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

# 20 browser sessions against one server for 3 minutes (LOAD_MINUTES=0.5 for a quick check);
# figures in artifacts/load/. Not part of `make test`.
load: $(BIN)/.dev-installed
	./scripts/ensure_chromium.sh
	$(BIN)/python -m pytest tests/load -m load

# Server CPU per action with one session, and where it goes (py-spy is installed for it).
server-cost: $(BIN)/.dev-installed
	./scripts/ensure_chromium.sh
	$(BIN)/pip install --quiet py-spy==0.4.3
	$(BIN)/python scripts/server_cost.py

# REPLICAS copies of the app behind nginx on http://127.0.0.1:$(PORT) (deploy/nginx.conf).
REPLICAS ?= 2
replicas: $(BIN)/.dev-installed
	./scripts/ensure_proxy.sh
	$(BIN)/python scripts/serve_replicas.py --replicas $(REPLICAS) --port $(PORT)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
