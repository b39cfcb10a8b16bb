"""The rules every use case of organizations shares: its errors and who administers an organization."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from lms.models import User
from organizations.models import Membership, Organization, Role

ROLE_RANK: dict[str, int] = {Role.MEMBER: 0, Role.INSTRUCTOR: 1, Role.ADMIN: 2}


class OrganizationError(Exception):
    """A rule of organizations refused the change; the message is for the user."""


class NoSeatsLeft(OrganizationError):
    pass


class SeatStarted(OrganizationError):
    pass


class SeatRefused(OrganizationError):
    """progress refused the enrolment (for example, prerequisites missing)."""


class InvitationUnusable(OrganizationError):
    """The invitation was revoked, has expired, or was used already; the message says which."""


def is_org_admin(*, user: User, organization: Organization) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(organization=organization, user=user, role=Role.ADMIN).exists()


def _check_admin(*, actor: User | None, organization: Organization) -> None:
    # actor None is the system (fulfilment, demo, tasks acting for an admin checked earlier).
    if actor is not None and not is_org_admin(user=actor, organization=organization):
        raise PermissionDenied(_("Only an administrator of this organization may do that."))
