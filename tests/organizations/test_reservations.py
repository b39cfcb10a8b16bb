"""An open invitation onto a bundle reserves one of its seats: available = bought − used − reserved."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from organizations.models import Invitation, Seat, SeatBundle
from organizations.selectors import bundles_with_counts, seats_by_course
from organizations.services import (
    InvitationUnusable,
    NoSeatsLeft,
    invitation_accept,
    invitation_create,
    invitation_revoke,
    seat_assign,
)
from tests.factories import make_user
from tests.org_factories import make_bundle, make_member, make_org, org_admin

pytestmark = pytest.mark.django_db


def invite(org, email, bundle, **fields):
    return invitation_create(organization=org, email=email, actor=org_admin(org), bundle=bundle, **fields)


def expire(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))


def test_an_admin_cannot_assign_a_seat_an_open_invitation_reserves():
    org = make_org()
    bundle = make_bundle(org, seats=1)
    invite(org, "invitee@example.test", bundle)
    with pytest.raises(NoSeatsLeft, match="reserved for an open invitation"):
        seat_assign(bundle=bundle, user=make_member(org), actor=org_admin(org))
    assert not Seat.objects.filter(bundle=bundle).exists()


def test_the_invitee_takes_their_reserved_seat_after_the_admin_assigned_the_others():
    org = make_org()
    bundle = make_bundle(org, seats=2)
    invitation = invite(org, "invitee@example.test", bundle)
    seat_assign(bundle=bundle, user=make_member(org), actor=org_admin(org))
    invitation_accept(invitation=invitation, user=make_user(email="invitee@example.test"))
    assert SeatBundle.objects.get(pk=bundle.pk).seats_used == 2


def test_an_invitation_cannot_reserve_a_seat_another_invitation_holds():
    org = make_org()
    bundle = make_bundle(org, seats=1)
    invite(org, "first@example.test", bundle)
    with pytest.raises(NoSeatsLeft):
        invite(org, "second@example.test", bundle)


def test_withdrawing_an_invitation_frees_its_seat():
    org = make_org()
    bundle = make_bundle(org, seats=1)
    invitation = invite(org, "invitee@example.test", bundle)
    invitation_revoke(invitation=invitation, actor=org_admin(org))
    seat_assign(bundle=bundle, user=make_member(org), actor=org_admin(org))
    assert SeatBundle.objects.get(pk=bundle.pk).seats_used == 1


def test_an_expired_invitation_frees_its_seat():
    org = make_org()
    bundle = make_bundle(org, seats=1)
    expire(invite(org, "invitee@example.test", bundle))
    seat_assign(bundle=bundle, user=make_member(org), actor=org_admin(org))
    assert SeatBundle.objects.get(pk=bundle.pk).seats_used == 1


def test_the_seat_counts_subtract_the_seats_open_invitations_reserve():
    org = make_org()
    bundle = make_bundle(org, seats=5)
    seat_assign(bundle=bundle, user=make_member(org), actor=org_admin(org))
    invite(org, "open@example.test", bundle)
    invite(org, "also-open@example.test", bundle)
    expire(invite(org, "expired@example.test", bundle))
    invitation_revoke(invitation=invite(org, "withdrawn@example.test", bundle), actor=org_admin(org))
    counted = bundles_with_counts(organization=org).get(pk=bundle.pk)
    assert (counted.seats_used, counted.seats_reserved, counted.seats_available) == (1, 2, 2)
    [course] = seats_by_course(organization=org, facts=[])
    assert (course.assigned, course.reserved, course.free) == (1, 2, 2)


def test_an_expired_invitation_is_not_accepted_and_says_so():
    org = make_org()
    bundle = make_bundle(org, seats=1)
    invitation = invite(org, "late@example.test", bundle)
    expire(invitation)
    with pytest.raises(InvitationUnusable, match="expired"):
        invitation_accept(invitation=invitation, user=make_user(email="late@example.test"))
    assert SeatBundle.objects.get(pk=bundle.pk).seats_used == 0


def test_a_withdrawn_invitation_is_not_accepted_and_says_so():
    org = make_org()
    invitation = invite(org, "gone@example.test", None)
    invitation_revoke(invitation=invitation, actor=org_admin(org))
    with pytest.raises(InvitationUnusable, match="withdrawn"):
        invitation_accept(invitation=invitation, user=make_user(email="gone@example.test"))
    assert not org.memberships.filter(user__email="gone@example.test").exists()


def test_an_accepted_invitation_cannot_be_withdrawn():
    org = make_org()
    invitation = invite(org, "in@example.test", None)
    invitation_accept(invitation=invitation, user=make_user(email="in@example.test"))
    with pytest.raises(InvitationUnusable):
        invitation_revoke(invitation=invitation, actor=org_admin(org))


def test_an_expired_invitation_is_replaced_by_a_new_one_to_the_same_address():
    org = make_org()
    bundle = make_bundle(org, seats=1)
    old = invite(org, "again@example.test", bundle)
    expire(old)
    new = invite(org, "again@example.test", bundle)
    assert new.pk != old.pk
    assert Invitation.objects.get(pk=old.pk).revoked_at is not None


def test_another_organizations_admin_cannot_withdraw_an_invitation():
    org, other = make_org(), make_org()
    invitation = invite(org, "mine@example.test", None)
    with pytest.raises(PermissionDenied):
        invitation_revoke(invitation=invitation, actor=org_admin(other))


def test_a_member_cannot_withdraw_an_invitation():
    org = make_org()
    invitation = invite(org, "mine@example.test", None)
    with pytest.raises(PermissionDenied):
        invitation_revoke(invitation=invitation, actor=make_member(org))
