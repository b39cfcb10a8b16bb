from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class BadgesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "badges"
    verbose_name = _("Badges")

    def ready(self) -> None:
        from badges.receivers import on_course_completed
        from progress.signals import course_completed

        course_completed.connect(on_course_completed, dispatch_uid="badges.issue_on_course_completed")
        post_migrate.connect(_grant_permissions, dispatch_uid="badges.grant_permissions")


def _grant_permissions(sender: Any, **kwargs: Any) -> None:
    """Platform admins manage everything of badges; instructors author their courses' achievements."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    # After lms.roles has made the groups, which it does once the last app has migrated.
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender is not last:
        return

    from lms.roles import INSTRUCTORS, PLATFORM_ADMINS

    admins = Group.objects.filter(name=PLATFORM_ADMINS).first()
    if admins is not None:
        admins.permissions.add(*Permission.objects.filter(content_type__app_label="badges"))
    instructors = Group.objects.filter(name=INSTRUCTORS).first()
    if instructors is not None:
        instructors.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="badges",
                codename__in=["add_achievement", "change_achievement", "view_achievement"],
            )
        )
