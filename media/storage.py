"""The private storage (STORAGES["private"]): local files under var/private, or a private S3 bucket."""

from __future__ import annotations

from typing import Any

from django.conf import settings
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
    return storages["private"].location if uses_s3() else ""
