"""Links handed to browsers carry AWS_S3_PUBLIC_ENDPOINT_URL; the server's own S3 calls use AWS_S3_ENDPOINT_URL.

moto's standalone server (tests/s3.py) listens on 127.0.0.1: the server's endpoint names it `127.0.0.1`, the
browsers' endpoint `localhost`, so a URL tells which one it was built for. Where a test must prove that the
server never calls the public endpoint, that endpoint is a port nothing listens on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import override_settings

from media.uploads import UploadRefused, direct_upload_confirm, direct_upload_create, private_url
from tests.factories import make_user
from tests.s3 import _free_port

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@contextmanager
def split_endpoints(*, internal: str, public: str | None) -> Iterator[tuple[object, str, str]]:
    """The S3 settings of production (lms/settings/base.py) with a public and a private bucket on moto."""
    import boto3

    client = boto3.client("s3", endpoint_url=internal, region_name="us-east-1")
    public_bucket, private_bucket = f"public-{_free_port()}", f"private-{_free_port()}"
    for bucket in (public_bucket, private_bucket):
        client.create_bucket(Bucket=bucket)
    client.put_bucket_policy(Bucket=public_bucket, Policy=json.dumps(anyone_may_read(public_bucket)))
    backend = "media.s3_storage.PublicEndpointS3Storage"
    storages_setting = {
        "default": {"BACKEND": backend, "OPTIONS": {"querystring_auth": False, "location": "public"}},
        "private": {
            "BACKEND": backend,
            "OPTIONS": {"bucket_name": private_bucket, "location": "private", "querystring_auth": True},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        AWS_STORAGE_BUCKET_NAME=public_bucket,
        AWS_PRIVATE_BUCKET_NAME=private_bucket,
        AWS_S3_ENDPOINT_URL=internal,
        AWS_S3_PUBLIC_ENDPOINT_URL=public,
        STORAGES=storages_setting,
    ):
        yield client, public_bucket, private_bucket


def anyone_may_read(bucket: str) -> dict[str, object]:
    """The policy of the public bucket (MinIO's `mc anonymous set download`)."""
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.fixture
def aws_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture
def endpoints(s3_server, aws_credentials) -> tuple[str, str]:
    """(internal, public): two names of the same moto server."""
    port = urlsplit(s3_server).port
    return f"http://127.0.0.1:{port}", f"http://localhost:{port}"


@pytest.fixture
def reachable(endpoints):
    internal, public = endpoints
    with split_endpoints(internal=internal, public=public) as buckets:
        yield buckets


@pytest.fixture
def public_unreachable(endpoints):
    """The public endpoint is a port nothing listens on: a server-side call made through it fails."""
    internal, _public = endpoints
    with split_endpoints(internal=internal, public=f"http://localhost:{_free_port()}") as buckets:
        yield buckets


def at(url: str, endpoint: str) -> str:
    """`url` sent to `endpoint` instead: how a test reaches moto when the public endpoint is unreachable."""
    parts, target = urlsplit(url), urlsplit(endpoint)
    return parts._replace(scheme=target.scheme, netloc=target.netloc).geturl()


def post(url: str, fields: dict[str, str], body: bytes, filename: str) -> None:
    response = requests.post(url, data=fields, files={"file": (filename, body)}, timeout=10)
    assert response.status_code in (200, 201, 204), response.text


@pytest.mark.django_db
def test_a_presigned_upload_is_signed_for_the_public_endpoint_and_a_browser_can_post_to_it(endpoints, reachable):
    _internal, public = endpoints
    owner = make_user()

    upload = direct_upload_create(owner=owner, filename="report.pdf", max_bytes=1000)
    post(upload.url, upload.fields, PDF, "report.pdf")

    assert upload.url.startswith(f"{public}/")
    assert direct_upload_confirm(owner=owner, name=upload.name, allowed=["pdf"], max_bytes=1000).size == len(PDF)


@pytest.mark.django_db
def test_a_private_download_link_is_signed_for_the_public_endpoint_and_serves_the_file(endpoints, reachable):
    _internal, public = endpoints
    owner = make_user()
    upload = direct_upload_create(owner=owner, filename="report.pdf", max_bytes=1000)
    post(upload.url, upload.fields, PDF, "report.pdf")
    stored = direct_upload_confirm(owner=owner, name=upload.name, allowed=["pdf"], max_bytes=1000)

    link = private_url(private_file=stored)
    response = requests.get(link, timeout=10)

    assert link.startswith(f"{public}/") and "Signature=" in link
    assert (response.status_code, response.content) == (200, PDF)


@pytest.mark.django_db
def test_the_server_checks_a_direct_upload_through_the_internal_endpoint(endpoints, public_unreachable):
    internal, _public = endpoints
    owner = make_user()
    upload = direct_upload_create(owner=owner, filename="report.pdf", max_bytes=1000)
    post(at(upload.url, internal), upload.fields, PDF, "report.pdf")

    stored = direct_upload_confirm(owner=owner, name=upload.name, allowed=["pdf"], max_bytes=1000)  # HEAD, GET

    assert (stored.kind, stored.size) == ("pdf", len(PDF))


@pytest.mark.django_db
def test_the_server_deletes_a_refused_direct_upload_through_the_internal_endpoint(endpoints, public_unreachable):
    internal, _public = endpoints
    client, _public_bucket, private_bucket = public_unreachable
    owner = make_user()
    upload = direct_upload_create(owner=owner, filename="report.pdf", max_bytes=1000)
    post(at(upload.url, internal), upload.fields, PNG, "report.pdf")

    with pytest.raises(UploadRefused):
        direct_upload_confirm(owner=owner, name=upload.name, allowed=["pdf"], max_bytes=1000)

    assert client.list_objects_v2(Bucket=private_bucket).get("KeyCount", 0) == 0


def test_a_public_file_is_stored_through_the_internal_endpoint_and_linked_at_the_public_one(
    endpoints, public_unreachable
):
    _internal, public = endpoints
    _client, public_bucket, _private_bucket = public_unreachable
    storage = storages["default"]
    name = storage.save("images/logo.png", ContentFile(PNG))  # HEAD and PUT: they fail if sent to the public one

    with override_settings(AWS_S3_PUBLIC_ENDPOINT_URL=public):
        url = storage.url(name)
    response = requests.get(url, timeout=10)

    assert url == f"{public}/{public_bucket}/public/{name}"  # plain: anyone may read the public bucket
    assert (response.status_code, response.content) == (200, PNG)


@pytest.mark.django_db
def test_without_a_public_endpoint_links_are_signed_for_the_servers_endpoint(endpoints):
    internal, _public = endpoints
    with split_endpoints(internal=internal, public=None):
        upload = direct_upload_create(owner=make_user(), filename="report.pdf", max_bytes=1000)

    assert upload.url.startswith(f"{internal}/")
