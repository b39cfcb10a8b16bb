"""Issuing in batches: many completed enrolments signed and stored by one INSERT, each award still made once."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from badges import services
from badges.models import Award, AwardStatus, Issuer, StatusList
from badges.services import award_issue, award_issue_for_enrolments, issuing
from badges.services.reads import issue_read, issue_reads
from lms.models import OutboxMessage
from progress.models import Enrolment
from tests.badges.conftest import make_achievement, make_pathway
from tests.badges.helpers import verify_award
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db


def _completers(course, count: int, grade: int = 80) -> list[Enrolment]:
    return [
        Enrolment.objects.create(user=make_user(), course=course, completed_at=timezone.now(), final_grade=grade + n)
        for n in range(count)
    ]


@pytest.fixture
def opened(issuer, achievement):
    """The issuer's first status list exists (the first award opens it)."""
    award_issue(learner=make_user(), achievement=achievement)
    return StatusList.objects.get(issuer=issuer)


def test_a_batch_signs_and_stores_every_award_once(
    issuer, achievement, opened, mailoutbox, django_capture_on_commit_callbacks
):
    enrolments = _completers(achievement.course, 5)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = award_issue_for_enrolments(enrolment_ids=[e.pk for e in enrolments])
    assert len(outcome.issued) == 5 and (outcome.one_by_one, outcome.skipped, outcome.failed) == ([], [], [])
    awards = list(Award.objects.filter(pk__in=outcome.issued).select_related("learner", "status_list"))
    assert {a.learner_id for a in awards} == {e.user_id for e in enrolments}
    for award in awards:
        assert award.status == AwardStatus.ISSUED and award.attempts == 1 and award.error == ""
        enrolment = next(e for e in enrolments if e.user_id == award.learner_id)
        assert award.grade == enrolment.final_grade
        assert award.credential["credentialSubject"]["result"][0]["value"] == str(enrolment.final_grade)
        report = verify_award(award)
        assert report.status == "valid", report.failed
    assert len({a.code for a in awards}) == 5 and len({a.status_index for a in awards} | {None}) == 6
    assert len({a.credential_id for a in awards}) == 5
    opened.refresh_from_db()
    assert opened.allocated == 1 + 5 == Award.objects.filter(status_list=opened).count()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(e.user.email for e in enrolments)


def test_a_batch_costs_one_read_a_probe_and_one_write_whatever_its_size(issuer, achievement, opened):
    from django.test.utils import CaptureQueriesContext

    # The enrolments' read (one query, with the course's skills on PostgreSQL; elsewhere they are a query of their own,
    # once a badge a batch; PostgreSQL read them apart too before, 4 reads), the free-index probe, then one
    # statement that counts the indexes and inserts the rows on PostgreSQL (on SQLite, the counter's UPDATE, the
    # INSERT and the rows read back), and the INSERT of their e-mails' outbox rows, in one transaction; last, the
    # look-up of webhook endpoints that want `credential.issued` for the learners' organizations (none here:
    # integrations.webhooks.receivers), one a batch.
    for size in (3, 12):
        enrolments = _completers(achievement.course, size)
        with CaptureQueriesContext(connection) as captured:
            outcome = award_issue_for_enrolments(enrolment_ids=[e.pk for e in enrolments])
        assert len(outcome.issued) == size
        verbs = [q["sql"].split()[0].upper() for q in captured.captured_queries]
        reads = 3 if connection.vendor == "postgresql" else 5
        assert verbs.count("SELECT") == reads, verbs
        writes = ["WITH", "INSERT"] if connection.vendor == "postgresql" else ["UPDATE", "INSERT", "INSERT"]
        assert [v for v in verbs if v != "SELECT"] == writes, verbs


def test_repeating_a_batch_inserts_nothing(issuer, achievement, opened):
    enrolments = _completers(achievement.course, 4)
    first = award_issue_for_enrolments(enrolment_ids=[e.pk for e in enrolments])
    count = Award.objects.count()
    again = award_issue_for_enrolments(enrolment_ids=[e.pk for e in enrolments] * 2)  # and duplicates in it
    assert Award.objects.count() == count
    assert again.issued == [] and sorted(again.one_by_one) == sorted(first.issued)


