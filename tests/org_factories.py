"""Factories for organizations and commerce tests: an organization with its admin, bundles, members."""

from __future__ import annotations

import itertools

from lms.models import User
from organizations.models import Organization, Role, SeatBundle
from organizations.services import membership_add, organization_create, seat_bundle_create
from tests.factories import make_course, make_user

_counter = itertools.count(1)


def make_org(*, name: str | None = None, admin: User | None = None, **fields) -> Organization:
    n = next(_counter)
    return organization_create(name=name or f"Org {n}", slug=f"org-{n}", admin=admin or make_user(), **fields)


def org_admin(organization: Organization) -> User:
    return organization.memberships.filter(role=Role.ADMIN).select_related("user").first().user


def make_member(organization: Organization, **fields) -> User:
    user = make_user(**fields)
    membership_add(organization=organization, user=user)
    return user


def make_bundle(organization: Organization, *, seats: int = 5, course=None, **fields) -> SeatBundle:
    course = course or make_course(price="100.00", lessons_per_module=1)
    return seat_bundle_create(
        organization=organization, course=course, seats=seats, order_reference=f"TEST-{next(_counter)}", **fields
    )
