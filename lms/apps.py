from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms"
    verbose_name = _("Stackable")

    def ready(self) -> None:
        from lms.roles import on_post_migrate

        # After Wagtail's own migrations have created the root page, collection and permissions.
        post_migrate.connect(on_post_migrate, dispatch_uid="lms.roles")
