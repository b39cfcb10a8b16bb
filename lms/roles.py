"""The site-wide groups: Instructors, Course creators and Platform admins. Created after every migrate, idempotently.

Course creators hold `content.add_coursepage`: a platform admin grants it (Open edX's course creator role) to the
instructors who may start courses of their own; platform admins hold it through their app permissions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeGuard

from django.contrib.auth.models import Group, Permission
from django.db import transaction

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lms.models import User

INSTRUCTORS = "Instructors"
PLATFORM_ADMINS = "Platform admins"
COURSE_CREATORS = "Course creators"
COURSE_CREATOR_PERMISSION = ("content", "add_coursepage")
# Wagtail's "Translate" action (a course's French version): instructors translate the courses they may edit.
TRANSLATE_PERMISSION = ("simple_translation", "submit_translation")

PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "bulk_delete_page", "lock_page", "unlock_page")
COLLECTION_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
)
# Platform admins manage everything that is not code: users, skills, sites, redirects and, as the apps
# land, issuers, prices and payments. Each app's "manage_*" permissions are granted by name here.
PLATFORM_ADMIN_APPS = ("lms", "content", "wagtailcore", "wagtailredirects", "wagtailimages", "wagtaildocs")


def permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def role_groups_ensure() -> tuple[Group, Group]:
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

    access_admin = permission("wagtailadmin", "access_admin")
    instructors, _ = Group.objects.get_or_create(name=INSTRUCTORS)
    instructors.permissions.add(access_admin, permission(*TRANSLATE_PERMISSION))
    creators, _ = Group.objects.get_or_create(name=COURSE_CREATORS)
    creators.permissions.add(access_admin, permission(*COURSE_CREATOR_PERMISSION))

    admins, _ = Group.objects.get_or_create(name=PLATFORM_ADMINS)
    admins.permissions.add(access_admin, permission(*TRANSLATE_PERMISSION))
    admins.permissions.add(*Permission.objects.filter(content_type__app_label__in=PLATFORM_ADMIN_APPS))
    root_page = Page.get_first_root_node()
    if root_page is not None:
        for codename in PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=admins, page=root_page, permission=permission("wagtailcore", codename)
            )
    root_collection = Collection.get_first_root_node()
    if root_collection is not None:
        for app_label, codename in COLLECTION_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=admins, collection=root_collection, permission=permission(app_label, codename)
            )
    return instructors, admins


def on_post_migrate(sender: Any, **kwargs: Any) -> None:
    """Runs once per migrate, after the last app's permissions exist (post_migrate goes app by app)."""
    from django.apps import apps

    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender is last:
        role_groups_ensure()


def user_is_platform_admin(user: User | AnonymousUser) -> TypeGuard[User]:
    """A superuser or a member of the Platform admins group (never a visitor)."""
    return bool(user.is_authenticated and (user.is_superuser or user.groups.filter(name=PLATFORM_ADMINS).exists()))
