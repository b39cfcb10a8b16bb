"""Seats: assignment enrols, never oversells, reclaims only unstarted seats, and can be given again."""

import pytest

from content.models import LessonPage
from organizations.models import Seat, SeatBundle, SeatState
from organizations.services import NoSeatsLeft, OrganizationError, SeatStarted, seat_assign, seat_reclaim
from progress.models import Enrolment
from progress.services import lesson_complete
from tests.factories import make_user
from tests.org_factories import make_bundle, make_member, make_org, org_admin

pytestmark = pytest.mark.django_db


def test_assigning_a_seat_enrols_the_member_from_a_seat():
    org = make_org()
    bundle = make_bundle(org, seats=2)
    member = make_member(org)
    seat_assign(bundle=bundle, user=member, actor=org_admin(org))
    enrolment = Enrolment.objects.get(user=member, course=bundle.course)
    assert enrolment.source == "seat"
    bundle.refresh_from_db()
    assert bundle.seats_used == 1


def test_assigning_twice_to_the_same_member_uses_one_seat():
    org = make_org()
    bundle = make_bundle(org, seats=2)
    member = make_member(org)
    first = seat_assign(bundle=bundle, user=member, actor=None)
    second = seat_assign(bundle=bundle, user=member, actor=None)
    assert first.pk == second.pk
    bundle.refresh_from_db()
    assert bundle.seats_used == 1


def test_a_full_bundle_refuses_another_seat():
    org = make_org()
    bundle = make_bundle(org, seats=1)
    seat_assign(bundle=bundle, user=make_member(org), actor=None)
    with pytest.raises(NoSeatsLeft):
        seat_assign(bundle=bundle, user=make_member(org), actor=None)


def test_only_members_get_seats():
    org = make_org()
    bundle = make_bundle(org)
    with pytest.raises(OrganizationError):
        seat_assign(bundle=bundle, user=make_user(), actor=None)


def test_a_plain_member_may_not_assign_seats():
    from django.core.exceptions import PermissionDenied

    org = make_org()
    bundle = make_bundle(org)
    member = make_member(org)
    with pytest.raises(PermissionDenied):
        seat_assign(bundle=bundle, user=member, actor=member)


def test_an_expired_bundle_gives_no_seat():
    import datetime

    org = make_org()
    bundle = make_bundle(org, expires_on=datetime.date(2020, 1, 1))
    with pytest.raises(NoSeatsLeft):
        seat_assign(bundle=bundle, user=make_member(org), actor=None)


def test_an_unstarted_seat_is_reclaimed_and_given_to_someone_else():
    org = make_org()
    bundle = make_bundle(org, seats=1)
    first, second = make_member(org), make_member(org)
    seat = seat_assign(bundle=bundle, user=first, actor=None)
    seat_reclaim(seat=seat, actor=org_admin(org))
    assert Enrolment.objects.get(user=first, course=bundle.course).status == "unenrolled"
    seat.refresh_from_db()
    assert seat.state == SeatState.RECLAIMED and seat.reclaimed_from == first
    seat_assign(bundle=bundle, user=second, actor=None)
    bundle.refresh_from_db()
    assert bundle.seats_used == 1
    assert Enrolment.objects.get(user=second, course=bundle.course).is_active


def test_a_started_seat_cannot_be_reclaimed():
    org = make_org()
    bundle = make_bundle(org, seats=1)
    member = make_member(org)
    seat = seat_assign(bundle=bundle, user=member, actor=None)
    lesson = LessonPage.objects.descendant_of(bundle.course).live().first()
    lesson_complete(user=member, lesson=lesson)
    with pytest.raises(SeatStarted):
        seat_reclaim(seat=seat, actor=None)
    assert SeatBundle.objects.get(pk=bundle.pk).seats_used == 1


def test_the_database_refuses_more_seats_used_than_bought():
    from django.db import IntegrityError

    org = make_org()
    bundle = make_bundle(org, seats=1)
    with pytest.raises(IntegrityError):
        SeatBundle.objects.filter(pk=bundle.pk).update(seats_used=2)


def test_a_member_holds_at_most_one_seat_per_bundle_in_the_database():
    from django.db import IntegrityError

    org = make_org()
    bundle = make_bundle(org, seats=3)
    member = make_member(org)
    Seat.objects.create(bundle=bundle, user=member)
    with pytest.raises(IntegrityError):
        Seat.objects.create(bundle=bundle, user=member)
