# The two commands of the README: `make dev` and `make test`. Both bootstrap .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test lint format bench bench-rest bench-history clean dashboards manifests fuzz audit chaos soak

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

dev: $(STAMP)
	$(BIN)/hwe up

test: $(STAMP)
	command -v promtool >/dev/null || (apt-get update && apt-get install -y --no-install-recommends prometheus)
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)
	$(BIN)/pytest -n 4

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The chart's copy of the Workflow CRD (Helm cannot read outside the chart) and the kustomize base rendered from the
# chart's defaults; tests/deploy checks both are current.
manifests: $(STAMP)
	cp k8s/crd/workflows.highway.dev.yaml charts/highway/crds/workflows.highway.dev.yaml
	$(BIN)/python scripts/render_manifests.py

# The core against DBOS Transact on one embedded PostgreSQL (docs/benchmarks.md): shapes 1, 2, c, d and e, the
# pgbench commit ceiling, issue 14's targets; prints the tables and writes bench/results/<date>.json. BENCH_ARGS
# passes options, e.g. make bench BENCH_ARGS='--shapes 1,2 --json'. Without DBOS it still runs Highway and says so.
BENCH_STAMP := $(VENV)/.bench-installed
BENCH_ARGS ?=

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]' && touch $(BENCH_STAMP) \
		|| echo "bench: could not install the DBOS baseline; Highway runs alone"

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.core --results-dir bench/results $(BENCH_ARGS)

# The REST path: POST /api/v1/workflows into one real API process and its workers (docs/benchmarks.md).
BENCH_REST_ARGS ?=

bench-rest: $(STAMP)
	$(BIN)/python -m bench.rest $(BENCH_REST_ARGS)

# The cost curve: submit + claim + step cost as the tables fill to 1M finished runs (docs/benchmarks.md); filling
# them takes minutes, hence a target of its own. Writes bench/results/history-<date>.json. BENCH_HISTORY_ARGS passes
# options, e.g. make bench-history BENCH_HISTORY_ARGS='--checkpoints 1000,100000 --json'.
BENCH_HISTORY_ARGS ?=

bench-history: $(STAMP)
	$(BIN)/python -m bench.history --results-dir bench/results $(BENCH_HISTORY_ARGS)

# The API against its own OpenAPI document, for longer than `make test` does: schemathesis' coverage, fuzzing and
# stateful phases on a stack of its own (embedded PostgreSQL, one API process on loopback, no worker), see
# docs/api.md "The contract". FUZZ_ARGS passes options, e.g. make fuzz FUZZ_ARGS='--max-time 120 --seed 7'.
FUZZ_ARGS ?=

fuzz: $(STAMP)
	$(BIN)/python scripts/fuzz_api.py $(FUZZ_ARGS)

# The chaos harness (docs/chaos.md): about 15 minutes of 1,200 mixed runs on a stack of its own while faults hit every
# service and PostgreSQL; one line per fault kind, then the figures; exits non-zero when an invariant fails.
# CHAOS_ARGS passes options, e.g. make chaos CHAOS_ARGS='--minutes 5 --runs 300 --keep /tmp/chaos'.
CHAOS_ARGS ?=

chaos: $(STAMP)
	$(BIN)/python -m chaos --minutes 14 --runs 1200 $(CHAOS_ARGS)

# The soak: no faults, 10 minutes at half the throughput a calibration measures; every service's memory and the
# database's connections must stay within 10 % after the warm-up; latency percentiles per minute (docs/chaos.md).
soak: $(STAMP)
	$(BIN)/python -m chaos --soak --minutes 10 $(CHAOS_ARGS)

# The installed packages against known vulnerabilities (pip-audit); where its service cannot be reached it says so
# in one line and exits 0, otherwise it exits with pip-audit's status.
audit: $(STAMP)
	$(BIN)/python scripts/audit.py

# The Grafana dashboards of the chart, regenerated from scripts/dashboards.py (commit the JSON it writes).
dashboards: $(STAMP)
	$(BIN)/python scripts/dashboards.py

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .hwe
