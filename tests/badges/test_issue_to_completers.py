"""Issuing a badge to a course's completers who do not hold it: the admin page, the service and the command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import timezone

from badges import services
from badges.models import Award, AwardStatus, Issuer
from badges.selectors import achievement_issue_summary
from badges.services import achievement_awards_issue, award_issue, award_revoke, issuing
from lms.models import OutboxMessage
from progress.models import Enrolment
from tests.badges.conftest import make_achievement
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db


def _complete(course, user=None) -> Enrolment:
    return Enrolment.objects.create(
        user=user or make_user(), course=course, completed_at=timezone.now(), final_grade=75
    )


@pytest.fixture
def teacher(db):
    return make_user(instructor=True)


@pytest.fixture
def taught(issuer, teacher):
    """A course of the teacher's with a badge: two completers who hold it (one revoked), one whose award failed,
    three who completed before the badge existed, one still studying."""
    course = make_course(instructors=[teacher])
    holders = [_complete(course), _complete(course)]  # rows written directly: no "course completed" signal
    achievement = make_achievement(issuer, course=course)
    admin = make_user(is_staff=True, is_superuser=True)
    revoked = award_issue(learner=holders[1].user, achievement=achievement)
    award_revoke(award=revoked, user=admin, reason="Plagiarism")
    award_issue(learner=holders[0].user, achievement=achievement)
    failed = _complete(course)
    Award.objects.create(learner=failed.user, achievement=achievement, code="FAIL-ED00-0002", status="failed")
    before = [_complete(course) for _ in range(3)]
    Enrolment.objects.create(user=make_user(), course=course)
    return achievement, before, failed


def test_the_summary_counts_completers_by_their_award(taught, django_assert_num_queries):
    achievement, _before, _failed = taught
    with django_assert_num_queries(1):
        summary = achievement_issue_summary(achievement=achievement)
    assert (summary.completed, summary.issued, summary.failed, summary.issuing, summary.pending) == (6, 2, 1, 0, 4)


def test_issuing_signs_the_missing_badges_and_never_a_revoked_one(
    taught, teacher, mailoutbox, django_capture_on_commit_callbacks
):
    achievement, before, failed = taught
    with django_capture_on_commit_callbacks(execute=True):
        queued = achievement_awards_issue(achievement=achievement, user=teacher)
    assert queued == 4
    for enrolment in (*before, failed):
        award = Award.objects.get(learner=enrolment.user, achievement=achievement)
        assert award.status == AwardStatus.ISSUED and award.revoked_at is None
    assert Award.objects.filter(achievement=achievement).count() == 6
    assert Award.objects.filter(achievement=achievement, revoked_at__isnull=False).count() == 1
    assert sorted(m.to[0] for m in mailoutbox) == sorted(e.user.email for e in (*before, failed))
    assert achievement_issue_summary(achievement=achievement).pending == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert achievement_awards_issue(achievement=achievement, user=teacher) == 0


def test_a_large_course_is_queued_in_batches(issuer, monkeypatch, django_capture_on_commit_callbacks):
    achievement = make_achievement(issuer)
    for _ in range(5):
        _complete(achievement.course)
    monkeypatch.setattr(issuing, "AWARD_BATCH_SIZE", 2)
    with django_capture_on_commit_callbacks(execute=False):
        achievement_awards_issue(achievement=achievement, user=make_user(is_superuser=True))
    messages = OutboxMessage.objects.filter(handler="badges.award_issue_batch").order_by("pk")
    queued = [message.payload["enrolment_ids"] for message in messages]
    assert [len(batch) for batch in queued] == [2, 2, 1]
    assert len({pk for batch in queued for pk in batch}) == 5


def test_only_admins_and_the_course_instructors_may_issue(taught):
    achievement, _before, _failed = taught
    for outsider in (make_user(), make_user(instructor=True), make_user(is_superuser=True, is_active=False)):
        with pytest.raises(PermissionDenied):
            achievement_awards_issue(achievement=achievement, user=outsider)


def test_a_keyless_issuer_is_refused_before_anything_is_queued(learner, django_capture_on_commit_callbacks):
    keyless = Issuer.objects.create(name="No Key", slug="nokey", url="https://x.example/", email="a@x.example")
    achievement = make_achievement(keyless)
    _complete(achievement.course)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(services.BadgeError, match="No Key"):
        achievement_awards_issue(achievement=achievement, user=make_user(is_superuser=True))
    assert callbacks == [] and not Award.objects.exists()


# --- the admin page ----------------------------------------------------------------------------------------


def _url(achievement) -> str:
    return f"/admin/badges/achievements/{achievement.pk}/issue/"


def test_the_instructor_sees_the_counts_then_issues(client, taught, teacher, django_capture_on_commit_callbacks):
    achievement, _before, _failed = taught
    client.force_login(teacher)
    listing = client.get("/admin/snippets/badges/achievement/").content.decode()
    assert _url(achievement) in listing
    page = client.get(_url(achievement))
    assert page.status_code == 200
    text = page.content.decode()
    assert "4 learners completed" in text and "Issue 4 badges" in text and "Revoked badges are not issued again" in text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(achievement), follow=True)
    assert response.redirect_chain[-1][0] == "/admin/snippets/badges/award/"
    assert "4 badges are being issued" in response.content.decode()
    assert Award.objects.filter(achievement=achievement, status=AwardStatus.ISSUED).count() == 6


def test_the_page_says_when_there_is_nothing_to_issue(client, issuer):
    achievement = make_achievement(issuer)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    text = client.get(_url(achievement)).content.decode()
    assert "there is nothing to issue" in text and "<form" not in text.split('class="nice-padding"')[1]
    response = client.post(_url(achievement), follow=True)
    assert "already holds this badge" in response.content.decode()


def test_another_instructor_and_a_learner_are_refused(client, taught):
    achievement, _before, _failed = taught
    for outsider in (make_user(instructor=True), make_user()):
        client.force_login(outsider)
        assert client.get(_url(achievement)).status_code in {302, 403}
        assert client.post(_url(achievement)).status_code in {302, 403}
    assert Award.objects.filter(achievement=achievement).count() == 3
    client.force_login(make_user(is_staff=True, is_superuser=True))
    assert client.get("/admin/badges/achievements/999999/issue/").status_code == 404


def test_a_keyless_issuer_is_explained_on_the_page(client):
    keyless = Issuer.objects.create(name="No Key", slug="nokey", url="https://x.example/", email="a@x.example")
    achievement = make_achievement(keyless)
    _complete(achievement.course)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    response = client.post(_url(achievement))
    assert response.status_code == 409
    assert "No Key has no signing key yet" in response.content.decode()
    assert not Award.objects.exists()


# --- the command -------------------------------------------------------------------------------------------


def test_the_command_counts_then_issues(taught, django_capture_on_commit_callbacks):
    achievement, _before, _failed = taught
    out = StringIO()
    call_command("issue_badges", achievement.slug, "--dry-run", stdout=out)
    assert f"{achievement.slug}: 4 of 6 completers would be issued." in out.getvalue()
    assert Award.objects.filter(achievement=achievement).count() == 3
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("issue_badges", "--all", stdout=out)
    assert f"{achievement.slug}: 4 of 6 completers queued." in out.getvalue()
    assert Award.objects.filter(achievement=achievement, status=AwardStatus.ISSUED).count() == 6


def test_the_command_refuses_unknown_slugs_and_ambiguous_arguments(taught):
    achievement, _before, _failed = taught
    with pytest.raises(CommandError, match="nope"):
        call_command("issue_badges", achievement.slug, "nope", stdout=StringIO())
    with pytest.raises(CommandError, match="or give --all"):
        call_command("issue_badges", stdout=StringIO())
    with pytest.raises(CommandError, match="or give --all"):
        call_command("issue_badges", achievement.slug, "--all", stdout=StringIO())
    assert Award.objects.filter(achievement=achievement).count() == 3


def test_the_command_reports_a_keyless_issuer_and_still_issues_the_others(taught, django_capture_on_commit_callbacks):
    achievement, _before, _failed = taught
    keyless = Issuer.objects.create(name="No Key", slug="nokey", url="https://x.example/", email="a@x.example")
    other = make_achievement(keyless)
    _complete(other.course)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommandError, match="no signing key"):
        call_command("issue_badges", "--all", stdout=StringIO())
    assert Award.objects.filter(achievement=achievement, status=AwardStatus.ISSUED).count() == 6
    assert not Award.objects.filter(achievement=other).exists()
