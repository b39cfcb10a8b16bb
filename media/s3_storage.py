"""The S3 storage of STORAGES when S3 is configured: django-storages' S3Storage, with URLs for browsers.

A module of its own so that importing media.storage never imports boto3 when files stay on local disk.
"""

from __future__ import annotations

from typing import Any

from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from media.storage import s3_browser_client


class PublicEndpointS3Storage(S3Storage):
    """Files are stored, read and deleted through AWS_S3_ENDPOINT_URL like any S3Storage; their URLs (public
    images, documents, presigned links) are built for AWS_S3_PUBLIC_ENDPOINT_URL, where browsers reach S3."""

    def url(
        self,
        name: str,
        parameters: dict[str, Any] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
    ) -> str:
        if self.custom_domain:  # a CDN or proxy in front of the bucket already names the public address
            return super().url(name, parameters, expire, http_method)
        params = {**(parameters or {}), "Bucket": self.bucket_name, "Key": self._normalize_name(clean_name(name))}
        url: str = s3_browser_client(signed=self.querystring_auth).generate_presigned_url(
            "get_object",
            Params=params,
            ExpiresIn=self.querystring_expire if expire is None else expire,
            HttpMethod=http_method,
        )
        return url
