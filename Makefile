# Two commands matter: `make demo` and `make test`. Each builds the pinned .venv it needs first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# snowflake.yml maps src/mixpeek_snowflake/ to mixpeek_snowflake/ in the zip; the CLI honours that mapping
# only with glob support on.
export SNOWFLAKE_CLI_FEATURES_ENABLE_SNOWPARK_GLOB_SUPPORT := true

.PHONY: demo test lint types format build bench soak clean clean-local emulator mutants

$(STAMP): requirements-dev.txt pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required (Snowflake runtime 3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# The demo runs in a temporary folder it deletes after; keep its tables with DEMO_ARGS="--local-dir .mixpeek-local".
DEMO_ARGS ?=
demo: $(STAMP)
	$(BIN)/mixpeek-snowflake demo $(DEMO_ARGS)

# The Mixpeek emulator in the foreground for the CLI (docs/cli.md): make emulator EMULATOR_ARGS="--port 8080".
EMULATOR_ARGS ?=
emulator: $(STAMP)
	$(BIN)/mixpeek-snowflake emulator $(EMULATOR_ARGS)

# The suite runs in TEST_WORKERS processes (pytest-xdist), one test file per worker at a time.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/ruff check src tests tools
	$(BIN)/ruff format --check src tests tools
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests tools

types: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests tools
	$(BIN)/ruff check --fix src tests tools

# The long seeded soak (README, "Reliability"): consecutive syncs against a changing collection with random faults,
# each compared with the emulator's truth; prints the table and fails on any mismatch or orphan stage row.
SOAK_RUNS ?= 200
SOAK_SEED ?= 7
soak: $(STAMP)
	$(BIN)/python -m mixpeek_local.soak --runs $(SOAK_RUNS) --seed $(SOAK_SEED) --verbose

# The benchmark (README, "Performance"): one table, all figures from one run. Smaller or different:
# make bench BENCH_ARGS="--documents 20000 --baseline-documents 2000 --latency 0.2 --partitions 16"
# It runs in .venv-bench (requirements-dev.txt + requirements-bench.txt: dlt for row 11), nice'd.
BENCH_ARGS ?=
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed-stamp

$(BENCH_STAMP): requirements-dev.txt requirements-bench.txt pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required (Snowflake runtime 3.11)")'
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -r requirements-bench.txt
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

bench: $(BENCH_STAMP)
	nice -n 10 $(BENCH_VENV)/bin/python -m mixpeek_local.bench $(BENCH_ARGS)

# Deploy into a Snowflake account (README, "Deploy"): make deploy CONNECTION=name [COLLECTION=col_… NAMESPACE=ns_…]
# [GOVERNANCE=0 on Standard Edition] [ROW_ACCESS=1]; make undeploy CONNECTION=name [PURGE=1 also drops the data].
CONNECTION ?= default
COLLECTION ?=
NAMESPACE ?=
GOVERNANCE ?= 1
ROW_ACCESS ?= 0
PURGE ?= 0
SNOW := $(BIN)/snow
SNOW_SQL = $(SNOW) sql --connection $(CONNECTION)
# An env: value of snowflake.yml, or the shell variable of the same name, as the Snowflake CLI resolves it.
PROJECT_ENV = $(BIN)/python -c 'import os, sys, yaml; name = sys.argv[1]; \
	print(os.environ.get(name) or yaml.safe_load(open("snowflake.yml"))["env"][name])'
SAFE_VALUE = *[!A-Za-z0-9_.-]*

.PHONY: deploy undeploy render live

build: $(STAMP)
	$(SNOW) snowpark build

# Every env: value (after shell overrides, as the Snowflake CLI resolves them) is checked before any SQL is rendered.
CHECK_ENV = PYTHONPATH=src $(BIN)/python -c 'import os, sys, yaml; from mixpeek_snowflake.arguments import deploy_env_problems; \
	env = yaml.safe_load(open("snowflake.yml"))["env"]; \
	found = deploy_env_problems({k: os.environ[k] if k in os.environ else v for k, v in env.items()}); \
	print(*found, sep="\n", file=sys.stderr); sys.exit(2 if found else 0)'
# The API key: the first line of MIXPEEK_API_KEY_FILE, else MIXPEEK_API_KEY, else one line of standard input. It is put
# into sql/25_secret.sql by bash builtins and sent on snow's standard input, so it is on no command line (ps).
READ_KEY = if [ -n "$$MIXPEEK_API_KEY_FILE" ]; then IFS= read -r key < "$$MIXPEEK_API_KEY_FILE"; \
	elif [ -n "$$MIXPEEK_API_KEY" ]; then key="$$MIXPEEK_API_KEY"; else IFS= read -r key; fi; \
	case "$$key" in ""|$(SAFE_VALUE)) \
	echo "Give the Mixpeek API key (letters, digits, '_', '-', '.') in MIXPEEK_API_KEY_FILE or on standard input." >&2; \
	exit 2;; esac

