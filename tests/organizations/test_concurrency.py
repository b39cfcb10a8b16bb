"""Concurrent claims for the last seats give exactly as many enrolments as seats (PostgreSQL, real threads)."""

import threading

import pytest
from django.db import connection

from organizations.models import Seat, SeatBundle
from organizations.services import NoSeatsLeft, seat_assign
from progress.models import Enrolment
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
    barrier = threading.Barrier(CLAIMS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def claim(user):
        try:
            barrier.wait()
            seat_assign(bundle=bundle, user=user, actor=None)
            result = "seat"
        except NoSeatsLeft:
            result = "full"
        except Exception as error:  # noqa: BLE001 - reported in the assertion below
            result = repr(error)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=claim, args=(user,)) for user in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["full"] * (CLAIMS - SEATS_LEFT) + ["seat"] * SEATS_LEFT
    bundle = SeatBundle.objects.get(pk=bundle.pk)
    assert bundle.seats_used == bundle.seats_bought
    assert Seat.objects.filter(bundle=bundle, state="assigned").count() == bundle.seats_bought
    assert Enrolment.objects.filter(course=bundle.course, source="seat").count() == bundle.seats_bought
