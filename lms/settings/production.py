"""Production: PostgreSQL, Redis, S3, gunicorn behind a TLS-terminating proxy.

Refuses to start with a missing or development SECRET_KEY, and passes `manage.py check --deploy`.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEVELOPMENT_SECRET_KEY, REDIS_URL, env

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured("Set SECRET_KEY to a long random value: production refuses the development key.")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters with at least 5 distinct characters.")

# Badges: private signing keys are encrypted with keys from the environment, never generated here.
BADGES_KEY_ENCRYPTION_KEYS = env.list("BADGES_KEY_ENCRYPTION_KEYS", default=[])
BADGES_GENERATE_KEY_ENCRYPTION_KEY = False
if not BADGES_KEY_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("Set BADGES_KEY_ENCRYPTION_KEYS to one or more Fernet keys (comma-separated).")

# Sessions (cached_db), course outlines and their subtree versions, and the admin-access answers live in the
# cache: every web process must share one, or a logout or a publish is not seen by the others.
if not REDIS_URL:
    raise ImproperlyConfigured("Set REDIS_URL: production shares its cache (sessions, outlines) between processes.")

DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# whitenoise serves the hashed, compressed static files from the web nodes themselves.
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
