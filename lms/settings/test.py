"""Settings for the test suite: the same as the embedded default unless DATABASE_URL etc. are set."""

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL

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
