"""docker-compose.yml starts things in the right order with the right checks (read as YAML: no Docker engine here)."""

import pytest
from django.conf import settings

from tests.deploy import ROOT, compose, interpolate, read_dotenv, service_environment

APP_SERVICES = ["web", "worker", "beat"]


def depends_on(service: str) -> dict[str, str]:
    return {name: rule["condition"] for name, rule in compose()["services"][service]["depends_on"].items()}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_app_service_starts_after_migrate_has_completed(service):
    assert depends_on(service)["migrate"] == "service_completed_successfully"


@pytest.mark.parametrize("service", ["migrate", *APP_SERVICES])
def test_migrate_and_the_app_services_start_after_the_buckets_exist(service):
    assert depends_on(service)["buckets"] == "service_completed_successfully"


def test_the_bucket_job_makes_the_buckets_the_application_uses():
    job = service_environment("buckets", read_dotenv())
    web = service_environment("web", read_dotenv())
    script = compose()["services"]["buckets"]["command"][0]
    assert (job["PUBLIC_BUCKET"], job["PRIVATE_BUCKET"]) == (
        web["AWS_STORAGE_BUCKET_NAME"],
        web["AWS_PRIVATE_BUCKET_NAME"],
    )
    assert 'mc mb --ignore-existing "local/$$PUBLIC_BUCKET" "local/$$PRIVATE_BUCKET"' in script
    assert 'mc anonymous set none "local/$$PRIVATE_BUCKET"' in script
    assert "s3:GetObject" in script


def test_beat_runs_as_exactly_one_replica():
    beat = compose()["services"]["beat"]
    assert beat["deploy"]["replicas"] == 1
    assert "scale" not in beat


def test_web_is_healthy_only_while_ready():
    assert "/readyz" in " ".join(compose()["services"]["web"]["healthcheck"]["test"])


@pytest.mark.parametrize(("service", "node"), [("worker", "celery@"), ("beat", "celerybeat@")])
def test_worker_and_beat_are_healthy_only_while_they_answer_a_ping(service, node):
    definition = compose()["services"][service]
    assert f"inspect ping --destination {node}$$HOSTNAME" in " ".join(definition["healthcheck"]["test"])
    if service == "beat":
        assert "--enable-remote-control" in definition["command"]


def test_the_worker_consumes_the_queues_the_readme_names():
    command = [interpolate(part, read_dotenv()) for part in compose()["services"]["worker"]["command"]]
    assert "--queues=celery,notifications" in command
    assert settings.NOTIFICATIONS_QUEUE == "notifications"
    assert "--queues=celery,notifications" in (ROOT / "README.md").read_text()


def test_browsers_get_links_signed_for_the_public_s3_endpoint_minio_publishes():
    web = service_environment("web", read_dotenv())
    assert web["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert web["AWS_S3_PUBLIC_ENDPOINT_URL"] == read_dotenv()["AWS_S3_PUBLIC_ENDPOINT_URL"]
    assert "127.0.0.1:9000:9000" in compose()["services"]["minio"]["ports"]


def test_the_broker_keeps_queued_tasks_across_a_restart():
    broker = compose()["services"]["broker"]
    command = " ".join(broker["command"])
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command
    assert broker["volumes"][0].endswith(":/data")
    assert service_environment("web", read_dotenv())["CELERY_BROKER_URL"].startswith("redis://broker:")