deploy: SHELL := /bin/bash
deploy: build
	@$(CHECK_ENV)
	@if [ -n "$$MIXPEEK_API_KEY_FILE$$MIXPEEK_API_KEY" ]; then $(READ_KEY); fi
	@case "$(COLLECTION)$(NAMESPACE)" in $(SAFE_VALUE)) \
		echo "COLLECTION and NAMESPACE hold letters, digits, '_', '-', '.' only." >&2; exit 2;; esac
	@test -z "$(COLLECTION)" -o -n "$(NAMESPACE)" || { echo "COLLECTION needs NAMESPACE (ns_… or its name)." >&2; exit 2; }
	$(SNOW_SQL) -f sql/00_roles.sql
	$(SNOW_SQL) -f sql/10_containers.sql
	$(SNOW_SQL) -f sql/20_egress.sql
	@$(READ_KEY); while IFS= read -r line; do printf '%s\n' "$${line//'<% mixpeek_api_key %>'/$$key}"; done \
		< sql/25_secret.sql | $(SNOW_SQL) --silent --stdin
	$(SNOW_SQL) -f sql/30_integration.sql
	$(SNOW) snowpark deploy --replace --force-replace --connection $(CONNECTION) \
		--role "$$($(PROJECT_ENV) owner_role)" --warehouse "$$($(PROJECT_ENV) warehouse)"
	$(SNOW_SQL) -f sql/40_tables.sql
ifeq ($(GOVERNANCE),1)
	$(SNOW_SQL) -f sql/50_governance.sql
endif
ifeq ($(ROW_ACCESS),1)
	$(SNOW_SQL) -f sql/55_row_access.sql
endif
	$(SNOW_SQL) -f sql/60_tasks.sql
	$(SNOW_SQL) -f sql/65_health.sql
ifneq ($(COLLECTION),)
	$(SNOW_SQL) -f sql/70_target.sql -D "collection_id=$(COLLECTION)" -D "mixpeek_namespace=$(NAMESPACE)"
else
	@echo "No COLLECTION given: no sync target was added (CALL add_mixpeek_target(...): docs/operations.md)."
endif
	$(SNOW_SQL) -f sql/70_ingest.sql
	$(SNOW_SQL) -f sql/90_grants.sql

undeploy: $(STAMP)
	$(SNOW_SQL) -f sql/undeploy.sql
ifeq ($(PURGE),1)
	$(SNOW_SQL) -f sql/undeploy_data.sql
endif

# The live tests (tests/live, README "Live tests"): a scratch deployment in the account of CONNECTION; needs
# MIXPEEK_API_KEY, MIXPEEK_LIVE_COLLECTION and MIXPEEK_LIVE_NAMESPACE too. make live CONNECTION=name
live: $(STAMP)
	SNOWFLAKE_CONNECTION=$(CONNECTION) $(BIN)/python -m pytest -q -p no:cacheprovider -m live -rs tests/live

render: $(STAMP)
	PYTHONPATH=tests $(BIN)/python -m project.sqlfiles output/sql

# clean keeps .mixpeek-local/ (the local engine's tables, your data); clean-local deletes it.
LOCAL_DIR := .mixpeek-local
clean:
	rm -rf $(VENV) $(MUTANTS_VENV) $(BENCH_VENV) mutants output .pytest_cache .ruff_cache
	@if [ -d $(LOCAL_DIR) ]; then echo "Kept $(LOCAL_DIR)/ (the local engine's tables); delete it with: make clean-local"; fi

clean-local:
	rm -rf $(LOCAL_DIR)
	@echo "Deleted $(LOCAL_DIR)/ (the local engine's tables)."

# The mutation check (docs/testing.md), not part of `make test`: mutmut over the pure core ([tool.mutmut] in
# pyproject.toml) in a venv of its own, since mutmut needs newer click and rich than snowflake-cli allows.
MUTANTS_VENV := .venv-mutants
MUTANTS_STAMP := $(MUTANTS_VENV)/.installed-stamp
MUTANTS_CHILDREN ?= 1
# Fewer Hypothesis examples per property while mutants run (each run is a whole pytest session).
MUTANTS_EXAMPLES ?= 30

$(MUTANTS_STAMP): requirements-dev.txt requirements-mutants.txt
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required (Snowflake runtime 3.11)")'
	$(PYTHON) -m venv $(MUTANTS_VENV)
	grep -v -E '^(snowflake-cli|typer|click|rich)==' requirements-dev.txt > $(MUTANTS_VENV)/requirements-core.txt
	$(MUTANTS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		-r $(MUTANTS_VENV)/requirements-core.txt -r requirements-mutants.txt
	touch $@

mutants: $(MUTANTS_STAMP)
	PROPERTY_EXAMPLES=$(MUTANTS_EXAMPLES) $(MUTANTS_VENV)/bin/mutmut run --max-children $(MUTANTS_CHILDREN)
	$(MUTANTS_VENV)/bin/python tools/mutation_score.py --mutmut $(MUTANTS_VENV)/bin/mutmut

# The Streamlit app on the emulator and the local engine with the demo's data (docs/app.md): make app APP_ARGS="--as reader".
APP_ARGS ?=
.PHONY: app app-browser
app: $(STAMP)
	$(BIN)/mixpeek-snowflake app $(APP_ARGS)

# Debian's Chromium for the app's browser test (tests/app/test_browser.py skips without one); needs root, as CI has.
app-browser:
	command -v chromium >/dev/null || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium)

# make test first gets the app's browser test (tests/app/test_browser.py) its Chromium: Debian's chromium is installed
# when none is found, this is root and apt-get exists (as in CI); otherwise one line says why that test will skip.
.PHONY: test-browser
test: test-browser
test-browser: $(STAMP)
	@PYTHONPATH=tests $(BIN)/python -m app.browser
