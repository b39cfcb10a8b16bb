"""Settings shared by every way of running Stackable.

Every value comes from the environment (django-environ), with the embedded default when unset:
SQLite, eager Celery tasks, local files under var/, e-mail to the console.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("STACKABLE_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env(
    DEBUG=(bool, False),
)

DEVELOPMENT_SECRET_KEY = "django-insecure-stackable-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    # Ours first, so that our templates override allauth's and Wagtail's.
    "lms",
    "frontend",
    "content",
    "assessments",
    "progress",
    "badges",
    "organizations",
    "commerce",
    "integrations",
    "media.apps.MediaConfig",
    "wagtail.contrib.forms",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "lms.wagtail_users.StackableUsersAppConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_htmx",
    "template_partials",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

# Cache keys every page reads whatever the page, read with a page's own in one round trip (lms.cache.request_keys).
CACHE_REQUEST_KEYS = ["frontend.templatetags.frontend_tags.admin_access_keys"]

MIDDLEWARE = [
    "lms.cache.CacheRequestMemoMiddleware",  # first: every cache read of a request, the session's too, is memoised
    "django.middleware.security.SecurityMiddleware",
    "lms.security_headers.SecurityHeadersMiddleware",
    "lms.middleware.DatabaseOutageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lms.i18n.LanguagePreferenceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'stackable.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and an eager task share the file without "database is locked";
    # IMMEDIATE takes the write lock when a transaction begins, so two writers (a submit and an autosave) queue on
    # the timeout instead of one failing at once when it upgrades a read lock to write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that drops packets instead of refusing them must fail a request in seconds (the 503 page,
    # /readyz), not hang it: libpq waits for ever by default.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
    # Statements run by lms.db.fixed_statement_rows are prepared on their first execution on a connection (Django's
    # own cursors bind client-side and are never prepared). Off behind a transaction-pooling PgBouncer < 1.21.
    DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
    if DATABASE_PREPARED_STATEMENTS:
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "lms.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "progress:dashboard"  # reversed in the language of the sign-in page

# django-allauth: the e-mail address is the login; it must be verified.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SIGNUP_FORM_CLASS = "lms.forms.SignupForm"
ACCOUNT_RATE_LIMITS: dict[str, str] | bool = {"login_failed": "10/m/ip,5/5m/key"}
# organizations' adapters (lms's own account adapter, plus: no password for an organization that requires single
# sign-on; each organization's identity provider trusted for its own e-mail domains only).
ACCOUNT_ADAPTER = "organizations.sso.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "organizations.sso.SocialAccountAdapter"
# Sign-in through an organization starts with a POST of the work address (organizations.views.sso_sign_in).
SOCIALACCOUNT_LOGIN_ON_GET = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Toronto"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "/media/"
# media/ is a Python package, so uploaded files live under var/ instead.
MEDIA_ROOT = VAR_DIR / "media"
PRIVATE_MEDIA_ROOT = VAR_DIR / "private"

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
# Every URL handed to a browser (presigned uploads and downloads, public files) is signed for this address, which
# browsers must reach; the server's own calls keep using AWS_S3_ENDPOINT_URL (e.g. http://minio:9000 in compose).
AWS_S3_PUBLIC_ENDPOINT_URL = env.str("AWS_S3_PUBLIC_ENDPOINT_URL", default="") or AWS_S3_ENDPOINT_URL
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="us-east-1")
AWS_PRIVATE_BUCKET_NAME = env.str("AWS_PRIVATE_BUCKET_NAME", default=AWS_STORAGE_BUCKET_NAME)
AWS_DEFAULT_ACL = None
AWS_S3_FILE_OVERWRITE = False
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_QUERYSTRING_EXPIRE = 300

if AWS_STORAGE_BUCKET_NAME:
    STORAGES = {
        "default": {
            "BACKEND": "media.s3_storage.PublicEndpointS3Storage",
            "OPTIONS": {"querystring_auth": False, "location": "public"},
        },
        "private": {
            "BACKEND": "media.s3_storage.PublicEndpointS3Storage",
            "OPTIONS": {
                "bucket_name": AWS_PRIVATE_BUCKET_NAME,
                "location": "private",
                "querystring_auth": True,
                "querystring_expire": AWS_QUERYSTRING_EXPIRE,
            },
        },
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
else:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Redis is an accelerator: when it is down, reads miss and writes are dropped (lms.cache), never a 500.
    CACHES = {"default": {"BACKEND": "lms.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The JSON API's limit per token: a fixed window counted in the cache (integrations.api.auth).
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/m")

# Celery: with no broker configured, tasks run eagerly in the calling process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND: str | None = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# A broker that is down must fail a publish at once, never hang a request: the outbox keeps the message and beat
# publishes it again (lms.outbox).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Redis hands an unacknowledged message (acks_late) to another worker after the visibility timeout: it must be
# longer than the longest task, which the hard time limit bounds. The outbox re-delivers its own work much sooner.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=1500)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=1800)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 300),
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=10.0),
}
# The outbox: pending messages whose publish was lost are published again by beat every OUTBOX_REDELIVER_EVERY
# seconds, the first time OUTBOX_REDELIVER_AFTER seconds after they were recorded, then with a doubling backoff up
# to OUTBOX_BACKOFF_MAX; at most OUTBOX_REDELIVER_BATCH rows a statement.
OUTBOX_REDELIVER_EVERY = env.float("OUTBOX_REDELIVER_EVERY", default=30.0)
OUTBOX_REDELIVER_AFTER = env.float("OUTBOX_REDELIVER_AFTER", default=60.0)
OUTBOX_BACKOFF_MAX = env.float("OUTBOX_BACKOFF_MAX", default=3600.0)
OUTBOX_REDELIVER_BATCH = env.int("OUTBOX_REDELIVER_BATCH", default=500)
# Messages handed to the broker in one task: a batch of 50 awards is one round trip, not 50.
OUTBOX_PUBLISH_CHUNK = env.int("OUTBOX_PUBLISH_CHUNK", default=50)
# Done messages are kept this long (what ran, when), then deleted by an hourly beat task; pending ones never are.
OUTBOX_KEEP_DONE_DAYS = env.float("OUTBOX_KEEP_DONE_DAYS", default=7.0)
CELERY_BEAT_SCHEDULE: dict = {
    "lms-outbox-redeliver": {"task": "lms.tasks.outbox_redeliver_task", "schedule": OUTBOX_REDELIVER_EVERY},
    "lms-outbox-prune": {"task": "lms.tasks.outbox_prune_task", "schedule": 3600.0},
}
# Celery's Django fixup closes every database connection before and after each task unless this is set: a new
# PostgreSQL connection a task (connect, session setup, then a backend with cold caches) cost more than signing
# a credential. lms.celery recycles connections at task edges as Django does at request edges (CONN_MAX_AGE,
# CONN_HEALTH_CHECKS); this count of tasks is only an upper bound on a connection's life.
CELERY_DB_REUSE_MAX = 1000
# E-mails wait on a queue of their own, so a worker signing credentials never sends mail in between; every
# worker deployment must consume it too (`-Q celery,notifications`). Eager mode ignores routes.
NOTIFICATIONS_QUEUE = env.str("NOTIFICATIONS_QUEUE", default="notifications")
CELERY_TASK_ROUTES = {
    "badges.tasks.award_notify_task": {"queue": NOTIFICATIONS_QUEUE},
}

# Learning record store: xAPI statements wait in progress's outbox and a Celery task sends them when an
# endpoint is configured (e.g. https://lrs.example.org/xAPI); unset = statements are kept, not sent.
LRS_ENDPOINT = env.str("LRS_ENDPOINT", default="").rstrip("/")
LRS_USERNAME = env.str("LRS_USERNAME", default="")
LRS_PASSWORD = env.str("LRS_PASSWORD", default="")
if LRS_ENDPOINT:
    CELERY_BEAT_SCHEDULE["progress-lrs-deliver"] = {"task": "progress.tasks.lrs_deliver_task", "schedule": 30.0}

# Outgoing webhooks (integrations.webhooks): each request waits WEBHOOKS_TIMEOUT seconds at most; a failed delivery is
# retried after WEBHOOKS_BACKOFF_BASE seconds, doubling up to WEBHOOKS_BACKOFF_MAX, and marked failed after
# WEBHOOKS_MAX_ATTEMPTS attempts; beat looks for retries due every WEBHOOKS_RETRY_EVERY_SECONDS. Private, loopback
# and link-local addresses are refused (server-side request forgery) unless WEBHOOKS_ALLOW_PRIVATE_ADDRESSES is set
# (it is in DEBUG and tests, whose receivers listen on loopback).
WEBHOOKS_TIMEOUT = env.float("WEBHOOKS_TIMEOUT", default=5.0)
WEBHOOKS_BACKOFF_BASE = env.float("WEBHOOKS_BACKOFF_BASE", default=30.0)
WEBHOOKS_BACKOFF_MAX = env.float("WEBHOOKS_BACKOFF_MAX", default=6 * 3600.0)
WEBHOOKS_MAX_ATTEMPTS = env.int("WEBHOOKS_MAX_ATTEMPTS", default=8)
WEBHOOKS_RETRY_EVERY_SECONDS = env.float("WEBHOOKS_RETRY_EVERY_SECONDS", default=30.0)
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Stackable <no-reply@stackable.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

WAGTAIL_SITE_NAME = "Stackable"
# The admin makes no calls to third parties (and so needs no exception in its Content-Security-Policy): no
# Gravatar images, no check for new Wagtail releases.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Pages restricted to signed-in users (or an organization's members) send visitors to allauth's sign-in page.
WAGTAIL_FRONTEND_LOGIN_URL = LOGIN_URL
WAGTAILADMIN_BASE_URL = SITE_URL
# Content is bilingual: a course's French version is a translation of its page tree (content/translations.py).
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# A course is translated from the admin ("Translate", with its subpages): Wagtail's simple_translation copies the
# course tree into the other locale for the instructor to rewrite.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILEMBEDS_RESPONSIVE_HTML = True
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "avif"]
WAGTAILADMIN_RICH_TEXT_EDITORS = {
    "default": {
        "WIDGET": "wagtail.admin.rich_text.DraftailRichTextArea",
        "OPTIONS": {"features": ["h2", "h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link", "code"]},
    }
}

# Commerce
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# The Stripe API version our requests and parsing are written for (the stripe SDK's own pin as of 16.1.0).
# Upgrading it is a code change: read Stripe's changelog, then set the webhook endpoint to the same version.
STRIPE_API_VERSION = "2026-10-28.endive"
SALES_TAX_DEFAULT_PROVINCE = env.str("SALES_TAX_DEFAULT_PROVINCE", default="ON")

# Sessions are read from the cache (Redis in production) and written through to the database: one query less
# on every page for a logged-in user, and no session lost when the cache is flushed.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads nothing from it: the token is sent via hx-headers.
X_FRAME_OPTIONS = "DENY"

# The client address every limiter keys on (lms.client_ip): how many reverse proxies of ours stand in front of the
# site (each appends to X-Forwarded-For), or a header our proxy overwrites with the client address (X-Real-IP).
# 0 and unset: the socket address, and forwarding headers are ignored. allauth gets the same values.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
TRUSTED_CLIENT_IP_HEADER = env.str("TRUSTED_CLIENT_IP_HEADER", default="")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = TRUSTED_CLIENT_IP_HEADER or None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (lms.security_headers): strict on the site; the Wagtail admin adds what it cannot do
# without. CSP_REPORT_URI, when set, receives the browsers' violation reports.
CSP_REPORT_URI = env.str("CSP_REPORT_URI", default="")
CSP_FRAME_SOURCES = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]  # content.blocks.VideoBlock
CSP_ADMIN_PATHS = ["/admin/"]
CSP_ADMIN_EXTRA: dict[str, list[str]] = {
    "script-src": ["'unsafe-inline'"],
    "style-src": ["'unsafe-inline'"],
    "frame-src": ["'self'"],  # page previews
    "frame-ancestors": ["'self'"],
}
PERMISSIONS_POLICY_DENIED = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "usb",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}

# Badges: Fernet keys (comma-separated) that encrypt issuers' private signing keys at rest; the first
# one encrypts, every one decrypts. Unset, the embedded default generates one under var/ on first use.
BADGES_KEY_ENCRYPTION_KEYS = env.list("BADGES_KEY_ENCRYPTION_KEYS", default=[])
BADGES_KEY_ENCRYPTION_KEY_FILE = VAR_DIR / "badges-key-encryption.key"
BADGES_GENERATE_KEY_ENCRYPTION_KEY = True

# What cached markup is keyed by besides its data (lms.fragments): a release's code. STACKABLE_RELEASE (the image's
# build, say its git commit) when set; else a digest of the size and time of every template and Python file of the
# project, so that markup cached by one release is never served by the next, in Redis or in a process.
RELEASE = env.str("STACKABLE_RELEASE", default="")
if not RELEASE:
    from lms.release import source_digest

    RELEASE = source_digest(BASE_DIR)
