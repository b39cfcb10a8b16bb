"""Content-Security-Policy and Permissions-Policy on every response, from settings.

The site's own pages run under a strict policy: scripts and styles from our origin only (no inline code, no eval),
images also from data: URLs and the public media origin, fetches also to the S3 endpoint that takes direct
uploads, frames only from the video hosts the video block embeds. The Wagtail admin needs more (inline scripts
and styles that Wagtail 7.4 cannot yet do without): it gets its own policy, `CSP_ADMIN_EXTRA`, on its paths only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

CSP_HEADER = "Content-Security-Policy"


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _s3_origins(*, bucket: str) -> list[str]:
    """Where the browser reaches a bucket: the configured endpoint (the public one first), or AWS's hosts."""
    endpoints = [getattr(settings, "AWS_S3_PUBLIC_ENDPOINT_URL", None), settings.AWS_S3_ENDPOINT_URL]
    origins = [origin for origin in map(_origin, endpoints) if origin]
    if origins:
        return list(dict.fromkeys(origins))
    region = settings.AWS_S3_REGION_NAME
    return [f"https://{bucket}.s3.amazonaws.com", f"https://{bucket}.s3.{region}.amazonaws.com"]


def _directives(*, admin: bool) -> dict[str, list[str]]:
    images = ["'self'", "data:"]
    connect = ["'self'"]
    media_origin = _origin(settings.MEDIA_URL)
    if media_origin:
        images.append(media_origin)
    if settings.AWS_STORAGE_BUCKET_NAME:
        custom_domain = getattr(settings, "AWS_S3_CUSTOM_DOMAIN", None)
        images += (
            [f"https://{custom_domain}"] if custom_domain else _s3_origins(bucket=settings.AWS_STORAGE_BUCKET_NAME)
        )
        connect += _s3_origins(bucket=settings.AWS_PRIVATE_BUCKET_NAME)  # presigned POSTs of direct uploads
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": images,
        "connect-src": connect,
        "frame-src": list(settings.CSP_FRAME_SOURCES),
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    if admin:
        for directive, sources in settings.CSP_ADMIN_EXTRA.items():
            base = [source for source in directives.get(directive, ["'self'"]) if source != "'none'"]
            directives[directive] = list(dict.fromkeys([*base, *sources]))
    if settings.CSP_REPORT_URI:
        directives["report-uri"] = [settings.CSP_REPORT_URI]
    return directives


def content_security_policy(*, admin: bool = False) -> str:
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in _directives(admin=admin).items())


def permissions_policy() -> str:
    return ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DENIED)


@dataclass(frozen=True)
class _Headers:
    site_policy: str
    admin_policy: str
    admin_prefixes: tuple[str, ...]
    permissions: str


@functools.cache
def _headers() -> _Headers:
    """Built once from settings, again after a test overrides one (setting_changed)."""
    return _Headers(
        site_policy=content_security_policy(),
        admin_policy=content_security_policy(admin=True),
        admin_prefixes=tuple(settings.CSP_ADMIN_PATHS),
        permissions=permissions_policy(),
    )


@receiver(setting_changed)
def _settings_changed(**kwargs: Any) -> None:
    _headers.cache_clear()


class SecurityHeadersMiddleware:
    """Adds the policies to every response that has none of its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        headers = _headers()
        if CSP_HEADER not in response:
            admin = request.path_info.startswith(headers.admin_prefixes)
            response[CSP_HEADER] = headers.admin_policy if admin else headers.site_policy
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = headers.permissions
        return response
