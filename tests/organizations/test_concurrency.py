"""Concurrent claims for the last seats give exactly as many enrolments as seats (PostgreSQL, real threads)."""

from functools import partial

import pytest

from organizations.models import Seat, SeatBundle
from organizations.services import NoSeatsLeft, seat_assign
from progress.models import Enrolment
from tests.concurrency import race
from tests.org_factories import make_bundle, make_member, make_org

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLAIMS = 12
SEATS_LEFT = 3


def test_concurrent_claims_for_the_last_seats_never_oversell():
    org = make_org()
    bundle = make_bundle(org, seats=SEATS_LEFT + 2)
    for _ in range(2):
        seat_assign(bundle=bundle, user=make_member(org), actor=None)
    members = [make_member(org) for _ in range(CLAIMS)]

    outcomes = race(
        *[partial(seat_assign, bundle=bundle, user=user, actor=None) for user in members], named={NoSeatsLeft: "full"}
    )

    assert sorted(outcomes) == ["full"] * (CLAIMS - SEATS_LEFT) + ["ok"] * SEATS_LEFT
    bundle = SeatBundle.objects.get(pk=bundle.pk)
    assert bundle.seats_used == bundle.seats_bought
    assert Seat.objects.filter(bundle=bundle, state="assigned").count() == bundle.seats_bought
    assert Enrolment.objects.filter(course=bundle.course, source="seat").count() == bundle.seats_bought
