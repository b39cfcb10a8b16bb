"""The private storage (STORAGES["private"]): local files under var/private, or a private S3 bucket."""

from __future__ import annotations

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
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=settings.AWS_S3_ENDPOINT_URL,
        region_name=settings.AWS_S3_REGION_NAME,
    )


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
