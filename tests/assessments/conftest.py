"""Fixtures: moto's standalone S3 server (tests/s3.py)."""

from tests.s3 import s3, s3_server  # noqa: F401
