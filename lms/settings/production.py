"""Production: PostgreSQL, Redis, S3, gunicorn behind a TLS-terminating proxy.

Importing this module is the start-up check. It refuses to start, naming every variable at fault in one
message: a missing, development or placeholder secret (the values of .env.example), a badge key-encryption
key that is not a Fernet key, a missing REDIS_URL, ALLOWED_HOSTS or SITE_URL, and an address handed to
browsers (SITE_URL, the public S3 endpoint) that is not https. With real values it passes `check --deploy`.
Building the image needs none of this: the Dockerfile collects static files under lms.settings.build.
"""

import ipaddress
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    AWS_S3_ENDPOINT_URL,
    AWS_STORAGE_BUCKET_NAME,
    DATABASES,
    DEVELOPMENT_SECRET_KEY,
    REDIS_URL,
    SITE_URL,
    STORAGES,
    env,
)

# A secret that contains this, or equals one of the exact example values (.env.example's, and MinIO's
# documented default), was copied rather than generated.
_PLACEHOLDER_MARK = "change-me"
_EXAMPLE_SECRETS = frozenset(
    {
        "change-me",
        "change-me-too",
        "change-me-to-a-fernet-key",
        "change-me-to-a-long-random-string-of-at-least-fifty-characters",
        "minioadmin",
    }
)
_RECIPE_URLSAFE = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
_RECIPE_HEX = "python -c 'import secrets; print(secrets.token_hex(24))'"
_RECIPE_FERNET = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)

_problems: list[str] = []


def _is_placeholder(value: str) -> bool:
    return _PLACEHOLDER_MARK in value.lower() or value in _EXAMPLE_SECRETS


def _browser_address_problem(variable: str, url: str) -> str | None:
    """An address handed to browsers must be https; plain http only on loopback with the https redirect off.

    That exception is for a smoke test on one machine (no TLS proxy), which must turn SECURE_SSL_REDIRECT off
    anyway: with it on, every page would redirect to an https address nothing answers.
    """
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in {"http", "https"}:
        return f"{variable} must be an absolute https address (e.g. https://learn.example.org), not {url!r}."
    if parts.scheme == "https":
        return None
    if _is_loopback(parts.hostname) and not SECURE_SSL_REDIRECT:
        return None
    return (
        f"{variable} must be an https address: browsers reach it through the TLS-terminating proxy. Plain http "
        f"is accepted only on a loopback host (127.0.0.1, localhost) with SECURE_SSL_REDIRECT=false, for a smoke test."
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY or SECRET_KEY.startswith("django-insecure"):
    _problems.append(
        f"Set SECRET_KEY to a long random value: production refuses the development key. {_RECIPE_URLSAFE}"
    )
elif _is_placeholder(SECRET_KEY):
    _problems.append(f"SECRET_KEY is a placeholder; generate one: {_RECIPE_URLSAFE}")
elif len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    _problems.append("SECRET_KEY must be at least 50 characters with at least 5 distinct characters.")

if _is_placeholder(str(DATABASES["default"].get("PASSWORD") or "")):
    _problems.append(
        "POSTGRES_PASSWORD (the password in DATABASE_URL) is a placeholder; "
        f"generate one (hex: it goes into a URL): {_RECIPE_HEX}"
    )

if _is_placeholder(env.str("AWS_SECRET_ACCESS_KEY", default="")):
    _problems.append(
        "AWS_SECRET_ACCESS_KEY (MINIO_ROOT_PASSWORD in docker-compose.yml) is a placeholder; "
        f"generate one: {_RECIPE_HEX}"
    )

# Badges: private signing keys are encrypted with keys from the environment, never generated here. A bad key
# is refused now rather than at the first credential signed.
BADGES_KEY_ENCRYPTION_KEYS = [key.strip() for key in env.list("BADGES_KEY_ENCRYPTION_KEYS", default=[]) if key.strip()]
BADGES_GENERATE_KEY_ENCRYPTION_KEY = False
if not BADGES_KEY_ENCRYPTION_KEYS:
    _problems.append(
        "Set BADGES_KEY_ENCRYPTION_KEYS to one or more Fernet keys (comma-separated, newest first); "
        f"generate one: {_RECIPE_FERNET}"
    )
for _position, _key in enumerate(BADGES_KEY_ENCRYPTION_KEYS, start=1):
    if _is_placeholder(_key):
        _problems.append(
            f"BADGES_KEY_ENCRYPTION_KEYS entry {_position} is a placeholder; generate a key: {_RECIPE_FERNET}"
        )
        continue
    try:
        Fernet(_key)
    except ValueError:
        _problems.append(
            f"BADGES_KEY_ENCRYPTION_KEYS entry {_position} is not a Fernet key (32 url-safe base64-encoded bytes); "
            f"generate one: {_RECIPE_FERNET}"
        )

# Sessions (cached_db), course outlines and their subtree versions, and the admin-access answers live in the
# cache: every web process must share one, or a logout or a publish is not seen by the others.
if not REDIS_URL:
    _problems.append("Set REDIS_URL: production shares its cache (sessions, outlines) between processes.")

ALLOWED_HOSTS = [host for host in env.list("ALLOWED_HOSTS", default=[]) if host]
if not ALLOWED_HOSTS:
    _problems.append("Set ALLOWED_HOSTS to the host names the site answers to (e.g. learn.example.org).")

# SITE_URL goes into e-mails, credentials and did:web identifiers: it must be the public address, never a default.
if not env.str("SITE_URL", default=""):
    _problems.append("Set SITE_URL to the public https address of the site (e.g. https://learn.example.org).")
elif _site_problem := _browser_address_problem("SITE_URL", SITE_URL):
    _problems.append(_site_problem)

# Presigned upload and download links, and public image URLs, carry the endpoint they are signed for: browsers
# must reach it (AWS_S3_ENDPOINT_URL may be a name only containers resolve, such as http://minio:9000).
_public_endpoint = (
    env.str("AWS_S3_PUBLIC_ENDPOINT_URL", default="") or AWS_S3_ENDPOINT_URL or "https://s3.amazonaws.com"
)
if AWS_STORAGE_BUCKET_NAME and (
    _endpoint_problem := _browser_address_problem("AWS_S3_PUBLIC_ENDPOINT_URL", _public_endpoint)
):
    _problems.append(_endpoint_problem)

if _problems:
    raise ImproperlyConfigured("Production refuses to start:\n- " + "\n- ".join(_problems))

DEBUG = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Probes reach the web containers directly, over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Always Secure: browsers treat loopback as a secure context, so the plain-http smoke test keeps them too.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True

# whitenoise serves the hashed, compressed static files from the web nodes themselves: the image collected them
# under lms.settings.build with this same storage.
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
