"""Validated uploads: type by content, size caps, private signed links, and presigned direct uploads to S3."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from media.models import PrivateFile
from media.uploads import (
    UploadRefused,
    check_file,
    direct_upload_confirm,
    direct_upload_create,
    private_file_for_token,
    private_file_store,
    private_url,
    sniff,
)
from tests.factories import make_user

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
ZIP = b"PK\x03\x04\x14\x00\x00\x00"


@pytest.mark.parametrize(
    ("head", "name", "kind"),
    [
        (PDF, "a.pdf", "pdf"),
        (PNG, "a.png", "png"),
        (b"\xff\xd8\xff\xe0JFIF", "a.jpeg", "jpg"),
        (ZIP, "a.docx", "docx"),
        (ZIP, "a.pdf", "zip"),
        (b"plain words\n", "notes.md", "md"),
        (b"MZ\x90\x00\x03\x00", "a.pdf", None),
        (b"", "a.txt", None),
    ],
)
def test_the_type_of_a_file_is_read_from_its_first_bytes(head, name, kind):
    assert sniff(head, name=name) == kind


def test_an_executable_named_like_a_pdf_is_refused():
    with pytest.raises(UploadRefused, match="not of an accepted type"):
        check_file(head=b"MZ\x90\x00", name="cv.pdf", size=4, allowed=["pdf"], max_bytes=100)


def test_a_file_over_the_cap_is_refused_before_it_is_read():
    with pytest.raises(UploadRefused, match="larger than the limit"):
        check_file(head=b"", name="big.pdf", size=101, allowed=["pdf"], max_bytes=100)


@pytest.mark.django_db
def test_a_signed_link_serves_the_file_until_it_expires(client, monkeypatch):
    owner = make_user()
    stored = private_file_store(owner=owner, upload=SimpleUploadedFile("a.pdf", PDF), allowed=["pdf"], max_bytes=1000)
    url = private_url(private_file=stored, seconds=60)
    token = url.rstrip("/").rsplit("/", 1)[-1]

    assert b"".join(client.get(url).streaming_content) == PDF
    later = timezone.now() + timedelta(seconds=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert private_file_for_token(token) is None
    assert client.get(url).status_code == 404


# --- direct uploads against moto's standalone S3 server (fixtures in tests/s3.py) --------------------------


def _post(upload, body: bytes, filename: str) -> None:
    response = requests.post(upload.url, data=upload.fields, files={"file": (filename, body)}, timeout=10)
    assert response.status_code in (200, 201, 204), response.text


@pytest.mark.django_db
def test_a_direct_upload_is_accepted_after_the_server_checks_its_size_and_type(s3):
    owner = make_user()
    upload = direct_upload_create(owner=owner, filename="report.pdf", max_bytes=1000)
    _post(upload, PDF, "report.pdf")

    stored = direct_upload_confirm(owner=owner, name=upload.name, allowed=["pdf"], max_bytes=1000)

    assert (stored.kind, stored.size) == ("pdf", len(PDF))
    assert requests.get(private_url(private_file=stored), timeout=10).content == PDF


@pytest.mark.django_db
def test_a_direct_upload_that_is_not_the_allowed_type_is_refused_and_deleted(s3):
    client, bucket = s3
    owner = make_user()
    upload = direct_upload_create(owner=owner, filename="report.pdf", max_bytes=1000)
    _post(upload, PNG, "report.pdf")

    with pytest.raises(UploadRefused):
        direct_upload_confirm(owner=owner, name=upload.name, allowed=["pdf"], max_bytes=1000)

    assert client.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    assert not PrivateFile.objects.exists()


@pytest.mark.django_db
def test_a_direct_upload_over_the_size_cap_is_refused_even_when_the_server_took_it(s3):
    owner = make_user()
    upload = direct_upload_create(owner=owner, filename="big.pdf", max_bytes=100)
    _post(upload, PDF + b"0" * 500, "big.pdf")  # moto does not enforce content-length-range

    with pytest.raises(UploadRefused, match="larger than the limit"):
        direct_upload_confirm(owner=owner, name=upload.name, allowed=["pdf"], max_bytes=100)


@pytest.mark.django_db
def test_a_learner_cannot_confirm_someone_elses_upload(s3):
    owner, other = make_user(), make_user()
    upload = direct_upload_create(owner=owner, filename="report.pdf", max_bytes=1000)

    with pytest.raises(UploadRefused, match="does not belong"):
        direct_upload_confirm(owner=other, name=upload.name, allowed=["pdf"], max_bytes=1000)


@pytest.mark.django_db
def test_the_sweep_deletes_abandoned_direct_uploads_and_keeps_held_and_recent_ones(s3, monkeypatch):
    from media.uploads import direct_uploads_sweep

    client, bucket = s3
    owner = make_user()
    held = direct_upload_create(owner=owner, filename="held.pdf", max_bytes=1000)
    _post(held, PDF, "held.pdf")
    direct_upload_confirm(owner=owner, name=held.name, allowed=["pdf"], max_bytes=1000)
    abandoned = direct_upload_create(owner=owner, filename="abandoned.pdf", max_bytes=1000)
    _post(abandoned, PDF, "abandoned.pdf")

    assert direct_uploads_sweep() == 0  # both are recent: a learner may still be filling in the form

    later = timezone.now() + timedelta(hours=25)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert direct_uploads_sweep() == 1

    keys = [obj["Key"] for obj in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == [f"private/{held.name}"]


@pytest.mark.django_db
def test_the_sweep_does_nothing_without_s3():
    from media.uploads import direct_uploads_sweep

    assert direct_uploads_sweep() == 0
