"""One small benchmark dataset per module: the shapes of dataset S (20 vs 500 items, 1 vs 30 enrolments)."""

from __future__ import annotations

import pytest
from django.db import transaction


@pytest.fixture(scope="module")
def bench_dataset(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at the end; tests nest in it."""
    from bench.datasets import Manifest, build, tiny
    from lms.roles import role_groups_ensure

    with django_db_blocker.unblock(), transaction.atomic():
        role_groups_ensure()
        build(tiny())
        yield Manifest.load()
        transaction.set_rollback(True)
