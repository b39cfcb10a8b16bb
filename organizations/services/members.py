"""Organizations and their members: create, the members' and instructors' groups, add and remove members."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lms.models import User
from lms.roles import permission
from organizations.models import Membership, Organization, Role, Seat, SeatState
from organizations.services.rules import ROLE_RANK, OrganizationError, SeatStarted, _check_admin
from organizations.services.seats import seat_reclaim
from organizations.signals import seat_reclaimed

# --- organizations and members ----------------------------------------------------------------------


@transaction.atomic
def organization_create(
    *,
    name: str,
    slug: str = "",
    email_domain: str = "",
    email_domain_verified: bool = False,
    admin: User | None = None,
) -> Organization:
    """Create an organization and its members group; `admin` becomes its first administrator."""
    organization = Organization.objects.create(
        name=name,
        slug=slug or slugify(name),
        email_domain=email_domain.lower().lstrip("@"),
        email_domain_verified=email_domain_verified,
    )
    organization_group_ensure(organization=organization)
    if admin is not None:
        membership_add(organization=organization, user=admin, role=Role.ADMIN)
    return organization


@transaction.atomic
def organization_group_ensure(*, organization: Organization) -> Group:
    """The organization's members group (private courses restrict their view to it). Idempotent."""
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    group = locked.members_group
    if group is None:
        group, _created = Group.objects.get_or_create(name=f"Organization {organization.slug} members")
        Organization.objects.filter(pk=organization.pk).update(members_group=group)
    organization.members_group = group
    return group


@transaction.atomic
def organization_instructors_ensure(*, organization: Organization) -> Group:
    """The organization's instructors group: admin access, and page rights on its private courses only."""
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    group = locked.instructors_group
    if group is None:
        group, _created = Group.objects.get_or_create(name=f"Organization {organization.slug} instructors")
        group.permissions.add(permission("wagtailadmin", "access_admin"))
        Organization.objects.filter(pk=organization.pk).update(instructors_group=group)
    organization.instructors_group = group
    return group


@transaction.atomic
def membership_add(
    *, organization: Organization, user: User, role: str = Role.MEMBER, actor: User | None = None
) -> Membership:
    """Add `user` to the organization, or raise their role (member < instructor < admin). Idempotent."""
    _check_admin(actor=actor, organization=organization)
    if role not in Role.values:
        raise OrganizationError(_("Unknown role."))
    membership, created = Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    if not created and ROLE_RANK[role] > ROLE_RANK[membership.role]:
        membership.role = role
        membership.save(update_fields=["role"])
    organization_group_ensure(organization=organization).user_set.add(user)
    if membership.role == Role.INSTRUCTOR:
        organization_instructors_ensure(organization=organization).user_set.add(user)
    return membership


@transaction.atomic
def membership_remove(*, organization: Organization, user: User, actor: User | None = None) -> None:
    """A learner leaves: their seats are reclaimed if not started, and they keep their enrolments and badges."""
    _check_admin(actor=actor, organization=organization)
    held = Seat.objects.filter(bundle__organization=organization, user=user, state=SeatState.ASSIGNED)
    for seat in held.select_related("bundle__course", "bundle__organization"):
        try:
            seat_reclaim(seat=seat, actor=None)
        except SeatStarted:
            # A started seat stays used: the learner keeps studying what was paid for.
            Seat.objects.filter(pk=seat.pk).update(user=None, state=SeatState.RECLAIMED, reclaimed_from=user)
            seat_reclaimed.send(sender=Seat, seat=seat, user=user)
    Membership.objects.filter(organization=organization, user=user).delete()
    if organization.members_group is not None:
        organization.members_group.user_set.remove(user)
    if organization.instructors_group is not None:
        organization.instructors_group.user_set.remove(user)
