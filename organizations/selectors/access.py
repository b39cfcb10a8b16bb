"""Who may see which organization, its members and its private courses."""

from __future__ import annotations

import functools
from typing import cast

from django.db.models import QuerySet
from django.http import Http404
from wagtail.models import PageViewRestriction

from content.models import CoursePage
from lms.db import FixedQuery, fixed_query
from lms.models import User
from lms.roles import user_is_platform_admin
from organizations.models import Membership, Organization, Role


def organizations_administered(*, user: User) -> list[Organization]:
    if not user.is_authenticated:
        return []
    return list(Organization.objects.filter(memberships__user=user, memberships__role=Role.ADMIN).order_by("name"))


# No organization has this slug, and no user this id: the administrator's read of an organization is composed with
# them once per process, then run with the slug and the user asking.
_ANY_SLUG = ""
_ANY_USER = -1


@functools.cache
def _administered_query() -> FixedQuery:
    """The organization of a slug that a user administers (at most one: slugs are unique, and so is a user's
    membership), composed by the ORM once per process and run prepared: every organization page asks first."""
    organizations = Organization.objects.filter(
        slug=_ANY_SLUG, memberships__user=_ANY_USER, memberships__role=Role.ADMIN
    )
    return fixed_query(organizations, placeholders=(_ANY_SLUG, _ANY_USER))


def organization_for_admin(*, user: User, slug: str) -> Organization:
    """The organization `slug` if `user` administers it; 404 otherwise, so that others learn nothing of it."""
    if not user.is_authenticated:
        raise Http404
    found = _administered_query().objects(slug, user.pk)
    if not found:
        raise Http404
    return cast(Organization, found[0])


def staff_user_ids(*, organization: Organization) -> QuerySet:
    """The members' user ids, as a subquery for other apps' dashboard sections (no query of its own)."""
    return Membership.objects.filter(organization=organization).values("user_id")


def learner_memberships(*, user_ids: list[int]) -> QuerySet:
    """The (organization_id, user_id) pairs of these learners' memberships: which organizations an event about a
    learner belongs to (integrations' webhooks). A queryset: a subquery, or one query when read."""
    return Membership.objects.filter(user_id__in=user_ids).values("organization_id", "user_id")


def members_of(*, organization: Organization) -> list[Membership]:
    return list(Membership.objects.filter(organization=organization).select_related("user").order_by("user__email"))


def organizations_for_private_courses(*, user: User) -> list[Organization]:
    """The organizations whose private courses `user` manages: all for a platform admin, else those they teach for."""
    if not user.is_authenticated:
        return []
    if user_is_platform_admin(user):
        return list(Organization.objects.order_by("name"))
    return list(Organization.objects.filter(memberships__user=user, memberships__role=Role.INSTRUCTOR).order_by("name"))


def private_courses_of(*, organization: Organization) -> list[CoursePage]:
    if organization.members_group_id is None:
        return []
    return list(
        CoursePage.objects.filter(
            view_restrictions__restriction_type=PageViewRestriction.GROUPS,
            view_restrictions__groups=organization.members_group_id,
        )
        .distinct()
        .order_by("title")
    )


def courses_to_make_private(*, user: User) -> QuerySet[CoursePage]:
    """Courses `user` may make private: any course without a group restriction that they may edit."""
    courses = CoursePage.objects.exclude(view_restrictions__restriction_type=PageViewRestriction.GROUPS)
    if not user_is_platform_admin(user):
        courses = courses.filter(
            group_permissions__group__user=user, group_permissions__permission__codename="change_page"
        ).distinct()
    return courses.order_by("title")
