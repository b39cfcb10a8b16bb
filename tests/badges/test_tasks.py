"""badges.tasks: a worker warms up when it starts."""

from __future__ import annotations

from celery.signals import worker_init

from badges import services, tasks


def test_warming_up_signs_a_credential_without_the_database(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        services.worker_warm_up()


def test_a_starting_worker_warms_up_once_connected_to_worker_init(monkeypatch):
    assert tasks.warm_up_worker in [receiver() for _key, receiver in worker_init.receivers]
    calls = []
    monkeypatch.setattr(services, "worker_warm_up", lambda: calls.append("warmed"))
    tasks.warm_up_worker()
    assert calls == ["warmed"]


def test_a_failed_warm_up_does_not_stop_the_worker(monkeypatch, caplog):
    def broken() -> None:
        raise RuntimeError("no contexts")

    monkeypatch.setattr(services, "worker_warm_up", broken)
    tasks.warm_up_worker()
    assert "Warming up the worker failed" in caplog.text
