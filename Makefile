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
# MUTANTS: the functions mutated (docs/mutation.md), by mutant name; narrow it on the command line, e.g.
# make mutation MUTANTS="'assessments.grading.x__grade_numeric*'". After the split of issue #18 the module part of
# the names becomes progress.services.<module>, badges.services.issuing and assessments.question_types.<type>:
# switch MUT_G, MUT_P and MUT_B then ([tool.mutmut] only_mutate in pyproject.toml already lists the old and the new paths).
# mutmut is not in the dev extras yet: pip install mutmut==3.8.1.
MUT_G := assessments.grading
MUT_P := progress.services
MUT_B := badges.services
MUTANTS ?= '$(MUT_G).x_read_final*' '$(MUT_G).x_grade_attempt*' '$(MUT_G).x_grade__*' '$(MUT_G).x_normalise_text*' '$(MUT_G).x__cents*' \
	'$(MUT_G).x__grade_*' '$(MUT_G).x__numeric_bounds*' '$(MUT_G).x__parse_number*' '$(MUT_G).x__unit_key*' '$(MUT_G).x__accepts*' \
	'$(MUT_P).x__percent*' '$(MUT_P).x__grade_*' '$(MUT_P).x_course_grade*' '$(MUT_P).x_meets_policy*' '$(MUT_P).x__complete_if_due*' \
	'$(MUT_P).x__apply_event*' '$(MUT_P).xǁ_Figuresǁ*' '$(MUT_P).x__figures_from_outline*' '$(MUT_P).x__check_not_locked*' \
	'$(MUT_P).x_missing_prerequisites*' '$(MUT_P).x_course_open_to*' \
	'$(MUT_B).x_user_can_issue*' '$(MUT_B).x__admin_or_instructor*' '$(MUT_B).x_award_issue__*' '$(MUT_B).x_award_code_normalize*' \
	'$(MUT_B).x__issue__*'
.PHONY: mutation
mutation: install-dev
	$(BIN)/python -m pytest -q -p no:cacheprovider --reuse-db --create-db tests/progress/test_enrolment.py -k free_course
	env -u PYTHONPATH DJANGO_SETTINGS_MODULE=lms.settings.test $(BIN)/mutmut run --max-children 1 $(MUTANTS)
	$(BIN)/mutmut results

messages: install
	$(MANAGE) makemessages -l fr --ignore=.venv --ignore=var

clean:
	rm -rf $(VENV) var
