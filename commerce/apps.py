from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def grant_platform_admins(sender: Any, **kwargs: Any) -> None:
    """Platform admins edit prices, tiers, tax rates, coupons and organizations in the Wagtail admin."""
    from django.contrib.auth.models import Group, Permission

    from lms.roles import PLATFORM_ADMINS

    group = Group.objects.filter(name=PLATFORM_ADMINS).first()
    if group is not None:
        group.permissions.add(*Permission.objects.filter(content_type__app_label__in=("commerce", "organizations")))


class CommerceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "commerce"
    verbose_name = _("Commerce")

    def ready(self) -> None:
        # Runs after each app's post_migrate; cheap and idempotent, so the group catches up whichever app came last.
        post_migrate.connect(grant_platform_admins, dispatch_uid="commerce.grant_platform_admins")
