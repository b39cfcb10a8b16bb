"""The private storage (STORAGES["private"]): local files under var/private, or a private S3 bucket; and the S3
clients: one for the server's own calls, one that signs every link handed to a browser.

The two differ when the server reaches S3 by an address that browsers cannot (http://minio:9000 under compose):
AWS_S3_ENDPOINT_URL is the server's, AWS_S3_PUBLIC_ENDPOINT_URL the browsers'.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage, storages


def private_storage() -> Storage:
    """A callable for FileField(storage=...), so migrations never capture the configured backend."""
    return storages["private"]


def uses_s3() -> bool:
    return bool(settings.AWS_STORAGE_BUCKET_NAME)


def s3_client() -> Any:
    """The client of the server's own calls (HEAD, GET, PUT, DELETE), on AWS_S3_ENDPOINT_URL."""
    return _client(settings.AWS_S3_ENDPOINT_URL, settings.AWS_S3_REGION_NAME, signed=True)


def s3_public_endpoint_url() -> str | None:
    """Where browsers reach S3; AWS_S3_ENDPOINT_URL unless AWS_S3_PUBLIC_ENDPOINT_URL says otherwise."""
    return settings.AWS_S3_PUBLIC_ENDPOINT_URL or settings.AWS_S3_ENDPOINT_URL


def s3_browser_client(*, signed: bool = True) -> Any:
    """The client that signs every URL handed to a browser (presigned POST and GET, public file URLs): a link
    carries the address it was signed for, so it must be one the browser can reach. Never used to call S3.

    `signed=False` builds plain URLs, for a bucket that anyone may read."""
    return _client(s3_public_endpoint_url(), settings.AWS_S3_REGION_NAME, signed=signed)


@functools.lru_cache(maxsize=8)
def _client(endpoint_url: str | None, region_name: str, *, signed: bool) -> Any:
    # Building a client costs milliseconds (a page of images signs many URLs); a boto3 client is thread-safe.
    # Credentials come from the environment, as for django-storages' own connections.
    import boto3
    import botocore
    from botocore.config import Config

    # Signature V4: the only one every AWS region and MinIO accept (boto3 would sign presigned GETs with V2).
    config = Config(signature_version="s3v4" if signed else botocore.UNSIGNED)
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url, region_name=region_name, config=config)


def private_bucket() -> str:
    return settings.AWS_PRIVATE_BUCKET_NAME


def private_location() -> str:
    """The key prefix of the private storage in its bucket."""
    if not uses_s3():
        return ""
    from storages.backends.s3 import S3Storage  # imports boto3: only where S3 is in use

    storage = storages["private"]
    if not isinstance(storage, S3Storage):
        raise ImproperlyConfigured("STORAGES['private'] must be an S3Storage when AWS_STORAGE_BUCKET_NAME is set.")
    return storage.location
