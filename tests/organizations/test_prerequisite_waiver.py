"""Seats of a course with prerequisites: who lacks them is shown, and the admin's grant may waive them."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from organizations.models import Invitation, Seat
from organizations.services import SeatRefused, invitation_accept, invitation_create, seat_assign
from progress.models import Enrolment
from progress.services import enrolment_create
from tests.factories import make_course, make_user
from tests.org_factories import make_bundle, make_member, make_org, org_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def gated():
    """A bundle of a course that requires "Linux basics"."""
    prerequisite = make_course(title="Linux basics", lessons_per_module=1)
    course = make_course(title="Cloud operations", price="100.00", lessons_per_module=1)
    course.prerequisites.set([prerequisite])
    course.save_revision().publish()
    org = make_org()
    return org, make_bundle(org, seats=3, course=course), prerequisite


def completed(user, course):
    Enrolment.objects.create(user=user, course=course, completed_at=timezone.now(), final_grade=Decimal("90"))


def test_a_member_without_the_prerequisites_is_refused_a_seat_that_does_not_waive_them(gated):
    org, bundle, _prerequisite = gated
    with pytest.raises(SeatRefused, match="Linux basics"):
        seat_assign(bundle=bundle, user=make_member(org), actor=org_admin(org))
    assert not Seat.objects.filter(bundle=bundle).exists()


def test_an_admin_who_waives_the_prerequisites_enrols_the_member_and_the_seat_records_it(gated):
    org, bundle, _prerequisite = gated
    admin, member = org_admin(org), make_member(org)
    seat = seat_assign(bundle=bundle, user=member, actor=admin, waive_prerequisites=True)
    assert seat.prerequisites_waived_by == admin
    assert seat.prerequisites_waived_at is not None
    assert Enrolment.objects.get(user=member, course=bundle.course).is_active


def test_a_member_who_has_the_prerequisites_needs_no_waiver_and_none_is_recorded(gated):
    org, bundle, prerequisite = gated
    member = make_member(org)
    completed(member, prerequisite)
    seat = seat_assign(bundle=bundle, user=member, actor=org_admin(org), waive_prerequisites=True)
    assert seat.prerequisites_waived_by is None


def test_an_invitation_that_waives_the_prerequisites_enrols_the_invitee(gated):
    org, bundle, _prerequisite = gated
    admin = org_admin(org)
    invitation = invitation_create(
        organization=org, email="new@example.test", actor=admin, bundle=bundle, waive_prerequisites=True
    )
    user = make_user(email="new@example.test")
    invitation_accept(invitation=invitation, user=user)
    assert Seat.objects.get(bundle=bundle, user=user).prerequisites_waived_by == admin
    assert Enrolment.objects.get(user=user, course=bundle.course).source == "seat"


def test_an_invitation_that_does_not_waive_them_leaves_the_invitation_open_when_refused(gated):
    org, bundle, _prerequisite = gated
    invitation = invitation_create(organization=org, email="new@example.test", actor=org_admin(org), bundle=bundle)
    with pytest.raises(SeatRefused):
        invitation_accept(invitation=invitation, user=make_user(email="new@example.test"))
    assert Invitation.objects.get(pk=invitation.pk).is_open


def test_only_a_seat_may_waive_prerequisites_in_progress(gated):
    _org, bundle, _prerequisite = gated
    with pytest.raises(ValueError, match="seat"):
        enrolment_create(user=make_user(), course=bundle.course, source="purchase", prerequisites_waived=True)


def test_the_seats_page_names_the_prerequisites_and_the_members_who_lack_them(client, gated):
    org, _bundle, prerequisite = gated
    make_member(org, email="lacks@example.test")
    completed(make_member(org, email="has@example.test"), prerequisite)
    client.force_login(org_admin(org))
    page = client.get(reverse("organizations:seats", args=[org.slug])).content.decode()
    assert "Requires Linux basics." in page
    assert "Not completed by:" in page
    assert "lacks@example.test" in page.split("Not completed by:")[1].split("</p>")[0]
    assert "has@example.test" not in page.split("Not completed by:")[1].split("</p>")[0]
    assert 'name="waive_prerequisites"' in page


def test_the_seats_page_assigns_with_the_prerequisites_waived_when_ticked(client, gated):
    org, bundle, _prerequisite = gated
    member = make_member(org)
    client.force_login(org_admin(org))
    client.post(
        reverse("organizations:seats", args=[org.slug]),
        {"bundle": bundle.pk, "user": member.pk, "waive_prerequisites": "on"},
    )
    assert Seat.objects.get(bundle=bundle, user=member).prerequisites_waived_by == org_admin(org)


def test_the_seats_page_says_why_a_seat_is_refused_without_a_waiver(client, gated):
    org, bundle, _prerequisite = gated
    member = make_member(org)
    client.force_login(org_admin(org))
    response = client.post(reverse("organizations:seats", args=[org.slug]), {"bundle": bundle.pk, "user": member.pk})
    assert "Linux basics" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert not Seat.objects.filter(bundle=bundle).exists()


def test_inviting_someone_who_lacks_the_prerequisites_warns_the_admin(client, gated):
    org, bundle, _prerequisite = gated
    client.force_login(org_admin(org))
    response = client.post(
        reverse("organizations:invitations", args=[org.slug]), {"email": "new@example.test", "bundle": bundle.pk}
    )
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert warnings and "new@example.test has not completed Linux basics" in warnings[0]


def test_inviting_with_the_prerequisites_waived_records_the_choice_and_does_not_warn(client, gated):
    org, bundle, _prerequisite = gated
    client.force_login(org_admin(org))
    response = client.post(
        reverse("organizations:invitations", args=[org.slug]),
        {"email": "new@example.test", "bundle": bundle.pk, "waive_prerequisites": "on"},
    )
    assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert Invitation.objects.get(email="new@example.test").waive_prerequisites


def test_the_invitation_page_warns_which_bundles_need_prerequisites(client, gated):
    org, _bundle, _prerequisite = gated
    client.force_login(org_admin(org))
    page = client.get(reverse("organizations:invitations", args=[org.slug])).content.decode()
    assert "Cloud operations requires Linux basics" in page


def test_a_learner_cannot_assign_seats_with_a_waiver(client, gated):
    org, bundle, _prerequisite = gated
    learner = make_member(org)
    client.force_login(learner)
    response = client.post(
        reverse("organizations:seats", args=[org.slug]),
        {"bundle": bundle.pk, "user": learner.pk, "waive_prerequisites": "on"},
    )
    assert response.status_code == 404
    assert not Seat.objects.filter(bundle=bundle).exists()


def test_another_organizations_admin_cannot_assign_its_seats(client, gated):
    org, bundle, _prerequisite = gated
    other = make_org()
    member = make_member(org)
    client.force_login(org_admin(other))
    response = client.post(
        reverse("organizations:seats", args=[other.slug]),
        {"bundle": bundle.pk, "user": member.pk, "waive_prerequisites": "on"},
    )
    assert response.status_code == 404
    assert not Seat.objects.filter(bundle=bundle).exists()