def test_what_the_batch_cannot_store_goes_one_by_one_or_is_skipped(issuer, achievement, opened, learner):
    keyless = Issuer.objects.create(name="No Key", slug="nokey", url="https://x.example/", email="a@x.example")
    keyless_badge = make_achievement(keyless)
    fresh = _completers(achievement.course, 2)
    failed_before = _completers(achievement.course, 1)[0]
    Award.objects.create(learner=failed_before.user, achievement=achievement, code="FAIL-ED00-0001", status="failed")
    open_enrolment = Enrolment.objects.create(user=learner, course=achievement.course)
    no_badge = _completers(make_course(), 1)[0]
    keyless_enrolment = _completers(keyless_badge.course, 1)[0]
    ids = [e.pk for e in (*fresh, failed_before, open_enrolment, no_badge, keyless_enrolment)] + [999_999]

    with pytest.raises(services.BatchIssueError, match="1 of 7 awards failed"):
        award_issue_for_enrolments(enrolment_ids=ids)

    # The fresh ones are stored by the batch, the failed award is finished one by one, the rest are skipped...
    for enrolment in (*fresh, failed_before):
        award = Award.objects.get(learner=enrolment.user, achievement=achievement)
        assert award.status == AwardStatus.ISSUED and verify_award(award).status == "valid"
    assert not Award.objects.filter(learner=learner).exists()
    assert not Award.objects.filter(learner=no_badge.user).exists()
    # ...and the keyless issuer's award is recorded as failed, for admins, with its error.
    keyless_award = Award.objects.get(learner=keyless_enrolment.user)
    assert keyless_award.status == AwardStatus.FAILED and "create_issuer_key nokey" in keyless_award.error


def test_an_award_stored_meanwhile_is_skipped_by_the_insert_and_kept(issuer, achievement, opened, monkeypatch):
    enrolments = _completers(achievement.course, 3)
    raced = enrolments[1]
    sign = issuing._credential_sign

    def a_concurrent_call_issues_one_first(**kwargs):
        if kwargs["award"].learner_id == raced.user_id and not Award.objects.filter(learner=raced.user).exists():
            award_issue(learner=raced.user, achievement=achievement)
        return sign(**kwargs)

    monkeypatch.setattr(issuing, "_credential_sign", a_concurrent_call_issues_one_first)
    outcome = award_issue_for_enrolments(enrolment_ids=[e.pk for e in enrolments])
    kept = Award.objects.get(learner=raced.user)
    assert len(outcome.issued) == 2 and outcome.one_by_one == [kept.pk]
    assert kept.pk not in outcome.issued and kept.status == AwardStatus.ISSUED
    assert Award.objects.filter(achievement=achievement).count() == 1 + 3
    opened.refresh_from_db()
    # The skipped row's index was counted with the batch's: the counter may run ahead, never behind.
    assert opened.allocated >= Award.objects.filter(status_list=opened).count()


def test_an_issuer_without_a_list_or_with_too_little_room_goes_one_by_one(issuer, achievement):
    enrolments = _completers(achievement.course, 3)
    outcome = award_issue_for_enrolments(enrolment_ids=[e.pk for e in enrolments])  # no list yet
    assert outcome.issued == [] and len(outcome.one_by_one) == 3
    status_list = StatusList.objects.get(issuer=issuer)
    StatusList.objects.filter(pk=status_list.pk).update(allocated=status_list.size - 1)
    more = _completers(achievement.course, 2)
    outcome = award_issue_for_enrolments(enrolment_ids=[e.pk for e in more])
    assert outcome.issued == [] and len(outcome.one_by_one) == 2
    assert StatusList.objects.filter(issuer=issuer).count() == 2  # the one-by-one path opened the next list


def test_the_batch_evaluates_pathways_once_for_a_component_learner(issuer, opened, monkeypatch):
    evaluated = []
    component, other = make_achievement(issuer), make_achievement(issuer)
    make_pathway(issuer, [component, other])
    alone = make_achievement(issuer)
    learner = make_user()
    both = [
        Enrolment.objects.create(user=learner, course=badge.course, completed_at=timezone.now(), final_grade=90)
        for badge in (component, alone)
    ]
    monkeypatch.setattr(issuing, "pathways_evaluate", lambda *, learner: evaluated.append(learner) or [])
    outcome = award_issue_for_enrolments(enrolment_ids=[e.pk for e in both])
    assert len(outcome.issued) == 2 and evaluated == [learner]
    # Two badges in one batch: each credential carries its own badge's document, as one issued alone would.
    for award in Award.objects.filter(pk__in=outcome.issued).select_related("achievement__issuer"):
        document = award.credential["credentialSubject"]["achievement"]
        assert document == services.achievement_document(award.achievement)


