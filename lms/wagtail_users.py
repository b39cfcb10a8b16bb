"""Wagtail's users app, with our user viewset (kept out of lms/apps.py so LmsConfig stays lms's default)."""

from wagtail.users.apps import WagtailUsersAppConfig


class StackableUsersAppConfig(WagtailUsersAppConfig):
    user_viewset = "lms.admin_viewsets.UserViewSet"
