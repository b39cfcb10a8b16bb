"""Every change to course structure and instructor rights goes through here (admin hooks, demo, tests)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.actions.convert_alias import ConvertAliasPageAction
from wagtail.actions.copy_for_translation import CopyPageForTranslationAction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Locale, Page

from content.models import CatalogPage, CoursePage
from content.translations import language_of, original_page
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


def _locale_for(language: str) -> Locale:
    code = (language or "").replace("_", "-").lower().split("-")[0]
    locale = Locale.objects.filter(language_code=code).first() if code else None
    if locale is None:
        raise ValidationError(
            {"language": _("The site has no content language “%(language)s”.") % {"language": language}}
        )
    return locale


@transaction.atomic
def page_ancestors_translate(*, page: Page, language: str, inclusive: bool = False) -> list[Page]:
    """Make sure every ancestor of `page` below the tree root (the site's Home and Catalog), and `page` itself when
    `inclusive`, has a real translation in `language`, top down, and return those translations.

    A missing one is copied from the original and, when the original is live, published as it is, so the
    translated pages below it have a home page that answers in that language (it is then rewritten in that
    language, as the demo does). An alias left by an earlier copy is turned into a page of its own.
    """
    locale = _locale_for(language)
    translated: list[Page] = []
    for ancestor in page.get_ancestors(inclusive=inclusive).filter(depth__gt=1).order_by("depth"):
        ancestor = ancestor.specific
        if ancestor.locale_id == locale.pk:
            translated.append(ancestor)
            continue
        copy = Page.objects.filter(translation_key=ancestor.translation_key, locale=locale).first()
        if copy is None:
            copy = CopyPageForTranslationAction(page=ancestor, locale=locale, copy_parents=False).execute(
                skip_permission_checks=True
            )
            if ancestor.live:
                copy.specific.save_revision().publish(skip_permission_checks=True)
        elif copy.alias_of_id is not None:
            ConvertAliasPageAction(copy.specific).execute(skip_permission_checks=True)
        translated.append(Page.objects.get(pk=copy.pk).specific)
    return translated


@transaction.atomic
def course_translate(*, course: CoursePage, language: str, user: User | None = None) -> CoursePage:
    """Copy `course` with its modules and items into the locale of `language`, as drafts for its instructors to
    rewrite; the copy keeps every StreamField block id (quiz questions are keyed by them).

    `user`, when given, must be allowed to edit the course. A course already translated into `language` (or
    written in it) is refused with a ValidationError on `language`. The site's Home and Catalog get real
    translations first (`page_ancestors_translate`); the course's instructor group gets rights on the copy
    (content.apps, on Wagtail's copy_for_translation_done).
    """
    source = original_page(course)
    locale = _locale_for(language)
    if user is not None and not source.permissions_for_user(user).can_edit():
        raise PermissionDenied(_("You may not translate this course."))
    if language_of(source) == locale.language_code:
        raise ValidationError({"language": _("This course is already written in this language.")})
    if Page.objects.filter(translation_key=source.translation_key, locale=locale).exists():
        raise ValidationError(
            {"language": _("“%(title)s” already has a translation in this language.") % {"title": source.title}}
        )
    page_ancestors_translate(page=source, language=locale.language_code)
    action = CopyPageForTranslationAction(
        page=source, locale=locale, copy_parents=True, include_subtree=True, user=user
    )
    copy = action.execute(skip_permission_checks=True)  # authorised above: course editors translate their course
    return CoursePage.objects.get(pk=copy.pk)