def test_a_pathway_completed_by_a_batch_is_issued(issuer, opened):
    first, second = make_achievement(issuer), make_achievement(issuer)
    pathway = make_pathway(issuer, [first, second])
    learner = make_user()
    award_issue(learner=learner, achievement=first)
    enrolment = Enrolment.objects.create(
        user=learner, course=second.course, completed_at=timezone.now(), final_grade=Decimal("95.5")
    )
    award_issue_for_enrolments(enrolment_ids=[enrolment.pk])
    stacked = Award.objects.get(learner=learner, pathway=pathway)
    assert stacked.status == AwardStatus.ISSUED and verify_award(stacked).status == "valid"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_and_single_tasks_make_exactly_one_award_each(issuer, achievement):
    award_issue(learner=make_user(), achievement=achievement)
    enrolments = _completers(achievement.course, 8)
    ids = [e.pk for e in enrolments]
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def run(call) -> None:
        try:
            barrier.wait()
            call()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    calls = [
        lambda: award_issue_for_enrolments(enrolment_ids=ids),
        lambda: award_issue_for_enrolments(enrolment_ids=list(reversed(ids))),
        lambda: [services.award_issue_for_enrolment(enrolment_id=i) for i in ids[::2]],
        lambda: award_issue_for_enrolments(enrolment_ids=ids[3:]),
    ]
    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    awards = Award.objects.filter(learner_id__in=[e.user_id for e in enrolments])
    assert awards.count() == 8 and {a.status for a in awards} == {AwardStatus.ISSUED}
    indexes = list(Award.objects.values_list("status_list_id", "status_index"))
    assert len(set(indexes)) == len(indexes) == 9
    for award in awards:
        assert verify_award(award).status == "valid"


def test_the_batch_read_gives_what_one_read_each_gives(issuer, achievement, opened, learner):
    enrolments = [
        *_completers(achievement.course, 2),
        Enrolment.objects.create(user=learner, course=achievement.course),
    ]
    ids = [e.pk for e in enrolments] + [999_999]
    reads = issue_reads(enrolment_ids=ids)
    assert list(reads) == ids[:3] and reads[ids[2]] is None  # not complete; the missing enrolment is left out
    for enrolment_id in ids[:2]:
        one, batch = issue_read(enrolment_id=enrolment_id), reads[enrolment_id]
        assert (batch.learner.pk, batch.achievement.pk, batch.grade, batch.key, batch.status_list) == (
            one.learner.pk,
            one.achievement.pk,
            one.grade,
            one.key,
            one.status_list,
        )
        assert batch.achievement.issuer.did == one.achievement.issuer.did
        assert batch.achievement.course.title == one.achievement.course.title


def test_a_batch_records_one_email_per_award_with_its_awards_and_a_failed_email_is_retried_alone(
    issuer, achievement, opened, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    enrolments = _completers(achievement.course, 3)
    before = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    failing: list[int] = []
    notify = services.award_notify

    def one_fails(*, award_id):
        if award_id in failing:
            raise ConnectionError("SMTP is down")
        notify(award_id=award_id)

    monkeypatch.setattr(services, "award_notify", one_fails)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcome = award_issue_for_enrolments(enrolment_ids=[e.pk for e in enrolments])
    messages = OutboxMessage.objects.filter(handler="badges.award_notify", pk__gt=before).order_by("pk")
    assert [message.payload["award_id"] for message in messages] == outcome.issued
    failing.append(outcome.issued[1])
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        Award.objects.filter(pk__in=outcome.issued).exclude(pk=failing[0]).values_list("learner__email", flat=True)
    )
    left = OutboxMessage.objects.get(handler="badges.award_notify", done_at__isnull=True, pk__gt=before)
    assert left.payload == {"award_id": failing[0]} and "SMTP is down" in left.last_error
