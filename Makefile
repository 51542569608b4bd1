# One command to run the dashboard, one to run every check (what CI runs), one for quick feedback.
# All build .venv from the pinned requirements first, so they work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

# OpenBLAS kernels `make portability` runs the suite under: two that any x86-64 machine with AVX
# can run, and this kind of machine's own. Don't add one the CPU lacks (SkylakeX needs AVX-512).
# threadpoolctl reports Prescott as "Katmai": OpenBLAS serves both names from one kernel table.
CORETYPES ?= Prescott Sandybridge Haswell

.PHONY: run test check portability lint assets bench clean load memory server-cost replicas cold-start

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
	./scripts/ensure_proxy.sh
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# ruff, then the unit and app tests on two workers: no browser, nothing marked slow.
check: $(BIN)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 -m "not e2e and not slow and not load"

# The whole non-browser suite (slow tests included: the blog recipe and the asset rebuild are
# what kernels change most) once per OpenBLAS kernel, as if on other CPUs. OPENBLAS_CORETYPE is
# set for each command only. Prints the kernel threadpoolctl sees and the pass count of each run;
# fails if any run fails. Not part of `make test` or CI: it takes three full runs.
portability: $(BIN)/.dev-installed
	@logs=$$(mktemp -d); failed=""; \
	for core in $(CORETYPES); do \
		kernel=$$(OPENBLAS_CORETYPE=$$core $(BIN)/python -c "import numpy, threadpoolctl; \
			print(*[lib.get('architecture') for lib in threadpoolctl.threadpool_info() if lib['user_api'] == 'blas'])"); \
		echo "== OPENBLAS_CORETYPE=$$core (threadpoolctl reports: $$kernel)"; \
		OPENBLAS_CORETYPE=$$core $(BIN)/python -m pytest -q -m "not e2e and not load" -p no:cacheprovider \
			> $$logs/$$core.log 2>&1 || failed="$$failed $$core"; \
		grep -E "^(FAILED|ERROR) " $$logs/$$core.log; tail -n 1 $$logs/$$core.log; \
	done; \
	if [ -n "$$failed" ]; then echo "portability: failed under$$failed (logs in $$logs)"; exit 1; fi; \
	rm -rf $$logs; echo "portability: passed under $(CORETYPES)"

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check .

assets: $(BIN)/.runtime-installed
	$(BIN)/python -m latent_lab.models.build_assets

bench: $(BIN)/.runtime-installed
	$(BIN)/python -m vae_core bench

# 20 browser sessions against one server for 3 minutes (LOAD_MINUTES=0.5 for a quick check);
# figures in artifacts/load/. Not part of `make test`.
load: $(BIN)/.dev-installed
	./scripts/ensure_chromium.sh
	$(BIN)/python -m pytest tests/load/test_crowd.py -m load

# Does the server give its memory back? 30 sessions, then 4 uploads of 10,000 images of 28x28,
# come and go (about 25 minutes: it waits out Streamlit's 2-minute session timeout twice);
# figures in artifacts/load/memory-latest.json. A small version runs in `make test`.
memory: $(BIN)/.dev-installed
	./scripts/ensure_chromium.sh
	$(BIN)/python -m pytest tests/load/test_memory.py -m load

# Server CPU per action with one session, and where it goes (py-spy is installed for it).
server-cost: $(BIN)/.dev-installed
	./scripts/ensure_chromium.sh
	$(BIN)/pip install --quiet py-spy==0.4.3
	$(BIN)/python -m scripts.server_cost

# Server start to landing page rendered in headless Chromium, for the app and for a bare Streamlit
# app with one Plotly chart, alternating, COLD_RUNS times each; medians and ratio in artifacts/.
COLD_RUNS ?= 5
cold-start: $(BIN)/.dev-installed
	./scripts/ensure_chromium.sh
	$(BIN)/python -m scripts.cold_start --runs $(COLD_RUNS)

# REPLICAS copies of the app behind nginx on http://127.0.0.1:$(PORT) (deploy/nginx.conf).
REPLICAS ?= 2
replicas: $(BIN)/.dev-installed
	./scripts/ensure_proxy.sh
	$(BIN)/python -m scripts.serve_replicas --replicas $(REPLICAS) --port $(PORT)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
