# Stackable: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.PHONY: run test install install-dev migrate demo lint format typecheck bench bench-m messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) seed_demo

run: demo
	$(MANAGE) runserver 127.0.0.1:8000

# Lint and types first: they take seconds, and CI (.ci/run) fails on them before the suite starts.
# On PostgreSQL (CI), the tests of the embedded default (marker `embedded`) run afterwards on SQLite, as `make run` serves.
test: lint typecheck
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$DATABASE_URL" ] && [ "$${DATABASE_URL#sqlite}" = "$$DATABASE_URL" ]; then \
	  env -u DATABASE_URL -u REDIS_URL $(BIN)/python -m pytest -m embedded $(PYTEST_ARGS); fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Without PYTHONPATH: mypy takes its folders for installed packages and hides the errors of the code in them.
typecheck: install-dev
	env -u PYTHONPATH $(BIN)/mypy

# The benchmark (bench/, README "Benchmark"): PostgreSQL, Redis and a real Celery worker on loopback.
BENCH_ENV := DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/stackable_bench} \
	CELERY_BROKER_URL=$${BENCH_BROKER_URL:-redis://127.0.0.1:6379/9}

bench: install-dev
	$(BENCH_ENV) $(BIN)/python -m bench.run --dataset S $(BENCH_ARGS)

bench-m: install-dev
	$(BENCH_ENV) $(BIN)/python -m bench.run --dataset M $(BENCH_ARGS)

# Mutation testing (docs/mutation.md): mutmut over the grading code, progress's services and badge issuing, one
# child at a time, on PostgreSQL (DATABASE_URL): the first step makes a fresh test database that every mutant reuses.
# MUTANTS narrows the run by mutant name, e.g. make mutation MUTANTS="'assessments.grading.x__grade_numeric*'".
# After the split of issue #18 the names become 'progress.services.*' (unchanged prefix),
# 'badges.services.issuing.*' and 'assessments.question_types.*': switch the badges and grading names then
# ([tool.mutmut] only_mutate in pyproject.toml already lists both the old and the new paths).
# mutmut is not in the dev extras yet: pip install mutmut==3.8.1.
MUTANTS ?= 'assessments.grading.*' 'progress.services.*' 'badges.services.*'
.PHONY: mutation
mutation: install-dev
	$(BIN)/python -m pytest -q -p no:cacheprovider --reuse-db --create-db tests/progress/test_enrolment.py -k free_course
	env -u PYTHONPATH DJANGO_SETTINGS_MODULE=lms.settings.test $(BIN)/mutmut run --max-children 1 $(MUTANTS)
	$(BIN)/mutmut results

messages: install
	$(MANAGE) makemessages -l fr --ignore=.venv --ignore=var

clean:
	rm -rf $(VENV) var
