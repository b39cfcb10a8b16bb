"""Production refuses to start with the example secrets, and starts cleanly with real ones.

Each test imports lms.settings.production in a subprocess with the environment docker compose hands the web
container (docker-compose.yml's wiring of a .env), as every container does when it starts.
"""

import json

import pytest
from cryptography.fernet import Fernet

from tests.deploy import import_production_settings, read_dotenv, real_dotenv, run_python, service_environment

SECRETS_OF_ENV_EXAMPLE = {
    "SECRET_KEY": "SECRET_KEY",
    "POSTGRES_PASSWORD": "POSTGRES_PASSWORD",
    "MINIO_ROOT_PASSWORD": "AWS_SECRET_ACCESS_KEY (MINIO_ROOT_PASSWORD",
    "BADGES_KEY_ENCRYPTION_KEYS": "BADGES_KEY_ENCRYPTION_KEYS",
}


def web_environment(**dotenv_changes: str) -> dict[str, str]:
    return service_environment("web", {**real_dotenv(), **dotenv_changes})


def test_production_refuses_the_env_example_unchanged_naming_every_placeholder(tmp_path):
    result = import_production_settings(service_environment("web", read_dotenv()), tmp_path)
    assert result.returncode != 0
    assert "Production refuses to start" in result.stderr
    for named in SECRETS_OF_ENV_EXAMPLE.values():
        assert named in result.stderr


@pytest.mark.parametrize("variable", sorted(SECRETS_OF_ENV_EXAMPLE))
def test_production_refuses_each_placeholder_of_the_env_example_on_its_own(tmp_path, variable):
    environment = web_environment(**{variable: read_dotenv()[variable]})
    result = import_production_settings(environment, tmp_path)
    assert result.returncode != 0
    assert result.stderr.count("\n- ") == 1, result.stderr
    assert f"- {SECRETS_OF_ENV_EXAMPLE[variable]}" in result.stderr
    assert read_dotenv()[variable] not in result.stderr.split("refuses to start")[-1]


def test_production_refuses_minios_default_password(tmp_path):
    result = import_production_settings(web_environment(MINIO_ROOT_PASSWORD="minioadmin"), tmp_path)
    assert result.returncode != 0
    assert "AWS_SECRET_ACCESS_KEY" in result.stderr


@pytest.mark.parametrize("keys", ["bm90LWEta2V5", "{good},bm90LWEta2V5"], ids=["only key", "second key"])
def test_production_refuses_a_key_encryption_key_that_is_not_a_fernet_key(tmp_path, keys):
    keys = keys.format(good=Fernet.generate_key().decode())
    result = import_production_settings(web_environment(BADGES_KEY_ENCRYPTION_KEYS=keys), tmp_path)
    assert result.returncode != 0
    assert "BADGES_KEY_ENCRYPTION_KEYS entry" in result.stderr
    assert "is not a Fernet key" in result.stderr


def test_production_refuses_to_start_without_site_url(tmp_path):
    environment = web_environment()
    del environment["SITE_URL"]
    result = import_production_settings(environment, tmp_path)
    assert result.returncode != 0
    assert "Set SITE_URL" in result.stderr


@pytest.mark.parametrize(
    ("site_url", "ssl_redirect"),
    [("http://learn.example.org", "false"), ("http://127.0.0.1:8000", "true")],
    ids=["public host", "loopback with the https redirect on"],
)
def test_production_refuses_a_plain_http_site_url(tmp_path, site_url, ssl_redirect):
    environment = web_environment(SITE_URL=site_url, SECURE_SSL_REDIRECT=ssl_redirect)
    result = import_production_settings(environment, tmp_path)
    assert result.returncode != 0
    assert "SITE_URL must be an https address" in result.stderr


def smoke_test_environment() -> dict[str, str]:
    return web_environment(
        SITE_URL="http://127.0.0.1:8000",
        ALLOWED_HOSTS="127.0.0.1",
        AWS_S3_PUBLIC_ENDPOINT_URL="http://127.0.0.1:9000",
        SECURE_SSL_REDIRECT="false",
    )


def test_production_starts_for_a_loopback_smoke_test_with_the_https_redirect_off(tmp_path):
    result = import_production_settings(smoke_test_environment(), tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("smoke_test", [False, True], ids=["https", "loopback http"])
def test_cookies_are_always_secure_even_in_the_loopback_smoke_test(tmp_path, smoke_test):
    environment = smoke_test_environment() if smoke_test else web_environment()
    code = "import lms.settings.production as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    result = run_python(["-c", code], environment, tmp_path)
    assert result.stdout.split() == ["True", "True"], result.stderr


def test_production_refuses_to_sign_links_for_an_endpoint_only_containers_reach(tmp_path):
    environment = web_environment()
    del environment["AWS_S3_PUBLIC_ENDPOINT_URL"]
    result = import_production_settings(environment, tmp_path)
    assert result.returncode != 0
    assert "AWS_S3_PUBLIC_ENDPOINT_URL must be an https address" in result.stderr


def test_production_with_real_values_passes_check_deploy_with_no_warnings(tmp_path):
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], web_environment(), tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues (0 silenced)" in result.stdout


def test_the_build_settings_collect_the_static_files_production_serves(tmp_path):
    code = (
        "import importlib, json, sys; s = importlib.import_module(sys.argv[1]);"
        "print(json.dumps({name: getattr(s, name, None) for name in ("
        "'STATIC_ROOT', 'STATIC_URL', 'STATICFILES_DIRS', 'STATICFILES_FINDERS', 'INSTALLED_APPS',"
        "'WHITENOISE_USE_FINDERS')} | {'storage': s.STORAGES['staticfiles']}, default=str))"
    )
    build = run_python(["-c", code, "lms.settings.build"], {}, tmp_path)
    production = run_python(["-c", code, "lms.settings.production"], web_environment(), tmp_path)
    assert build.returncode == 0, build.stderr
    assert production.returncode == 0, production.stderr
    assert json.loads(build.stdout) == json.loads(production.stdout)
    assert "whitenoise" in json.loads(build.stdout)["storage"]["BACKEND"]
