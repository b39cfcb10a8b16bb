"""Private courses: a course only an organization's members may see, authored by its instructors."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import GroupCollectionPermission, GroupPagePermission, PageViewRestriction

from content.models import CatalogPage, CoursePage
from content.services import course_create
from lms.models import User
from lms.roles import COLLECTION_PERMISSIONS, PAGE_PERMISSIONS, permission, user_is_platform_admin
from organizations.models import Membership, Organization, Role
from organizations.services.members import organization_group_ensure, organization_instructors_ensure
from organizations.services.rules import OrganizationError

# --- private courses --------------------------------------------------------------------------------
#
# A private course is a course page whose Wagtail view restriction names the organization's members group:
# Wagtail keeps everyone else out, the catalog lists it to members only, and organizations.wagtail_hooks
# answers 404 to a signed-in non-member. The organization's instructors group gets page rights on the
# course's subtree (and its media collection), so its instructors author it and nothing else.


def is_org_instructor(*, user: User, organization: Organization) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(organization=organization, user=user, role=Role.INSTRUCTOR).exists()


def may_manage_private_courses(*, user: User, organization: Organization) -> bool:
    """Platform admins and the organization's own instructors."""
    return user_is_platform_admin(user) or is_org_instructor(user=user, organization=organization)


def _check_private_course_actor(*, actor: User | None, organization: Organization, course: CoursePage | None) -> None:
    if actor is None or user_is_platform_admin(actor):
        return
    if not is_org_instructor(user=actor, organization=organization):
        raise PermissionDenied(_("Only a platform administrator or this organization's instructors may do that."))
    if course is not None and not course.permissions_for_user(actor).can_edit():
        raise PermissionDenied(_("You may only make private a course you may edit."))


def _grant_instructors(*, organization: Organization, course: CoursePage) -> None:
    group = organization_instructors_ensure(organization=organization)
    for codename in PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=group, page=course, permission=permission("wagtailcore", codename)
        )
    if course.collection_id is not None:
        for app_label, codename in COLLECTION_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection_id=course.collection_id, permission=permission(app_label, codename)
            )


def private_course_owner(*, course: CoursePage) -> Organization | None:
    """The organization a course is private to, if any."""
    return Organization.objects.filter(
        members_group__pageviewrestriction__page=course,
        members_group__pageviewrestriction__restriction_type=PageViewRestriction.GROUPS,
    ).first()


@transaction.atomic
def course_make_private(
    *, organization: Organization, course: CoursePage, actor: User | None = None
) -> PageViewRestriction:
    """Only this organization's members may see `course`; its instructors may author it. Idempotent.

    A course is private to one organization at most.
    """
    _check_private_course_actor(actor=actor, organization=organization, course=course)
    owner = private_course_owner(course=course)
    if owner is not None and owner.pk != organization.pk:
        raise OrganizationError(
            _("%(course)s is already private to %(org)s.") % {"course": course.title, "org": owner.name}
        )
    group = organization_group_ensure(organization=organization)
    restriction = PageViewRestriction.objects.filter(page=course, restriction_type=PageViewRestriction.GROUPS).first()
    if restriction is None:
        restriction = PageViewRestriction.objects.create(page=course, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(group)
    _grant_instructors(organization=organization, course=course)
    return restriction


@transaction.atomic
def course_make_public(*, organization: Organization, course: CoursePage, actor: User | None = None) -> None:
    """Open a private course to everyone again (platform admins only); the instructors' rights on it end."""
    if actor is not None and not user_is_platform_admin(actor):
        raise PermissionDenied(_("Only a platform administrator may make a private course public."))
    for restriction in PageViewRestriction.objects.filter(page=course, restriction_type=PageViewRestriction.GROUPS):
        restriction.groups.remove(organization.members_group_id)
        if not restriction.groups.exists():
            restriction.delete()
    if organization.instructors_group_id is not None:
        GroupPagePermission.objects.filter(group_id=organization.instructors_group_id, page=course).delete()
        if course.collection_id is not None:
            GroupCollectionPermission.objects.filter(
                group_id=organization.instructors_group_id, collection_id=course.collection_id
            ).delete()


@transaction.atomic
def private_course_create(
    *, organization: Organization, title: str, summary: str, estimated_hours: int, actor: User | None
) -> CoursePage:
    """A new draft course in the catalog, private to the organization, for its instructors to write."""
    _check_private_course_actor(actor=actor, organization=organization, course=None)
    catalog = CatalogPage.objects.first()
    if catalog is None:
        raise OrganizationError(_("There is no catalog to add the course to."))
    slug = slugify(f"{organization.slug} {title}")[:80]
    if CoursePage.objects.filter(slug=slug).exists():
        raise OrganizationError(_("A course with this title already exists for this organization."))
    try:
        course = course_create(
            catalog=catalog,
            title=title,
            summary=summary,
            description=format_html("<p>{}</p>", summary),
            estimated_hours=estimated_hours,
            slug=slug,
            publish=False,
            live=False,
        )
    except ValidationError as invalid:
        raise OrganizationError(" ".join(invalid.messages)) from invalid
    course_make_private(organization=organization, course=course, actor=None)
    return course
