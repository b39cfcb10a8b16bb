"""Shared fixtures, and the rule for tests that need a real service.

A test marked `postgres`, `redis`, `browser` or `lrs` is skipped, with its reason, when that service is
absent on a developer's machine; with CI=true the same absence is a failure, never a silent pass. A test marked
`node` fails everywhere when it cannot run: `make test` installs the Node verifier's packages itself.
"""

from __future__ import annotations

import fcntl
import functools
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ROOT = Path(__file__).resolve().parent.parent
NODE_VERIFIER_PATH = "badges/ob3/node_verifier"
NODE_VERIFIER = ROOT / NODE_VERIFIER_PATH
SSO_IDP_PATH = "tests/sso/idp"
SSO_IDP = ROOT / SSO_IDP_PATH


def _redis_url() -> str:
    return os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""


def _answers(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


RALPH_VENV = ROOT / "var" / "ralph-venv"
RALPH_REQUIREMENT = "ralph-malph[cli,backend-fs,lrs]==5.1.0"


@functools.cache
def ralph_executable() -> Path | None:
    """Ralph in a virtual environment of its own (its dependencies are not ours), created on first use."""
    ralph = RALPH_VENV / "bin" / "ralph"
    RALPH_VENV.parent.mkdir(exist_ok=True)
    # pytest-xdist's workers may both need it first: one installs while the other waits for the lock.
    with open(RALPH_VENV.parent / "ralph-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ralph.exists():
            try:
                subprocess.run([sys.executable, "-m", "venv", str(RALPH_VENV)], check=True, timeout=300)
                pip = [str(RALPH_VENV / "bin" / "pip"), "install", "-q", RALPH_REQUIREMENT, "requests"]
                subprocess.run(pip, check=True, timeout=1200, capture_output=True)
            except (subprocess.SubprocessError, OSError):
                return None
    return ralph if ralph.exists() else None


def _missing_service(item: pytest.Item) -> str | None:
    if item.get_closest_marker("postgres"):
        from django.conf import settings

        if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
            return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if item.get_closest_marker("redis") or item.get_closest_marker("celery_worker"):
        url = _redis_url()
        if not url.startswith("redis") or not _answers(url):
            return "needs Redis: set CELERY_BROKER_URL=redis://... to a running server"
    if item.get_closest_marker("browser") and not Path("/usr/bin/chromium").exists():
        return "needs Chromium at /usr/bin/chromium (apt-get install chromium)"
    if item.get_closest_marker("lrs") and ralph_executable() is None:
        return f"needs Ralph: could not create {RALPH_VENV} with pip install {RALPH_REQUIREMENT}"
    if item.get_closest_marker("node"):
        if shutil.which("node") is None:
            return "needs Node.js (node on PATH); `make test` then installs the Node verifier's packages"
        if item.path.is_relative_to(ROOT / "tests" / "sso"):
            if not (SSO_IDP / "node_modules" / "oidc-provider").is_dir():
                return f"needs the test identity providers' packages: `make test` installs them (npm ci --prefix {SSO_IDP_PATH})"
        elif not (NODE_VERIFIER / "node_modules" / "@digitalbazaar" / "vc").is_dir():
            return (
                f"needs the Node verifier's packages: `make test` installs them (npm ci --prefix {NODE_VERIFIER_PATH})"
            )
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `embedded` are about the embedded default (SQLite): on PostgreSQL they are deselected, and
    `make test` runs them in a second session on SQLite (`pytest -m embedded`), so they always run, never skip."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        return
    embedded = [item for item in items if item.get_closest_marker("embedded")]
    if embedded:
        config.hook.pytest_deselected(items=embedded)
        items[:] = [item for item in items if not item.get_closest_marker("embedded")]


def pytest_runtest_setup(item: pytest.Item) -> None:
    reason = _missing_service(item)
    if reason is None:
        return
    if item.get_closest_marker("node"):
        pytest.fail(f"{item.nodeid}: {reason} (a test marked `node` never skips)", pytrace=False)
    if IN_CI:
        pytest.fail(f"{item.nodeid}: {reason} (CI=true: a missing service is a failure)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def wagtail_baseline(request: pytest.FixtureRequest) -> None:
    """Recreate what migrations seed (locale, root page, root collection, role groups) for transactional tests.

    A transactional test ends with a flush that empties every table, including the rows Wagtail's data
    migrations created, so the next transactional test starts from this baseline whatever ran before it.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Collection, Locale, Page

    from content import translations
    from lms.roles import role_groups_ensure

    ContentType.objects.clear_cache()  # the flush gave content types new ids
    from django.conf import settings

    for code, _name in settings.LANGUAGES:  # content/migrations/0004: a locale per language of the site
        Locale.objects.get_or_create(language_code=code)
    translations.locales_forget()  # the locales came back with new ids
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root", content_type=ContentType.objects.get_for_model(Page)))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    role_groups_ensure()


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: cached outlines and permission answers are keyed by ids and tree
    paths that a rolled-back test (or a new test database) hands out again; so are the modules whose rows an item
    page reads (checked on every page, but a stale entry costs a query the tests pin)."""
    from django.core.cache import cache

    from progress.selectors.learner import _MODULE_ITEMS

    cache.clear()
    _MODULE_ITEMS.clear()


@pytest.fixture(autouse=True)
def _english_to_start() -> Iterator[None]:
    """Each test starts in the site's default language: a request to a /fr/ page leaves French active in the
    thread that served it, and lazily translated text read afterwards would come out in French."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def _playwright_browser() -> Iterator[object]:
    """One Chromium for the whole run, shared by every folder's browser tests: Playwright's sync API cannot be
    started twice in one thread, so a second session-wide browser (tests/browser's, tests/smoke's) would fail."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls of a test are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
