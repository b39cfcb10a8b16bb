"""Wagtail's front-end addresses, its page view routed by `content.views.page_serve`: keep it last in lms.urls."""

from django.urls import re_path
from wagtail import urls as wagtail_urls

from content import views

urlpatterns = [
    *[pattern for pattern in wagtail_urls.urlpatterns if getattr(pattern, "name", None) != "wagtail_serve"],
    re_path(wagtail_urls.serve_pattern, views.page_serve, name="wagtail_serve"),
]
