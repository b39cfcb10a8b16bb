"""A worker killed (SIGKILL) halfway through issuing: the award is issued once, by the next attempt.

On the production path (course completed, through the outbox) the next attempt comes from the outbox's
redelivery by beat, within a minute; the first tests send the task straight to the broker.

The task is acknowledged late, so the message stays with the broker until the task returns: Redis hands an
unacknowledged message to another worker after its visibility timeout (shortened here) when a whole worker
dies, and a worker whose pool process dies puts the message back itself (reject_on_worker_lost). A new award is
signed before anything is stored, and stored signed by one statement, so the killed attempt leaves no row; the
new worker issues the award once, and the unique constraint would refuse a second.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from badges.models import Achievement, Award, AwardStatus
from badges.services import award_issue
from badges.tasks import award_issue_task
from content.models import LessonPage
from lms.models import OutboxMessage
from progress.models import Enrolment
from progress.services import enrolment_create, lesson_complete
from tests.badges import brokered
from tests.badges.conftest import make_achievement
from tests.badges.helpers import verify_award
from tests.badges.test_tasks_worker import completed_enrolment, routed_to_test_queues
from tests.factories import make_course, make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]


def worker_process(
    queues: list[str], *, block_signing: Path | None = None, pool: str = "solo", visibility_timeout: int = 2
) -> subprocess.Popen[bytes]:
    """A Celery worker in a process group of its own, on this test's database and queues."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL_FOR_WORKER_TESTS,
        "BADGES_TEST_VISIBILITY_TIMEOUT": str(visibility_timeout),
    }
    env.pop("BADGES_TEST_BLOCK_SIGNING", None)
    if block_signing is not None:
        env["BADGES_TEST_BLOCK_SIGNING"] = str(block_signing)
    command = [
        sys.executable,
        "-m",
        "tests.badges.killable_worker",
        f"--pool={pool}",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=WARNING",
        f"--queues={','.join(queues)}",
        f"--hostname={uuid.uuid4().hex}@%h",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Kill the worker and any pool processes it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


@dataclass(frozen=True)
class Halfway:
    """A worker stopped inside signing: its queues, its process, the process that signs, and the award row the
    attempt stored before signing (None on the direct path, which stores nothing before it has signed)."""

    queues: list[str]
    worker: subprocess.Popen[bytes]
    signer_pid: int
    award: Award | None


@contextlib.contextmanager
def stopped_while_signing(
    enrolment: Enrolment, tmp_path: Path, *, name: str, pool: str = "solo", visibility_timeout: int = 2
) -> Iterator[Halfway]:
    """Send the award task to a worker that blocks inside signing; yield once it signs.

    The worker is killed, if it still runs, when the block ends; the queues stay routed until then.
    """
    signing = tmp_path / "signing"
    with routed_to_test_queues(f"{name}-{uuid.uuid4().hex}") as queues:
        worker = worker_process(queues, block_signing=signing, pool=pool, visibility_timeout=visibility_timeout)
        try:
            award_issue_task.apply_async(args=[enrolment.pk], queue=queues[0])
            wait_for(
                lambda: signing.exists() and signing.read_text().isdigit(),
                seconds=120,
                what="a worker to start signing",
            )
            award = Award.objects.filter(learner_id=enrolment.user_id).first()
            if award is not None:
                assert (award.status, award.credential_json) == (AwardStatus.ISSUING, "")
            yield Halfway(queues=queues, worker=worker, signer_pid=int(signing.read_text()), award=award)
        finally:
            stop(worker)


def wait_until_issued(learner, *, what: str) -> None:
    issued = Award.objects.filter(learner=learner, status=AwardStatus.ISSUED)
    wait_for(issued.exists, seconds=120, what=what)


def assert_issued_once(halfway: Halfway, learner, achievement: Achievement) -> None:
    """One award of the learner, signed once and valid; when the killed attempt had stored its row first, the same
    row, code and status index."""
    award = Award.objects.get(learner=learner)
    assert award.status == AwardStatus.ISSUED
    assert award.attempts == 1  # the killed attempt stored nothing, or rolled back with its transaction
    if halfway.award is not None:
        assert (award.pk, award.code, award.status_index) == (
            halfway.award.pk,
            halfway.award.code,
            halfway.award.status_index,
        )
    assert award.credential["credentialSubject"]["achievement"]["name"] == achievement.name
    assert verify_award(award).status == "valid"


@pytest.mark.parametrize("direct", [True, False], ids=["signed-then-stored", "stored-then-signed"])
def test_a_worker_killed_while_signing_is_followed_by_one_award(issuer, achievement, learner, tmp_path, direct):
    if direct:  # the issuer has a status list: the award is stored signed, by one statement
        award_issue(learner=make_user(), achievement=achievement)
    # else: the issuer's first award opens its list, the stepwise way (row first, then signed under its lock)
    enrolment = completed_enrolment(learner, achievement.course)
    with stopped_while_signing(enrolment, tmp_path, name="badges-killed") as halfway:
        assert (halfway.award is None) == direct
        assert halfway.signer_pid == halfway.worker.pid  # the solo pool signs in the worker itself
        os.kill(halfway.worker.pid, signal.SIGKILL)
        assert halfway.worker.wait(timeout=30) == -signal.SIGKILL
        stop(halfway.worker)

        second = worker_process(halfway.queues)
        try:
            wait_until_issued(learner, what="a new worker to finish the award")
        finally:
            stop(second)

    assert_issued_once(halfway, learner, achievement)


def test_a_pool_process_killed_while_signing_is_requeued_and_its_award_issued_once(
    issuer, achievement, learner, tmp_path
):
    """reject_on_worker_lost: the worker's main process puts the message back when its pool process dies."""
    award_issue(learner=make_user(), achievement=achievement)
    enrolment = completed_enrolment(learner, achievement.course)
    # No redelivery by visibility timeout here: only the lost pool process can bring the message back.
    with stopped_while_signing(
        enrolment, tmp_path, name="badges-pool-killed", pool="prefork", visibility_timeout=3600
    ) as halfway:
        assert halfway.award is None and halfway.signer_pid != halfway.worker.pid
        os.kill(halfway.signer_pid, signal.SIGKILL)
        wait_until_issued(learner, what="the requeued task to finish the award")

    assert_issued_once(halfway, learner, achievement)


def test_a_worker_killed_while_issuing_from_the_outbox_is_redelivered_within_a_minute_and_emails_once(
    issuer, achievement, learner, tmp_path, settings
):
    """The production path (course completed, recorded in the outbox), with no broker redelivery to help: the
    killed attempt's outbox row is published again by beat after its backoff (2 s here, a minute by default),
    not after Redis's one-hour visibility timeout; the award is issued once and its e-mail sent once."""
    settings.OUTBOX_REDELIVER_AFTER = 2  # as the worker's and beat's environment says
    award_issue(learner=make_user(), achievement=achievement)  # the issuer's status list exists
    course = make_course(modules=1, lessons_per_module=1)
    make_achievement(issuer, course=course)
    lessons = LessonPage.objects.live().descendant_of(course)
    enrolment_create(user=learner, course=course)
    broker = brokered.RedisBroker(tmp_path)
    broker.start()
    signing, emails = tmp_path / "signing", tmp_path / "emails"
    processes = [brokered.worker(broker, tmp_path, block_signing=signing)]
    try:
        with brokered.publishing_to(broker):
            for lesson in lessons:
                lesson_complete(user=learner, lesson=lesson)
        wait_for(lambda: signing.exists() and signing.read_text().isdigit(), seconds=60, what="signing to start")
        os.kill(processes[0].pid, signal.SIGKILL)
        assert processes[0].wait(timeout=30) == -signal.SIGKILL
        assert not Award.objects.filter(learner=learner).exists()
        killed = time.monotonic()
        processes += [brokered.worker(broker, tmp_path), brokered.beat(broker, tmp_path)]
        brokered.wait_for(
            lambda: (
                brokered.emails_to(emails, learner.email) == 1
                and not OutboxMessage.objects.filter(done_at__isnull=True).exists()
            ),
            seconds=60,
            what="the outbox to redeliver the award and its e-mail",
        )
        assert time.monotonic() - killed < 60
    finally:
        for process in processes:
            stop(process)
        broker.stop()
        brokered.end_worker_sessions()
    award = Award.objects.get(learner=learner)
    assert award.status == AwardStatus.ISSUED and award.attempts == 1 and award.notified_at is not None
    assert verify_award(award).status == "valid"
    assert brokered.emails_to(emails, learner.email) == 1
