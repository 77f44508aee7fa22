# Named targets for every check CI runs; `bash .ci/run` runs them all on a fresh venv.
VENV ?= .venv
BIN := $(VENV)/bin
CHECK_DATABASE_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/agora_check

.PHONY: install run test check lint format-check typecheck imports migrations-check schema-check schema bench drills

$(BIN)/agora: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

install: $(BIN)/agora

run: install  ## the service on the embedded default (or DATABASE_URL / REDIS_URL)
	AGORA_ENV=dev $(BIN)/agora serve

test: install
	$(BIN)/pytest

check: lint format-check typecheck imports migrations-check schema-check

lint: install
	$(BIN)/ruff check .

format-check: install
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

imports: install
	$(BIN)/lint-imports

# alembic check compares the models with a database freshly migrated to head.
migrations-check: install
	$(BIN)/python .ci/create_database.py "$(CHECK_DATABASE_URL)"
	DATABASE_URL="$(CHECK_DATABASE_URL)" $(BIN)/agora migrate
	DATABASE_URL="$(CHECK_DATABASE_URL)" $(BIN)/alembic check

schema-check: install
	$(BIN)/agora export-schema | diff -u schema.graphql - \
	  || (echo "schema.graphql is stale: run make schema" && exit 1)

schema: install
	$(BIN)/agora export-schema > schema.graphql

bench: install
	$(BIN)/python bench/quote_loan.py

drills: install  ## the failover drills (as root: installs pg_auto_failover and redis-sentinel; 4-6 min; CI runs it)
	deploy/pg-failover/cluster.sh install
	deploy/redis-sentinel/cluster.sh install
	$(BIN)/python bench/pg_failover.py
	$(BIN)/python bench/redis_failover.py
