# Stackable: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.PHONY: run test install install-dev lock node-verifier axe sso-idp compile-messages migrate demo lint format typecheck bench bench-m bench-profile messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installed from the hashed locks only (pip refuses a file whose hash differs), then the project itself without
# dependencies: everything it needs is in the lock. requirements-dev.lock = the runtime lock + the dev extras.
$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Regenerates both locks from pyproject.toml, keeping every pin it can (LOCK_ARGS=--upgrade, or
# --upgrade-package NAME, to move). Universal: one lock for Linux, macOS and Windows, Python 3.11 to 3.13.
# uv reads the package index from its own settings (UV_DEFAULT_INDEX, uv.toml), PyPI by default.
UV_COMPILE := $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --quiet \
	--custom-compile-command "make lock" $(LOCK_ARGS)

lock: install-dev
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra dev -c requirements.lock -o requirements-dev.lock

# The independent credential verifier (Digital Bazaar's libraries, tests marked `node`) runs on Node.js: its
# packages are installed again whenever package-lock.json is newer than what npm last installed.
NODE_VERIFIER := badges/ob3/node_verifier

$(NODE_VERIFIER)/node_modules/.package-lock.json: $(NODE_VERIFIER)/package-lock.json
	npm ci --prefix $(NODE_VERIFIER) --no-audit --no-fund --loglevel=error
	touch $@

node-verifier: $(NODE_VERIFIER)/node_modules/.package-lock.json

# axe-core for the accessibility audit (tests/browser/test_accessibility.py, marked `browser`): pinned in its own
# package-lock.json, installed again the same way; a browser test that cannot find it fails.
AXE := tests/browser/axe

$(AXE)/node_modules/.package-lock.json: $(AXE)/package-lock.json
	npm ci --prefix $(AXE) --no-audit --no-fund --loglevel=error
	touch $@

axe: $(AXE)/node_modules/.package-lock.json

# The identity providers the single sign-on tests run on loopback (tests/sso/, marked `node`): node-oidc-provider and
# samlify, pinned in their own package-lock.json and installed again the same way.
SSO_IDP := tests/sso/idp

$(SSO_IDP)/node_modules/.package-lock.json: $(SSO_IDP)/package-lock.json
	npm ci --prefix $(SSO_IDP) --no-audit --no-fund --loglevel=error
	touch $@

sso-idp: $(SSO_IDP)/node_modules/.package-lock.json

# The French catalog is compiled from locale/fr/LC_MESSAGES/django.po (GNU gettext's msgfmt); the .mo is not kept
# in git.
CATALOG := locale/fr/LC_MESSAGES/django
$(CATALOG).mo: $(CATALOG).po | install
	$(MANAGE) compilemessages -l fr --ignore=.venv --ignore=var

compile-messages: $(CATALOG).mo

migrate: install compile-messages
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) seed_demo

run: demo
	$(MANAGE) runserver 127.0.0.1:8000

# Lint and types first: they take seconds, and CI (.ci/run) fails on them before the suite starts.
# On PostgreSQL (CI), the tests of the embedded default (marker `embedded`) run afterwards on SQLite, as `make run` serves.
# The suite runs in TEST_WORKERS pytest-xdist processes (one per core here), each with its own test database and
# Redis databases (lms/settings/test.py). `--dist load` hands each worker tests in collection order, where
# pytest-django puts the transactional tests last: their flush empties what migrations seeded, so a worker must not
# run an ordinary test after one (`loadfile` and `worksteal` would).
TEST_WORKERS ?= 2
test: lint typecheck node-verifier axe sso-idp compile-messages
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist load $(PYTEST_ARGS)
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
	CELERY_BROKER_URL=$${BENCH_BROKER_URL:-redis://127.0.0.1:6379/9} REDIS_URL=$${BENCH_REDIS_URL:-redis://127.0.0.1:6379/10}

bench: install-dev
	$(BENCH_ENV) $(BIN)/python -m bench.run --dataset S $(BENCH_ARGS)

bench-m: install-dev
	$(BENCH_ENV) $(BIN)/python -m bench.run --dataset M $(BENCH_ARGS)

# Profile probes on the database the last bench run restored: make bench-profile PROBES="lesson_page bare_page"
bench-profile:
	$(BENCH_ENV) $(BIN)/python -m bench.profile $(PROBES) $(PROFILE_ARGS)

# Mutation testing (docs/mutation.md): mutmut over the grading code, progress's services and badge issuing, one
# child at a time, on PostgreSQL (DATABASE_URL): the first step makes a fresh test database that every mutant reuses.
# MUTANTS: the functions mutated (docs/mutation.md), by mutant name (module, then x_<function> or xǁ<Class>ǁ<method>);
# narrow it on the command line, e.g. make mutation MUTANTS="'assessments.question_types.numeric.*'".
MUT_Q := assessments.question_types
MUT_P := progress.services
MUT_B := badges.services
MUTANTS ?= 'assessments.grading.x_read_final*' 'assessments.grading.x_grade_attempt*' 'assessments.grading.x_grade__*' \
	'$(MUT_Q).common.*' '$(MUT_Q).numeric.*' '$(MUT_Q).short_answer.*' '$(MUT_Q).choices.*' '$(MUT_Q).true_false.*' \
	'$(MUT_P).rules.x__percent*' '$(MUT_P).rules.x__grade_*' '$(MUT_P).rules.x_course_grade*' '$(MUT_P).rules.x_meets_policy*' \
	'$(MUT_P).rules.x_missing_prerequisites*' '$(MUT_P).rules.x_course_open_to*' '$(MUT_P).aggregates.x__complete_if_due*' \
	'$(MUT_P).aggregates.xǁ_Figuresǁ*' '$(MUT_P).aggregates.x__figures_from_outline*' '$(MUT_P).items.x__apply_event*' \
	'$(MUT_P).items.x__check_not_locked*' \
	'$(MUT_B).permissions.*' '$(MUT_B).codes.*' '$(MUT_B).issuing.x_award_issue_for_enrolment*' '$(MUT_B).issuing.x_badge_issue*'
.PHONY: mutation
mutation: install-dev
	$(BIN)/python -m pytest -q -p no:cacheprovider --reuse-db --create-db tests/progress/test_enrolment.py -k free_course
	env -u PYTHONPATH DJANGO_SETTINGS_MODULE=lms.settings.test $(BIN)/mutmut run --max-children 1 $(MUTANTS)
	$(BIN)/mutmut results

messages: install
	$(MANAGE) makemessages -l fr --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore='*/node_modules/*'
	$(MANAGE) compilemessages -l fr --ignore=.venv --ignore=var

clean:
	rm -rf $(VENV) var
