from typing import Any

from django.apps import AppConfig


class FrontendConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "frontend"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission
        from django.db.models.signals import m2m_changed, post_delete

        # The cached "may open the admin" answers (the user bar) follow every change of permissions.
        user_model = get_user_model()
        for through in (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through):
            m2m_changed.connect(_permissions_changed, sender=through, dispatch_uid=f"frontend-admin-{through.__name__}")
        for model in (Group, Permission):
            post_delete.connect(_permissions_changed, sender=model, dispatch_uid=f"frontend-admin-del-{model.__name__}")


def _permissions_changed(**kwargs: Any) -> None:
    from frontend.templatetags.frontend_tags import admin_access_changed

    admin_access_changed()
