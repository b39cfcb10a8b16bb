"""Revoking: the status list bit, the re-signed list, the audit, the cascade, and who may revoke."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from badges.models import Award, RevocationAudit
from badges.ob3.statuslist import MIN_BITS, Bitstring
from badges.services import BadgeError, award_dependents, award_issue, award_revoke
from lms.models import OutboxMessage
from tests.badges.conftest import make_achievement, make_pathway
from tests.badges.helpers import status_list_of, verify_award
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return make_user(is_staff=True, is_superuser=True)


def test_revoking_sets_the_bit_and_re_signs_the_list(issuer, achievement, learner, admin):
    award = award_issue(learner=learner, achievement=achievement)
    before = status_list_of(award)
    award_revoke(award=award, user=admin, reason="Plagiarism in the final task")
    after = status_list_of(award)
    assert after["proof"][0]["proofValue"] != before["proof"][0]["proofValue"]
    bits = Bitstring.decode(after["credentialSubject"]["encodedList"])
    assert len(bits) == MIN_BITS
    assert bits.get(award.status_index)
    assert [i for i in range(0, MIN_BITS) if bits.get(i)] == [award.status_index]
    assert verify_award(award).status == "revoked"


def test_a_revocation_is_audited_with_its_reason(issuer, achievement, learner, admin):
    award = award_issue(learner=learner, achievement=achievement)
    award_revoke(award=award, user=admin, reason="Issued by mistake")
    audit = RevocationAudit.objects.get()
    assert (audit.award, audit.reason, audit.revoked_by) == (award, "Issued by mistake", admin)
    award.refresh_from_db()
    assert award.revocation_reason == "Issued by mistake" and award.revoked_at is not None


def test_a_reason_is_required(issuer, achievement, learner, admin):
    award = award_issue(learner=learner, achievement=achievement)
    with pytest.raises(BadgeError):
        award_revoke(award=award, user=admin, reason="  ")


def test_the_course_instructor_may_revoke_and_another_instructor_may_not(issuer, learner):
    teacher, other = make_user(instructor=True), make_user(instructor=True)
    achievement = make_achievement(issuer, course=make_course(instructors=[teacher]))
    award = award_issue(learner=learner, achievement=achievement)
    with pytest.raises(PermissionDenied):
        award_revoke(award=award, user=other, reason="No")
    award_revoke(award=award, user=teacher, reason="Cheating")
    assert Award.objects.get(pk=award.pk).revoked_at is not None


def test_a_cascade_revokes_the_pathway_that_counted_the_badge(issuer, learner, admin):
    components = [make_achievement(issuer, name=f"Cloud {n}") for n in range(2)]
    pathway = make_pathway(issuer, components)
    first = award_issue(learner=learner, achievement=components[0])
    award_issue(learner=learner, achievement=components[1])
    pathway_award = Award.objects.get(pathway=pathway)
    assert award_dependents(award=first) == [pathway_award]
    revoked = award_revoke(award=first, user=admin, reason="Exam fraud", cascade=True)
    assert {a.pk for a in revoked} == {first.pk, pathway_award.pk}
    assert verify_award(Award.objects.get(pk=pathway_award.pk)).status == "revoked"


def test_without_cascade_the_pathway_stays(issuer, learner, admin):
    components = [make_achievement(issuer, name=f"Cloud {n}") for n in range(2)]
    pathway = make_pathway(issuer, components)
    first = award_issue(learner=learner, achievement=components[0])
    award_issue(learner=learner, achievement=components[1])
    award_revoke(award=first, user=admin, reason="Exam fraud")
    assert Award.objects.get(pathway=pathway).revoked_at is None


def test_the_admin_revoke_page_shows_the_cascade_before_confirming(client, issuer, learner, admin):
    components = [make_achievement(issuer, name=f"Cloud {n}") for n in range(2)]
    make_pathway(issuer, components)
    first = award_issue(learner=learner, achievement=components[0])
    award_issue(learner=learner, achievement=components[1])
    client.force_login(admin)
    page = client.get(f"/admin/badges/awards/{first.pk}/revoke/").content.decode()
    assert "Cloud Systems Specialist" in page
    assert 'name="cascade"' in page
    response = client.post(f"/admin/badges/awards/{first.pk}/revoke/", {"reason": "Fraud", "cascade": "1"})
    assert response.status_code == 302
    assert Award.objects.filter(revoked_at__isnull=False).count() == 2


def test_failed_awards_are_listed_for_admins_with_their_error(client, learner, admin):
    from badges.models import Issuer

    keyless = Issuer.objects.create(name="No Key", slug="nokey", url="https://x.example/", email="a@x.example")
    with pytest.raises(BadgeError):
        award_issue(learner=learner, achievement=make_achievement(keyless))
    client.force_login(admin)
    page = client.get("/admin/snippets/badges/award/?status=failed").content.decode()
    assert "has no signing key" in page


def test_the_learner_is_emailed_the_reason(
    issuer, achievement, learner, admin, mailoutbox, django_capture_on_commit_callbacks
):
    award = award_issue(learner=learner, achievement=achievement)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        award_revoke(award=award, user=admin, reason="Plagiarism in the final task")
    (message,) = mailoutbox
    assert message.to == [learner.email]
    assert "revoked" in message.subject and achievement.name in message.subject
    assert "Plagiarism in the final task" in message.body and award.url in message.body


def test_the_email_is_recorded_in_the_revocations_transaction(issuer, achievement, learner, admin):
    award = award_issue(learner=learner, achievement=achievement)
    with pytest.raises(RuntimeError), transaction.atomic():
        award_revoke(award=award, user=admin, reason="Issued by mistake")
        assert OutboxMessage.objects.filter(
            handler="badges.award_revoked_notify", payload={"award_id": award.pk}
        ).exists()
        raise RuntimeError("the revocation rolls back")
    assert not OutboxMessage.objects.filter(handler="badges.award_revoked_notify").exists()
    assert Award.objects.get(pk=award.pk).revoked_at is None


def test_a_cascade_emails_the_learner_about_the_pathway_too(
    issuer, learner, admin, mailoutbox, django_capture_on_commit_callbacks
):
    components = [make_achievement(issuer, name=f"Cloud {n}") for n in range(2)]
    make_pathway(issuer, components)
    first = award_issue(learner=learner, achievement=components[0])
    award_issue(learner=learner, achievement=components[1])
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        award_revoke(award=first, user=admin, reason="Exam fraud", cascade=True)
    subjects = sorted(message.subject for message in mailoutbox)
    assert len(subjects) == 2
    assert any("Cloud 0" in subject for subject in subjects)
    assert any("Cloud Systems Specialist" in subject for subject in subjects)
    assert all("Exam fraud" in message.body for message in mailoutbox)


def test_a_repeated_delivery_sends_no_second_email(
    issuer, achievement, learner, admin, mailoutbox, django_capture_on_commit_callbacks
):
    from lms.outbox import outbox_deliver

    award = award_issue(learner=learner, achievement=achievement)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        award_revoke(award=award, user=admin, reason="Issued by mistake")
    message = OutboxMessage.objects.get(handler="badges.award_revoked_notify")
    assert outbox_deliver(message_id=message.pk) is False
    assert len(mailoutbox) == 1
