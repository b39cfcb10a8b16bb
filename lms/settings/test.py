"""Settings for the test suite: the same as the embedded default unless DATABASE_URL etc. are set."""

import os
from urllib.parse import urlsplit, urlunsplit


def _xdist_worker_redis_databases() -> None:
    """pytest-xdist (`make test` runs two workers, gw0 and gw1): each worker gets Redis databases of its own, as
    pytest-django gives it a test database of its own, so one worker's `cache.clear()` (every test starts with an
    empty cache) or broker flush never empties the other's. gw0 keeps the configured numbers; gwN adds 2N.

    Runs before the base settings read the environment, and rewrites the environment itself: a Celery worker
    process a test starts inherits the rewritten URLs and the marker, so it is not shifted twice."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or os.environ.get("STACKABLE_XDIST_REDIS") == worker:
        return
    offset = 2 * int(worker[2:])
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("redis://", "rediss://")):
            parts = urlsplit(url)
            database = int(parts.path.lstrip("/") or 0)
            os.environ[name] = urlunsplit(parts._replace(path=f"/{database + offset}"))
    os.environ["STACKABLE_XDIST_REDIS"] = worker


_xdist_worker_redis_databases()

from .base import *  # noqa: E402, F403
from .base import CELERY_BROKER_URL  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests that are about background work start a real worker; everything else runs tasks inline.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL_FOR_WORKER_TESTS = CELERY_BROKER_URL
ACCOUNT_RATE_LIMITS = False
WAGTAILADMIN_BASE_URL = "http://testserver"
# Test receivers of webhooks listen on loopback (tests of the refusal turn it off).
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
