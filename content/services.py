"""Every change to course structure and instructor rights goes through here (admin hooks, demo, tests)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

from content.models import CatalogPage, CoursePage
from content.translations import original_page
from lms.models import User
from lms.roles import COLLECTION_PERMISSIONS, COURSE_CREATOR_PERMISSION, INSTRUCTORS, PAGE_PERMISSIONS, permission


def user_may_create_courses(*, user: User | None) -> bool:
    """Course creators (a platform admin grants the role) and platform admins may start a course."""
    if user is None or not user.is_active:
        return False
    return user.has_perm(".".join(COURSE_CREATOR_PERMISSION))


def _group_name(course: CoursePage) -> str:
    return f"Course {course.pk} instructors"


@transaction.atomic
def course_setup_permissions(*, course: CoursePage) -> Group:
    """Give the course its own instructor group (rights on its subtree, and on its translations' subtrees,
    alone) and media collection. A translation shares its original's group and collection.

    Idempotent: safe to call on every save of the course or of a translation.
    """
    course = original_page(course)
    locked = CoursePage.objects.select_for_update().get(pk=course.pk)
    group = locked.instructor_group
    if group is None:
        group, _created = Group.objects.get_or_create(name=_group_name(course))
    collection = locked.collection
    if collection is None:
        root = Collection.get_first_root_node()
        collection = root.add_child(name=f"{course.title} ({course.pk})")
    for page in CoursePage.objects.filter(translation_key=course.translation_key):
        for codename in PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=group, page=page, permission=permission("wagtailcore", codename)
            )
    for app_label, codename in COLLECTION_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=permission(app_label, codename)
        )
    if locked.instructor_group_id != group.pk or locked.collection_id != collection.pk:
        CoursePage.objects.filter(pk=course.pk).update(instructor_group=group, collection=collection)
    course.instructor_group, course.collection = group, collection
    course_sync_instructors(course=course)
    return group


@transaction.atomic
def course_sync_instructors(*, course: CoursePage) -> None:
    """Make the course group's members exactly the course's instructors (who also join Instructors)."""
    group = course.instructor_group
    if group is None:
        return
    instructors = list(course.instructors.all())
    group.user_set.set(instructors)
    site_group = Group.objects.get(name=INSTRUCTORS)
    for user in instructors:
        user.groups.add(site_group)


@transaction.atomic
def course_create(
    *,
    catalog: CatalogPage,
    title: str,
    summary: str,
    description: str,
    estimated_hours: int,
    instructors: Iterable[User] = (),
    user: User | None = None,
    slug: str = "",
    list_price: Decimal = Decimal("0.00"),
    publish: bool = True,
    **fields: Any,
) -> CoursePage:
    """Create a course under the catalog with its instructor group and collection.

    `user`, when given, must be a course creator or be allowed to add pages to the catalog (platform admins are).
    A price is set by those who may add pages to the catalog (platform admins): a course creator starts a free
    course. The slug must be free in the catalog: a taken one is refused with a ValidationError on `slug`.
    """
    if user is not None:
        runs_catalog = catalog.permissions_for_user(user).can_add_subpage()
        if not runs_catalog and not user_may_create_courses(user=user):
            raise PermissionDenied(_("You may not create courses in this catalog."))
        if list_price and not runs_catalog:
            raise PermissionDenied(_("Only platform admins set the price of a course."))
    course = CoursePage(
        title=title,
        slug=slug or None,
        summary=summary,
        description=description,
        estimated_hours=estimated_hours,
        list_price=list_price,
        locale_id=catalog.locale_id,  # a course in the French catalog is a French course
        **fields,
    )
    if not course.slug:
        from django.utils.text import slugify

        course.slug = slugify(title)
    if catalog.get_children().filter(slug=course.slug).exists():
        raise ValidationError({"slug": _("Another course already has the address “%(slug)s”.") % {"slug": course.slug}})
    course.instructors.set(list(instructors))
    course.full_clean(exclude=["path", "depth", "url_path"])
    catalog.add_child(instance=course)
    revision = course.save_revision(user=user)
    if publish:  # authorised above: the course group that lets its creator publish is set up just below
        revision.publish(user=user, skip_permission_checks=True)
    course_setup_permissions(course=course)
    return course
