"""Production refuses to start unsafely, and passes Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3y-" + "a1b2c3d4e5f6g7h8i9j0" * 3
# A valid Fernet key: production also refuses to start without one (see tests/badges/test_settings.py).
BADGES_KEY = "c3RhY2thYmxlLXRlc3QtZmVybmV0LWtleS0zMmJ5dGU="


def run_production(*args: str, secret: str | None, **env_extra: str) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests in this process; production never has it.
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "lms.settings.production", "ALLOWED_HOSTS": "learn.example.org"})
    env.setdefault("BADGES_KEY_ENCRYPTION_KEYS", BADGES_KEY)
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
    env.setdefault("SITE_URL", "https://learn.example.org")
    env.update(env_extra)
    if secret is not None:
        env["SECRET_KEY"] = secret
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_production("check", secret=None)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_production_refuses_the_development_secret_key():
    from lms.settings.base import DEVELOPMENT_SECRET_KEY

    result = run_production("check", secret=DEVELOPMENT_SECRET_KEY)
    assert result.returncode != 0
    assert "production refuses the development key" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run_production("check", secret="short-but-not-insecure")
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_production_refuses_to_start_without_a_shared_cache():
    result = run_production("check", secret=GOOD_KEY, REDIS_URL="")
    assert result.returncode != 0
    assert "Set REDIS_URL" in result.stderr


def test_production_passes_check_deploy_with_no_warnings():
    result = run_production("check", "--deploy", "--fail-level", "WARNING", secret=GOOD_KEY)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "setting", "expected"),
    [
        ("CELERY_BROKER_URL", "", "CELERY_TASK_ALWAYS_EAGER", "True"),
        ("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0", "CELERY_TASK_ALWAYS_EAGER", "False"),
        ("DATABASE_URL", "", "DATABASES.default.ENGINE", "django.db.backends.sqlite3"),
        ("AWS_STORAGE_BUCKET_NAME", "", "STORAGES.default.BACKEND", "django.core.files.storage.FileSystemStorage"),
        (
            "AWS_STORAGE_BUCKET_NAME",
            "stackable",
            "STORAGES.default.BACKEND",
            "media.s3_storage.PublicEndpointS3Storage",
        ),
        ("REDIS_URL", "", "CACHES.default.BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
    ],
)
def test_the_embedded_default_applies_when_a_variable_is_unset(variable, value, setting, expected):
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "DATABASE_URL", "REDIS_URL"}}
    env[variable] = value
    if not value:
        env.pop(variable)
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='lms.settings.dev'; django.setup();"
        "from django.conf import settings; v = settings\n"
        f"for part in {setting.split('.')!r}:\n"
        "    v = v[part] if isinstance(v, dict) else getattr(v, part)\n"
        "print(v)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == expected, result.stderr


@pytest.mark.parametrize(
    ("database_url", "prepared", "expected"),
    [
        ("postgres://postgres@127.0.0.1:5432/stackable", None, "0"),
        ("postgres://postgres@127.0.0.1:5432/stackable", "false", "None"),
        ("sqlite:////tmp/stackable.sqlite3", None, "None"),
    ],
)
def test_fixed_statements_are_prepared_on_postgresql_unless_turned_off(database_url, prepared, expected):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DATABASE_PREPARED_STATEMENTS"}}
    env["DATABASE_URL"] = database_url
    if prepared is not None:
        env["DATABASE_PREPARED_STATEMENTS"] = prepared
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='lms.settings.dev'; django.setup();"
        "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS', {}).get('prepare_threshold'))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == expected, result.stderr


def test_the_embedded_sqlite_database_takes_write_locks_when_a_transaction_begins_and_waits_for_them():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["DJANGO_SETTINGS_MODULE"] = "lms.settings.dev"
    script = "from django.conf import settings; o = settings.DATABASES['default']['OPTIONS']; print(o['transaction_mode'], o['timeout'])"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    mode, timeout = result.stdout.split()
    assert mode == "IMMEDIATE"
    assert float(timeout) >= 10
