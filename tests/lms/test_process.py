"""A web worker freezes what it loaded at startup (lms.process): full collections then skip it."""

import gc
import importlib

import pytest


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the suite runs as it did


def test_loading_the_wsgi_application_freezes_what_it_loaded(unfrozen):
    import lms.wsgi

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    importlib.reload(lms.wsgi)
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # Django's, Wagtail's and our modules
    assert len(gc.get_objects()) < frozen / 10  # what a full collection still scans


def test_a_frozen_object_is_not_scanned_by_a_full_collection(unfrozen):
    from lms.process import startup_objects_freeze

    class Node:
        pass

    kept = [Node() for _ in range(1000)]
    before = startup_objects_freeze()
    assert before >= 1000
    tracked = {id(o) for o in gc.get_objects()}
    assert not any(id(node) in tracked for node in kept)


@pytest.mark.parametrize("signal_name", ["worker_process_init", "worker_ready"])
def test_a_celery_worker_freezes_what_it_loaded_once_forked_or_ready(unfrozen, signal_name):
    from celery import signals

    import lms.celery  # noqa: F401  connects the handlers

    assert gc.get_freeze_count() == 0
    getattr(signals, signal_name).send(sender=None)
    assert gc.get_freeze_count() > 10_000
