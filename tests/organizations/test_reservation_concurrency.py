"""An admin assigning seats while invitees accept: every invitee gets their reserved seat (PostgreSQL, threads)."""

from functools import partial

import pytest

from organizations.models import SeatBundle
from organizations.services import NoSeatsLeft, invitation_accept, invitation_create, seat_assign
from tests.concurrency import race
from tests.factories import make_user
from tests.org_factories import make_bundle, make_member, make_org, org_admin

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

INVITEES = 3
ASSIGNMENTS = 6
SEATS = 5


def test_assignments_racing_acceptances_never_take_a_reserved_seat():
    org = make_org()
    admin = org_admin(org)
    bundle = make_bundle(org, seats=SEATS)
    invited = [
        (
            invitation_create(organization=org, email=f"invitee{n}@example.test", actor=admin, bundle=bundle),
            make_user(email=f"invitee{n}@example.test"),
        )
        for n in range(INVITEES)
    ]
    members = [make_member(org) for _ in range(ASSIGNMENTS)]

    outcomes = race(
        *[partial(invitation_accept, invitation=invitation, user=user) for invitation, user in invited],
        *[partial(seat_assign, bundle=bundle, user=member, actor=admin) for member in members],
        named={NoSeatsLeft: "full"},
    )

    assert sorted(outcomes) == ["full"] * (ASSIGNMENTS - (SEATS - INVITEES)) + ["ok"] * SEATS
    bundle = SeatBundle.objects.get(pk=bundle.pk)
    assert bundle.seats_used == SEATS
    assert set(bundle.seats.values_list("user__email", flat=True)) >= {user.email for _i, user in invited}
