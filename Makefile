# Two commands matter: `make demo` and `make test`. Each builds the pinned .venv it needs first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# snowflake.yml maps src/mixpeek_snowflake/ to mixpeek_snowflake/ in the zip; the CLI honours that mapping
# only with glob support on.
export SNOWFLAKE_CLI_FEATURES_ENABLE_SNOWPARK_GLOB_SUPPORT := true

.PHONY: demo test lint types format build bench soak clean mutants

$(STAMP): requirements-dev.txt pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required (Snowflake runtime 3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

demo: $(STAMP)
	$(BIN)/mixpeek-snowflake demo

test: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check src tests

types: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

# The long seeded soak (README, "Reliability"): consecutive syncs against a changing collection with random faults,
# each compared with the emulator's truth; prints the table and fails on any mismatch or orphan stage row.
SOAK_RUNS ?= 200
SOAK_SEED ?= 7
soak: $(STAMP)
	$(BIN)/python -m mixpeek_local.soak --runs $(SOAK_RUNS) --seed $(SOAK_SEED) --verbose

# The benchmark (README, "Performance"): one table, all figures from one run. Smaller or different:
# make bench BENCH_ARGS="--documents 20000 --baseline-documents 2000 --latency 0.2 --partitions 16"
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -m mixpeek_local.bench $(BENCH_ARGS)

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

.PHONY: deploy undeploy render

build: $(STAMP)
	$(SNOW) snowpark build

deploy: build
	@case "$$MIXPEEK_API_KEY" in ""|$(SAFE_VALUE)) \
		echo "Set MIXPEEK_API_KEY to your Mixpeek API key (letters, digits, '_', '-', '.')." >&2; exit 2;; esac
	@case "$(COLLECTION)$(NAMESPACE)" in $(SAFE_VALUE)) \
		echo "COLLECTION and NAMESPACE hold letters, digits, '_', '-', '.' only." >&2; exit 2;; esac
	@test -z "$(COLLECTION)" -o -n "$(NAMESPACE)" || { echo "COLLECTION needs NAMESPACE (ns_… or its name)." >&2; exit 2; }
	$(SNOW_SQL) -f sql/00_roles.sql
	$(SNOW_SQL) -f sql/10_containers.sql
	$(SNOW_SQL) -f sql/20_egress.sql
	$(SNOW_SQL) --silent -f sql/25_secret.sql -D "mixpeek_api_key=$$MIXPEEK_API_KEY"
	$(SNOW_SQL) -f sql/30_integration.sql
	$(SNOW) snowpark deploy --replace --connection $(CONNECTION) \
		--role "$$($(PROJECT_ENV) owner_role)" --warehouse "$$($(PROJECT_ENV) warehouse)"
	$(SNOW_SQL) -f sql/40_tables.sql
ifeq ($(GOVERNANCE),1)
	$(SNOW_SQL) -f sql/50_governance.sql
endif
ifeq ($(ROW_ACCESS),1)
	$(SNOW_SQL) -f sql/55_row_access.sql
endif
ifneq ($(COLLECTION),)
	$(SNOW_SQL) -f sql/60_tasks.sql -D "collection_id=$(COLLECTION)" -D "mixpeek_namespace=$(NAMESPACE)"
else
	@echo "No COLLECTION given: the example tasks (sql/60_tasks.sql) were not created."
endif
	$(SNOW_SQL) -f sql/90_grants.sql

undeploy: $(STAMP)
	$(SNOW_SQL) -f sql/undeploy.sql
ifeq ($(PURGE),1)
	$(SNOW_SQL) -f sql/undeploy_data.sql
endif

render: $(STAMP)
	PYTHONPATH=tests $(BIN)/python -m project.sqlfiles output/sql

clean:
	rm -rf $(VENV) output .mixpeek-local .pytest_cache .ruff_cache

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
