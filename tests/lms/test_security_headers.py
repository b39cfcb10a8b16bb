"""The Content-Security-Policy and Permissions-Policy headers: strict on the site, the admin's own on /admin/."""

import pytest

from lms.security_headers import content_security_policy

pytestmark = pytest.mark.django_db


def _directives(policy: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in policy.split("; "))}


def test_every_site_page_gets_a_strict_policy(client):
    policy = _directives(client.get("/courses/")["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]


def test_the_site_policy_frames_only_the_video_hosts_the_video_block_embeds(client):
    policy = _directives(client.get("/")["Content-Security-Policy"])
    assert policy["frame-src"] == ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]


def test_the_wagtail_admin_gets_its_own_policy_with_inline_code_and_nothing_more(client):
    policy = _directives(client.get("/admin/login/")["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert "'unsafe-eval'" not in " ".join(policy["script-src"])


def test_every_response_denies_powerful_browser_features(client):
    denied = client.get("/")["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in denied


def test_with_s3_the_policy_allows_its_images_and_direct_uploads(settings):
    settings.AWS_STORAGE_BUCKET_NAME = "public-bucket"
    settings.AWS_PRIVATE_BUCKET_NAME = "private-bucket"
    settings.AWS_S3_ENDPOINT_URL = "http://minio:9000"
    settings.AWS_S3_PUBLIC_ENDPOINT_URL = "https://files.example.org/some/path"
    policy = _directives(content_security_policy())
    assert policy["img-src"] == ["'self'", "data:", "https://files.example.org", "http://minio:9000"]
    assert policy["connect-src"] == ["'self'", "https://files.example.org", "http://minio:9000"]


def test_with_aws_s3_and_no_endpoint_the_policy_names_the_buckets_hosts(settings):
    settings.AWS_STORAGE_BUCKET_NAME = "public-bucket"
    settings.AWS_PRIVATE_BUCKET_NAME = "private-bucket"
    settings.AWS_S3_ENDPOINT_URL = None
    settings.AWS_S3_REGION_NAME = "ca-central-1"
    policy = _directives(content_security_policy())
    assert "https://private-bucket.s3.ca-central-1.amazonaws.com" in policy["connect-src"]
    assert "https://public-bucket.s3.amazonaws.com" in policy["img-src"]


def test_a_report_uri_is_sent_when_configured(settings):
    settings.CSP_REPORT_URI = "https://reports.example.org/csp"
    assert _directives(content_security_policy())["report-uri"] == ["https://reports.example.org/csp"]


def test_a_response_with_its_own_policy_keeps_it(rf, settings):
    from django.http import HttpResponse

    from lms.security_headers import SecurityHeadersMiddleware

    def view(request):
        response = HttpResponse()
        response["Content-Security-Policy"] = "sandbox"
        return response

    assert SecurityHeadersMiddleware(view)(rf.get("/"))["Content-Security-Policy"] == "sandbox"
