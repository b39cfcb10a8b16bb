"""Settings for `python -m bench.run`: the test settings (DEBUG off) on PostgreSQL, the real Redis broker and Redis cache.

Adds the `bench` app (baseline views, a bare page type, a no-op task) and nothing else: the product code
runs exactly as it does in the test suite, with tasks sent through Redis instead of run inline.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/stackable_bench")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/9")
# Production's cache: Redis (lms.settings.base picks `lms.cache.ResilientRedisCache` when REDIS_URL is set), not the
# per-process LocMemCache, whose hits cost no network round trip and no pickling and so flatter every cached page.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/10")

from lms.settings.test import *  # noqa: F403
from lms.settings.test import DATABASES, INSTALLED_APPS

DEBUG = False
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
# Persistent connections, as under gunicorn in production.
DATABASES["default"]["CONN_MAX_AGE"] = 600
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# Issuers' keys in the template database must decrypt in every later run: a fixed, bench-only Fernet key.
BADGES_KEY_ENCRYPTION_KEYS = ["YmVuY2gtb25seS1rZXktbm90LWEtc2VjcmV0LTAwMDA="]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
