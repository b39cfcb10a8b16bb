"""Invitations: one by one, by CSV with bad rows reported, and accepted into a seat."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import translation

from organizations.models import ImportStatus, Invitation, Membership
from organizations.services import (
    OrganizationError,
    invitation_accept,
    invitation_create,
    invitations_import_csv,
    invitations_import_start,
)
from progress.models import Enrolment
from tests.factories import make_user
from tests.mail_language import shares_no_sentence
from tests.org_factories import make_bundle, make_member, make_org, org_admin

pytestmark = pytest.mark.django_db


def test_an_invitation_is_mailed_with_its_link(django_capture_on_commit_callbacks):
    org = make_org()
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(organization=org, email="New@Example.test", actor=org_admin(org))
    assert invitation.email == "new@example.test"
    assert invitation.token in mail.outbox[0].body


def test_accepting_an_invitation_with_a_seat_makes_a_member_and_enrols_them():
    org = make_org()
    bundle = make_bundle(org, seats=1)
    invitation = invitation_create(organization=org, email="staff@example.test", actor=org_admin(org), bundle=bundle)
    user = make_user(email="staff@example.test")
    invitation_accept(invitation=invitation, user=user)
    assert Membership.objects.filter(organization=org, user=user).exists()
    assert Enrolment.objects.get(user=user, course=bundle.course).source == "seat"
    assert org.members_group.user_set.filter(pk=user.pk).exists()


def test_accepting_twice_takes_one_seat():
    org = make_org()
    bundle = make_bundle(org, seats=2)
    invitation = invitation_create(organization=org, email="twice@example.test", actor=None, bundle=bundle)
    user = make_user(email="twice@example.test")
    invitation_accept(invitation=invitation, user=user)
    invitation_accept(invitation=invitation, user=user)
    bundle.refresh_from_db()
    assert bundle.seats_used == 1


def test_an_invitation_is_for_its_own_address_only():
    org = make_org()
    invitation = invitation_create(organization=org, email="right@example.test", actor=None)
    with pytest.raises(PermissionDenied):
        invitation_accept(invitation=invitation, user=make_user(email="wrong@example.test"))


def test_a_verified_domain_refuses_outside_addresses():
    org = make_org(email_domain="northwind.test", email_domain_verified=True)
    with pytest.raises(OrganizationError):
        invitation_create(organization=org, email="someone@gmail.test", actor=None)


def test_invitations_cannot_promise_more_seats_than_are_free():
    org = make_org()
    bundle = make_bundle(org, seats=1)
    invitation_create(organization=org, email="a@example.test", actor=None, bundle=bundle)
    with pytest.raises(OrganizationError):
        invitation_create(organization=org, email="b@example.test", actor=None, bundle=bundle)


def test_a_csv_invites_the_good_rows_and_reports_each_bad_row_with_its_reason(django_capture_on_commit_callbacks):
    org = make_org()
    admin = org_admin(org)
    member = make_member(org, email="member@example.test")
    invitation_create(organization=org, email="pending@example.test", actor=admin)
    source = "\n".join(
        [
            "email",
            "ok1@example.test",
            "not-an-address",
            "OK2@example.test",
            "ok1@example.test",
            member.email,
            "pending@example.test",
            "",
            "ok3@example.test",
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = invitations_import_start(organization=org, source=source, actor=admin)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert job.invited == 3
    assert job.rows_done == job.rows_total == 7
    reasons = {(error["line"], error["reason"]) for error in job.errors}
    assert reasons == {
        (3, "not a valid e-mail address"),
        (5, "listed twice in the file"),
        (6, "already a member"),
        (7, "already invited"),
    }
    assert set(Invitation.objects.filter(organization=org).values_list("email", flat=True)) == {
        "pending@example.test",
        "ok1@example.test",
        "ok2@example.test",
        "ok3@example.test",
    }


def test_a_csv_row_beyond_the_free_seats_is_refused(django_capture_on_commit_callbacks):
    org = make_org()
    bundle = make_bundle(org, seats=2)
    with django_capture_on_commit_callbacks(execute=True):
        job = invitations_import_start(
            organization=org, source="a@x.test\nb@x.test\nc@x.test\n", actor=org_admin(org), bundle=bundle
        )
    job.refresh_from_db()
    assert job.invited == 2
    assert job.errors == [{"line": 3, "email": "c@x.test", "reason": "no free seat left in this bundle"}]


def test_only_an_admin_may_import():
    org = make_org()
    member = make_member(org)
    with pytest.raises(PermissionDenied):
        invitations_import_start(organization=org, source="a@x.test", actor=member)


# --- the invitee's language (issue #16 item 6) ----------------------------------------------------------------


def _invite(email: str, *, sender_language: str, language: str = "", capture=None):
    org = make_org()
    mail.outbox.clear()
    with translation.override(sender_language), capture(execute=True):
        invitation_create(organization=org, email=email, actor=org_admin(org), language=language)
    return mail.outbox[-1]


def test_an_invitation_to_an_unknown_language_is_written_in_english_then_french(django_capture_on_commit_callbacks):
    message = _invite("new@example.test", sender_language="fr", capture=django_capture_on_commit_callbacks)

    assert message.extra_headers["Content-Language"] == "en, fr"
    assert message.subject.startswith("You are invited to join") and " / Invitation à rejoindre" in message.subject
    assert message.body.index("invites you to study") < message.body.index("vous invite à suivre")


def test_a_bilingual_invitation_links_each_language_to_its_own_acceptance_page(django_capture_on_commit_callbacks):
    message = _invite("new@example.test", sender_language="fr", capture=django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email="new@example.test")

    assert f"/org/invitations/{invitation.token}/" in message.body.split("----")[0]
    assert f"/fr/org/invitations/{invitation.token}/" in message.body.split("----")[-1]


def test_an_invitation_recorded_in_french_is_only_french_from_an_english_admin(django_capture_on_commit_callbacks):
    french = _invite(
        "new@example.test", sender_language="en", language="fr", capture=django_capture_on_commit_callbacks
    )
    english = _invite(
        "old@example.test", sender_language="fr", language="en", capture=django_capture_on_commit_callbacks
    )

    assert french.extra_headers["Content-Language"] == "fr"
    assert shares_no_sentence(french, english)


def test_an_invitee_with_an_account_gets_it_in_their_saved_language(django_capture_on_commit_callbacks):
    make_user(email="lea@example.test", language="fr")

    message = _invite(
        "lea@example.test", sender_language="en", language="en", capture=django_capture_on_commit_callbacks
    )

    assert message.extra_headers["Content-Language"] == "fr"
    assert message.subject.startswith("Invitation à rejoindre")


def test_an_invitation_with_an_unknown_language_code_is_refused():
    org = make_org()
    with pytest.raises(OrganizationError):
        invitation_create(organization=org, email="new@example.test", actor=org_admin(org), language="de")


def test_a_csv_language_column_records_each_invitees_language():
    org = make_org()
    source = "email,language\na@example.test,fr\nb@example.test,en\nc@example.test,\n"
    job = invitations_import_start(organization=org, source=source, actor=org_admin(org))
    invitations_import_csv(job=job)

    languages = dict(Invitation.objects.values_list("email", "language"))
    assert languages == {"a@example.test": "fr", "b@example.test": "en", "c@example.test": ""}


def test_a_csv_row_with_a_bad_language_is_refused_with_its_reason():
    org = make_org()
    source = "email,language\na@example.test,german\nb@example.test,fr\n"
    job = invitations_import_start(organization=org, source=source, actor=org_admin(org))
    job = invitations_import_csv(job=job)

    assert job.errors == [
        {"line": 2, "email": "a@example.test", "reason": "unknown language “german”: write en or fr, or leave it empty"}
    ]
    assert list(Invitation.objects.values_list("email", flat=True)) == ["b@example.test"]
