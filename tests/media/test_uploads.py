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


# --- active content: refused unless the task allows it; private files are always downloads --------------

PLAIN_SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- Generator: a drawing tool -->\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><style>rect{fill:red}</style>'
    b'<a href="https://example.org/"><rect width="10" height="10"/></a></svg>'
)


def _check(head: bytes, name: str, allowed: list[str], **options) -> str:
    return check_file(head=head, name=name, size=len(head), allowed=allowed, max_bytes=100_000, **options)


def test_an_ordinary_svg_is_accepted():
    assert _check(PLAIN_SVG, "drawing.svg", ["svg"]) == "svg"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "contains a script"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "event handlers"),
        (b"<svg><foreignObject><div>x</div></foreignObject></svg>", "foreignObject"),
        (b'<svg><a href="javascript:alert(1)"><text>x</text></a></svg>', "contains a script"),
        (b'<svg><a href="jav&#x61;script:alert(1)"><text>x</text></a></svg>', "contains a script"),
        (b'<svg><set attributeName="href" to="javascript:alert(1)"/></svg>', "contains a script"),
    ],
)
def test_an_svg_carrying_code_is_refused_with_the_reason(body, reason):
    with pytest.raises(UploadRefused, match=reason):
        _check(body, "drawing.svg", ["svg"])


@pytest.mark.parametrize(
    "body",
    [b"<!DOCTYPE html><html><body>hi</body></html>", b"\n  <html><p>hi</p></html>", b"<script>alert(1)</script>"],
)
def test_an_html_document_is_not_accepted_as_text(body):
    with pytest.raises(UploadRefused, match=r"HTML document|contains a script"):
        _check(body, "page.txt", ["txt"])


def test_an_html_file_is_not_accepted_under_its_own_name_as_text_either():
    with pytest.raises(UploadRefused, match="HTML document"):
        _check(b"<!doctype html><title>x</title>", "page.html", ["txt"])


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml">1</x:script>', "contains a script"),
        (b'<?xml version="1.0"?><?xml-stylesheet href="s.xsl"?><doc/>', "stylesheet"),
        (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>', "XHTML"),
    ],
)
def test_xml_that_can_run_code_is_refused(body, reason):
    with pytest.raises(UploadRefused, match=reason):
        _check(body, "data.txt", ["txt"])


def test_active_content_is_accepted_when_the_task_allows_it():
    assert _check(b"<!DOCTYPE html><script>alert(1)</script>", "page.txt", ["txt"], allow_active=True) == "txt"


def test_ordinary_text_and_markdown_are_accepted():
    assert _check(b"# Notes\n\n3 < 4 and 5 > 2; see <https://example.org>.\n", "notes.md", ["md"]) == "md"


@pytest.mark.django_db
def test_a_script_far_into_an_svg_is_found():
    padding = b"<!-- " + b"x" * 200_000 + b" -->"
    body = b'<svg xmlns="http://www.w3.org/2000/svg">' + padding + b"<scr" + b"ipt>alert(1)</script></svg>"
    with pytest.raises(UploadRefused, match="contains a script"):
        private_file_store(
            owner=make_user(), upload=SimpleUploadedFile("d.svg", body), allowed=["svg"], max_bytes=1_000_000
        )
    assert not PrivateFile.objects.exists()


@pytest.mark.django_db
def test_a_local_private_file_is_served_as_a_download_that_is_never_sniffed(client):
    stored = private_file_store(
        owner=make_user(), upload=SimpleUploadedFile("d.svg", PLAIN_SVG), allowed=["svg"], max_bytes=100_000
    )
    response = client.get(private_url(private_file=stored))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.django_db
def test_a_presigned_link_makes_s3_serve_a_download_of_the_stored_type(s3):
    owner = make_user()
    upload = direct_upload_create(owner=owner, filename="drawing.svg", max_bytes=100_000)
    _post(upload, PLAIN_SVG, "drawing.svg")
    stored = direct_upload_confirm(owner=owner, name=upload.name, allowed=["svg"], max_bytes=100_000)

    response = requests.get(private_url(private_file=stored), timeout=10)

    assert response.headers["Content-Disposition"] == 'attachment; filename="drawing.svg"'
    assert response.headers["Content-Type"] == "image/svg+xml"


@pytest.mark.django_db
def test_a_direct_upload_with_a_script_past_the_sniffed_bytes_is_refused_and_deleted(s3):
    client, bucket = s3
    owner = make_user()
    body = b'<svg xmlns="http://www.w3.org/2000/svg"><!-- ' + b"x" * 5000 + b" --><script>alert(1)</script></svg>"
    upload = direct_upload_create(owner=owner, filename="drawing.svg", max_bytes=100_000)
    _post(upload, body, "drawing.svg")

    with pytest.raises(UploadRefused, match="contains a script"):
        direct_upload_confirm(owner=owner, name=upload.name, allowed=["svg"], max_bytes=100_000)

    assert client.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
